// Every kind vnic knows, by IFLA_INFO_KIND. A new kind is one file here and
// one in native/kinds/, plus a line in each list below.
import { bond } from './bond';
import type { BondAddOptions, BondSetOptions } from './bond';
import { bridge } from './bridge';
import type { BridgeAddOptions, BridgeOptions } from './bridge';
import { ipvlan } from './ipvlan';
import type { IpvlanAddOptions, IpvlanSetOptions, IpvtapAddOptions } from './ipvlan';
import { macsec } from './macsec';
import type { MacsecAddOptions, MacsecSetOptions } from './macsec';
import { macvlan } from './macvlan';
import type { MacvlanAddOptions, MacvlanSetOptions, MacvtapAddOptions } from './macvlan';
import { plain } from './plain';
import type { DummyAddOptions, IfbAddOptions, TeamAddOptions, VcanAddOptions } from './plain';
import { tun } from './tun';
import type { KindCodec } from './types';
import { veth } from './veth';
import type { VethAddOptions } from './veth';
import { vlan } from './vlan';
import type { VlanAddOptions, VlanSetOptions } from './vlan';
import { vxcan } from './vxcan';
import type { VxcanAddOptions } from './vxcan';
import { vxlan } from './vxlan';
import type { VxlanAddOptions, VxlanSetOptions } from './vxlan';

const codecs: KindCodec[] = [macvlan, veth, bridge, vxlan, vlan, ipvlan, bond, macsec, vxcan, plain, tun];

/** What link.add takes: one shape per kind, told apart by `kind`. */
export type KindAddOptions =
  | MacvlanAddOptions | MacvtapAddOptions | VethAddOptions | BridgeAddOptions | VxlanAddOptions | VlanAddOptions
  | IpvlanAddOptions | IpvtapAddOptions | BondAddOptions | MacsecAddOptions | VxcanAddOptions
  | DummyAddOptions | IfbAddOptions | VcanAddOptions | TeamAddOptions;

/** Every key of a union of object types. */
type KeysOf<T> = T extends unknown ? keyof T : never;
/**
 * One object type with every option of every kind, each optional and typed as
 * the union of what the kinds take under that name (`mode` is a macvlan,
 * ipvlan or bond mode): set() learns the link's kind from the kernel.
 */
type Merged<T> = { [K in KeysOf<T>]?: T extends unknown ? (K extends keyof T ? T[K] : never) : never };

/** The kind options link.set takes. */
export type KindSetOptions = Merged<
  MacvlanSetOptions | BridgeOptions | VxlanSetOptions | VlanSetOptions | IpvlanSetOptions | BondSetOptions | MacsecSetOptions
>;

const byKind = new Map<string, KindCodec>(codecs.flatMap((codec) => codec.kinds.map((kind) => [kind, codec] as const)));

export function kindCodec(kind: string): KindCodec | undefined {
  return byKind.get(kind);
}

export function knownKinds(): string[] {
  return [...byKind.keys()];
}

/** Every kind-specific option name a set() may carry. */
export const kindSetKeys: readonly string[] = [...new Set(codecs.flatMap((codec) => codec.setKeys))];

export type { KindCodec, KindContext, ExplainContext } from './types';
