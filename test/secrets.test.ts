// Nothing logs secrets or writes outside its own state. A child runs the
// compiled library (dist/) through a workload — normal operations and failing
// ones: kernel refusals, refused input, a macsec key — and reports on fd 3:
// what reached process.stdout / stderr / console (spied), and every error it
// caught. The child's real stdout and stderr (fds 1 and 2: native writes
// included) must stay empty, a key must appear in no error (message, details,
// inspect, JSON, stack), and under strace every file the process creates,
// opens for writing, removes or mounts on must be under /run/netns or
// /proc/sys/net (sysctls, written from inside its namespaces).
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { netns } from 'vnic';
import { builtDist } from './helpers/dist';
import { tracedEnv, uniqueNs } from './helpers/sandbox';

let dist: string;
const KEY = '8badf00d5ec12e7c0ffee5ec12e7f00d';
const KEY_PREFIX = KEY.slice(0, 12);
let tmp: string;
let child: string;

beforeAll(() => {
  dist = builtDist('lib', 'index.js');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vnic-secrets-'));
  child = path.join(tmp, 'workload.js');
  fs.writeFileSync(child, `'use strict';
const fs = require('fs');
const util = require('util');
const vnic = require(${JSON.stringify(dist)});
const KEY = ${JSON.stringify(KEY)};
const writes = [];
for (const stream of ['stdout', 'stderr']) {
  process[stream].write = (chunk) => { writes.push(stream + ': ' + String(chunk)); return true; };
}
for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir']) {
  console[level] = (...args) => { writes.push('console.' + level + ': ' + util.format(...args)); };
}
const errors = [];
async function expectFailure(what, call) {
  try { await call(); errors.push({ what, unexpected: 'succeeded' }); }
  catch (e) {
    errors.push({ what, isVnic: e instanceof vnic.VnicError, code: e.code, field: e.field,
      text: [e.message, e.stack, JSON.stringify(e), JSON.stringify(e.details ? e.details() : {}), util.inspect(e, { depth: 5 })].join('\\n') });
  }
}
(async () => {
  const [home, ctr] = process.argv.slice(2);
  await vnic.netns.add(home);
  await vnic.netns.add(ctr);
  const nl = await vnic.open({ netns: home });
  const mon = nl.monitor(['link', 'addr', 'route']);
  let events = 0;
  mon.on('event', () => { events++; });
  try {
    // Normal work.
    await nl.link.add({ name: 'sp0', kind: 'veth', peer: { name: 'sp0p' }, up: true });
    await nl.addr.add('sp0', '10.70.0.1/24');
    await nl.route.add({ dst: '10.71.0.0/16', via: '10.70.0.2' });
    await nl.link.add({ name: 'mv0', kind: 'macvlan', link: 'sp0', mode: 'bridge', alias: 'front' });
    await nl.link.set('mv0', { mtu: 1400, up: true });
    await nl.attach({ netns: ctr, link: 'sp0', ifname: 'eth0', addresses: ['10.70.0.5/24'], gateway: '10.70.0.1',
      // arp_notify travels by netlink; accept_redirects is written under /proc/sys.
      sysctls: { 'net.ipv4.conf.eth0.arp_notify': '1', 'net.ipv4.conf.eth0.accept_redirects': '0' } });
    const tap = await nl.tuntap.add({ name: 'tp0', mode: 'tap' });
    await nl.link.list(); await nl.addr.list(); await nl.route.list();
    // Failures: the kernel's, and ours.
    await expectFailure('EEXIST', () => nl.link.add({ name: 'sp0', kind: 'veth', peer: { name: 'x1' } }));
    await expectFailure('ENODEV', () => nl.link.set('nosuch', { mtu: 1400 }));
    await expectFailure('route via nowhere', () => nl.route.add({ dst: '10.72.0.0/16', via: '10.99.0.1' }));
    await expectFailure('bad MAC', () => nl.link.set('mv0', { address: 'zz:zz' }));
    await expectFailure('macsec key on add', () => nl.link.add({ name: 'ms0', kind: 'macsec', link: 'sp0', encrypt: true, key: KEY }));
    await expectFailure('macsec key on set', () => nl.link.set('mv0', { kind: 'macsec', key: KEY }));
    await expectFailure('a key as an unknown option', () => nl.link.add({ name: 'mv1', kind: 'macvlan', link: 'sp0', psk: KEY }));
    await expectFailure('a key in an options object of a nested call', () => nl.attach({ netns: ctr, link: 'sp0', ifname: 'eth1', secret: KEY }));
    await expectFailure('mtu too big (explained by looking around)', () => nl.link.set('mv0', { mtu: 9000 }));
    await nl.detach({ netns: ctr, ifname: 'eth0' });
    await nl.tuntap.del('tp0');
    await nl.link.delMany(['mv0', 'sp0']);
    await new Promise((r) => setTimeout(r, 50));
    if (tap && tap.fds) for (const fd of tap.fds) fs.closeSync(fd);
  } finally {
    mon.close();
    nl.close();
    await vnic.netns.del(ctr);
    await vnic.netns.del(home);
  }
  fs.writeSync(3, JSON.stringify({ writes, errors, events }));
})().catch((e) => { fs.writeSync(3, JSON.stringify({ crashed: String(e && e.stack || e), writes, errors })); process.exitCode = 1; });
`);
});

