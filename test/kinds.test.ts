// Every link kind beyond macvlan: created, changed and read back against the
// real kernel where it has the driver (vxlan, ifb, bridge, tun / tap), the
// kernel's refusal made clear where it has not, and the decoders checked on
// messages no kernel here sends (bond ports, unknown kinds, truncated data).
import * as fs from 'fs';

import { VnicError, open } from 'vnic';
import type { Handle, LinkAddOptions, LinkInfo } from 'vnic';

import { native } from '../lib/native';
import { Sandbox, ipJson } from './helpers/sandbox';

let sb: Sandbox;
let nl: Handle;

beforeAll(async () => {
  sb = await Sandbox.create('kinds');
  nl = await sb.handle('kinds');
  await nl.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1' }, up: true });
  await nl.addr.add('p0', '10.31.0.1/24');
  await nl.addr.add('p0', 'fd31::1/64', { nodad: true });
});

afterAll(async () => {
  await sb.cleanup();
});

/** `ip -d -j link show dev NAME` in the sandbox: the kernel's view, through iproute2. */
function shown(name: string): { linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_data?: Record<string, unknown> }; [key: string]: unknown } {
  return ipJson(sb.ns('kinds'), '-d', 'link', 'show', 'dev', name)[0];
}

describe('vxlan', () => {
  test('IPv4 endpoints and every option at create, read back, and as ip sees them', async () => {
    const link = await nl.link.add({
      name: 'vx4', kind: 'vxlan', id: 42, local: '10.31.0.1', remote: '10.31.0.2', dev: 'p0', dstport: 4789,
      srcport: { min: 40000, max: 41000 }, ttl: 64, tos: 0x10, learning: false, proxy: true, l2miss: true,
      l3miss: true, udpcsum: false, ageing: 120, maxaddress: 50,
    });
    const p0 = await nl.link.get('p0');
    expect(link).toMatchObject({ name: 'vx4', kind: 'vxlan' });
    expect(link.info).toMatchObject({
      id: 42, local: '10.31.0.1', remote: '10.31.0.2', dev: p0.index, dstport: 4789, srcport: { min: 40000, max: 41000 },
      ttl: 64, tos: 0x10, learning: false, proxy: true, l2miss: true, l3miss: true, udpcsum: false, ageing: 120,
      maxaddress: 50,
    });
    expect(await nl.link.get('vx4')).toMatchObject({ info: link.info });
    const data = shown('vx4').linkinfo?.info_data;
    expect(data).toMatchObject({
      id: 42, local: '10.31.0.1', remote: '10.31.0.2', link: 'p0', port: 4789, port_range: { low: 40000, high: 41000 },
      ttl: 64, learning: false, proxy: true, l2miss: true, l3miss: true, ageing: 120, limit: 50,
    });
    await nl.link.del('vx4');
  });

  test('IPv6 endpoints', async () => {
    const link = await nl.link.add({ name: 'vx6', kind: 'vxlan', id: 4242, local: 'fd31::1', remote: 'fd31::2', dstport: 4789 });
    expect(link.info).toMatchObject({ id: 4242, local: 'fd31::1', remote: 'fd31::2', learning: true });
    expect(shown('vx6').linkinfo?.info_data).toMatchObject({ local6: 'fd31::1', remote6: 'fd31::2' });
    await nl.link.del('vx6');
  });

  test('a multicast group reads back as multicastGroup, not remote', async () => {
    const link = await nl.link.add({ name: 'vxm', kind: 'vxlan', id: 7, multicastGroup: '239.1.1.1', dev: 'p0', dstport: 4789 });
    expect(link.info).toMatchObject({ multicastGroup: '239.1.1.1' });
    expect(link.info).not.toHaveProperty('remote');
    expect(shown('vxm').linkinfo?.info_data).toMatchObject({ group: '239.1.1.1' });
    await nl.link.del('vxm');
  });

  test('set changes what the kernel lets change, and refuses the rest before sending', async () => {
    await nl.link.add({ name: 'vxs', kind: 'vxlan', id: 9, remote: '10.31.0.9', dstport: 4789 });
    await nl.link.set('vxs', { ttl: 5, learning: false, ageing: 30, remote: '10.31.0.10' });
    expect((await nl.link.get('vxs')).info).toMatchObject({ ttl: 5, learning: false, ageing: 30, remote: '10.31.0.10', id: 9, dstport: 4789 });
    await expect(nl.link.set('vxs', { dstport: 1 } as never)).rejects.toMatchObject({ code: 'EINVAL', field: 'dstport' });
    await nl.link.del('vxs');
  });

  test('options are checked before anything is sent', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ dstport: 4789 }, 'id'],
      [{ id: 1 << 24 }, 'id'],
      [{ id: 1, remote: '10.0.0.1', multicastGroup: '239.0.0.1', dev: 'p0' }, 'multicastGroup'],
      [{ id: 1, multicastGroup: '239.0.0.1' }, 'dev'],
      [{ id: 1, remote: '239.0.0.1' }, 'remote'],
      [{ id: 1, local: '10.0.0.1', remote: 'fd00::1' }, 'local'],
      [{ id: 1, local: '10.0.0' }, 'local'],
      [{ id: 1, srcport: { min: 2, max: 1 } }, 'srcport'],
      [{ id: 1, external: true }, 'id'],
    ];
    for (const [options, field] of bad) {
      const add = nl.link.add({ name: 'vxbad', kind: 'vxlan', ...options } as LinkAddOptions);
      await expect(add).rejects.toMatchObject({ code: 'EINVAL', field });
    }
    await expect(nl.link.add({ name: 'vxbad', kind: 'vxlan', id: 1, dev: 'nosuch' })).rejects.toMatchObject({
      code: 'ENODEV', field: 'dev',
    });
    expect(await nl.link.find('vxbad')).toBeUndefined();
  });
});

