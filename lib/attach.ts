// attach / detach: "give this namespace an eth0 on that parent", all or
// nothing, as fast as the kernel allows.
//
// A link is never moved (a move costs ~20 ms of kernel wait); it is born in
// the namespace, with a caller-chosen ifindex, MAC and mtu, so that every
// later step can be sent at once, pipelined, through a handle that lives
// there. Two paths:
// - first attach into a namespace: created from here with IFLA_NET_NS_FD.
//   Before Linux 6.15 the kernel looked the new name up in the caller's
//   namespace, where "eth0" usually exists: there the link gets a unique
//   temporary name and is renamed inside, then brought up; from 6.15 on it
//   gets its name and IFF_UP in the create request itself. That exchange
//   also reads back the id the namespace gives ours (IFLA_LINK_NETNSID).
// - every later attach there: created from inside, naming the parent across
//   by that id, together with its addresses and routes: one exchange, one
//   sendmsg, no name trap (the caller is the namespace itself).
import { randomBytes, randomInt } from 'crypto';
import { constants, release } from 'os';

import { addrSpec, parseCidr } from './addr';
import type { AddrAddOptions } from './addr';
import type { Requester } from './engine';
import { VnicError, invalid, tooMany, withTarget } from './errors';
import { kindCodec } from './kinds';
import type { MacvlanMode, MacvlanOptions } from './kinds/macvlan';
import type { LinkApi } from './link';
import { NamespaceCache } from './namespaces';
import { native } from './native';
import type { Inside } from './namespaces';
import type { NetnsTarget } from './netns';
import { describeNetns } from './netns';
import { routeSpec } from './route';
import type { RouteOptions } from './route';
import type { LinkRef } from './types';
import { checkKnownKeys, checkLinkName, checkMtu, checkString, checkUnicastMac } from './validate';
import {
  MAX_ATTACH_ADDRESSES, MAX_ATTACH_ROUTES, MAX_ATTACH_SYSCTLS, MAX_SYSCTL_NAME_BYTES, MAX_SYSCTL_VALUE_BYTES,
} from './limits';
import { IFF_UP, RTEXT_FILTER_SKIP_STATS } from './constants';

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
  /** CIDRs: '10.0.0.5/24', 'fd00::5/64'; or { address, broadcast?, nodad? } where more must be said. */
  addresses?: Array<string | AttachAddress>;
  /** Default gateway(s): one per family at most. */
  gateway?: string | string[];
  /** More routes through the new link (dev is implied). */
  routes?: Array<Omit<RouteOptions, 'dev'>>;
  /** Written inside the namespace before the link comes up: { 'net/ipv4/conf/eth0/arp_notify': '1' } (dots or slashes). */
  sysctls?: Record<string, string>;
  /** passthru only: leave the parent's promiscuous mode alone (IFLA_MACVLAN_FLAGS NOPROMISC). */
  nopromisc?: MacvlanOptions['nopromisc'];
  /** Don't deliver frames to sibling macvlans by destination (NODST). */
  nodst?: MacvlanOptions['nodst'];
  /** source mode only: the source MACs whose frames the link receives. */
  macaddr?: MacvlanOptions['macaddr'];
  /** Broadcast/multicast queue length (Linux 5.11+). */
  bcqueuelen?: MacvlanOptions['bcqueuelen'];
  /** Broadcast cutoff (Linux 6.4+). */
  bclim?: MacvlanOptions['bclim'];
}

