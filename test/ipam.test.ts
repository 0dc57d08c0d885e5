// The host-local compatible IPAM (lib/ipam) against the reference plugin
// (/usr/lib/cni/host-local): the same configurations refused, the same
// sequence of ADDs and DELs giving the same addresses and byte-identical
// directories on twin dataDirs, both tools interleaved on one dataDir, 100
// concurrent allocations from child processes, this process and the reference
// with no address handed out twice, exhaustion, and crashes at every step of
// an allocation leaving a state both tools carry on from. Everything on disk
// lives in a temporary directory; the reference needs a CNI_NETNS, which is a
// namespace of this test's own.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import * as ipaddr from 'ipaddr.js';

import { HostLocalStore, IpamError, parseHostLocal } from '../lib/ipam';
import { formatIp, parseIp } from '../lib/ipam/ip';
import type { HostLocalConfig, IpamResult } from '../lib/ipam';
import { Sandbox } from './helpers/sandbox';

const ROOT = path.join(__dirname, '..');
const REFERENCE = '/usr/lib/cni/host-local';

let sb: Sandbox;
let tmp: string;
let counter = 0;

beforeAll(async () => {
  sb = await Sandbox.create('ipam');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vnic-ipam-'));
});

afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await sb.cleanup();
});

/** A fresh dataDir under the test's temporary directory. */
function dataDir(): string {
  counter += 1;
  const dir = path.join(tmp, `d${counter}`);
  fs.mkdirSync(dir);
  return dir;
}

interface RefOutcome {
  code: number;
  result?: { ips?: Array<{ address: string; gateway?: string }>; routes?: unknown[]; dns?: unknown };
  error?: { code: number; msg: string };
}

function referenceEnv(command: string, containerId: string, ifname: string, args?: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH, CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: `/run/netns/${sb.ns('ipam')}`,
    CNI_IFNAME: ifname, CNI_PATH: '/usr/lib/cni', ...(args === undefined ? {} : { CNI_ARGS: args }),
  };
}

function stdinFor(network: string, ipam: object): string {
  return JSON.stringify({ cniVersion: '1.0.0', name: network, type: 'macvlan', ipam });
}

function parseOutcome(code: number, stdout: string): RefOutcome {
  const parsed = stdout.trim() === '' ? undefined : JSON.parse(stdout);
  return code === 0 ? { code, result: parsed } : { code, error: parsed };
}

/** The reference plugin, once. */
function reference(command: 'ADD' | 'DEL', network: string, ipam: object, containerId: string,
                   options: { ifname?: string; args?: string } = {}): RefOutcome {
  const run = spawnSync(REFERENCE, [], {
    env: referenceEnv(command, containerId, options.ifname ?? 'eth0', options.args), input: stdinFor(network, ipam), encoding: 'utf8',
  });
  return parseOutcome(run.status ?? -1, run.stdout);
}

/** The reference plugin, in the background. */
function referenceAsync(command: 'ADD' | 'DEL', network: string, ipam: object, containerId: string): Promise<RefOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(REFERENCE, [], { env: referenceEnv(command, containerId, 'eth0') });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve(parseOutcome(code ?? -1, out)));
    child.stdin.end(stdinFor(network, ipam));
  });
}

/** Every file of a network's directory but the (empty) lock, name → bytes. */
function snapshot(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (!fs.existsSync(dir)) return out;
  for (const name of fs.readdirSync(dir).sort()) if (name !== 'lock') out[name] = fs.readFileSync(path.join(dir, name));
  return out;
}

/** The address files of a directory, name → content. */
function addressFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir)) {
    if (name === 'lock' || name.startsWith('last_reserved_ip.') || name.startsWith('.')) continue;
    out[name] = fs.readFileSync(path.join(dir, name), 'utf8');
  }
  return out;
}

function bare(cidr: string): string {
  return cidr.split('/')[0];
}

async function refusal(promise: Promise<unknown>): Promise<IpamError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IpamError);
  return error as IpamError;
}

function refusalSync(run: () => unknown): IpamError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IpamError);
    return error as IpamError;
  }
  throw new Error('expected an IpamError');
}

