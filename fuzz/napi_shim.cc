// A tiny in-memory stand-in for the N-API functions the decoders call, so the
// real native/ decoders (which build plain JS objects through node-addon-api)
// can run inside a libFuzzer binary with no Node.js. Values live in an arena
// that the harness frees after every input. Any N-API function the decoders
// are not expected to reach is defined in napi_unreached.c and aborts.
#include "napi_shim.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace shim {
namespace {
std::vector<std::unique_ptr<Value>>& Arena() {
  static std::vector<std::unique_ptr<Value>> arena;
  return arena;
}
Value* Make(Kind kind) {
  Arena().push_back(std::make_unique<Value>());
  Value* v = Arena().back().get();
  v->kind = kind;
  return v;
}
napi_value As(Value* v) { return reinterpret_cast<napi_value>(v); }
Value* Of(napi_value v) {
  if (v == nullptr) std::abort();  // the decoders never pass an empty handle
  return reinterpret_cast<Value*>(v);
}
int dummy_env;
}  // namespace

napi_env Env() { return reinterpret_cast<napi_env>(&dummy_env); }
void Reset() { Arena().clear(); }
const Value* Get(napi_value v) { return reinterpret_cast<const Value*>(v); }

}  // namespace shim

using shim::Kind;

extern "C" {

napi_status napi_create_object(napi_env, napi_value* result) {
  *result = shim::As(shim::Make(Kind::kObject));
  return napi_ok;
}
napi_status napi_create_array(napi_env, napi_value* result) {
  *result = shim::As(shim::Make(Kind::kArray));
  return napi_ok;
}
napi_status napi_create_double(napi_env, double value, napi_value* result) {
  shim::Value* v = shim::Make(Kind::kNumber);
  v->number = value;
  *result = shim::As(v);
  return napi_ok;
}
napi_status napi_create_string_utf8(napi_env, const char* str, size_t length, napi_value* result) {
  shim::Value* v = shim::Make(Kind::kString);
  if (length == NAPI_AUTO_LENGTH) length = std::strlen(str);
  v->text.assign(str, length);  // reads every byte: ASan sees an overread here
  *result = shim::As(v);
  return napi_ok;
}
napi_status napi_create_buffer_copy(napi_env, size_t length, const void* data, void** result_data,
                                    napi_value* result) {
  shim::Value* v = shim::Make(Kind::kBuffer);
  v->text.assign(static_cast<const char*>(data), length);
  if (result_data != nullptr) *result_data = v->text.data();
  *result = shim::As(v);
  return napi_ok;
}
napi_status napi_get_typedarray_info(napi_env, napi_value typedarray, napi_typedarray_type* type,
                                     size_t* length, void** data, napi_value* arraybuffer,
                                     size_t* byte_offset) {
  shim::Value* v = shim::Of(typedarray);
  if (v->kind != Kind::kBuffer) std::abort();
  if (type != nullptr) *type = napi_uint8_array;
  if (length != nullptr) *length = v->text.size();
  if (data != nullptr) *data = v->text.data();
  if (arraybuffer != nullptr) *arraybuffer = typedarray;
  if (byte_offset != nullptr) *byte_offset = 0;
  return napi_ok;
}
napi_status napi_get_boolean(napi_env, bool value, napi_value* result) {
  shim::Value* v = shim::Make(Kind::kBoolean);
  v->boolean = value;
  *result = shim::As(v);
  return napi_ok;
}
napi_status napi_get_null(napi_env, napi_value* result) {
  *result = shim::As(shim::Make(Kind::kNull));
  return napi_ok;
}
napi_status napi_get_undefined(napi_env, napi_value* result) {
  *result = shim::As(shim::Make(Kind::kUndefined));
  return napi_ok;
}
napi_status napi_set_named_property(napi_env, napi_value object, const char* name, napi_value value) {
  shim::Value* o = shim::Of(object);
  if (o->kind != Kind::kObject) std::abort();
  o->props.emplace_back(name, shim::Of(value));
  return napi_ok;
}
napi_status napi_set_element(napi_env, napi_value object, uint32_t index, napi_value value) {
  shim::Value* o = shim::Of(object);
  if (o->kind != Kind::kArray) std::abort();
  if (index > o->elems.size() + (1u << 20)) std::abort();  // a sparse array: not what decoders build
  if (index >= o->elems.size()) o->elems.resize(index + 1, nullptr);
  o->elems[index] = shim::Of(value);
  return napi_ok;
}
napi_status napi_get_array_length(napi_env, napi_value value, uint32_t* result) {
  shim::Value* o = shim::Of(value);
  if (o->kind != Kind::kArray) std::abort();
  *result = static_cast<uint32_t>(o->elems.size());
  return napi_ok;
}
napi_status napi_typeof(napi_env, napi_value value, napi_valuetype* result) {
  switch (shim::Of(value)->kind) {
    case Kind::kUndefined: *result = napi_undefined; break;
    case Kind::kNull: *result = napi_null; break;
    case Kind::kBoolean: *result = napi_boolean; break;
    case Kind::kNumber: *result = napi_number; break;
    case Kind::kString: *result = napi_string; break;
    default: *result = napi_object; break;
  }
  return napi_ok;
}
napi_status napi_is_exception_pending(napi_env, bool* result) {
  *result = false;
  return napi_ok;
}
napi_status napi_get_last_error_info(napi_env, const napi_extended_error_info** result) {
  static napi_extended_error_info info{};
  *result = &info;
  return napi_ok;
}

}  // extern "C"
