// Links: RTM_NEWLINK / DELLINK / GETLINK requests and their decoding.
#pragma once

#include "message.h"
#include "spec.h"

namespace vnic {

// Writes an ifinfomsg and every generic link attribute of `spec` (index, name,
// flags, mtu, address, netns, linkinfo with the kind's data, …). Kinds that
// nest a second link (veth's peer) call it again inside their attribute.
void EncodeLinkBody(MessageWriter& writer, SpecReader& spec);

}  // namespace vnic