test('address file names: parsed as ipaddr.js (dotted quads, IPv6, mapped IPv4) would, the other entries refused', () => {
  const names = ['10.1.2.3', '0.0.0.0', '255.255.255.255', '256.1.1.1', '010.1.2.3', '1.2.3', '1.2.3.4.5', '1.2.3.4 ', 'lock',
    'last_reserved_ip.0', '.vnic-tmp-1-ab-2', '', 'fd00::5', '::', '::1', '2001:DB8::1', '::ffff:10.1.2.3', 'fe80::1%eth0', 'a:b', ':::'];
  for (const name of names) {
    const quad = ipaddr.IPv4.isValidFourPartDecimal(name);
    const v6 = !quad && !name.includes('%') && ipaddr.IPv6.isValid(name) ? ipaddr.IPv6.parse(name) : undefined;
    const expected = quad ? name : v6 ? (v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toRFC5952String()) : undefined;
    const parsed = parseIp(name);
    expect([name, parsed && formatIp(parsed)]).toEqual([name, expected]);
  }
});

describe('configuration', () => {
  test('defaults are host-local\'s, the legacy range becomes range set 0, routes and dataDir kept', () => {
    const config = parseHostLocal({
      type: 'host-local', subnet: '10.1.0.0/16', gateway: '10.1.0.254', dataDir: '/x',
      ranges: [[{ subnet: '10.2.0.0/24', rangeStart: '10.2.0.10' }], [{ subnet: 'fd00:1::/64' }]],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.1.0.1' }],
    });
    expect(config).toEqual({
      type: 'host-local', dataDir: '/x',
      ranges: [
        [{ subnet: '10.1.0.0/16', rangeStart: '10.1.0.1', rangeEnd: '10.1.255.254', gateway: '10.1.0.254' }],
        [{ subnet: '10.2.0.0/24', rangeStart: '10.2.0.10', rangeEnd: '10.2.0.254', gateway: '10.2.0.1' }],
        [{ subnet: 'fd00:1::/64', rangeStart: 'fd00:1::1', rangeEnd: 'fd00:1::ffff:ffff:ffff:ffff', gateway: 'fd00:1::1' }],
      ],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.1.0.1' }],
    });
    expect(parseHostLocal({ type: 'host-local', ranges: [[{ subnet: '10.3.0.0/24' }]] }).dataDir).toBe('/var/lib/cni/networks');
  });

  // Each refused with a message naming the key; the reference refuses the ones it checks too.
  const refused: Array<[string, Record<string, unknown>, string, boolean]> = [
    ['host bits set', { subnet: '10.8.0.7/24' }, 'subnet', true],
    ['a /31 holds nothing to hand out', { subnet: '10.7.0.0/31' }, 'subnet', true],
    ['rangeStart outside the subnet', { ranges: [[{ subnet: '10.3.0.0/24', rangeStart: '10.2.0.5' }]] }, 'ranges[0][0].rangeStart', true],
    ['rangeEnd outside the subnet', { ranges: [[{ subnet: '10.3.0.0/24', rangeEnd: '10.3.1.5' }]] }, 'ranges[0][0].rangeEnd', true],
    ['no ranges at all', {}, 'ranges', true],
    ['mixed families in one set', { ranges: [[{ subnet: 'fd00::/120' }, { subnet: '10.1.0.0/24' }]] }, 'ranges[0][1]', true],
    ['overlapping sets', { ranges: [[{ subnet: '10.3.0.0/24' }], [{ subnet: '10.3.0.128/25' }]] }, 'ranges', true],
    ['overlapping ranges in one set', { ranges: [[{ subnet: '10.3.0.0/24' }, { subnet: '10.3.0.0/25' }]] }, 'ranges[0][1]', true],
    ['not an address', { ranges: [[{ subnet: '10.3.0.0/24', gateway: 'ten' }]] }, 'ranges[0][0].gateway', true],
    ['a malformed subnet', { ranges: [[{ subnet: '10.3.0/24' }]] }, 'ranges[0][0].subnet', true],
    ['rangeStart after rangeEnd', { ranges: [[{ subnet: '10.3.0.0/24', rangeStart: '10.3.0.9', rangeEnd: '10.3.0.3' }]] }, 'ranges[0][0].rangeStart', false],
    ['a route without a CIDR', { subnet: '10.3.0.0/24', routes: [{ dst: '10.0.0.1' }] }, 'routes[0].dst', true],
  ];
  test.each(refused)('refused: %s', (_, extra, field, referenceRefuses) => {
    const ipam = { type: 'host-local', dataDir: dataDir(), ...extra };
    const error = refusalSync(() => parseHostLocal(ipam));
    expect(error).toMatchObject({ code: 'bad-config', field });
    expect(error.message).toContain(field);
    expect(() => new HostLocalStore('net', ipam as unknown as HostLocalConfig)).toThrow(IpamError);
    if (referenceRefuses) expect(reference('ADD', 'net', ipam, 'c1').code).toBe(1);
  });

  test('a foreign type, a bad network name and a bad container id are refused', async () => {
    expect(refusalSync(() => parseHostLocal({ type: 'dhcp' }))).toMatchObject({ code: 'bad-config', field: 'type' });
    const config: HostLocalConfig = { type: 'host-local', subnet: '10.3.0.0/24', dataDir: dataDir() };
    expect(refusalSync(() => new HostLocalStore('../up', config))).toMatchObject({ code: 'bad-config', field: 'name' });
    const store = new HostLocalStore('n', config);
    expect(await refusal(store.allocate('', 'eth0'))).toMatchObject({ code: 'bad-config', field: 'containerId' });
    expect(await refusal(store.allocate('a\r\nb', 'eth0'))).toMatchObject({ code: 'bad-config', field: 'containerId' });
    expect(await refusal(store.allocate('c', 'eth0', ['nonsense']))).toMatchObject({ code: 'bad-config', field: 'requested' });
  });
});

