// Our encoder, byte for byte, against the requests iproute2 6.1 sent for the
// same commands (../shared/vectors/iproute2-requests.json, captured by gen.sh,
// and test/fixtures/iproute2-kinds.json: gen.sh run on more kind options).
// No kernel needed: NetlinkSocket.encode only builds the bytes.
import * as fs from 'fs';
import * as path from 'path';

import {
  AF_INET, AF_INET6, AF_PACKET, IFA_F_NODAD, IFF_ALLMULTI, IFF_PROMISC, IFF_UP, NLM_F_ACK,
} from '../lib/constants';
import type { Requester } from '../lib/engine';
import { LinkApi } from '../lib/link';
import type { LinkAddOptions, LinkChange } from '../lib/link';
import { native } from '../lib/native';
import { RouteApi, RouteOptions } from '../lib/route';

import { Json, Vector, canonical, decodeMany, loadVectors, withoutZeroTail } from './helpers/vectors';

interface Case {
  op: string;
  /** The normalized spec lib/ hands to the addon for the vector's command. */
  spec: Record<string, unknown>;
}

const mac = (text: string): Buffer => Buffer.from(text.replace(/:/g, ''), 'hex');
const ip = (hex: string): Buffer => Buffer.from(hex, 'hex');

// Index values as the vectors have them: p1 = 2, p0 = 3, br0 = 4, mv1 = 5, mvs = 6.
// NET_NS_FD / NET_NS_PID values are per run and not compared (see canonical()).
const NS_FD = 4;

