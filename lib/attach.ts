// attach / detach: "give this namespace an eth0 on that parent", all or
// nothing, as fast as the kernel allows.
//
// The fast path: the macvlan is created directly inside the target namespace
// (IFLA_NET_NS_FD) under a unique temporary name and a caller-chosen ifindex,
// so every later step can be sent at once, pipelined, through a handle that
// lives in the namespace: rename, sysctls, up, addresses, routes. A link is
// never moved (a move costs ~20 ms of kernel wait). Before Linux 6.15 the
// kernel looked the new name up in the caller's namespace, where "eth0"
// usually exists: the temporary name keeps that trap shut.
import { randomBytes, randomInt } from 'crypto';
import { constants } from 'os';

import { addrSpec, parseCidr } from './addr';
import type { Requester } from './engine';
import { VnicError, invalid, withTarget } from './errors';
import { kindCodec } from './kinds';
import type { MacvlanMode } from './kinds/macvlan';
import type { LinkApi } from './link';
import { NamespaceCache } from './namespaces';
import type { NetnsTarget } from './netns';
import { describeNetns } from './netns';
import { routeSpec } from './route';
import type { RouteOptions } from './route';
import type { LinkRef } from './types';
import { checkKnownKeys, checkLinkName, checkMtu, checkString, checkUnicastMac } from './validate';

export interface AttachOptions {
  /** The container's namespace. */
  netns: NetnsTarget;
  /** The parent link, in the handle's namespace. */
  link: LinkRef;
  /** Default 'macvlan'. */
  kind?: 'macvlan' | 'macvtap';
  /** Default 'bridge' (what Docker and CNI pick), unlike link.add which leaves the kernel's vepa. */
  mode?: MacvlanMode;
  /** The name inside the namespace; default 'eth0'. */
  ifname?: string;
  /** MAC address; default a random locally administered unicast one. */
  address?: string;
  mtu?: number;
  /** CIDRs: '10.0.0.5/24', 'fd00::5/64'. */
  addresses?: string[];
  /** Default gateway(s): one per family at most. */
  gateway?: string | string[];
  /** More routes through the new link (dev is implied). */
  routes?: Array<Omit<RouteOptions, 'dev'>>;
  /** Written inside the namespace before the link comes up: { 'net/ipv4/conf/eth0/arp_notify': '1' } (dots or slashes). */
  sysctls?: Record<string, string>;
}

export interface Attachment {
  ifname: string;
  /** Its ifindex inside the namespace. */
  index: number;
  address: string;
  netns: NetnsTarget;
  addresses: string[];
  routes: Array<{ dst: string; via?: string }>;
}

export interface DetachOptions {
  netns: NetnsTarget;
  /** Default 'eth0'. */
  ifname?: string;
}

const KEYS = ['netns', 'link', 'kind', 'mode', 'ifname', 'address', 'mtu', 'addresses', 'gateway', 'routes', 'sysctls'] as const;
const IFF_UP = 1;
const { EBUSY, EEXIST, ENODEV, ENOENT } = constants.errno;
// Caller-chosen ifindexes come from a range the kernel's own counter (which
// starts at 1 in every namespace) does not reach in practice.
const INDEX_MIN = 1 << 24;
const INDEX_MAX = 0x7fffffff;

