// host-local's configuration: parsed, validated and filled in with its
// defaults (rangeStart = network + 1, rangeEnd = broadcast - 1 or the last
// IPv6 address, gateway = network + 1), with the legacy top-level range put
// first, as host-local does.
import { IpamError, badConfig } from './errors';
import type { Ip, IpPrefix } from './ip';
import { bits, formatIp, formatPrefix, lastOf, networkOf, offset, parseIp, parsePrefix, sameIp } from './ip';
import type { HostLocalConfig, IpamRange, IpamRoute } from './types';

export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';

/** A range, ready for allocation. */
export interface Range {
  subnet: IpPrefix;
  start: Ip;
  end: Ip;
  gateway: Ip;
  /** How host-local names it in messages: 'start-end'. */
  text: string;
}

export type RangeSet = Range[];

/** A validated configuration, compiled for the allocator. */
export interface Compiled {
  config: HostLocalConfig;
  sets: RangeSet[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(object: Json, key: string, field: string): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw badConfig(field, `must be a non-empty string (got ${JSON.stringify(value)})`);
  return value;
}

/** A bare address of the subnet's family. */
function address(object: Json, key: string, field: string, subnet: IpPrefix): Ip | undefined {
  const text = optionalString(object, key, field);
  if (text === undefined) return undefined;
  const ip = parseIp(text);
  if (!ip) throw badConfig(field, `'${text}' is not an IPv4 or IPv6 address`);
  if (ip.family !== subnet.ip.family) throw badConfig(field, `${text} is not of the same family as subnet ${formatPrefix(subnet)}`);
  return ip;
}

function compileRange(raw: unknown, where: string): Range {
  if (!isObject(raw)) throw badConfig(where, 'must be an object like { "subnet": "10.1.2.0/24" }');
  const field = (key: string) => (where === '' ? key : `${where}.${key}`);
  const subnetText = optionalString(raw, 'subnet', field('subnet'));
  if (subnetText === undefined) throw badConfig(field('subnet'), 'is required (a CIDR like 10.1.2.0/24)');
  const subnet = parsePrefix(subnetText);
  if (!subnet) throw badConfig(field('subnet'), `'${subnetText}' is not a CIDR like 10.1.2.0/24 or fd00::/64`);
  const network = networkOf(subnet);
  if (network.value !== subnet.ip.value) {
    throw badConfig(field('subnet'), `${subnetText} has host bits set; the network of a /${subnet.prefixlen} there is ${formatIp(network)}`);
  }
  if (subnet.prefixlen > bits(subnet.ip.family) - 2) {
    throw badConfig(field('subnet'), `${subnetText} is too small to allocate from (no address besides network and broadcast)`);
  }
  const inSubnet = (ip: Ip | undefined, key: string): Ip | undefined => {
    if (ip && (ip.value < network.value || ip.value > lastOf(subnet).value)) {
      throw badConfig(field(key), `${formatIp(ip)} is not in subnet ${subnetText}`);
    }
    return ip;
  };
  // As host-local 1.1.1: a gateway outside the subnet is taken as given (it is never handed out either way).
  const gateway = address(raw, 'gateway', field('gateway'), subnet) ?? offset(network, 1n);
  const start = inSubnet(address(raw, 'rangeStart', field('rangeStart'), subnet), 'rangeStart') ?? offset(network, 1n);
  const last = lastOf(subnet);
  const end = inSubnet(address(raw, 'rangeEnd', field('rangeEnd'), subnet), 'rangeEnd') ?? (subnet.ip.family === 4 ? offset(last, -1n) : last);
  if (start.value > end.value) {
    throw badConfig(field('rangeStart'), `rangeStart ${formatIp(start)} comes after rangeEnd ${formatIp(end)}`);
  }
  return { subnet, start, end, gateway, text: `${formatIp(start)}-${formatIp(end)}` };
}

function overlaps(a: Range, b: Range): boolean {
  return a.start.family === b.start.family && a.start.value <= b.end.value && b.start.value <= a.end.value;
}

function compileSet(raw: unknown, where: string, legacy: boolean): RangeSet {
  if (legacy) return [compileRange(raw, '')];
  if (!Array.isArray(raw) || raw.length === 0) throw badConfig(where, 'must be a non-empty array of ranges');
  const set = raw.map((range, i) => compileRange(range, `${where}[${i}]`));
  set.forEach((range, i) => {
    if (range.start.family !== set[0].start.family) throw badConfig(`${where}[${i}]`, 'mixes address families within one range set');
    set.slice(0, i).forEach((other, j) => {
      if (overlaps(range, other)) throw badConfig(`${where}[${i}]`, `range ${range.text} overlaps ${where}[${j}] (${other.text})`);
    });
  });
  return set;
}

function compileRoutes(raw: unknown): IpamRoute[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badConfig('routes', 'must be an array of { "dst": CIDR, "gw"?: address }');
  return raw.map((route, i) => {
    const where = `routes[${i}]`;
    if (!isObject(route)) throw badConfig(where, 'must be an object { "dst": CIDR, "gw"?: address }');
    const dst = optionalString(route, 'dst', `${where}.dst`);
    if (dst === undefined || !parsePrefix(dst)) throw badConfig(`${where}.dst`, `must be a CIDR like 0.0.0.0/0 (got ${JSON.stringify(route.dst)})`);
    const gw = optionalString(route, 'gw', `${where}.gw`);
    if (gw !== undefined && !parseIp(gw)) throw badConfig(`${where}.gw`, `'${gw}' is not an IPv4 or IPv6 address`);
    return gw === undefined ? { dst } : { dst, gw };
  });
}

function rangeConfig(range: Range): IpamRange {
  return {
    subnet: formatPrefix(range.subnet), rangeStart: formatIp(range.start), rangeEnd: formatIp(range.end), gateway: formatIp(range.gateway),
  };
}

/** Validates a host-local "ipam" object and compiles its ranges; throws IpamError('bad-config', field). */
export function compileHostLocal(raw: unknown): Compiled {
  if (!isObject(raw)) throw badConfig('ipam', 'must be an object');
  if (raw.type !== 'host-local') throw badConfig('type', `must be "host-local" (got ${JSON.stringify(raw.type)})`);
  const sets: RangeSet[] = [];
  const legacy = raw.subnet !== undefined;
  if (legacy) sets.push(compileSet(raw, '', true));
  else {
    for (const key of ['rangeStart', 'rangeEnd', 'gateway']) {
      if (raw[key] !== undefined) throw badConfig(key, 'is a legacy single-range key and needs "subnet" beside it');
    }
  }
  if (raw.ranges !== undefined && raw.ranges !== null) {
    if (!Array.isArray(raw.ranges)) throw badConfig('ranges', 'must be an array of range sets (arrays of ranges)');
    raw.ranges.forEach((set, i) => sets.push(compileSet(set, `ranges[${i}]`, false)));
  }
  if (sets.length === 0) throw badConfig('ranges', 'no IP ranges: give "ranges" (or the legacy "subnet")');
  sets.forEach((set, i) => sets.slice(0, i).forEach((other, j) => {
    if (set.some((a) => other.some((b) => overlaps(a, b)))) {
      throw new IpamError('bad-config', `ranges: range set ${i} (${set.map((r) => r.text).join(',')}) overlaps range set ${j} (${other.map((r) => r.text).join(',')})`, { field: 'ranges', rangeSet: i });
    }
  }));
  const dataDir = optionalString(raw, 'dataDir', 'dataDir') ?? DEFAULT_DATA_DIR;
  const resolvConf = optionalString(raw, 'resolvConf', 'resolvConf');
  const config: HostLocalConfig = {
    type: 'host-local', ranges: sets.map((set) => set.map(rangeConfig)), routes: compileRoutes(raw.routes), dataDir,
    ...(resolvConf === undefined ? {} : { resolvConf }),
  };
  return { config, sets };
}

/** Parses and validates; throws IpamError('bad-config', field) with a clear message. The result has every default filled in. */
export function parseHostLocal(raw: unknown): HostLocalConfig {
  return compileHostLocal(raw).config;
}

/** The range of the set that holds ip (between its start and end), if any. */
export function rangeFor(set: RangeSet, ip: Ip): Range | undefined {
  return set.find((range) => range.start.family === ip.family && range.start.value <= ip.value && ip.value <= range.end.value);
}

/** Addresses never handed out whatever the range says: the gateway, the network address and IPv4's broadcast. */
export function reservedIn(range: Range, ip: Ip): 'gateway' | 'network address' | 'broadcast address' | undefined {
  if (sameIp(ip, range.gateway)) return 'gateway';
  if (sameIp(ip, networkOf(range.subnet))) return 'network address';
  if (ip.family === 4 && sameIp(ip, lastOf(range.subnet))) return 'broadcast address';
  return undefined;
}