describe('bridge', () => {
  test('every core option at create and set, read back, and as ip sees them', async () => {
    const link = await nl.link.add({
      name: 'br0', kind: 'bridge', stpState: 1, forwardDelay: 1500, helloTime: 300, maxAge: 2500, ageingTime: 60000,
      priority: 100,
    });
    expect(link.info).toMatchObject({ stpState: 1, forwardDelay: 1500, helloTime: 300, maxAge: 2500, ageingTime: 60000, priority: 100 });
    expect(shown('br0').linkinfo?.info_data).toMatchObject({
      stp_state: 1, forward_delay: 1500, hello_time: 300, max_age: 2500, ageing_time: 60000, priority: 100,
    });
    await nl.link.set('br0', { stpState: 0, priority: 7, ageingTime: 1000 });
    expect((await nl.link.get('br0')).info).toMatchObject({ stpState: 0, priority: 7, ageingTime: 1000 });
  });

  // CONFIG_BRIDGE_VLAN_FILTERING and CONFIG_BRIDGE_IGMP_SNOOPING: the kernel
  // either applies them or says it can't; both are read back when reported.
  test.each([['vlanFiltering', true], ['mcastSnooping', false]] as const)('%s', async (key, value) => {
    try {
      await nl.link.set('br0', { [key]: value });
    } catch (error) {
      expect(error).toMatchObject({ code: 'EOPNOTSUPP', hint: expect.stringContaining(key) });
      return;
    }
    expect((await nl.link.get('br0')).info).toMatchObject({ [key]: value });
  });

  test('a port reports its bridge-port info (slaveKind bridge), hairpin included', async () => {
    await nl.link.add({ name: 'bp0', kind: 'veth', peer: { name: 'bp1' }, master: 'br0' });
    const port = await nl.link.get('bp0');
    expect(port).toMatchObject({ masterName: 'br0', slaveKind: 'bridge' });
    expect(port.slaveInfo).toMatchObject({ hairpin: false, learning: true, flood: true });
    expect(port.slaveInfo).toHaveProperty('state');
    expect(port.slaveInfo).toHaveProperty('priority');
    expect(port.slaveInfo).toHaveProperty('cost');
    await nl.link.set('bp0', { hairpin: true });
    expect((await nl.link.get('bp0')).slaveInfo).toMatchObject({ hairpin: true });
    expect(shown('bp0').linkinfo?.info_slave_data).toMatchObject({ hairpin: true });
    await nl.link.del('bp0');
  });
});

