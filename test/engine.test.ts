// The request engine: pipelining, matching replies by sequence number,
// dumps across many datagrams, kernel errors with extended acks, close().
import { execFileSync } from 'child_process';
import * as path from 'path';

import { Requester, openRequester } from '../lib/engine';
import { Sandbox } from './helpers/sandbox';

let sb: Sandbox;
let parent: number;

beforeAll(async () => {
  sb = await Sandbox.create('eng');
  const nl = await sb.handle('eng');
  const veth = await nl.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1' }, up: true });
  parent = veth.index;
});

afterAll(async () => {
  await sb.cleanup();
});

test('1000 concurrent creates each settle with their own link', async () => {
  const nl = await sb.handle('eng');
  const names = Array.from({ length: 1000 }, (_, i) => `c${i}`);
  const links = await Promise.all(names.map((name) => nl.link.add({ name, kind: 'macvlan', link: parent, mode: 'bridge' })));
  expect(links.map((l) => l.name)).toEqual(names);
  expect(new Set(links.map((l) => l.index)).size).toBe(1000);
  const listed = await nl.link.list({ kind: 'macvlan' });
  expect(listed.length).toBe(1000);
  // One dump of 1000+ links spans many datagrams: every one arrives, once.
  expect(new Set(listed.map((l) => l.index)).size).toBe(1000);
  await Promise.all(names.map((name) => nl.link.del(name)));
  expect(await nl.link.list({ kind: 'macvlan' })).toEqual([]);
});

test('successes and failures in one batch are told apart', async () => {
  const nl = await sb.handle('eng');
  await nl.link.add({ name: 'taken', kind: 'macvlan', link: parent });
  const outcomes = await Promise.allSettled(['free1', 'taken', 'free2', 'taken'].map((name) =>
    nl.link.add({ name, kind: 'macvlan', link: parent })));
  expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
  expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'EEXIST', target: 'taken' });
  await Promise.all(['free1', 'free2', 'taken'].map((name) => nl.link.del(name)));
});

test("the kernel's extended ack and the offending attribute reach the error", async () => {
  const rq = await openRequester({ netns: sb.ns('eng') });
  try {
    await expect(rq.request('link.add', { name: 'x0', kind: 'nosuchkind' }, 'x0'))
      .rejects.toMatchObject({ code: 'EOPNOTSUPP', kernelMessage: expect.stringMatching(/unknown device type/i) });
    await expect(rq.request('link.add', { name: 'waytoolongforanifname', kind: 'veth' }, 'x'))
      .rejects.toMatchObject({ attr: 'IFLA_IFNAME', kernelMessage: expect.any(String) });
  } finally {
    rq.close();
  }
});

test('close() rejects what is pending; nothing was sent', async () => {
  const rq = await openRequester({ netns: sb.ns('eng') });
  const attempts = Array.from({ length: 200 }, (_, i) =>
    rq.request('link.add', { name: `z${i}`, kind: 'macvlan', link: parent, info: { mode: 'bridge' } }));
  rq.close();
  const outcomes = await Promise.allSettled(attempts);
  expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as { code: string }).code === 'ECANCELED')).toBe(true);
  await expect(rq.request('link.get', { name: 'lo' })).rejects.toMatchObject({ code: 'EBADF' });
  const nl = await sb.handle('eng');
  expect((await nl.link.list()).filter((l) => l.name.startsWith('z'))).toEqual([]);
});

test('close() while a slow delete runs on a worker: it settles, nothing crashes', async () => {
  const nl = await sb.handle('eng');
  await nl.link.add({ name: 'slow0', kind: 'macvlan', link: parent });
  const rq: Requester = await openRequester({ netns: sb.ns('eng') });
  const deletion = rq.request('link.del', { name: 'slow0' });
  // Requests leave in the loop's idle phase, which follows this iteration's
  // check phase: two setImmediate hops put us after it.
  for (let hop = 0; hop < 2; hop++) await new Promise((resolve) => setImmediate(resolve));
  rq.close();
  await expect(deletion).rejects.toMatchObject({ code: 'ECANCELED' });
  // The kernel finished the delete anyway.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await nl.link.find('slow0')).toBeUndefined();
});

test('an idle handle does not keep the process alive; a pending request does', () => {
  const root = path.join(__dirname, '..');
  const script = `
    const { NetlinkSocket } = require('node-gyp-build')(${JSON.stringify(root)});
    const socket = new NetlinkSocket((batch) => { console.log('answered', batch[0], batch[1] === null); });
    socket.request('link.get', { name: 'lo' });
  `;
  // The child never closes its socket: it exits once the answer came, on its own.
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10000 });
  expect(out.trim()).toBe('answered 1 true');
});

test('closed sockets are garbage collected (their callbacks no longer pin them)', () => {
  const root = path.join(__dirname, '..');
  const script = `
    const { NetlinkSocket } = require('node-gyp-build')(${JSON.stringify(root)});
    let collected = 0;
    const registry = new FinalizationRegistry(() => { collected += 1; });
    for (let i = 0; i < 200; i++) {
      // The callback closes over the socket: the cycle a Requester makes.
      const socket = new NetlinkSocket(() => socket);
      registry.register(socket, i);
      socket.close();
    }
    (async () => {
      for (let round = 0; round < 20 && collected < 200; round++) {
        global.gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      console.log(collected);
    })();
  `;
  const out = execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 20000 });
  expect(Number(out.trim())).toBeGreaterThanOrEqual(190);
});

test('dumps stay consistent while another socket churns the table (NLM_F_DUMP_INTR is retried)', async () => {
  const nl = await sb.handle('eng');
  const churner = await openRequester({ netns: sb.ns('eng') });
  try {
    const stable = Array.from({ length: 600 }, (_, i) => `s${i}`);
    await Promise.all(stable.map((name) => nl.link.add({ name, kind: 'macvlan', link: parent })));
    let running = true;
    const churn = (async () => {
      for (let round = 0; running; round++) {
        const name = `churn${round % 50}`;
        await churner.request('link.add', { name, kind: 'macvlan', link: parent, info: {} }).catch(() => undefined);
        await churner.request('link.del', { name }).catch(() => undefined);
      }
    })();
    for (let i = 0; i < 20; i++) {
      const names = (await nl.link.list()).map((l) => l.name);
      // No link twice, none of the stable ones missing: an interrupted walk was redone.
      expect(new Set(names).size).toBe(names.length);
      expect(stable.filter((n) => !names.includes(n))).toEqual([]);
    }
    running = false;
    await churn;
    await nl.link.delMany(stable);
  } finally {
    churner.close();
  }
});