describe('twin dataDirs: the reference and vnic through the same sequence', () => {
  test('same addresses, gateways, routes and dns, same errors, byte-identical directories after every step', async () => {
    const resolv = path.join(tmp, 'resolv.conf');
    fs.writeFileSync(resolv, '# test\nnameserver 10.0.0.53\nnameserver fd00::53\ndomain example.test\nsearch a.test b.test\noptions ndots:2 edns0\n');
    const ranges = [
      [{ subnet: '10.9.0.0/29' }, { subnet: '10.9.1.0/30', gateway: '10.9.1.2' }],
      [{ subnet: 'fd00:9::/125', rangeStart: 'fd00:9::3' }],
    ];
    const ipamFor = (dir: string) => ({ type: 'host-local', dataDir: dir, ranges, routes: [{ dst: '0.0.0.0/0' }, { dst: '10.50.0.0/16', gw: '10.9.0.1' }], resolvConf: resolv });
    const refDir = dataDir();
    const ourDir = dataDir();
    const store = new HostLocalStore('twin', ipamFor(ourDir) as HostLocalConfig);
    // [command, container, requested address, the refusal expected of both]
    type Step = ['ADD' | 'DEL', string, string?, ('exhausted' | 'requested-unavailable')?];
    const steps: Step[] = [
      ['ADD', 'c1'], ['ADD', 'c2'], ['ADD', 'c3'], ['DEL', 'c1'], ['ADD', 'c4'], ['ADD', 'c5'],
      ['ADD', 'c6', '10.9.0.2'], ['ADD', 'c6', undefined, 'requested-unavailable'], ['DEL', 'c3'], ['ADD', 'c7', '10.9.0.4'],
      ['ADD', 'c8', undefined, 'exhausted'], ['ADD', 'c9', undefined, 'exhausted'], ['ADD', 'c10', undefined, 'exhausted'],
      ['DEL', 'c2'], ['DEL', 'c2'], ['ADD', 'c11'], ['ADD', 'c12', 'fd00:9::4', 'requested-unavailable'],
      ['ADD', 'c12', '10.9.1.2', 'requested-unavailable'], ['DEL', 'nobody'], ['DEL', 'c4'], ['ADD', 'c13'],
    ];
    for (const [command, id, ip, refusal] of steps) {
      const theirs = reference(command, 'twin', ipamFor(refDir), id, { args: ip && `IgnoreUnknown=1;IP=${ip}` });
      if (command === 'DEL') {
        expect(theirs.code).toBe(0);
        await store.release(id, 'eth0');
      } else {
        const ours: IpamResult | IpamError = await store.allocate(id, 'eth0', ip ? [ip] : undefined).catch((e: IpamError) => e);
        expect({ step: id, theirs: theirs.code === 0 ? 'ok' : 'refused' }).toEqual({ step: id, theirs: refusal ? 'refused' : 'ok' });
        if (refusal) {
          expect({ step: id, ours: ours instanceof IpamError ? ours.code : 'ok' }).toEqual({ step: id, ours: refusal });
          expect(/no IP addresses available/.test(theirs.error?.msg ?? '')).toBe(refusal === 'exhausted');
        } else {
          expect(ours).not.toBeInstanceOf(IpamError);
          const result = ours as IpamResult;
          expect({ step: id, ips: result.ips.map(({ address, gateway }) => ({ address, gateway })) })
            .toEqual({ step: id, ips: theirs.result?.ips });
          expect(result.routes).toEqual(theirs.result?.routes);
          expect(result.dns).toEqual(theirs.result?.dns);
        }
      }
      expect({ step: `${command} ${id}`, dir: snapshot(path.join(ourDir, 'twin')) })
        .toEqual({ step: `${command} ${id}`, dir: snapshot(path.join(refDir, 'twin')) });
    }
    expect(fs.readFileSync(path.join(ourDir, 'twin', '10.9.0.2'))).toEqual(Buffer.from('c6\r\neth0'));
  });
});

