// macsec: 802.1AE encryption and integrity on top of a parent link. This
// creates and configures the SecY; keys (SAs) and receive channels are set
// through the "macsec" generic-netlink family, which vnic does not speak.
#include <linux/if_link.h>
#include <linux/if_macsec.h>

#include <cstdio>
#include <string>

#include "../registry.h"
#include "fields.h"

namespace vnic {
namespace {

const NamedValue kValidate[] = {{"disabled", MACSEC_VALIDATE_DISABLED},
                                {"check", MACSEC_VALIDATE_CHECK},
                                {"strict", MACSEC_VALIDATE_STRICT}};

const NamedValue kOffload[] = {{"off", MACSEC_OFFLOAD_OFF}, {"phy", MACSEC_OFFLOAD_PHY}, {"mac", MACSEC_OFFLOAD_MAC}};

const NamedField kNamedFields[] = {
    Named("validate", IFLA_MACSEC_VALIDATION, Width::kU8, kValidate, "disabled, check or strict"),
    Named("offload", IFLA_MACSEC_OFFLOAD, Width::kU8, kOffload, "off, phy or mac"),
};

const Field kFields[] = {
    {"port", IFLA_MACSEC_PORT, Width::kBe16},
    {"icvlen", IFLA_MACSEC_ICV_LEN, Width::kU8},
    {"encodingsa", IFLA_MACSEC_ENCODING_SA, Width::kU8},
    {"window", IFLA_MACSEC_WINDOW, Width::kU32},
    {"encrypt", IFLA_MACSEC_ENCRYPT, Width::kBool8},
    {"protect", IFLA_MACSEC_PROTECT, Width::kBool8},
    {"sendSci", IFLA_MACSEC_INC_SCI, Width::kBool8},
    {"endStation", IFLA_MACSEC_ES, Width::kBool8},
    {"scb", IFLA_MACSEC_SCB, Width::kBool8},
    {"replay", IFLA_MACSEC_REPLAY_PROTECT, Width::kBool8},
};

// Cipher suites are 64-bit ids: named here, never handed to JS as numbers.
// The first row of a name is what we send (as iproute2 does); the kernel
// also takes the old default id for gcm-aes-128, so it reads back as it.
struct Cipher {
  const char* name;
  uint64_t id;
};
const Cipher kCiphers[] = {{"gcm-aes-128", MACSEC_CIPHER_ID_GCM_AES_128},
                           {"gcm-aes-128", MACSEC_DEFAULT_CIPHER_ID},
                           {"gcm-aes-256", MACSEC_CIPHER_ID_GCM_AES_256},
                           {"gcm-aes-xpn-128", MACSEC_CIPHER_ID_GCM_AES_XPN_128},
                           {"gcm-aes-xpn-256", MACSEC_CIPHER_ID_GCM_AES_XPN_256}};

constexpr size_t kSciLength = 8;  // a MAC address and a port, network order

const char* const kNames[] = {
    nullptr, "IFLA_MACSEC_SCI", "IFLA_MACSEC_PORT", "IFLA_MACSEC_ICV_LEN", "IFLA_MACSEC_CIPHER_SUITE",
    "IFLA_MACSEC_WINDOW", "IFLA_MACSEC_ENCODING_SA", "IFLA_MACSEC_ENCRYPT", "IFLA_MACSEC_PROTECT",
    "IFLA_MACSEC_INC_SCI", "IFLA_MACSEC_ES", "IFLA_MACSEC_SCB", "IFLA_MACSEC_REPLAY_PROTECT",
    "IFLA_MACSEC_VALIDATION", "IFLA_MACSEC_PAD", "IFLA_MACSEC_OFFLOAD"};

// Options: sci (8 bytes), cipher (a name), and the rows above.
void Encode(MessageWriter& writer, SpecReader& info) {
  if (auto sci = info.Bytes("sci")) {
    if (sci->size() != kSciLength) return info.Fail("sci", "8 bytes (MAC address + port)");
    writer.PutBytes(IFLA_MACSEC_SCI, *sci);
  }
  if (auto cipher = info.String("cipher")) {
    const Cipher* found = nullptr;
    for (const auto& entry : kCiphers) {
      if (*cipher == entry.name) {
        found = &entry;
        break;
      }
    }
    if (found == nullptr) return info.Fail("cipher", "gcm-aes-128, gcm-aes-256, gcm-aes-xpn-128 or gcm-aes-xpn-256");
    writer.Put(IFLA_MACSEC_CIPHER_SUITE, &found->id, sizeof found->id);
  }
  EncodeFields(writer, info, kNamedFields, kFields);
}

void Decode(ValueWriter& out, const nlattr* data, const AttrTable&) {
  AttrTable attrs(data, IFLA_MACSEC_MAX);
  DecodeFields(out, attrs, kNamedFields, kFields);
  const uint8_t* bytes;
  size_t len;
  if (attrs.Bytes(IFLA_MACSEC_SCI, &bytes, &len) && len == kSciLength) {
    out.String("sci", FormatHex(bytes, len));
    // The kernel reports the port only inside the SCI: its last two bytes.
    if (!attrs.Has(IFLA_MACSEC_PORT)) out.Number("port", (bytes[6] << 8) | bytes[7]);
  }
  uint64_t id;
  if (attrs.U64(IFLA_MACSEC_CIPHER_SUITE, &id)) {
    const char* name = nullptr;
    for (const auto& entry : kCiphers) {
      if (entry.id == id) name = entry.name;
    }
    char text[19];
    if (name == nullptr) {
      snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(id));
      name = text;
    }
    out.String("cipher", name);
  }
}

const LinkKind kMacsec{"macsec", false, Encode, Decode, {kNames, std::size(kNames)}};
Registrar registrar(&kMacsec);

}  // namespace
}  // namespace vnic
