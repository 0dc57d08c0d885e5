// Fault injection and safety: kernel errors inside a pipelined batch, a
// handle whose namespace is deleted, signals mid-request, no child process
// ever spawned by the library, every fd close-on-exec, and what a caller
// without CAP_NET_ADMIN gets. Children run the compiled library (dist/), as
// an application would; all of it happens inside namespaces made here.
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { VnicError, netns, open } from 'vnic';
import { Sandbox, uniqueNs } from './helpers/sandbox';

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist', 'lib', 'index.js');
let sb: Sandbox;
let tmp: string;

/** Writes a child script (CommonJS, requiring the compiled library as `vnic`). */
function script(name: string, body: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, `'use strict';\nconst vnic = require(${JSON.stringify(dist)});\n${body}\n`);
  return file;
}

/** Runs a child script to its end; its last stdout line is JSON. */
function runChild(file: string, args: string[] = [], prefix: string[] = []): { status: number | null; result: any; stderr: string } {
  const argv = [...prefix, process.execPath, file, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let result: unknown;
  try { result = JSON.parse(last); } catch { result = undefined; }
  return { status: r.status, result, stderr: r.stderr };
}

beforeAll(async () => {
  if (!fs.existsSync(dist)) execFileSync('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vnic-faults-'));
  sb = await Sandbox.create('flt');
});

