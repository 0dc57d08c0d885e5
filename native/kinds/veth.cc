// veth, and vxcan (its CAN twin): the peer is a whole second link
// (ifinfomsg + attributes) nested in VETH_INFO_PEER / VXCAN_INFO_PEER (both
// type 1), written by the same code that writes the first.
#include <linux/can/vxcan.h>
#include <linux/if_link.h>
#include <linux/veth.h>

#include "../link.h"
#include "../registry.h"

namespace vnic {
namespace {

static_assert(static_cast<int>(VETH_INFO_PEER) == static_cast<int>(VXCAN_INFO_PEER), "one encoder serves both pairs");

const char* const kNames[] = {nullptr, "VETH_INFO_PEER"};
const char* const kVxcanNames[] = {nullptr, "VXCAN_INFO_PEER"};

// Options: peer (a link spec: name, address, mtu, netnsFd, …).
void Encode(MessageWriter& writer, SpecReader& info) {
  auto peer = info.Object("peer");
  if (!peer) return;
  nlattr* nest = writer.BeginNested(VETH_INFO_PEER);
  SpecReader peer_spec(info.env(), *peer);
  EncodeLinkBody(writer, peer_spec);
  writer.EndNested(nest);
}

// The kernel reports no veth / vxcan data; the peer is the link's IFLA_LINK.
void Decode(ValueWriter& out, const nlattr*, const AttrTable& link) {
  uint32_t peer;
  if (link.U32(IFLA_LINK, &peer)) out.Number("peer", peer);
}

const LinkKind kVeth{"veth", false, Encode, Decode, {kNames, std::size(kNames)}};
const LinkKind kVxcan{"vxcan", false, Encode, Decode, {kVxcanNames, std::size(kVxcanNames)}};
Registrar registrars[] = {Registrar(&kVeth), Registrar(&kVxcan)};

}  // namespace
}  // namespace vnic
