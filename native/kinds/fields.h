// One table row per plain numeric attribute of a kind: the option's name in
// lib/ and the attribute type and width on the wire. Kinds list their rows
// once and get both directions from EncodeFields / DecodeFields.
#pragma once

#include "../message.h"
#include "../spec.h"

#include <cstddef>

namespace vnic {

enum class Width { kU8, kU16, kU32, kS32, kBool8, kU64 };

struct Field {
  const char* key;  // the option / result property, e.g. "bcqueuelen"
  uint16_t type;    // the attribute, e.g. IFLA_MACVLAN_BC_QUEUE_LEN
  Width width;
  bool decode_only = false;  // reported by the kernel, never sent
};

void EncodeFields(MessageWriter& writer, SpecReader& spec, const Field* fields, size_t count);
void DecodeFields(Napi::Object out, const AttrTable& attrs, const Field* fields, size_t count);

template <size_t N>
void EncodeFields(MessageWriter& writer, SpecReader& spec, const Field (&fields)[N]) {
  EncodeFields(writer, spec, fields, N);
}
template <size_t N>
void DecodeFields(Napi::Object out, const AttrTable& attrs, const Field (&fields)[N]) {
  DecodeFields(out, attrs, fields, N);
}

// A name ↔ number table (modes, states).
struct NamedValue {
  const char* name;
  uint32_t value;
};
template <size_t N>
bool ValueOf(const NamedValue (&table)[N], const std::string& name, uint32_t* out) {
  for (const auto& entry : table) {
    if (name == entry.name) {
      *out = entry.value;
      return true;
    }
  }
  return false;
}
template <size_t N>
Napi::Value NameOf(Napi::Env env, const NamedValue (&table)[N], uint32_t value) {
  for (const auto& entry : table) {
    if (entry.value == value) return Napi::String::New(env, entry.name);
  }
  return Napi::Number::New(env, value);  // a value newer than our table: report it as is
}

}  // namespace vnic