/** An address for attach, with the `ip addr add` options that apply to a fresh link. */
export interface AttachAddress {
  /** CIDR: '10.0.0.5/24'. */
  address: string;
  /** IPv4: the broadcast address, or '+' / true to derive it from the prefix (`brd +`). */
  broadcast?: AddrAddOptions['broadcast'];
  /** IPv6: skip duplicate address detection. */
  nodad?: boolean;
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

const KEYS = [
  'netns', 'link', 'kind', 'mode', 'ifname', 'address', 'mtu', 'addresses', 'gateway', 'routes', 'sysctls',
  'nopromisc', 'nodst', 'macaddr', 'bcqueuelen', 'bclim',
] as const;
const MACVLAN_EXTRAS = ['nopromisc', 'nodst', 'macaddr', 'bcqueuelen', 'bclim'] as const;
const { EBUSY, EEXIST, ENODEV, ENOENT } = constants.errno;
// Caller-chosen ifindexes come from a range the kernel's own counter (which
// starts at 1 in every namespace) does not reach in practice.
const INDEX_MIN = 1 << 24;
const INDEX_MAX = 0x7fffffff;

/** Whether the kernel looks a new link's name up in the namespace it is created in (Linux 6.15+). */
function namesLookedUpInTarget(kernelRelease: string): boolean {
  const [major, minor] = kernelRelease.split('.').map((part) => parseInt(part, 10));
  return major > 6 || (major === 6 && minor >= 15);
}

/**
 * Which paths attach takes: the defaults suit the running kernel; tests flip
 * them to exercise every path on one kernel.
 */
export const attachStrategy = {
  /** Name the link in its create request (the kernel looks the name up in the target: Linux 6.15+). */
  nameAtCreate: namesLookedUpInTarget(release()),
  /** Once the namespace's id for ours is known, create from inside in one exchange. */
  createFromInside: true,
};

/** A random locally administered, unicast MAC (02:xx:…). */
export function randomMac(): string {
  const bytes = randomBytes(6);
  bytes[0] = (bytes[0] & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function sysctlPath(op: string, key: string): string {
  checkString(op, 'sysctls', key, MAX_SYSCTL_NAME_BYTES);
  const path = key.startsWith('net/') || key.includes('/') ? key : key.replace(/\./g, '/');
  if (!/^net\/[A-Za-z0-9_./-]+$/.test(path) || path.split('/').includes('..')) {
    throw invalid(op, 'sysctls', `'${key}' is not a net.* sysctl`);
  }
  return path;
}

/**
 * The link's own IPv4 settings whose sysctl only stores the value (no cache
 * flush, no notification): IPV4_DEVCONF ids, set through IFLA_INET_CONF in a
 * link request rather than by a thread entering the namespace to write /proc.
 */
const INET_CONF_IDS = new Map<string, number>([['arp_filter', 13], ['arp_announce', 18], ['arp_ignore', 19], ['arp_accept', 21], ['arp_notify', 22]]);

let inetConfEncoded: boolean | undefined;

/** Whether the addon writes IFLA_INET_CONF (one built before it would drop the field: then threads write them all). */
function encodesInetConf(): boolean {
  if (inetConfEncoded === undefined) {
    const { NetlinkSocket } = native();
    inetConfEncoded = NetlinkSocket.encode('link.set', { index: 1, inetConf: { 22: 1 } }).length
      > NetlinkSocket.encode('link.set', { index: 1 }).length;
  }
  return inetConfEncoded;
}

/**
 * Splits the sysctls: net/ipv4/conf/<ifname>/<one of the above> with a plain
 * integer value goes in a link request (`step` names them for errors); the
 * rest a thread writes.
 */
function splitSysctls(ifname: string, sysctls: ReadonlyArray<readonly [string, string]>):
    { inetConf?: { ids: Record<string, number>; step: string }; sysctls: Array<readonly [string, string]> } {
  if (!encodesInetConf()) return { sysctls: [...sysctls] };
  const prefix = `net/ipv4/conf/${ifname}/`;
  const ids: Record<string, number> = {};
  const names: string[] = [];
  const rest: Array<readonly [string, string]> = [];
  for (const [path, value] of sysctls) {
    const id = path.startsWith(prefix) ? INET_CONF_IDS.get(path.slice(prefix.length)) : undefined;
    const number = /^\s*[0-9]{1,9}\s*$/.test(value) ? Number(value) : undefined;
    if (id === undefined || number === undefined) {
      rest.push([path, value]);
    } else {
      ids[String(id)] = number;
      names.push(path);
    }
  }
  return { inetConf: names.length === 0 ? undefined : { ids, step: `sysctl ${names.join(', ')}` }, sysctls: rest };
}

function checkAttachAddress(op: string, entry: unknown): AttachAddress {
  if (typeof entry === 'string') return { address: entry };
  if (typeof entry !== 'object' || entry === null) throw invalid(op, 'addresses', "each is a CIDR or { address, broadcast?, nodad? }");
  checkKnownKeys(op, entry, ['address', 'broadcast', 'nodad']);
  return entry as AttachAddress;
}

/** One step of an attach, sent in order through the namespace's handle. */
interface Step {
  name: string;
  op: string;
  spec: Record<string, unknown>;
}

/** How an attach creates its link and what follows. */
interface CreatePlan {
  /** No sysctl has to be written by a thread between the create and the rest: all of it goes in the create's exchange(s). */
  complete: boolean;
  /** Settings (IFLA_INET_CONF) precede up, so up can't ride in the create. */
  settings: boolean;
  /** The steps after the create; without `upAtCreate`, the settings and up first. */
  configure: (index: number, upAtCreate: boolean) => Step[];
}

/** What each step's requests resolved to, in order; the first failure named. */
interface Outcome {
  results: PromiseSettledResult<unknown[]>[];
  failure?: VnicError;
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
    const extras = Object.fromEntries(MACVLAN_EXTRAS.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]));
    const info = await codec.encodeAdd({ mode: options.mode ?? 'bridge', ...extras }, { op, netnsFd: async () => -1 });
    if (options.addresses !== undefined && !Array.isArray(options.addresses)) throw invalid(op, 'addresses', 'expected an array of CIDRs');
    if (options.routes !== undefined && !Array.isArray(options.routes)) throw invalid(op, 'routes', 'expected an array of routes');
    const gateways = options.gateway === undefined ? [] : Array.isArray(options.gateway) ? options.gateway : [options.gateway];
    const families = gateways.map((via) => parseCidr(op, 'gateway', via).family);
    if (new Set(families).size !== families.length) throw invalid(op, 'gateway', 'at most one gateway per family');
    const routes = [
      ...gateways.map((via, i) => ({ dst: 'default', via, family: families[i] })),
      ...(options.routes ?? []),
    ];
    // One attach leaves as one exchange: its sizes are bounded (lib/limits.ts).
    if ((options.addresses ?? []).length > MAX_ATTACH_ADDRESSES) {
      throw tooMany(op, 'addresses', options.addresses!.length, MAX_ATTACH_ADDRESSES, 'attach');
    }
    if (routes.length > MAX_ATTACH_ROUTES) throw tooMany(op, 'routes', routes.length, MAX_ATTACH_ROUTES, 'attach', ' (gateways included)');
    if (options.sysctls !== undefined && (typeof options.sysctls !== 'object' || options.sysctls === null)) {
      throw invalid(op, 'sysctls', 'expected an object of name: value');
    }
    const sysctlEntries = Object.entries(options.sysctls ?? {});
    if (sysctlEntries.length > MAX_ATTACH_SYSCTLS) throw tooMany(op, 'sysctls', sysctlEntries.length, MAX_ATTACH_SYSCTLS, 'attach');
    const { inetConf, sysctls } = splitSysctls(ifname, sysctlEntries.map(([key, value]) =>
      [sysctlPath(op, key), checkString(op, `sysctls.${key}`, value, MAX_SYSCTL_VALUE_BYTES)] as const));
    // Everything is checked before the first request: a typo costs nothing.
    const addressList = (options.addresses ?? []).map((entry) => checkAttachAddress(op, entry));
    const addresses = addressList.map(({ address, ...more }) => ({ name: `address ${address}`, spec: addrSpec(op, ifname, address, more) }));
    const routeSpecs = routes.map((route) =>
      ({ name: `route ${route.dst}${route.via ? ` via ${route.via}` : ''}`, spec: routeSpec(op, route as RouteOptions) }));

    const [parent, inside] = await Promise.all([
      this.links.index(options.link).catch((error: VnicError) => {
        throw error.errno === ENODEV ? error.with({ op, field: 'link', summary: `parent ${String(options.link)} does not exist` }) : error;
      }),
      this.namespaces.get(op, options.netns),
    ]);
    const link = { kind, info, link: parent, address: mac, mtu };
    const up = (index: number): Step => ({ name: 'up', op: 'link.set', spec: { index, flags: IFF_UP, change: IFF_UP } });
    // The link's own IPv4 settings go in a link request; they precede up (arp_notify acts on up).
    const conf = inetConf === undefined ? []
      : [(index: number): Step => ({ name: inetConf.step, op: 'link.set', spec: { index, inetConf: inetConf.ids } })];
    /** What follows the create: settings and up (unless up rode in the create), addresses, routes. */
    const configure = (index: number, upAtCreate: boolean): Step[] => [
      ...(upAtCreate ? [] : [...conf.map((step) => step(index)), up(index)]),
      ...addresses.map(({ name, spec }) => ({ name, op: 'addr.add', spec: { ...spec, index } })),
      ...routeSpecs.map(({ name, spec }) => ({ name, op: 'route.add', spec: { ...spec, oif: index } })),
    ];
    // Sysctls a thread writes inside the namespace name the interface: with
    // any, the link is made down, the sysctls written, then the rest follows.
    // Up rides in the create when nothing has to precede it.
    const plan: CreatePlan = { complete: sysctls.length === 0, settings: conf.length > 0, configure };
    const index = inside.hostNsid !== undefined && attachStrategy.createFromInside
      ? await this.createInside(op, inside, { ...link, name: ifname, linkNetnsId: inside.hostNsid }, plan)
      : await this.createFromHere(op, inside, link, ifname, plan);
    if (!plan.complete) {
      try {
        for (const [path, value] of sysctls) {
          await inside.sysctl(path, value).catch((error: VnicError) => { throw error.with({ op, step: `sysctl ${path}` }); });
        }
        const { failure } = await this.run(inside.requester, configure(index, false));
        if (failure) throw failure;
      } catch (error) {
        await this.remove(inside, index);
        throw error;
      }
    }
    return {
      ifname, index, address, netns: options.netns,
      addresses: addressList.map((entry) => entry.address),
      routes: routes.map((r) => (r.via === undefined ? { dst: r.dst } : { dst: r.dst, via: r.via })),
    };
  }

