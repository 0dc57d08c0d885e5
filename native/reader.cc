#include "reader.h"

#include <algorithm>
#include <cstring>

namespace vnic {
namespace {

// Runs once per isolate, with shapeOf(id) → [key, kind, key, kind, …]; returns
// [read(doubles: Float64Array, ints: Int32Array, values: Array),
//  readWith(doubles, ints, ...values), deliver(callback, doubles, ints, values),
//  deliverWith(callback, doubles, ints, ...values), gather(...values),
//  join(...arrays)]; the two views share one buffer. Each shape becomes a function
// returning an object literal with the shape's keys in order, its members
// read at constant offsets from the cursor: V8 then builds the object in one
// step with a map it reuses (fast properties) instead of a lookup and a map
// transition per key. Where code generation from strings is disabled
// (--disallow-code-generation-from-strings), objects are built key by key
// instead. Keys come from the addon's own tables, never from the kernel.
const char kReaderSource[] = R"JS((function (shapeOf) {
  'use strict';
  const NUMBER = 0, BOOL = 1, NULL = 2, VALUE = 3, OBJECT = 4, ARRAY = 5, INT = 6;
  // The stream being read (its slots as doubles and, twice as many, int32s)
  // and the cursor, in slots.
  const s = { f: null, i: null, v: null, p: 0 };
  const made = [];  // shape id -> function building one object
  function int() { return s.i[2 * s.p++]; }
  function member(kind) {
    switch (kind) {
      case INT: return int();
      case NUMBER: return s.f[s.p++];
      case BOOL: return int() !== 0;
      case VALUE: return s.v[int()];
      case OBJECT: return object();
      case ARRAY: return array();
      default: return null;
    }
  }
  function element() { return member(int()); }
  // Sized once (a [] grown by push reserves 17 slots for one element).
  function array() {
    const n = int();
    const out = new Array(n);
    for (let k = 0; k < n; k++) {
      const kind = int();
      out[k] = kind === OBJECT ? object() : member(kind);
    }
    return out;
  }
  function assemble(keys, kinds) {
    const out = {};
    for (let k = 0; k < keys.length; k++) out[keys[k]] = member(kinds[k]);
    return out;
  }
  function inline() {
    const keys = [], kinds = [];
    for (let n = int(); n > 0; n--) { keys.push(s.v[int()]); kinds.push(int()); }
    return assemble(keys, kinds);
  }
  // The literal's members: scalars at slot p + k; a nested object or array
  // moves the cursor by its own length, so offsets start again after it.
  function source(keys, kinds) {
    const members = [];
    let k = 0;
    for (let n = 0; n < keys.length; n++) {
      let value;
      switch (kinds[n]) {
        case INT: value = 'i[q + ' + 2 * k++ + ']'; break;
        case NUMBER: value = 'f[p + ' + k++ + ']'; break;
        case BOOL: value = 'i[q + ' + 2 * k++ + '] !== 0'; break;
        case NULL: value = 'null'; break;
        case VALUE: value = 'v[i[q + ' + 2 * k++ + ']]'; break;
        default:
          value = '(s.p = p + ' + k + ', t = ' + (kinds[n] === OBJECT ? 'object()' : 'array()') + ', p = s.p, q = 2 * p, t)';
          k = 0;
      }
      members.push(JSON.stringify(keys[n]) + ': ' + value);
    }
    return '"use strict"; return function () { const f = s.f, i = s.i, v = s.v; let p = s.p, q = 2 * p, t; const o = { ' +
      members.join(', ') + ' }; s.p = p + ' + k + '; return o; };';
  }
  function compile(id) {
    const members = shapeOf(id);
    const keys = [], kinds = [];
    for (let n = 0; n < members.length; n += 2) { keys.push(members[n]); kinds.push(members[n + 1]); }
    let make;
    try {
      make = new Function('s', 'object', 'array', source(keys, kinds))(s, object, array);
    } catch {
      make = () => assemble(keys, kinds);
    }
    made[id] = make;
    return make;
  }
  function object() {
    const id = int();
    if (id < 0) return inline();
    return (made[id] || compile(id))();
  }
  function read(doubles, ints, values) {
    s.f = doubles; s.i = ints; s.v = values; s.p = 0;
    try { return element(); } finally { s.f = null; s.i = null; s.v = null; }
  }
  // The value table arrives as arguments rather than a property store per
  // value: after the slots for a small table, in chunks (gather, join) for a
  // large one. deliver hands the value to a callback in the same entry into
  // JS (the engine's completions, a monitor's events).
  function readWith(doubles, ints, ...values) { return read(doubles, ints, values); }
  function deliver(callback, doubles, ints, values) { return callback.call(this, read(doubles, ints, values)); }
  function deliverWith(callback, doubles, ints, ...values) { return callback.call(this, read(doubles, ints, values)); }
  function gather(...values) { return values; }
  function join(...chunks) { return [].concat(...chunks); }
  return [read, readWith, deliver, deliverWith, gather, join];
}))JS";

