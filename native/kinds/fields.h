// One table row per plain numeric attribute of a kind: the option's name in
// lib/ and the attribute type and width on the wire. Kinds list their rows
// once and get both directions from EncodeFields / DecodeFields.
#pragma once

#include "../compact.h"
#include "../message.h"
#include "../spec.h"

#include <cstddef>
#include <iterator>
#include <string>

namespace vnic {

// kBe16: a port or an ethertype, in network byte order on the wire.
enum class Width { kU8, kU16, kU32, kS32, kBool8, kU64, kBe16 };

struct Field {
  const char* key;  // the option / result property, e.g. "bcqueuelen"
  uint16_t type;    // the attribute, e.g. IFLA_MACVLAN_BC_QUEUE_LEN
  Width width;
  bool decode_only = false;  // reported by the kernel, never sent
};

void EncodeFields(MessageWriter& writer, SpecReader& spec, const Field* fields, size_t count);
// Writes each row's attribute that is present as a member of the open object.
void DecodeFields(ValueWriter& out, const AttrTable& attrs, const Field* fields, size_t count);

// A name ↔ number table (modes, states).
struct NamedValue {
  const char* name;
  uint32_t value;
};
bool ValueOf(const NamedValue* table, size_t count, const std::string& name, uint32_t* out);
// Writes the name of `value`, or the number itself when it is newer than our table.
void WriteName(ValueWriter& out, const char* key, const NamedValue* table, size_t count, uint32_t value);
template <size_t N>
bool ValueOf(const NamedValue (&table)[N], const std::string& name, uint32_t* out) {
  return ValueOf(table, N, name, out);
}
template <size_t N>
void WriteName(ValueWriter& out, const char* key, const NamedValue (&table)[N], uint32_t value) {
  WriteName(out, key, table, N, value);
}

// One table row per attribute whose number reads as a name (a bond mode, an
// ipvlan mode, a macsec validation level): sent from the name, decoded back to it.
struct NamedField {
  const char* key;
  uint16_t type;
  Width width;  // kU8, kU16, kU32 or kBe16
  const NamedValue* values;
  size_t count;
  const char* expected;  // for the TypeError: "a bond mode"
};

// A NamedField row over a name table.
template <size_t N>
constexpr NamedField Named(const char* key, uint16_t type, Width width, const NamedValue (&values)[N],
                           const char* expected) {
  return NamedField{key, type, width, values, N, expected};
}

void EncodeFields(MessageWriter& writer, SpecReader& spec, const NamedField* fields, size_t count);
void DecodeFields(ValueWriter& out, const AttrTable& attrs, const NamedField* fields, size_t count);

// One or more tables (Field, NamedField) of a kind, in one call.
template <typename... Tables>
void EncodeFields(MessageWriter& writer, SpecReader& spec, const Tables&... tables) {
  (EncodeFields(writer, spec, tables, std::size(tables)), ...);
}
template <typename... Tables>
void DecodeFields(ValueWriter& out, const AttrTable& attrs, const Tables&... tables) {
  (DecodeFields(out, attrs, tables, std::size(tables)), ...);
}

}  // namespace vnic
