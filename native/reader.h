// The JS half of the compact format (compact.h): a ValueWriter's value,
// turned into JS objects by a reader compiled once per isolate.
#pragma once

#ifndef NAPI_DISABLE_CPP_EXCEPTIONS
#define NAPI_DISABLE_CPP_EXCEPTIONS
#endif
#include <napi.h>

#include "compact.h"

namespace vnic {

// The value the writer holds, as plain JS objects; leaves a pending JS
// exception (and returns an empty value) when the writer was misused.
Napi::Value ToJs(Napi::Env env, const ValueWriter& writer);

}  // namespace vnic
