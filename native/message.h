// Bounded netlink message writer and attribute reader over libmnl.
// Every write is checked against the buffer's capacity; every read is checked
// against the attribute's real payload length, so nothing the kernel (or a
// caller) sends can make us read or write out of bounds.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vnic {

// Builds one request in a caller-owned buffer. Once a write does not fit, the
// writer is marked overflowed and every later write is a no-op.
class MessageWriter {
 public:
  MessageWriter(std::vector<uint8_t>& buffer, uint16_t type, uint16_t flags);

  // The family header (ifinfomsg, ifaddrmsg, rtmsg …) right after nlmsghdr.
  template <typename T>
  T* PutHeader() {
    return static_cast<T*>(PutExtraHeader(sizeof(T)));
  }
  void* PutExtraHeader(size_t len);

  void Put(uint16_t type, const void* data, size_t len);
  void PutU8(uint16_t type, uint8_t v) { Put(type, &v, sizeof v); }
  void PutU16(uint16_t type, uint16_t v) { Put(type, &v, sizeof v); }
  void PutU32(uint16_t type, uint32_t v) { Put(type, &v, sizeof v); }
  void PutS32(uint16_t type, int32_t v) { Put(type, &v, sizeof v); }
  void PutBytes(uint16_t type, const std::string& v) { Put(type, v.data(), v.size()); }
  // NUL-terminated string, as the kernel's NLA_STRING / NLA_NUL_STRING expect.
  void PutString(uint16_t type, const std::string& v) { Put(type, v.c_str(), v.size() + 1); }

  nlattr* BeginNested(uint16_t type);
  void EndNested(nlattr* start);
  // Ends a nest, or removes it when nothing was written into it.
  void EndNestedOrDrop(nlattr* start);

  nlmsghdr* header() const { return nlh_; }
  bool overflowed() const { return overflowed_; }
  std::string_view bytes() const {
    return {reinterpret_cast<const char*>(nlh_), nlh_->nlmsg_len};
  }
  // Set by encoders whose request makes the kernel wait (unregister, netns
  // move): the engine then sends it from a worker thread.
  bool slow = false;
  // Set by encoders whose request costs the kernel real work (a create):
  // many in one batch go to the worker too.
  bool heavy = false;
  // Set by a link dump that asks for the parents and masters in its replies
  // to be named from the dump itself (linkName, masterName).
  bool name_links = false;

 private:
  std::vector<uint8_t>& buf_;
  nlmsghdr* nlh_;
  bool overflowed_ = false;
};

// The attributes of one block, indexed by type (the last one of a type wins).
// Types above maxType are ignored; a malformed block yields what parsed.
// Tables of up to kInline types live inside the object (no allocation: a
// dump decodes three per link).
class AttrTable {
 public:
  AttrTable(const void* payload, size_t len, uint16_t maxType);
  // The attributes nested in `attr` (a null attr gives an empty table).
  AttrTable(const nlattr* attr, uint16_t maxType);
  // Not copied: table_ may point into the object itself.
  AttrTable(const AttrTable&) = delete;
  AttrTable& operator=(const AttrTable&) = delete;

  const nlattr* Get(uint16_t type) const {
    return type < size_ ? table_[type] : nullptr;
  }
  bool Has(uint16_t type) const { return Get(type) != nullptr; }
  bool U8(uint16_t type, uint8_t* out) const { return Fixed(type, out, sizeof *out); }
  bool U16(uint16_t type, uint16_t* out) const { return Fixed(type, out, sizeof *out); }
  bool U32(uint16_t type, uint32_t* out) const { return Fixed(type, out, sizeof *out); }
  bool S32(uint16_t type, int32_t* out) const { return Fixed(type, out, sizeof *out); }
  bool U64(uint16_t type, uint64_t* out) const { return Fixed(type, out, sizeof *out); }
  // A string attribute, cut at its first NUL or at the payload's end.
  bool Str(uint16_t type, std::string* out) const;
  // The same, as a view into the message.
  bool Str(uint16_t type, std::string_view* out) const;
  // The raw payload.
  bool Bytes(uint16_t type, const uint8_t** data, size_t* len) const;

