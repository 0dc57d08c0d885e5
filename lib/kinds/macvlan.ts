// macvlan and macvtap: one NIC split into many, each with its own MAC.
// The modes decide whether siblings on the same parent reach each other:
//   private  – never;   vepa – only through an external switch that hairpins;
//   bridge   – directly; passthru – one child only, owning the parent;
//   source   – frames accepted only from the listed source MACs.
import * as fs from 'fs';

import { VnicError, invalid } from '../errors';
import { MAX_SOURCE_MACS } from '../limits';
import { checkBool, checkInt, checkOneOf, checkUnicastMac } from '../validate';
import type { LinkAddCommon, LinkRef } from '../types';
import type { ExplainContext, KindCodec } from './types';

export const MACVLAN_MODES = ['private', 'vepa', 'bridge', 'passthru', 'source'] as const;
export type MacvlanMode = (typeof MACVLAN_MODES)[number];

/** Options macvlan and macvtap share on add. */
export interface MacvlanOptions {
  /** Omitted: the kernel's default, vepa (as with `ip`). Docker and CNI default to bridge. */
  mode?: MacvlanMode;
  /** passthru: don't put the parent in promiscuous mode. */
  nopromisc?: boolean;
  /** Don't deliver frames to other macvlans by destination (IFLA_MACVLAN_FLAGS NODST). */
  nodst?: boolean;
  /** source mode: the MACs whose frames this link receives. */
  macaddr?: string[];
  /** Broadcast/multicast queue length (Linux 5.11+). */
  bcqueuelen?: number;
  /** Broadcast cutoff (IFLA_MACVLAN_BC_CUTOFF, Linux 6.4+): -1 disables broadcast queueing. */
  bclim?: number;
}

export interface MacvlanAddOptions extends LinkAddCommon, MacvlanOptions {
  kind: 'macvlan';
  /** The parent ("physical") link. */
  link: LinkRef;
}

export interface MacvtapAddOptions extends LinkAddCommon, MacvlanOptions {
  kind: 'macvtap';
  link: LinkRef;
}

/** Changes to the source-mode MAC list (`ip link set … type macvlan macaddr …`). */
export interface MacaddrChange {
  add?: string | string[];
  del?: string | string[];
  set?: string[];
  flush?: boolean;
}

export interface MacvlanSetOptions {
  mode?: MacvlanMode;
  nopromisc?: boolean;
  nodst?: boolean;
  bcqueuelen?: number;
  bclim?: number;
  macaddr?: MacaddrChange;
}

/** What get / list report for a macvlan or macvtap. */
export interface MacvlanInfo {
  mode?: MacvlanMode | number;
  nopromisc?: boolean;
  nodst?: boolean;
  macaddr?: string[];
  macaddrCount?: number;
  bcqueuelen?: number;
  bcqueuelenUsed?: number;
  bclim?: number;
}

/** A bound on the source list (lib/limits.ts says why). */
export { MAX_SOURCE_MACS };

function macList(op: string, field: string, value: unknown): Buffer[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) throw invalid(op, field, 'must be a MAC address or an array of them');
  if (list.length > MAX_SOURCE_MACS) {
    throw invalid(op, field, `${list.length} addresses; a source list holds at most ${MAX_SOURCE_MACS} (the kernel's replies cut longer ones)`);
  }
  return list.map((mac, i) => checkUnicastMac(op, `${field}[${i}]`, mac));
}

function plainOptions(op: string, options: Record<string, unknown>): Record<string, unknown> {
  const info: Record<string, unknown> = {};
  if (options.mode !== undefined) info.mode = checkOneOf(op, 'mode', options.mode, MACVLAN_MODES);
  for (const flag of ['nopromisc', 'nodst'] as const) {
    if (options[flag] !== undefined) info[flag] = checkBool(op, flag, options[flag]);
  }
  if (options.bcqueuelen !== undefined) info.bcqueuelen = checkInt(op, 'bcqueuelen', options.bcqueuelen, 0, 0xffffffff);
  if (options.bclim !== undefined) info.bclim = checkInt(op, 'bclim', options.bclim, -2147483648, 2147483647);
  return info;
}