describe('one dataDir, both tools interleaved', () => {
  const network = 'shared';
  let dir: string;
  let ipam: HostLocalConfig;
  let store: HostLocalStore;
  let net1: string[] = [];

  beforeAll(() => {
    ipam = { type: 'host-local', dataDir: dataDir(), ranges: [[{ subnet: '10.20.0.0/24' }], [{ subnet: 'fd00:20::/64' }]] };
    dir = path.join(ipam.dataDir as string, network);
    store = new HostLocalStore(network, ipam);
  });

  test('round robin continues across tools; each releases what the other allocated', async () => {
    const a = reference('ADD', network, ipam, 'ref-a');
    expect(a.result?.ips?.map((i) => i.address)).toEqual(['10.20.0.2/24', 'fd00:20::2/64']);
    const b = await store.allocate('vnic-b', 'eth0');
    expect(b.ips).toEqual([
      { address: '10.20.0.3/24', gateway: '10.20.0.1', rangeSet: 0 },
      { address: 'fd00:20::3/64', gateway: 'fd00:20::1', rangeSet: 1 },
    ]);
    const c = reference('ADD', network, ipam, 'ref-c');
    expect(c.result?.ips?.map((i) => i.address)).toEqual(['10.20.0.4/24', 'fd00:20::4/64']);
    // Same bytes whoever wrote them.
    expect(fs.readFileSync(path.join(dir, '10.20.0.3'))).toEqual(Buffer.from('vnic-b\r\neth0'));
    expect(fs.readFileSync(path.join(dir, '10.20.0.2'))).toEqual(Buffer.from('ref-a\r\neth0'));
    expect(fs.readFileSync(path.join(dir, 'last_reserved_ip.1'), 'utf8')).toBe('fd00:20::4');

    expect(await store.held('ref-a', 'eth0')).toEqual(['10.20.0.2', 'fd00:20::2']);
    expect(await store.release('ref-a', 'eth0')).toEqual(['10.20.0.2', 'fd00:20::2']);
    expect(await store.release('ref-a', 'eth0')).toEqual([]);
    expect(reference('DEL', network, ipam, 'vnic-b').code).toBe(0);
    expect(await store.held('vnic-b', 'eth0')).toEqual([]);
    expect(Object.keys(addressFiles(dir)).sort()).toEqual(['10.20.0.4', 'fd00:20::4']);
    // The reference continues after vnic's last_reserved_ip and vice versa.
    const d = await store.allocate('vnic-d', 'eth0');
    expect(d.ips.map((i) => i.address)).toEqual(['10.20.0.5/24', 'fd00:20::5/64']);
    expect(reference('ADD', network, ipam, 'ref-e').result?.ips?.map((i) => i.address)).toEqual(['10.20.0.6/24', 'fd00:20::6/64']);
  });

  test('requested addresses: taken in their range set, refused when the other tool holds them', async () => {
    const taken = await refusal(store.allocate('vnic-f', 'eth0', ['10.20.0.6']));
    expect(taken).toMatchObject({ code: 'requested-unavailable', address: '10.20.0.6', rangeSet: 0 });
    expect(taken.message).toContain('ref-e');
    expect(await store.held('vnic-f', 'eth0')).toEqual([]);   // nothing half-allocated
    const f = await store.allocate('vnic-f', 'eth0', ['10.20.0.100/24', 'fd00:20::100']);
    expect(f.ips.map((i) => i.address)).toEqual(['10.20.0.100/24', 'fd00:20::100/64']);
    expect(reference('ADD', network, ipam, 'ref-g', { args: 'IP=10.20.0.100' }).error?.msg).toMatch(/not available/);
    // A request outside every range is refused before anything is touched (host-local would allocate, then undo).
    const before = snapshot(dir);
    const outside = await refusal(store.allocate('vnic-h', 'eth0', ['10.21.0.1']));
    expect(outside).toMatchObject({ code: 'requested-unavailable', address: '10.21.0.1' });
    expect(outside.message).toContain('range set 0: 10.20.0.1-10.20.0.254');
    expect(snapshot(dir)).toEqual(before);
    expect(await refusal(store.allocate('vnic-h', 'eth0', ['10.20.0.1']))).toMatchObject({ code: 'requested-unavailable', address: '10.20.0.1' });
    expect(await refusal(store.allocate('vnic-h', 'eth0', ['10.20.0.255']))).toMatchObject({ code: 'requested-unavailable' });
    expect(await store.held('vnic-h', 'eth0')).toEqual([]);
    // A second allocation for the same container and ifname is refused, as host-local refuses it.
    expect(await refusal(store.allocate('vnic-f', 'eth0'))).toMatchObject({ code: 'requested-unavailable', address: '10.20.0.100' });
    // Another ifname of the same container is another allocation.
    net1 = (await store.allocate('vnic-f', 'net1')).ips.map((i) => bare(i.address));
    expect(net1).toHaveLength(2);
  });

  test('the old one-line format (container id only) is read, released by id, and GC keeps it by id', async () => {
    fs.writeFileSync(path.join(dir, '10.20.0.200'), 'old-ctr');
    fs.writeFileSync(path.join(dir, '10.20.0.201'), 'old-ctr2\n');
    expect(await store.held('old-ctr', 'eth0')).toEqual(['10.20.0.200']);
    expect(await store.release('old-ctr', 'eth0')).toEqual(['10.20.0.200']);
    expect(reference('DEL', network, ipam, 'old-ctr2').code).toBe(0);
    expect(fs.existsSync(path.join(dir, '10.20.0.201'))).toBe(false);
    fs.writeFileSync(path.join(dir, '10.20.0.202'), 'old-ctr3');
    fs.writeFileSync(path.join(dir, '10.20.0.203'), '');   // a writer that died between create and write
    const keep = ['ref-c', 'ref-e', 'vnic-d', 'old-ctr3'].map((containerId) => ({ containerId, ifname: 'eth0' }));
    const released = await store.gc([...keep, { containerId: 'vnic-f', ifname: 'eth0' }]);
    expect(released.sort()).toEqual(['10.20.0.203', ...net1].sort());
    expect(Object.values(addressFiles(dir)).sort()).toEqual(
      ['old-ctr3', 'ref-c\r\neth0', 'ref-c\r\neth0', 'ref-e\r\neth0', 'ref-e\r\neth0', 'vnic-d\r\neth0', 'vnic-d\r\neth0',
        'vnic-f\r\neth0', 'vnic-f\r\neth0'].sort());
  });
});

