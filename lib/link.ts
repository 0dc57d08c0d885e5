// link.add / set / del / get / list: `ip link` in-process.
import { randomInt } from 'crypto';
import { constants } from 'os';

import { VnicError, invalid, tooMany, withTarget } from './errors';
import type { Requester } from './engine';
import { kindCodec, kindSetKeys, knownKinds } from './kinds';
import type { KindAddOptions, KindCodec, KindContext, KindSetOptions } from './kinds';
import { NetnsFd, NetnsTarget, openNetns } from './netns';
import type { Link, LinkRef, LinkSetOptions } from './types';
import {
  checkBool, checkInt, checkKnownKeys, checkLinkName, checkLinkRef, checkMtu, checkString, checkUnicastMac,
} from './validate';
import { AF_PACKET, IFF_ALLMULTI, IFF_PROMISC, IFF_UP, RTEXT_FILTER_SKIP_STATS, RTEXT_FILTER_VF } from './constants';
import { MAX_ALIAS_BYTES, MAX_DELMANY_LINKS } from './limits';

/** What add() takes: the common options and those of the kind (lib/kinds/). */
export type LinkAddOptions = KindAddOptions;

/** Everything set() takes: the common changes and every kind's own. */
export type LinkChange = LinkSetOptions & KindSetOptions;

export interface LinkGetOptions {
  /** Include counters (default true). */
  stats?: boolean;
}

export interface LinkListFilter {
  kind?: string;
  /** Children of this parent. */
  link?: LinkRef;
  /** Ports of this master. */
  master?: LinkRef;
  up?: boolean;
}

const { ENODEV, EOPNOTSUPP } = constants.errno;

const COMMON_ADD_KEYS = ['kind', 'name', 'link', 'address', 'mtu', 'txqueuelen', 'alias', 'up', 'promisc',
  'allmulticast', 'master', 'netns', 'group'] as const;
const COMMON_SET_KEYS = ['up', 'promisc', 'allmulticast', 'mtu', 'address', 'name', 'alias', 'txqueuelen',
  'group', 'netns', 'master', 'hairpin', 'kind'] as const;
/** Everything set() accepts: the common changes and every kind's. */
const SET_KEYS: readonly string[] = [...COMMON_SET_KEYS, ...kindSetKeys];

/** The kinds whose codec fills in what the kernel does not report (macvtap's device). */
const decorated = new Set(knownKinds().filter((kind) => kindCodec(kind)?.decorate !== undefined));

/** Everything add() accepts for a kind: the common options and the kind's. */
const addKeys = new Map<KindCodec, ReadonlySet<string>>();
function addKeysOf(codec: KindCodec): ReadonlySet<string> {
  let keys = addKeys.get(codec);
  if (!keys) addKeys.set(codec, keys = new Set([...COMMON_ADD_KEYS, ...codec.addKeys]));
  return keys;
}

/**
 * The kernel answers a kind it has no driver for (module absent, or not
 * loadable here) with a bare EOPNOTSUPP and the extack "Unknown device type":
 * say which kind.
 */
function unsupportedKind(error: VnicError, kind: string): VnicError {
  if (error.errno !== EOPNOTSUPP || !/unknown device type/i.test(error.kernelMessage ?? '')) return error;
  return error.with({ summary: `link kind "${kind}" is not supported by this kernel (module not loaded?)` });
}

/** A get's failure: ENODEV says which link is missing. */
function noLink(error: VnicError): never {
  throw error.errno === ENODEV ? error.with({ summary: `no link ${error.target}` }) : error;
}

function noLinkIndex(error: VnicError): never {
  throw error.errno === ENODEV ? error.with({ op: 'link.index', summary: `no link ${error.target}` }) : error.with({ op: 'link.index' });
}

const indexOf = (messages: Link[]): number => messages[0].index;

/** How a request names its link: by index, or by name (the kernel looks it up, saving a round trip). */
function refSpec(ref: LinkRef): { index: number } | { name: string } {
  return typeof ref === 'number' ? { index: ref } : { name: ref };
}

/** Namespace fds opened for one request, closed when it settles. */
class FdScope implements KindContext {
  private readonly opened: NetnsFd[] = [];
  constructor(readonly op: string, readonly linkIndex: (field: string, ref: LinkRef) => Promise<number>) {}

  async netnsFd(target: NetnsTarget): Promise<number> {
    const ns = await openNetns(this.op, target);
    this.opened.push(ns);
    return ns.fd;
  }