/** A random locally administered, unicast MAC (02:xx:…). */
export function randomMac(): string {
  const bytes = randomBytes(6);
  bytes[0] = (bytes[0] & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function sysctlPath(op: string, key: string): string {
  checkString(op, 'sysctls', key, 255);
  const path = key.startsWith('net/') || key.includes('/') ? key : key.replace(/\./g, '/');
  if (!/^net\/[A-Za-z0-9_./-]+$/.test(path) || path.split('/').includes('..')) {
    throw invalid(op, 'sysctls', `'${key}' is not a net.* sysctl`);
  }
  return path;
}

/** One step of an attach, sent in order through the namespace's handle. */
interface Step {
  name: string;
  op: string;
  spec: Record<string, unknown>;
}

export class Attacher {
  constructor(private readonly rq: Requester, private readonly links: LinkApi, private readonly namespaces: NamespaceCache) {}

  async attach(options: AttachOptions): Promise<Attachment> {
    const op = 'attach';
    if (typeof options !== 'object' || options === null) throw invalid(op, 'options', 'expected an object');
    checkKnownKeys(op, options, KEYS);
    const ifname = checkLinkName(op, 'ifname', options.ifname ?? 'eth0');
    const target = `${ifname} in ${describeNetns(options.netns)}`;
    try {
      return await this.attachChecked(op, options, ifname);
    } catch (error) {
      throw withTarget(error, target);
    }
  }

  /** Many attaches, pipelined; all or nothing: if one fails, the others are detached. */
  async attachMany(list: AttachOptions[]): Promise<Attachment[]> {
    const outcomes = await Promise.allSettled(list.map((options) => this.attach(options)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (!failed) return outcomes.map((o) => (o as PromiseFulfilledResult<Attachment>).value);
    await Promise.all(outcomes.map((o) => o.status === 'fulfilled'
      ? this.detach({ netns: o.value.netns, ifname: o.value.ifname }).catch(() => false)
      : undefined));
    throw failed.reason;
  }

  /** Removes ifname from the namespace; true when there was something to remove. Idempotent. */
  async detach(options: DetachOptions): Promise<boolean> {
    const op = 'detach';
    checkKnownKeys(op, options, ['netns', 'ifname']);
    const ifname = checkLinkName(op, 'ifname', options.ifname ?? 'eth0');
    let inside;
    try {
      inside = await this.namespaces.get(op, options.netns);
    } catch (error) {
      if (error instanceof VnicError && error.errno === ENOENT) return false;  // the namespace is gone already
      throw error;
    }
    try {
      await inside.link.del(ifname);
      return true;
    } catch (error) {
      if (error instanceof VnicError && error.errno === ENODEV) return false;
      throw error;
    }
  }

  private async attachChecked(op: string, options: AttachOptions, ifname: string): Promise<Attachment> {
    const kind = options.kind ?? 'macvlan';
    const codec = kindCodec(kind);
    if (!codec?.needsParent || !['macvlan', 'macvtap'].includes(kind)) throw invalid(op, 'kind', "must be 'macvlan' or 'macvtap'");
    const address = options.address ?? randomMac();
    const mac = checkUnicastMac(op, 'address', address);
    const mtu = options.mtu === undefined ? undefined : checkMtu(op, 'mtu', options.mtu);
    const info = await codec.encodeAdd({ mode: options.mode ?? 'bridge' }, { op, netnsFd: async () => -1 });
    const gateways = options.gateway === undefined ? [] : Array.isArray(options.gateway) ? options.gateway : [options.gateway];
    const routes = [
      ...gateways.map((via) => ({ dst: 'default', via, family: parseCidr(op, 'gateway', via).family })),
      ...(options.routes ?? []),
    ];
    const sysctls = Object.entries(options.sysctls ?? {}).map(([key, value]) =>
      [sysctlPath(op, key), checkString(op, 'sysctls', value, 4096)] as const);
    // Everything is checked before the first request: a typo costs nothing.
    const addresses = (options.addresses ?? []).map((cidr) => ({ name: `address ${cidr}`, spec: addrSpec(op, ifname, cidr, {}) }));
    const routeSpecs = routes.map((route) =>
      ({ name: `route ${route.dst}${route.via ? ` via ${route.via}` : ''}`, spec: routeSpec(op, route as RouteOptions) }));

    const [parent, inside] = await Promise.all([
      this.links.index(options.link).catch((error: VnicError) => {
        throw error.errno === ENODEV ? error.with({ op, field: 'link', summary: `parent ${String(options.link)} does not exist` }) : error;
      }),
      this.namespaces.get(op, options.netns),
    ]);
    const index = await this.create(op, { kind, info, link: parent, address: mac, mtu, netnsFd: inside.fd });
    const rename: Step = { name: `rename to ${ifname}`, op: 'link.set', spec: { index, name: ifname } };
    const rest: Step[] = [
      { name: 'up', op: 'link.set', spec: { index, flags: IFF_UP, change: IFF_UP } },
      ...addresses.map(({ name, spec }) => ({ name, op: 'addr.add', spec: { ...spec, index } })),
      ...routeSpecs.map(({ name, spec }) => ({ name, op: 'route.add', spec: { ...spec, oif: index } })),
    ];
    try {
      if (sysctls.length === 0) {
        // One exchange: the kernel runs a socket's requests in order, so the
        // rename lands before the link comes up (a link that is up can't be renamed).
        await this.run(inside.requester, [rename, ...rest]);
      } else {
        // Sysctls name the interface and must precede up (arp_notify acts on up).
        await this.run(inside.requester, [rename]);
        for (const [path, value] of sysctls) {
          await inside.sysctl(path, value).catch((error: VnicError) => { throw error.with({ op, step: `sysctl ${path}` }); });
        }
        await this.run(inside.requester, rest);
      }
    } catch (error) {
      // All or nothing: the link takes its addresses and routes with it.
      await inside.requester.request('link.del', { index }).catch(() => undefined);
      throw error;
    }
    return {
      ifname, index, address, netns: options.netns,
      addresses: [...(options.addresses ?? [])],
      routes: routes.map((r) => (r.via === undefined ? { dst: r.dst } : { dst: r.dst, via: r.via })),
    };
  }

  /** Creates the link inside the namespace under a temporary name; returns its ifindex there. */
  private async create(op: string, spec: Record<string, unknown>): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const index = randomInt(INDEX_MIN, INDEX_MAX);
      const name = `vn${randomBytes(6).toString('hex')}`;
      try {
        await this.rq.request('link.add', { ...spec, index, name }, name);
        return index;
      } catch (error) {
        const taken = error instanceof VnicError && (error.errno === EBUSY || error.errno === EEXIST);
        if (!taken || attempt >= 3) throw (error as VnicError).with({ op, step: 'create' });
      }
    }
  }

  /** Sends the steps at once, in order; rejects with the first that failed, named. */
  private async run(requester: Requester, steps: Step[]): Promise<void> {
    const sent = steps.map((step) => requester.request(step.op, step.spec).then(() => undefined, (error: VnicError) => {
      throw error.with({ op: 'attach', step: step.name });
    }));
    const outcomes = await Promise.allSettled(sent);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