/** A node script that uses the store from lib/ (TypeScript compiled on load), for work in other processes. */
function writeChildScript(): string {
  const script = path.join(tmp, 'child.js');
  fs.writeFileSync(script, `
const fs = require('fs');
const ts = require(${JSON.stringify(path.join(ROOT, 'node_modules', 'typescript'))});
require.extensions['.ts'] = (module, filename) => {
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  module._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions }).outputText, filename);
};
// CRASH_AT=N: SIGKILL this process just before its Nth file write, link, unlink or rename.
let calls = 0;
const crashAt = Number(process.env.CRASH_AT || 0);
for (const name of ['writeFileSync', 'linkSync', 'unlinkSync', 'renameSync']) {
  const original = fs[name];
  fs[name] = (...args) => {
    calls += 1;
    if (calls === crashAt) process.kill(process.pid, 'SIGKILL');
    return original(...args);
  };
}
const { HostLocalStore } = require(${JSON.stringify(path.join(ROOT, 'lib', 'ipam', 'index.ts'))});
const [network, config, prefix, count] = JSON.parse(process.argv[2]);
const store = new HostLocalStore(network, config);
Promise.all(Array.from({ length: count }, (_, i) => store.allocate(prefix + i, 'eth0')))
  .then((results) => process.stdout.write(JSON.stringify(results.map((r) => r.ips.map((ip) => ip.address)))),
        (error) => { process.stderr.write(String(error.stack)); process.exitCode = 3; });
`);
  return script;
}

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

