#include "fields.h"

#include <arpa/inet.h>

namespace vnic {
namespace {

// Writes an unsigned value at one of the unsigned widths.
void PutUnsigned(MessageWriter& writer, uint16_t type, Width width, uint32_t v) {
  switch (width) {
    case Width::kU8:
    case Width::kBool8:
      writer.PutU8(type, static_cast<uint8_t>(v));
      break;
    case Width::kU16:
      writer.PutU16(type, static_cast<uint16_t>(v));
      break;
    case Width::kBe16:
      writer.PutU16(type, htons(static_cast<uint16_t>(v)));
      break;
    case Width::kU64: {
      uint64_t wide = v;
      writer.Put(type, &wide, sizeof wide);
      break;
    }
    default:
      writer.PutU32(type, v);
      break;
  }
}

// Reads an unsigned value of one of the unsigned widths (kU64 values are
// cut to 32 bits: NamedField rows never use it).
bool GetUnsigned(const AttrTable& attrs, uint16_t type, Width width, uint32_t* out) {
  switch (width) {
    case Width::kU8:
    case Width::kBool8: {
      uint8_t v;
      if (!attrs.U8(type, &v)) return false;
      *out = v;
      return true;
    }
    case Width::kU16:
    case Width::kBe16: {
      uint16_t v;
      if (!attrs.U16(type, &v)) return false;
      *out = width == Width::kBe16 ? ntohs(v) : v;
      return true;
    }
    default:
      return attrs.U32(type, out);
  }
}

}  // namespace

void EncodeFields(MessageWriter& writer, SpecReader& spec, const Field* fields, size_t count) {
  for (size_t i = 0; i < count && spec.ok(); i++) {
    const Field& field = fields[i];
    if (field.decode_only || !spec.Has(field.key)) continue;
    switch (field.width) {
      case Width::kBool8:
        if (auto v = spec.Bool(field.key)) writer.PutU8(field.type, *v ? 1 : 0);
        break;
      case Width::kS32:
        if (auto v = spec.S32(field.key)) writer.PutS32(field.type, *v);
        break;
      default:
        if (auto v = spec.U32(field.key)) PutUnsigned(writer, field.type, field.width, *v);
        break;
    }
  }
}

void DecodeFields(ValueWriter& out, const AttrTable& attrs, const Field* fields, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const Field& field = fields[i];
    switch (field.width) {
      case Width::kBool8: {
        uint8_t v;
        if (attrs.U8(field.type, &v)) out.Bool(field.key, v != 0);
        break;
      }
      case Width::kS32: {
        int32_t v;
        if (attrs.S32(field.type, &v)) out.Number(field.key, v);
        break;
      }
      case Width::kU64: {
        uint64_t v;
        if (attrs.U64(field.type, &v)) out.Number(field.key, static_cast<double>(v));
        break;
      }
      default: {
        uint32_t v;
        if (GetUnsigned(attrs, field.type, field.width, &v)) out.Number(field.key, v);
        break;
      }
    }
  }
}

bool ValueOf(const NamedValue* table, size_t count, const std::string& name, uint32_t* out) {
  for (size_t i = 0; i < count; i++) {
    if (name == table[i].name) {
      *out = table[i].value;
      return true;
    }
  }
  return false;
}

void WriteName(ValueWriter& out, const char* key, const NamedValue* table, size_t count, uint32_t value) {
  for (size_t i = 0; i < count; i++) {
    if (table[i].value == value) return out.String(key, table[i].name);
  }
  out.Number(key, value);  // a value newer than our table: report it as is
}

void EncodeFields(MessageWriter& writer, SpecReader& spec, const NamedField* fields, size_t count) {
  for (size_t i = 0; i < count && spec.ok(); i++) {
    const NamedField& field = fields[i];
    auto name = spec.String(field.key);
    if (!name) continue;
    uint32_t value;
    if (!ValueOf(field.values, field.count, *name, &value)) return spec.Fail(field.key, field.expected);
    PutUnsigned(writer, field.type, field.width, value);
  }
}

void DecodeFields(ValueWriter& out, const AttrTable& attrs, const NamedField* fields, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const NamedField& field = fields[i];
    uint32_t value;
    if (GetUnsigned(attrs, field.type, field.width, &value)) WriteName(out, field.key, field.values, field.count, value);
  }
}

}  // namespace vnic
