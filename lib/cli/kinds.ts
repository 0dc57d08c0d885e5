// The keywords each link kind takes after `type KIND`, with iproute2's
// spelling, and how its kind data reads in `ip -d -j` (linkinfo.info_data).
// A kind the library knows and this table does not still works, without
// kind keywords; giving it its keywords is one entry in KINDS.
import {
  BOND_ARP_VALIDATE, BOND_MODES, BOND_XMIT_HASH_POLICIES, IPVLAN_MODES, MACSEC_CIPHERS, MACSEC_VALIDATE, MACVLAN_MODES,
  VLAN_PROTOCOLS,
} from '../index';
import type { BridgeInfo, BridgePortInfo, MacvlanInfo, VlanInfo, VxlanInfo } from '../index';
import { knownKinds } from '../kinds';
import {
  Keyword, KeywordTable, Options, UsageError, Words, bareWord, describeKeywords, flag, integer, netnsTarget, oneOf, onOff,
  parseInteger, parseKeywords, text, zeroOne,
} from './grammar';

type Data = Record<string, unknown>;

export interface KindSyntax {
  /** The `type` words it serves. */
  readonly types: readonly string[];
  /** Keywords after `type X` in `link add`. */
  readonly add: KeywordTable;
  /** Keywords after `type X` in `link set`. */
  readonly set: KeywordTable;
  /** False for port settings (bridge_slave): `type` then names no kind for link.set to check. */
  readonly isKind: boolean;
  /** Set when `link add` can't make it: where to go instead. */
  readonly madeBy?: string;
  /** linkinfo.info_data as `ip -d -j` prints it for a link of this kind. */
  infoData?(info: object): Data | undefined;
  /** linkinfo.info_slave_data for a port whose master is of this kind. */
  slaveData?(info: object): Data;
}

const U32 = 0xffffffff;
const MAC_LIKE = /^[0-9a-f]{1,2}(:[0-9a-f]{1,2}){5}$/i;

/** MACs following `macaddr set`, as many as look like one (ip stops at the first word that does not). */
function macList(words: Words): string[] {
  const macs: string[] = [];
  while (MAC_LIKE.test(words.peek() ?? '')) macs.push(words.take() as string);
  return macs;
}

/** `macaddr add MAC | set MAC…` at creation: the source list. */
const macaddrOnAdd: Keyword = {
  words: ['macaddr'], arg: '{ add MAC | set [ MAC … ] }',
  apply(options, words, keyword) {
    const op = words.arg(keyword, 'add MAC | set MAC…');
    const list = (options.macaddr as string[] | undefined) ?? [];
    if (op === 'add') list.push(words.arg('macaddr add', 'MAC'));
    else if (op === 'set') list.push(...macList(words));
    else throw new UsageError(`"macaddr" at creation takes add or set, not "${op}"`);
    options.macaddr = list;
  },
};

/** `macaddr { add MAC | del MAC | set [ MAC … ] | flush }` on a source-mode link. */
const macaddrOnSet: Keyword = {
  words: ['macaddr'], arg: '{ add MAC | del MAC | set [ MAC … ] | flush }',
  apply(options, words, keyword) {
    const op = words.arg(keyword, 'add | del | set | flush');
    const change = (options.macaddr as Record<string, unknown> | undefined) ?? {};
    const push = (key: string, macs: string[]) => { change[key] = [...((change[key] as string[]) ?? []), ...macs]; };
    if (op === 'add' || op === 'del') push(op, [words.arg(`macaddr ${op}`, 'MAC')]);
    else if (op === 'set') push('set', macList(words));
    else if (op === 'flush') change.flush = true;
    else throw new UsageError(`"macaddr" takes add, del, set or flush, not "${op}"`);
    options.macaddr = change;
  },
};

/** ip's `flag { nopromisc | nodst | null }`; null clears both. */
const macvlanFlag: Keyword = {
  words: ['flag'], arg: '{ nopromisc | nodst | null }',
  apply(options, words, keyword) {
    const value = words.arg(keyword, 'nopromisc | nodst | null');
    if (value === 'nopromisc' || value === 'nodst') options[value] = true;
    else if (value === 'null') Object.assign(options, { nopromisc: false, nodst: false });
    else throw new UsageError(`"flag" takes nopromisc, nodst or null, not "${value}"`);
  },
};

const MACVLAN: KeywordTable = [
  oneOf('mode', 'mode', MACVLAN_MODES), flag('nopromisc', 'nopromisc'), flag('nodst', 'nodst'), macvlanFlag,
  integer('bcqueuelen', 'bcqueuelen', 'LEN', 0, U32), integer('bclim', 'bclim', 'N', -0x80000000, 0x7fffffff),
];

