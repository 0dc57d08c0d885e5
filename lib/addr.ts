// addr.add / del / list: `ip addr` in-process, IPv4 and IPv6.
import * as ipaddr from 'ipaddr.js';
import { constants } from 'os';

import { VnicError, invalid } from './errors';
import type { Requester } from './engine';
import type { LinkApi } from './link';
import type { LinkRef } from './types';
import { checkBool, checkInt, checkKnownKeys, checkLinkRef, checkOneOf } from './validate';
import { AF_INET, AF_INET6, IFA_F_NODAD, IFA_F_NOPREFIXROUTE } from './constants';

export type AddrScope = 'global' | 'site' | 'link' | 'host' | 'nowhere';

export interface AddrAddOptions {
  /** IPv4 broadcast: an address, or '+' / true to derive it from the prefix (`broadcast +`). */
  broadcast?: string | '+' | true;
  /** IPv4 label; must start with the link's name (eth0:1). */
  label?: string;
  scope?: AddrScope | number;
  /** Point-to-point peer (its address, with or without prefix). */
  peer?: string;
  /** IPv6: skip duplicate address detection. */
  nodad?: boolean;
  /** Don't add the prefix route. */
  noprefixroute?: boolean;
  /** Replace an existing address instead of failing with EEXIST. */
  replace?: boolean;
}

export interface Address {
  family: 4 | 6;
  /** The local address. */
  address: string;
  prefixlen: number;
  scope: AddrScope | number;
  /** IFA_F_* names: 'permanent', 'nodad', 'tentative', 'secondary' … */
  flags: string[];
  label?: string;
  peer?: string;
  broadcast?: string;
  /** The link's ifindex and name. */
  index: number;
  link?: string;
  validLifetime?: number;
  preferredLifetime?: number;
}

export interface AddrListFilter {
  link?: LinkRef;
  family?: 4 | 6;
}

const SCOPES: Record<AddrScope, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const { ENODEV, EEXIST, EADDRNOTAVAIL } = constants.errno;

/** A parsed "10.0.0.2/24" (a bare address takes the full prefix, as with `ip`). */
export interface Cidr {
  family: 4 | 6;
  bytes: Buffer;
  prefixlen: number;
  text: string;
}

export function parseCidr(op: string, field: string, text: unknown): Cidr {
  if (typeof text !== 'string') throw invalid(op, field, 'must be an address like 10.0.0.2/24 or fd00::2/64');
  const refuse = () => invalid(op, field, `'${text}' is not an IPv4 or IPv6 address with an optional /prefix`);
  const [bare, prefixText, extra] = text.split('/');
  const family = bare.includes(':') ? 6 : 4;
  // ipaddr.js also takes inet_aton's short forms ("10.0.0" = 10.0.0.0); ip does not.
  const wellFormed = family === 6 ? ipaddr.IPv6.isValid(bare) : ipaddr.IPv4.isValidFourPartDecimal(bare);
  const max = family === 4 ? 32 : 128;
  const prefixlen = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (!wellFormed || extra !== undefined || prefixlen < 0 || prefixlen > max) throw refuse();
  const address = family === 6 ? ipaddr.IPv6.parse(bare) : ipaddr.IPv4.parse(bare);
  return { family, bytes: Buffer.from(address.toByteArray()), prefixlen, text };
}

function broadcastOf(cidr: Cidr): Buffer {
  const bytes = Buffer.from(cidr.bytes);
  for (let bit = cidr.prefixlen; bit < 32; bit++) bytes[bit >> 3] |= 0x80 >> (bit & 7);
  return bytes;
}

export class AddrApi {
  constructor(private readonly rq: Requester, private readonly links: LinkApi) {}

  /** `ip addr add CIDR dev LINK`. */
  async add(link: LinkRef, cidr: string, options: AddrAddOptions = {}): Promise<void> {
    const op = 'addr.add';
    const spec = await this.spec(op, link, cidr, options);
    await this.rq.request(options.replace ? 'addr.replace' : op, spec, `${cidr} dev ${String(link)}`).catch((error: VnicError) => {
      if (error.errno === EEXIST) throw error.with({ hint: `${cidr} is already on ${String(link)} (replace: true to overwrite)` });
      throw error;
    });
  }