  /**
   * First attach into a namespace: the create goes from our socket (with
   * IFLA_NET_NS_FD), the rest through the namespace's in one exchange, which
   * also reads back the id the namespace gives ours, for the next attaches.
   */
  private async createFromHere(op: string, inside: Inside, link: Record<string, unknown>, ifname: string,
                               plan: CreatePlan): Promise<number> {
    const direct = attachStrategy.nameAtCreate;
    const upAtCreate = direct && plan.complete && !plan.settings;
    let index = 0;
    for (let attempt = 0; ; attempt++) {
      index = randomInt(INDEX_MIN, INDEX_MAX);
      const name = direct ? ifname : `vn${randomBytes(6).toString('hex')}`;
      try {
        await this.rq.request('link.add', { ...link, ...(upAtCreate ? { flags: IFF_UP, change: IFF_UP } : {}), netnsFd: inside.fd, index, name }, name);
        break;
      } catch (error) {
        const retry = !direct || await this.indexTaken(inside, error, index);  // a temporary name never clashes twice
        if (!retry || !(error instanceof VnicError) || ![EEXIST, EBUSY].includes(error.errno) || attempt >= 3) {
          throw (error as VnicError).with({ op, step: 'create' });
        }
      }
    }
    const steps: Step[] = [
      ...(direct ? [] : [{ name: `rename to ${ifname}`, op: 'link.set', spec: { index, name: ifname } }]),
      ...(plan.complete ? plan.configure(index, upAtCreate) : []),
      { name: 'read back', op: 'link.get', spec: { index, extMask: RTEXT_FILTER_SKIP_STATS } },
    ];
    const { results, failure } = await this.run(inside.requester, steps);
    if (failure) {
      await this.remove(inside, index);
      throw failure;
    }
    const readBack = results[results.length - 1] as PromiseFulfilledResult<Array<{ linkNetnsId?: number }>>;
    inside.hostNsid ??= readBack.value[0]?.linkNetnsId;
    return index;
  }

