// macvlan and macvtap: one codec, two kind names (macvtap is macvlan with a
// character device in front).
#include <linux/if_link.h>

#include "../registry.h"
#include "fields.h"

#ifndef IFLA_MACVLAN_BC_CUTOFF
#define IFLA_MACVLAN_BC_CUTOFF 9  // Linux 6.4; the 6.1 uapi header lacks it
#endif

namespace vnic {
namespace {

const NamedValue kModes[] = {{"private", MACVLAN_MODE_PRIVATE},
                             {"vepa", MACVLAN_MODE_VEPA},
                             {"bridge", MACVLAN_MODE_BRIDGE},
                             {"passthru", MACVLAN_MODE_PASSTHRU},
                             {"source", MACVLAN_MODE_SOURCE}};

const NamedValue kMacaddrModes[] = {{"add", MACVLAN_MACADDR_ADD},
                                    {"del", MACVLAN_MACADDR_DEL},
                                    {"flush", MACVLAN_MACADDR_FLUSH},
                                    {"set", MACVLAN_MACADDR_SET}};

const Field kFields[] = {
    {"bcqueuelen", IFLA_MACVLAN_BC_QUEUE_LEN, Width::kU32},
    {"bclim", IFLA_MACVLAN_BC_CUTOFF, Width::kS32},
    {"bcqueuelenUsed", IFLA_MACVLAN_BC_QUEUE_LEN_USED, Width::kU32, true},
    {"macaddrCount", IFLA_MACVLAN_MACADDR_COUNT, Width::kU32, true},
};

const char* const kNames[] = {nullptr,
                              "IFLA_MACVLAN_MODE",
                              "IFLA_MACVLAN_FLAGS",
                              "IFLA_MACVLAN_MACADDR_MODE",
                              "IFLA_MACVLAN_MACADDR",
                              "IFLA_MACVLAN_MACADDR_DATA",
                              "IFLA_MACVLAN_MACADDR_COUNT",
                              "IFLA_MACVLAN_BC_QUEUE_LEN",
                              "IFLA_MACVLAN_BC_QUEUE_LEN_USED",
                              "IFLA_MACVLAN_BC_CUTOFF"};

// Options: mode, nopromisc, nodst, macaddrMode ('add' | 'del' | 'flush' |
// 'set'), macaddr (Buffers), bcqueuelen, bclim.
void Encode(MessageWriter& writer, SpecReader& info) {
  if (auto mode = info.String("mode")) {
    uint32_t value;
    if (!ValueOf(kModes, *mode, &value)) return info.Fail("mode", "a macvlan mode");
    writer.PutU32(IFLA_MACVLAN_MODE, value);
  }
  auto nopromisc = info.Bool("nopromisc");
  auto nodst = info.Bool("nodst");
  if (nopromisc || nodst) {
    uint16_t flags = (nopromisc.value_or(false) ? MACVLAN_FLAG_NOPROMISC : 0) |
                     (nodst.value_or(false) ? MACVLAN_FLAG_NODST : 0);
    writer.PutU16(IFLA_MACVLAN_FLAGS, flags);
  }
  if (auto macaddr_mode = info.String("macaddrMode")) {
    uint32_t value;
    if (!ValueOf(kMacaddrModes, *macaddr_mode, &value)) {
      return info.Fail("macaddrMode", "add, del, flush or set");
    }
    writer.PutU32(IFLA_MACVLAN_MACADDR_MODE, value);
    auto addresses = info.BytesList("macaddr").value_or(std::vector<std::string>{});
    if (value == MACVLAN_MACADDR_SET) {
      // The whole list travels nested; add and del name one address.
      nlattr* list = writer.BeginNested(IFLA_MACVLAN_MACADDR_DATA);
      for (const auto& address : addresses) writer.PutBytes(IFLA_MACVLAN_MACADDR, address);
      writer.EndNested(list);
    } else if (value != MACVLAN_MACADDR_FLUSH) {
      if (addresses.size() != 1) return info.Fail("macaddr", "exactly one address for add / del");
      writer.PutBytes(IFLA_MACVLAN_MACADDR, addresses[0]);
    }
  }
  EncodeFields(writer, info, kFields);
}

void Decode(ValueWriter& out, const nlattr* data, const AttrTable&) {
  AttrTable attrs(data, IFLA_MACVLAN_BC_CUTOFF);
  uint32_t mode;
  if (attrs.U32(IFLA_MACVLAN_MODE, &mode)) WriteName(out, "mode", kModes, mode);
  uint16_t flags;
  if (attrs.U16(IFLA_MACVLAN_FLAGS, &flags)) {
    out.Bool("nopromisc", flags & MACVLAN_FLAG_NOPROMISC);
    out.Bool("nodst", flags & MACVLAN_FLAG_NODST);
  }
  DecodeFields(out, attrs, kFields);
  if (attrs.Has(IFLA_MACVLAN_MACADDR_DATA)) {
    out.BeginArray("macaddr");
    ForEachNested(attrs.Get(IFLA_MACVLAN_MACADDR_DATA), [&](const nlattr* attr) {
      if (mnl_attr_get_type(attr) != IFLA_MACVLAN_MACADDR) return;
      out.String(nullptr, FormatHardwareAddress(static_cast<const uint8_t*>(mnl_attr_get_payload(attr)),
                                                mnl_attr_get_payload_len(attr)));
    });
    out.EndArray();
  }
}

const LinkKind kMacvlan{"macvlan", false, Encode, Decode, {kNames, std::size(kNames)}};
const LinkKind kMacvtap{"macvtap", false, Encode, Decode, {kNames, std::size(kNames)}};
Registrar registrars[] = {Registrar(&kMacvlan), Registrar(&kMacvtap)};

}  // namespace
}  // namespace vnic
