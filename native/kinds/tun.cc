// tun / tap, as get and list report them (IFLA_INFO_KIND "tun"). The kernel
// creates these only through /dev/net/tun (native/tun.cc), never through
// RTM_NEWLINK: every row here is read-only.
#include <linux/if_link.h>
#include <linux/if_tun.h>

#include "../registry.h"
#include "fields.h"

namespace vnic {
namespace {

const NamedValue kTypes[] = {{"tun", IFF_TUN}, {"tap", IFF_TAP}};

const NamedField kNamedFields[] = {Named("type", IFLA_TUN_TYPE, Width::kU8, kTypes, "tun or tap")};

const Field kFields[] = {
    {"user", IFLA_TUN_OWNER, Width::kU32, true},
    {"group", IFLA_TUN_GROUP, Width::kU32, true},
    {"pi", IFLA_TUN_PI, Width::kBool8, true},
    {"vnetHdr", IFLA_TUN_VNET_HDR, Width::kBool8, true},
    {"persist", IFLA_TUN_PERSIST, Width::kBool8, true},
    {"multiQueue", IFLA_TUN_MULTI_QUEUE, Width::kBool8, true},
    {"numQueues", IFLA_TUN_NUM_QUEUES, Width::kU32, true},
    {"numDisabledQueues", IFLA_TUN_NUM_DISABLED_QUEUES, Width::kU32, true},
};

const char* const kNames[] = {nullptr,          "IFLA_TUN_OWNER",      "IFLA_TUN_GROUP",
                              "IFLA_TUN_TYPE",  "IFLA_TUN_PI",         "IFLA_TUN_VNET_HDR",
                              "IFLA_TUN_PERSIST", "IFLA_TUN_MULTI_QUEUE", "IFLA_TUN_NUM_QUEUES",
                              "IFLA_TUN_NUM_DISABLED_QUEUES"};

// Nothing to send: lib/ refuses link.add for tun and points to handle.tuntap.
void Encode(MessageWriter&, SpecReader&) {}

void Decode(ValueWriter& out, const nlattr* data, const AttrTable&) {
  AttrTable attrs(data, IFLA_TUN_MAX);
  DecodeFields(out, attrs, kNamedFields, kFields);
}

const LinkKind kTun{"tun", false, Encode, Decode, {kNames, std::size(kNames)}};
Registrar registrar(&kTun);

}  // namespace
}  // namespace vnic
