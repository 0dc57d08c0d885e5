// Decoded replies in a compact form that JS turns into objects cheaply.
// Building objects through N-API costs a property-key lookup and a map
// transition per field (~40 µs per link, and the objects end up in dictionary
// mode); instead the decoders write here, pure C++, and reader.cc hands the
// result to a small JS reader that builds each object from a literal compiled
// once per shape (its keys in order), so V8 makes them fast and fixed-shape.
//
// The stream is one array of 8-byte slots, each a double or an int32 (in the
// slot's first 4 bytes, as an Int32Array over the same buffer reads it):
//   int (an integer that fits 32 signed bits: most numbers), bool (0/1): an
//   int32;  other numbers: a double;  null: nothing;  string, Buffer: an int32
//   index into the value table;  object: its shape id (int32), then each
//   member's payload in the shape's order;  array: its length (int32), then
//   each element as a kind tag (int32) and its payload.  The top-level value
//   is tagged like an array element. Integers travel as int32 so that V8
//   stores them as small integers: a double read from a Float64Array lands in
//   an object as a separate heap number, one allocation per field.
// A shape is the object's (key, kind) sequence, interned process-wide; when
// the table is full an object carries its keys inline instead (shape -1,
// the member count, then (key's value-table index, kind) pairs).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace vnic {

// Numbered as the JS reader (reader.cc) reads them.
enum class ValueKind : uint8_t { kNumber = 0, kBool = 1, kNull = 2, kValue = 3, kObject = 4, kArray = 5, kInt = 6 };

// One member of a shape. `key` has static storage (a literal or a table
// entry): its address is part of the shape's identity.
struct ShapeKey {
  const char* key;
  ValueKind kind;
};

// The id of this member sequence, registered on first sight; -1 once the
// table holds kMaxShapes (then objects carry their keys inline).
int32_t InternShape(const ShapeKey* keys, size_t count);
// A registered shape's members; false for an unknown id.
bool ShapeMembers(uint32_t id, std::vector<ShapeKey>* out);
constexpr size_t kMaxShapes = 4096;

// Writes one value tree. Inside an object every call names its key (static
// storage); inside an array and at the top level the key is nullptr. Misuse
// (a missing or extra key, unbalanced ends, a second top-level value) marks
// the writer failed instead of producing a stream the reader would misread.
class ValueWriter {
 public:
  struct Entry {
    uint32_t offset;
    uint32_t length;
    bool bytes;  // a Buffer rather than a (UTF-8) string
  };

  // Inline: a link is ~60 of these calls.
  void Number(const char* key, double v) {
    // -0 stays a double: a small integer has no sign of zero.
    if (v >= -2147483648.0 && v <= 2147483647.0 && std::floor(v) == v && !(v == 0 && std::signbit(v))) {
      if (Member(key, ValueKind::kInt)) PushInt(static_cast<int32_t>(v));
    } else if (Member(key, ValueKind::kNumber)) {
      stream_.push_back(v);
    }
  }
  void Bool(const char* key, bool v) {
    if (Member(key, ValueKind::kBool)) PushInt(v ? 1 : 0);
  }
  void Null(const char* key) { Member(key, ValueKind::kNull); }
  void String(const char* key, std::string_view v) {
    if (Member(key, ValueKind::kValue)) PushInt(static_cast<int32_t>(AddValue(v, false)));
  }
  void Bytes(const char* key, const uint8_t* data, size_t len);
  void BeginObject(const char* key);
  void EndObject();
  void BeginArray(const char* key);
  void EndArray();

  // Room for about this many slots (a hint: a buffer of n bytes of
  // attributes decodes to at most about n / 4 slots).
  void Reserve(size_t slots) { stream_.reserve(slots); }

  // Exactly one complete top-level value, written without misuse.
  bool complete() const { return ok_ && done_ && frames_.empty(); }
  const std::vector<double>& stream() const { return stream_; }
  // The int32 a slot holds (for ints, bools, tags, ids, lengths, indexes).
  static int32_t SlotInt(double slot);
  const std::vector<Entry>& values() const { return values_; }
  std::string_view text(const Entry& entry) const { return {text_.data() + entry.offset, entry.length}; }
  void Clear();

 private:
  struct Frame {
    size_t slot;       // where the shape id (object) or the length (array) goes
    size_t sig_start;  // this object's first member in sig_
    uint32_t count;    // array elements so far
    bool array;
  };
  // Records a member (object) or an element's tag (array, top level).
  bool Member(const char* key, ValueKind kind) {
    if (ok_ && !frames_.empty() && !frames_.back().array && key != nullptr) {
      sig_.push_back({key, kind});  // the common case: a member of an object
      return true;
    }
    return SlowMember(key, kind);
  }
  bool SlowMember(const char* key, ValueKind kind);
  void PushInt(int32_t v) {
    double slot = 0;
    std::memcpy(&slot, &v, sizeof v);
    stream_.push_back(slot);
  }
  uint32_t AddValue(std::string_view data, bool bytes);
  void Inline(const Frame& frame);

  std::vector<double> stream_;
  std::vector<ShapeKey> sig_;
  std::vector<Frame> frames_;
  std::string text_;
  std::vector<Entry> values_;
  std::vector<uint32_t> dedup_;  // open addressing over values_ (index + 1; 0 empty)
  bool ok_ = true;
  bool done_ = false;
};

}  // namespace vnic
