// attach / detach / attachMany: an interface given to a namespace, all or nothing.
import { netns } from 'vnic';

import { attachStrategy } from '../lib/attach';
import { native } from '../lib/native';
import type { Handle } from 'vnic';

import { Sandbox, ip, ipJson, linkNames, uniqueNs } from './helpers/sandbox';

let sb: Sandbox;
let host: Handle;

beforeAll(async () => {
  sb = await Sandbox.create('host', 'ctr', 'sw');
  host = await sb.handle('host');
  await host.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1', netns: sb.ns('sw') }, up: true });
  ip(sb.ns('sw'), 'link', 'set', 'p1', 'up');
});

afterAll(async () => {
  await sb.cleanup();
});

/** A sysctl as the namespace shows it (read by `ip netns exec`, independently of vnic). */
function sysctlIn(ns: string, key: string): string {
  return (require('child_process') as typeof import('child_process'))
    .execFileSync('ip', ['netns', 'exec', ns, 'cat', `/proc/sys/${key}`], { encoding: 'utf8' }).trim();
}

/** What a namespace holds, for "nothing left behind" checks. */
async function snapshot(handle: Handle): Promise<string[]> {
  return (await handle.link.list()).map((l) => `${l.name}:${l.kind}`).sort();
}

test('attach creates eth0 inside, addressed, routed and up; detach removes it; both idempotent where it matters', async () => {
  const result = await host.attach({
    netns: sb.ns('ctr'), link: 'p0', addresses: ['10.0.0.5/24', 'fd00::5/64'], gateway: ['10.0.0.1'],
    routes: [{ dst: '10.50.0.0/16', via: '10.0.0.9' }], sysctls: { 'net.ipv4.conf.eth0.arp_notify': '1' }, mtu: 1400,
  });
  expect(result).toMatchObject({ ifname: 'eth0', netns: sb.ns('ctr'), addresses: ['10.0.0.5/24', 'fd00::5/64'] });
  expect(result.routes).toEqual([{ dst: 'default', via: '10.0.0.1' }, { dst: '10.50.0.0/16', via: '10.0.0.9' }]);
  const [eth0] = ipJson(sb.ns('ctr'), '-d', 'link', 'show', 'dev', 'eth0');
  expect(eth0).toMatchObject({ ifindex: result.index, address: result.address, mtu: 1400 });
  expect(eth0.flags).toContain('UP');
  expect(eth0.linkinfo).toMatchObject({ info_kind: 'macvlan', info_data: { mode: 'bridge' } });
  const addrs = ipJson(sb.ns('ctr'), 'addr', 'show', 'dev', 'eth0')[0].addr_info.map((a: { local: string }) => a.local);
  expect(addrs).toEqual(expect.arrayContaining(['10.0.0.5', 'fd00::5']));
  const routes = ipJson(sb.ns('ctr'), 'route', 'show');
  expect(routes).toEqual(expect.arrayContaining([
    expect.objectContaining({ dst: 'default', gateway: '10.0.0.1', dev: 'eth0' }),
    expect.objectContaining({ dst: '10.50.0.0/16', gateway: '10.0.0.9' }),
  ]));
  const sysctl = require('child_process').execFileSync('ip', ['netns', 'exec', sb.ns('ctr'), 'cat', '/proc/sys/net/ipv4/conf/eth0/arp_notify'], { encoding: 'utf8' });
  expect(sysctl.trim()).toBe('1');
  // The temporary name never shows up on the host side.
  expect((await host.link.list()).filter((l) => l.name.startsWith('vn'))).toEqual([]);
  expect(await host.detach({ netns: sb.ns('ctr'), ifname: 'eth0' })).toBe(true);
  expect(await host.detach({ netns: sb.ns('ctr'), ifname: 'eth0' })).toBe(false);
  expect(await host.detach({ netns: 'vt-no-such-namespace' })).toBe(false);
  expect(linkNames(sb.ns('ctr'))).toEqual(['lo']);
});