describe('ifb', () => {
  // Loading the ifb module (the first ifb anywhere) makes ifb0 and ifb1 in the
  // host's namespace (its numifbs=2): a side effect of this test, undone here.
  let host: Handle;
  let hostIfbsBefore: string[];
  const hostIfbs = async (): Promise<string[]> => (await host.link.list({ kind: 'ifb' })).map((l) => l.name);
  beforeAll(async () => {
    host = await open();
    hostIfbsBefore = await hostIfbs();
  });
  afterAll(async () => {
    const appeared = (await hostIfbs()).filter((name) => !hostIfbsBefore.includes(name) && /^ifb[01]$/.test(name));
    if (appeared.length > 0) await host.link.delMany(appeared);
    host.close();
  });

  test('created, brought up, read back, deleted', async () => {
    const link = await nl.link.add({ name: 'ifb7', kind: 'ifb', up: true, mtu: 1400 });
    expect(link).toMatchObject({ name: 'ifb7', kind: 'ifb', up: true, mtu: 1400 });
    expect(link.info).toBeUndefined();
    expect(shown('ifb7').linkinfo?.info_kind).toBe('ifb');
    await nl.link.del('ifb7');
    expect(await nl.link.find('ifb7')).toBeUndefined();
  });
});

describe('tun / tap (handle.tuntap, /dev/net/tun)', () => {
  test('a persistent tap with every flag lands in the handle\'s namespace', async () => {
    const { link, fds } = await nl.tuntap.add({
      name: 'tap0', mode: 'tap', user: 54321, group: 54322, vnetHdr: true, multiQueue: true, mtu: 1400, up: true,
    });
    expect(fds).toEqual([]);
    expect(link).toMatchObject({ name: 'tap0', kind: 'tun', mtu: 1400, up: true });
    expect(link.info).toMatchObject({
      type: 'tap', user: 54321, group: 54322, vnetHdr: true, multiQueue: true, pi: false, persist: true, numQueues: 0,
    });
    const data = shown('tap0').linkinfo?.info_data;
    expect(data).toMatchObject({ type: 'tap', vnet_hdr: true, multi_queue: true, persist: true });
    // ip prints ids without a passwd entry as numbers, or strings of them.
    expect([String(data?.user), String(data?.group)]).toEqual(['54321', '54322']);
    // Not in the namespace the test runs in.
    const here = await open();
    try {
      expect(await here.link.find('tap0')).toBeUndefined();
    } finally {
      here.close();
    }
    expect((await nl.tuntap.list({ mode: 'tap' })).map((l) => l.name)).toContain('tap0');
    await expect(nl.tuntap.add({ name: 'tap0', mode: 'tap' })).rejects.toMatchObject({ code: 'EEXIST' });
    await nl.tuntap.del('tap0');
    expect(await nl.link.find('tap0')).toBeUndefined();
  });

  test('queue fds handed over: a non-persistent multi-queue tun lives as long as they do', async () => {
    const { link, fds } = await nl.tuntap.add({ name: 'tun0', mode: 'tun', multiQueue: true, queues: 3, fds: true, persist: false, pi: true });
    expect(fds).toHaveLength(3);
    expect(link.info).toMatchObject({ type: 'tun', persist: false, pi: true, numQueues: 3 });
    for (const fd of fds) expect(fs.fstatSync(fd).isCharacterDevice()).toBe(true);
    for (const fd of fds) fs.closeSync(fd);
    expect(await nl.link.find('tun0')).toBeUndefined();
  });

  test('an fd carries frames: what is written to the tap comes out of the link', async () => {
    const { fds: [fd] } = await nl.tuntap.add({ name: 'tap1', mode: 'tap', fds: true, up: true });
    try {
      const frame = Buffer.alloc(60);
      Buffer.from('ffffffffffff020000000001', 'hex').copy(frame);
      frame.writeUInt16BE(0x88b5, 12);  // local experimental ethertype
      fs.writeSync(fd, frame);
      expect((await nl.link.get('tap1')).stats).toMatchObject({ rxPackets: 1, rxBytes: 60 });
    } finally {
      fs.closeSync(fd);
      await nl.tuntap.del('tap1');
    }
  });

  test('set changes owner and group, and persist: false removes an idle device', async () => {
    await nl.tuntap.add({ name: 'tap2', mode: 'tap', multiQueue: true });
    await nl.tuntap.set('tap2', { user: 1234, group: 4321 });
    expect((await nl.link.get('tap2')).info).toMatchObject({ user: 1234, group: 4321, multiQueue: true, persist: true });
    await nl.tuntap.set('tap2', { persist: false });
    expect(await nl.link.find('tap2')).toBeUndefined();
  });

  test('link options at create are all or nothing', async () => {
    await expect(nl.tuntap.add({ name: 'tap3', mode: 'tap', master: 'nosuch' })).rejects.toMatchObject({ code: 'ENODEV' });
    expect(await nl.link.find('tap3')).toBeUndefined();
  });

  test('enslaved to a bridge at create', async () => {
    const { link } = await nl.tuntap.add({ name: 'tap4', mode: 'tap', master: 'br0' });
    expect(link).toMatchObject({ masterName: 'br0', slaveKind: 'bridge' });
    await nl.tuntap.del('tap4');
  });

  test('refusals: bad options, the wrong link, link.add with kind tun / tap', async () => {
    await expect(nl.tuntap.add({ name: 'tap5', mode: 'tap', persist: false })).rejects.toMatchObject({ code: 'EINVAL', field: 'persist' });
    await expect(nl.tuntap.add({ name: 'tap5', mode: 'tap', queues: 2, fds: true })).rejects.toMatchObject({ field: 'queues' });
    await expect(nl.tuntap.add({ name: 'tap5', mode: 'tup' as 'tap' })).rejects.toMatchObject({ field: 'mode' });
    await expect(nl.tuntap.del('p0')).rejects.toMatchObject({ code: 'EINVAL', summary: expect.stringMatching(/not a tun/) });
    const viaLink = nl.link.add({ name: 'tap5', kind: 'tap', mode: 'tap' } as unknown as LinkAddOptions);
    await expect(viaLink).rejects.toMatchObject({ code: 'EINVAL', summary: expect.stringMatching(/handle\.tuntap\.add/) });
    expect(await nl.link.find('tap5')).toBeUndefined();
    expect(await nl.link.find('p0')).toBeDefined();
  });
});

