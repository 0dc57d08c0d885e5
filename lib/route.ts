// route.add / replace / del / list: `ip route` in-process, IPv4 and IPv6.
import { constants } from 'os';

import { Cidr, parseCidr } from './addr';
import { VnicError, invalid } from './errors';
import type { Requester } from './engine';
import type { LinkApi } from './link';
import type { LinkRef } from './types';
import { checkInt, checkKnownKeys, checkLinkRef, checkOneOf } from './validate';
import { AF_INET, AF_INET6 } from './constants';

export type RouteScope = 'global' | 'site' | 'link' | 'host' | 'nowhere';
export type RouteProtocol = 'unspec' | 'redirect' | 'kernel' | 'boot' | 'static' | 'ra' | 'dhcp';
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' |
  'unreachable' | 'prohibit' | 'throw';
export type RouteTable = 'main' | 'local' | 'default' | number;

export interface RouteOptions {
  /** 'default', a prefix ('10.0.0.0/24', 'fd00::/64') or one address (a host route). */
  dst: string;
  /** The gateway. */
  via?: string;
  /** The outgoing link. */
  dev?: LinkRef;
  /** The preferred source address (`src`). */
  src?: string;
  metric?: number;
  /** Default 'main'. */
  table?: RouteTable;
  /** Default: 'link' for a unicast route without a gateway, else 'global' (as `ip` picks). */
  scope?: RouteScope | number;
  /** Default 'boot', as `ip route add` sends. */
  protocol?: RouteProtocol | number;
  /** Default 'unicast'. */
  type?: RouteType;
  /** For dst 'default' without via: 4 or 6 (default 4). */
  family?: 4 | 6;
}

export interface Route {
  family: 4 | 6;
  /** 'default' or 'prefix/len'. */
  dst: string;
  gateway?: string;
  /** Outgoing link: index and name. */
  oif?: number;
  dev?: string;
  prefsrc?: string;
  metric?: number;
  table: number;
  protocol: RouteProtocol | number;
  scope: RouteScope | number;
  type: RouteType | number;
  flags: number;
}

export interface RouteListFilter {
  family?: 4 | 6;
  /** Default 'main'; 'all' for every table. */
  table?: RouteTable | 'all';
  dev?: LinkRef;
}

const TABLES = { default: 253, main: 254, local: 255 } as const;
const SCOPES: Record<RouteScope, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const PROTOCOLS: Record<RouteProtocol, number> = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, ra: 9, dhcp: 16 };
const TYPES: Record<RouteType, number> = {
  unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9,
};
const { ENODEV, EEXIST, ESRCH } = constants.errno;
const KEYS = ['dst', 'via', 'dev', 'src', 'metric', 'table', 'scope', 'protocol', 'type', 'family'] as const;

function tableId(op: string, table: RouteTable): number {
  if (typeof table === 'number') return checkInt(op, 'table', table, 1, 0xffffffff);
  return TABLES[checkOneOf(op, 'table', table, Object.keys(TABLES) as Array<keyof typeof TABLES>)];
}

function named<T extends string>(op: string, field: string, value: T | number, table: Record<T, number>): number {
  if (typeof value === 'number') return checkInt(op, field, value, 0, 255);
  return table[checkOneOf(op, field, value, Object.keys(table) as T[])];
}

function describe(route: RouteOptions): string {
  return [route.dst, route.via && `via ${route.via}`, route.dev !== undefined && `dev ${String(route.dev)}`]
    .filter(Boolean).join(' ');
}

export class RouteApi {
  constructor(private readonly rq: Requester, private readonly links: LinkApi) {}

  /** `ip route add`. */
  async add(route: RouteOptions): Promise<void> {
    await this.send('route.add', route);
  }

  /** `ip route replace`: adds, or overwrites the route with the same destination. */
  async replace(route: RouteOptions): Promise<void> {
    await this.send('route.replace', route);
  }

  /** `ip route del`: the first route matching what is given. */
  async del(route: RouteOptions): Promise<void> {
    await this.send('route.del', route);
  }

