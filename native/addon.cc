// Module registration only.
#include "filelock.h"
#include "netns.h"
#include "socket.h"
#include "tun.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NetlinkSocket", vnic::NetlinkSocket::Init(env));
  vnic::InitNetns(env, exports);
  vnic::InitTun(env, exports);
  vnic::InitFileLock(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(vnic, Init)
