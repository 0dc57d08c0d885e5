// Input checks, done once, before anything reaches the kernel. Each names the
// option it refuses.
import { invalid } from './errors';
import { MAX_LINK_NAME_BYTES } from './limits';

/** A link named by its name or its ifindex. */
export type LinkRef = string | number;

/** Interface names as the kernel accepts them: 1–15 bytes, no '/', ':' or whitespace. */
export function checkLinkName(op: string, field: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw invalid(op, field, 'must be a non-empty string');
  }
  if (Buffer.byteLength(name) > MAX_LINK_NAME_BYTES) {
    throw invalid(op, field, `'${name}' is ${Buffer.byteLength(name)} bytes; interface names hold at most ${MAX_LINK_NAME_BYTES}`);
  }
  if (name === '.' || name === '..' || /[/:\s\0]/.test(name)) {
    throw invalid(op, field, `'${name}' is not a valid interface name (no '/', ':', whitespace, '.' or '..')`);
  }
  return name;
}

export function checkLinkRef(op: string, field: string, ref: unknown): LinkRef {
  if (typeof ref === 'number') return checkInt(op, field, ref, 1, 0x7fffffff);
  return checkLinkName(op, field, ref);
}

export function checkInt(op: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(op, field, `must be an integer from ${min} to ${max} (got ${String(value)})`);
  }
  return value;
}

/** Link MTUs: IPv4's minimum up to loopback's default. */
export function checkMtu(op: string, field: string, value: unknown): number {
  return checkInt(op, field, value, 68, 65536);
}

export function checkBool(op: string, field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(op, field, `must be true or false (got ${String(value)})`);
  return value;
}

export function checkString(op: string, field: string, value: unknown, maxBytes: number): string {
  if (typeof value !== 'string') throw invalid(op, field, 'must be a string');
  if (Buffer.byteLength(value) > maxBytes) throw invalid(op, field, `must be at most ${maxBytes} bytes`);
  return value;
}

export function checkOneOf<T extends string>(op: string, field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(op, field, `must be one of ${allowed.join(', ')} (got ${String(value)})`);
  }
  return value as T;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** A unicast, non-zero Ethernet address ("02:11:22:33:44:55") as bytes. */
export function checkUnicastMac(op: string, field: string, text: unknown): Buffer {
  if (typeof text !== 'string' || !MAC.test(text)) {
    throw invalid(op, field, `'${String(text)}' is not a MAC address (expected six hex bytes like 02:11:22:33:44:55)`);
  }
  const bytes = Buffer.from(text.split(':').map((byte) => parseInt(byte, 16)));
  if (bytes[0] & 1) {
    throw invalid(op, field, `${text} is a multicast address; a link needs a unicast one (clear the lowest bit of the first byte)`);
  }
  if (bytes.every((byte) => byte === 0)) throw invalid(op, field, 'the all-zero address is not usable');
  return bytes;
}

/** Rejects option names we don't know, so a typo never passes silently. */
export function checkKnownKeys(op: string, options: object, known: readonly string[] | ReadonlySet<string>): void {
  for (const key in options) {
    if (!Object.prototype.hasOwnProperty.call(options, key)) continue;
    const isKnown = Array.isArray(known) ? known.includes(key) : (known as ReadonlySet<string>).has(key);
    if (!isKnown && (options as Record<string, unknown>)[key] !== undefined) {
      throw invalid(op, key, `unknown option (known: ${[...known].join(', ')})`);
    }
  }
}
