// vxlan: Ethernet over UDP, 2^24 segments (VNIs). Unknown and broadcast
// frames go to `remote` (one peer) or `multicastGroup` (every member); both
// travel in IFLA_VXLAN_GROUP / GROUP6 and read back by whether the address is
// multicast, as `ip -d link show` does.
#include <arpa/inet.h>
#include <linux/if_link.h>

#include <algorithm>

#include "../registry.h"
#include "fields.h"

namespace vnic {
namespace {

const Field kFields[] = {
    {"id", IFLA_VXLAN_ID, Width::kU32},
    {"dev", IFLA_VXLAN_LINK, Width::kU32},
    {"dstport", IFLA_VXLAN_PORT, Width::kBe16},
    {"ttl", IFLA_VXLAN_TTL, Width::kU8},
    {"tos", IFLA_VXLAN_TOS, Width::kU8},
    {"learning", IFLA_VXLAN_LEARNING, Width::kBool8},
    {"proxy", IFLA_VXLAN_PROXY, Width::kBool8},
    {"rsc", IFLA_VXLAN_RSC, Width::kBool8},
    {"l2miss", IFLA_VXLAN_L2MISS, Width::kBool8},
    {"l3miss", IFLA_VXLAN_L3MISS, Width::kBool8},
    {"udpcsum", IFLA_VXLAN_UDP_CSUM, Width::kBool8},
    {"udp6zerocsumtx", IFLA_VXLAN_UDP_ZERO_CSUM6_TX, Width::kBool8},
    {"udp6zerocsumrx", IFLA_VXLAN_UDP_ZERO_CSUM6_RX, Width::kBool8},
    {"remcsumtx", IFLA_VXLAN_REMCSUM_TX, Width::kBool8},
    {"remcsumrx", IFLA_VXLAN_REMCSUM_RX, Width::kBool8},
    {"external", IFLA_VXLAN_COLLECT_METADATA, Width::kBool8},
    {"ageing", IFLA_VXLAN_AGEING, Width::kU32},
    {"maxaddress", IFLA_VXLAN_LIMIT, Width::kU32},
};

const char* const kNames[] = {nullptr,
                              "IFLA_VXLAN_ID",
                              "IFLA_VXLAN_GROUP",
                              "IFLA_VXLAN_LINK",
                              "IFLA_VXLAN_LOCAL",
                              "IFLA_VXLAN_TTL",
                              "IFLA_VXLAN_TOS",
                              "IFLA_VXLAN_LEARNING",
                              "IFLA_VXLAN_AGEING",
                              "IFLA_VXLAN_LIMIT",
                              "IFLA_VXLAN_PORT_RANGE",
                              "IFLA_VXLAN_PROXY",
                              "IFLA_VXLAN_RSC",
                              "IFLA_VXLAN_L2MISS",
                              "IFLA_VXLAN_L3MISS",
                              "IFLA_VXLAN_PORT",
                              "IFLA_VXLAN_GROUP6",
                              "IFLA_VXLAN_LOCAL6",
                              "IFLA_VXLAN_UDP_CSUM",
                              "IFLA_VXLAN_UDP_ZERO_CSUM6_TX",
                              "IFLA_VXLAN_UDP_ZERO_CSUM6_RX",
                              "IFLA_VXLAN_REMCSUM_TX",
                              "IFLA_VXLAN_REMCSUM_RX",
                              "IFLA_VXLAN_GBP",
                              "IFLA_VXLAN_REMCSUM_NOPARTIAL",
                              "IFLA_VXLAN_COLLECT_METADATA",
                              "IFLA_VXLAN_LABEL",
                              "IFLA_VXLAN_GPE",
                              "IFLA_VXLAN_TTL_INHERIT",
                              "IFLA_VXLAN_DF"};

// An IPv4 (4 bytes) or IPv6 (16 bytes) address into the attribute of its family.
void PutAddress(MessageWriter& writer, SpecReader& info, const char* key, uint16_t v4, uint16_t v6) {
  auto address = info.Bytes(key);
  if (!address) return;
  if (address->size() == 4) return writer.PutBytes(v4, *address);
  if (address->size() == 16) return writer.PutBytes(v6, *address);
  info.Fail(key, "a 4-byte (IPv4) or 16-byte (IPv6) address");
}

bool IsMulticast(const uint8_t* data, size_t len) {
  return (len == 4 && (data[0] & 0xf0) == 0xe0) || (len == 16 && data[0] == 0xff);
}

// The address of whichever family the kernel reported, skipping "any".
bool GetAddress(const AttrTable& attrs, uint16_t v4, uint16_t v6, const uint8_t** data, size_t* len) {
  for (uint16_t type : {v4, v6}) {
    if (!attrs.Bytes(type, data, len) || (*len != 4 && *len != 16)) continue;
    if (std::any_of(*data, *data + *len, [](uint8_t byte) { return byte != 0; })) return true;
  }
  return false;
}

// Options: id, dev (ifindex), local, remote, multicastGroup (address bytes),
// srcport { min, max }, and the numeric / boolean rows of kFields.
void Encode(MessageWriter& writer, SpecReader& info) {
  EncodeFields(writer, info, kFields);
  PutAddress(writer, info, "local", IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6);
  PutAddress(writer, info, "remote", IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6);
  PutAddress(writer, info, "multicastGroup", IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6);
  if (auto range = info.Object("srcport")) {
    SpecReader ports(info.env(), *range);
    auto min = ports.U32("min");
    auto max = ports.U32("max");
    if (!min || !max || *min > 0xffff || *max > 0xffff) return info.Fail("srcport", "{ min, max } UDP ports");
    ifla_vxlan_port_range wire{htons(static_cast<uint16_t>(*min)), htons(static_cast<uint16_t>(*max))};
    writer.Put(IFLA_VXLAN_PORT_RANGE, &wire, sizeof wire);
  }
}

void Decode(ValueWriter& out, const nlattr* data, const AttrTable&) {
  AttrTable attrs(data, IFLA_VXLAN_MAX);
  DecodeFields(out, attrs, kFields);
  const uint8_t* bytes;
  size_t len;
  if (GetAddress(attrs, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, &bytes, &len)) {
    out.String("local", FormatIpAddress(bytes, len));
  }
  if (GetAddress(attrs, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, &bytes, &len)) {
    out.String(IsMulticast(bytes, len) ? "multicastGroup" : "remote", FormatIpAddress(bytes, len));
  }
  if (attrs.Bytes(IFLA_VXLAN_PORT_RANGE, &bytes, &len) && len >= sizeof(ifla_vxlan_port_range)) {
    ifla_vxlan_port_range wire;
    std::copy(bytes, bytes + sizeof wire, reinterpret_cast<uint8_t*>(&wire));
    out.BeginObject("srcport");
    out.Number("min", ntohs(wire.low));
    out.Number("max", ntohs(wire.high));
    out.EndObject();
  }
}

const LinkKind kVxlan{"vxlan", false, Encode, Decode, {kNames, std::size(kNames)}};
Registrar registrar(&kVxlan);

}  // namespace
}  // namespace vnic
