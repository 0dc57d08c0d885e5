// link.add / set / del / get / list against the real kernel, cross-checked with `ip -j`.
import * as fs from 'fs';

import { VnicError } from 'vnic';

import { Sandbox, ipJson } from './helpers/sandbox';

let sb: Sandbox;

beforeAll(async () => {
  sb = await Sandbox.create('lab');
  const nl = await sb.handle('lab');
  await nl.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1' }, up: true });
  await nl.link.set('p1', { up: true });
});

afterAll(async () => {
  await sb.cleanup();
});

describe('macvlan', () => {
  test.each(['private', 'vepa', 'bridge', 'source'] as const)('mode %s is created and read back', async (mode) => {
    const nl = await sb.handle('lab');
    const name = `mv-${mode}`.slice(0, 15);
    const link = await nl.link.add({ name, kind: 'macvlan', link: 'p0', mode });
    expect(link).toMatchObject({ name, kind: 'macvlan', linkName: 'p0', info: { mode } });
    const [shown] = ipJson(sb.ns('lab'), '-d', 'link', 'show', 'dev', name);
    expect(shown.linkinfo.info_kind).toBe('macvlan');
    expect(shown.linkinfo.info_data.mode).toBe(mode);
    expect(shown.ifindex).toBe(link.index);
    await nl.link.del(name);
    expect(await nl.link.find(name)).toBeUndefined();
  });

  test('mode omitted: the kernel default, vepa', async () => {
    const nl = await sb.handle('lab');
    const link = await nl.link.add({ name: 'mvdef', kind: 'macvlan', link: 'p0' });
    expect(link.info).toMatchObject({ mode: 'vepa' });
    await nl.link.del('mvdef');
  });

  test('passthru with nopromisc on a parent of its own', async () => {
    const nl = await sb.handle('lab');
    await nl.link.add({ name: 'q0', kind: 'veth', peer: { name: 'q1' } });
    const link = await nl.link.add({ name: 'mvpt', kind: 'macvlan', link: 'q0', mode: 'passthru', nopromisc: true });
    expect(link.info).toMatchObject({ mode: 'passthru', nopromisc: true });
    const second = nl.link.add({ name: 'mvpt2', kind: 'macvlan', link: 'q0', mode: 'passthru' });
    await expect(second).rejects.toMatchObject({ code: 'EINVAL', hint: expect.stringMatching(/passthru/) });
    expect(await nl.link.find('mvpt2')).toBeUndefined();
    await nl.link.del('q0');
  });

  test('every generic option at create, in one request', async () => {
    const nl = await sb.handle('lab');
    const link = await nl.link.add({
      name: 'mvfull', kind: 'macvlan', link: 'p0', mode: 'bridge', address: '02:11:22:33:44:55',
      mtu: 1400, txqueuelen: 500, alias: 'uplink-a', up: true, promisc: true, allmulticast: true, group: 7,
      bcqueuelen: 2000, nodst: true,
    });
    expect(link).toMatchObject({
      address: '02:11:22:33:44:55', mtu: 1400, txqueuelen: 500, alias: 'uplink-a', up: true, promisc: true,
      allmulticast: true, group: 7, info: { mode: 'bridge', bcqueuelen: 2000, nodst: true },
    });
    const [shown] = ipJson(sb.ns('lab'), '-d', 'link', 'show', 'dev', 'mvfull');
    expect(shown).toMatchObject({ address: '02:11:22:33:44:55', mtu: 1400, txqlen: 500, ifalias: 'uplink-a' });
    expect(shown.flags).toEqual(expect.arrayContaining(['UP', 'PROMISC', 'ALLMULTI']));
    await nl.link.del('mvfull');
  });

  test('source mode: macaddr list at create, then add / del / set / flush', async () => {
    const nl = await sb.handle('lab');
    await nl.link.add({ name: 'mvsrc', kind: 'macvlan', link: 'p0', mode: 'source', macaddr: ['02:00:00:00:00:01', '02:00:00:00:00:02'] });
    const macs = async () => ((await nl.link.get('mvsrc')).info as { macaddr?: string[] }).macaddr?.slice().sort() ?? [];
    expect(await macs()).toEqual(['02:00:00:00:00:01', '02:00:00:00:00:02']);
    await nl.link.set('mvsrc', { macaddr: { add: '02:00:00:00:00:03', del: '02:00:00:00:00:01' } });
    expect(await macs()).toEqual(['02:00:00:00:00:02', '02:00:00:00:00:03']);
    await nl.link.set('mvsrc', { macaddr: { set: ['02:00:00:00:00:04', '02:00:00:00:00:05'] } });
    expect(await macs()).toEqual(['02:00:00:00:00:04', '02:00:00:00:00:05']);
    await nl.link.set('mvsrc', { macaddr: { flush: true } });
    expect(await macs()).toEqual([]);
    await nl.link.del('mvsrc');
  });

  test('mode change on set, and the refusals explained', async () => {
    const nl = await sb.handle('lab');
    await nl.link.add({ name: 'mvchg', kind: 'macvlan', link: 'p0', mode: 'bridge' });
    await nl.link.set('mvchg', { mode: 'private' });
    expect((await nl.link.get('mvchg')).info).toMatchObject({ mode: 'private' });
    await expect(nl.link.set('mvchg', { mode: 'passthru' })).rejects.toMatchObject({ code: 'EINVAL', hint: expect.stringMatching(/passthru/) });
    await expect(nl.link.set('mvchg', { macaddr: { add: '02:00:00:00:00:09' } })).rejects.toMatchObject({ code: 'EINVAL', hint: expect.stringMatching(/source/) });
    await nl.link.del('mvchg');
  });

  test('nopromisc and nodst share one kernel attribute: changing one keeps the other', async () => {
    const nl = await sb.handle('lab');
    await nl.link.add({ name: 'r0', kind: 'veth', peer: { name: 'r1' } });
    await nl.link.add({ name: 'mvflags', kind: 'macvlan', link: 'r0', mode: 'passthru', nopromisc: true });
    await nl.link.set('mvflags', { nodst: true });
    expect((await nl.link.get('mvflags')).info).toMatchObject({ nopromisc: true, nodst: true });
    await nl.link.set('mvflags', { nopromisc: false });
    expect((await nl.link.get('mvflags')).info).toMatchObject({ nopromisc: false, nodst: true });
    await nl.link.del('r0');
  });

  test('nopromisc outside passthru is refused, as ip refuses it', async () => {
    const nl = await sb.handle('lab');
    await expect(nl.link.add({ name: 'mvnp', kind: 'macvlan', link: 'p0', mode: 'bridge', nopromisc: true }))
      .rejects.toMatchObject({ code: 'EINVAL', field: 'nopromisc', target: 'mvnp' });
    expect(await nl.link.find('mvnp')).toBeUndefined();
  });

  test('MTU above the parent: EINVAL explained, nothing left', async () => {
    const nl = await sb.handle('lab');
    await expect(nl.link.add({ name: 'mvbig', kind: 'macvlan', link: 'p0', mtu: 9000 }))
      .rejects.toMatchObject({ code: 'EINVAL', hint: expect.stringMatching(/parent p0's mtu 1500/) });
    expect(await nl.link.find('mvbig')).toBeUndefined();
  });

  test('a MAC clash is found at up: EADDRINUSE explained', async () => {
    const nl = await sb.handle('lab');
    await nl.link.add({ name: 'mvc1', kind: 'macvlan', link: 'p0', mode: 'bridge', address: '02:00:00:00:00:11', up: true });
    await nl.link.add({ name: 'mvc2', kind: 'macvlan', link: 'p0', mode: 'bridge', address: '02:00:00:00:00:11' });
    await expect(nl.link.set('mvc2', { up: true })).rejects.toMatchObject({ code: 'EADDRINUSE', hint: expect.stringMatching(/MAC/) });
    await nl.link.del('mvc1');
    await nl.link.del('mvc2');
  });

  test('macvtap: tapDevice and the same options', async () => {
    const nl = await sb.handle('lab');
    const link = await nl.link.add({ name: 'mvt0', kind: 'macvtap', link: 'p0', mode: 'bridge' });
    expect(link.kind).toBe('macvtap');
    expect(link.info).toMatchObject({ mode: 'bridge' });
    expect(link.tapDevice?.path).toBe(`/dev/tap${link.index}`);
    const rdev = fs.statSync(`/dev/tap${link.index}`).rdev;
    expect(link.tapDevice).toMatchObject({ major: rdev >> 8, minor: rdev & 0xff });
    await nl.link.del('mvt0');
  });
});

describe('generic set', () => {
  test('up, promisc, allmulticast, mtu, address, alias, txqueuelen, rename', async () => {
    const nl = await sb.handle('lab');
    await nl.link.add({ name: 'mvset', kind: 'macvlan', link: 'p0', mode: 'bridge' });
    await nl.link.set('mvset', { up: true, promisc: true, allmulticast: true, mtu: 1300, address: '02:aa:bb:cc:dd:ee', alias: 'x', txqueuelen: 42 });
    let link = await nl.link.get('mvset');
    expect(link).toMatchObject({ up: true, promisc: true, allmulticast: true, mtu: 1300, address: '02:aa:bb:cc:dd:ee', alias: 'x', txqueuelen: 42 });
    await nl.link.set('mvset', { promisc: false, up: false, name: 'mvren' });
    link = await nl.link.get('mvren');
    expect(link).toMatchObject({ up: false, promisc: false });
    expect(await nl.link.find('mvset')).toBeUndefined();
    await nl.link.del(link.index);
  });

  test('promisc on the parent is visible in its flags (ip link set eth0 promisc on)', async () => {
    const nl = await sb.handle('lab');
    await nl.link.set('p0', { promisc: true });
    const [shown] = ipJson(sb.ns('lab'), 'link', 'show', 'dev', 'p0');
    expect(shown.flags).toContain('PROMISC');
    expect((await nl.link.get('p0')).promisc).toBe(true);
    await nl.link.set('p0', { promisc: false });
    expect((await nl.link.get('p0')).promisc).toBe(false);
  });

  test('bridge, master / nomaster and the hairpin port option', async () => {
    const nl = await sb.handle('lab');
    await nl.link.add({ name: 'br0', kind: 'bridge' });
    await nl.link.add({ name: 'h0', kind: 'veth', peer: { name: 'h1' } });
    await nl.link.set('h0', { master: 'br0' });
    await nl.link.set('h0', { hairpin: true });
    let port = await nl.link.get('h0');
    expect(port).toMatchObject({ slaveKind: 'bridge', slaveInfo: { hairpin: true } });
    const [shown] = ipJson(sb.ns('lab'), '-d', 'link', 'show', 'dev', 'h0');
    expect(shown.linkinfo.info_slave_data.hairpin).toBe(true);
    expect((await nl.link.list({ master: 'br0' })).map((l) => l.name)).toEqual(['h0']);
    await nl.link.set('h0', { master: null });
    port = await nl.link.get('h0');
    expect(port.master).toBeUndefined();
    await expect(nl.link.set('h0', { hairpin: true })).rejects.toMatchObject({ code: 'EOPNOTSUPP', hint: expect.stringMatching(/bridge/) });
    await nl.link.del('h0');
    await nl.link.del('br0');
  });
});

describe('get and list', () => {
  test('get decodes the fields ip shows', async () => {
    const nl = await sb.handle('lab');
    const link = await nl.link.add({ name: 'mvget', kind: 'macvlan', link: 'p0', mode: 'bridge', up: true });
    const got = await nl.link.get('mvget');
    const [shown] = ipJson(sb.ns('lab'), '-d', '-s', 'link', 'show', 'dev', 'mvget');
    expect(got).toMatchObject({
      index: shown.ifindex, name: 'mvget', address: shown.address, broadcast: shown.broadcast, mtu: shown.mtu,
      minMtu: shown.min_mtu, maxMtu: shown.max_mtu, txqueuelen: shown.txqlen, operstate: shown.operstate.toLowerCase(),
      promiscuity: shown.promiscuity, link: link.link, linkName: 'p0', up: true,
    });
    expect(got.stats).toMatchObject({ rxPackets: expect.any(Number), txBytes: expect.any(Number) });
    expect(Object.keys(got.stats ?? {}).length).toBeGreaterThanOrEqual(23);
    await nl.link.del('mvget');
  });

  test('get names the parent and the master as it reads the link, also with hundreds in flight', async () => {
    const nl = await sb.handle('lab');
    await nl.link.add({ name: 'brg', kind: 'bridge' });
    await nl.link.add({ name: 'mvg', kind: 'macvlan', link: 'p0', mode: 'bridge', master: 'brg' });
    const got = await nl.link.get('mvg', { stats: false });
    expect(got).toMatchObject({ linkName: 'p0', masterName: 'brg' });
    // Named last, as ever (after the kind and slave data).
    expect(Object.keys(got).slice(-2)).toEqual(['linkName', 'masterName']);
    // More gets than the engine's window, each with its lookups: all named, nothing left pending.
    const many = await Promise.all(Array.from({ length: 600 }, (_, i) => nl.link.get(i % 2 ? 'mvg' : 'p1', { stats: false })));
    expect(many.filter((l, i) => (i % 2 ? l.linkName !== 'p0' || l.masterName !== 'brg' : l.linkName !== 'p0'))).toEqual([]);
    expect(nl.pending).toBe(0);
    expect((nl.requester as unknown as { socket: { pendingCount(): number } }).socket.pendingCount()).toBe(0);
    // A link without parent or master: no names, nothing looked up.
    expect(await nl.link.get('lo')).not.toHaveProperty('linkName');
    await nl.link.del('mvg');
    await nl.link.del('brg');
  });

  test('list filters by kind and parent and names parents', async () => {
    const nl = await sb.handle('lab');
    await nl.link.add({ name: 'mvl1', kind: 'macvlan', link: 'p0', mode: 'bridge' });
    await nl.link.add({ name: 'mvl2', kind: 'macvlan', link: 'p0', mode: 'private' });
    const macvlans = await nl.link.list({ kind: 'macvlan', link: 'p0' });
    expect(macvlans.map((l) => l.name).sort()).toEqual(['mvl1', 'mvl2']);
    expect(macvlans.every((l) => l.linkName === 'p0')).toBe(true);
    const all = await nl.link.list();
    expect(all.map((l) => l.name)).toEqual(expect.arrayContaining(['lo', 'p0', 'p1', 'mvl1', 'mvl2']));
    expect(all.find((l) => l.name === 'p0')?.info).toEqual({ peer: all.find((l) => l.name === 'p1')?.index });
    await nl.link.del('mvl1');
    await nl.link.del('mvl2');
  });
});

describe('bad input: a clear error, nothing left behind', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['a 16-byte name', { name: 'abcdefghijklmnop', kind: 'macvlan', link: 'p0' }, 'EINVAL', 'name'],
    ['a name with a slash', { name: 'a/b', kind: 'macvlan', link: 'p0' }, 'EINVAL', 'name'],
    ['a name with a colon', { name: 'a:b', kind: 'macvlan', link: 'p0' }, 'EINVAL', 'name'],
    ['a name with a space', { name: 'a b', kind: 'macvlan', link: 'p0' }, 'EINVAL', 'name'],
    ['an unknown mode', { name: 'mvbad', kind: 'macvlan', link: 'p0', mode: 'bridged' }, 'EINVAL', 'mode'],
    ['a multicast MAC', { name: 'mvbad', kind: 'macvlan', link: 'p0', address: '01:00:5e:00:00:01' }, 'EINVAL', 'address'],
    ['a malformed MAC', { name: 'mvbad', kind: 'macvlan', link: 'p0', address: '02:00:00:00:00' }, 'EINVAL', 'address'],
    ['an MTU below 68', { name: 'mvbad', kind: 'macvlan', link: 'p0', mtu: 10 }, 'EINVAL', 'mtu'],
    ['an unknown option', { name: 'mvbad', kind: 'macvlan', link: 'p0', modes: 'bridge' }, 'EINVAL', 'modes'],
    ['an unknown kind', { name: 'mvbad', kind: 'macvlam', link: 'p0' }, 'EINVAL', 'kind'],
    ['no parent', { name: 'mvbad', kind: 'macvlan' }, 'EINVAL', 'link'],
    ['a missing parent', { name: 'mvbad', kind: 'macvlan', link: 'nope0' }, 'ENODEV', 'link'],
    ['a missing netns', { name: 'mvbad', kind: 'macvlan', link: 'p0', netns: 'vt-no-such-ns' }, 'ENOENT', 'netns'],
  ];
  test.each(cases)('%s', async (_what, options, code, field) => {
    const nl = await sb.handle('lab');
    const before = (await nl.link.list()).map((l) => l.name).sort();
    const attempt = nl.link.add(options as never);
    await expect(attempt).rejects.toBeInstanceOf(VnicError);
    await expect(attempt).rejects.toMatchObject({ code, field, op: 'link.add' });
    if (typeof options.name === 'string' && field !== 'name') await expect(attempt).rejects.toMatchObject({ target: options.name });
    expect((await nl.link.list()).map((l) => l.name).sort()).toEqual(before);
  });

  test('a duplicate name: EEXIST, the existing link untouched', async () => {
    const nl = await sb.handle('lab');
    const first = await nl.link.add({ name: 'mvdup', kind: 'macvlan', link: 'p0', mode: 'bridge', mtu: 1400 });
    await expect(nl.link.add({ name: 'mvdup', kind: 'macvlan', link: 'p0', mode: 'private', mtu: 1300 }))
      .rejects.toMatchObject({ code: 'EEXIST', errno: 17 });
    expect(await nl.link.get('mvdup')).toMatchObject({ index: first.index, mtu: 1400, info: { mode: 'bridge' } });
    await nl.link.del('mvdup');
  });

  test('del and get of a missing link: ENODEV', async () => {
    const nl = await sb.handle('lab');
    await expect(nl.link.index('nope1')).rejects.toMatchObject({ code: 'ENODEV', op: 'link.index', summary: 'no link nope1' });
    await expect(nl.link.del('nope1')).rejects.toMatchObject({ code: 'ENODEV', op: 'link.del' });
    await expect(nl.link.get('nope1')).rejects.toMatchObject({ code: 'ENODEV', op: 'link.get' });
  });
});
