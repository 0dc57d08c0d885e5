// The golden requests iproute2 sent (../shared/vectors, read in place, never
// copied), and the one comparison that holds our encoder's bytes against them.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** A decoded netlink tree, as shared/vectors/decode.py prints it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface VectorMessage {
  hex: string;
  decoded: Json[];
}

export interface Vector {
  id: string;
  command: string;
  exit_code: number;
  stderr: string;
  /** Every request the command sent, in order … */
  messages: VectorMessage[];
  /** … and the index of the one that does the work. */
  request: number;
}

/** /work/main/test/helpers → /work/main → /work/shared/vectors */
export const VECTORS_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'vectors');

export function loadVectors(): Vector[] {
  const file = path.join(VECTORS_DIR, 'iproute2-requests.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { vectors: Vector[] }).vectors;
}

/**
 * Decodes many hex strings with decode.py in ONE python process (-B: no
 * __pycache__ written into the shared directory).
 */
export function decodeMany(hexes: string[]): Json[][] {
  const script = [
    'import json, sys',
    'sys.path.insert(0, sys.argv[1])',
    'from decode import decode',
    'print(json.dumps([decode(h) for h in json.load(sys.stdin)]))',
  ].join('\n');
  const out = execFileSync('python3', ['-B', '-c', script, VECTORS_DIR], {
    input: JSON.stringify(hexes),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as Json[][];
}

/** Namespace targets whose values are per run (fd numbers, pids): only their presence counts. */
const PER_RUN_VALUES = new Set(['IFLA_NET_NS_FD', 'IFLA_NET_NS_PID']);

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The comparable form of a decoded tree:
 * - attribute order ignored: siblings under `attrs` / `nested` are sorted canonically;
 * - `nla_nested_flag` dropped: libmnl's mnl_attr_nest_start sets NLA_F_NESTED,
 *   iproute2's addattr_nest does not; the kernel accepts both (nla_type() masks
 *   the flag off; strict validation only rejects the flag where it is *missing*);
 * - IFLA_NET_NS_FD / IFLA_NET_NS_PID keep their place but lose their value.
 * Sequence numbers, nlmsg_pid and nlmsg_len never reach the tree (decode.py
 * leaves them out).
 */
export function canonical(value: Json): Json {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isObject(value)) return value;
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value).sort()) {
    if (key === 'nla_nested_flag') continue;
    const child = canonical(value[key]);
    out[key] = (key === 'attrs' || key === 'nested') && Array.isArray(child)
      ? [...child].sort((a, b) => compareStrings(JSON.stringify(a), JSON.stringify(b)))
      : child;
  }
  if (typeof out.name === 'string' && PER_RUN_VALUES.has(out.name) && 'hex' in out) {
    out.hex = '<per-run value>';
    delete out.str;
  }
  return out;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * iproute2's dump requests (e.g. `ip addr show`) send sizeof(struct req),
 * zeroed filter space included, past nlmsg_len; decode.py reports that tail as
 * a "bad nlmsg_len 0" message. It is not part of the request: drop it.
 */
export function withoutZeroTail(messages: Json[]): Json[] {
  return messages.filter((m) => !(isObject(m) && typeof m.error === 'string' &&
    typeof m.hex === 'string' && /^(00)*$/.test(m.hex)));
}