/**
 * Kinds this kernel may lack (no module): the create either works — then it
 * reads back — or fails with the kind named, never a bare EOPNOTSUPP.
 */
describe('kinds the kernel may lack', () => {
  const cases: Array<[string, LinkAddOptions, Partial<Record<string, unknown>> | undefined]> = [
    ['vlan', { name: 'p0.10', kind: 'vlan', link: 'p0', id: 10, protocol: '802.1ad', gvrp: true }, { id: 10, protocol: '802.1ad', gvrp: true }],
    ['ipvlan', { name: 'ipv0', kind: 'ipvlan', link: 'p0', mode: 'l3', flags: 'private' }, { mode: 'l3', flags: 'private' }],
    ['ipvtap', { name: 'ipvt0', kind: 'ipvtap', link: 'p0', mode: 'l2' }, { mode: 'l2', flags: 'bridge' }],
    ['bond', { name: 'bond0', kind: 'bond', mode: 'active-backup', miimon: 100 }, { mode: 'active-backup', miimon: 100 }],
    ['team', { name: 'team0', kind: 'team' }, undefined],
    ['dummy', { name: 'dum0', kind: 'dummy' }, undefined],
    ['macsec', { name: 'ms0', kind: 'macsec', link: 'p0', port: 11, encrypt: true }, { port: 11, encrypt: true }],
    ['vcan', { name: 'vcan0', kind: 'vcan' }, undefined],
    ['vxcan', { name: 'vxc0', kind: 'vxcan', peer: { name: 'vxc1' } }, undefined],
  ];

  test.each(cases)('%s', async (kind, options, info) => {
    let created;
    try {
      created = await nl.link.add(options);
    } catch (error) {
      expect(error).toBeInstanceOf(VnicError);
      expect(error).toMatchObject({
        code: 'EOPNOTSUPP', op: 'link.add', kernelMessage: expect.stringMatching(/unknown device type/i),
        summary: `link kind "${kind}" is not supported by this kernel (module not loaded?)`,
      });
      expect((error as Error).message).toContain(`link kind "${kind}" is not supported by this kernel (module not loaded?)`);
      expect(await nl.link.find(options.name)).toBeUndefined();
      return;
    }
    expect(created).toMatchObject({ kind, ...(info ? { info } : {}) });
    await nl.link.del(options.name);
  });
});