afterAll(async () => {
  await sb.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('kernel errors in the middle of a pipelined batch: every promise settles, the good ones succeed', async () => {
  const nl = await sb.handle('flt');
  await nl.link.add({ name: 'base0', kind: 'veth', peer: { name: 'base0p' }, up: true });
  // 300 requests issued in one tick: one in three is refused by the kernel
  // (a name taken, a link that does not exist, an address on a missing link).
  const plan = Array.from({ length: 300 }, (_, i) => i);
  const outcomes = await Promise.allSettled(plan.map((i) => {
    switch (i % 3) {
      case 0: return nl.link.add({ name: `ok${i}`, kind: 'macvlan', link: 'base0' });
      case 1: return i % 2 ? nl.link.add({ name: 'base0', kind: 'macvlan', link: 'base0p' }) : nl.link.del(`missing${i}`);
      default: return i % 2 ? nl.addr.add('base0', `10.77.${i >> 8}.${i & 255}/32`) : nl.addr.add(`nolink${i}`, '10.78.0.1/32');
    }
  }));
  const expected = plan.map((i) => (i % 3 === 1 || (i % 3 === 2 && i % 2 === 0) ? 'rejected' : 'fulfilled'));
  expect(outcomes.map((o) => o.status)).toEqual(expected);
  for (const o of outcomes) {
    if (o.status === 'rejected') {
      expect(o.reason).toBeInstanceOf(VnicError);
      expect(['EEXIST', 'ENODEV']).toContain(o.reason.code);
    }
  }
  expect((await nl.link.list({ kind: 'macvlan' })).length).toBe(100);
  expect((await nl.addr.list({ link: 'base0' })).filter((a) => a.family === 4).length).toBe(50);
  await nl.link.delMany(plan.filter((i) => i % 3 === 0).map((i) => `ok${i}`));
});

test("the handle's namespace deleted while the handle lives: requests settle, nothing hangs", async () => {
  const name = uniqueNs('gone');
  await netns.add(name);
  const nl = await open({ netns: name });
  try {
    await nl.link.add({ name: 'gp0', kind: 'veth', peer: { name: 'gp1' } });
    const pending = Promise.allSettled(Array.from({ length: 500 }, (_, i) => nl.link.add({ name: `g${i}`, kind: 'macvlan', link: 'gp0' })));
    await netns.del(name);  // the bind mount goes; the socket keeps the namespace alive
    const outcomes = await pending;
    expect(outcomes.length).toBe(500);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(VnicError);
    // The handle still works on the namespace it holds, named or not.
    const links = await nl.link.list({ kind: 'macvlan' });
    expect(links.length).toBe(outcomes.filter((o) => o.status === 'fulfilled').length);
    await expect(nl.link.add({ name: 'after', kind: 'macvlan', link: 'gp0' })).resolves.toMatchObject({ name: 'after' });
  } finally {
    nl.close();
    if (netns.exists(name)) await netns.del(name);
  }
  // Opening by the deleted name now fails cleanly.
  await expect(open({ netns: name })).rejects.toMatchObject({ code: 'ENOENT' });
});

test('signals received mid-request: all 1000 requests settle', async () => {
  const child = script('signals.js', `
    let signals = 0;
    process.on('SIGUSR1', () => { signals++; });
    process.on('SIGUSR2', () => { signals++; });
    process.on('SIGCHLD', () => { signals++; });
    (async () => {
      const nl = await vnic.open({ netns: process.argv[2] });
      await nl.link.add({ name: 'sp0', kind: 'veth', peer: { name: 'sp1' } });
      process.stdout.write('ready\\n');
      let settled = 0, ok = 0;
      const all = [];
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 100; i++) {
          const n = round * 100 + i;
          const p = n % 2 ? nl.link.add({ name: 's' + n, kind: 'macvlan', link: 'sp0' }) : nl.link.list({ kind: 'macvlan' });
          all.push(p.then(() => { ok++; }, () => {}).finally(() => { settled++; }));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(all);
      const links = (await nl.link.list({ kind: 'macvlan' })).length;
      await nl.link.delMany([...(await nl.link.list({ kind: 'macvlan' })).map((l) => l.name), 'sp0']);
      nl.close();
      console.log(JSON.stringify({ settled, ok, links, signals }));
    })().catch((e) => { console.error(e); process.exit(1); });
  `);
  const proc = spawn(process.execPath, [child, sb.ns('flt')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  let sent = 0;
  const timer = setInterval(() => {
    // From 'ready' until the result is out (a Node process tearing down no longer handles signals).
    if (!out.includes('ready') || out.includes('{')) return;
    for (const sig of ['SIGUSR1', 'SIGUSR2', 'SIGCHLD'] as const) {
      if (proc.kill(sig)) sent++;
    }
  }, 2);
  proc.stdout.on('data', (d) => { out += d; });
  const code = await new Promise<number | string | null>((resolve) => proc.on('exit', (c, signal) => resolve(c ?? signal)));
  clearInterval(timer);
  expect(err).toBe('');
  expect(code).toBe(0);
  const result = JSON.parse(out.trim().split('\n').pop()!);
  expect(result).toMatchObject({ settled: 1000, ok: 1000, links: 500 });
  expect(sent).toBeGreaterThan(0);
  expect(result.signals).toBeGreaterThan(0);
});

test('the library never spawns a process: a full workload with child_process disabled', () => {
  const child = script('nospawn.js', `
    const cp = require('child_process');
    const calls = [];
    for (const fn of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
      cp[fn] = (...args) => { calls.push(fn + ' ' + String(args[0])); throw new Error('spawned: ' + fn); };
    }
    (async () => {
      const ns = process.argv[2], ctr = process.argv[3];
      await vnic.netns.add(ctr);
      const nl = await vnic.open({ netns: ns });
      const mon = nl.monitor(['link', 'addr', 'route']);
      let events = 0;
      mon.on('event', () => { events++; });
      (async () => { for await (const ev of mon) events++; })().catch(() => {});
      await nl.link.add({ name: 'np0', kind: 'veth', peer: { name: 'np0p' }, up: true });
      await nl.addr.add('np0', '10.66.0.1/24');
      await nl.route.add({ dst: '10.67.0.0/16', via: '10.66.0.2' });
      await nl.link.add({ name: 'nv0', kind: 'veth', peer: { name: 'nv1' } });
      await nl.link.set('np0', { mtu: 1400, alias: 'spawn-free' });
      await nl.attach({ netns: ctr, link: 'np0', kind: 'macvlan', ifname: 'eth0', addresses: ['10.66.0.5/24'], gateway: '10.66.0.1' });
      const inCtr = await vnic.open({ netns: ctr });
      const l = await inCtr.link.get('eth0');
      await nl.detach({ netns: ctr, ifname: 'eth0' });
      await nl.link.list(); await nl.addr.list(); await nl.route.list();
      await nl.link.delMany(['np0', 'nv0']);
      await new Promise((r) => setTimeout(r, 100));
      mon.close(); inCtr.close(); nl.close();
      await vnic.netns.del(ctr);
      console.log(JSON.stringify({ calls, attachedIndex: l.index, events }));
    })().catch((e) => { console.log(JSON.stringify({ calls, error: String(e && e.stack || e) })); process.exit(1); });
  `);
  const ctr = uniqueNs('ctr');
  try {
    const { status, result, stderr } = runChild(child, [sb.ns('flt'), ctr]);
    expect(result).toMatchObject({ calls: [] });
    expect(result.error).toBeUndefined();
    expect(status).toBe(0);
    expect(stderr).toBe('');
    expect(result.attachedIndex).toBeGreaterThan(0);
    expect(result.events).toBeGreaterThan(0);
  } finally {
    if (netns.exists(ctr)) void netns.del(ctr);
  }
});

test('every fd the library opens is close-on-exec', () => {
  const child = script('cloexec.js', `
    const fs = require('fs');
    const fds = () => new Set(fs.readdirSync('/proc/self/fd').map(Number));
    (async () => {
      const ns = process.argv[2], ctr = process.argv[3];
      const before = fds();
      const here = await vnic.open();
      const nl = await vnic.open({ netns: ns });
      const mon = nl.monitor(['link', 'addr']);
      await vnic.netns.add(ctr);
      await nl.link.add({ name: 'cx0', kind: 'veth', peer: { name: 'cx0p' }, up: true });
      await nl.attach({ netns: ctr, link: 'cx0', ifname: 'eth0', addresses: ['10.55.0.5/24'] });
      const inCtr = await vnic.open({ netns: ctr });
      const byPath = await vnic.open({ netns: '/run/netns/' + ctr });
      await here.link.list(); await inCtr.link.list(); await byPath.addr.list();
      // Every fd opened since the start, with what it points at and its flags.
      const opened = [];
      for (const fd of fds()) {
        if (before.has(fd)) continue;
        let target = '?', flags = -1;
        try { target = fs.readlinkSync('/proc/self/fd/' + fd); } catch {}
        try { flags = parseInt(/flags:\\s*(\\d+)/.exec(fs.readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8); } catch { continue; }
        opened.push({ fd, target, cloexec: (flags & 0o2000000) !== 0 });
      }
      const netlink = new Set(fs.readFileSync('/proc/self/net/netlink', 'utf8').trim().split('\\n').slice(1)
        .map((l) => l.trim().split(/\\s+/).pop()));
      await nl.detach({ netns: ctr, ifname: 'eth0' });
      await nl.link.del('cx0');
      mon.close(); here.close(); nl.close(); inCtr.close(); byPath.close();
      await vnic.netns.del(ctr);
      console.log(JSON.stringify({ opened, netlinkInodes: [...netlink] }));
    })().catch((e) => { console.error(e); process.exit(1); });
  `);
  const ctr = uniqueNs('cx');
  try {
    const { status, result, stderr } = runChild(child, [sb.ns('flt'), ctr]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const opened = result.opened as Array<{ fd: number; target: string; cloexec: boolean }>;
    // The handles' netlink sockets are among them (at least four handles and a monitor).
    expect(opened.filter((f) => f.target.startsWith('socket:')).length).toBeGreaterThanOrEqual(5);
    expect(opened.filter((f) => !f.cloexec)).toEqual([]);
  } finally {
    if (netns.exists(ctr)) void netns.del(ctr);
  }
});

describe('without CAP_NET_ADMIN', () => {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
  const maybe = setpriv ? test : test.skip;

  maybe('every change fails with EPERM and says it needs CAP_NET_ADMIN; nothing crashes', async () => {
    const nl = await sb.handle('flt');
    await nl.link.add({ name: 'priv0', kind: 'veth', peer: { name: 'priv0p' }, up: true });
    const child = script('noprivs.js', `
      (async () => {
        const nl = await vnic.open();  // the namespace it was started in
        const attempts = {
          'link.add': () => nl.link.add({ name: 'np1', kind: 'veth', peer: { name: 'np1p' } }),
          'link.add macvlan': () => nl.link.add({ name: 'np2', kind: 'macvlan', link: 'priv0' }),
          'link.set': () => nl.link.set('priv0', { mtu: 1400 }),
          'link.del': () => nl.link.del('priv0'),
          'addr.add': () => nl.addr.add('priv0', '10.44.0.1/24'),
          'route.add': () => nl.route.add({ dst: '10.45.0.0/16', dev: 'priv0' }),
          'open in another namespace': () => vnic.open({ netns: process.argv[2] }),
        };
        const out = {};
        for (const [name, attempt] of Object.entries(attempts)) {
          try { await attempt(); out[name] = { ok: true }; }
          catch (e) { out[name] = { vnic: e instanceof vnic.VnicError, code: e.code, message: e.message }; }
        }
        // Reading needs no privilege: dumps still work.
        out.list = (await nl.link.list()).some((l) => l.name === 'priv0');
        nl.close();
        console.log(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(1); });
    `);
    const caps = ['ip', 'netns', 'exec', sb.ns('flt'), setpriv!, '--inh-caps=-all', '--bounding-set=-net_admin,-sys_admin'];
    const { status, result, stderr } = runChild(child, [uniqueNs('np')], caps);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    for (const name of ['link.add', 'link.add macvlan', 'link.set', 'link.del', 'addr.add', 'route.add']) {
      expect([name, result[name]]).toEqual([name, { vnic: true, code: 'EPERM', message: expect.stringContaining('needs CAP_NET_ADMIN') }]);
    }
    expect(result['open in another namespace']).toMatchObject({ vnic: true, code: expect.stringMatching(/EPERM|ENOENT/) });
    expect(result.list).toBe(true);
    // Nothing changed.
    expect(await nl.link.get('priv0')).toMatchObject({ mtu: 1500 });
    await nl.link.del('priv0');
  });
});
