// The decoders never throw or crash, whatever bytes they get: every iproute2
// vector cut at every byte and with random bytes flipped (a seeded PRNG, so a
// failure reproduces), and every input the fuzzer ever crashed on.
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