/** One netlink attribute: header, payload, zero padding. */
function attr(type: number, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.alloc((4 + data.length + 3) & ~3);
  out.writeUInt16LE(4 + data.length, 0);
  out.writeUInt16LE(type, 2);
  data.copy(out, 4);
  return out;
}

/** An RTM_NEWLINK message for link `index` ("x0") with the given IFLA_LINKINFO attributes, built by hand. */
function newlink(index: number, linkinfo: Buffer[]): Buffer {
  const ifinfomsg = Buffer.alloc(16);
  ifinfomsg.writeInt32LE(index, 4);
  const IFLA_IFNAME = 3;
  const IFLA_LINKINFO = 18;
  const body = Buffer.concat([ifinfomsg, attr(IFLA_IFNAME, 'x0\0'), attr(IFLA_LINKINFO, Buffer.concat(linkinfo))]);
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + body.length, 0);
  header.writeUInt16LE(16, 4);  // RTM_NEWLINK
  return Buffer.concat([header, body]);
}

const u8 = (v: number) => Buffer.from([v]);
const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };

/** What the addon makes of a message. */
function decode(bytes: Buffer): Record<string, unknown> {
  return native().NetlinkSocket.decode(bytes)[0] as Record<string, unknown>;
}

describe('decoders (no kernel)', () => {
  const IFLA_INFO_KIND = 1;
  const IFLA_INFO_DATA = 2;
  const IFLA_INFO_SLAVE_KIND = 4;
  const IFLA_INFO_SLAVE_DATA = 5;

  test('a kind vnic does not know comes back with its name and raw attributes', () => {
    const link = decode(newlink(7, [
      attr(IFLA_INFO_KIND, 'wireguard'),
      attr(IFLA_INFO_DATA, Buffer.concat([attr(1, u32(0xdeadbeef)), attr(9, 'abc')])),
      attr(IFLA_INFO_SLAVE_KIND, 'openvswitch'),
      attr(IFLA_INFO_SLAVE_DATA, attr(3, u8(1))),
    ]));
    expect(link).toMatchObject({
      index: 7, kind: 'wireguard',
      info: { raw: [{ type: 1, data: u32(0xdeadbeef) }, { type: 9, data: Buffer.from('abc') }] },
      slaveKind: 'openvswitch', slaveInfo: { raw: [{ type: 3, data: u8(1) }] },
    });
  });

  test('a kind without data (dummy) has no info; an unknown kind without data neither', () => {
    expect(decode(newlink(3, [attr(IFLA_INFO_KIND, 'dummy')]))).toMatchObject({ kind: 'dummy' });
    expect(decode(newlink(3, [attr(IFLA_INFO_KIND, 'dummy')])).info).toBeUndefined();
    expect(decode(newlink(3, [attr(IFLA_INFO_KIND, 'nosuchkind')])).info).toBeUndefined();
  });

  test('a bond port\'s info, as the kernel reports it (slaveKind bond)', () => {
    const link = decode(newlink(4, [
      attr(IFLA_INFO_SLAVE_KIND, 'bond'),
      attr(IFLA_INFO_SLAVE_DATA, Buffer.concat([
        attr(1, u8(1)), attr(2, u8(0)), attr(3, u32(2)), attr(4, Buffer.from('020000000007', 'hex')),
        attr(5, u16(3)), attr(6, u16(1)), attr(7, u8(61)), attr(8, u16(63)), attr(9, u32(5)),
      ])),
    ]));
    expect(link).toMatchObject({
      slaveKind: 'bond',
      slaveInfo: {
        state: 'backup', miiStatus: 'up', linkFailureCount: 2, permHwaddr: '02:00:00:00:00:07', queueId: 3,
        adAggregatorId: 1, adActorOperPortState: 61, adPartnerOperPortState: 63, prio: 5,
      },
    });
  });

  test('truncated and oversized attributes are skipped, never read past', () => {
    const truncated = decode(newlink(5, [
      attr(IFLA_INFO_KIND, 'vxlan'),
      attr(IFLA_INFO_DATA, Buffer.concat([attr(10, u16(1)), attr(1, u16(7)), attr(2, Buffer.alloc(3)), attr(15, u8(1))])),
    ]));
    expect(truncated).toMatchObject({ kind: 'vxlan', info: {} });
    const vlan = decode(newlink(5, [
      attr(IFLA_INFO_KIND, 'vlan'),
      attr(IFLA_INFO_DATA, Buffer.concat([attr(2, u32(1)), attr(4, attr(1, u32(1)))])),
    ]));
    expect(vlan).toMatchObject({ kind: 'vlan', info: { ingressQosMap: [] } });
    const macsec = decode(newlink(5, [attr(IFLA_INFO_KIND, 'macsec'), attr(IFLA_INFO_DATA, attr(1, Buffer.alloc(7)))]));
    expect(macsec).toMatchObject({ kind: 'macsec', info: {} });
  });

  test('values newer than our tables come back as numbers', () => {
    const link = decode(newlink(6, [
      attr(IFLA_INFO_KIND, 'bond'),
      attr(IFLA_INFO_DATA, Buffer.concat([attr(1, u8(9)), attr(14, u8(42))])),
    ]));
    expect(link.info).toEqual({ mode: 9, xmitHashPolicy: 42 });
  });
});

