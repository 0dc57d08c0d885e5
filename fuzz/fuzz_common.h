// Shared by the fuzz targets: a walk over a decoded value that reads every
// byte of it (so a bad string or buffer shows up under ASan right there).
#pragma once

#include "napi_shim.h"

#include <cstddef>
#include <cstdint>

inline size_t Touch(const shim::Value* v, int depth = 0) {
  if (v == nullptr || depth > 64) __builtin_trap();  // holes or cycles: never built by a decoder
  size_t sum = static_cast<size_t>(v->kind);
  for (unsigned char c : v->text) sum += c;
  for (const auto& [key, child] : v->props) sum += key.size() + Touch(child, depth + 1);
  for (const shim::Value* child : v->elems) sum += Touch(child, depth + 1);
  return sum;
}