  /** IFLA_NET_NS_PID for a pid (as iproute2 does), IFLA_NET_NS_FD otherwise. */
  async netnsSpec(target: NetnsTarget): Promise<{ netnsPid: number } | { netnsFd: number }> {
    if (typeof target === 'object' && target !== null && 'pid' in target) {
      return { netnsPid: checkInt(this.op, 'netns.pid', target.pid, 1, 0x7fffffff) };
    }
    return { netnsFd: await this.netnsFd(target) };
  }

  close(): Promise<unknown> | undefined {
    return this.opened.length === 0 ? undefined : Promise.all(this.opened.map((ns) => ns.close()));
  }
}

const FLAG_KEYS = ['up', 'promisc', 'allmulticast'] as const;
const FLAG_BITS = [IFF_UP, IFF_PROMISC, IFF_ALLMULTI] as const;

/** up / promisc / allmulticast as ifi_flags + ifi_change, into spec (nothing when none is given). */
function flagChanges(op: string, options: Record<string, unknown>, spec: Record<string, unknown>): void {
  let flags = 0;
  let change = 0;
  for (let i = 0; i < FLAG_KEYS.length; i++) {
    const value = options[FLAG_KEYS[i]];
    if (value === undefined) continue;
    change |= FLAG_BITS[i];
    if (checkBool(op, FLAG_KEYS[i], value)) flags |= FLAG_BITS[i];
  }
  if (change === 0) return;
  spec.flags = flags;
  spec.change = change;
}

/**
 * The attributes add and set share, checked and converted, into spec (a new
 * object when omitted). Written as plain stores: add runs once per link, and
 * a bulk create's first thousand calls run before the JIT has optimized them.
 */
function commonSpec(op: string, options: Record<string, unknown>, spec: Record<string, unknown> = {}): Record<string, unknown> {
  flagChanges(op, options, spec);
  if (options.address !== undefined) spec.address = checkUnicastMac(op, 'address', options.address);
  if (options.mtu !== undefined) spec.mtu = checkMtu(op, 'mtu', options.mtu);
  if (options.txqueuelen !== undefined) spec.txqueuelen = checkInt(op, 'txqueuelen', options.txqueuelen, 0, 0xffffffff);
  if (options.alias !== undefined) spec.alias = checkString(op, 'alias', options.alias, MAX_ALIAS_BYTES);
  if (options.group !== undefined) spec.group = checkInt(op, 'group', options.group, 0, 0xffffffff);
  return spec;
}

export class LinkApi {
  constructor(private readonly rq: Requester,
              private readonly openElsewhere: (target: NetnsTarget) => Promise<LinkApi & { close(): void }>) {}

  /** `ip link add`: creates a link; resolves with it as the kernel reports it. */
  async add(options: LinkAddOptions): Promise<Link> {
    const op = 'link.add';
    if (typeof options !== 'object' || options === null) throw invalid(op, 'options', 'expected an object');
    const raw = options as unknown as Record<string, unknown>;
    const name = checkLinkName(op, 'name', raw.name);
    const codec = typeof raw.kind === 'string' ? kindCodec(raw.kind) : undefined;
    if (!codec) throw invalid(op, 'kind', `must be one of ${knownKinds().join(', ')} (got ${String(raw.kind)})`, name);
    const fds = new FdScope(op, (field, ref) => this.resolve(op, field, ref, name));
    try {
      checkKnownKeys(op, raw, addKeysOf(codec));
      if (codec.needsParent && raw.link === undefined) {
        throw invalid(op, 'link', `a ${String(raw.kind)} needs its parent link, e.g. link: 'eth0'`);
      }
      const spec = commonSpec(op, raw, { name, kind: raw.kind });
      // The kernel ignores IFLA_IFALIAS at creation: it follows in a second request.
      const alias = spec.alias as string | undefined;
      if (alias !== undefined) delete spec.alias;
      // Kind options are checked before any lookup: a refusal sends nothing.
      const info = codec.encodeAdd(raw, fds);
      spec.info = info instanceof Promise ? await info : info;
      let parent: number | undefined;
      let master: number | undefined;
      if (typeof raw.link === 'string' || typeof raw.master === 'string') {
        // Names to look up: both lookups in one exchange.
        [parent, master] = await Promise.all([
          raw.link === undefined ? undefined : this.resolve(op, 'link', raw.link as LinkRef, name),
          raw.master === undefined ? undefined : this.resolve(op, 'master', raw.master as LinkRef, name),
        ]);
      } else {
        if (raw.link !== undefined) parent = checkLinkRef(op, 'link', raw.link) as number;
        if (raw.master !== undefined) master = checkLinkRef(op, 'master', raw.master) as number;
      }
      if (parent !== undefined) spec.link = parent;
      if (master !== undefined) spec.master = master;
      if (raw.netns !== undefined) Object.assign(spec, await fds.netnsSpec(raw.netns as NetnsTarget));
      // NLM_F_ECHO returns the new link in the same exchange, except from
      // another namespace (the kernel echoes there, not to us).
      spec.echo = raw.netns === undefined;
      let echoed: Link | undefined;
      try {
        echoed = (await this.rq.request<Link>(op, spec, name))[0];
      } catch (error) {
        await this.explain(unsupportedKind(error as VnicError, String(raw.kind)), codec, op, name, raw);
      }
      if (raw.netns !== undefined) return await this.reportFromElsewhere(raw.netns as NetnsTarget, name, alias);
      const created = echoed ?? await this.get(name);  // no echo before Linux 6.2
      if (alias !== undefined) {
        await this.set(created.index, { alias });
        created.alias = alias;
      }
      // The caller named the parent and master: no lookup needed to report them.
      let names: Map<number, string> | undefined;
      if (typeof raw.link === 'string' && parent !== undefined) (names ??= new Map()).set(parent, raw.link);
      if (typeof raw.master === 'string' && master !== undefined) (names ??= new Map()).set(master, raw.master);
      return this.finish(created, names);
    } catch (error) {
      throw withTarget(error, name);
    } finally {
      const closing = fds.close();
      if (closing) await closing;
    }
  }

