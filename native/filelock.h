// flock(2) on a worker thread, for lib/'s on-disk state (CNI IPAM).
#pragma once

#include <napi.h>

namespace vnic {

void InitFileLock(Napi::Env env, Napi::Object exports);

}  // namespace vnic