  /** `ip addr del CIDR [peer P] dev LINK`. */
  async del(link: LinkRef, cidr: string, options: Pick<AddrAddOptions, 'peer'> = {}): Promise<void> {
    const op = 'addr.del';
    const spec = await this.spec(op, link, cidr, options);
    await this.rq.request(op, spec, `${cidr} dev ${String(link)}`).catch((error: VnicError) => {
      if (error.errno === EADDRNOTAVAIL) throw error.with({ summary: `${cidr} is not on ${String(link)}` });
      throw error;
    });
  }

  /** `ip addr show [dev LINK]`. */
  async list(filter: AddrListFilter = {}): Promise<Address[]> {
    const op = 'addr.list';
    const spec: Record<string, unknown> = {};
    if (filter.family !== undefined) spec.family = filter.family === 6 ? AF_INET6 : AF_INET;
    if (filter.link !== undefined) spec.index = await this.index(op, filter.link);
    const [addresses, names] = await Promise.all([this.rq.request<Address>('addr.dump', spec), this.links.names()]);
    return addresses
      .filter((a) => spec.index === undefined || a.index === spec.index)
      .map((a) => {
        const name = names.get(a.index);
        return name === undefined ? a : { ...a, link: name };
      });
  }

  private async index(op: string, link: LinkRef): Promise<number> {
    checkLinkRef(op, 'link', link);
    try {
      return await this.links.index(link);
    } catch (error) {
      if (error instanceof VnicError && error.errno === ENODEV) {
        throw new VnicError({ errno: ENODEV, op, target: String(link), field: 'link', summary: `no link ${String(link)}` });
      }
      throw error;
    }
  }

  private async spec(op: string, link: LinkRef, cidrText: string, options: AddrAddOptions): Promise<Record<string, unknown>> {
    const spec = addrSpec(op, link, cidrText, options);
    spec.index = await this.index(op, link);
    return spec;
  }
}

/**
 * The addon's spec for an address on `link` (its index is added by the
 * caller): checked and converted, synchronously.
 */
export function addrSpec(op: string, link: LinkRef, cidrText: string, options: AddrAddOptions): Record<string, unknown> {
  checkKnownKeys(op, options, ['broadcast', 'label', 'scope', 'peer', 'nodad', 'noprefixroute', 'replace']);
  const cidr = parseCidr(op, 'address', cidrText);
  const spec: Record<string, unknown> = {
    family: cidr.family === 4 ? AF_INET : AF_INET6,
    prefixlen: cidr.prefixlen,
    local: cidr.bytes,
    address: cidr.bytes,
  };
  let flags = 0;
  if (options.peer !== undefined) {
    const peer = parseCidr(op, 'peer', options.peer);
    if (peer.family !== cidr.family) throw invalid(op, 'peer', 'must be of the same family as the address');
    spec.address = peer.bytes;
    if (options.peer.includes('/')) spec.prefixlen = peer.prefixlen;
  }
  if (options.broadcast !== undefined) {
    if (cidr.family !== 4) throw invalid(op, 'broadcast', 'IPv6 has no broadcast');
    spec.broadcast = options.broadcast === '+' || options.broadcast === true
      ? broadcastOf(cidr)
      : parseCidr(op, 'broadcast', options.broadcast).bytes;
  }
  if (options.label !== undefined) {
    if (typeof options.label !== 'string' || Buffer.byteLength(options.label) > 15 ||
        (typeof link === 'string' && !options.label.startsWith(link))) {
      throw invalid(op, 'label', `must start with the link's name and be at most 15 bytes (e.g. ${String(link)}:1)`);
    }
    spec.label = options.label;
  }
  if (options.scope !== undefined) {
    spec.scope = typeof options.scope === 'number'
      ? checkInt(op, 'scope', options.scope, 0, 255)
      : SCOPES[checkOneOf(op, 'scope', options.scope, Object.keys(SCOPES) as AddrScope[])];
  }
  if (options.nodad !== undefined && checkBool(op, 'nodad', options.nodad)) {
    if (cidr.family !== 6) throw invalid(op, 'nodad', 'duplicate address detection is IPv6 only');
    flags |= IFA_F_NODAD;
  }
  if (options.noprefixroute !== undefined && checkBool(op, 'noprefixroute', options.noprefixroute)) flags |= IFA_F_NOPREFIXROUTE;
  if (options.replace !== undefined) checkBool(op, 'replace', options.replace);
  if (flags !== 0) spec.flags = flags;
  return spec;
}
