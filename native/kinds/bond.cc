// bond (the device) and bond ports (the slave kind "bond"): links aggregated
// for failover or load sharing. Ports join through IFLA_MASTER like bridge
// ports; what the bond thinks of each comes back as its slave data.
#include <linux/if_link.h>

#include "../registry.h"
#include "fields.h"

namespace vnic {
namespace {

const NamedValue kModes[] = {{"balance-rr", 0}, {"active-backup", 1}, {"balance-xor", 2}, {"broadcast", 3},
                             {"802.3ad", 4},    {"balance-tlb", 5},   {"balance-alb", 6}};
const NamedValue kArpValidate[] = {{"none", 0},   {"active", 1},        {"backup", 2},       {"all", 3},
                                   {"filter", 4}, {"filter_active", 5}, {"filter_backup", 6}};
const NamedValue kArpAllTargets[] = {{"any", 0}, {"all", 1}};
const NamedValue kPrimaryReselect[] = {{"always", 0}, {"better", 1}, {"failure", 2}};
const NamedValue kFailOverMac[] = {{"none", 0}, {"active", 1}, {"follow", 2}};
const NamedValue kXmitHashPolicy[] = {{"layer2", 0},   {"layer3+4", 1}, {"layer2+3", 2},
                                      {"encap2+3", 3}, {"encap3+4", 4}, {"vlan+srcmac", 5}};
const NamedValue kLacpRate[] = {{"slow", 0}, {"fast", 1}};
const NamedValue kAdSelect[] = {{"stable", 0}, {"bandwidth", 1}, {"count", 2}};

const NamedField kNamedFields[] = {
    Named("mode", IFLA_BOND_MODE, Width::kU8, kModes, "a bond mode"),
    Named("arpValidate", IFLA_BOND_ARP_VALIDATE, Width::kU32, kArpValidate, "an arp_validate policy"),
    Named("arpAllTargets", IFLA_BOND_ARP_ALL_TARGETS, Width::kU32, kArpAllTargets, "any or all"),
    Named("primaryReselect", IFLA_BOND_PRIMARY_RESELECT, Width::kU8, kPrimaryReselect, "always, better or failure"),
    Named("failOverMac", IFLA_BOND_FAIL_OVER_MAC, Width::kU8, kFailOverMac, "none, active or follow"),
    Named("xmitHashPolicy", IFLA_BOND_XMIT_HASH_POLICY, Width::kU8, kXmitHashPolicy, "a xmit_hash_policy"),
    Named("lacpRate", IFLA_BOND_AD_LACP_RATE, Width::kU8, kLacpRate, "slow or fast"),
    Named("adSelect", IFLA_BOND_AD_SELECT, Width::kU8, kAdSelect, "stable, bandwidth or count"),
};

const Field kFields[] = {
    {"activeSlave", IFLA_BOND_ACTIVE_SLAVE, Width::kU32},
    {"miimon", IFLA_BOND_MIIMON, Width::kU32},
    {"updelay", IFLA_BOND_UPDELAY, Width::kU32},
    {"downdelay", IFLA_BOND_DOWNDELAY, Width::kU32},
    {"peerNotifyDelay", IFLA_BOND_PEER_NOTIF_DELAY, Width::kU32},
    {"useCarrier", IFLA_BOND_USE_CARRIER, Width::kBool8},
    {"arpInterval", IFLA_BOND_ARP_INTERVAL, Width::kU32},
    {"primary", IFLA_BOND_PRIMARY, Width::kU32},
    {"resendIgmp", IFLA_BOND_RESEND_IGMP, Width::kU32},
    {"numGratArp", IFLA_BOND_NUM_PEER_NOTIF, Width::kU8},
    {"allSlavesActive", IFLA_BOND_ALL_SLAVES_ACTIVE, Width::kBool8},
    {"minLinks", IFLA_BOND_MIN_LINKS, Width::kU32},
    {"lpInterval", IFLA_BOND_LP_INTERVAL, Width::kU32},
    {"packetsPerSlave", IFLA_BOND_PACKETS_PER_SLAVE, Width::kU32},
    {"adUserPortKey", IFLA_BOND_AD_USER_PORT_KEY, Width::kU16},
    {"adActorSysPrio", IFLA_BOND_AD_ACTOR_SYS_PRIO, Width::kU16},
    {"tlbDynamicLb", IFLA_BOND_TLB_DYNAMIC_LB, Width::kBool8},
};

const Field kAdInfoFields[] = {
    {"aggregator", IFLA_BOND_AD_INFO_AGGREGATOR, Width::kU16, true},
    {"numPorts", IFLA_BOND_AD_INFO_NUM_PORTS, Width::kU16, true},
    {"actorKey", IFLA_BOND_AD_INFO_ACTOR_KEY, Width::kU16, true},
    {"partnerKey", IFLA_BOND_AD_INFO_PARTNER_KEY, Width::kU16, true},
};

// The kernel's own limit (BOND_MAX_ARP_TARGETS).
constexpr size_t kMaxArpTargets = 16;

const NamedValue kSlaveStates[] = {{"active", 0}, {"backup", 1}};
const NamedValue kMiiStatus[] = {{"up", 0}, {"going_down", 1}, {"down", 2}, {"going_back", 3}};

const NamedField kSlaveNamedFields[] = {
    Named("state", IFLA_BOND_SLAVE_STATE, Width::kU8, kSlaveStates, "active or backup"),
    Named("miiStatus", IFLA_BOND_SLAVE_MII_STATUS, Width::kU8, kMiiStatus, "a MII status"),
};

const Field kSlaveFields[] = {
    {"queueId", IFLA_BOND_SLAVE_QUEUE_ID, Width::kU16},
    {"prio", IFLA_BOND_SLAVE_PRIO, Width::kS32},
    {"linkFailureCount", IFLA_BOND_SLAVE_LINK_FAILURE_COUNT, Width::kU32, true},
    {"adAggregatorId", IFLA_BOND_SLAVE_AD_AGGREGATOR_ID, Width::kU16, true},
    {"adActorOperPortState", IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE, Width::kU8, true},
    {"adPartnerOperPortState", IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE, Width::kU16, true},
};

const char* const kNames[] = {
    nullptr, "IFLA_BOND_MODE", "IFLA_BOND_ACTIVE_SLAVE", "IFLA_BOND_MIIMON", "IFLA_BOND_UPDELAY",
    "IFLA_BOND_DOWNDELAY", "IFLA_BOND_USE_CARRIER", "IFLA_BOND_ARP_INTERVAL", "IFLA_BOND_ARP_IP_TARGET",
    "IFLA_BOND_ARP_VALIDATE", "IFLA_BOND_ARP_ALL_TARGETS", "IFLA_BOND_PRIMARY", "IFLA_BOND_PRIMARY_RESELECT",
    "IFLA_BOND_FAIL_OVER_MAC", "IFLA_BOND_XMIT_HASH_POLICY", "IFLA_BOND_RESEND_IGMP",
    "IFLA_BOND_NUM_PEER_NOTIF", "IFLA_BOND_ALL_SLAVES_ACTIVE", "IFLA_BOND_MIN_LINKS",
    "IFLA_BOND_LP_INTERVAL", "IFLA_BOND_PACKETS_PER_SLAVE", "IFLA_BOND_AD_LACP_RATE",
    "IFLA_BOND_AD_SELECT", "IFLA_BOND_AD_INFO", "IFLA_BOND_AD_ACTOR_SYS_PRIO",
    "IFLA_BOND_AD_USER_PORT_KEY", "IFLA_BOND_AD_ACTOR_SYSTEM", "IFLA_BOND_TLB_DYNAMIC_LB",
    "IFLA_BOND_PEER_NOTIF_DELAY"};
const char* const kSlaveNames[] = {nullptr, "IFLA_BOND_SLAVE_STATE", "IFLA_BOND_SLAVE_MII_STATUS",
                                   "IFLA_BOND_SLAVE_LINK_FAILURE_COUNT", "IFLA_BOND_SLAVE_PERM_HWADDR",
                                   "IFLA_BOND_SLAVE_QUEUE_ID", "IFLA_BOND_SLAVE_AD_AGGREGATOR_ID",
                                   "IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE",
                                   "IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE", "IFLA_BOND_SLAVE_PRIO"};

// A MAC attribute as `key`, when present and not empty.
void WriteMac(ValueWriter& out, const char* key, const AttrTable& attrs, uint16_t type) {
  const uint8_t* bytes;
  size_t len;
  if (attrs.Bytes(type, &bytes, &len) && len != 0) out.String(key, FormatHardwareAddress(bytes, len));
}

// Options: the rows above (activeSlave and primary as ifindexes), arpIpTarget
// (4-byte addresses), adActorSystem (6-byte MAC).
void Encode(MessageWriter& writer, SpecReader& info) {
  EncodeFields(writer, info, kNamedFields, kFields);
  if (auto targets = info.BytesList("arpIpTarget")) {
    if (targets->size() > kMaxArpTargets) return info.Fail("arpIpTarget", "at most 16 IPv4 addresses");
    nlattr* nest = writer.BeginNested(IFLA_BOND_ARP_IP_TARGET);
    for (size_t i = 0; i < targets->size(); i++) {
      if ((*targets)[i].size() != 4) return info.Fail("arpIpTarget", "IPv4 addresses (4 bytes each)");
      writer.PutBytes(static_cast<uint16_t>(i), (*targets)[i]);
    }
    writer.EndNested(nest);
  }
  if (auto system = info.Bytes("adActorSystem")) {
    if (system->size() != 6) return info.Fail("adActorSystem", "a 6-byte MAC address");
    writer.PutBytes(IFLA_BOND_AD_ACTOR_SYSTEM, *system);
  }
}

void Decode(ValueWriter& out, const nlattr* data, const AttrTable&) {
  AttrTable attrs(data, IFLA_BOND_MAX);
  DecodeFields(out, attrs, kNamedFields, kFields);
  if (attrs.Has(IFLA_BOND_ARP_IP_TARGET)) {
    out.BeginArray("arpIpTarget");
    ForEachNested(attrs.Get(IFLA_BOND_ARP_IP_TARGET), [&](const nlattr* attr) {
      auto* bytes = static_cast<const uint8_t*>(mnl_attr_get_payload(attr));
      if (mnl_attr_get_payload_len(attr) == 4) out.String(nullptr, FormatIpAddress(bytes, 4));
    });
    out.EndArray();
  }
  WriteMac(out, "adActorSystem", attrs, IFLA_BOND_AD_ACTOR_SYSTEM);
  if (attrs.Has(IFLA_BOND_AD_INFO)) {
    out.BeginObject("adInfo");
    AttrTable ad_attrs(attrs.Get(IFLA_BOND_AD_INFO), IFLA_BOND_AD_INFO_MAX);
    DecodeFields(out, ad_attrs, kAdInfoFields);
    WriteMac(out, "partnerMac", ad_attrs, IFLA_BOND_AD_INFO_PARTNER_MAC);
    out.EndObject();
  }
}

// A port's settable options: queueId, prio.
void EncodeSlave(MessageWriter& writer, SpecReader& info) { EncodeFields(writer, info, kSlaveFields); }

void DecodeSlave(ValueWriter& out, const nlattr* data, const AttrTable&) {
  AttrTable attrs(data, IFLA_BOND_SLAVE_MAX);
  DecodeFields(out, attrs, kSlaveNamedFields, kSlaveFields);
  WriteMac(out, "permHwaddr", attrs, IFLA_BOND_SLAVE_PERM_HWADDR);
}

const LinkKind kBond{"bond", false, Encode, Decode, {kNames, std::size(kNames)}};
const LinkKind kBondSlave{"bond", true, EncodeSlave, DecodeSlave, {kSlaveNames, std::size(kSlaveNames)}};
Registrar registrars[] = {Registrar(&kBond), Registrar(&kBondSlave)};

}  // namespace
}  // namespace vnic
