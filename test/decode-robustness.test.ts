// The decoders never throw or crash, whatever bytes they get: every iproute2
// vector cut at every byte and with random bytes flipped (a seeded PRNG, so a
// failure reproduces), and every input the fuzzer ever crashed on.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { native } from '../lib/native';
import { loadVectors } from './helpers/vectors';

/** xorshift32: reproducible noise. */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

const decode = (bytes: Uint8Array) => native().NetlinkSocket.decode(bytes);
const requests = loadVectors().flatMap((v) => v.messages.map((m) => Buffer.from(m.hex, 'hex')));

test('every vector, cut at every byte', () => {
  let cases = 0;
  for (const bytes of requests) {
    for (let end = 0; end <= bytes.length; end++) {
      expect(Array.isArray(decode(bytes.subarray(0, end)))).toBe(true);
      cases++;
    }
  }
  expect(cases).toBeGreaterThan(1000);
});

test('every vector with random bytes flipped', () => {
  const random = prng(0x5eed);
  for (const original of requests) {
    for (let round = 0; round < 50; round++) {
      const bytes = Buffer.from(original);
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      expect(Array.isArray(decode(bytes))).toBe(true);
    }
  }
});

test("the fuzzer's regressions", () => {
  const dir = path.join(__dirname, '..', 'fuzz', 'regressions');
  const files = fs.readdirSync(dir);
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) expect(Array.isArray(decode(fs.readFileSync(path.join(dir, file))))).toBe(true);
});

// The decoders' output reaches JS through a reader that compiles one object
// literal per shape (native/reader.cc). Its two slow paths must build the very
// same objects; each runs in a child process, as the shape table is process-wide.
describe('the reader of decoded values', () => {
  const binding = path.join(__dirname, '..', 'build', 'Release', 'vnic.node');
  const vectorsHex = JSON.stringify(requests.map((bytes) => bytes.toString('hex')));
  /** Every vector decoded in a child (node FLAGS), as JSON: key order included. */
  const decodeInChild = (flags: string[], prelude = ''): string[] => JSON.parse(execFileSync(process.execPath, [...flags, '-e', `
    const { NetlinkSocket } = require(${JSON.stringify(binding)});
    ${prelude}
    const out = ${vectorsHex}.map((hex) => JSON.stringify(NetlinkSocket.decode(Buffer.from(hex, 'hex'))));
    process.stdout.write(JSON.stringify(out));
  `], { encoding: 'utf8', maxBuffer: 64 << 20 })) as string[];
  const here = () => requests.map((bytes) => JSON.stringify(decode(bytes)));

  test('with code generation from strings disallowed, objects are built key by key, the same', () => {
    expect(decodeInChild(['--disallow-code-generation-from-strings'])).toEqual(here());
  });

  test('once the shape table is full, objects carry their keys inline, the same', () => {
    // RTM_NEWLINK messages with every subset of 13 optional u32 attributes:
    // 8192 shapes, twice what the table holds.
    const types = [4, 5, 10, 13, 19, 27, 29, 30, 31, 32, 35, 50, 51];
    const prelude = `
      const types = ${JSON.stringify(types)};
      // In the decoder's order (native/link.cc's field table).
      const order = [[4, 'mtu'], [13, 'txqueuelen'], [5, 'link'], [10, 'master'], [27, 'group'], [19, 'netnsPid'],
        [29, 'extMask'], [31, 'numTxQueues'], [32, 'numRxQueues'], [50, 'minMtu'], [51, 'maxMtu'], [30, 'promiscuity'],
        [35, 'carrierChanges']];
      let wrong = 0;
      for (let mask = 0; mask < (1 << types.length); mask++) {
        const present = types.filter((_, i) => mask & (1 << i));
        const attrs = present.map((type) => {
          const a = Buffer.alloc(8); a.writeUInt16LE(8, 0); a.writeUInt16LE(type, 2); a.writeUInt32LE(type * 1000 + mask, 4); return a;
        });
        const body = Buffer.concat([Buffer.alloc(16), ...attrs]);
        const header = Buffer.alloc(16); header.writeUInt32LE(16 + body.length, 0); header.writeUInt16LE(16, 4);
        const [link] = NetlinkSocket.decode(Buffer.concat([header, body]));
        const expected = order.filter(([type]) => present.includes(type)).map(([type, key]) => [key, type * 1000 + mask]);
        const got = Object.entries(link).filter(([key]) => order.some(([, k]) => k === key));
        if (JSON.stringify(got) !== JSON.stringify(expected) || link.index !== 0 || link.kind !== null) wrong++;
      }
      if (wrong > 0) throw new Error(wrong + ' links decoded wrong');
    `;
    expect(decodeInChild([], prelude)).toEqual(here());
  });
});