// Every path on this one kernel: created from here and named in the create
// request (Linux 6.15+), created from here under a temporary name and renamed
// inside (older kernels), and created from inside in one exchange (every
// attach after the first into a namespace).
describe.each([
  ['from here, named at create', { nameAtCreate: true, createFromInside: false }],
  ['from here, temporary name renamed inside', { nameAtCreate: false, createFromInside: false }],
  ['from inside, one exchange', { nameAtCreate: true, createFromInside: true }],
])('%s: a failure at any step leaves nothing behind, and names the step', (_path, strategy) => {
  const original = { ...attachStrategy };
  const renamed = !strategy.nameAtCreate && !strategy.createFromInside;
  beforeAll(async () => {
    Object.assign(attachStrategy, strategy);
    // Teach the handle the namespace's id for ours, as a first attach does.
    await host.attach({ netns: sb.ns('ctr'), link: 'p0' });
    await host.detach({ netns: sb.ns('ctr') });
  });
  afterAll(() => { Object.assign(attachStrategy, original); });

  const cases: Array<[string, () => Promise<void>, Record<string, unknown>, string, string]> = [
    ['the parent is missing', async () => undefined, { link: 'nope0' }, 'ENODEV', ''],
    ['create (mtu above the parent)', async () => undefined, { mtu: 9000 }, 'EINVAL', 'create'],
    ['naming (ifname taken)', async () => { await (await sb.handle('ctr')).link.add({ name: 'eth0', kind: 'bridge' }); }, {}, 'EEXIST', renamed ? 'rename to eth0' : 'create'],
    ['sysctl (no such key)', async () => undefined, { sysctls: { 'net.ipv4.conf.eth0.no_such_knob': '1' } }, 'ENOENT', 'sysctl net/ipv4/conf/eth0/no_such_knob'],
    ['up (a MAC clash on the parent)', async () => { await host.link.add({ name: 'clash', kind: 'macvlan', link: 'p0', mode: 'bridge', address: '02:00:00:00:aa:01', up: true }); }, { address: '02:00:00:00:aa:01' }, 'EADDRINUSE', renamed ? 'up' : 'create'],
    ['address (the same one twice)', async () => undefined, { addresses: ['10.0.0.6/24', '10.0.0.6/24'] }, 'EEXIST', 'address 10.0.0.6/24'],
    ['route (gateway not on a connected net)', async () => undefined, { addresses: ['10.0.0.6/24'], gateway: '10.99.0.1' }, 'ENETUNREACH', 'route default via 10.99.0.1'],
  ];
  test.each(cases)('%s', async (_what, prepare, options, code, step) => {
    await prepare();
    const ctr = await sb.handle('ctr');
    const before = { host: await snapshot(host), ctr: await snapshot(ctr) };
    const attempt = host.attach({ netns: sb.ns('ctr'), link: 'p0', ...options });
    await expect(attempt).rejects.toMatchObject({ code, op: 'attach', ...(step ? { step } : {}) });
    expect({ host: await snapshot(host), ctr: await snapshot(ctr) }).toEqual(before);
    // Undo what prepare made.
    await ctr.link.del('eth0').catch(() => undefined);
    await host.link.del('clash').catch(() => undefined);
  });

  test('settings: ARP knobs of the link go in a link request, other sysctls through a thread', async () => {
    const ctr = await sb.handle('ctr');
    const made = await host.attach({
      netns: sb.ns('ctr'), link: 'p0', addresses: ['10.0.0.8/24'],
      sysctls: { 'net.ipv4.conf.eth0.arp_notify': '1', 'net/ipv4/conf/eth0/arp_ignore': '2' },
    });
    expect(await ctr.link.get('eth0')).toMatchObject({ index: made.index, up: true });
    expect(sysctlIn(sb.ns('ctr'), 'net/ipv4/conf/eth0/arp_notify')).toBe('1');
    expect(sysctlIn(sb.ns('ctr'), 'net/ipv4/conf/eth0/arp_ignore')).toBe('2');
    await host.detach({ netns: sb.ns('ctr') });
    // With one the kernel has no link attribute for (an IPv6 knob): the thread writes it, the rest still by request.
    await host.attach({
      netns: sb.ns('ctr'), link: 'p0', addresses: ['10.0.0.8/24'],
      sysctls: { 'net.ipv4.conf.eth0.arp_notify': '1', 'net.ipv6.conf.eth0.dad_transmits': '0' },
    });
    expect(sysctlIn(sb.ns('ctr'), 'net/ipv4/conf/eth0/arp_notify')).toBe('1');
    expect(sysctlIn(sb.ns('ctr'), 'net/ipv6/conf/eth0/dad_transmits')).toBe('0');
    expect((await ctr.addr.list({ link: 'eth0', family: 4 })).map((a) => a.address)).toEqual(['10.0.0.8']);
    await host.detach({ netns: sb.ns('ctr') });
  });

  test('settings and a failing up: the step is named up, nothing is left', async () => {
    await host.link.add({ name: 'clash', kind: 'macvlan', link: 'p0', mode: 'bridge', address: '02:00:00:00:aa:02', up: true });
    try {
      const ctr = await sb.handle('ctr');
      const before = await snapshot(ctr);
      await expect(host.attach({
        netns: sb.ns('ctr'), link: 'p0', address: '02:00:00:00:aa:02', sysctls: { 'net.ipv4.conf.eth0.arp_notify': '1' },
      })).rejects.toMatchObject({ code: 'EADDRINUSE', step: 'up' });
      expect(await snapshot(ctr)).toEqual(before);
    } finally {
      await host.link.del('clash');
    }
  });

  test('success: named eth0, up, addressed, routed', async () => {
    const ctr = await sb.handle('ctr');
    const made = await host.attach({ netns: sb.ns('ctr'), link: 'p0', addresses: ['10.0.0.8/24'], gateway: '10.0.0.1' });
    expect(await ctr.link.get('eth0')).toMatchObject({ index: made.index, up: true, address: made.address, kind: 'macvlan' });
    expect((await ctr.addr.list({ link: 'eth0', family: 4 })).map((a) => a.address)).toEqual(['10.0.0.8']);
    expect((await ctr.route.list({ family: 4 })).find((r) => r.dst === 'default')).toMatchObject({ gateway: '10.0.0.1', dev: 'eth0' });
    await host.detach({ netns: sb.ns('ctr') });
  });
});

