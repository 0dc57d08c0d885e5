#include "fields.h"

namespace vnic {

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
        if (auto v = spec.U32(field.key)) {
          if (field.width == Width::kU8) writer.PutU8(field.type, static_cast<uint8_t>(*v));
          else if (field.width == Width::kU16) writer.PutU16(field.type, static_cast<uint16_t>(*v));
          else if (field.width == Width::kU64) {
            uint64_t wide = *v;
            writer.Put(field.type, &wide, sizeof wide);
          } else writer.PutU32(field.type, *v);
        }
        break;
    }
  }
}

void DecodeFields(Napi::Object out, const AttrTable& attrs, const Field* fields, size_t count) {
  Napi::Env env = out.Env();
  for (size_t i = 0; i < count; i++) {
    const Field& field = fields[i];
    switch (field.width) {
      case Width::kU8:
      case Width::kBool8: {
        uint8_t v;
        if (!attrs.U8(field.type, &v)) break;
        if (field.width == Width::kBool8) out.Set(field.key, Napi::Boolean::New(env, v != 0));
        else out.Set(field.key, Napi::Number::New(env, v));
        break;
      }
      case Width::kU16: {
        uint16_t v;
        if (attrs.U16(field.type, &v)) out.Set(field.key, Napi::Number::New(env, v));
        break;
      }
      case Width::kU32: {
        uint32_t v;
        if (attrs.U32(field.type, &v)) out.Set(field.key, Napi::Number::New(env, v));
        break;
      }
      case Width::kS32: {
        int32_t v;
        if (attrs.S32(field.type, &v)) out.Set(field.key, Napi::Number::New(env, v));
        break;
      }
      case Width::kU64: {
        uint64_t v;
        if (attrs.U64(field.type, &v)) out.Set(field.key, Napi::Number::New(env, static_cast<double>(v)));
        break;
      }
    }
  }
}

}  // namespace vnic
