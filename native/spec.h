// Reads the plain spec objects that lib/ hands to the addon. lib/ has already
// validated them for the user; here we only guard the N-API boundary: a field
// of the wrong type becomes a pending JS TypeError, never a crash.
#pragma once

#ifndef NAPI_DISABLE_CPP_EXCEPTIONS
#define NAPI_DISABLE_CPP_EXCEPTIONS
#endif
#include <napi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vnic {

class SpecReader {
 public:
  // Reads the object's fields once: a spec names a few of the many options an
  // encoder asks about, and asking JS for each absent one costs more than
  // encoding the request. An array is read as [key, value, key, value, …]
  // (lib/ flattens its specs so: cheaper than enumerating an object).
  SpecReader(Napi::Env env, Napi::Object object);

  Napi::Env env() const { return env_; }
  bool ok() const { return !env_.IsExceptionPending(); }
  bool Has(const char* key) const;

  std::optional<uint32_t> U32(const char* key);
  std::optional<int32_t> S32(const char* key);
  std::optional<bool> Bool(const char* key);
  std::optional<std::string> String(const char* key);
  // A Buffer / Uint8Array field, as bytes.
  std::optional<std::string> Bytes(const char* key);
  // An array of Buffers (e.g. a list of MAC addresses).
  std::optional<std::vector<std::string>> BytesList(const char* key);
  // A nested spec object.
  std::optional<Napi::Object> Object(const char* key);

  // Marks the spec invalid with a TypeError naming the field.
  void Fail(const char* key, const char* expected);

 private:
  std::optional<Napi::Value> Field(const char* key) const;
  void ReadPairs(Napi::Object pairs);
  Napi::Env env_;
  std::vector<std::pair<std::string, Napi::Value>> fields_;  // the defined ones, in the object's order
};

}  // namespace vnic
