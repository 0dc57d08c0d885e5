#include "reader.h"

#include <algorithm>
#include <cstring>

namespace vnic {
namespace {

// Runs once per isolate, with shapeOf(id) → [key, kind, key, kind, …]; returns
// [read(slots: Float64Array, values: Array), gather(...values), join(...arrays)]. Each shape becomes a function
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
  function array() {
    const out = [];
    for (let n = int(); n > 0; n--) {
      const kind = int();
      out.push(kind === OBJECT ? object() : member(kind));
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
  function read(numbers, values) {
    s.f = numbers; s.i = new Int32Array(numbers.buffer, numbers.byteOffset, numbers.length * 2); s.v = values; s.p = 0;
    try { return element(); } finally { s.f = null; s.i = null; s.v = null; }
  }
  // The value table, handed over as arguments: one call per chunk instead of
  // a property store per value.
  function gather(...values) { return values; }
  function join(...chunks) { return [].concat(...chunks); }
  return [read, gather, join];
}))JS";

bool IsAscii(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

struct ReaderState {
  Napi::FunctionReference read, gather, join;
};

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
  state = new ReaderState{Napi::Persistent(parts.Get(0u).As<Napi::Function>()),
                          Napi::Persistent(parts.Get(1u).As<Napi::Function>()),
                          Napi::Persistent(parts.Get(2u).As<Napi::Function>())};
  env.SetInstanceData(state);  // deleted with the environment
  return state;
}

// Arguments per gather() call: 16 KiB of stack.
constexpr size_t kGatherChunk = 2048;

}  // namespace

Napi::Value ToJs(Napi::Env env, const ValueWriter& writer) {
  if (!writer.complete()) {
    Napi::Error::New(env, "vnic: internal error: a decoder wrote a malformed value").ThrowAsJavaScriptException();
    return Napi::Value();
  }
  ReaderState* reader = Reader(env);
  if (reader == nullptr) return Napi::Value();
  const std::vector<double>& stream = writer.stream();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, stream.size() * sizeof(double));
  if (!stream.empty()) std::memcpy(buffer.Data(), stream.data(), stream.size() * sizeof(double));
  Napi::Float64Array numbers = Napi::Float64Array::New(env, stream.size(), buffer, 0);
  const auto& entries = writer.values();
  std::vector<napi_value> made;
  made.reserve(std::min(entries.size(), kGatherChunk));
  std::vector<napi_value> chunks;
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
    made.push_back(value);
    if (made.size() == kGatherChunk || i + 1 == entries.size()) {
      chunks.push_back(reader->gather.Call(made));
      made.clear();
    }
  }
  Napi::Value values = chunks.empty() ? reader->gather.Call({})
                       : chunks.size() == 1 ? Napi::Value(env, chunks[0]) : reader->join.Call(chunks);
  if (values.IsEmpty()) return Napi::Value();
  return reader->read.Call({numbers, values});
}

}  // namespace vnic
