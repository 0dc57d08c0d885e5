// tun / tap: links whose other end is a file descriptor in a process — tun
// carries IP packets, tap Ethernet frames (a VM's NIC, a VPN's tunnel).
//
// The kernel creates them only through /dev/net/tun ioctls (TUNSETIFF,
// TUNSETOWNER, TUNSETGROUP, TUNSETPERSIST), never through RTM_NEWLINK, and
// iproute2 gives them their own command, `ip tuntap`. vnic follows it:
// handle.tuntap.add / set / del / list, not link.add, because
//  - creating one is not a netlink request (no pipelining, no echo), and it can
//    hand back the queue fds, which a Link has no place for;
//  - `group` means the owning gid here (`ip tuntap … group G`) but the link
//    group in link.add;
//  - a non-persistent device lives only as long as its fds.
// Once created it is a link like any other: link.get / list / set (mtu, up,
// master …) / del work on it, and its settings read back as kind 'tun'.
import { closeSync } from 'fs';
import { constants } from 'os';

import { VnicError, invalid } from '../errors';
import type { LinkApi } from '../link';
import { native } from '../native';
import type { NativeBinding } from '../native';
import { withNetnsFd } from '../netns';
import type { Link, LinkRef, LinkSetOptions, NetnsTarget } from '../types';
import { checkBool, checkInt, checkKnownKeys, checkLinkName, checkLinkRef, checkOneOf } from '../validate';
import type { KindCodec } from './types';

export const TUNTAP_MODES = ['tun', 'tap'] as const;
export type TuntapMode = (typeof TUNTAP_MODES)[number];

/** Link options applied right after creation (by link.set, before add resolves). */
export type TuntapLinkOptions = Pick<LinkSetOptions, 'address' | 'mtu' | 'txqueuelen' | 'alias' | 'up' | 'promisc' | 'allmulticast' | 'master'>;

/** `ip tuntap add dev NAME mode MODE [user U] [group G] [pi] [vnet_hdr] [multi_queue]`. */
export interface TuntapAddOptions extends TuntapLinkOptions {
  name: string;
  mode: TuntapMode;
  /** Owning uid: that user may attach without CAP_NET_ADMIN. */
  user?: number;
  /** Owning gid (`group`): its members may attach. */
  group?: number;
  /** Prepend the 4-byte packet information header (default false, as ip). */
  pi?: boolean;
  /** Prepend a virtio_net_hdr (`vnet_hdr`). */
  vnetHdr?: boolean;
  /** One fd per queue (`multi_queue`). */
  multiQueue?: boolean;
  /** Keep the device when its last fd closes (default true, as ip tuntap). */
  persist?: boolean;
  /** Hand the queue fds to the caller (default false: they are closed). */
  fds?: boolean;
  /** How many queue fds to open (default 1; above 1 needs multiQueue and fds). */
  queues?: number;
}

/** What `tuntap.set` changes, through a short attach to the device. */
export interface TuntapSetOptions {
  user?: number;
  group?: number;
  /** false: the device goes away when its last fd closes — at once, if no process holds one. */
  persist?: boolean;
}

/** A new tun / tap device and, when asked, its queue fds (blocking, close-on-exec; the caller closes them). */
export interface Tuntap {
  link: Link;
  fds: number[];
}

/** What get / list report for a tun / tap device (kind 'tun'). */
export interface TunInfo {
  type?: TuntapMode | number;
  user?: number;
  group?: number;
  pi?: boolean;
  vnetHdr?: boolean;
  persist?: boolean;
  multiQueue?: boolean;
  /** Attached queues (fds open on it). */
  numQueues?: number;
  numDisabledQueues?: number;
}

export interface TuntapListFilter {
  mode?: TuntapMode;
}

/** The addon's side: native/tun.cc. */
interface TunOpenSpec {
  name: string;
  tap: boolean;
  pi: boolean;
  vnetHdr: boolean;
  multiQueue: boolean;
  /** Create (fail if the name exists) rather than attach. */
  exclusive: boolean;
  queues: number;
  user?: number;
  group?: number;
  persist?: boolean;
  keepFds: boolean;
}
type TunBinding = NativeBinding & {
  tunOpen(nsFd: number, spec: TunOpenSpec): Promise<{ name: string; fds: number[] }>;
};