function runChild(script: string, args: unknown, env: NodeJS.ProcessEnv = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(args)], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

describe('concurrency', () => {
  test('100 allocations at once, from 3 child processes, this process (two stores) and the reference: no address twice', async () => {
    const network = 'busy';
    const ipam: HostLocalConfig = { type: 'host-local', dataDir: dataDir(), ranges: [[{ subnet: '10.30.0.0/24' }]] };
    const script = writeChildScript();
    const stores = [new HostLocalStore(network, ipam), new HostLocalStore(network, ipam)];
    const [children, inProcess, theirs] = await Promise.all([
      Promise.all([0, 1, 2].map((i) => runChild(script, [network, ipam, `child${i}-`, 20]))),
      Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 2].allocate(`local-${i}`, 'eth0'))),
      Promise.all(Array.from({ length: 10 }, (_, i) => referenceAsync('ADD', network, ipam, `ref-${i}`))),
    ]);
    for (const child of children) expect({ code: child.code, err: child.err }).toEqual({ code: 0, err: '' });
    for (const run of theirs) expect(run.code).toBe(0);
    const handedOut = [
      ...children.flatMap((child) => (JSON.parse(child.out) as string[][]).map((ips) => ips[0])),
      ...inProcess.map((r) => r.ips[0].address),
      ...theirs.map((r) => r.result?.ips?.[0].address as string),
    ].map(bare);
    expect(handedOut).toHaveLength(100);
    expect(new Set(handedOut).size).toBe(100);
    const files = addressFiles(path.join(ipam.dataDir as string, network));
    expect(Object.keys(files).sort()).toEqual([...handedOut].sort());
    // Each file names the container that got the address.
    const owners = Object.values(files).map((content) => content.split('\r\n')[0]);
    expect(new Set(owners).size).toBe(100);
  });

  test('exhaustion: a clear error naming the range set; a release makes room again', async () => {
    const ipam: HostLocalConfig = { type: 'host-local', dataDir: dataDir(), subnet: '10.40.0.0/29' };
    const store = new HostLocalStore('small', ipam);
    const got = await Promise.all(Array.from({ length: 5 }, (_, i) => store.allocate(`c${i}`, 'eth0')));
    expect(got.map((r) => r.ips[0].address).sort()).toEqual(['10.40.0.2/29', '10.40.0.3/29', '10.40.0.4/29', '10.40.0.5/29', '10.40.0.6/29']);
    const error = await refusal(store.allocate('c5', 'eth0'));
    expect(error).toMatchObject({ code: 'exhausted', rangeSet: 0 });
    expect(error.message).toContain('10.40.0.1-10.40.0.6');
    expect(error.message).toContain(path.join(ipam.dataDir as string, 'small'));
    expect(reference('ADD', 'small', ipam, 'ref').error?.msg).toMatch(/no IP addresses available/);
    await store.release('c2', 'eth0');
    expect((await store.allocate('c5', 'eth0')).ips[0].address).toBe(got[2].ips[0].address);
  });
});

