// libFuzzer target: the path the engine follows when the kernel's extended
// ack points at an attribute (NLMSGERR_ATTR_OFFS): the request's family
// describes the attribute at that offset (DescribeAttrPath, with the link
// family's per-kind naming of IFLA_INFO_DATA). Input: 4 bytes of offset, then
// the request message. The offset is reduced below the request's size, as
// socket.cc's ReadExtack guarantees before calling describe_attr.
#include <libmnl/libmnl.h>

#include <cstring>
#include <vector>

#include "../native/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4 + sizeof(nlmsghdr)) return 0;
  uint32_t offset;
  std::memcpy(&offset, data, 4);
  size_t len = size - 4;
  auto* request = new uint8_t[len];
  std::memcpy(request, data + 4, len);
  auto* nlh = reinterpret_cast<nlmsghdr*>(request);
  // The engine only keeps requests it encoded: nlmsg_len is the real size.
  nlh->nlmsg_len = static_cast<uint32_t>(len);
  const vnic::MessageFamily* family = vnic::FindFamily(nlh->nlmsg_type);
  if (family != nullptr) {
    std::string path = family->describe_attr(nlh, offset % len);
    volatile size_t sink = path.size();
    (void)sink;
  }
  delete[] request;
  return 0;
}