const { EBUSY, EEXIST, EPERM, ENOENT, EINVAL, EIO } = constants.errno;
/** The kernel's bound on queues (MAX_TAP_QUEUES). */
const MAX_QUEUES = 256;
/** (uid_t)-1 / (gid_t)-1 mean "none" to the kernel. */
const MAX_ID = 0xfffffffe;

const ADD_KEYS = ['name', 'mode', 'user', 'group', 'pi', 'vnetHdr', 'multiQueue', 'persist', 'fds', 'queues',
  'address', 'mtu', 'txqueuelen', 'alias', 'up', 'promisc', 'allmulticast', 'master'] as const;
const LINK_KEYS = ['address', 'mtu', 'txqueuelen', 'alias', 'up', 'promisc', 'allmulticast', 'master'] as const;

function tunError(error: unknown, op: string, target: string, adding: boolean): VnicError {
  const e = error as { errno?: number; step?: string; message?: string };
  const errno = e.errno ?? EIO;
  const step = e.step;
  if (adding && errno === EBUSY && step === 'TUNSETIFF') {
    return new VnicError({ errno: EEXIST, op, target, summary: `a link named ${target} already exists` });
  }
  let summary = e.message;
  if (errno === EPERM) summary = `${e.message} (needs CAP_NET_ADMIN, or to be the device's user / group)`;
  if (errno === ENOENT && step === 'open /dev/net/tun') summary = '/dev/net/tun is missing (no tun driver, or no device node)';
  if (!adding && errno === EBUSY) {
    summary = `${target} is held open by a process (a single-queue device takes one fd); close it there first`;
  }
  return new VnicError({ errno, op, target, summary, step });
}

/** Creates, changes and removes tun / tap devices in the handle's namespace. */
export class TuntapApi {
  constructor(private readonly links: LinkApi, private readonly netns: NetnsTarget | undefined) {}

  /** `ip tuntap add`: creates the device, applies the link options, and resolves with it (and its fds, if asked). */
  async add(options: TuntapAddOptions): Promise<Tuntap> {
    const op = 'tuntap.add';
    if (typeof options !== 'object' || options === null) throw invalid(op, 'options', 'expected an object');
    const name = checkLinkName(op, 'name', options.name);
    checkKnownKeys(op, options, ADD_KEYS);
    const mode = checkOneOf(op, 'mode', options.mode, TUNTAP_MODES);
    const flag = (key: 'pi' | 'vnetHdr' | 'multiQueue' | 'fds', fallback: boolean): boolean =>
      options[key] === undefined ? fallback : checkBool(op, key, options[key]);
    const spec: TunOpenSpec = {
      name, tap: mode === 'tap', pi: flag('pi', false), vnetHdr: flag('vnetHdr', false),
      multiQueue: flag('multiQueue', false), exclusive: true, queues: 1, keepFds: flag('fds', false),
      persist: options.persist === undefined ? true : checkBool(op, 'persist', options.persist),
    };
    if (options.user !== undefined) spec.user = checkInt(op, 'user', options.user, 0, MAX_ID);
    if (options.group !== undefined) spec.group = checkInt(op, 'group', options.group, 0, MAX_ID);
    if (options.queues !== undefined) {
      spec.queues = checkInt(op, 'queues', options.queues, 1, MAX_QUEUES);
      if (spec.queues > 1 && !spec.multiQueue) throw invalid(op, 'queues', 'more than one queue needs multiQueue: true', name);
      if (!spec.keepFds) throw invalid(op, 'queues', 'queues are fds: ask for them with fds: true', name);
    }
    if (!spec.persist && !spec.keepFds) {
      throw invalid(op, 'persist', 'a device that does not persist lives as long as its fds: ask for them with fds: true', name);
    }
    const linkOptions: LinkSetOptions = {};
    for (const key of LINK_KEYS) {
      if (options[key] !== undefined) Object.assign(linkOptions, { [key]: options[key] });
    }
    const opened = await this.open(op, name, spec, true);
    try {
      if (Object.keys(linkOptions).length > 0) await this.links.set(opened.name, linkOptions);
      return { link: await this.links.get(opened.name), fds: opened.fds };
    } catch (error) {
      // All or nothing: the device goes, and its fds with it.
      for (const fd of opened.fds) closeSync(fd);
      await this.links.del(opened.name).catch(() => undefined);
      throw error instanceof VnicError ? error.with({ op, target: name, step: error.op }) : error;
    }
  }

