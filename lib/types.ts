// The shapes every link shares: what add/set take, what get/list return.
import type { NetnsTarget } from './netns';
import type { LinkRef } from './validate';
import type { BondInfo, BondSlaveInfo } from './kinds/bond';
import type { BridgeInfo, BridgePortInfo } from './kinds/bridge';
import type { IpvlanInfo } from './kinds/ipvlan';
import type { MacsecInfo } from './kinds/macsec';
import type { MacvlanInfo } from './kinds/macvlan';
import type { TunInfo } from './kinds/tun';
import type { VethInfo } from './kinds/veth';
import type { VlanInfo } from './kinds/vlan';
import type { VxcanInfo } from './kinds/vxcan';
import type { VxlanInfo } from './kinds/vxlan';

export type { LinkRef } from './validate';
export type { NetnsTarget } from './netns';

/** Options every kind takes on add (iproute2's names). */
export interface LinkAddCommon {
  /** The new link's name (1–15 bytes). */
  name: string;
  /** Its MAC address; the kernel picks a random one when omitted. */
  address?: string;
  mtu?: number;
  txqueuelen?: number;
  alias?: string;
  /** Bring it up in the same request. */
  up?: boolean;
  promisc?: boolean;
  allmulticast?: boolean;
  /** Enslave it to a bridge (or bond …) at creation. */
  master?: LinkRef;
  /** Create it directly in another namespace. */
  netns?: NetnsTarget;
  /** Its link group (IFLA_GROUP). */
  group?: number;
}

/** Changes `ip link set` makes; every one optional, applied in one request where the kernel allows. */
export interface LinkSetOptions {
  up?: boolean;
  promisc?: boolean;
  allmulticast?: boolean;
  mtu?: number;
  address?: string;
  /** Rename. */
  name?: string;
  alias?: string;
  txqueuelen?: number;
  group?: number;
  /** Move to another namespace. */
  netns?: NetnsTarget;
  /** Enslave to a bridge; null releases it (`nomaster`). */
  master?: LinkRef | null;
  /** Bridge port: reflect frames back out of the port they came in on (802.1Qbg hairpin, which VEPA needs). */
  hairpin?: boolean;
  /** The kind you expect the link to be; checked when kind options are given. */
  kind?: string;
}

export type OperState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';

/** rtnl_link_stats64; the last two exist on newer kernels only. */
export interface LinkStats {
  rxPackets: number; txPackets: number; rxBytes: number; txBytes: number;
  rxErrors: number; txErrors: number; rxDropped: number; txDropped: number;
  multicast: number; collisions: number;
  rxLengthErrors: number; rxOverErrors: number; rxCrcErrors: number; rxFrameErrors: number;
  rxFifoErrors: number; rxMissedErrors: number;
  txAbortedErrors: number; txCarrierErrors: number; txFifoErrors: number;
  txHeartbeatErrors: number; txWindowErrors: number;
  rxCompressed: number; txCompressed: number;
  rxNohandler?: number; rxOtherhostDropped?: number;
}

/**
 * The kind data vnic decodes (by `kind`); kinds without data (dummy, ifb,
 * vcan, team) have none, and kinds vnic does not know come back as raw attributes.
 */
export type LinkInfo =
  | MacvlanInfo | VethInfo | BridgeInfo | VxlanInfo | VlanInfo | IpvlanInfo | BondInfo | MacsecInfo | VxcanInfo
  | TunInfo | RawInfo;
export interface RawInfo {
  raw: Array<{ type: number; data: Buffer }>;
}

/** macvtap's character device. */
export interface TapDevice {
  /** /dev/tapN, N being the link's index. */
  path: string;
  /** Of /dev/tapN, when devtmpfs has the node. */
  major?: number;
  minor?: number;
}

/** A link as get / list return it. */
export interface Link {
  index: number;
  name: string;
  /** IFLA_INFO_KIND: 'macvlan', 'veth', 'bridge' …; null for physical devices and loopback. */
  kind: string | null;
  address?: string;
  broadcast?: string;
  permAddress?: string;
  /** ARPHRD_* (1: Ethernet, 772: loopback). */
  type: number;
  /** The raw IFF_* flags. */
  flags: number;
  up: boolean;
  lowerUp: boolean;
  promisc: boolean;
  allmulticast: boolean;
  noarp: boolean;
  operstate?: OperState | number;
  mtu?: number;
  minMtu?: number;
  maxMtu?: number;
  txqueuelen?: number;
  /** How many users asked for promiscuous mode. */
  promiscuity?: number;
  group?: number;
  qdisc?: string;
  carrier?: boolean;
  carrierChanges?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  /** The parent (IFLA_LINK): a macvlan's lower device, a veth's peer. */
  link?: number;
  /** The parent's name, when it lives in this namespace. */
  linkName?: string;
  /** Set when the parent lives in another namespace (its id as seen from here). */
  linkNetnsId?: number;
  /** In a 'moved' monitor event: the id, as seen from here, of the namespace the link went to. */
  newNetnsId?: number;
  master?: number;
  masterName?: string;
  alias?: string;
  info?: LinkInfo;
  /** 'bridge' for a bridge port, 'bond' for a bond's. */
  slaveKind?: string;
  slaveInfo?: BridgePortInfo | BondSlaveInfo | RawInfo;
  stats?: LinkStats;
  /** macvtap only. */
  tapDevice?: TapDevice;
}
