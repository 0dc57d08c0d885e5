// veth: the peer is a whole second link (ifinfomsg + attributes) nested in
// VETH_INFO_PEER, written by the same code that writes the first.
#include <linux/if_link.h>
#include <linux/veth.h>

#include "../link.h"
#include "../registry.h"

namespace vnic {
namespace {

const char* const kNames[] = {nullptr, "VETH_INFO_PEER"};

// Options: peer (a link spec: name, address, mtu, netnsFd, …).
void Encode(MessageWriter& writer, SpecReader& info) {
  auto peer = info.Object("peer");
  if (!peer) return;
  nlattr* nest = writer.BeginNested(VETH_INFO_PEER);
  SpecReader peer_spec(info.env(), *peer);
  EncodeLinkBody(writer, peer_spec);
  writer.EndNested(nest);
}

// The kernel reports no veth data; the peer is the link's IFLA_LINK.
Napi::Value Decode(Napi::Env env, const nlattr*, const AttrTable& link) {
  Napi::Object out = Napi::Object::New(env);
  uint32_t peer;
  if (link.U32(IFLA_LINK, &peer)) out.Set("peer", peer);
  return out;
}

const LinkKind kVeth{"veth", false, Encode, Decode, {kNames, std::size(kNames)}};
Registrar registrar(&kVeth);

}  // namespace
}  // namespace vnic
