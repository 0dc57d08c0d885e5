// `-j`: links, addresses and routes shaped as `ip -j` prints them, with the
// same keys where the concepts match, so scripts written against ip's JSON
// read vnic's unchanged.
import type { Address, Link, Route } from '../index';
import { infoData, slaveData } from './kinds';

export type Json = Record<string, unknown>;

// IFF_* bits in the order ip prints them.
const LINK_FLAGS: Array<[string, number]> = [
  ['LOOPBACK', 0x8], ['BROADCAST', 0x2], ['POINTOPOINT', 0x10], ['MULTICAST', 0x1000], ['NOARP', 0x80],
  ['ALLMULTI', 0x200], ['PROMISC', 0x100], ['MASTER', 0x400], ['SLAVE', 0x800], ['DEBUG', 0x4],
  ['DYNAMIC', 0x8000], ['AUTOMEDIA', 0x4000], ['PORTSEL', 0x2000], ['NOTRAILERS', 0x20], ['UP', 0x1],
  ['LOWER_UP', 0x10000], ['DORMANT', 0x20000], ['ECHO', 0x40000],
];
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;

const LINK_TYPES: Record<number, string> = {
  1: 'ether', 24: 'ieee1394', 32: 'infiniband', 256: 'slip', 512: 'ppp', 768: 'ipip', 769: 'tunnel6', 772: 'loopback',
  776: 'sit', 778: 'gre', 801: 'ieee802.11', 823: 'ip6gre', 824: 'netlink', 65534: 'none',
};

/**
 * ip's flag list: NO-CARRIER when up without carrier, then the IFF_* names,
 * then M-DOWN when the parent link (same namespace) is down.
 */
export function linkFlags(flags: number, parentDown = false): string[] {
  const names = LINK_FLAGS.filter(([, bit]) => flags & bit).map(([name]) => name);
  if (flags & IFF_UP && !(flags & IFF_RUNNING)) names.unshift('NO-CARRIER');
  if (parentDown) names.push('M-DOWN');
  return names;
}

function linkType(type: number): string {
  return LINK_TYPES[type] ?? `[${type}]`;
}

export function operState(state: Link['operstate']): string {
  return typeof state === 'string' ? state.toUpperCase() : state === undefined ? 'UNKNOWN' : String(state);
}

/** Where the parent is, in ip's keys: its name here, or its index and namespace id there. */
function parentKeys(link: Link): Json {
  if (link.link === undefined || link.link === link.index) return {};
  if (link.linkNetnsId !== undefined) return { link_index: link.link };
  return { link: link.linkName ?? `if${link.link}` };
}

/** `linkinfo` of ip -d: the kind, its data, and the port settings under a master. */
function linkinfo(link: Link): Json | undefined {
  if (!link.kind && !link.slaveKind) return undefined;
  const info: Json = {};
  if (link.kind) info.info_kind = link.kind;
  const data = link.kind && link.info ? infoData(link.kind, link.info) : undefined;
  if (data) info.info_data = data;
  if (link.slaveKind) {
    info.info_slave_kind = link.slaveKind;
    const slave = link.slaveInfo ? slaveData(link.slaveKind, link.slaveInfo) : undefined;
    if (slave) info.info_slave_data = slave;
  }
  return info;
}

/** The details ip -d adds. */
function detailKeys(link: Link): Json {
  return dropUndefined({
    promiscuity: link.promiscuity, min_mtu: link.minMtu, max_mtu: link.maxMtu, linkinfo: linkinfo(link),
    num_tx_queues: link.numTxQueues, num_rx_queues: link.numRxQueues,
  });
}