test('from inside: an ifindex already taken is drawn again, and what touched the other link is undone', async () => {
  const ctr = await sb.handle('ctr');
  const made = await host.attach({ netns: sb.ns('ctr'), link: 'p0', ifname: 'first' });
  // Force the next draw onto the index just used.
  const crypto = require('crypto') as typeof import('crypto');
  const draws = [made.index, made.index + 1];
  const spy = jest.spyOn(crypto, 'randomInt').mockImplementation((() => draws.shift() ?? 12345678) as never);
  try {
    const second = await host.attach({ netns: sb.ns('ctr'), link: 'p0', ifname: 'second', addresses: ['10.3.0.2/24'] });
    expect(second.index).toBe(made.index + 1);
  } finally {
    spy.mockRestore();
  }
  // The address never stayed on 'first'.
  expect((await ctr.addr.list({ link: 'first', family: 4 }))).toEqual([]);
  expect((await ctr.addr.list({ link: 'second', family: 4 })).map((a) => a.address)).toEqual(['10.3.0.2']);
  await host.detach({ netns: sb.ns('ctr'), ifname: 'first' });
  await host.detach({ netns: sb.ns('ctr'), ifname: 'second' });
});

test('handles opened inside other namespaces leave this thread in its own', async () => {
  // The socket is made by this thread stepping into the namespace and back (no thread of its own).
  const own = (): number => (require('fs') as typeof import('fs')).statSync('/proc/thread-self/ns/net').ino;
  const before = own();
  const { open } = require('vnic') as typeof import('vnic');
  const handles = await Promise.all(Array.from({ length: 20 }, (_, i) => open({ netns: sb.ns(i % 2 ? 'ctr' : 'sw') })));
  try {
    expect(own()).toBe(before);
    // Each sees its own namespace: p1 lives in sw only.
    const seen = await Promise.all(handles.map(async (h) => (await h.link.list()).some((l) => l.name === 'p1')));
    expect(seen).toEqual(handles.map((_, i) => i % 2 === 0));
  } finally {
    for (const handle of handles) handle.close();
  }
});

