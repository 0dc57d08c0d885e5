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

// Calls callback(value) as node's MakeCallback does (this = receiver;
// microtasks run after), the value read in the same entry into JS.
void Deliver(Napi::Env env, const ValueWriter& writer, napi_value receiver, napi_value callback);

}  // namespace vnic