  /** A link just created in another namespace, read (and given its alias) there. */
  private async reportFromElsewhere(netns: NetnsTarget, name: string, alias: string | undefined): Promise<Link> {
    const elsewhere = await this.openElsewhere(netns);
    try {
      if (alias !== undefined) await elsewhere.set(name, { alias });
      return await elsewhere.get(name);
    } finally {
      elsewhere.close();
    }
  }

  /** `ip link set`: changes a link; kind options (mode, macaddr …) included. */
  async set(ref: LinkRef, change: LinkChange): Promise<void> {
    const op = 'link.set';
    checkLinkRef(op, 'link', ref);
    if (typeof change !== 'object' || change === null) throw invalid(op, 'options', 'expected an object');
    const raw = change as Record<string, unknown>;
    const target = String(ref);
    try {
      checkKnownKeys(op, raw, SET_KEYS);
      const kindKeys = Object.keys(raw).filter((key) => kindSetKeys.includes(key) && raw[key] !== undefined);
      const fds = new FdScope(op, (field, ref) => this.resolve(op, field, ref, target));
      try {
        const generic: Record<string, unknown> = commonSpec(op, raw);
        if (raw.name !== undefined) generic.name = checkLinkName(op, 'name', raw.name);
        if (raw.master !== undefined) {
          generic.master = raw.master === null ? 0 : await this.resolve(op, 'master', raw.master as LinkRef, target);
        }
        if (raw.hairpin !== undefined) {
          generic.slaveKind = 'bridge';
          generic.slaveInfo = { hairpin: checkBool(op, 'hairpin', raw.hairpin) };
        }
        if (raw.netns !== undefined) Object.assign(generic, await fds.netnsSpec(raw.netns as NetnsTarget));
        // A rename needs the index: the name would be read as the new one.
        const which = generic.name !== undefined ? { index: await this.resolve(op, 'link', ref, target) } : refSpec(ref);
        const requests: Array<Record<string, unknown>> = [];
        let kind: string | undefined;
        if (kindKeys.length > 0) {
          const current = await this.get(ref, { stats: false });
          kind = current.kind ?? undefined;
          if (raw.kind !== undefined && raw.kind !== kind) {
            throw invalid(op, 'kind', `${target} is a ${kind ?? 'link without a kind'}, not a ${String(raw.kind)}`, target);
          }
          const codec = kind === undefined ? undefined : kindCodec(kind);
          const refused = kindKeys.filter((key) => !codec?.setKeys.includes(key));
          if (!codec || refused.length > 0) {
            throw invalid(op, refused[0] ?? kindKeys[0], `${target} is a ${kind ?? 'link without a kind'}, which takes no option ${refused.join(', ')}`, target);
          }
          const infos = await codec.encodeSet(raw, fds, current);
          infos.forEach((info, i) => requests.push({ ...(i === 0 ? generic : {}), ...which, kind, info }));
        }
        if (requests.length === 0) requests.push({ ...generic, ...which });
        // In order, one at a time: a later change must not land after an earlier one failed.
        for (const request of requests) {
          await this.rq.request(op, request, target).catch((error: VnicError) => this.explainSet(error, ref, raw, kind));
        }
      } finally {
        await fds.close();
      }
    } catch (error) {
      throw withTarget(error, target);
    }
  }

