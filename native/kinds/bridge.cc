// bridge (the device) and bridge ports (the slave kind "bridge"): plain
// numeric options, one table each.
#include <linux/if_link.h>

#include "../registry.h"
#include "fields.h"

namespace vnic {
namespace {

const Field kBridgeFields[] = {
    {"forwardDelay", IFLA_BR_FORWARD_DELAY, Width::kU32},
    {"helloTime", IFLA_BR_HELLO_TIME, Width::kU32},
    {"maxAge", IFLA_BR_MAX_AGE, Width::kU32},
    {"ageingTime", IFLA_BR_AGEING_TIME, Width::kU32},
    {"stpState", IFLA_BR_STP_STATE, Width::kU32},
    {"priority", IFLA_BR_PRIORITY, Width::kU16},
    {"vlanFiltering", IFLA_BR_VLAN_FILTERING, Width::kBool8},
    {"mcastSnooping", IFLA_BR_MCAST_SNOOPING, Width::kBool8},
    {"vlanDefaultPvid", IFLA_BR_VLAN_DEFAULT_PVID, Width::kU16},
    {"rootPort", IFLA_BR_ROOT_PORT, Width::kU16, true},
    {"rootPathCost", IFLA_BR_ROOT_PATH_COST, Width::kU32, true},
};

const Field kPortFields[] = {
    {"state", IFLA_BRPORT_STATE, Width::kU8},
    {"priority", IFLA_BRPORT_PRIORITY, Width::kU16},
    {"cost", IFLA_BRPORT_COST, Width::kU32},
    {"hairpin", IFLA_BRPORT_MODE, Width::kBool8},
    {"guard", IFLA_BRPORT_GUARD, Width::kBool8},
    {"rootBlock", IFLA_BRPORT_PROTECT, Width::kBool8},
    {"fastleave", IFLA_BRPORT_FAST_LEAVE, Width::kBool8},
    {"learning", IFLA_BRPORT_LEARNING, Width::kBool8},
    {"flood", IFLA_BRPORT_UNICAST_FLOOD, Width::kBool8},
    {"proxyArp", IFLA_BRPORT_PROXYARP, Width::kBool8},
    {"mcastFlood", IFLA_BRPORT_MCAST_FLOOD, Width::kBool8},
    {"bcastFlood", IFLA_BRPORT_BCAST_FLOOD, Width::kBool8},
    {"neighSuppress", IFLA_BRPORT_NEIGH_SUPPRESS, Width::kBool8},
    {"isolated", IFLA_BRPORT_ISOLATED, Width::kBool8},
    {"portNo", IFLA_BRPORT_NO, Width::kU16, true},
};

// Up to the last attribute vnic sends (IFLA_BR_VLAN_DEFAULT_PVID), so that
// the kernel's complaint about any of them names it.
const char* const kBridgeNames[] = {
    nullptr, "IFLA_BR_FORWARD_DELAY", "IFLA_BR_HELLO_TIME", "IFLA_BR_MAX_AGE",
    "IFLA_BR_AGEING_TIME", "IFLA_BR_STP_STATE", "IFLA_BR_PRIORITY", "IFLA_BR_VLAN_FILTERING",
    "IFLA_BR_VLAN_PROTOCOL", "IFLA_BR_GROUP_FWD_MASK", "IFLA_BR_ROOT_ID", "IFLA_BR_BRIDGE_ID",
    "IFLA_BR_ROOT_PORT", "IFLA_BR_ROOT_PATH_COST", "IFLA_BR_TOPOLOGY_CHANGE",
    "IFLA_BR_TOPOLOGY_CHANGE_DETECTED", "IFLA_BR_HELLO_TIMER", "IFLA_BR_TCN_TIMER",
    "IFLA_BR_TOPOLOGY_CHANGE_TIMER", "IFLA_BR_GC_TIMER", "IFLA_BR_GROUP_ADDR", "IFLA_BR_FDB_FLUSH",
    "IFLA_BR_MCAST_ROUTER", "IFLA_BR_MCAST_SNOOPING", "IFLA_BR_MCAST_QUERY_USE_IFADDR",
    "IFLA_BR_MCAST_QUERIER", "IFLA_BR_MCAST_HASH_ELASTICITY", "IFLA_BR_MCAST_HASH_MAX",
    "IFLA_BR_MCAST_LAST_MEMBER_CNT", "IFLA_BR_MCAST_STARTUP_QUERY_CNT",
    "IFLA_BR_MCAST_LAST_MEMBER_INTVL", "IFLA_BR_MCAST_MEMBERSHIP_INTVL",
    "IFLA_BR_MCAST_QUERIER_INTVL", "IFLA_BR_MCAST_QUERY_INTVL",
    "IFLA_BR_MCAST_QUERY_RESPONSE_INTVL", "IFLA_BR_MCAST_STARTUP_QUERY_INTVL",
    "IFLA_BR_NF_CALL_IPTABLES", "IFLA_BR_NF_CALL_IP6TABLES", "IFLA_BR_NF_CALL_ARPTABLES",
    "IFLA_BR_VLAN_DEFAULT_PVID"};
const char* const kPortNames[] = {nullptr, "IFLA_BRPORT_STATE", "IFLA_BRPORT_PRIORITY",
                                  "IFLA_BRPORT_COST", "IFLA_BRPORT_MODE"};

template <const Field* kTable, size_t kCount>
void EncodeTable(MessageWriter& writer, SpecReader& info) {
  EncodeFields(writer, info, kTable, kCount);
}

template <const Field* kTable, size_t kCount, uint16_t kMax>
void DecodeTable(ValueWriter& out, const nlattr* data, const AttrTable&) {
  DecodeFields(out, AttrTable(data, kMax), kTable, kCount);
}

const LinkKind kBridge{"bridge", false, EncodeTable<kBridgeFields, std::size(kBridgeFields)>,
                       DecodeTable<kBridgeFields, std::size(kBridgeFields), IFLA_BR_MAX>,
                       {kBridgeNames, std::size(kBridgeNames)}};
const LinkKind kBridgePort{"bridge", true, EncodeTable<kPortFields, std::size(kPortFields)>,
                           DecodeTable<kPortFields, std::size(kPortFields), IFLA_BRPORT_MAX>,
                           {kPortNames, std::size(kPortNames)}};
Registrar registrars[] = {Registrar(&kBridge), Registrar(&kBridgePort)};

}  // namespace
}  // namespace vnic