 private:
  static constexpr size_t kInline = 128;
  bool Fixed(uint16_t type, void* out, size_t size) const;
  void Init(uint16_t maxType);
  void Parse(const void* payload, size_t len);
  size_t size_ = 0;
  const nlattr** table_ = nullptr;  // inline_, or heap_ for wide tables
  const nlattr* inline_[kInline];
  std::vector<const nlattr*> heap_;
};

// mnl_attr_ok, inlined: room for a header, and a length that covers the
// header and stays within `len` bytes.
inline bool AttrFits(const nlattr* attr, size_t len) {
  return len >= sizeof(nlattr) && attr->nla_len >= sizeof(nlattr) && attr->nla_len <= len;
}

// Calls fn(attr) for every well-formed attribute of a payload, in order.
template <typename Fn>
void ForEachAttr(const void* payload, size_t len, Fn&& fn) {
  const auto* attr = static_cast<const nlattr*>(payload);
  size_t remaining = len;
  while (AttrFits(attr, remaining)) {
    fn(attr);
    size_t step = MNL_ALIGN(attr->nla_len);
    if (step >= remaining) break;
    remaining -= step;
    attr = reinterpret_cast<const nlattr*>(reinterpret_cast<const uint8_t*>(attr) + step);
  }
}

template <typename Fn>
void ForEachNested(const nlattr* parent, Fn&& fn) {
  if (parent == nullptr) return;
  ForEachAttr(mnl_attr_get_payload(parent), mnl_attr_get_payload_len(parent), fn);
}

// Calls fn(nlh) for every well-formed message of a buffer, in order. Not
// libmnl's mnl_nlmsg_ok: 1.0.4 compares (int)nlmsg_len, so a length of 2 GiB
// or more passed its check (found by fuzz/decode_fuzzer).
template <typename Fn>
void ForEachMessage(const void* data, size_t len, Fn&& fn) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  size_t offset = 0;
  while (len - offset >= sizeof(nlmsghdr)) {
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes + offset);
    if (nlh->nlmsg_len < sizeof(nlmsghdr) || nlh->nlmsg_len > len - offset) break;
    fn(nlh);
    size_t step = NLMSG_ALIGN(nlh->nlmsg_len);
    if (step > len - offset) break;
    offset += step;
  }
}

// The family header of a message, or nullptr when the message is too short.
template <typename T>
const T* FamilyHeader(const nlmsghdr* nlh) {
  if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(T)) return nullptr;
  return static_cast<const T*>(mnl_nlmsg_get_payload(nlh));
}

// The attributes that follow a message's family header T (ifinfomsg, …).
template <typename T>
AttrTable AttrsAfterHeader(const nlmsghdr* nlh, uint16_t maxType) {
  size_t skip = NLMSG_ALIGN(sizeof(T));
  size_t len = mnl_nlmsg_get_payload_len(nlh);
  if (skip > len) skip = len;
  return AttrTable(static_cast<const uint8_t*>(mnl_nlmsg_get_payload(nlh)) + skip, len - skip, maxType);
}

// Lower-case hex of the bytes, `separator` between them when it is not NUL.
std::string FormatHex(const uint8_t* data, size_t len, char separator = '\0');
// "02:11:22:33:44:55"
std::string FormatHardwareAddress(const uint8_t* data, size_t len);
// The same into a caller's buffer (no allocation), for addresses of up to
// kShortHex bytes; longer ones (InfiniBand's 20) are formatted in full into
// `spill`. Returns the text.
constexpr size_t kShortHex = 8;
std::string_view FormatHardwareAddress(const uint8_t* data, size_t len, char (&buffer)[3 * kShortHex],
                                       std::string* spill);
// "10.0.0.1" / "fd00::1"; empty for a length that is neither 4 nor 16.
std::string FormatIpAddress(const uint8_t* data, size_t len);

}  // namespace vnic
