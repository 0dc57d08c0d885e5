// ipvlan and ipvtap: children that share their parent's MAC and are told
// apart by IP address (ipvtap adds a character device for VMs, as macvtap
// does for macvlan). One codec, two kind names.
#include <linux/if_link.h>

#include "../registry.h"
#include "fields.h"

namespace vnic {
namespace {

const NamedValue kModes[] = {{"l2", IPVLAN_MODE_L2}, {"l3", IPVLAN_MODE_L3}, {"l3s", IPVLAN_MODE_L3S}};
// `bridge` is the absence of the other two.
const NamedValue kFlags[] = {{"bridge", 0}, {"private", IPVLAN_F_PRIVATE}, {"vepa", IPVLAN_F_VEPA}};

const NamedField kNamedFields[] = {
    Named("mode", IFLA_IPVLAN_MODE, Width::kU16, kModes, "l2, l3 or l3s"),
    Named("flags", IFLA_IPVLAN_FLAGS, Width::kU16, kFlags, "bridge, private or vepa"),
};

const char* const kNames[] = {nullptr, "IFLA_IPVLAN_MODE", "IFLA_IPVLAN_FLAGS"};

// Options: mode, flags.
void Encode(MessageWriter& writer, SpecReader& info) { EncodeFields(writer, info, kNamedFields); }

void Decode(ValueWriter& out, const nlattr* data, const AttrTable&) {
  DecodeFields(out, AttrTable(data, IFLA_IPVLAN_MAX), kNamedFields);
}

const LinkKind kIpvlan{"ipvlan", false, Encode, Decode, {kNames, std::size(kNames)}};
const LinkKind kIpvtap{"ipvtap", false, Encode, Decode, {kNames, std::size(kNames)}};
Registrar registrars[] = {Registrar(&kIpvlan), Registrar(&kIpvtap)};

}  // namespace
}  // namespace vnic