const explainers: Array<(error: VnicError, ctx: ExplainContext, parent: ParentView | undefined) => string | undefined> = [
  // A MAC clash is only detected when the second link comes up.
  (error) => error.code === 'EADDRINUSE'
    ? 'another macvlan on the same parent already uses this MAC address; give each link its own'
    : undefined,
  (error, ctx, parent) => {
    if (error.code !== 'EINVAL' || !parent) return undefined;
    const mode = ctx.options.mode;
    const others = parent.children.filter((l) => l.name !== ctx.target);
    if (ctx.op === 'link.add' && mode === 'passthru' && others.length > 0) {
      return `mode passthru needs the parent to itself, but ${parent.name} already carries ${others.map((l) => l.name).join(', ')}`;
    }
    const passthru = others.find((l) => (l.info as MacvlanInfo | undefined)?.mode === 'passthru');
    if (ctx.op === 'link.add' && passthru) {
      return `${parent.name} already carries passthru macvlan ${passthru.name}, which must be alone on its parent`;
    }
    const mtu = ctx.options.mtu;
    if (typeof mtu === 'number' && parent.mtu !== undefined && mtu > parent.mtu) {
      return `mtu ${mtu} is above the parent ${parent.name}'s mtu ${parent.mtu}; a macvlan can't exceed its parent`;
    }
    return undefined;
  },
  (error, ctx, parent) => {
    if (error.code !== 'EINVAL' || ctx.op !== 'link.set') return undefined;
    const self = parent?.self;
    const current = (self?.info as MacvlanInfo | undefined)?.mode;
    if (ctx.options.macaddr !== undefined && current !== 'source' && ctx.options.mode !== 'source') {
      return `macaddr lists apply to mode source only; ${ctx.target} is in mode ${String(current ?? 'unknown')}`;
    }
    if (ctx.options.mode !== undefined && (ctx.options.mode === 'passthru' || current === 'passthru') && ctx.options.mode !== current) {
      return 'the mode of a macvlan can not change to or from passthru; delete and recreate it';
    }
    return undefined;
  },
  // Siblings moved into other namespaces are invisible from here: name the usual suspects.
  (error, ctx) => error.code === 'EINVAL' && ctx.op === 'link.add'
    ? 'the macvlan driver refused it: a passthru macvlan must be alone on its parent (siblings moved to other namespaces count too), and a parent with a passthru child takes no other'
    : undefined,
];

interface ParentView {
  name: string;
  mtu?: number;
  children: Array<{ name: string; info?: unknown }>;
  self?: { info?: unknown };
}

async function look(ctx: ExplainContext): Promise<ParentView | undefined> {
  const self = ctx.op === 'link.set' ? await ctx.get(ctx.target) : undefined;
  // A link moved into a container has its parent in another namespace: its
  // own mode is all we can see, and the index means nothing here.
  const unseen = { name: 'its parent', children: [], self };
  if (self?.linkNetnsId !== undefined) return unseen;
  const parentRef = (ctx.options.link as LinkRef | undefined) ?? self?.link;
  if (parentRef === undefined) return self ? unseen : undefined;
  const parent = await ctx.get(parentRef);
  if (!parent) return self ? unseen : undefined;
  const links = await ctx.list();
  const children = links.filter((l) => l.link === parent.index && l.linkNetnsId === undefined &&
    (l.kind === 'macvlan' || l.kind === 'macvtap'));
  return { name: parent.name, mtu: parent.mtu, children, self };
}