  /** `ip route show [table T] [dev D]`. */
  async list(filter: RouteListFilter = {}): Promise<Route[]> {
    const op = 'route.list';
    checkKnownKeys(op, filter, ['family', 'table', 'dev']);
    const family = filter.family === undefined ? 0 : filter.family === 6 ? AF_INET6 : AF_INET;
    const table = filter.table === 'all' ? undefined : tableId(op, filter.table ?? 'main');
    const [routes, names] = await Promise.all([this.rq.request<Route>('route.dump', { family }), this.links.names()]);
    const dev = filter.dev === undefined ? undefined
      : typeof filter.dev === 'number' ? filter.dev
        : [...names].find(([, name]) => name === filter.dev)?.[0] ?? -1;
    return routes
      .filter((r) => (table === undefined || r.table === table) && (dev === undefined || r.oif === dev))
      .map((r) => (r.oif !== undefined && names.has(r.oif) ? { ...r, dev: names.get(r.oif) } : r));
  }

  private async send(op: 'route.add' | 'route.replace' | 'route.del', route: RouteOptions): Promise<void> {
    const spec = await this.spec(op, route);
    await this.rq.request(op, spec, describe(route)).catch((error: VnicError) => {
      if (error.errno === EEXIST) throw error.with({ hint: 'the route exists (replace() overwrites it)' });
      if (error.errno === ESRCH) throw error.with({ summary: 'no such route' });
      throw error;
    });
  }

  private async spec(op: string, route: RouteOptions): Promise<Record<string, unknown>> {
    const spec = routeSpec(op, route);
    if (route.dev !== undefined) {
      checkLinkRef(op, 'dev', route.dev);
      spec.oif = await this.links.index(route.dev).catch((error: VnicError) => {
        if (error.errno === ENODEV) throw new VnicError({ errno: ENODEV, op, field: 'dev', summary: `no link ${String(route.dev)}` });
        throw error;
      });
    }
    return spec;
  }
}

/**
 * The addon's spec for a route, checked and converted, synchronously; the
 * caller adds `oif` for route.dev.
 */
export function routeSpec(op: string, route: RouteOptions): Record<string, unknown> {
  if (typeof route !== 'object' || route === null) throw invalid(op, 'route', 'expected { dst, via?, dev?, … }');
  checkKnownKeys(op, route, KEYS);
  const deleting = op === 'route.del';
  const gateway = route.via === undefined ? undefined : parseCidr(op, 'via', route.via);
  let dst: Cidr | undefined;
  let family: 4 | 6;
  if (route.family !== undefined && route.family !== 4 && route.family !== 6) throw invalid(op, 'family', 'must be 4 or 6');
  if (route.dst === 'default') {
    family = route.family ?? gateway?.family ?? 4;
  } else {
    dst = parseCidr(op, 'dst', route.dst);
    family = dst.family;
  }
  if (gateway && gateway.family !== family) throw invalid(op, 'via', 'must be of the same family as dst');
  const type = route.type === undefined ? TYPES.unicast : named(op, 'type', route.type, TYPES);
  const spec: Record<string, unknown> = {
    family: family === 6 ? AF_INET6 : AF_INET,
    dstLen: dst?.prefixlen ?? 0,
    table: tableId(op, route.table ?? 'main'),
    // Deleting matches any protocol, scope and type unless told (as ip does).
    protocol: route.protocol !== undefined ? named(op, 'protocol', route.protocol, PROTOCOLS) : deleting ? 0 : PROTOCOLS.boot,
    scope: route.scope !== undefined ? named(op, 'scope', route.scope, SCOPES)
      : deleting ? SCOPES.nowhere
        : type === TYPES.local || type === TYPES.broadcast ? SCOPES.host
          : type === TYPES.unicast && !gateway ? SCOPES.link : SCOPES.global,
    type: route.type === undefined && deleting ? 0 : type,
  };
  // A v6 default goes out as ::/0, a v4 default as no RTA_DST: what ip sends.
  if (dst) spec.dst = dst.bytes;
  else if (family === 6) spec.dst = Buffer.alloc(16);
  if (gateway) spec.gateway = gateway.bytes;
  if (route.src !== undefined) {
    const src = parseCidr(op, 'src', route.src);
    if (src.family !== family) throw invalid(op, 'src', 'must be of the same family as dst');
    spec.prefsrc = src.bytes;
  }
  if (route.metric !== undefined) spec.metric = checkInt(op, 'metric', route.metric, 0, 0xffffffff);
  return spec;
}