  /** Changes the owner, group or persistence of an existing device (it must not be held open, unless multi-queue). */
  async set(ref: LinkRef, options: TuntapSetOptions): Promise<void> {
    const op = 'tuntap.set';
    checkLinkRef(op, 'link', ref);
    if (typeof options !== 'object' || options === null) throw invalid(op, 'options', 'expected an object');
    checkKnownKeys(op, options, ['user', 'group', 'persist']);
    const current = await this.tunLink(op, ref);
    const info = (current.info ?? {}) as TunInfo;
    const spec: TunOpenSpec = {
      name: current.name, tap: info.type === 'tap', pi: info.pi ?? false, vnetHdr: info.vnetHdr ?? false,
      multiQueue: info.multiQueue ?? false, exclusive: false, queues: 1, keepFds: false,
    };
    if (options.user !== undefined) spec.user = checkInt(op, 'user', options.user, 0, MAX_ID);
    if (options.group !== undefined) spec.group = checkInt(op, 'group', options.group, 0, MAX_ID);
    if (options.persist !== undefined) spec.persist = checkBool(op, 'persist', options.persist);
    await this.open(op, current.name, spec, false);
  }

  /** `ip tuntap del`: removes the device (RTM_DELLINK, which works even while a process holds its fds). */
  async del(ref: LinkRef): Promise<void> {
    const op = 'tuntap.del';
    checkLinkRef(op, 'link', ref);
    const current = await this.tunLink(op, ref);
    await this.links.del(current.index);
  }

  /** `ip tuntap list`: the tun / tap devices here. */
  async list(filter: TuntapListFilter = {}): Promise<Link[]> {
    const links = await this.links.list({ kind: 'tun' });
    return filter.mode === undefined ? links : links.filter((l) => (l.info as TunInfo | undefined)?.type === filter.mode);
  }

  private async tunLink(op: string, ref: LinkRef): Promise<Link> {
    const link = await this.links.get(ref, { stats: false }).catch((error: VnicError) => {
      throw error.with({ op });
    });
    if (link.kind !== 'tun') {
      throw new VnicError({ errno: EINVAL, op, target: String(ref), summary: `${link.name} is a ${link.kind ?? 'link without a kind'}, not a tun / tap device` });
    }
    return link;
  }

  private async open(op: string, target: string, spec: TunOpenSpec, adding: boolean): Promise<{ name: string; fds: number[] }> {
    const binding = native() as TunBinding;
    const call = (fd: number) => binding.tunOpen(fd, spec);
    try {
      return await (this.netns === undefined ? call(-1) : withNetnsFd(op, this.netns, call));
    } catch (error) {
      throw error instanceof VnicError ? error : tunError(error, op, target, adding);
    }
  }
}

/** link.add refuses tun / tap and says where to go. */
export const tun: KindCodec = {
  kinds: ['tun', 'tap'],
  // Accepted here only so that the pointer below is what the caller sees.
  addKeys: ['mode', 'user', 'pi', 'vnetHdr', 'multiQueue', 'persist', 'fds', 'queues'],
  setKeys: [],
  needsParent: false,
  async encodeAdd(_options, ctx) {
    throw invalid(ctx.op, 'kind', "tun / tap devices are made through /dev/net/tun, not rtnetlink: use handle.tuntap.add({ name, mode: 'tap' })");
  },
  encodeSet() {
    return [];
  },
};
