// The request engine: pipelining, matching replies by sequence number,
// dumps across many datagrams, kernel errors with extended acks, close().
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { open } from '../lib';
import { Requester, openRequester } from '../lib/engine';
import { builtDist } from './helpers/dist';
import { Sandbox, tracedEnv } from './helpers/sandbox';

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

test('requestThen: its callbacks shape what the request settles with, and a throw rejects it', async () => {
  const rq = await openRequester({ netns: sb.ns('eng') });
  try {
    const indexOf = (links: Array<{ index: number }>): number => links[0].index;
    await expect(rq.requestThen('link.get', { name: 'lo' }, 'lo', indexOf, () => -1)).resolves.toBe(1);
    await expect(rq.requestThen<{ index: number }, number | string>('link.get', { name: 'nothere0' }, 'nothere0', indexOf, (e) => e.code))
      .resolves.toBe('ENODEV');
    const boom = new Error('thrown by onValue');
    await expect(rq.requestThen('link.get', { name: 'lo' }, 'lo', () => { throw boom; }, () => 0)).rejects.toBe(boom);
    await expect(rq.requestThen('link.get', { name: 'nothere0' }, 'nothere0', indexOf, (e) => { throw e.with({ summary: 'mine' }); }))
      .rejects.toMatchObject({ code: 'ENODEV', summary: 'mine' });
  } finally {
    rq.close();
  }
  await expect(rq.requestThen('link.get', { name: 'lo' }, 'lo', () => 'sent', (e) => e.code)).resolves.toBe('EBADF');
});

describe('answering at once', () => {
  /** Resolves after the loop has turned (its check phase ran). */
  const loopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  test('an awaited request settles in the tick that sent it: the kernel answered inside sendmsg', async () => {
    // A handle of its own: a shared one may still have a worker returning from an earlier test's delete.
    const nl = await open({ netns: sb.ns('eng') });
    try {
      /**
       * Starts step in a fresh loop turn; whether it settled within that turn's
       * microtasks (which never let the loop turn), then its outcome.
       */
      const settlesInTick = async (step: () => Promise<unknown>): Promise<[boolean, PromiseSettledResult<unknown>]> => {
        // Two check phases: the loop has reached a poll phase in between, which ends any chain of answers.
        await loopTurn();
        await loopTurn();
        let done = false;
        const outcome = Promise.allSettled([step()]).then(([result]) => { done = true; return result; });
        for (let hop = 0; hop < 100 && !done; hop++) await Promise.resolve();
        return [done, await outcome];
      };
      // Each is the first answer of its chain: answered at once however long the kernel took.
      expect(await settlesInTick(() => nl.link.index('lo'))).toEqual([true, { status: 'fulfilled', value: 1 }]);
      const [addedInTick, added] = await settlesInTick(() => nl.link.add({ name: 'now0', kind: 'macvlan', link: parent, mode: 'bridge' }));
      expect(addedInTick).toBe(true);
      expect(added).toMatchObject({ status: 'fulfilled', value: { name: 'now0', kind: 'macvlan', link: parent } });
      const [failedInTick, failed] = await settlesInTick(() => nl.link.index('now1'));
      expect(failedInTick).toBe(true);
      expect(failed).toMatchObject({ status: 'rejected', reason: { code: 'ENODEV' } });
      // A delete is sent from a worker (it waits on the kernel): it settles once the loop has turned.
      expect(await settlesInTick(() => nl.link.del('now0'))).toEqual([false, { status: 'fulfilled', value: undefined }]);
    } finally {
      nl.close();
    }
  });

  test('a long chain of awaited requests still lets the loop turn (the chain has a budget)', async () => {
    const nl = await sb.handle('eng');
    let turns = 0;
    let running = true;
    const count = (): void => {
      turns++;
      if (running) setImmediate(count);
    };
    setImmediate(count);
    // ≥ 2000 × 5 µs of chained answers: the budget (0.5 ms) runs out twenty times at the very least.
    for (let i = 0; i < 2000; i++) await nl.link.index('lo');
    running = false;
    expect(turns).toBeGreaterThanOrEqual(10);
  });

  const strace = ['/usr/bin/strace', '/bin/strace'].find((p) => fs.existsSync(p));
  (strace ? test : test.skip)('requests made in one tick leave in one sendmsg (strace)', () => {
    const dist = builtDist('lib', 'index.js');
    const script = `const { open } = require(${JSON.stringify(dist)});
      (async () => {
        const nl = await open({ netns: ${JSON.stringify(sb.ns('eng'))} });
        process.stdout.write('start\\n');
        const all = [];
        for (let i = 0; i < 20; i++) all.push(nl.link.index('lo'));
        const indexes = await Promise.all(all);
        process.stdout.write('end ' + indexes.join(',') + '\\n');
        nl.close();
      })();`;
    const traceFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vnic-eng-')), 'strace.txt');
    const out = execFileSync(strace!, ['-qq', '-o', traceFile, '-e', 'trace=sendto,sendmsg,write', '-s', '16',
      process.execPath, '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: tracedEnv() });
    expect(out).toMatch(/^start\nend (1,){19}1\n$/);
    const lines = fs.readFileSync(traceFile, 'utf8').split('\n');
    fs.rmSync(path.dirname(traceFile), { recursive: true, force: true });
    const from = lines.findIndex((l) => l.startsWith('write(1, "start'));
    const to = lines.findIndex((l) => l.startsWith('write(1, "end'));
    expect(from).toBeGreaterThanOrEqual(0);
    const sends = lines.slice(from, to).filter((l) => /^send(to|msg)\(/.test(l));
    // One GETLINK by name is 48 bytes: twenty in the one sendmsg.
    expect(sends.map((l) => Number(/= (\d+)$/.exec(l)?.[1]))).toEqual([20 * 48]);
  });
});