  /**
   * Later attaches: create and configure from inside, in one exchange. Should
   * the drawn ifindex be taken, the create fails and whatever the later steps
   * did to that other link is undone before drawing again. Only addresses and
   * routes can be undone, so settings and up ride in the create; settings the
   * create can't carry (IFLA_AF_SPEC needs the link registered) wait for the
   * create's answer, in a second exchange.
   */
  private async createInside(op: string, inside: Inside, link: Record<string, unknown>, plan: CreatePlan): Promise<number> {
    const oneExchange = plan.complete && !plan.settings;
    for (let attempt = 0; ; attempt++) {
      const index = randomInt(INDEX_MIN, INDEX_MAX);
      const create: Step = {
        name: 'create', op: 'link.add', spec: { ...link, index, ...(oneExchange ? { flags: IFF_UP, change: IFF_UP } : {}) },
      };
      const rest = oneExchange ? plan.configure(index, true) : [];
      const { results, failure } = await this.run(inside.requester, [create, ...rest]);
      if (!failure) {
        if (plan.complete && !oneExchange) {
          const configured = await this.run(inside.requester, plan.configure(index, false));
          if (configured.failure) {
            await this.remove(inside, index);
            throw configured.failure;
          }
        }
        return index;
      }
      if (results[0].status === 'fulfilled') {
        await this.remove(inside, index);
        throw failure;
      }
      await this.undo(inside.requester, rest, results.slice(1));
      if (!(await this.indexTaken(inside, failure, index)) || attempt >= 3) throw failure;
    }
  }

