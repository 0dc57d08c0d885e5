// libFuzzer target: the bytes are a receive buffer of rtnetlink messages, as
// the engine hands them to DecodeMessage (socket.cc's DecodeAll loop: walk
// with ForEachMessage, decode each into one array). Covers link, address and
// route messages, every kind's IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA decoder,
// unknown kinds and types, buffers cut at any byte, and the compact output
// the JS reader consumes (fuzz_common.h walks it as the reader does). The
// same bytes also go through the link paths that name parents and masters:
// a dump naming from itself, and the indexes a get's lookups would ask for.
#include <libmnl/libmnl.h>

#include <cstring>
#include <string>

#include "../native/compact.h"
#include "../native/link.h"
#include "../native/message.h"
#include "../native/registry.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size copy (new[] is aligned): a read past the end is an ASan report.
  uint8_t* exact = new uint8_t[size == 0 ? 1 : size];
  if (size > 0) std::memcpy(exact, data, size);

  vnic::ValueWriter out;
  out.BeginArray(nullptr);
  vnic::ForEachMessage(exact, size, [&](const nlmsghdr* nlh) { vnic::DecodeMessage(out, nlh); });
  out.EndArray();
  volatile size_t sink = CompactWalk(out).Run();
  vnic::ValueWriter named;
  vnic::DecodeLinksNamed(named, reinterpret_cast<const char*>(exact), size, reinterpret_cast<const char*>(exact), size);
  sink = sink + CompactWalk(named).Run();
  sink = sink + vnic::LinksToName(std::string(reinterpret_cast<const char*>(exact), size)).size();
  (void)sink;
  delete[] exact;
  return 0;
}
