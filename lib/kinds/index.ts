// Every kind vnic knows, by IFLA_INFO_KIND. A new kind is one file here and
// one in native/kinds/, plus a line below.
import { bridge } from './bridge';
import { macvlan } from './macvlan';
import type { KindCodec } from './types';
import { veth } from './veth';

const codecs: KindCodec[] = [macvlan, veth, bridge];

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
