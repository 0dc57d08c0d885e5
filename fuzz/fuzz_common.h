// Shared by the fuzz targets: reads a decoder's output (native/compact.h)
// exactly as the addon's JS reader (native/reader.cc) does, and traps on
// anything that reader would misread — an index outside the value table, an
// unknown kind or shape, a length running past the end, bytes left over —
// while reading every byte of every string and Buffer (so ASan checks them).
#pragma once

#include <cstddef>
#include <vector>

#include "../native/compact.h"

class CompactWalk {
 public:
  explicit CompactWalk(const vnic::ValueWriter& writer) : writer_(writer), f_(writer.stream()) {}

  size_t Run() {
    if (!writer_.complete()) __builtin_trap();
    Member(Kind(), 0);
    if (p_ != f_.size()) __builtin_trap();
    return sum_;
  }

 private:
  double Next() {
    if (p_ >= f_.size()) __builtin_trap();
    return f_[p_++];
  }
  int32_t Int() { return vnic::ValueWriter::SlotInt(Next()); }
  size_t Count(size_t limit) {
    int32_t v = Int();
    if (v < 0 || static_cast<size_t>(v) >= limit) __builtin_trap();
    return static_cast<size_t>(v);
  }
  vnic::ValueKind Kind() { return static_cast<vnic::ValueKind>(Count(7)); }
  void Member(vnic::ValueKind kind, int depth) {
    if (depth > 64) __builtin_trap();  // decoders nest a few levels, never this deep
    switch (kind) {
      case vnic::ValueKind::kNumber: sum_ += static_cast<size_t>(Next() != 0); break;
      case vnic::ValueKind::kInt: sum_ += static_cast<size_t>(Int()); break;
      case vnic::ValueKind::kBool: sum_ += Count(2); break;
      case vnic::ValueKind::kNull: break;
      case vnic::ValueKind::kValue: {
        const auto& entry = writer_.values()[Count(writer_.values().size())];
        for (unsigned char c : writer_.text(entry)) sum_ += c;
        break;
      }
      case vnic::ValueKind::kObject: Object(depth); break;
      case vnic::ValueKind::kArray:
        for (size_t n = Count(f_.size()); n > 0; n--) Member(Kind(), depth + 1);
        break;
    }
  }
  void Object(int depth) {
    int32_t id = Int();
    std::vector<vnic::ValueKind> kinds;
    if (id == -1) {
      // Keys inline (the shape table was full): (key, kind) pairs, then the members.
      for (size_t n = Count(f_.size()); n > 0; n--) {
        if (writer_.values()[Count(writer_.values().size())].bytes) __builtin_trap();
        kinds.push_back(Kind());
      }
    } else {
      std::vector<vnic::ShapeKey> members;
      if (id < 0 || !vnic::ShapeMembers(static_cast<uint32_t>(id), &members)) {
        __builtin_trap();
      }
      for (const auto& m : members) kinds.push_back(m.kind);
    }
    for (vnic::ValueKind kind : kinds) Member(kind, depth + 1);
  }

  const vnic::ValueWriter& writer_;
  const std::vector<double>& f_;
  size_t p_ = 0;
  size_t sum_ = 0;
};
