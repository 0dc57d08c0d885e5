// tun / tap devices through /dev/net/tun (ioctl, not rtnetlink: the kernel
// creates them no other way). A device lands in the network namespace of the
// process that opened /dev/net/tun (the file's socket keeps the namespace it
// was opened in), so opening happens on a thread inside the target namespace.
#pragma once

#ifndef NAPI_DISABLE_CPP_EXCEPTIONS
#define NAPI_DISABLE_CPP_EXCEPTIONS
#endif
#include <napi.h>

namespace vnic {

// Registers tunOpen(nsFd, spec): Promise<{ name, fds }>.
void InitTun(Napi::Env env, Napi::Object exports);

}  // namespace vnic