describe('crash safety', () => {
  // The steps of one allocation: 1 write the address file under a temporary
  // name, 2 link it in place, 3 unlink the temporary name, then the new
  // last_reserved_ip: of the same length as the old one, 4 overwrite it in
  // place; of another length, 4 write it under a temporary name, 5 rename it
  // in place.
  const cases: Array<[string, number, string | undefined, string, string]> = [
    ...[1, 2, 3, 4].map((step): [string, number, string | undefined, string, string] => ['the same length', step, undefined, '10.50.0.2', '10.50.0.3']),
    ...[1, 2, 3, 4, 5].map((step): [string, number, string | undefined, string, string] => ['another length', step, '10.50.0.9', '10.50.0.9', '10.50.0.10']),
  ];
  test.each(cases)('last_reserved_ip of %s: killed before step %i of an allocation, both tools carry on from a consistent state',
    async (_length, step, rangeStart, first, second) => {
      const network = 'crash';
      const ipam: HostLocalConfig = { type: 'host-local', dataDir: dataDir(), ranges: [[{ subnet: '10.50.0.0/28', ...(rangeStart ? { rangeStart } : {}) }]] };
      const dir = path.join(ipam.dataDir as string, network);
      expect(reference('ADD', network, ipam, 'before').code).toBe(0);   // `first`, and last_reserved_ip.0 = first
      const run = await runChild(writeChildScript(), [network, ipam, 'crashed', 1], { CRASH_AT: String(step) });
      expect(run.signal).toBe('SIGKILL');

      const inPlace = rangeStart === undefined;
      const leftovers = fs.readdirSync(dir).filter((name) => name.startsWith('.'));
      expect(leftovers).toHaveLength(step === 2 || step === 3 || (!inPlace && step === 5) ? 1 : 0);
      // Every address file is whole: the crashed allocation is there completely or not at all.
      const files = addressFiles(dir);
      for (const content of Object.values(files)) expect(content).toMatch(/^[^\r\n]+\r\n[^\r\n]+$/);
      expect(Object.values(files).includes('crashed0\r\neth0')).toBe(step >= 3);
      // last_reserved_ip is written last, so it still names the reference's address, whole.
      expect(fs.readFileSync(path.join(dir, 'last_reserved_ip.0'), 'utf8')).toBe(first);

      // The lock died with the process: both tools go on, no address twice, and the leftovers go.
      const store = new HostLocalStore(network, ipam);
      const ours = await store.allocate('after', 'eth0');
      expect(fs.readdirSync(dir).filter((name) => name.startsWith('.'))).toEqual([]);
      const theirs = reference('ADD', network, ipam, 'after-ref');
      expect(theirs.code).toBe(0);
      const addresses = [ours.ips[0].address, theirs.result?.ips?.[0].address].map((a) => bare(a as string));
      expect(new Set([...addresses, first, ...(step >= 3 ? [second] : [])]).size).toBe(step >= 3 ? 4 : 3);
      // What the crashed allocation holds is released by either tool's DEL.
      expect(reference('DEL', network, ipam, 'crashed0').code).toBe(0);
      expect(await store.held('crashed0', 'eth0')).toEqual([]);
      expect(Object.keys(addressFiles(dir)).sort()).toEqual([first, ...addresses].sort());
    });

  test('a whole allocation: last_reserved_ip keeps its inode when its length stays, is replaced when it changes', async () => {
    const ipam: HostLocalConfig = { type: 'host-local', dataDir: dataDir(), ranges: [[{ subnet: '10.50.0.0/28', rangeStart: '10.50.0.8' }]] };
    const store = new HostLocalStore('inode', ipam);
    const file = path.join(ipam.dataDir as string, 'inode', 'last_reserved_ip.0');
    await store.allocate('a', 'eth0');  // 10.50.0.8: made
    const made = fs.statSync(file).ino;
    await store.allocate('b', 'eth0');  // 10.50.0.9: the same length, overwritten
    expect(fs.readFileSync(file, 'utf8')).toBe('10.50.0.9');
    expect(fs.statSync(file).ino).toBe(made);
    await store.allocate('c', 'eth0');  // 10.50.0.10: longer, replaced
    expect(fs.readFileSync(file, 'utf8')).toBe('10.50.0.10');
    expect(fs.statSync(file).ino).not.toBe(made);
    expect(fs.readdirSync(path.dirname(file)).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});
