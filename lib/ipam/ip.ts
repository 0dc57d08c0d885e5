// IP addresses as (family, bigint) for range arithmetic, and their text forms
// exactly as host-local (Go's net.IP.String) writes them, since those are the
// file names of the on-disk state.
import * as ipaddr from 'ipaddr.js';

export interface Ip {
  family: 4 | 6;
  value: bigint;
}

/** An address with its prefix length: '10.1.2.3/24'. */
export interface IpPrefix {
  ip: Ip;
  prefixlen: number;
}

/** What ipaddr.js's isValidFourPartDecimal accepts: four decimal parts without leading zeros (each ≤ 255, checked after). */
const FOUR_PART_DECIMAL = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;
/** The characters of an IPv6 address without a zone (an embedded IPv4 part included). */
const IPV6_CHARACTERS = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/;

export function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/** A bare address ('10.1.2.3', 'fd00::3'); undefined when it is not one. IPv4-mapped IPv6 counts as IPv4, as in Go. */
export function parseIp(text: string): Ip | undefined {
  if (typeof text !== 'string') return undefined;
  // Dotted quads directly; anything that can't be an IPv6 address is refused
  // before ipaddr.js, whose refusals throw and catch (a directory's `lock`
  // and last_reserved_ip.* cost more than every address in it).
  const quad = FOUR_PART_DECIMAL.exec(text);
  if (quad) {
    const octets = quad.slice(1, 5).map(Number);
    return octets.every((octet) => octet <= 255) ? { family: 4, value: fromBytes(octets) } : undefined;
  }
  if (!IPV6_CHARACTERS.test(text)) return undefined;
  if (ipaddr.IPv6.isValid(text)) {
    const v6 = ipaddr.IPv6.parse(text);
    if (v6.isIPv4MappedAddress()) return { family: 4, value: fromBytes(v6.toIPv4Address().toByteArray()) };
    return { family: 6, value: fromBytes(v6.toByteArray()) };
  }
  return undefined;
}

/** 'ADDRESS/PREFIX'; undefined when malformed. */
export function parsePrefix(text: string): IpPrefix | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefixlen = Number(prefixText);
  return prefixlen <= bits(ip.family) ? { ip, prefixlen } : undefined;
}

function fromBytes(bytes: number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function toBytes(ip: Ip): number[] {
  const out: number[] = [];
  let value = ip.value;
  for (let i = bits(ip.family) / 8; i > 0; i--) {
    out.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return out;
}

/** Go's text form: dotted quad, or RFC 5952 (lower case, longest zero run as '::'). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) return toBytes(ip).join('.');
  const bytes = toBytes(ip);
  const parts = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  return new ipaddr.IPv6(parts).toRFC5952String();
}

export function formatPrefix(prefix: IpPrefix): string {
  return `${formatIp(prefix.ip)}/${prefix.prefixlen}`;
}

function hostMask(family: 4 | 6, prefixlen: number): bigint {
  return (1n << BigInt(bits(family) - prefixlen)) - 1n;
}

/** The first address of the prefix (host bits cleared). */
export function networkOf(prefix: IpPrefix): Ip {
  return { family: prefix.ip.family, value: prefix.ip.value & ~hostMask(prefix.ip.family, prefix.prefixlen) };
}

/** The last address of the prefix (host bits set): IPv4's broadcast. */
export function lastOf(prefix: IpPrefix): Ip {
  return { family: prefix.ip.family, value: prefix.ip.value | hostMask(prefix.ip.family, prefix.prefixlen) };
}

export function offset(ip: Ip, delta: bigint): Ip {
  return { family: ip.family, value: ip.value + delta };
}

export function sameIp(a: Ip, b: Ip | undefined): boolean {
  return b !== undefined && a.family === b.family && a.value === b.value;
}

/** Whether two addresses ('10.1.2.3' or '10.1.2.3/24', any spelling) are one; false when either is no address. */
export function sameAddress(a: string, b: string): boolean {
  const ip = parseIp(a.split('/')[0]);
  return ip !== undefined && sameIp(ip, parseIp(b.split('/')[0]));
}

/** Whether ip lies in the prefix. */
export function inPrefix(ip: Ip, prefix: IpPrefix): boolean {
  return ip.family === prefix.ip.family && networkOf({ ip, prefixlen: prefix.prefixlen }).value === networkOf(prefix).value;
}
