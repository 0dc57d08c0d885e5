// Links: RTM_NEWLINK / DELLINK / GETLINK requests and their decoding.
#pragma once

#include "compact.h"
#include "message.h"
#include "spec.h"

namespace vnic {

// Writes an ifinfomsg and every generic link attribute of `spec` (index, name,
// flags, mtu, address, netns, linkinfo with the kind's data, …). Kinds that
// nest a second link (veth's peer) call it again inside their attribute.
void EncodeLinkBody(MessageWriter& writer, SpecReader& spec);

// The messages of a link dump as one array, each link with `linkName` and
// `masterName` added last where its parent (when it lives here) and its
// master are in the same dump, as `ip link` names them.
void DecodeLinksNamed(ValueWriter& out, const char* data, size_t len);

}  // namespace vnic
