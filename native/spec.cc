#include "spec.h"

#include <cmath>

namespace vnic {

SpecReader::SpecReader(Napi::Env env, Napi::Object object) : env_(env) {
  Napi::Array names = object.GetPropertyNames();
  if (names.IsEmpty()) return;  // a pending exception (a hostile getter): ok() is false
  uint32_t count = names.Length();
  fields_.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value name = names.Get(i);
    if (!name.IsString()) continue;
    Napi::Value value = object.Get(name);
    if (value.IsEmpty() || value.IsUndefined() || value.IsNull()) continue;
    fields_.emplace_back(name.As<Napi::String>().Utf8Value(), value);
  }
}

bool SpecReader::Has(const char* key) const {
  return ok() && Field(key).has_value();
}

std::optional<Napi::Value> SpecReader::Field(const char* key) const {
  for (const auto& [name, value] : fields_) {
    if (name == key) return value;
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
