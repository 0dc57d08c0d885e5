// vlan: an 802.1Q (or 802.1ad) tagged sub-interface of its parent, one per id.
#include <linux/if_link.h>
#include <linux/if_vlan.h>

#include <cstring>

#include "../registry.h"
#include "fields.h"

namespace vnic {
namespace {

const NamedValue kProtocols[] = {{"802.1Q", 0x8100}, {"802.1ad", 0x88a8}};

const Field kFields[] = {{"id", IFLA_VLAN_ID, Width::kU16}};
const NamedField kNamedFields[] = {
    Named("protocol", IFLA_VLAN_PROTOCOL, Width::kBe16, kProtocols, "802.1Q or 802.1ad")};

// The boolean options behind IFLA_VLAN_FLAGS.
const NamedValue kFlags[] = {{"reorderHdr", VLAN_FLAG_REORDER_HDR},
                             {"gvrp", VLAN_FLAG_GVRP},
                             {"looseBinding", VLAN_FLAG_LOOSE_BINDING},
                             {"mvrp", VLAN_FLAG_MVRP},
                             {"bridgeBinding", VLAN_FLAG_BRIDGE_BINDING}};

// The kernel keeps 8 ingress entries (one per PCP) and hashes egress ones;
// a request carries at most this many.
constexpr uint32_t kMaxQosMappings = 64;

const char* const kNames[] = {nullptr, "IFLA_VLAN_ID", "IFLA_VLAN_FLAGS", "IFLA_VLAN_EGRESS_QOS",
                              "IFLA_VLAN_INGRESS_QOS", "IFLA_VLAN_PROTOCOL"};

// ingressQosMap / egressQosMap: [{ from, to }, …] → nested IFLA_VLAN_QOS_MAPPING.
void EncodeQos(MessageWriter& writer, SpecReader& info, const char* key, uint16_t type) {
  auto list = info.Object(key);
  if (!list) return;
  const char* expected = "an array of at most 64 { from, to } mappings";
  if (!list->IsArray()) return info.Fail(key, expected);
  Napi::Array array = list->As<Napi::Array>();
  if (array.Length() > kMaxQosMappings) return info.Fail(key, expected);
  nlattr* nest = writer.BeginNested(type);
  for (uint32_t i = 0; i < array.Length() && info.ok(); i++) {
    Napi::Value item = array.Get(i);
    if (item.IsEmpty() || !item.IsObject()) return info.Fail(key, expected);
    SpecReader entry(info.env(), item.As<Napi::Object>());
    auto from = entry.U32("from");
    auto to = entry.U32("to");
    if (!from || !to) return info.Fail(key, expected);
    ifla_vlan_qos_mapping mapping{*from, *to};
    writer.Put(IFLA_VLAN_QOS_MAPPING, &mapping, sizeof mapping);
  }
  writer.EndNested(nest);
}

void DecodeQos(ValueWriter& out, const char* key, const nlattr* nest) {
  out.BeginArray(key);
  ForEachNested(nest, [&](const nlattr* attr) {
    if (mnl_attr_get_type(attr) != IFLA_VLAN_QOS_MAPPING ||
        mnl_attr_get_payload_len(attr) < sizeof(ifla_vlan_qos_mapping)) {
      return;
    }
    ifla_vlan_qos_mapping mapping;
    memcpy(&mapping, mnl_attr_get_payload(attr), sizeof mapping);
    out.BeginObject(nullptr);
    out.Number("from", mapping.from);
    out.Number("to", mapping.to);
    out.EndObject();
  });
  out.EndArray();
}

// Options: id, protocol, reorderHdr, gvrp, mvrp, looseBinding, bridgeBinding,
// ingressQosMap, egressQosMap. Only the flags given change (their mask bits).
void Encode(MessageWriter& writer, SpecReader& info) {
  EncodeFields(writer, info, kFields, kNamedFields);
  ifla_vlan_flags flags{0, 0};
  for (const auto& flag : kFlags) {
    auto on = info.Bool(flag.name);
    if (!on) continue;
    flags.mask |= flag.value;
    if (*on) flags.flags |= flag.value;
  }
  if (flags.mask != 0) writer.Put(IFLA_VLAN_FLAGS, &flags, sizeof flags);
  EncodeQos(writer, info, "ingressQosMap", IFLA_VLAN_INGRESS_QOS);
  EncodeQos(writer, info, "egressQosMap", IFLA_VLAN_EGRESS_QOS);
}

void Decode(ValueWriter& out, const nlattr* data, const AttrTable&) {
  AttrTable attrs(data, IFLA_VLAN_MAX);
  DecodeFields(out, attrs, kFields, kNamedFields);
  const uint8_t* bytes;
  size_t len;
  if (attrs.Bytes(IFLA_VLAN_FLAGS, &bytes, &len) && len >= sizeof(ifla_vlan_flags)) {
    ifla_vlan_flags flags;
    memcpy(&flags, bytes, sizeof flags);
    for (const auto& flag : kFlags) {
      if (flags.mask & flag.value) out.Bool(flag.name, flags.flags & flag.value);
    }
  }
  if (attrs.Has(IFLA_VLAN_INGRESS_QOS)) DecodeQos(out, "ingressQosMap", attrs.Get(IFLA_VLAN_INGRESS_QOS));
  if (attrs.Has(IFLA_VLAN_EGRESS_QOS)) DecodeQos(out, "egressQosMap", attrs.Get(IFLA_VLAN_EGRESS_QOS));
}

const LinkKind kVlan{"vlan", false, Encode, Decode, {kNames, std::size(kNames)}};
Registrar registrar(&kVlan);

}  // namespace
}  // namespace vnic