/**
 * Encode then decode: what get / list report for a kind is what add was
 * given, for every option, including kinds this kernel can't create.
 */
describe('decode(encode(options)) round trips', () => {
  const roundTrip = (kind: string, info: Record<string, unknown>): LinkInfo | undefined => {
    const bytes = native().NetlinkSocket.encode('link.add', { name: 'rt0', kind, info });
    return decode(bytes).info as LinkInfo | undefined;
  };
  const mac = (text: string) => Buffer.from(text.replace(/:/g, ''), 'hex');
  const v4 = (text: string) => Buffer.from(text.split('.').map(Number));

  test('vxlan', () => {
    expect(roundTrip('vxlan', {
      id: 5, dev: 3, local: v4('10.0.0.1'), multicastGroup: v4('239.0.0.9'), dstport: 4789, srcport: { min: 1, max: 2 },
      ttl: 3, tos: 4, learning: true, proxy: false, rsc: true, l2miss: true, l3miss: false, udpcsum: true,
      udp6zerocsumtx: true, udp6zerocsumrx: false, remcsumtx: true, remcsumrx: false, external: false, ageing: 9,
      maxaddress: 10,
    })).toEqual({
      id: 5, dev: 3, local: '10.0.0.1', multicastGroup: '239.0.0.9', dstport: 4789, srcport: { min: 1, max: 2 },
      ttl: 3, tos: 4, learning: true, proxy: false, rsc: true, l2miss: true, l3miss: false, udpcsum: true,
      udp6zerocsumtx: true, udp6zerocsumrx: false, remcsumtx: true, remcsumrx: false, external: false, ageing: 9,
      maxaddress: 10,
    });
  });

  test('vlan', () => {
    const options = {
      id: 100, protocol: '802.1ad', reorderHdr: false, gvrp: true, mvrp: false, looseBinding: true, bridgeBinding: true,
      ingressQosMap: [{ from: 1, to: 2 }], egressQosMap: [{ from: 3, to: 4 }, { from: 5, to: 6 }],
    };
    expect(roundTrip('vlan', options)).toEqual(options);
  });

  test('ipvlan and ipvtap', () => {
    expect(roundTrip('ipvlan', { mode: 'l3s', flags: 'vepa' })).toEqual({ mode: 'l3s', flags: 'vepa' });
    expect(roundTrip('ipvtap', { mode: 'l2', flags: 'bridge' })).toEqual({ mode: 'l2', flags: 'bridge' });
  });

  test('bond', () => {
    const options = {
      mode: '802.3ad', activeSlave: 4, miimon: 100, updelay: 200, downdelay: 300, peerNotifyDelay: 400, useCarrier: true,
      arpInterval: 0, arpValidate: 'filter_backup', arpAllTargets: 'all', primary: 5, primaryReselect: 'better',
      failOverMac: 'follow', xmitHashPolicy: 'vlan+srcmac', resendIgmp: 2, numGratArp: 3, allSlavesActive: true,
      minLinks: 1, lpInterval: 7, packetsPerSlave: 8, lacpRate: 'fast', adSelect: 'count', adUserPortKey: 9,
      adActorSysPrio: 10, tlbDynamicLb: false,
    };
    expect(roundTrip('bond', { ...options, arpIpTarget: [v4('10.0.0.1'), v4('10.0.0.2')], adActorSystem: mac('02:00:00:00:00:01') }))
      .toEqual({ ...options, arpIpTarget: ['10.0.0.1', '10.0.0.2'], adActorSystem: '02:00:00:00:00:01' });
  });

  test('bond port options travel as slave data', () => {
    const bytes = native().NetlinkSocket.encode('link.set', { index: 3, slaveKind: 'bond', slaveInfo: { queueId: 2, prio: -1 } });
    expect(decode(bytes)).toMatchObject({ slaveKind: 'bond', slaveInfo: { queueId: 2, prio: -1 } });
  });

  test('macsec', () => {
    const options = {
      cipher: 'gcm-aes-256', icvlen: 16, encrypt: true, sendSci: false, endStation: true, scb: false, protect: true,
      replay: true, window: 64, validate: 'check', encodingsa: 2,
    };
    expect(roundTrip('macsec', { ...options, sci: Buffer.from('52540012345600ff', 'hex') }))
      .toEqual({ ...options, sci: '52540012345600ff', port: 255 });
    expect(roundTrip('macsec', { port: 11 })).toEqual({ port: 11 });
  });

  test('bridge', () => {
    const options = {
      stpState: 1, forwardDelay: 1500, helloTime: 300, maxAge: 2500, ageingTime: 60000, priority: 100,
      vlanFiltering: true, mcastSnooping: false, vlanDefaultPvid: 1,
    };
    expect(roundTrip('bridge', options)).toEqual(options);
  });
});