/** Vector id → what vnic sends for the same command. */
const TABLE: Record<string, Case> = {
  // `type macvlan` with no option: lib hands the addon info: {} (plainOptions of nothing).
  'macvlan-default': { op: 'link.add', spec: { name: 'mvA', link: 3, kind: 'macvlan', info: {} } },
  'macvlan-private': { op: 'link.add', spec: { name: 'mvA', link: 3, kind: 'macvlan', info: { mode: 'private' } } },
  'macvlan-vepa': { op: 'link.add', spec: { name: 'mvA', link: 3, kind: 'macvlan', info: { mode: 'vepa' } } },
  'macvlan-bridge': { op: 'link.add', spec: { name: 'mvA', link: 3, kind: 'macvlan', info: { mode: 'bridge' } } },
  'macvlan-passthru': { op: 'link.add', spec: { name: 'mvA', link: 2, kind: 'macvlan', info: { mode: 'passthru' } } },
  'macvlan-passthru-nopromisc': {
    op: 'link.add', spec: { name: 'mvA', link: 2, kind: 'macvlan', info: { mode: 'passthru', nopromisc: true } },
  },
  'macvlan-source': { op: 'link.add', spec: { name: 'mvA', link: 3, kind: 'macvlan', info: { mode: 'source' } } },
  'macvlan-source-macaddr-set': {
    op: 'link.add',
    spec: {
      name: 'mvA', link: 3, kind: 'macvlan',
      info: { mode: 'source', macaddrMode: 'set', macaddr: [mac('02:00:00:00:00:01'), mac('02:00:00:00:00:02')] },
    },
  },
  'macvlan-bcqueuelen': {
    op: 'link.add', spec: { name: 'mvA', link: 3, kind: 'macvlan', info: { mode: 'bridge', bcqueuelen: 2000 } },
  },
  'macvlan-full': {
    op: 'link.add',
    spec: {
      name: 'mvA', link: 3, address: mac('02:11:22:33:44:55'), mtu: 1400, txqueuelen: 500,
      kind: 'macvlan', info: { mode: 'bridge' },
    },
  },
  'macvlan-netns-name': {
    op: 'link.add', spec: { name: 'mvA', link: 3, netnsFd: NS_FD, kind: 'macvlan', info: { mode: 'bridge' } },
  },
  'macvlan-change-mode': { op: 'link.set', spec: { index: 5, kind: 'macvlan', info: { mode: 'private' } } },
  'macvlan-macaddr-add': {
    op: 'link.set', spec: { index: 6, kind: 'macvlan', info: { macaddrMode: 'add', macaddr: [mac('02:00:00:00:00:03')] } },
  },
  'macvlan-macaddr-del': {
    op: 'link.set', spec: { index: 6, kind: 'macvlan', info: { macaddrMode: 'del', macaddr: [mac('02:00:00:00:00:03')] } },
  },
  'macvlan-macaddr-set': {
    op: 'link.set',
    spec: {
      index: 6, kind: 'macvlan',
      info: { macaddrMode: 'set', macaddr: [mac('02:00:00:00:00:04'), mac('02:00:00:00:00:05')] },
    },
  },
  'macvlan-macaddr-flush': { op: 'link.set', spec: { index: 6, kind: 'macvlan', info: { macaddrMode: 'flush' } } },
  'macvtap-bridge': { op: 'link.add', spec: { name: 'mvtA', link: 3, kind: 'macvtap', info: { mode: 'bridge' } } },
  'veth': { op: 'link.add', spec: { name: 'vA', kind: 'veth', info: { peer: { name: 'vB' } } } },
  'veth-peer-netns': {
    op: 'link.add', spec: { name: 'vA', kind: 'veth', info: { peer: { name: 'vB', netnsFd: NS_FD } } },
  },
  // `type bridge` with no option: lib hands the addon info: {} (bridge encode of nothing).
  'bridge': { op: 'link.add', spec: { name: 'brA', kind: 'bridge', info: {} } },
  'bridge-opts': {
    op: 'link.add',
    spec: { name: 'brA', kind: 'bridge', info: { stpState: 1, forwardDelay: 400, ageingTime: 30000 } },
  },
  'set-up': { op: 'link.set', spec: { index: 5, flags: IFF_UP, change: IFF_UP } },
  'set-down': { op: 'link.set', spec: { index: 5, flags: 0, change: IFF_UP } },
  'set-promisc-on': { op: 'link.set', spec: { index: 3, flags: IFF_PROMISC, change: IFF_PROMISC } },
  'set-promisc-off': { op: 'link.set', spec: { index: 3, flags: 0, change: IFF_PROMISC } },
  'set-allmulticast-on': { op: 'link.set', spec: { index: 5, flags: IFF_ALLMULTI, change: IFF_ALLMULTI } },
  'set-mtu': { op: 'link.set', spec: { index: 5, mtu: 1400 } },
  'set-address': { op: 'link.set', spec: { index: 5, address: mac('02:aa:bb:cc:dd:ee') } },
  'set-name': { op: 'link.set', spec: { index: 5, name: 'eth9' } },
  'set-netns-name': { op: 'link.set', spec: { index: 5, netnsFd: NS_FD } },
  'set-netns-pid': { op: 'link.set', spec: { index: 5, netnsPid: 31790 } },
  'set-master': { op: 'link.set', spec: { index: 2, master: 4 } },
  'set-nomaster': { op: 'link.set', spec: { index: 2, master: 0 } },
  'set-alias': { op: 'link.set', spec: { index: 5, alias: 'uplink-a' } },
  'del': { op: 'link.del', spec: { index: 5 } },
  'show-all': { op: 'link.dump', spec: { family: AF_PACKET, extMask: 1 } },
  // Deliberate difference: see expectedTree().
  'show-one': { op: 'link.get', spec: { index: 3, extMask: 9 } },
  'addr-add-v4': {
    op: 'addr.add', spec: { family: AF_INET, prefixlen: 24, index: 5, local: ip('0a090002'), address: ip('0a090002') },
  },
  'addr-add-v4-brd': {
    op: 'addr.add',
    spec: {
      family: AF_INET, prefixlen: 24, index: 5, local: ip('0a090003'), address: ip('0a090003'), broadcast: ip('0a0900ff'),
    },
  },
  'addr-add-v6': {
    op: 'addr.add',
    spec: {
      family: AF_INET6, prefixlen: 64, index: 5,
      local: ip('fd000009000000000000000000000002'), address: ip('fd000009000000000000000000000002'),
    },
  },
  'addr-add-v6-nodad': {
    op: 'addr.add',
    spec: {
      family: AF_INET6, prefixlen: 64, index: 5, flags: IFA_F_NODAD,
      local: ip('fd000009000000000000000000000003'), address: ip('fd000009000000000000000000000003'),
    },
  },
  'addr-del-v4': {
    op: 'addr.del', spec: { family: AF_INET, prefixlen: 24, index: 5, local: ip('0a090005'), address: ip('0a090005') },
  },
  'addr-show': { op: 'addr.dump', spec: {} },
};