/** One link as `ip -j [-d] link show` prints it; parentDown adds M-DOWN as ip does. */
export function linkJson(link: Link, details: boolean, parentDown = false): Json {
  return dropUndefined({
    ifindex: link.index,
    ...parentKeys(link),
    ifname: link.name,
    flags: linkFlags(link.flags, parentDown),
    mtu: link.mtu,
    qdisc: link.qdisc,
    master: link.master === undefined ? undefined : link.masterName ?? `if${link.master}`,
    operstate: operState(link.operstate),
    group: link.group === undefined ? undefined : link.group === 0 ? 'default' : String(link.group),
    txqlen: link.txqueuelen,
    link_type: linkType(link.type),
    address: link.address,
    broadcast: link.broadcast,
    permaddr: link.permAddress,
    link_netnsid: link.linkNetnsId,
    ...(details ? detailKeys(link) : {}),
    ifalias: link.alias,
  });
}

// IFA_F_* names as the library reports them → ip's JSON keys.
const ADDR_FLAG_KEYS: Record<string, string> = { homeaddress: 'home' };

/** One entry of addr_info. */
export function addrJson(a: Address): Json {
  const flags: Json = {};
  for (const flag of a.flags) {
    if (flag === 'permanent') continue;
    // IPv6 calls its secondary addresses temporary.
    const key = flag === 'secondary' && a.family === 6 ? 'temporary' : ADDR_FLAG_KEYS[flag] ?? flag;
    flags[key] = true;
  }
  if (!a.flags.includes('permanent')) flags.dynamic = true;
  return dropUndefined({
    family: a.family === 4 ? 'inet' : 'inet6',
    local: a.address,
    address: a.peer,
    prefixlen: a.prefixlen,
    broadcast: a.broadcast,
    scope: a.scope,
    ...flags,
    label: a.label,
    valid_life_time: a.validLifetime,
    preferred_life_time: a.preferredLifetime,
  });
}

/** `ip -j addr show`: each link with its addresses. */
export function linkAddrJson(link: Link, addresses: Address[], details: boolean, parentDown = false): Json {
  return { ...linkJson(link, details, parentDown), addr_info: addresses.map(addrJson) };
}

// RTNH_F_* / RTM_F_* names in ip's order.
const ROUTE_FLAGS: Array<[string, number]> = [
  ['dead', 0x1], ['onlink', 0x4], ['pervasive', 0x2], ['offload', 0x8], ['trap', 0x40], ['notify', 0x100],
  ['linkdown', 0x10], ['unresolved', 0x20], ['rt_offload', 0x4000], ['rt_trap', 0x8000], ['rt_offload_failed', 0x20000000],
];
const TABLE_NAMES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };
export const MAIN_TABLE = 254;

export function routeFlags(flags: number): string[] {
  return ROUTE_FLAGS.filter(([, bit]) => flags & bit).map(([name]) => name);
}

export function tableName(table: number): string {
  return TABLE_NAMES[table] ?? String(table);
}

/** A host route's destination without its /32 or /128, as ip prints it. */
export function routeDst(route: Route): string {
  const full = route.family === 4 ? '/32' : '/128';
  return route.dst.endsWith(full) ? route.dst.slice(0, -full.length) : route.dst;
}

/**
 * One route as `ip -j route show` prints it: the defaults (unicast, boot,
 * global, main) left out unless -d, the table only when listing them all.
 */
export function routeJson(route: Route, details: boolean, allTables: boolean): Json {
  return dropUndefined({
    type: details || route.type !== 'unicast' ? String(route.type) : undefined,
    dst: routeDst(route),
    gateway: route.gateway,
    dev: route.dev ?? (route.oif === undefined ? undefined : `if${route.oif}`),
    table: allTables && (details || route.table !== MAIN_TABLE) ? tableName(route.table) : undefined,
    protocol: details || route.protocol !== 'boot' ? String(route.protocol) : undefined,
    scope: details || route.scope !== 'global' ? String(route.scope) : undefined,
    prefsrc: route.prefsrc,
    metric: route.metric,
    flags: routeFlags(route.flags),
  });
}

function dropUndefined(object: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

/** -j's text: one line, or indented with -p. */
export function stringify(value: unknown, pretty: boolean): string {
  return `${JSON.stringify(value, null, pretty ? 4 : undefined)}\n`;
}
