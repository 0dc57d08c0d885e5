#include "spec.h"

#include <cmath>
#include <cstring>

namespace vnic {

// A key, read with one call into a stack buffer (keys are short option names).
static bool KeyText(napi_env env, napi_value name, std::string* out) {
  char text[64];
  size_t length = 0;
  if (napi_get_value_string_utf8(env, name, text, sizeof text, &length) != napi_ok) return false;
  *out = length + 1 < sizeof text ? std::string(text, length) : Napi::String(env, name).Utf8Value();
  return true;
}

static bool IsNothing(napi_env env, napi_value value) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  return type == napi_undefined || type == napi_null;
}

SpecReader::SpecReader(Napi::Env env, Napi::Object object) : env_(env) {
  if (object.IsArray()) {
    ReadPairs(object);
    return;
  }
  // Own enumerable string keys: what lib/ puts in a spec (the prototype
  // chain holds nothing enumerable to walk for).
  napi_value names;
  if (napi_get_all_property_names(env, object, napi_key_own_only,
                                  static_cast<napi_key_filter>(napi_key_enumerable | napi_key_skip_symbols),
                                  napi_key_numbers_to_strings, &names) != napi_ok) {
    return;  // a pending exception (a hostile proxy): ok() is false
  }
  uint32_t count = 0;
  napi_get_array_length(env, names, &count);
  fields_.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    napi_value name, value;
    if (napi_get_element(env, names, i, &name) != napi_ok) return;
    std::string key;
    if (!KeyText(env, name, &key)) continue;
    if (napi_get_property(env, object, name, &value) != napi_ok) return;  // a throwing getter
    if (IsNothing(env, value)) continue;
    fields_.emplace_back(std::move(key), Napi::Value(env, value));
  }
}

// [key, value, key, value, …]: how lib/ hands specs over (enumerating an
// object's keys through N-API costs more than encoding the request).
void SpecReader::ReadPairs(Napi::Object pairs) {
  uint32_t count = 0;
  napi_get_array_length(env_, pairs, &count);
  fields_.reserve(count / 2);
  for (uint32_t i = 0; i + 1 < count; i += 2) {
    napi_value name, value;
    if (napi_get_element(env_, pairs, i, &name) != napi_ok || napi_get_element(env_, pairs, i + 1, &value) != napi_ok) {
      return;
    }
    std::string key;
    if (!KeyText(env_, name, &key) || IsNothing(env_, value)) continue;
    fields_.emplace_back(std::move(key), Napi::Value(env_, value));
  }
}

bool SpecReader::Has(const char* key) const {
  return ok() && Field(key).has_value();
}

std::optional<Napi::Value> SpecReader::Field(const char* key) const {
  size_t length = std::strlen(key);
  for (const auto& [name, value] : fields_) {
    if (name.size() == length && std::memcmp(name.data(), key, length) == 0) return value;
  }
  return std::nullopt;
}

void SpecReader::Fail(const char* key, const char* expected) {
  if (!ok()) return;
  std::string message = std::string("vnic: spec field '") + key + "' must be " + expected;
  Napi::TypeError::New(env_, message).ThrowAsJavaScriptException();
}

std::optional<uint32_t> SpecReader::U32(const char* key) {
  auto value = Field(key);
  if (!value) return std::nullopt;
  if (value->IsNumber()) {
    double d = value->As<Napi::Number>().DoubleValue();
    if (d >= 0 && d <= 4294967295.0 && std::floor(d) == d) return static_cast<uint32_t>(d);
  }
  Fail(key, "an integer from 0 to 2^32-1");
  return std::nullopt;
}

std::optional<int32_t> SpecReader::S32(const char* key) {
  auto value = Field(key);
  if (!value) return std::nullopt;
  if (value->IsNumber()) {
    double d = value->As<Napi::Number>().DoubleValue();
    if (d >= -2147483648.0 && d <= 2147483647.0 && std::floor(d) == d) {
      return static_cast<int32_t>(d);
    }
  }
  Fail(key, "a 32-bit signed integer");
  return std::nullopt;
}

std::optional<bool> SpecReader::Bool(const char* key) {
  auto value = Field(key);
  if (!value) return std::nullopt;
  if (value->IsBoolean()) return value->As<Napi::Boolean>().Value();
  Fail(key, "a boolean");
  return std::nullopt;
}

std::optional<std::string> SpecReader::String(const char* key) {
  auto value = Field(key);
  if (!value) return std::nullopt;
  if (value->IsString()) return value->As<Napi::String>().Utf8Value();
  Fail(key, "a string");
  return std::nullopt;
}

static std::optional<std::string> BufferBytes(const Napi::Value& value) {
  if (!value.IsTypedArray()) return std::nullopt;
  auto array = value.As<Napi::TypedArray>();
  if (array.TypedArrayType() != napi_uint8_array) return std::nullopt;
  auto bytes = value.As<Napi::Uint8Array>();
  return std::string(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
}

std::optional<std::string> SpecReader::Bytes(const char* key) {
  auto value = Field(key);
  if (!value) return std::nullopt;
  auto bytes = BufferBytes(*value);
  if (!bytes) Fail(key, "a Buffer");
  return bytes;
}

std::optional<std::vector<std::string>> SpecReader::BytesList(const char* key) {
  auto value = Field(key);
  if (!value) return std::nullopt;
  if (!value->IsArray()) {
    Fail(key, "an array of Buffers");
    return std::nullopt;
  }
  auto array = value->As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    auto bytes = BufferBytes(array.Get(i));
    if (!bytes) {
      Fail(key, "an array of Buffers");
      return std::nullopt;
    }
    out.push_back(std::move(*bytes));
  }
  return out;
}

std::optional<Napi::Object> SpecReader::Object(const char* key) {
  auto value = Field(key);
  if (!value) return std::nullopt;
  if (value->IsObject()) return value->As<Napi::Object>();
  Fail(key, "an object");
  return std::nullopt;
}

}  // namespace vnic
