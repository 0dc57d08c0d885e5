// The tables that make the engine generic: requests by name (op), decoders by
// message type (family), link kinds by IFLA_INFO_KIND. Each object file
// registers its own entries at load time, so adding a kind or an object type
// touches only its own file.
#pragma once

#include "compact.h"
#include "message.h"
#include "spec.h"

#include <string>
#include <string_view>

namespace vnic {

// A request lib/ can make: "link.add", "addr.dump" …
struct OpDef {
  const char* name;
  uint16_t type;   // RTM_*
  uint16_t flags;  // NLM_F_* besides NLM_F_REQUEST
  // Writes the family header and attributes from the spec; leaves a pending
  // JS exception on a malformed spec.
  void (*encode)(MessageWriter& writer, SpecReader& spec);
};

// How to read and explain one rtnetlink object type (link, address, route).
struct MessageFamily {
  uint16_t first_type, last_type;  // RTM_NEWLINK..RTM_SETLINK, …
  // Writes the message as one unnamed value: an object, or null when the
  // message is too short for its family header.
  void (*decode)(ValueWriter& out, const nlmsghdr* nlh);
  // The name path ("IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_MACVLAN_MODE") of the
  // request attribute at `offset` bytes from the start of the request.
  std::string (*describe_attr)(const nlmsghdr* request, uint32_t offset);
};

// A name for each attribute type of one nested block; null entries unnamed.
struct AttrNames {
  const char* const* names;
  size_t count;
  const char* Name(uint16_t type) const {
    return type < count && names[type] != nullptr ? names[type] : nullptr;
  }
};

// A link kind (IFLA_INFO_KIND) or a slave kind (IFLA_INFO_SLAVE_KIND).
struct LinkKind {
  const char* name;
  bool slave;
  // Writes the contents of IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA.
  void (*encode)(MessageWriter& writer, SpecReader& info);
  // Reads them back as the members of the object the caller opened; `data`
  // may be null; `link` is the whole message's top-level table.
  void (*decode)(ValueWriter& out, const nlattr* data, const AttrTable& link);
  AttrNames names;
};

void RegisterOp(const OpDef* op);
void RegisterFamily(const MessageFamily* family);
void RegisterKind(const LinkKind* kind);

const OpDef* FindOp(std::string_view name);
const MessageFamily* FindFamily(uint16_t type);
const LinkKind* FindKind(std::string_view name, bool slave);

// The create / replace / delete / dump requests of an object type whose
// requests all take one encoder (addresses, routes), registered together.
struct ObjectOps {
  ObjectOps(const char* const names[4], uint16_t new_type, uint16_t del_type, uint16_t get_type,
            void (*encode)(MessageWriter&, SpecReader&))
      : ops{{names[0], new_type, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, encode},
            {names[1], new_type, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, encode},
            {names[2], del_type, NLM_F_ACK, encode},
            {names[3], get_type, NLM_F_DUMP, encode}} {
    for (const OpDef& op : ops) RegisterOp(&op);
  }
  OpDef ops[4];
};

struct Registrar {
  explicit Registrar(const OpDef* op) { RegisterOp(op); }
  explicit Registrar(const MessageFamily* family) { RegisterFamily(family); }
  explicit Registrar(const LinkKind* kind) { RegisterKind(kind); }
};

// Writes any rtnetlink message as one unnamed value; unknown types come back
// as { type, raw }.
void DecodeMessage(ValueWriter& out, const nlmsghdr* nlh);

// How one level of a request's attribute tree is named: `names` for its
// attributes, and `skip` bytes of fixed header before them (VETH_INFO_PEER
// starts with an ifinfomsg).
struct AttrLevel {
  const AttrNames* names;
  size_t skip;
};
using AttrLevelFn = AttrLevel (*)(const std::vector<uint16_t>& path, const nlmsghdr* request);

// Names the request attribute that starts at, or contains, `offset` bytes from
// the start of the request ("IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_MACVLAN_MODE"),
// as the kernel's extended ack reports it.
std::string DescribeAttrPath(const nlmsghdr* request, size_t family_header_len, uint32_t offset,
                             AttrLevelFn level_at);

// DescribeAttrPath for messages whose attributes are flat (addresses,
// routes): one name table, no nesting to follow.
template <typename Header, const AttrNames* kNames>
std::string DescribeFlatAttr(const nlmsghdr* request, uint32_t offset) {
  return DescribeAttrPath(request, sizeof(Header), offset,
                          [](const std::vector<uint16_t>& path, const nlmsghdr*) {
                            return AttrLevel{path.empty() ? kNames : nullptr, 0};
                          });
}

}  // namespace vnic
