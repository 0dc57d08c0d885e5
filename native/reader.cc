#include "reader.h"

#include <cstring>

namespace vnic {
namespace {

// Runs once per isolate, with shapeOf(id) → [key, kind, key, kind, …]; returns
// read(numbers: Float64Array, values: Array). Each shape becomes a function
// returning an object literal with the shape's keys in order, its members
// read at constant offsets from the cursor: V8 then builds the object in one
// step with a map it reuses (fast properties) instead of a lookup and a map
// transition per key. Where code generation from strings is disabled
// (--disallow-code-generation-from-strings), objects are built key by key
// instead. Keys come from the addon's own tables, never from the kernel.
const char kReaderSource[] = R"JS((function (shapeOf) {
  'use strict';
  const NUMBER = 0, BOOL = 1, NULL = 2, VALUE = 3, OBJECT = 4, ARRAY = 5;
  const s = { f: null, v: null, p: 0 };  // the stream being read and the cursor
  const made = [];                          // shape id -> function building one object
  function member(kind) {
    switch (kind) {
      case NUMBER: return s.f[s.p++];
      case BOOL: return s.f[s.p++] !== 0;
      case VALUE: return s.v[s.f[s.p++]];
      case OBJECT: return object();
      case ARRAY: return array();
      default: return null;
    }
  }
  function element() { return member(s.f[s.p++]); }
  function array() {
    const out = [];
    for (let n = s.f[s.p++]; n > 0; n--) out.push(element());
    return out;
  }
  function assemble(keys, kinds) {
    const out = {};
    for (let i = 0; i < keys.length; i++) out[keys[i]] = member(kinds[i]);
    return out;
  }
  function inline() {
    const keys = [], kinds = [];
    for (let n = s.f[s.p++]; n > 0; n--) { keys.push(s.v[s.f[s.p++]]); kinds.push(s.f[s.p++]); }
    return assemble(keys, kinds);
  }
  // The literal's members: scalars at p + k; a nested object or array moves
  // the cursor by its own length, so offsets start again after it.
  function source(keys, kinds) {
    const members = [];
    let k = 0;
    for (let i = 0; i < keys.length; i++) {
      let value;
      switch (kinds[i]) {
        case NUMBER: value = 'f[p + ' + k++ + ']'; break;
        case BOOL: value = 'f[p + ' + k++ + '] !== 0'; break;
        case NULL: value = 'null'; break;
        case VALUE: value = 'v[f[p + ' + k++ + ']]'; break;
        default:
          value = '(s.p = p + ' + k + ', t = ' + (kinds[i] === OBJECT ? 'object()' : 'array()') + ', p = s.p, t)';
          k = 0;
      }
      members.push(JSON.stringify(keys[i]) + ': ' + value);
    }
    return '"use strict"; return function () { const f = s.f, v = s.v; let p = s.p, t; const o = { ' +
      members.join(', ') + ' }; s.p = p + ' + k + '; return o; };';
  }
  function compile(id) {
    const members = shapeOf(id);
    const keys = [], kinds = [];
    for (let i = 0; i < members.length; i += 2) { keys.push(members[i]); kinds.push(members[i + 1]); }
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
    const id = s.f[s.p++];
    if (id < 0) return inline();
    return (made[id] || compile(id))();
  }
  return function read(numbers, values) {
    s.f = numbers; s.v = values; s.p = 0;
    try { return element(); } finally { s.f = null; s.v = null; }
  };
}))JS";

struct ReaderState {
  Napi::FunctionReference read;
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

// This isolate's read(), made on first use.
Napi::Function Reader(Napi::Env env) {
  auto* state = env.GetInstanceData<ReaderState>();
  if (state != nullptr) return state->read.Value();
  Napi::Value factory = env.RunScript(kReaderSource);
  if (factory.IsEmpty() || !factory.IsFunction()) return Napi::Function();
  Napi::Value read = factory.As<Napi::Function>().Call({Napi::Function::New(env, ShapeOf, "shapeOf")});
  if (read.IsEmpty() || !read.IsFunction()) return Napi::Function();
  state = new ReaderState{Napi::Persistent(read.As<Napi::Function>())};
  env.SetInstanceData(state);  // deleted with the environment
  return state->read.Value();
}

}  // namespace

Napi::Value ToJs(Napi::Env env, const ValueWriter& writer) {
  if (!writer.complete()) {
    Napi::Error::New(env, "vnic: internal error: a decoder wrote a malformed value").ThrowAsJavaScriptException();
    return Napi::Value();
  }
  Napi::Function read = Reader(env);
  if (read.IsEmpty()) return Napi::Value();
  const std::vector<double>& stream = writer.stream();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, stream.size() * sizeof(double));
  if (!stream.empty()) std::memcpy(buffer.Data(), stream.data(), stream.size() * sizeof(double));
  Napi::Float64Array numbers = Napi::Float64Array::New(env, stream.size(), buffer, 0);
  const auto& entries = writer.values();
  Napi::Array values = Napi::Array::New(env, entries.size());
  for (uint32_t i = 0; i < entries.size(); i++) {
    std::string_view text = writer.text(entries[i]);
    if (entries[i].bytes) {
      values.Set(i, Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    } else {
      // UTF-8, invalid sequences replaced (U+FFFD), as names always were.
      values.Set(i, Napi::String::New(env, text.data(), text.size()));
    }
  }
  return read.Call({numbers, values});
}

}  // namespace vnic