bool IsAscii(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

struct ReaderState {
  Napi::FunctionReference read, read_with, deliver, deliver_with, gather, join;
  // The slots' buffer, kept from one call to the next (a new one per
  // wakeup would be external memory that only a GC gives back), with its
  // two views; a large one (a dump's) is dropped after use.
  Napi::Reference<Napi::Float64Array> doubles;
  Napi::Reference<Napi::Int32Array> ints;
  double* data = nullptr;
  size_t capacity = 0;  // in slots
};

constexpr size_t kMinSlots = 8 * 1024;   // 64 KiB
constexpr size_t kKeepSlots = 64 * 1024;  // 512 KiB

// Makes room for `slots` slots in the state's buffer.
bool Reserve(Napi::Env env, ReaderState* state, size_t slots) {
  if (slots <= state->capacity) return true;
  size_t capacity = std::max(slots, kMinSlots);
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, capacity * sizeof(double));
  if (env.IsExceptionPending()) return false;
  state->doubles = Napi::Persistent(Napi::Float64Array::New(env, capacity, buffer, 0));
  state->ints = Napi::Persistent(Napi::Int32Array::New(env, 2 * capacity, buffer, 0));
  state->data = static_cast<double*>(buffer.Data());
  state->capacity = capacity;
  return true;
}

Napi::Value ShapeOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<ShapeKey> members;
  if (!info[0].IsNumber() || !ShapeMembers(info[0].As<Napi::Number>().Uint32Value(), &members)) {
    Napi::Error::New(env, "vnic: unknown shape").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, members.size() * 2);
  for (size_t i = 0; i < members.size(); i++) {
    out.Set(static_cast<uint32_t>(2 * i), Napi::String::New(env, members[i].key));
    out.Set(static_cast<uint32_t>(2 * i + 1), Napi::Number::New(env, static_cast<double>(members[i].kind)));
  }
  return out;
}

// This isolate's reader, made on first use.
ReaderState* Reader(Napi::Env env) {
  auto* state = env.GetInstanceData<ReaderState>();
  if (state != nullptr) return state;
  Napi::Value factory = env.RunScript(kReaderSource);
  if (factory.IsEmpty() || !factory.IsFunction()) return nullptr;
  Napi::Value made = factory.As<Napi::Function>().Call({Napi::Function::New(env, ShapeOf, "shapeOf")});
  if (made.IsEmpty() || !made.IsArray()) return nullptr;
  auto parts = made.As<Napi::Array>();
  auto part = [&](uint32_t i) { return Napi::Persistent(parts.Get(i).As<Napi::Function>()); };
  state = new ReaderState{part(0), part(1), part(2), part(3), part(4), part(5)};
  env.SetInstanceData(state);  // deleted with the environment
  return state;
}

// Arguments per gather() call: 16 KiB of stack.
constexpr size_t kGatherChunk = 2048;


// The reader's arguments for the writer's value: the slots' two views, then
// the values themselves (`small`) or one array of them. Leaves a pending JS
// exception and returns false when the writer was misused.
bool Arguments(Napi::Env env, const ValueWriter& writer, ReaderState** state, std::vector<napi_value>* args,
               bool* small) {
  if (!writer.complete()) {
    Napi::Error::New(env, "vnic: internal error: a decoder wrote a malformed value").ThrowAsJavaScriptException();
    return false;
  }
  ReaderState* reader = *state = Reader(env);
  if (reader == nullptr) return false;
  const std::vector<double>& stream = writer.stream();
  if (!Reserve(env, reader, stream.size())) return false;
  std::memcpy(reader->data, stream.data(), stream.size() * sizeof(double));
  const auto& entries = writer.values();
  *small = entries.size() <= kGatherChunk;
  args->push_back(reader->doubles.Value());
  args->push_back(reader->ints.Value());
  std::vector<napi_value> chunk, chunks;
  std::vector<napi_value>& into = *small ? *args : chunk;
  for (size_t i = 0; i < entries.size(); i++) {
    std::string_view text = writer.text(entries[i]);
    napi_value value;
    if (entries[i].bytes) {
      value = Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(text.data()), text.size());
    } else if (IsAscii(text)) {
      // Names, addresses, states: ASCII, copied as is (no UTF-8 decoding).
      napi_create_string_latin1(env, text.data(), text.size(), &value);
    } else {
      // UTF-8, invalid sequences replaced (U+FFFD), as names always were.
      napi_create_string_utf8(env, text.data(), text.size(), &value);
    }
    into.push_back(value);
    if (!*small && (chunk.size() == kGatherChunk || i + 1 == entries.size())) {
      chunks.push_back(reader->gather.Call(chunk));
      chunk.clear();
    }
  }
  if (!*small) {
    Napi::Value values = reader->join.Call(chunks);
    if (values.IsEmpty()) return false;
    args->push_back(values);
  }
  return true;
}

// A dump's large buffer is not kept for the next, small replies.
void Shrink(ReaderState* reader) {
  if (reader->capacity <= kKeepSlots) return;
  reader->doubles.Reset();
  reader->ints.Reset();
  reader->data = nullptr;
  reader->capacity = 0;
}

}  // namespace

Napi::Value ToJs(Napi::Env env, const ValueWriter& writer) {
  ReaderState* reader = nullptr;
  std::vector<napi_value> args;
  bool small = true;
  if (!Arguments(env, writer, &reader, &args, &small)) return Napi::Value();
  Napi::Value result = (small ? reader->read_with : reader->read).Call(args);
  Shrink(reader);
  return result;
}

void Deliver(Napi::Env env, const ValueWriter& writer, napi_value receiver, napi_value callback) {
  ReaderState* reader = nullptr;
  std::vector<napi_value> args{callback};
  bool small = true;
  if (!Arguments(env, writer, &reader, &args, &small)) return;
  napi_value result;
  napi_make_callback(env, nullptr, receiver, (small ? reader->deliver_with : reader->deliver).Value(), args.size(),
                     args.data(), &result);
  Shrink(reader);
}

}  // namespace vnic
