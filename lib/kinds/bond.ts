// bond: several links aggregated into one, for failover (active-backup) or
// load sharing (balance-*, 802.3ad LACP). Ports join with `master: 'bond0'`
// (at their creation or through link.set); each then reports the bond's view
// of it as slaveKind 'bond' / slaveInfo.
import { invalid } from '../errors';
import type { LinkAddCommon, LinkRef } from '../types';
import { Check, bool, int, ipAddress, link, mac, oneOf, tableCodec } from './options';
import type { OptionTable } from './options';

export const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'] as const;
export type BondMode = (typeof BOND_MODES)[number];
export const BOND_XMIT_HASH_POLICIES = ['layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4', 'vlan+srcmac'] as const;
export type BondXmitHashPolicy = (typeof BOND_XMIT_HASH_POLICIES)[number];
export const BOND_ARP_VALIDATE = ['none', 'active', 'backup', 'all', 'filter', 'filter_active', 'filter_backup'] as const;
export type BondArpValidate = (typeof BOND_ARP_VALIDATE)[number];
export type BondArpAllTargets = 'any' | 'all';
export type BondPrimaryReselect = 'always' | 'better' | 'failure';
export type BondFailOverMac = 'none' | 'active' | 'follow';
export type BondLacpRate = 'slow' | 'fast';
export type BondAdSelect = 'stable' | 'bandwidth' | 'count';

/** bond options, named as `ip link add … type bond` names them (camelCase). Times in ms. */
export interface BondOptions {
  mode?: BondMode;
  /** The port to make active (active-backup, balance-tlb / alb). */
  activeSlave?: LinkRef;
  /** MII link monitoring interval; 0 disables it. */
  miimon?: number;
  updelay?: number;
  downdelay?: number;
  peerNotifyDelay?: number;
  useCarrier?: boolean;
  /** ARP monitoring interval; 0 disables it. */
  arpInterval?: number;
  /** IPv4 targets of the ARP monitor (at most 16). */
  arpIpTarget?: string[];
  arpValidate?: BondArpValidate;
  arpAllTargets?: BondArpAllTargets;
  /** The preferred port (active-backup, balance-tlb / alb). */
  primary?: LinkRef;
  primaryReselect?: BondPrimaryReselect;
  failOverMac?: BondFailOverMac;
  xmitHashPolicy?: BondXmitHashPolicy;
  resendIgmp?: number;
  /** Gratuitous ARPs / unsolicited NAs after a failover (`num_grat_arp`). */
  numGratArp?: number;
  allSlavesActive?: boolean;
  minLinks?: number;
  lpInterval?: number;
  packetsPerSlave?: number;
  /** 802.3ad LACPDU rate. */
  lacpRate?: BondLacpRate;
  /** 802.3ad aggregator selection. */
  adSelect?: BondAdSelect;
  adUserPortKey?: number;
  adActorSysPrio?: number;
  /** 802.3ad system MAC. */
  adActorSystem?: string;
  tlbDynamicLb?: boolean;
}

export interface BondAddOptions extends LinkAddCommon, BondOptions {
  kind: 'bond';
}

export type BondSetOptions = BondOptions;

/** What get / list report for a bond: links as indexes, and the 802.3ad state. */
export interface BondInfo extends Omit<BondOptions, 'activeSlave' | 'primary' | 'mode' | 'xmitHashPolicy'> {
  mode?: BondMode | number;
  xmitHashPolicy?: BondXmitHashPolicy | number;
  activeSlave?: number;
  primary?: number;
  adInfo?: { aggregator?: number; numPorts?: number; actorKey?: number; partnerKey?: number; partnerMac?: string };
}

/** A bond port's state (slaveInfo of a link whose slaveKind is 'bond'). */
export interface BondSlaveInfo {
  state?: 'active' | 'backup' | number;
  miiStatus?: 'up' | 'going_down' | 'down' | 'going_back' | number;
  linkFailureCount?: number;
  /** Its own MAC (the bond may have given it another). */
  permHwaddr?: string;
  queueId?: number;
  prio?: number;
  adAggregatorId?: number;
  adActorOperPortState?: number;
  adPartnerOperPortState?: number;
}

/** The kernel's limit (BOND_MAX_ARP_TARGETS). */
const MAX_ARP_TARGETS = 16;

const arpTargets: Check = (op, field, value) => {
  if (!Array.isArray(value) || value.length > MAX_ARP_TARGETS) {
    throw invalid(op, field, `expected an array of at most ${MAX_ARP_TARGETS} IPv4 addresses`);
  }
  return value.map((address, i) => ipAddress(op, `${field}[${i}]`, address, 'ipv4'));
};

const u32 = int(0, 0xffffffff);
const OPTIONS: OptionTable = {
  mode: oneOf(BOND_MODES),
  activeSlave: link,
  miimon: u32,
  updelay: u32,
  downdelay: u32,
  peerNotifyDelay: u32,
  useCarrier: bool,
  arpInterval: u32,
  arpIpTarget: arpTargets,
  arpValidate: oneOf(BOND_ARP_VALIDATE),
  arpAllTargets: oneOf(['any', 'all']),
  primary: link,
  primaryReselect: oneOf(['always', 'better', 'failure']),
  failOverMac: oneOf(['none', 'active', 'follow']),
  xmitHashPolicy: oneOf(BOND_XMIT_HASH_POLICIES),
  resendIgmp: int(0, 255),
  numGratArp: int(0, 255),
  allSlavesActive: bool,
  minLinks: u32,
  lpInterval: int(1, 0x7fffffff),
  packetsPerSlave: int(0, 65535),
  lacpRate: oneOf(['slow', 'fast']),
  adSelect: oneOf(['stable', 'bandwidth', 'count']),
  adUserPortKey: int(0, 1023),
  adActorSysPrio: int(1, 65535),
  adActorSystem: mac,
  tlbDynamicLb: bool,
};

export const bond = tableCodec({ kinds: ['bond'], add: OPTIONS, set: OPTIONS, needsParent: false });