afterAll(() => {
  if (!process.env.VNIC_KEEP_TRACE) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Report {
  writes: string[];
  errors: Array<{ what: string; isVnic?: boolean; code?: string; field?: string; text?: string; unexpected?: string }>;
  events: number;
  crashed?: string;
}

/** Runs the workload (under `prefix`, e.g. strace); returns its report and its real stdout / stderr. */
function run(prefix: string[] = []): { report: Report; stdout: string; stderr: string; status: number | null; names: string[] } {
  const names = [uniqueNs('sech'), uniqueNs('secc')];
  const argv = [...prefix, process.execPath, child, ...names];
  const env = prefix.length > 0 ? tracedEnv() : process.env;
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60000, env });
  for (const name of names) if (netns.exists(name)) execFileSync('ip', ['netns', 'del', name]);
  const out = (result.output[3] as unknown as string) ?? '';
  return { report: JSON.parse(out || '{}') as Report, stdout: result.stdout, stderr: result.stderr, status: result.status, names };
}

test('nothing written to stdout / stderr, normal or failing; no error shows a key', () => {
  const { report, stdout, stderr, status } = run();
  expect(report.crashed).toBeUndefined();
  expect(status).toBe(0);
  expect(stdout).toBe('');
  expect(stderr).toBe('');
  expect(report.writes).toEqual([]);
  expect(report.events).toBeGreaterThan(0);
  expect(report.errors.map((e) => e.what)).toEqual([
    'EEXIST', 'ENODEV', 'route via nowhere', 'bad MAC', 'macsec key on add', 'macsec key on set',
    'a key as an unknown option', 'a key in an options object of a nested call', 'mtu too big (explained by looking around)',
  ]);
  for (const error of report.errors) {
    expect([error.what, error.isVnic, error.unexpected]).toEqual([error.what, true, undefined]);
    expect([error.what, error.text!.includes(KEY_PREFIX)]).toEqual([error.what, false]);
  }
  const byWhat = Object.fromEntries(report.errors.map((e) => [e.what, e]));
  expect(byWhat['macsec key on add']).toMatchObject({ code: 'EINVAL', field: 'key' });
  expect(byWhat['macsec key on add'].text).toContain('the value was neither sent nor kept');
  expect(byWhat['a key as an unknown option']).toMatchObject({ code: 'EINVAL', field: 'psk' });
});

const strace = ['/usr/bin/strace', '/bin/strace'].find((p) => fs.existsSync(p));
(strace ? test : test.skip)('files: written only under /run/netns and /proc/sys/net (strace -f over the whole workload)', () => {
  const trace = path.join(tmp, 'strace.txt');
  const calls = [
    'open', 'openat', 'openat2', 'creat', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'unlink', 'unlinkat', 'rmdir',
    'rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat', 'truncate', 'mount', 'umount2',
    'chmod', 'fchmodat', 'chown', 'lchown', 'fchownat', 'utimensat', 'setxattr', 'lsetxattr',
  ];
  const { report, status } = run([strace!, '-f', '-qq', '-s', '512', '-e', `trace=${calls.join(',')}`, '-o', trace]);
  expect(report.crashed).toBeUndefined();
  expect(status).toBe(0);
  const lines = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => l.trim() !== '');
  expect(lines.length).toBeGreaterThan(10);  // the trace saw the work
  // [syscall, path] of everything that changes the file system or opens a file to write.
  const writes: Array<[string, string]> = [];
  for (const line of lines) {
    const m = /^\d+\s+(?:<\.\.\. )?(\w+)\((.*)$/.exec(line);
    if (!m) continue;
    const [, call, rest] = m;
    const paths = [...rest.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((p) => p[1]);
    if (paths.length === 0) continue;
    if (/^open/.test(call) || call === 'creat') {
      if (call !== 'creat' && !/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(rest)) continue;
      writes.push([call, paths[0]]);
    } else if (call === 'mount') {
      writes.push([call, paths[1] ?? paths[0]]);  // the mount point
    } else {
      for (const p of paths) writes.push([call, p]);
    }
  }
  const allowed = (p: string) => p.startsWith('/run/netns/') || p === '/run/netns' || p.startsWith('/proc/sys/net/') ||
    // tun / tap queues: the character device, opened read-write (nothing is written to a file).
    p === '/dev/net/tun';
  expect(writes.filter(([, p]) => !allowed(p))).toEqual([]);
  // It did write where it should: the namespaces' files and a sysctl.
  expect(writes.some(([call, p]) => call === 'mount' && p.startsWith('/run/netns/'))).toBe(true);
  expect(writes.some(([, p]) => p.startsWith('/proc/sys/net/ipv4/conf/eth0/'))).toBe(true);
});
