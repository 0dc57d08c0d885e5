// libFuzzer target: the bytes are a receive buffer of rtnetlink messages, as
// the engine hands them to DecodeMessage (socket.cc's DecodeAll loop: walk
// with ForEachMessage, decode each). Covers link, address and
// route messages, every kind's IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA decoder,
// unknown kinds and types, and buffers cut at any byte.
#include <libmnl/libmnl.h>

#include <cstring>
#include <vector>

#include "../native/message.h"
#include "../native/registry.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size copy (new[] is aligned): a read past the end is an ASan report.
  uint8_t* exact = new uint8_t[size == 0 ? 1 : size];
  if (size > 0) std::memcpy(exact, data, size);

  Napi::Env env(shim::Env());
  Napi::Array out = Napi::Array::New(env);
  // The engine's own walk (message.h), as DecodeAll and OnReadable use it.
  vnic::ForEachMessage(exact, size, [&](const nlmsghdr* nlh) {
    out.Set(out.Length(), vnic::DecodeMessage(env, nlh));
  });
  volatile size_t sink = Touch(shim::Get(out));
  (void)sink;
  delete[] exact;
  shim::Reset();
  return 0;
}