/**
 * Routes go through the public RouteApi, so its defaults (scope link without a
 * gateway, protocol boot, ::/0 for a v6 default, del's wildcards) are compared
 * too: a requester that records instead of sending captures the spec.
 */
const ROUTES: Record<string, { method: 'add' | 'del'; route: RouteOptions }> = {
  'route-add-default-v4': { method: 'add', route: { dst: 'default', via: '10.9.0.1' } },
  'route-add-net-dev': { method: 'add', route: { dst: '10.10.0.0/16', dev: 5 } },
  'route-add-default-v6': { method: 'add', route: { dst: 'default', via: 'fd00:9::1' } },
  'route-del-net': { method: 'del', route: { dst: '10.11.0.0/16', dev: 5 } },
};

/**
 * Kind options go through the public LinkApi too, so each kind's option
 * mapping (names, defaults such as vxlan's learning and ipvlan's flags,
 * address and link resolution) is what is compared. Sets run against a link
 * of `kind`, as the kernel would report it.
 */
type KindCase = { add: LinkAddOptions } | { set: number; kind: string; change: LinkChange };
const KINDS: Record<string, KindCase> = {
  // ../shared/vectors
  'vxlan': { add: { name: 'vxA', kind: 'vxlan', id: 100, local: '10.1.1.1', remote: '10.1.1.2', dev: 3, dstport: 4789 } },
  'vlan': { add: { name: 'p0.10', kind: 'vlan', link: 3, id: 10 } },
  'vlan-8021ad': { add: { name: 'p0.20', kind: 'vlan', link: 3, protocol: '802.1ad', id: 20 } },
  'ipvlan-l2': { add: { name: 'ipvA', kind: 'ipvlan', link: 3, mode: 'l2' } },
  'ipvlan-l3-private': { add: { name: 'ipvA', kind: 'ipvlan', link: 3, mode: 'l3', flags: 'private' } },
  'ipvlan-l3s': { add: { name: 'ipvA', kind: 'ipvlan', link: 3, mode: 'l3s' } },
  'ipvtap': { add: { name: 'ipvtA', kind: 'ipvtap', link: 3, mode: 'l2' } },
  'bond': { add: { name: 'bondA', kind: 'bond', mode: 'active-backup', miimon: 100 } },
  'dummy': { add: { name: 'dumA', kind: 'dummy' } },
  'team': { add: { name: 'teamA', kind: 'team' } },
  'macsec': { add: { name: 'msA', kind: 'macsec', link: 3, port: 11, encrypt: true } },
  'vcan': { add: { name: 'vcanA', kind: 'vcan' } },
  'vxcan': { add: { name: 'vxcA', kind: 'vxcan', peer: { name: 'vxcB' } } },
  'ifb': { add: { name: 'ifbA', kind: 'ifb' } },
  // test/fixtures/iproute2-kinds.json (its corpus has the commands)
  'vxlan-v6-full': {
    add: {
      name: 'vxA', kind: 'vxlan', id: 4242, local: 'fd00::1', remote: 'fd00::2', dstport: 4789,
      srcport: { min: 4000, max: 5000 }, ttl: 64, tos: 0x16 /* ip reads `tos 16` as hex */, learning: false,
      proxy: true, rsc: true, l2miss: true, l3miss: true, udpcsum: false, udp6zerocsumtx: true,
      udp6zerocsumrx: true, ageing: 120, maxaddress: 50,
    },
  },
  'vxlan-group': { add: { name: 'vxA', kind: 'vxlan', id: 7, multicastGroup: '239.1.1.1', dev: 3, dstport: 4789 } },
  'vxlan-external': { add: { name: 'vxA', kind: 'vxlan', external: true, dstport: 4789 } },
  'vxlan-set': { set: 5, kind: 'vxlan', change: { ttl: 10, learning: false, ageing: 60 } },
  'vlan-flags-qos': {
    add: {
      name: 'p0.30', kind: 'vlan', link: 3, id: 30, reorderHdr: false, gvrp: true, mvrp: true, looseBinding: true,
      ingressQosMap: [{ from: 1, to: 2 }, { from: 3, to: 4 }], egressQosMap: [{ from: 5, to: 6 }],
    },
  },
  'vlan-set': { set: 5, kind: 'vlan', change: { gvrp: false, bridgeBinding: true, egressQosMap: [{ from: 2, to: 3 }] } },
  'ipvlan-vepa': { add: { name: 'ipvA', kind: 'ipvlan', link: 3, mode: 'l2', flags: 'vepa' } },
  'ipvtap-l3s-private': { add: { name: 'ipvtA', kind: 'ipvtap', link: 3, mode: 'l3s', flags: 'private' } },
  'bond-lacp': {
    add: {
      name: 'bondA', kind: 'bond', mode: '802.3ad', miimon: 100, updelay: 200, downdelay: 300,
      xmitHashPolicy: 'layer3+4', lacpRate: 'fast', adSelect: 'bandwidth', minLinks: 1, adActorSysPrio: 100,
      adActorSystem: '02:00:00:00:00:09',
    },
  },
  'bond-ab': {
    add: {
      name: 'bondA', kind: 'bond', mode: 'active-backup', primary: 2, primaryReselect: 'failure', failOverMac: 'active',
      arpInterval: 500, arpIpTarget: ['10.9.0.1', '10.9.0.2'], arpValidate: 'all', useCarrier: false, numGratArp: 3,
    },
  },
  'bond-set': { set: 5, kind: 'bond', change: { miimon: 250, activeSlave: 2 } },
  'macsec-full': {
    add: {
      name: 'msA', kind: 'macsec', link: 3, sci: '5254001234560001', cipher: 'gcm-aes-128', icvlen: 16, encrypt: true,
      sendSci: true, protect: true, replay: true, window: 32, validate: 'strict', encodingsa: 1,
    },
  },
  'macsec-set': { set: 5, kind: 'macsec', change: { encrypt: false, validate: 'check' } },
  'bridge-full': {
    add: {
      name: 'brA', kind: 'bridge', stpState: 1, forwardDelay: 1500, helloTime: 300, maxAge: 2500, ageingTime: 60000,
      priority: 100, vlanFiltering: true, mcastSnooping: false,
    },
  },
  'bridge-set': { set: 4, kind: 'bridge', change: { stpState: 0, priority: 1, ageingTime: 1000 } },
  'dummy-opts': { add: { name: 'dumA', kind: 'dummy', mtu: 9000, txqueuelen: 100 } },
};

