#include "compact.h"

#include <cstring>
#include <mutex>
#include <unordered_map>

namespace vnic {
namespace {

uint64_t Mix(uint64_t hash, uint64_t value) {
  hash ^= value;
  return hash * 0x100000001b3ull;  // FNV-1a's prime, a word at a time
}

uint64_t HashShape(const ShapeKey* keys, size_t count) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < count; i++) {
    hash = Mix(hash, reinterpret_cast<uintptr_t>(keys[i].key));
    hash = Mix(hash, static_cast<uint64_t>(keys[i].kind));
  }
  return hash;
}

// Process-wide: every isolate's reader asks for the members of the ids it
// meets (worker threads decode too, hence the lock).
struct ShapeTable {
  std::mutex lock;
  std::vector<std::vector<ShapeKey>> shapes;
  std::unordered_multimap<uint64_t, uint32_t> by_hash;
};

ShapeTable& Shapes() {
  static ShapeTable* table = new ShapeTable;  // never destroyed: decoders may run during exit
  return *table;
}

bool SameMembers(const std::vector<ShapeKey>& shape, const ShapeKey* keys, size_t count) {
  if (shape.size() != count) return false;
  for (size_t i = 0; i < count; i++) {
    if (shape[i].key != keys[i].key || shape[i].kind != keys[i].kind) return false;
  }
  return true;
}

uint64_t HashText(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ull;
  return hash;
}

}  // namespace

int32_t InternShape(const ShapeKey* keys, size_t count) {
  ShapeTable& table = Shapes();
  uint64_t hash = HashShape(keys, count);
  std::lock_guard<std::mutex> guard(table.lock);
  auto range = table.by_hash.equal_range(hash);
  for (auto it = range.first; it != range.second; ++it) {
    if (SameMembers(table.shapes[it->second], keys, count)) return static_cast<int32_t>(it->second);
  }
  if (table.shapes.size() >= kMaxShapes) return -1;
  uint32_t id = static_cast<uint32_t>(table.shapes.size());
  table.shapes.emplace_back(keys, keys + count);
  table.by_hash.emplace(hash, id);
  return static_cast<int32_t>(id);
}

bool ShapeMembers(uint32_t id, std::vector<ShapeKey>* out) {
  ShapeTable& table = Shapes();
  std::lock_guard<std::mutex> guard(table.lock);
  if (id >= table.shapes.size()) return false;
  *out = table.shapes[id];
  return true;
}

int32_t ValueWriter::SlotInt(double slot) {
  int32_t v;
  std::memcpy(&v, &slot, sizeof v);
  return v;
}

bool ValueWriter::SlowMember(const char* key, ValueKind kind) {
  if (!ok_) return false;
  if (frames_.empty()) {
    // The top-level value: one, tagged, unnamed.
    if (done_ || key != nullptr) return ok_ = false;
    done_ = true;
    PushInt(static_cast<int32_t>(kind));
    return true;
  }
  Frame& frame = frames_.back();
  if (!frame.array || key != nullptr) return ok_ = false;  // an object member without a key, or an element with one
  frame.count++;
  PushInt(static_cast<int32_t>(kind));
  return true;
}

void ValueWriter::Bytes(const char* key, const uint8_t* data, size_t len) {
  if (Member(key, ValueKind::kValue)) {
    PushInt(static_cast<int32_t>(AddValue(std::string_view(reinterpret_cast<const char*>(data), len), true)));
  }
}

void ValueWriter::BeginObject(const char* key) {
  if (!Member(key, ValueKind::kObject)) return;
  frames_.push_back({stream_.size(), sig_.size(), 0, false});
  PushInt(0);  // the shape id, known at the end
}

void ValueWriter::EndObject() {
  if (!ok_) return;
  if (frames_.empty() || frames_.back().array) {
    ok_ = false;
    return;
  }
  Frame frame = frames_.back();
  frames_.pop_back();
  int32_t id = InternShape(sig_.data() + frame.sig_start, sig_.size() - frame.sig_start);
  if (id >= 0) {
    std::memcpy(&stream_[frame.slot], &id, sizeof id);
  } else {
    Inline(frame);
  }
  sig_.resize(frame.sig_start);
}

// The shape table is full: this object names its members itself.
void ValueWriter::Inline(const Frame& frame) {
  size_t count = sig_.size() - frame.sig_start;
  std::vector<int32_t> header;
  header.reserve(2 + 2 * count);
  header.push_back(-1);
  header.push_back(static_cast<int32_t>(count));
  for (size_t i = frame.sig_start; i < sig_.size(); i++) {
    header.push_back(static_cast<int32_t>(AddValue(sig_[i].key, false)));
    header.push_back(static_cast<int32_t>(sig_[i].kind));
  }
  std::vector<double> slots(header.size(), 0);
  for (size_t i = 0; i < header.size(); i++) std::memcpy(&slots[i], &header[i], sizeof header[i]);
  stream_[frame.slot] = slots[0];
  stream_.insert(stream_.begin() + static_cast<std::ptrdiff_t>(frame.slot) + 1, slots.begin() + 1, slots.end());
}

void ValueWriter::BeginArray(const char* key) {
  if (!Member(key, ValueKind::kArray)) return;
  frames_.push_back({stream_.size(), sig_.size(), 0, true});
  PushInt(0);  // the length, known at the end
}

void ValueWriter::EndArray() {
  if (!ok_) return;
  if (frames_.empty() || !frames_.back().array) {
    ok_ = false;
    return;
  }
  int32_t count = static_cast<int32_t>(frames_.back().count);
  std::memcpy(&stream_[frames_.back().slot], &count, sizeof count);
  frames_.pop_back();
}

// Strings repeat (kinds, states, "ff:ff:ff:ff:ff:ff"): each distinct one
// becomes one JS string. Buffers are mutable, so each gets its own.
uint32_t ValueWriter::AddValue(std::string_view data, bool bytes) {
  uint64_t hash = 0;
  if (!bytes) {
    if (dedup_.size() < 2 * (values_.size() + 1)) {
      // Grow (and rebuild) at half full.
      std::vector<uint32_t> slots(dedup_.empty() ? 64 : dedup_.size() * 2, 0);
      for (uint32_t i = 0; i < values_.size(); i++) {
        if (values_[i].bytes) continue;
        size_t at = HashText(text(values_[i])) & (slots.size() - 1);
        while (slots[at] != 0) at = (at + 1) & (slots.size() - 1);
        slots[at] = i + 1;
      }
      dedup_.swap(slots);
    }
    hash = HashText(data);
    size_t at = hash & (dedup_.size() - 1);
    for (; dedup_[at] != 0; at = (at + 1) & (dedup_.size() - 1)) {
      const Entry& entry = values_[dedup_[at] - 1];
      if (text(entry) == data) return dedup_[at] - 1;
    }
    dedup_[at] = static_cast<uint32_t>(values_.size()) + 1;
  }
  values_.push_back({static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(data.size()), bytes});
  text_.append(data.data(), data.size());
  return static_cast<uint32_t>(values_.size()) - 1;
}

void ValueWriter::Clear() {
  stream_.clear();
  sig_.clear();
  frames_.clear();
  text_.clear();
  values_.clear();
  dedup_.clear();
  ok_ = true;
  done_ = false;
}

}  // namespace vnic
