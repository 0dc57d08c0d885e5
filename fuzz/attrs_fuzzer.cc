// libFuzzer target: the bounded attribute reader everything else rests on
// (AttrTable over a payload and over a nested attribute, every typed getter,
// ForEachAttr / ForEachNested, and the address formatters).
#include <cstring>
#include <string>
#include <vector>

#include "../native/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto* payload = new uint8_t[size == 0 ? 1 : size];
  if (size > 0) std::memcpy(payload, data, size);
  vnic::AttrTable table(payload, size, 64);
  size_t sink = 0;
  for (uint16_t type = 0; type <= 66; type++) {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    int32_t s32;
    uint64_t u64;
    std::string text;
    const uint8_t* bytes;
    size_t len;
    sink += table.U8(type, &u8) + table.U16(type, &u16) + table.U32(type, &u32) +
            table.S32(type, &s32) + table.U64(type, &u64) + table.Str(type, &text);
    if (table.Bytes(type, &bytes, &len)) {
      sink += vnic::FormatHardwareAddress(bytes, len).size() + vnic::FormatIpAddress(bytes, len).size();
    }
    vnic::AttrTable nested(table.Get(type), 32);
    vnic::ForEachNested(table.Get(type), [&](const nlattr* attr) { sink += mnl_attr_get_payload_len(attr); });
    sink += nested.Has(1);
  }
  volatile size_t keep = sink;
  (void)keep;
  delete[] payload;
  return 0;
}