  /** `ip link del`. */
  async del(ref: LinkRef): Promise<void> {
    const op = 'link.del';
    checkLinkRef(op, 'link', ref);
    await this.rq.request(op, refSpec(ref), String(ref)).catch((error: VnicError) => {
      throw error.errno === ENODEV ? error.with({ summary: `no link ${String(ref)}` }) : error;
    });
  }

  /**
   * Deletes many links in one kernel unregister batch: they are put in a
   * fresh link group and the group is deleted (one RTM_DELLINK), which costs
   * the kernel's ~20 ms wait once instead of once per link. Links outside the
   * set are never touched. Falls back to pipelined single deletes where the
   * kernel refuses group deletion. Missing links are reported, not an error.
   */
  async delMany(refs: LinkRef[]): Promise<{ deleted: LinkRef[]; missing: LinkRef[] }> {
    const op = 'link.delMany';
    if (!Array.isArray(refs)) throw invalid(op, 'links', 'expected an array of names or indexes');
    if (refs.length > MAX_DELMANY_LINKS) {
      throw tooMany(op, 'links', refs.length, MAX_DELMANY_LINKS, 'delMany', '', ' (the kernel holds its rtnl lock for the whole batch): split the set');
    }
    refs.forEach((ref, i) => checkLinkRef(op, `links[${i}]`, ref));
    if (refs.length === 0) return { deleted: [], missing: [] };
    const links = await this.rq.request<Link>('link.dump', { family: AF_PACKET, extMask: RTEXT_FILTER_SKIP_STATS });
    const exists = (ref: LinkRef) => links.some((l) => (typeof ref === 'number' ? l.index === ref : l.name === ref));
    // lo and physical devices have no kind and can't be deleted: refuse before changing anything.
    const fixed = links.filter((l) => l.kind === null && refs.some((ref) => ref === l.name || ref === l.index));
    if (fixed.length > 0) {
      throw new VnicError({ errno: EOPNOTSUPP, op, target: fixed[0].name, summary: `${fixed.map((l) => l.name).join(', ')} can't be deleted (not a virtual link)` });
    }
    const present = [...new Set(refs)].filter(exists);
    const missing = refs.filter((ref) => !exists(ref));
    const used = new Set(links.map((l) => l.group));
    let group: number;
    do group = randomInt(1, 0xffffffff); while (used.has(group));
    const grouped = await Promise.allSettled(present.map((ref) =>
      this.rq.request<never>('link.set', { ...refSpec(ref), group }, String(ref))));
    // A link that vanished between the dump and now is missing, not an error.
    const stillThere = present.filter((_, i) => grouped[i].status === 'fulfilled' ||
      (grouped[i] as PromiseRejectedResult).reason?.errno !== ENODEV);
    missing.push(...present.filter((ref) => !stillThere.includes(ref)));
    const refused = grouped.find((o): o is PromiseRejectedResult => o.status === 'rejected' && o.reason?.errno !== ENODEV);
    if (refused) {
      // Put back the groups already changed: a refusal leaves nothing altered.
      await Promise.all(present.map((ref, i) => grouped[i].status === 'fulfilled'
        ? this.rq.request('link.set', { ...refSpec(ref), group: links.find((l) => l.name === ref || l.index === ref)?.group ?? 0 })
          .catch(() => undefined)
        : undefined));
      throw refused.reason;
    }
    try {
      await this.rq.request('link.del', { group }, `group ${group}`);
    } catch {
      await Promise.all(stillThere.map((ref) => this.del(ref).catch((error: VnicError) => {
        if (error.errno !== ENODEV) throw error;
      })));
    }
    return { deleted: stillThere, missing };
  }

  /** `ip -d link show dev X`: the link, decoded; a VnicError ENODEV when there is none. */
  get(ref: LinkRef, options: LinkGetOptions = {}): Promise<Link> {
    const op = 'link.get';
    let spec: object;
    try {
      checkLinkRef(op, 'link', ref);
      const extMask = RTEXT_FILTER_VF | (options.stats === false ? RTEXT_FILTER_SKIP_STATS : 0);
      // nameLinks: the addon looks the parent and master up by index as the
      // reply arrives and names them in the link (linkName, masterName).
      spec = Object.assign(refSpec(ref), { extMask, nameLinks: true });
    } catch (error) {
      return Promise.reject(error);
    }
    // No async function between: 10 000 gets in flight stay cheap to hold and to collect.
    return this.rq.requestThen<Link, Link>(op, spec, String(ref), this.gotLink, noLink);
  }

