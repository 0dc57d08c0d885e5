// Named namespaces (ip netns add / del / list) and handles bound to one.
import { netns, open } from 'vnic';

import { Sandbox, ipJson, linkNames, uniqueNs } from './helpers/sandbox';

let sb: Sandbox;

beforeAll(async () => {
  sb = await Sandbox.create('a', 'b');
});

afterAll(async () => {
  await sb.cleanup();
});

test('add, list, exists, del behave like ip netns', async () => {
  const name = uniqueNs('life');
  await netns.add(name);
  try {
    expect(await netns.list()).toContain(name);
    expect(netns.exists(name)).toBe(true);
    // ip sees it and can work inside it.
    expect(linkNames(name)).toEqual(['lo']);
    await expect(netns.add(name)).rejects.toMatchObject({ code: 'EEXIST', op: 'netns.add' });
  } finally {
    await netns.del(name);
  }
  expect(await netns.list()).not.toContain(name);
  expect(netns.exists(name)).toBe(false);
  await expect(netns.del(name)).rejects.toMatchObject({ code: 'ENOENT', op: 'netns.del' });
});

test.each([['a/b'], ['..'], [''], ['x'.repeat(256)]])('invalid name %p is refused before any syscall', async (name) => {
  await expect(netns.add(name)).rejects.toMatchObject({ code: 'EINVAL', field: 'name' });
});

test('a handle acts inside its namespace only', async () => {
  const a = await sb.handle('a');
  const b = await sb.handle('b');
  await a.link.add({ name: 'onlya', kind: 'bridge' });
  expect(await a.link.find('onlya')).toBeDefined();
  expect(await b.link.find('onlya')).toBeUndefined();
  expect(ipJson(sb.ns('a'), 'link', 'show', 'dev', 'onlya')[0].ifname).toBe('onlya');
  await a.link.del('onlya');
});

test('open() with a missing namespace fails clearly', async () => {
  await expect(open({ netns: 'vt-does-not-exist' })).rejects.toMatchObject({ code: 'ENOENT', op: 'open' });
});

test('open() by path, by { fd } and by { pid } (reading only)', async () => {
  const byPath = await open({ netns: `/run/netns/${sb.ns('a')}` });
  expect((await byPath.link.get('lo')).index).toBe(1);
  byPath.close();
  const self = await open({ netns: { pid: process.pid } });
  expect((await self.link.get('lo')).name).toBe('lo');
  self.close();
  const fs = await import('fs/promises');
  const file = await fs.open(`/run/netns/${sb.ns('b')}`, 'r');
  try {
    const byFd = await open({ netns: { fd: file.fd } });
    expect((await byFd.link.get('lo')).index).toBe(1);
    byFd.close();
  } finally {
    await file.close();
  }
});

test('link.add with netns creates directly in the target; link.set netns moves (ip link set mv1 netns ns1)', async () => {
  const a = await sb.handle('a');
  const b = await sb.handle('b');
  await a.link.add({ name: 'pa', kind: 'veth', peer: { name: 'pb', netns: sb.ns('b') } });
  expect(await b.link.find('pb')).toBeDefined();
  const made = await a.link.add({ name: 'mvdirect', kind: 'macvlan', link: 'pa', mode: 'bridge', netns: sb.ns('b'), up: true });
  expect(made).toMatchObject({ name: 'mvdirect', kind: 'macvlan', up: true });
  expect(made.linkNetnsId).toBeDefined();
  expect(await a.link.find('mvdirect')).toBeUndefined();
  await a.link.add({ name: 'mvmove', kind: 'macvlan', link: 'pa', mode: 'bridge' });
  await a.link.set('mvmove', { netns: sb.ns('b') });
  expect(await a.link.find('mvmove')).toBeUndefined();
  expect((await b.link.get('mvmove')).kind).toBe('macvlan');
  await b.link.set('mvmove', { netns: sb.ns('a'), name: 'mvback' });
  expect((await a.link.get('mvback')).kind).toBe('macvlan');
  await a.link.del('pa');
});
