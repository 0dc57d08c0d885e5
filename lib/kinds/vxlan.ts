// vxlan: Ethernet frames in UDP (RFC 7348), 2^24 segments where VLANs have
// 4096, so one L2 segment can stretch across routed networks.
import { invalid } from '../errors';
import type { LinkAddCommon, LinkRef } from '../types';
import { checkInt } from '../validate';
import { Check, bool, int, ip, link, pick, tableCodec } from './options';
import type { OptionTable } from './options';

/** A UDP source-port range (`srcport MIN MAX`). */
export interface PortRange {
  min: number;
  max: number;
}

/** vxlan options, named as `ip link add … type vxlan` names them. */
export interface VxlanOptions {
  /** The VNI, 0–16777215; required unless `external`. */
  id?: number;
  /** Source address of the tunnel (IPv4 or IPv6). */
  local?: string;
  /** The one peer unknown and broadcast frames go to (`remote`). */
  remote?: string;
  /**
   * The multicast group unknown and broadcast frames go to: iproute2's
   * `group` (that name is the link group here, as in `ip link add … group N`).
   * Needs `dev`.
   */
  multicastGroup?: string;
  /** The link the tunnel's packets leave through (`dev`). */
  dev?: LinkRef;
  /** UDP destination port; 4789 is IANA's (the kernel's default is 8472). */
  dstport?: number;
  /** UDP source-port range. */
  srcport?: PortRange;
  /** Outer TTL; 0: auto. */
  ttl?: number;
  /** Outer TOS; 1: inherit from the inner packet. */
  tos?: number;
  /** Learn remote MACs from received frames (default true, as with ip; false with `external`). */
  learning?: boolean;
  /** ARP / ND proxy. */
  proxy?: boolean;
  /** Route short-circuit. */
  rsc?: boolean;
  /** Netlink notifications on FDB / neighbour misses. */
  l2miss?: boolean;
  l3miss?: boolean;
  /** UDP checksums over IPv4. */
  udpcsum?: boolean;
  /** Zero UDP checksums over IPv6, sending / accepting. */
  udp6zerocsumtx?: boolean;
  udp6zerocsumrx?: boolean;
  /** Remote checksum offload. */
  remcsumtx?: boolean;
  remcsumrx?: boolean;
  /** Metadata mode (lightweight tunnels): the VNI and peer come per packet. */
  external?: boolean;
  /** FDB entry lifetime in seconds; 0: never expire. */
  ageing?: number;
  /** Maximum FDB entries (`maxaddress`, IFLA_VXLAN_LIMIT); 0: unlimited. */
  maxaddress?: number;
}

export interface VxlanAddOptions extends LinkAddCommon, VxlanOptions {
  kind: 'vxlan';
}

/** What the kernel lets `ip link set … type vxlan` change. */
export type VxlanSetOptions = Pick<VxlanOptions, 'local' | 'remote' | 'multicastGroup' | 'ttl' | 'tos' | 'learning' | 'ageing'>;

/** What get / list report for a vxlan (addresses as text, `dev` as an index). */
export interface VxlanInfo extends Omit<VxlanOptions, 'dev'> {
  dev?: number;
}

const portRange: Check = (op, field, value) => {
  const range = value as Partial<PortRange> | null;
  if (typeof range !== 'object' || range === null) throw invalid(op, field, 'expected { min, max }');
  const min = checkInt(op, `${field}.min`, range.min, 0, 0xffff);
  const max = checkInt(op, `${field}.max`, range.max, 0, 0xffff);
  if (min > max) throw invalid(op, field, `min ${min} is above max ${max}`);
  return { min, max };
};

const OPTIONS: OptionTable = {
  id: int(0, 0xffffff),
  local: ip('unicast'),
  remote: ip('unicast'),
  multicastGroup: ip('multicast'),
  dev: link,
  dstport: int(0, 0xffff),
  srcport: portRange,
  ttl: int(0, 255),
  tos: int(0, 255),
  learning: bool,
  proxy: bool,
  rsc: bool,
  l2miss: bool,
  l3miss: bool,
  udpcsum: bool,
  udp6zerocsumtx: bool,
  udp6zerocsumrx: bool,
  remcsumtx: bool,
  remcsumrx: bool,
  external: bool,
  ageing: int(0, 0xffffffff),
  maxaddress: int(0, 0xffffffff),
};

const SET_OPTIONS = pick(OPTIONS, ['local', 'remote', 'multicastGroup', 'ttl', 'tos', 'learning', 'ageing']);

/** iproute2's rules between options, and its defaults on create. */
function adjust(info: Record<string, unknown>, op: string, phase: 'add' | 'set'): void {
  if (info.remote !== undefined && info.multicastGroup !== undefined) {
    throw invalid(op, 'multicastGroup', 'give remote or multicastGroup, not both');
  }
  const lengths = new Set(['local', 'remote', 'multicastGroup']
    .map((key) => (info[key] as Buffer | undefined)?.length).filter((n) => n !== undefined));
  if (lengths.size > 1) throw invalid(op, 'local', 'local and the remote end must both be IPv4 or both IPv6');
  if (phase === 'set') return;
  if (info.external === true && info.id !== undefined) throw invalid(op, 'id', 'a vxlan is either external or has an id, not both');
  if (info.external !== true && info.id === undefined) throw invalid(op, 'id', 'a vxlan needs its VNI, e.g. id: 42');
  if (info.multicastGroup !== undefined && info.dev === undefined) {
    throw invalid(op, 'dev', "a multicast group needs the link to join it on, e.g. dev: 'eth0'");
  }
  // ip sends learning on every create (off in external mode); so do we.
  info.learning ??= info.external !== true;
}

export const vxlan = tableCodec({ kinds: ['vxlan'], add: OPTIONS, set: SET_OPTIONS, needsParent: false, adjust });