function macvlanData(info: object): Data {
  const m = info as MacvlanInfo;
  const data: Data = { mode: m.mode };
  if (m.nopromisc) data.nopromisc = true;
  if (m.nodst) data.nodst = true;
  if (m.bcqueuelen !== undefined) data.bcqueuelen = m.bcqueuelen;
  if (m.bcqueuelenUsed !== undefined) data.usedbcqueuelen = m.bcqueuelenUsed;
  if (m.bclim !== undefined) data.bclim = m.bclim;
  // The kernel reports the source list in source mode only.
  if (m.mode === 'source') Object.assign(data, { macaddr_count: m.macaddrCount ?? 0, macaddr_data: m.macaddr ?? [] });
  return data;
}

/** `peer [ name ] NAME [ address LLADDR ] [ mtu MTU ] [ netns NS ]`: the rest of the line describes the peer. */
const vethPeer: Keyword = {
  words: ['peer'], arg: '[ name ] NAME [ address LLADDR ] [ mtu MTU ] [ netns { NAME | PID } ]',
  apply(options, words) {
    const peer: Options = {};
    const table = [text(['name', 'dev'], 'name', 'NAME'), text('address', 'address', 'LLADDR'),
      integer('mtu', 'mtu', 'MTU', 0, U32), netnsTarget('netns', 'netns')];
    const inner = new Words(words.rest(), `${words.context} peer`);
    parseKeywords(inner, peer, [table], bareWord(peer, 'name'));
    if (peer.name === undefined) throw new UsageError('"peer" needs a name: peer name NAME');
    options.peer = peer;
  },
};

// The bridge's options, with ip's spelling (times in centiseconds).
const BRIDGE: KeywordTable = [
  integer('forward_delay', 'forwardDelay', 'CENTISECONDS', 0, U32), integer('hello_time', 'helloTime', 'CENTISECONDS', 0, U32),
  integer('max_age', 'maxAge', 'CENTISECONDS', 0, U32), integer('ageing_time', 'ageingTime', 'CENTISECONDS', 0, U32),
  integer('stp_state', 'stpState', '{ 0 | 1 }', 0, 1), integer('priority', 'priority', 'PRIORITY', 0, 0xffff),
  zeroOne('vlan_filtering', 'vlanFiltering'), zeroOne('mcast_snooping', 'mcastSnooping'),
  integer('vlan_default_pvid', 'vlanDefaultPvid', 'VID', 0, 4094),
];

/** Option name → ip's key, with booleans as ip prints them for bridges (0 / 1). */
function bridgeData(info: object): Data {
  const data: Data = {};
  for (const [key, value] of Object.entries(info as BridgeInfo)) {
    data[snakeCase(key)] = typeof value === 'boolean' ? Number(value) : value;
  }
  return data;
}

const PORT_STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

function bridgePortData(info: object): Data {
  const data: Data = {};
  for (const [key, value] of Object.entries(info as BridgePortInfo)) {
    if (key === 'state') data.state = PORT_STATES[value as number] ?? value;
    else if (key === 'portNo') data.no = `0x${(value as number).toString(16)}`;
    else data[snakeCase(key)] = value;
  }
  return data;
}

/** How a field's argument reads: a number, a word, a switch, one of a list. */
type FieldType = 'int' | 'text' | 'on/off' | '0/1' | 'flag' | '[no]flag' | 'list' | readonly string[];