  /** The reply to a get, finished (the addon has named its parent and master). */
  private readonly gotLink = (messages: Link[]): Link => this.finish(messages[0], undefined);

  /** Like get, but undefined when the link does not exist. */
  async find(ref: LinkRef, options: LinkGetOptions = {}): Promise<Link | undefined> {
    try {
      return await this.get(ref, options);
    } catch (error) {
      if (error instanceof VnicError && error.errno === ENODEV) return undefined;
      throw error;
    }
  }

  /** `ip -d link show`: every link of the namespace, optionally filtered. */
  async list(filter: LinkListFilter = {}): Promise<Link[]> {
    // The addon names each parent and master from the dump itself (nameLinks).
    const links = await this.rq.request<Link>('link.dump', { family: AF_PACKET, extMask: RTEXT_FILTER_VF, nameLinks: true }, undefined);
    const byRef = (ref: LinkRef | undefined): number | undefined => {
      if (ref === undefined || typeof ref === 'number') return ref;
      return links.find((link) => link.name === ref)?.index ?? -1;
    };
    const parent = byRef(filter.link);
    const master = byRef(filter.master);
    // One plain pass (a first list runs before the JIT has warmed up: 2000 links, few calls).
    const listed: Link[] = [];
    for (const link of links) {
      if ((filter.kind === undefined || link.kind === filter.kind) &&
          (parent === undefined || (link.link === parent && link.linkNetnsId === undefined)) &&
          (master === undefined || link.master === master) &&
          (filter.up === undefined || link.up === filter.up)) {
        listed.push(this.finish(link, undefined));
      }
    }
    return listed;
  }

  /** The ifindex of a link (a GETLINK by name; numbers pass through). */
  index(ref: LinkRef): Promise<number> {
    const op = 'link.index';
    try {
      if (typeof ref === 'number') return Promise.resolve(checkLinkRef(op, 'link', ref) as number);
      checkLinkRef(op, 'link', ref);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.rq.requestThen<Link, number>('link.get', { name: ref, extMask: RTEXT_FILTER_SKIP_STATS }, ref, indexOf, noLinkIndex);
  }

  /** index → name of every link here (one dump, without counters). */
  async names(): Promise<Map<number, string>> {
    const links = await this.rq.request<Link>('link.dump', { family: AF_PACKET, extMask: RTEXT_FILTER_SKIP_STATS });
    return new Map(links.map((link) => [link.index, link.name]));
  }

  private async resolve(op: string, field: string, ref: LinkRef, target: string): Promise<number> {
    checkLinkRef(op, field, ref);
    try {
      return await this.index(ref);
    } catch (error) {
      if (error instanceof VnicError && error.errno === ENODEV) {
        throw new VnicError({ errno: ENODEV, op, target, field, summary: `${field} ${String(ref)} does not exist` });
      }
      throw error;
    }
  }

  /** Adds names for the parent and master where they live here, and kind extras. */
  private finish(link: Link, names: Map<number, string> | undefined): Link {
    if (names) {
      if (link.link !== undefined && link.linkNetnsId === undefined) {
        const name = names.get(link.link);
        if (name !== undefined) link.linkName = name;
      }
      if (link.master !== undefined) {
        const name = names.get(link.master);
        if (name !== undefined) link.masterName = name;
      }
    }
    if (link.kind && decorated.has(link.kind)) kindCodec(link.kind)?.decorate?.(link);
    return link;
  }

  private async explain(error: VnicError, codec: ReturnType<typeof kindCodec>, op: 'link.add' | 'link.set',
                        target: string, options: Record<string, unknown>): Promise<never> {
    if (!codec?.explain) throw error;
    throw await codec.explain(error, {
      op, target, options,
      get: (ref) => this.find(ref, { stats: false }),
      list: () => this.list(),
    });
  }

  private async explainSet(error: VnicError, ref: LinkRef, options: Record<string, unknown>, kind: string | undefined): Promise<never> {
    if (error.errno === EOPNOTSUPP && options.hairpin !== undefined) {
      throw error.with({ hint: `hairpin is a bridge-port option: ${String(ref)} must be enslaved to a bridge first (master: 'br0')` });
    }
    if (error.errno === ENODEV) throw error.with({ summary: `no link ${String(ref)}` });
    const actualKind = kind ?? (await this.find(ref, { stats: false }).catch(() => undefined))?.kind ?? undefined;
    return this.explain(error, actualKind ? kindCodec(actualKind) : undefined, 'link.set', String(ref), options);
  }
}
