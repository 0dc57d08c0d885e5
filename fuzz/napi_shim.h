// See napi_shim.cc.
#pragma once

#ifndef NAPI_DISABLE_CPP_EXCEPTIONS
#define NAPI_DISABLE_CPP_EXCEPTIONS
#endif
#include <napi.h>

#include <string>
#include <utility>
#include <vector>

namespace shim {

enum class Kind { kUndefined, kNull, kBoolean, kNumber, kString, kBuffer, kObject, kArray };

struct Value {
  Kind kind = Kind::kUndefined;
  bool boolean = false;
  double number = 0;
  std::string text;  // kString, kBuffer
  std::vector<std::pair<std::string, Value*>> props;
  std::vector<Value*> elems;
};

napi_env Env();
// Frees every value made since the last Reset.
void Reset();
const Value* Get(napi_value v);

}  // namespace shim
