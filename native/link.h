// Links: RTM_NEWLINK / DELLINK / GETLINK requests and their decoding.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compact.h"
#include "message.h"
#include "spec.h"

namespace vnic {

// Writes an ifinfomsg and every generic link attribute of `spec` (index, name,
// flags, mtu, address, netns, linkinfo with the kind's data, …). Kinds that
// nest a second link (veth's peer) call it again inside their attribute.
void EncodeLinkBody(MessageWriter& writer, SpecReader& spec);

// The messages of `data` as one array, each link with `linkName` and
// `masterName` added last where its parent (when it lives here) and its
// master are among the links of `names` (a dump names from itself).
void DecodeLinksNamed(ValueWriter& out, const char* data, size_t len, const char* names, size_t names_len);

// The ifindexes to name for the link a get returned (the first message of
// `replies`): its parent, when it lives here, and its master, unless either
// is the link itself.
std::vector<uint32_t> LinksToName(const std::string& replies);

// RTM_GETLINK for one ifindex, without counters, to learn its name (the
// sequence number left 0 for the engine).
std::string EncodeNameLookup(uint32_t index);

}  // namespace vnic
