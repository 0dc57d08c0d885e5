// ipvlan and ipvtap: children of one parent that share its MAC address and
// are told apart by IP address — for switches that allow one MAC per port,
// parents that can't go promiscuous, or more children than the NIC has MAC
// filters. ipvtap adds a /dev/tapN character device for VMs.
import type { LinkAddCommon, LinkRef } from '../types';
import { oneOf, tableCodec } from './options';

export const IPVLAN_MODES = ['l2', 'l3', 'l3s'] as const;
/** l2: the parent switches frames; l3: it routes (no broadcast); l3s: l3 through netfilter. */
export type IpvlanMode = (typeof IPVLAN_MODES)[number];

export const IPVLAN_FLAGS = ['bridge', 'private', 'vepa'] as const;
/** bridge: siblings talk directly; private: never; vepa: only through the external switch. */
export type IpvlanFlag = (typeof IPVLAN_FLAGS)[number];

export interface IpvlanOptions {
  /** Omitted: the kernel's default, l3. */
  mode?: IpvlanMode;
  /** `ip link add … type ipvlan mode l3 private`: the FLAGS word (default bridge, sent on every create as ip does). */
  flags?: IpvlanFlag;
}

export interface IpvlanAddOptions extends LinkAddCommon, IpvlanOptions {
  kind: 'ipvlan';
  link: LinkRef;
}

export interface IpvtapAddOptions extends LinkAddCommon, IpvlanOptions {
  kind: 'ipvtap';
  link: LinkRef;
}

export type IpvlanSetOptions = IpvlanOptions;

export interface IpvlanInfo {
  mode?: IpvlanMode | number;
  flags?: IpvlanFlag | number;
}

const OPTIONS = { mode: oneOf(IPVLAN_MODES), flags: oneOf(IPVLAN_FLAGS) };

export const ipvlan = tableCodec({
  kinds: ['ipvlan', 'ipvtap'],
  add: OPTIONS,
  set: OPTIONS,
  needsParent: true,
  adjust(info, _op, phase) {
    if (phase === 'add') info.flags ??= 'bridge';
  },
});