export const macvlan: KindCodec = {
  kinds: ['macvlan', 'macvtap'],
  addKeys: ['mode', 'nopromisc', 'nodst', 'macaddr', 'bcqueuelen', 'bclim'],
  setKeys: ['mode', 'nopromisc', 'nodst', 'macaddr', 'bcqueuelen', 'bclim'],
  needsParent: true,

  encodeAdd(options, ctx) {
    const info = plainOptions(ctx.op, options);
    if (info.nopromisc === true && info.mode !== 'passthru') {
      throw invalid(ctx.op, 'nopromisc', "applies to mode 'passthru' only (as with ip)");
    }
    if (options.macaddr !== undefined) {
      if (options.mode !== 'source') {
        throw invalid(ctx.op, 'macaddr', "a source MAC list needs mode: 'source'");
      }
      info.macaddrMode = 'set';
      info.macaddr = macList(ctx.op, 'macaddr', options.macaddr);
    }
    return info;
  },

  encodeSet(options, ctx, current) {
    const specs: object[] = [];
    const plain = plainOptions(ctx.op, options);
    const now = (current.info ?? {}) as MacvlanInfo;
    // nopromisc and nodst travel in one flags attribute that replaces both:
    // keep the one not being changed.
    if (plain.nopromisc !== undefined || plain.nodst !== undefined) {
      plain.nopromisc ??= now.nopromisc ?? false;
      plain.nodst ??= now.nodst ?? false;
      if (plain.nopromisc === true && (plain.mode ?? now.mode) !== 'passthru') {
        throw invalid(ctx.op, 'nopromisc', "applies to mode 'passthru' only (as with ip)");
      }
    }
    if (Object.keys(plain).length > 0) specs.push(plain);
    const change = options.macaddr as MacaddrChange | undefined;
    if (change !== undefined) {
      if (typeof change !== 'object' || change === null) {
        throw invalid(ctx.op, 'macaddr', 'expected { add | del | set | flush }');
      }
      // The kernel takes one list operation per request: flush, set, then each add and del.
      if (change.flush !== undefined && checkBool(ctx.op, 'macaddr.flush', change.flush)) specs.push({ macaddrMode: 'flush' });
      if (change.set !== undefined) specs.push({ macaddrMode: 'set', macaddr: macList(ctx.op, 'macaddr.set', change.set) });
      for (const mac of change.add === undefined ? [] : macList(ctx.op, 'macaddr.add', change.add)) {
        specs.push({ macaddrMode: 'add', macaddr: [mac] });
      }
      for (const mac of change.del === undefined ? [] : macList(ctx.op, 'macaddr.del', change.del)) {
        specs.push({ macaddrMode: 'del', macaddr: [mac] });
      }
      // What the link would hold at most afterwards: its list (or the new one) plus the additions.
      const adds = specs.filter((spec) => (spec as { macaddrMode?: string }).macaddrMode === 'add').length;
      if (adds > 0) {
        const base = change.set !== undefined ? change.set.length : change.flush === true ? 0 : now.macaddrCount ?? now.macaddr?.length ?? 0;
        if (base + adds > MAX_SOURCE_MACS) {
          throw invalid(ctx.op, 'macaddr.add', `${current.name} would hold up to ${base + adds} source MACs ` +
            `(${base} + ${adds}); at most ${MAX_SOURCE_MACS} (the kernel's replies cut longer lists)`);
        }
      }
    }
    return specs;
  },

  async explain(error, ctx) {
    if (!['EINVAL', 'EADDRINUSE'].includes(error.code)) return error;
    const parent = await look(ctx).catch(() => undefined);
    for (const explainer of explainers) {
      const hint = explainer(error, ctx, parent);
      if (hint) return error.with({ hint });
    }
    return error;
  },

  decorate(link) {
    if (link.kind !== 'macvtap') return;
    // The character device is named after the ifindex; devtmpfs shows it
    // whatever namespace the link lives in.
    const path = `/dev/tap${link.index}`;
    link.tapDevice = { path };
    try {
      const stat = fs.statSync(path, { bigint: true });
      if (!stat.isCharacterDevice()) return;
      const rdev = stat.rdev;
      const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
      const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
      link.tapDevice = { path, major, minor };
    } catch {
      // No /dev node (no devtmpfs, or not created yet): the path alone.
    }
  },
};