test('link settings: IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF with u32 values by IPV4_DEVCONF id; anything else refused', () => {
  const encode = (inetConf: unknown): Buffer => native().NetlinkSocket.encode('link.set', { index: 1, inetConf });
  // nla 20 bytes IFLA_AF_SPEC (26, nested) › 16 AF_INET (2, nested) › 12 IFLA_INET_CONF (1, nested) › 8 ARP_NOTIFY (22) = 1
  expect(encode({ 22: 1 }).toString('hex').endsWith('14001a80100002800c0001800800160001000000')).toBe(true);
  expect(encode({ 19: 2, 22: 1 }).length).toBe(encode({ 22: 1 }).length + 8);
  for (const bad of [{ 22: -1 }, { 22: 1.5 }, { 22: Number.NaN }, { 22: '1' }, { 0: 1 }, { arp_notify: 1 }, { 22: 2 ** 32 }]) {
    expect(() => encode(bad)).toThrow(/inetConf/);
  }
});

test('bad input is refused before any request', async () => {
  await expect(host.attach({ netns: sb.ns('ctr'), link: 'p0', ifname: 'way-too-long-name' })).rejects.toMatchObject({ code: 'EINVAL', field: 'ifname' });
  await expect(host.attach({ netns: sb.ns('ctr'), link: 'p0', addresses: ['10.0.0.300/24'] })).rejects.toMatchObject({ code: 'EINVAL', field: 'address' });
  await expect(host.attach({ netns: sb.ns('ctr'), link: 'p0', sysctls: { 'kernel.panic': '1' } })).rejects.toMatchObject({ code: 'EINVAL', field: 'sysctls' });
  await expect(host.attach({ netns: 'vt-no-such-namespace', link: 'p0' })).rejects.toMatchObject({ code: 'ENOENT', op: 'attach' });
  await expect(host.attach({ netns: sb.ns('ctr'), link: 'p0', gateway: ['10.0.0.1', '10.0.0.2'] })).rejects.toMatchObject({ code: 'EINVAL', field: 'gateway' });
});

test('attach and detach 200 containers', async () => {
  const names = Array.from({ length: 200 }, () => uniqueNs('c'));
  try {
    for (const name of names) await netns.add(name);
    const attached = await host.attachMany(names.map((name, i) => ({
      netns: name, link: 'p0', addresses: [`10.1.${i >> 8}.${(i & 255) + 1}/16`], gateway: '10.1.255.254',
    })));
    expect(attached.map((a) => a.netns)).toEqual(names);
    expect(new Set(attached.map((a) => a.address)).size).toBe(200);
    const sample = ipJson(names[137], 'addr', 'show', 'dev', 'eth0')[0];
    expect(sample.addr_info[0].local).toBe('10.1.0.138');
    const removed = await Promise.all(names.map((name) => host.detach({ netns: name })));
    expect(removed.every(Boolean)).toBe(true);
    expect(linkNames(names[137])).toEqual(['lo']);
  } finally {
    for (const name of names) if (netns.exists(name)) await netns.del(name);
  }
});

test('attachMany is all or nothing', async () => {
  const names = [uniqueNs('m'), uniqueNs('m')];
  try {
    for (const name of names) await netns.add(name);
    await expect(host.attachMany([
      { netns: names[0], link: 'p0', addresses: ['10.2.0.1/24'] },
      { netns: names[1], link: 'p0', addresses: ['10.2.0.2/24', '10.2.0.2/24'] },
    ])).rejects.toMatchObject({ code: 'EEXIST' });
    for (const name of names) expect(linkNames(name)).toEqual(['lo']);
  } finally {
    for (const name of names) await netns.del(name);
  }
});

test('a namespace deleted and made again under the same name is found afresh', async () => {
  const name = uniqueNs('re');
  await netns.add(name);
  await host.attach({ netns: name, link: 'p0' });
  await netns.del(name);
  await netns.add(name);
  try {
    await host.attach({ netns: name, link: 'p0' });
    expect(linkNames(name)).toEqual(['lo', 'eth0']);
  } finally {
    await netns.del(name);
  }
});
