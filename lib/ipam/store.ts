// HostLocalStore: host-local's allocator over host-local's on-disk state, so
// that the reference plugin and vnic can share one node's allocations (and a
// node can switch between them) without losing any.
import * as path from 'path';

import type { Range, RangeSet } from './config';
import { compileHostLocal, rangeFor, reservedIn } from './config';
import { NetworkDir } from './disk';
import type { LockedDir, Owner } from './disk';
import { readResolvConf } from './dns';
import { IpamError, badConfig } from './errors';
import type { Ip } from './ip';
import { formatIp, offset, parseIp, parsePrefix, sameIp } from './ip';
import type { HostLocalConfig, IpamAttachment, IpamDns, IpamIp, IpamResult, IpamRoute } from './types';

function checkNetworkName(network: unknown): string {
  if (typeof network !== 'string' || network === '' || network === '.' || network === '..' || /[/\0]/.test(network)
      || Buffer.byteLength(network) > 255) {
    throw badConfig('name', `network name ${JSON.stringify(network)} cannot name a directory (non-empty, no '/', not '.' or '..')`);
  }
  return network;
}

/** A container id or ifname as it goes into an address file: one line, not empty. */
function checkLine(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value)) {
    throw badConfig(field, `must be a non-empty string on one line (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Requested addresses: bare or CIDR; the prefix is ignored, as host-local does. */
function parseRequested(requested: unknown): Ip[] {
  if (requested === undefined) return [];
  if (!Array.isArray(requested)) throw badConfig('requested', 'must be an array of addresses');
  const out: Ip[] = [];
  for (const text of requested) {
    const ip = typeof text === 'string' ? (text.includes('/') ? parsePrefix(text)?.ip : parseIp(text)) : undefined;
    if (!ip) throw badConfig('requested', `${JSON.stringify(text)} is not an address (10.1.2.3 or 10.1.2.3/24)`);
    if (!out.some((other) => sameIp(ip, other))) out.push(ip);
  }
  return out;
}

function describeSet(set: RangeSet): string {
  return set.map((range) => range.text).join(',');
}

function describeOwner(owner: Owner | undefined): string {
  if (!owner) return 'an unreadable or empty entry';
  return owner.ifname === undefined ? `container ${owner.containerId}` : `container ${owner.containerId} (${owner.ifname})`;
}

function isOwner(owner: Owner | undefined, containerId: string, ifname: string, oldFormat: boolean): boolean {
  if (!owner || owner.containerId !== containerId.trim()) return false;
  return oldFormat ? owner.ifname === undefined : owner.ifname === ifname;
}

/**
 * The candidates host-local's round robin tries, in its order: from the
 * address after last_reserved_ip.<set> (when it lies in the set) or from the
 * first range's start, through each range up to its end, on to the next
 * range, wrapping around, until back where it started. The gateway, network
 * and IPv4 broadcast addresses are skipped.
 */
function* candidates(set: RangeSet, last: Ip | undefined): Generator<[Ip, Range]> {
  const lastRange = last === undefined ? -1 : set.indexOf(rangeFor(set, last) as Range);
  let index = lastRange >= 0 ? lastRange : 0;
  let current = lastRange >= 0 ? last : undefined;
  let first: Ip | undefined;
  for (;;) {
    let range = set[index];
    if (current === undefined) {
      current = range.start;
      first = current;
    } else {
      if (current.value === range.end.value) {
        index = (index + 1) % set.length;
        range = set[index];
        current = range.start;
      } else {
        current = offset(current, 1n);
      }
      if (first === undefined) first = current;
      else if (sameIp(current, first)) return;
    }
    if (reservedIn(range, current) === undefined) yield [current, range];
  }
}

export class HostLocalStore {
  /** The configuration with every default filled in. */
  readonly config: HostLocalConfig;
  /** <dataDir>/<network>. */
  readonly dir: string;
  private readonly sets: RangeSet[];
  private readonly state: NetworkDir;

  /** @param network the CNI network name (the directory under dataDir); dataDir defaults to /var/lib/cni/networks. */
  constructor(readonly network: string, config: HostLocalConfig) {
    checkNetworkName(network);
    const compiled = compileHostLocal(config);
    this.config = compiled.config;
    this.sets = compiled.sets;
    this.dir = path.resolve(this.config.dataDir as string, network);
    this.state = new NetworkDir(this.dir);
  }

  /**
   * One address per range set, round robin like host-local; `requested`
   * (runtimeConfig.ips, CNI_ARGS IP=; bare or CIDR) are taken in the range
   * set that holds them, and must be free. All or nothing.
   */
  async allocate(containerId: string, ifname: string, requested?: string[]): Promise<IpamResult> {
    checkLine('containerId', containerId);
    checkLine('ifname', ifname);
    const wanted = parseRequested(requested);
    // A request no range set holds is refused before anything is touched (host-local allocates first, then undoes).
    const outside = wanted.filter((ip) => !this.sets.some((set) => rangeFor(set, ip) !== undefined));
    if (outside.length > 0) {
      const sets = this.sets.map((set, i) => `range set ${i}: ${describeSet(set)}`).join('; ');
      throw new IpamError('requested-unavailable',
        `requested ${outside.map(formatIp).join(', ')} ${outside.length === 1 ? 'lies' : 'lie'} in no range of network ${this.network} (${sets})`,
        { address: formatIp(outside[0]), field: 'requested' });
    }
    const dns: IpamDns = this.config.resolvConf === undefined ? {} : await readResolvConf(this.config.resolvConf);
    const routes: IpamRoute[] = (this.config.routes ?? []).map((route) => ({ ...route }));
    return this.state.locked((dir) => {
      /** The address files this call created, removed again if a later step fails. */
      const made: string[] = [];
      try {
        const ips = this.sets.map((set, index) => {
          const at = wanted.findIndex((ip) => rangeFor(set, ip) !== undefined);
          const ip = at < 0 ? undefined : wanted.splice(at, 1)[0];
          return ip === undefined
            ? this.next(dir, set, index, containerId, ifname, made)
            : this.take(dir, set, index, ip, containerId, ifname, made, true);
        });
        if (wanted.length > 0) {
          throw new IpamError('requested-unavailable',
            `requested ${wanted.map(formatIp).join(', ')}: only one address per range set, and ${formatIp(wanted[0])}'s set has one already`,
            { address: formatIp(wanted[0]), field: 'requested' });
        }
        return { ips, routes, dns };
      } catch (error) {
        for (const name of made) dir.remove(name);
        throw error;
      }
    });
  }

  /**
   * Reserves exactly these addresses for (containerId, ifname), without
   * moving the round robin: for addresses that must never be handed out
   * (a Docker network's aux addresses). Each must lie in a range and be free.
   * Returns the addresses reserved.
   */
  async reserve(containerId: string, ifname: string, addresses: string[]): Promise<string[]> {
    checkLine('containerId', containerId);
    checkLine('ifname', ifname);
    const wanted = parseRequested(addresses);
    return this.state.locked((dir) => {
      /** The address files this call created, removed again if a later step fails. */
      const made: string[] = [];
      try {
        for (const ip of wanted) {
          const index = this.sets.findIndex((set) => rangeFor(set, ip) !== undefined);
          if (index < 0) {
            throw new IpamError('requested-unavailable', `${formatIp(ip)} lies in no range of network ${this.network}`,
              { address: formatIp(ip), field: 'requested' });
          }
          this.take(dir, this.sets[index], index, ip, containerId, ifname, made);
        }
        return [...made];
      } catch (error) {
        for (const name of made) dir.remove(name);
        throw error;
      }
    });
  }

  /** Idempotent: releases every address held by (containerId, ifname) (or, failing that, by containerId in the old one-line format). */
  async release(containerId: string, ifname: string): Promise<string[]> {
    checkLine('containerId', containerId);
    checkLine('ifname', ifname);
    return this.state.locked((dir) => {
      const owned = dir.allocations().map((a) => ({ ...a, owner: dir.owner(a.name) }));
      let mine = owned.filter((a) => isOwner(a.owner, containerId, ifname, false));
      if (mine.length === 0) mine = owned.filter((a) => isOwner(a.owner, containerId, ifname, true));
      return mine.filter((a) => dir.remove(a.name)).map((a) => a.name);
    });
  }

  /** The addresses held by (containerId, ifname), the old one-line format's by containerId included. */
  async held(containerId: string, ifname: string): Promise<string[]> {
    checkLine('containerId', containerId);
    checkLine('ifname', ifname);
    return this.state.locked((dir) => dir.allocations()
      .filter((a) => {
        const owner = dir.owner(a.name);
        return isOwner(owner, containerId, ifname, false) || isOwner(owner, containerId, ifname, true);
      })
      .map((a) => a.name));
  }

  /** Every allocation: address, container id and ifname (undefined in the old format). For inspection. */
  async list(): Promise<Array<{ address: string; containerId?: string; ifname?: string }>> {
    return this.state.locked((dir) => dir.allocations().map((a) => {
      const owner = dir.owner(a.name);
      return { address: a.name, containerId: owner?.containerId, ifname: owner?.ifname };
    }));
  }

  /** CNI 1.1 GC: releases every allocation whose (containerId, ifname) is not in `keep` (an old-format file is kept by its container id). */
  async gc(keep: IpamAttachment[]): Promise<string[]> {
    if (!Array.isArray(keep)) throw badConfig('keep', 'must be an array of { containerId, ifname }');
    const kept = keep.map((k, i) => {
      if (typeof k !== 'object' || k === null) throw badConfig(`keep[${i}]`, 'must be { containerId, ifname }');
      return { containerId: checkLine(`keep[${i}].containerId`, k.containerId).trim(), ifname: checkLine(`keep[${i}].ifname`, k.ifname) };
    });
    return this.state.locked((dir) => dir.allocations()
      .filter((a) => {
        const owner = dir.owner(a.name);
        return !kept.some((k) => owner !== undefined && k.containerId === owner.containerId
          && (owner.ifname === undefined || owner.ifname === k.ifname));
      })
      .filter((a) => dir.remove(a.name))
      .map((a) => a.name));
  }

  /** A given address of the set: refused when it is the gateway, network or broadcast address, or taken. */
  private take(dir: LockedDir, set: RangeSet, index: number, ip: Ip, containerId: string, ifname: string,
               made: string[], moveRoundRobin = false): IpamIp {
    const range = rangeFor(set, ip) as Range;
    const name = formatIp(ip);
    const role = reservedIn(range, ip);
    if (role !== undefined) {
      throw new IpamError('requested-unavailable', `requested ${name} is the ${role} of range ${range.text} (range set ${index}) and is never handed out`,
        { address: name, rangeSet: index, field: 'requested' });
    }
    if (!dir.reserve(ip, containerId, ifname)) {
      throw new IpamError('requested-unavailable',
        `requested ${name} is already allocated to ${describeOwner(dir.owner(name))} (${dir.file(name)}; range set ${index}: ${describeSet(set)})`,
        { address: name, rangeSet: index, file: dir.file(name), field: 'requested' });
    }
    made.push(name);
    if (moveRoundRobin) dir.setLastReserved(index, ip);
    return { address: `${name}/${range.subnet.prefixlen}`, gateway: formatIp(range.gateway), rangeSet: index };
  }

  /** The next free address of the set, round robin; refuses a second allocation for the same (containerId, ifname), as host-local does. */
  private next(dir: LockedDir, set: RangeSet, index: number, containerId: string, ifname: string, made: string[]): IpamIp {
    const allocations = dir.allocations();
    for (const { name, ip } of allocations) {
      if (rangeFor(set, ip) !== undefined && isOwner(dir.owner(name), containerId, ifname, false)) {
        throw new IpamError('requested-unavailable',
          `container ${containerId} (${ifname}) already holds ${name} in range set ${index} (${dir.file(name)}); release it before allocating again`,
          { address: name, rangeSet: index, file: dir.file(name) });
      }
    }
    const taken = new Set(allocations.map((a) => a.name));
    for (const [ip, range] of candidates(set, dir.lastReserved(index))) {
      const name = formatIp(ip);
      if (taken.has(name)) continue;
      if (!dir.reserve(ip, containerId, ifname)) {
        taken.add(name);
        continue;
      }
      made.push(name);
      dir.setLastReserved(index, ip);
      return { address: `${name}/${range.subnet.prefixlen}`, gateway: formatIp(range.gateway), rangeSet: index };
    }
    throw new IpamError('exhausted', `no free address in range set ${index} (${describeSet(set)}) of network ${this.network}: all are allocated (${dir.dir})`,
      { rangeSet: index, file: dir.dir });
  }
}
