// Option tables for kind modules: one row per option (its check and
// conversion), so a kind lists its options once and gets its add / set keys
// and its validation from the same table, as native/kinds/fields.h does for
// the wire.
import * as ipaddr from 'ipaddr.js';

import { invalid } from '../errors';
import { checkBool, checkInt, checkLinkRef, checkOneOf, checkUnicastMac } from '../validate';
import type { KindCodec, KindContext } from './types';

/** Checks one option and converts it to what the addon takes; throws a VnicError naming it. */
export type Check = (op: string, field: string, value: unknown, ctx: KindContext) => unknown;

export type OptionTable = Readonly<Record<string, Check>>;

export const int = (min: number, max: number): Check => (op, field, value) => checkInt(op, field, value, min, max);
export const bool: Check = (op, field, value) => checkBool(op, field, value);
export const oneOf = (values: readonly string[]): Check => (op, field, value) => checkOneOf(op, field, value, values);
export const mac: Check = (op, field, value) => checkUnicastMac(op, field, value);
/**
 * An option vnic recognises only to refuse it, whose value is a secret (a
 * key): the error names the option and says why, and never shows the value —
 * nor does any other path (test/secrets.test.ts).
 */
export const refusedSecret = (why: string): Check => (op, field) => {
  throw invalid(op, field, `${why} (the value was neither sent nor kept)`);
};

/** A link by name or index, resolved to its index here. */
export const link: Check = (op, field, value, ctx) => {
  if (!ctx.linkIndex) throw invalid(op, field, 'links can not be named here');
  return ctx.linkIndex(field, checkLinkRef(op, field, value));
};

/** Which addresses an option takes. */
export type AddressKind = 'any' | 'unicast' | 'multicast' | 'ipv4';

/** An IPv4 or IPv6 address (no prefix) as its 4 or 16 bytes. */
export function ipAddress(op: string, field: string, value: unknown, kind: AddressKind = 'any'): Buffer {
  const text = typeof value === 'string' ? value : '';
  // ipaddr.js also takes inet_aton's short forms ("10.0.0"); ip does not.
  const wellFormed = text.includes(':') ? ipaddr.IPv6.isValid(text) : ipaddr.IPv4.isValidFourPartDecimal(text);
  if (!wellFormed) throw invalid(op, field, `'${String(value)}' is not an IP address`);
  const address = ipaddr.parse(text);
  const multicast = address.range() === 'multicast';
  if (kind === 'unicast' && multicast) throw invalid(op, field, `${text} is a multicast address; expected a unicast one`);
  if (kind === 'multicast' && !multicast) throw invalid(op, field, `${text} is not a multicast address`);
  if (kind === 'ipv4' && address.kind() !== 'ipv4') throw invalid(op, field, `${text} is not an IPv4 address`);
  return Buffer.from(address.toByteArray());
}

export const ip = (kind: AddressKind = 'any'): Check => (op, field, value) => ipAddress(op, field, value, kind);

/** Checks every option of the table that is present; the result is the addon's info spec. */
export async function encodeOptions(op: string, options: Record<string, unknown>, table: OptionTable,
                                    ctx: KindContext): Promise<Record<string, unknown>> {
  const info: Record<string, unknown> = {};
  for (const [key, check] of Object.entries(table)) {
    if (options[key] !== undefined) info[key] = await check(op, key, options[key], ctx);
  }
  return info;
}

/**
 * A codec for a kind whose add and set options are plain table rows.
 * `adjust` sees the checked options of each request, for defaults and the
 * rules that tie options together; it throws to refuse them.
 */
export function tableCodec(spec: {
  kinds: readonly string[];
  add: OptionTable;
  set?: OptionTable;
  needsParent: boolean;
  adjust?: (info: Record<string, unknown>, op: string, phase: 'add' | 'set') => void;
}): KindCodec {
  const set = spec.set ?? {};
  return {
    kinds: spec.kinds,
    addKeys: Object.keys(spec.add),
    setKeys: Object.keys(set),
    needsParent: spec.needsParent,
    async encodeAdd(options, ctx) {
      // A kind without options sends no IFLA_INFO_DATA, as with ip.
      if (Object.keys(spec.add).length === 0) return undefined;
      const info = await encodeOptions(ctx.op, options, spec.add, ctx);
      spec.adjust?.(info, ctx.op, 'add');
      return info;
    },
    async encodeSet(options, ctx) {
      const info = await encodeOptions(ctx.op, options, set, ctx);
      spec.adjust?.(info, ctx.op, 'set');
      return Object.keys(info).length > 0 ? [info] : [];
    },
  };
}

/** The rows of `table` named in `keys`. */
export function pick(table: OptionTable, keys: readonly string[]): OptionTable {
  return Object.fromEntries(keys.map((key) => [key, table[key]]));
}
