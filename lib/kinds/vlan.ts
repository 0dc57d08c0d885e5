// vlan: an 802.1Q (or 802.1ad, "QinQ") tagged sub-interface of its parent,
// to split one wire into separate broadcast domains.
import { invalid } from '../errors';
import type { LinkAddCommon, LinkRef } from '../types';
import { checkInt } from '../validate';
import { Check, bool, int, oneOf, pick, tableCodec } from './options';
import type { OptionTable } from './options';

export const VLAN_PROTOCOLS = ['802.1Q', '802.1ad'] as const;
export type VlanProtocol = (typeof VLAN_PROTOCOLS)[number];

/** One `FROM:TO` entry of `ingress-qos-map` / `egress-qos-map`. */
export interface VlanQosMapping {
  from: number;
  to: number;
}

/** vlan options, named as `ip link add … type vlan` names them. */
export interface VlanOptions {
  /** The VLAN id, 0–4094. */
  id?: number;
  /** Tag protocol (default 802.1Q). */
  protocol?: VlanProtocol;
  /** Present received frames untagged (`reorder_hdr`, on by default). */
  reorderHdr?: boolean;
  /** Register the VLAN with GVRP / MVRP. */
  gvrp?: boolean;
  mvrp?: boolean;
  /** Operational state independent of the parent's (`loose_binding`). */
  looseBinding?: boolean;
  /** Operational state from the bridge ports in this VLAN (`bridge_binding`). */
  bridgeBinding?: boolean;
  /** 802.1p priority (0–7) of received frames → skb priority. */
  ingressQosMap?: VlanQosMapping[];
  /** skb priority → 802.1p priority (0–7) of sent frames. */
  egressQosMap?: VlanQosMapping[];
}

export interface VlanAddOptions extends LinkAddCommon, VlanOptions {
  kind: 'vlan';
  /** The parent link. */
  link: LinkRef;
  id: number;
}

/** What the kernel lets `ip link set … type vlan` change: the flags and the maps. */
export type VlanSetOptions = Omit<VlanOptions, 'id' | 'protocol'>;

export type VlanInfo = VlanOptions;

/** A request's bound on map entries (the kernel keeps 8 ingress entries). */
const MAX_QOS_MAPPINGS = 64;

const qosMap = (fromMax: number, toMax: number): Check => (op, field, value) => {
  if (!Array.isArray(value) || value.length > MAX_QOS_MAPPINGS) {
    throw invalid(op, field, `expected an array of at most ${MAX_QOS_MAPPINGS} { from, to } entries`);
  }
  return value.map((entry: Partial<VlanQosMapping> | null, i) => {
    if (typeof entry !== 'object' || entry === null) throw invalid(op, `${field}[${i}]`, 'expected { from, to }');
    return { from: checkInt(op, `${field}[${i}].from`, entry.from, 0, fromMax), to: checkInt(op, `${field}[${i}].to`, entry.to, 0, toMax) };
  });
};

const OPTIONS: OptionTable = {
  id: int(0, 4094),
  protocol: oneOf(VLAN_PROTOCOLS),
  reorderHdr: bool,
  gvrp: bool,
  mvrp: bool,
  looseBinding: bool,
  bridgeBinding: bool,
  ingressQosMap: qosMap(7, 0xffffffff),
  egressQosMap: qosMap(0xffffffff, 7),
};

export const vlan = tableCodec({
  kinds: ['vlan'],
  add: OPTIONS,
  set: pick(OPTIONS, ['reorderHdr', 'gvrp', 'mvrp', 'looseBinding', 'bridgeBinding', 'ingressQosMap', 'egressQosMap']),
  needsParent: true,
  adjust(info, op, phase) {
    if (phase === 'add' && info.id === undefined) throw invalid(op, 'id', 'a vlan needs its id, e.g. id: 10');
  },
});
