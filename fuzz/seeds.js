// Writes seed files for the fuzz targets.
//   node fuzz/seeds.js VECTORS.json CORPUS   every message of every iproute2 vector
//   node fuzz/seeds.js --dumps DIR CORPUS    raw dump buffers written by seed_dump
// decode_fuzzer gets whole buffers and each message alone; describe_fuzzer a
// request with offsets into it (4 bytes of offset first); attrs_fuzzer the
// attributes after each message's family header.
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const dumps = args[0] === '--dumps';
if (dumps) args.shift();
const [source, corpus] = args;
const prefix = dumps ? 'dump' : 'vector';
let n = 0;
const put = (target, bytes) => fs.writeFileSync(path.join(corpus, target, `${prefix}-${n++}`), bytes);

// The family header's size by message type, to find where attributes start.
const headerLen = (type) => (type >= 16 && type <= 19 ? 16 : type >= 20 && type <= 23 ? 8 : type >= 24 && type <= 27 ? 12 : 4);

function messages(buf) {
  const out = [];
  for (let off = 0; off + 16 <= buf.length;) {
    const len = buf.readUInt32LE(off);
    if (len < 16 || off + len > buf.length) break;
    out.push(buf.subarray(off, off + len));
    off += (len + 3) & ~3;
  }
  return out;
}

function seedMessage(msg, asRequest) {
  put('decode_fuzzer', msg);
  const attrs = 16 + headerLen(msg.readUInt16LE(4));
  if (msg.length > attrs) put('attrs_fuzzer', msg.subarray(attrs));
  if (!asRequest) return;
  // Offsets a kernel would point at: each attribute start, nested ones too (every 4 bytes).
  for (let off = attrs; off < msg.length; off += 4) {
    const offset = Buffer.alloc(4);
    offset.writeUInt32LE(off);
    put('describe_fuzzer', Buffer.concat([offset, msg]));
  }
}

if (dumps) {
  if (!fs.existsSync(source)) process.exit(0);
  for (const name of fs.readdirSync(source)) {
    const buf = fs.readFileSync(path.join(source, name));
    put('decode_fuzzer', buf);
    for (const msg of messages(buf)) seedMessage(msg, false);
  }
} else {
  const doc = JSON.parse(fs.readFileSync(source, 'utf8'));
  for (const vector of doc.vectors) {
    for (const message of vector.messages ?? []) {
      const buf = Buffer.from(message.hex, 'hex');
      for (const msg of messages(buf)) seedMessage(msg, true);
    }
  }
}
console.error(`vnic fuzz: ${n} seed files written to ${corpus}`);