/** "active_slave" → "activeSlave": ip's keyword → the library's option. */
function camelCase(word: string): string {
  return word.replace(/[_-]([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `word A,B,C` → ['A', 'B', 'C'] (bond's arp_ip_target). */
function commaList(word: string, option: string): Keyword {
  return { words: [word], arg: 'A,B,…', apply: (options, words, keyword) => { options[option] = words.arg(keyword, 'A,B,…').split(','); } };
}

/** Keywords spelled as ip spells them, each storing the library's camelCase option; U32 bounds integers (the library knows the real ones). */
function fields(spec: Record<string, FieldType>): Keyword[] {
  return Object.entries(spec).flatMap(([word, type]): Keyword[] => {
    const option = camelCase(word);
    if (Array.isArray(type)) return [oneOf(word, option, type)];
    switch (type) {
      case 'int': return [integer(word, option, 'NUMBER', 0, U32)];
      case 'text': return [text(word, option, word.toUpperCase())];
      case 'on/off': return [onOff(word, option)];
      case '0/1': return [zeroOne(word, option)];
      case 'flag': return [flag(word, option)];
      case '[no]flag': return [negatable(word, option)];
      default: return [commaList(word, option)];
    }
  });
}

/** `word` → true, `noword` → false. */
function negatable(word: string, option: string): Keyword {
  return { words: [word, `no${word}`], help: `[no]${word}`, apply: (options, _words, keyword) => { options[option] = keyword === word; } };
}

/** `srcport MIN MAX` → { min, max }. */
const srcport: Keyword = {
  words: ['srcport'], arg: 'MIN MAX',
  apply(options, words, keyword) {
    const min = parseInteger(keyword, words.arg(keyword, 'MIN MAX'), 0, 0xffff);
    options.srcport = { min, max: parseInteger(keyword, words.arg(keyword, 'MIN MAX'), 0, 0xffff) };
  },
};

const VXLAN: KeywordTable = [
  ...fields({
    id: 'int', remote: 'text', local: 'text', dev: 'text', dstport: 'int', ttl: 'int', tos: 'int', ageing: 'int',
    maxaddress: 'int', learning: '[no]flag', proxy: '[no]flag', rsc: '[no]flag', l2miss: '[no]flag', l3miss: '[no]flag',
    udpcsum: '[no]flag', udp6zerocsumtx: '[no]flag', udp6zerocsumrx: '[no]flag', remcsumtx: '[no]flag',
    remcsumrx: '[no]flag', external: '[no]flag',
  }),
  // ip's `group` is the multicast group here (the link group elsewhere).
  text('group', 'multicastGroup', 'ADDRESS'), srcport,
];

/** `ingress-qos-map FROM:TO …`: as many mappings as follow. */
function qosMap(word: string, option: string): Keyword {
  return {
    words: [word], arg: 'FROM:TO …',
    apply(options, words, keyword) {
      const map: Array<{ from: number; to: number }> = [];
      while (/^\d+:\d+$/.test(words.peek() ?? '')) {
        const [from, to] = (words.take() as string).split(':').map(Number);
        map.push({ from, to });
      }
      if (map.length === 0) throw new UsageError(`"${keyword}" needs FROM:TO mappings`);
      options[option] = map;
    },
  };
}

/** vxlan as ip -d -j names its fields: the UDP ports as port and port_range. */
function vxlanData(info: object): Data {
  const { dstport, srcport, multicastGroup, ...rest } = info as VxlanInfo;
  const data = genericData(rest) ?? {};
  return dropUndefined({
    ...data, group: multicastGroup, port: dstport,
    port_range: srcport && { low: srcport.min, high: srcport.max },
  });
}

function dropUndefined(data: Data): Data {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
}

const VLAN: KeywordTable = [
  ...fields({
    id: 'int', protocol: VLAN_PROTOCOLS, reorder_hdr: 'on/off', gvrp: 'on/off', mvrp: 'on/off', loose_binding: 'on/off',
    bridge_binding: 'on/off',
  }),
  qosMap('ingress-qos-map', 'ingressQosMap'), qosMap('egress-qos-map', 'egressQosMap'),
];

/** vlan's switches as ip -d -j lists them. */
function vlanData(info: object): Data {
  const { protocol, id, ingressQosMap, egressQosMap, ...switches } = info as VlanInfo;
  const flags = Object.entries(switches).filter(([, on]) => on === true).map(([key]) => snakeCase(key).toUpperCase());
  return { protocol, id, flags, ingress_qos: ingressQosMap, egress_qos: egressQosMap };
}

// ipvlan: `mode { l2 | l3 | l3s } [ bridge | private | vepa ]`.
const IPVLAN: KeywordTable = [oneOf('mode', 'mode', IPVLAN_MODES), ...['bridge', 'private', 'vepa'].map((word) => flag(word, 'flags', word))];

const BOND: KeywordTable = fields({
  mode: BOND_MODES, active_slave: 'text', miimon: 'int', updelay: 'int', downdelay: 'int', peer_notify_delay: 'int',
  use_carrier: '0/1', arp_interval: 'int', arp_ip_target: 'list', arp_validate: BOND_ARP_VALIDATE,
  arp_all_targets: ['any', 'all'], primary: 'text', primary_reselect: ['always', 'better', 'failure'],
  fail_over_mac: ['none', 'active', 'follow'], xmit_hash_policy: BOND_XMIT_HASH_POLICIES, resend_igmp: 'int',
  num_grat_arp: 'int', all_slaves_active: '0/1', min_links: 'int', lp_interval: 'int', packets_per_slave: 'int',
  lacp_rate: ['slow', 'fast'], ad_select: ['stable', 'bandwidth', 'count'], ad_user_port_key: 'int',
  ad_actor_sys_prio: 'int', ad_actor_system: 'text', tlb_dynamic_lb: '0/1',
});

const MACSEC: KeywordTable = fields({
  port: 'int', sci: 'text', cipher: MACSEC_CIPHERS, icvlen: 'int', encrypt: 'on/off', send_sci: 'on/off',
  end_station: 'on/off', scb: 'on/off', protect: 'on/off', replay: 'on/off', window: 'int', validate: MACSEC_VALIDATE,
  encodingsa: 'int',
});

/** Every kind with keywords. One entry per kind (or family of kinds); kinds without options (dummy, ifb, vcan, team) need none. */
export const KINDS: readonly KindSyntax[] = [
  { types: ['macvlan', 'macvtap'], add: [...MACVLAN, macaddrOnAdd], set: [...MACVLAN, macaddrOnSet], isKind: true, infoData: macvlanData },
  { types: ['veth', 'vxcan'], add: [vethPeer], set: [], isKind: true, infoData: () => undefined },
  { types: ['bridge'], add: BRIDGE, set: BRIDGE, isKind: true, infoData: bridgeData, slaveData: bridgePortData },
  { types: ['bridge_slave'], add: [], set: [onOff('hairpin', 'hairpin')], isKind: false },
  { types: ['vxlan'], add: VXLAN, set: VXLAN, isKind: true, infoData: vxlanData },
  { types: ['vlan'], add: VLAN, set: VLAN, isKind: true, infoData: vlanData },
  { types: ['ipvlan', 'ipvtap'], add: IPVLAN, set: IPVLAN, isKind: true },
  { types: ['bond'], add: BOND, set: BOND, isKind: true },
  { types: ['macsec'], add: MACSEC, set: MACSEC, isKind: true },
  { types: ['tun', 'tap'], add: [], set: [], isKind: true, madeBy: 'vnic tuntap add [ dev ] NAME mode { tun | tap }' },
];

/** Options that name another link: the batch orders a line after the lines that change those links. */
export const LINK_OPTIONS = ['link', 'master', 'dev', 'activeSlave', 'primary'] as const;

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Kind data of a kind without an entry: its fields under ip-style names. */
function genericData(info: object): Data | undefined {
  if ('raw' in info) return undefined;
  return Object.fromEntries(Object.entries(info).map(([key, value]) => [snakeCase(key), value]));
}

/** The syntax of `type X`: its entry, or no keywords for a kind without one (the library judges the kind). */
export function kindSyntax(type: string): KindSyntax {
  return KINDS.find((k) => k.types.includes(type)) ?? { types: [type], add: [], set: [], isKind: true, infoData: genericData };
}

/** linkinfo.info_data for a link's kind data. */
export function infoData(kind: string, info: object): Data | undefined {
  const data = (kindSyntax(kind).infoData ?? genericData)(info);
  return data && Object.keys(data).length > 0 ? data : undefined;
}

/** linkinfo.info_slave_data for a port's settings under a master of kind `slaveKind`. */
export function slaveData(slaveKind: string, info: object): Data | undefined {
  const syntax = KINDS.find((k) => k.types.includes(slaveKind));
  return (syntax?.slaveData ?? genericData)(info);
}

/** Every kind the library creates, for help and messages. */
export function allKinds(): string[] {
  return [...new Set([...knownKinds(), ...KINDS.filter((k) => k.isKind).flatMap((k) => k.types)])];
}

/** The usage lines of the kinds' keywords, for `vnic link help`. */
export function kindsUsage(): string {
  const lines = KINDS.filter((k) => !k.madeBy).map((k) => {
    const add = describeKeywords(k.add);
    const set = describeKeywords(k.set.filter((keyword) => !k.add.includes(keyword)));
    return `  ${k.types.join(' | ')}: ${[add, set && `(set) ${set}`].filter(Boolean).join(' ') || '(no options)'}`;
  });
  lines.push(...KINDS.filter((k) => k.madeBy).map((k) => `  ${k.types.join(' | ')}: made with ${k.madeBy}`));
  const bare = allKinds().filter((kind) => !KINDS.some((k) => k.types.includes(kind)));
  if (bare.length > 0) lines.push(`  ${bare.join(' | ')}: (no options)`);
  return lines.join('\n');
}