/**
 * Runs `call` against a requester that records requests instead of sending
 * them; the first request is the case. Lookups of a link answer with a link of
 * `kind`; a create answers with its echo.
 */
async function capture(call: (links: LinkApi, recorder: Requester) => Promise<unknown>, kind?: string): Promise<Case> {
  const captured: Case[] = [];
  const request = async (op: string, spec: Record<string, unknown>): Promise<unknown[]> => {
    if (op === 'link.get' && kind !== undefined) return [{ index: spec.index, name: 'current', kind }];
    captured.push({ op, spec });
    return op === 'link.add' ? [{ index: 99, name: spec.name, kind: spec.kind }] : [];
  };
  const recorder = {
    request,
    requestThen: (op: string, spec: Record<string, unknown>, _target: unknown, onValue: (m: unknown[]) => unknown,
                  onError: (e: unknown) => unknown) => request(op, spec).then(onValue, onError),
  } as unknown as Requester;
  await call(new LinkApi(recorder, async () => { throw new Error('unused'); }), recorder);
  return captured[0];
}

function captureRoute(method: 'add' | 'del', route: RouteOptions): Promise<Case> {
  return capture((links, recorder) => new RouteApi(recorder, links)[method](route));
}

async function captureKind(kindCase: KindCase): Promise<Case> {
  if ('set' in kindCase) return capture((links) => links.set(kindCase.set, kindCase.change), kindCase.kind);
  const recorded = await capture((links) => links.add(kindCase.add));
  // Deliberate: a create asks for its link back in the same exchange
  // (NLM_F_ECHO, DESIGN.md "one round trip per operation"); ip does not.
  const { echo, ...spec } = recorded.spec;
  expect(echo).toBe(true);
  return { op: recorded.op, spec };
}

/** The vectors this file must cover, all of them. */
const IN_SCOPE = new RegExp('^(macvlan-.*|macvtap-bridge|veth|veth-peer-netns|bridge|bridge-opts|set-.*|del|show-all|' +
  'show-one|addr-.*|route-.*|vxlan|vlan|vlan-8021ad|ipvlan-.*|ipvtap|bond|dummy|team|macsec|vcan|vxcan|ifb)$');