  /**
   * Whether a create failed because the drawn ifindex is in use there: the
   * kernel answers EEXIST (or EBUSY) for a taken index and a taken name alike.
   */
  private async indexTaken(inside: Inside, error: unknown, index: number): Promise<boolean> {
    if (!(error instanceof VnicError) || ![EEXIST, EBUSY].includes(error.errno)) return false;
    return inside.requester.request('link.get', { index, extMask: RTEXT_FILTER_SKIP_STATS }).then(() => true, () => false);
  }

  /** Reverses the steps that succeeded (addresses and routes put on a link that was not ours). */
  private async undo(requester: Requester, steps: Step[], results: PromiseSettledResult<unknown>[]): Promise<void> {
    const inverse: Record<string, string> = { 'addr.add': 'addr.del', 'route.add': 'route.del' };
    await Promise.all(steps.map((step, i) => (results[i].status === 'fulfilled' && inverse[step.op]
      ? requester.request(inverse[step.op], step.spec).catch(() => undefined)
      : undefined)));
  }

  /** Deletes a half-made link: it takes its addresses and routes with it. */
  private async remove(inside: Inside, index: number): Promise<void> {
    await inside.requester.request('link.del', { index }).catch(() => undefined);
  }

  /** Sends the steps at once, in order; the first that failed is named. */
  private async run(requester: Requester, steps: Step[]): Promise<Outcome> {
    const results = await Promise.allSettled(steps.map((step) => requester.request(step.op, step.spec)));
    const index = results.findIndex((r) => r.status === 'rejected');
    if (index < 0) return { results };
    const error = (results[index] as PromiseRejectedResult).reason as VnicError;
    return { results, failure: error.with({ op: 'attach', step: steps[index].name }) };
  }
}
