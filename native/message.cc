#include "message.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace vnic {

MessageWriter::MessageWriter(std::vector<uint8_t>& buffer, uint16_t type, uint16_t flags)
    : buf_(buffer) {
  std::memset(buf_.data(), 0, MNL_NLMSG_HDRLEN + 64);
  nlh_ = mnl_nlmsg_put_header(buf_.data());
  nlh_->nlmsg_type = type;
  nlh_->nlmsg_flags = flags;
}

void* MessageWriter::PutExtraHeader(size_t len) {
  if (nlh_->nlmsg_len + MNL_ALIGN(len) > buf_.size()) {
    overflowed_ = true;
    static uint8_t sink[256];
    return sink;  // never sent: the request is refused as a whole
  }
  return mnl_nlmsg_put_extra_header(nlh_, len);
}

void MessageWriter::Put(uint16_t type, const void* data, size_t len) {
  if (overflowed_ || len > UINT16_MAX - MNL_ATTR_HDRLEN ||
      !mnl_attr_put_check(nlh_, buf_.size(), type, len, data)) {
    overflowed_ = true;
    return;
  }
  // libmnl before 1.0.5 leaves an attribute's alignment padding as the buffer
  // had it: zero it, so no byte of an earlier request goes out again.
  size_t pad = MNL_ALIGN(len) - len;
  if (pad > 0) std::memset(static_cast<uint8_t*>(mnl_nlmsg_get_payload_tail(nlh_)) - pad, 0, pad);
}

nlattr* MessageWriter::BeginNested(uint16_t type) {
  if (overflowed_) return nullptr;
  nlattr* start = mnl_attr_nest_start_check(nlh_, buf_.size(), type);
  if (start == nullptr) overflowed_ = true;
  return start;
}

void MessageWriter::EndNested(nlattr* start) {
  if (overflowed_ || start == nullptr) return;
  mnl_attr_nest_end(nlh_, start);
}

void MessageWriter::EndNestedOrDrop(nlattr* start) {
  if (overflowed_ || start == nullptr) return;
  if (reinterpret_cast<uint8_t*>(mnl_nlmsg_get_payload_tail(nlh_)) ==
      reinterpret_cast<uint8_t*>(start) + MNL_ATTR_HDRLEN) {
    mnl_attr_nest_cancel(nlh_, start);
  } else {
    mnl_attr_nest_end(nlh_, start);
  }
}

AttrTable::AttrTable(const void* payload, size_t len, uint16_t maxType) {
  Init(maxType);
  Parse(payload, len);
}

AttrTable::AttrTable(const nlattr* attr, uint16_t maxType) {
  Init(maxType);
  if (attr != nullptr) Parse(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));
}

void AttrTable::Init(uint16_t maxType) {
  size_ = maxType + 1u;
  if (size_ <= kInline) {
    table_ = inline_;
    std::fill(inline_, inline_ + size_, nullptr);
  } else {
    heap_.assign(size_, nullptr);
    table_ = heap_.data();
  }
}

void AttrTable::Parse(const void* payload, size_t len) {
  ForEachAttr(payload, len, [this](const nlattr* attr) {
    uint16_t type = attr->nla_type & NLA_TYPE_MASK;
    if (type < size_) table_[type] = attr;
  });
}

bool AttrTable::Fixed(uint16_t type, void* out, size_t size) const {
  const nlattr* attr = Get(type);
  if (attr == nullptr || mnl_attr_get_payload_len(attr) < size) return false;
  std::memcpy(out, mnl_attr_get_payload(attr), size);
  return true;
}

bool AttrTable::Str(uint16_t type, std::string_view* out) const {
  const nlattr* attr = Get(type);
  if (attr == nullptr) return false;
  const char* text = static_cast<const char*>(mnl_attr_get_payload(attr));
  *out = std::string_view(text, strnlen(text, mnl_attr_get_payload_len(attr)));
  return true;
}

bool AttrTable::Str(uint16_t type, std::string* out) const {
  std::string_view text;
  if (!Str(type, &text)) return false;
  out->assign(text);
  return true;
}

bool AttrTable::Bytes(uint16_t type, const uint8_t** data, size_t* len) const {
  const nlattr* attr = Get(type);
  if (attr == nullptr) return false;
  *data = static_cast<const uint8_t*>(mnl_attr_get_payload(attr));
  *len = mnl_attr_get_payload_len(attr);
  return true;
}

std::string FormatHex(const uint8_t* data, size_t len, char separator) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 3);
  for (size_t i = 0; i < len; i++) {
    if (i > 0 && separator != '\0') out.push_back(separator);
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xf]);
  }
  return out;
}

std::string FormatHardwareAddress(const uint8_t* data, size_t len) { return FormatHex(data, len, ':'); }

std::string_view FormatHardwareAddress(const uint8_t* data, size_t len, char (&buffer)[3 * kShortHex],
                                       std::string* spill) {
  if (len > kShortHex) {
    *spill = FormatHex(data, len, ':');
    return *spill;
  }
  static const char kHex[] = "0123456789abcdef";
  size_t at = 0;
  for (size_t i = 0; i < len; i++) {
    if (i > 0) buffer[at++] = ':';
    buffer[at++] = kHex[data[i] >> 4];
    buffer[at++] = kHex[data[i] & 0xf];
  }
  return {buffer, at};
}

std::string FormatIpAddress(const uint8_t* data, size_t len) {
  char text[INET6_ADDRSTRLEN];
  int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
  if (family == 0 || inet_ntop(family, data, text, sizeof text) == nullptr) return {};
  return text;
}

}  // namespace vnic