/** More vectors, for kind options the shared corpus does not use: every one of them is in scope. */
const FIXTURE = path.join(__dirname, 'fixtures', 'iproute2-kinds.json');
const fixtureVectors = (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { vectors: Vector[] }).vectors;

const vectors = new Map<string, Vector>([...loadVectors(), ...fixtureVectors].map((v) => [v.id, v]));
const linkAndAddrIds = Object.keys(TABLE);
const ids = [...linkAndAddrIds, ...Object.keys(ROUTES), ...Object.keys(KINDS)];

function requestOf(id: string): Vector['messages'][number] {
  const vector = vectors.get(id);
  if (!vector) throw new Error(`no vector ${id} in iproute2-requests.json or the fixture`);
  return vector.messages[vector.request];
}

/** iproute2's request as we expect to send it, canonical. */
function expectedTree(id: string): Json {
  const messages = withoutZeroTail(structuredClone(requestOf(id).decoded));
  // Deliberate: every vnic request carries NLM_F_ACK (DESIGN.md, "every request
  // gets a sequence number and NLM_F_ACK") — the engine settles a request on its
  // ack. `ip link show dev` sends its GETLINK without; the kernel answers the same
  // and then acks. Only this bit is normalised, only for link.get.
  if (TABLE[id].op === 'link.get') {
    for (const m of messages) {
      if (typeof m === 'object' && m !== null && !Array.isArray(m) && typeof m.nlmsg_flags === 'number') {
        m.nlmsg_flags |= NLM_F_ACK;
      }
    }
  }
  return canonical(messages);
}

// Our bytes for every entry, decoded by decode.py in one python process.
const ours = new Map<string, { hex: string; tree: Json } | { error: Error }>();

beforeAll(async () => {
  for (const [id, { method, route }] of Object.entries(ROUTES)) TABLE[id] = await captureRoute(method, route);
  for (const [id, kindCase] of Object.entries(KINDS)) TABLE[id] = await captureKind(kindCase);
  const encoded: Array<[string, string]> = [];
  for (const id of ids) {
    try {
      encoded.push([id, native().NetlinkSocket.encode(TABLE[id].op, TABLE[id].spec).toString('hex')]);
    } catch (error) {
      ours.set(id, { error: error as Error });
    }
  }
  const trees = decodeMany(encoded.map(([, hex]) => hex));
  encoded.forEach(([id, hex], i) => ours.set(id, { hex, tree: canonical(trees[i]) }));
});

describe('encoder vs iproute2 golden requests', () => {
  test('every in-scope vector has a table entry, and every entry a vector', () => {
    const inScope = [...vectors.keys()].filter((id) => IN_SCOPE.test(id) || fixtureVectors.some((v) => v.id === id));
    expect(inScope.filter((id) => !(id in TABLE))).toEqual([]);
    expect(ids.filter((id) => !vectors.has(id))).toEqual([]);
    expect(inScope.length).toBeGreaterThan(0);
  });

  test.each(ids)('%s', (id) => {
    const got = ours.get(id);
    if (!got) throw new Error(`${id} was not encoded`);
    if ('error' in got) throw got.error;
    // On a mismatch jest shows the canonical trees as a diff, the vector id on top.
    expect({ id, tree: got.tree }).toEqual({ id, tree: expectedTree(id) });
  });
});

describe('decoder robustness on iproute2 link requests', () => {
  const linkIds = [...linkAndAddrIds.filter((id) => TABLE[id].op.startsWith('link.')), ...Object.keys(KINDS)];

  test.each(linkIds)('%s decodes', (id) => {
    const { hex, decoded } = requestOf(id);
    let result: unknown[] = [];
    expect(() => {
      result = native().NetlinkSocket.decode(Buffer.from(hex, 'hex'));
    }).not.toThrow();
    const first = decoded[0] as { ifinfomsg: { ifi_index: number } };
    expect(result[0]).toMatchObject({ index: first.ifinfomsg.ifi_index });
    const kind = TABLE[id].spec.kind;
    if (typeof kind === 'string') expect(result[0]).toMatchObject({ kind });
  });
});
