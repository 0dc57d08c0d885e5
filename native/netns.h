// Network namespace primitives. Anything that must happen "inside" a
// namespace runs on a short-lived thread that calls setns / unshare and then
// ends, except making a socket there: the calling thread steps in and back
// (a thread per socket costs more than the socket), and only when it is sure
// it may come back.
#pragma once

#ifndef NAPI_DISABLE_CPP_EXCEPTIONS
#define NAPI_DISABLE_CPP_EXCEPTIONS
#endif
#include <napi.h>

#include <functional>

namespace vnic {

// Runs fn on a fresh thread that first joined the namespace behind ns_fd
// (CLONE_NEWNET); returns 0 or the errno of setns. fn's own result is its own.
int RunInNetns(int ns_fd, const std::function<void()>& fn);

// A socket created inside the namespace behind ns_fd (or here when ns_fd < 0),
// close-on-exec and non-blocking, by the calling thread entering the namespace
// and returning (by a thread of its own when returning could be refused).
// Returns the fd, or -errno.
int OpenSocketIn(int ns_fd, int domain, int type, int protocol);

void InitNetns(Napi::Env env, Napi::Object exports);

}  // namespace vnic
