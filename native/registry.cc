#include "registry.h"

#include <vector>

namespace vnic {
namespace {

std::vector<const OpDef*>& Ops() {
  static std::vector<const OpDef*> ops;
  return ops;
}
std::vector<const MessageFamily*>& Families() {
  static std::vector<const MessageFamily*> families;
  return families;
}
std::vector<const LinkKind*>& Kinds() {
  static std::vector<const LinkKind*> kinds;
  return kinds;
}

}  // namespace

void RegisterOp(const OpDef* op) { Ops().push_back(op); }
void RegisterFamily(const MessageFamily* family) { Families().push_back(family); }
void RegisterKind(const LinkKind* kind) { Kinds().push_back(kind); }

const OpDef* FindOp(std::string_view name) {
  for (const OpDef* op : Ops()) {
    if (name == op->name) return op;
  }
  return nullptr;
}

const MessageFamily* FindFamily(uint16_t type) {
  for (const MessageFamily* family : Families()) {
    if (type >= family->first_type && type <= family->last_type) return family;
  }
  return nullptr;
}

const LinkKind* FindKind(std::string_view name, bool slave) {
  for (const LinkKind* kind : Kinds()) {
    if (kind->slave == slave && name == kind->name) return kind;
  }
  return nullptr;
}

void DecodeMessage(ValueWriter& out, const nlmsghdr* nlh) {
  const MessageFamily* family = FindFamily(nlh->nlmsg_type);
  if (family != nullptr) return family->decode(out, nlh);
  out.BeginObject(nullptr);
  out.Number("type", nlh->nlmsg_type);
  out.Bytes("raw", static_cast<const uint8_t*>(mnl_nlmsg_get_payload(nlh)), mnl_nlmsg_get_payload_len(nlh));
  out.EndObject();
}

std::string DescribeAttrPath(const nlmsghdr* request, size_t family_header_len, uint32_t offset,
                             AttrLevelFn level_at) {
  const auto* base = reinterpret_cast<const uint8_t*>(request);
  size_t start = NLMSG_HDRLEN + NLMSG_ALIGN(family_header_len);
  if (request->nlmsg_len <= start) return {};
  const uint8_t* block = base + start;
  size_t block_len = request->nlmsg_len - start;
  std::vector<uint16_t> path;
  std::string out;
  for (;;) {
    AttrLevel level = level_at(path, request);
    if (level.skip > block_len) break;
    block += level.skip;
    block_len -= level.skip;
    const nlattr* hit = nullptr;
    ForEachAttr(block, block_len, [&](const nlattr* attr) {
      size_t at = reinterpret_cast<const uint8_t*>(attr) - base;
      if (hit == nullptr && offset >= at && offset < at + attr->nla_len) hit = attr;
    });
    if (hit == nullptr) break;
    uint16_t type = mnl_attr_get_type(hit);
    const char* name = level.names != nullptr ? level.names->Name(type) : nullptr;
    if (!out.empty()) out += '/';
    out += name != nullptr ? name : std::to_string(type);
    size_t at = reinterpret_cast<const uint8_t*>(hit) - base;
    if (offset < at + MNL_ATTR_HDRLEN) break;  // the attribute itself, not something inside it
    path.push_back(type);
    block = static_cast<const uint8_t*>(mnl_attr_get_payload(hit));
    block_len = mnl_attr_get_payload_len(hit);
  }
  return out;
}

}  // namespace vnic
