// bridge: a software switch. Its ports can hairpin (send a frame back out of
// the port it came in on), which is what a VEPA macvlan needs from its switch.
import { checkBool, checkInt } from '../validate';
import type { LinkAddCommon } from '../types';
import type { KindCodec } from './types';

/** Bridge options, in the kernel's units (times in centiseconds, as `ip` takes them). */
export interface BridgeOptions {
  stpState?: number;
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  priority?: number;
  vlanFiltering?: boolean;
  mcastSnooping?: boolean;
  vlanDefaultPvid?: number;
}

export interface BridgeAddOptions extends LinkAddCommon, BridgeOptions {
  kind: 'bridge';
}

export interface BridgeInfo extends BridgeOptions {
  rootPort?: number;
  rootPathCost?: number;
}

/** A bridge port's settings (IFLA_INFO_SLAVE_DATA of an enslaved link). */
export interface BridgePortInfo {
  state?: number;
  priority?: number;
  cost?: number;
  hairpin?: boolean;
  guard?: boolean;
  rootBlock?: boolean;
  fastleave?: boolean;
  learning?: boolean;
  flood?: boolean;
  proxyArp?: boolean;
  mcastFlood?: boolean;
  bcastFlood?: boolean;
  neighSuppress?: boolean;
  isolated?: boolean;
  portNo?: number;
}

const NUMBERS: Array<[keyof BridgeOptions, number, number]> = [
  ['stpState', 0, 1], ['forwardDelay', 0, 0xffffffff], ['helloTime', 0, 0xffffffff],
  ['maxAge', 0, 0xffffffff], ['ageingTime', 0, 0xffffffff], ['priority', 0, 0xffff],
  ['vlanDefaultPvid', 0, 4094],
];
const BOOLEANS: Array<keyof BridgeOptions> = ['vlanFiltering', 'mcastSnooping'];

function encode(op: string, options: Record<string, unknown>): Record<string, unknown> {
  const info: Record<string, unknown> = {};
  for (const [key, min, max] of NUMBERS) {
    if (options[key] !== undefined) info[key] = checkInt(op, key, options[key], min, max);
  }
  for (const key of BOOLEANS) {
    if (options[key] !== undefined) info[key] = checkBool(op, key, options[key]);
  }
  return info;
}

export const bridge: KindCodec = {
  kinds: ['bridge'],
  addKeys: [...NUMBERS.map(([key]) => key), ...BOOLEANS],
  setKeys: [...NUMBERS.map(([key]) => key), ...BOOLEANS],
  needsParent: false,

  async encodeAdd(options, ctx) {
    return encode(ctx.op, options);
  },

  encodeSet(options, ctx) {
    const info = encode(ctx.op, options);
    return Object.keys(info).length > 0 ? [info] : [];
  },

  // A bridge built without these features answers a bare EOPNOTSUPP.
  async explain(error, ctx) {
    if (error.code !== 'EOPNOTSUPP') return error;
    const missing = [['vlanFiltering', 'CONFIG_BRIDGE_VLAN_FILTERING'], ['mcastSnooping', 'CONFIG_BRIDGE_IGMP_SNOOPING']]
      .filter(([key]) => ctx.options[key] !== undefined);
    if (missing.length === 0) return error;
    return error.with({ hint: `this kernel's bridge may lack ${missing.map(([key, config]) => `${key} (${config})`).join(' or ')}` });
  },
};
