// vnic-cni's core on its own: the environment, configuration and result
// rules (no kernel needed), then runCni against the real kernel in test
// namespaces — the warm context, namespace safety, all-or-nothing ADD,
// requested addresses, linkInContainer, GC, STATUS, delegation failures — and
// the attach options the plugin added (macvlan extras, broadcast).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { netns } from 'vnic';
import type { Handle } from 'vnic';

import { CniContext, runCni } from '../lib/cni/plugin';
import { parseMacvlanConf, parseNetconf } from '../lib/cni/config';
import { parseCniArgs, parseEnv } from '../lib/cni/env';
import { CniError } from '../lib/cni/errors';
import { parseResult, shapeResult } from '../lib/cni/result';
import type { CniResult } from '../lib/cni/result';
import { SUPPORTED_VERSIONS, VERSION_RESULT, compareVersions } from '../lib/cni/version';
import { ipamFiles, linkNames } from './helpers/cni';
import { Sandbox, ip, ipJson, uniqueNs } from './helpers/sandbox';

jest.setTimeout(60_000);

function refusal(fn: () => unknown): CniError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CniError) return error;
    throw error;
  }
  throw new Error('expected a CniError');
}

describe('environment', () => {
  const base = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin:/usr/lib/cni' };

  test('a complete ADD environment', () => {
    expect(parseEnv(base)).toMatchObject({ command: 'ADD', containerId: 'c1', netns: '/run/netns/x', ifname: 'eth0', path: ['/opt/cni/bin', '/usr/lib/cni'] });
  });

  test.each([
    ['CNI_COMMAND missing', { CNI_COMMAND: undefined }, /CNI_COMMAND is not set/],
    ['unknown command', { CNI_COMMAND: 'FROB' }, /unknown CNI_COMMAND: FROB/],
    ['two variables missing', { CNI_NETNS: '', CNI_PATH: undefined }, /variables CNI_NETNS, CNI_PATH missing or empty/],
    ['ifname of 16 bytes', { CNI_IFNAME: 'abcdefghijklmnop' }, /'abcdefghijklmnop' is too long: 16 bytes/],
    ['ifname with a colon', { CNI_IFNAME: 'eth0:1' }, /not a valid interface name/],
    ['ifname ..', { CNI_IFNAME: '..' }, /not a valid interface name/],
    ['container id with a slash', { CNI_CONTAINERID: 'a/b' }, /CNI_CONTAINERID 'a\/b' has invalid characters/],
    ['malformed CNI_ARGS', { CNI_ARGS: 'IgnoreUnknown=1;JUNK' }, /'JUNK' is not a KEY=VALUE pair/],
  ])('%s: code 4, naming the variable', (_what, change, message) => {
    const error = refusal(() => parseEnv({ ...base, ...change }));
    expect(error).toMatchObject({ code: 4, msg: expect.stringMatching(message) });
  });

  test('DEL may come without a namespace; STATUS and GC need only CNI_PATH; VERSION needs nothing', () => {
    expect(parseEnv({ ...base, CNI_COMMAND: 'DEL', CNI_NETNS: '' })).toMatchObject({ netns: '' });
    expect(parseEnv({ CNI_COMMAND: 'STATUS', CNI_PATH: '/x' })).toMatchObject({ command: 'STATUS' });
    expect(parseEnv({ CNI_COMMAND: 'GC', CNI_PATH: '/x', CNI_IFNAME: 'way-too-long-for-an-ifname' })).toMatchObject({ command: 'GC' });
    expect(parseEnv({ CNI_COMMAND: 'VERSION' })).toMatchObject({ command: 'VERSION' });
    expect(refusal(() => parseEnv({ ...base, CNI_COMMAND: 'DEL', CNI_CONTAINERID: '' })).code).toBe(4);
  });

  test('CNI_ARGS: MAC and IP read, K8S_POD_* ignored, others only with IgnoreUnknown', () => {
    expect(parseCniArgs('K8S_POD_NAME=web;K8S_POD_NAMESPACE=default;MAC=02:00:00:00:00:07;IP=10.0.0.9,10.0.1.9;'))
      .toMatchObject({ mac: '02:00:00:00:00:07', ips: ['10.0.0.9', '10.0.1.9'], ignoreUnknown: false });
    expect(refusal(() => parseCniArgs('FOO=1;BAR=2'))).toMatchObject({ code: 4, msg: 'CNI_ARGS: unknown keys FOO, BAR' });
    expect(parseCniArgs('IgnoreUnknown=true;FOO=1')).toMatchObject({ ignoreUnknown: true, pairs: { FOO: '1' } });
    expect(parseCniArgs('IgnoreUnknown=1;TOKEN=a=b').pairs.TOKEN).toBe('a=b');
    expect(refusal(() => parseCniArgs('IgnoreUnknown=maybe')).code).toBe(4);
  });
});

describe('configuration', () => {
  const env = parseEnv({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/x', CNI_IFNAME: 'eth0', CNI_PATH: '/x', CNI_ARGS: 'MAC=02:00:00:00:00:02' });
  const conf = (value: unknown, command: 'ADD' | 'CHECK' | 'GC' | 'STATUS' = 'ADD') => parseNetconf(JSON.stringify(value), command);

  test('the shared checks in order: JSON (6), name (7), version (1), the command\'s floor (1)', () => {
    expect(refusal(() => parseNetconf('', 'ADD'))).toMatchObject({ code: 6, msg: expect.stringMatching(/stdin is empty/) });
    expect(refusal(() => parseNetconf('[1]', 'ADD'))).toMatchObject({ code: 6 });
    expect(refusal(() => conf({ name: 7 }))).toMatchObject({ code: 6 });
    expect(refusal(() => conf({ cniVersion: '1.0.0' }))).toMatchObject({ code: 7, msg: 'missing network name' });
    expect(refusal(() => conf({ name: '-x' }))).toMatchObject({ code: 7 });
    expect(refusal(() => conf({ name: 'n', cniVersion: '2.0.0' }))).toMatchObject({ code: 1, details: `vnic-cni supports ${SUPPORTED_VERSIONS.join(', ')}` });
    expect(refusal(() => conf({ name: 'n', cniVersion: '0.3.1' }, 'CHECK'))).toMatchObject({ code: 1, msg: 'config version 0.3.1 does not allow CHECK' });
    expect(refusal(() => conf({ name: 'n', cniVersion: '1.0.0' }, 'GC'))).toMatchObject({ code: 1 });
    expect(refusal(() => conf({ name: 'n', cniVersion: '1.0.0' }, 'STATUS'))).toMatchObject({ code: 1 });
    expect(conf({ name: 'n' }).cniVersion).toBe('0.1.0');
  });

  test('macvlan keys: defaults, and each refusal is code 7 naming the key', () => {
    const parsed = parseMacvlanConf(conf({ name: 'n', cniVersion: '1.0.0' }), parseCniArgs(''));
    expect(parsed).toMatchObject({ mode: 'bridge', linkInContainer: false, dns: {}, requestedIps: [] });
    expect(parsed.master).toBeUndefined();
    expect(parsed.mtu).toBeUndefined();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ mode: 'fast' }, 'mode'], [{ mtu: -1 }, 'mtu'], [{ mtu: 1.5 }, 'mtu'], [{ mtu: 20 }, 'mtu'],
      [{ mac: '01:00:00:00:00:01' }, 'mac'], [{ mac: 'zz' }, 'mac'], [{ master: 'a/b' }, 'master'],
      [{ nopromisc: true }, 'nopromisc'], [{ macaddr: ['02:00:00:00:00:01'] }, 'macaddr'],
      [{ mode: 'source', macaddr: ['bad'] }, 'macaddr[0]'], [{ bcqueuelen: -5 }, 'bcqueuelen'],
      [{ linkInContainer: 'yes' }, 'linkInContainer'], [{ ipam: [] }, 'ipam'], [{ ipam: { type: '../x' } }, 'ipam.type'],
      [{ runtimeConfig: { ips: [1] } }, 'runtimeConfig.ips'], [{ dns: { nameservers: 'x' } }, 'dns.nameservers'],
    ];
    for (const [more, field] of bad) {
      const error = refusal(() => parseMacvlanConf(conf({ name: 'n', ...more }), parseCniArgs('')));
      expect(error).toMatchObject({ code: 7, msg: expect.stringContaining(`invalid network config: ${field} `) });
    }
  });

  test('the MAC: config, then CNI_ARGS, then runtimeConfig; requested addresses in host-local\'s order', () => {
    const raw = { name: 'n', mac: '02:00:00:00:00:01', args: { cni: { ips: ['10.0.0.7'] } }, runtimeConfig: { ips: ['10.0.0.8/24'] } };
    expect(parseMacvlanConf(conf(raw), env.args).mac).toBe('02:00:00:00:00:02');
    expect(parseMacvlanConf(conf({ ...raw, runtimeConfig: { mac: '02:00:00:00:00:03' } }), env.args).mac).toBe('02:00:00:00:00:03');
    expect(parseMacvlanConf(conf(raw), parseCniArgs('IP=10.0.0.6')).requestedIps).toEqual(['10.0.0.6', '10.0.0.7', '10.0.0.8/24']);
    // An ipam without a type is L2 only, as with the reference.
    expect(parseMacvlanConf(conf({ name: 'n', ipam: {} }), env.args).ipam).toBeUndefined();
  });
});

describe('results', () => {
  const full: CniResult = {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/x' }],
    ips: [{ interface: 0, address: '10.0.0.2/24', gateway: '10.0.0.1' }, { interface: 0, address: 'fd00::2/64', gateway: 'fd00::1' },
      { interface: 0, address: '10.0.1.2/24' }],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00::1' }, { dst: '10.9.0.0/16', gw: '10.0.0.9', priority: 5 }],
    dns: { nameservers: ['192.0.2.53'] },
  };

  test('1.x: key order and fields as the reference prints them', () => {
    const text = JSON.stringify(shapeResult(full, '1.0.0'));
    expect(text.indexOf('"cniVersion"')).toBeLessThan(text.indexOf('"interfaces"'));
    expect(text.indexOf('"routes"')).toBeLessThan(text.indexOf('"dns"'));
    expect(shapeResult(full, '1.0.0')).toEqual({ ...full, cniVersion: '1.0.0' });
    expect(Object.keys(shapeResult({ cniVersion: '1.0.0', interfaces: full.interfaces }, '1.0.0'))).toEqual(['cniVersion', 'interfaces', 'dns']);
  });

  test('0.3.x / 0.4.0: every IP says its family; routes keep dst and gw only', () => {
    const shaped = shapeResult(full, '0.4.0') as any;
    expect(shaped.ips.map((i: any) => i.version)).toEqual(['4', '6', '4']);
    expect(Object.keys(shaped.ips[0])).toEqual(['version', 'interface', 'address', 'gateway']);
    expect(shaped.routes[2]).toEqual({ dst: '10.9.0.0/16', gw: '10.0.0.9' });
    expect(Object.keys(shaped)).toEqual(['cniVersion', 'interfaces', 'ips', 'routes', 'dns']);
  });

  test('0.1.0 / 0.2.0: the first address of each family, with the routes of its family', () => {
    expect(shapeResult(full, '0.2.0')).toEqual({
      cniVersion: '0.2.0',
      ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1', routes: [{ dst: '0.0.0.0/0' }, { dst: '10.9.0.0/16', gw: '10.0.0.9' }] },
      ip6: { ip: 'fd00::2/64', gateway: 'fd00::1', routes: [{ dst: '::/0', gw: 'fd00::1' }] },
      dns: { nameservers: ['192.0.2.53'] },
    });
    expect(refusal(() => shapeResult({ cniVersion: '0.2.0', interfaces: full.interfaces }, '0.2.0')).code).toBe(7);
  });

  test('any shape reads back into the current one', () => {
    for (const version of ['1.0.0', '0.4.0', '0.3.1'] as const) {
      const back = parseResult(shapeResult(full, version), 'x');
      expect(back.ips).toEqual(full.ips);
      expect(back.interfaces).toEqual(full.interfaces);
    }
    const legacy = parseResult(shapeResult(full, '0.2.0'), 'x');
    expect(legacy.ips).toEqual([{ address: '10.0.0.2/24', gateway: '10.0.0.1' }, { address: 'fd00::2/64', gateway: 'fd00::1' }]);
    expect(legacy.routes).toHaveLength(3);
    expect(refusal(() => parseResult({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.300/24' }] }, 'prevResult')))
      .toMatchObject({ code: 7, msg: expect.stringMatching(/^prevResult is not a valid CNI result: ips\[0\]\.address/) });
  });
});

describe('VERSION', () => {
  test('the exact answer, and version.ts imports nothing (VERSION must not load the addon)', async () => {
    expect(VERSION_RESULT).toBe('{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}');
    const source = fs.readFileSync(path.join(__dirname, '..', 'lib', 'cni', 'version.ts'), 'utf8');
    expect(source).not.toMatch(/^\s*import\s|require\(/m);
    expect(await runCni({ env: { CNI_COMMAND: 'VERSION', CNI_NETNS: 'dummy' }, stdin: 'not json' })).toEqual({ exitCode: 0, stdout: VERSION_RESULT });
    expect(compareVersions('0.10.0', '0.4.0')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0', '1.0')).toBe(0);
  });
});

describe('runCni against the kernel', () => {
  let sb: Sandbox;
  let host: Handle;
  let context: CniContext;
  let dataDir: string;
  const containers: string[] = [];

  beforeAll(async () => {
    sb = await Sandbox.create('host', 'sw');
    host = await sb.handle('host');
    await host.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1', netns: sb.ns('sw') }, up: true });
    ip(sb.ns('sw'), 'link', 'set', 'p1', 'up');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnic-cni-core-'));
    context = new CniContext({ hostNetns: sb.ns('host') });
  });

  afterEach(async () => {
    context.close();
    context = new CniContext({ hostNetns: sb.ns('host') });
    for (const name of containers.splice(0)) if (netns.exists(name)) await netns.del(name);
  });

  afterAll(async () => {
    context?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await sb.cleanup();
  });

  async function container(): Promise<string> {
    const name = uniqueNs('k');
    await netns.add(name);
    containers.push(name);
    return name;
  }

  let networks = 0;
  /** A config on a network of its own (so each test has its own IPAM state). */
  function network(more: Record<string, unknown> = {}, ipam: Record<string, unknown> | null = {}): Record<string, unknown> {
    networks += 1;
    return {
      cniVersion: '1.1.0', name: `core${networks}`, type: 'vnic-cni', master: 'p0',
      ...(ipam === null ? {} : { ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.88.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], ...ipam } }),
      ...more,
    };
  }

  function call(command: string, ns: string, conf: Record<string, unknown>, more: Record<string, string | undefined> = {}, ctx = context) {
    return runCni({
      env: { CNI_COMMAND: command, CNI_CONTAINERID: 'k1', CNI_NETNS: `/run/netns/${ns}`, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni', ...more },
      stdin: JSON.stringify(conf),
    }, ctx).then((outcome) => ({ ...outcome, json: outcome.stdout ? JSON.parse(outcome.stdout) : undefined }));
  }

  test('ADD, CHECK, DEL through one context: the namespace is held warm until DEL', async () => {
    const ns = await container();
    const conf = network();
    const add = await call('ADD', ns, conf);
    expect(add).toMatchObject({ exitCode: 0, json: { cniVersion: '1.1.0', ips: [{ interface: 0, address: '10.88.0.2/24', gateway: '10.88.0.1' }] } });
    expect(context.openNamespaces).toBe(1);
    expect(await call('CHECK', ns, { ...conf, prevResult: add.json })).toMatchObject({ exitCode: 0, stdout: '' });
    expect(await call('DEL', ns, conf)).toMatchObject({ exitCode: 0, stdout: '' });
    expect(context.openNamespaces).toBe(0);
    expect(linkNames(ns)).toEqual(['lo']);
    // CHECK after DEL fails, saying what is missing.
    expect(await call('CHECK', ns, { ...conf, prevResult: add.json })).toMatchObject({ exitCode: 1, json: { msg: expect.stringMatching(/holds no address for container k1 interface eth0/) } });
  });

  test('namespaces are let go beyond the bound and when idle', async () => {
    const [a, b] = [await container(), await container()];
    const bounded = new CniContext({ hostNetns: sb.ns('host'), maxNamespaces: 1 });
    const idle = new CniContext({ hostNetns: sb.ns('host'), namespaceIdleMs: 0 });
    try {
      for (const ctx of [bounded, idle]) {
        const conf = network({}, null);
        expect((await call('ADD', a, conf, {}, ctx)).exitCode).toBe(0);
        expect((await call('ADD', b, conf, { CNI_IFNAME: 'eth1' }, ctx)).exitCode).toBe(0);
        expect(ctx.openNamespaces).toBe(1);
        await call('DEL', a, conf, {}, ctx);
        await call('DEL', b, conf, { CNI_IFNAME: 'eth1' }, ctx);
      }
    } finally {
      bounded.close();
      idle.close();
    }
    expect(linkNames(a)).toEqual(['lo']);
  });

  test('CNI_NETNS naming the plugin\'s own namespace is refused (code 8) before anything is touched', async () => {
    const conf = network({}, null);
    for (const command of ['ADD', 'DEL']) {
      const out = await call(command, sb.ns('host'), conf, { CNI_IFNAME: 'p0' });
      expect(out).toMatchObject({ exitCode: 1, json: { code: 8, msg: expect.stringMatching(/is the plugin's own network namespace/) } });
    }
    expect((await host.link.get('p0')).up).toBe(true);
  });

  test('ADD into a namespace that does not exist: a clear error; DEL there succeeds', async () => {
    const conf = network();
    const add = await call('ADD', 'vt-no-such-ns', conf);
    expect(add).toMatchObject({ exitCode: 1, json: { code: 999, msg: 'CNI_NETNS /run/netns/vt-no-such-ns does not exist' } });
    expect(Object.keys(ipamFiles(dataDir, conf.name as string)).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(await call('DEL', 'vt-no-such-ns', conf)).toMatchObject({ exitCode: 0, stdout: '' });
  });

  test('all or nothing: ifname taken in the container — the step is named, the address released, the other link untouched', async () => {
    const ns = await container();
    ip(ns, 'link', 'add', 'eth0', 'type', 'bridge');
    const conf = network();
    const add = await call('ADD', ns, conf);
    expect(add.json).toMatchObject({ code: 999, msg: expect.stringMatching(/^ADD of eth0 in \/run\/netns\/\S+ failed at step 'create': EEXIST/) });
    expect(add.json.details).toMatch(/^nothing was left in the namespace; 10\.88\.0\.\d+ released by the built-in host-local IPAM$/);
    expect(Object.keys(ipamFiles(dataDir, conf.name as string)).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(ipJson(ns, '-d', 'link', 'show', 'dev', 'eth0')[0].linkinfo.info_kind).toBe('bridge');
  });

  test('requested addresses: CNI_ARGS IP=, runtimeConfig.ips; runtimeConfig.ipRanges go first', async () => {
    const [a, b, c] = [await container(), await container(), await container()];
    const conf = network();
    expect((await call('ADD', a, conf, { CNI_ARGS: 'IP=10.88.0.77' })).json.ips[0].address).toBe('10.88.0.77/24');
    expect((await call('ADD', b, { ...conf, runtimeConfig: { ips: ['10.88.0.78/24'] } }, { CNI_CONTAINERID: 'k2' })).json.ips[0].address).toBe('10.88.0.78/24');
    const ranged = await call('ADD', c, { ...conf, runtimeConfig: { ipRanges: [[{ subnet: '10.89.0.0/24' }]] } }, { CNI_CONTAINERID: 'k3' });
    expect(ranged.json.ips.map((i: { address: string }) => i.address)).toEqual(['10.89.0.2/24', '10.88.0.2/24']);
    // A requested address already taken: refused, nothing made.
    const d = await container();
    expect(await call('ADD', d, conf, { CNI_ARGS: 'IP=10.88.0.77', CNI_CONTAINERID: 'k4' })).toMatchObject({ exitCode: 1, json: { code: 999 } });
    expect(linkNames(d)).toEqual(['lo']);
    expect(ipamFiles(dataDir, conf.name as string)['10.88.0.77']).toBe('k1\r\neth0');
  });

  test('concurrent ADDs through one context get distinct addresses; concurrent DELs release them all', async () => {
    const names = await Promise.all(Array.from({ length: 12 }, () => container()));
    const conf = network();
    const adds = await Promise.all(names.map((ns, i) => call('ADD', ns, conf, { CNI_CONTAINERID: `c${i}` })));
    expect(adds.every((a) => a.exitCode === 0)).toBe(true);
    const addresses = adds.map((a) => a.json.ips[0].address);
    expect(new Set(addresses).size).toBe(names.length);
    const dels = await Promise.all(names.map((ns, i) => call('DEL', ns, conf, { CNI_CONTAINERID: `c${i}` })));
    expect(dels.every((d) => d.exitCode === 0)).toBe(true);
    expect(Object.keys(ipamFiles(dataDir, conf.name as string)).filter((f) => /^\d/.test(f))).toEqual([]);
  });

  test('linkInContainer: the master lives in the container namespace', async () => {
    const ns = await container();
    ip(ns, 'link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'm1');
    ip(ns, 'link', 'set', 'm0', 'up');
    ip(ns, 'link', 'set', 'm1', 'up');
    const conf = network({ master: 'm0', linkInContainer: true });
    const add = await call('ADD', ns, conf);
    expect(add.exitCode).toBe(0);
    const [eth0] = ipJson(ns, '-d', 'link', 'show', 'dev', 'eth0');
    expect(eth0).toMatchObject({ link: 'm0', linkinfo: { info_kind: 'macvlan' } });
    expect(await call('CHECK', ns, { ...conf, prevResult: add.json })).toMatchObject({ exitCode: 0 });
    // A host-side master of that name does not exist: without linkInContainer the same config fails.
    expect((await call('ADD', ns, { ...conf, linkInContainer: false }, { CNI_IFNAME: 'eth1' })).json.msg).toMatch(/master "m0" not found in network namespace/);
    expect(await call('DEL', ns, conf)).toMatchObject({ exitCode: 0 });
    expect(linkNames(ns).sort()).toEqual(['lo', 'm0', 'm1']);
  });

  test('GC releases what no valid attachment holds; refuses without the list', async () => {
    const [a, b] = [await container(), await container()];
    const conf = network();
    await call('ADD', a, conf, { CNI_CONTAINERID: 'keep' });
    await call('ADD', b, conf, { CNI_CONTAINERID: 'stale' });
    const gcEnv = { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined };
    expect(await call('GC', a, conf, gcEnv)).toMatchObject({ exitCode: 1, json: { code: 7, msg: expect.stringMatching(/valid-attachments/) } });
    expect(await call('GC', a, { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] }, gcEnv)).toMatchObject({ exitCode: 0, stdout: '' });
    const files = ipamFiles(dataDir, conf.name as string);
    expect(Object.entries(files).filter(([f]) => /^\d/.test(f)).map(([, owner]) => owner)).toEqual(['keep\r\neth0']);
  });

  test('STATUS: ready with a master, code 50 without; the command needs cniVersion 1.1.0', async () => {
    const env = { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined };
    expect(await call('STATUS', 'x', network(), env)).toEqual({ exitCode: 0, stdout: '', json: undefined });
    expect(await call('STATUS', 'x', network({ master: 'nope0' }), env)).toMatchObject({ exitCode: 1, json: { code: 50, msg: expect.stringMatching(/can not serve ADD now: master "nope0" not found/) } });
    expect(await call('STATUS', 'x', network({ cniVersion: '1.0.0' }), env)).toMatchObject({ exitCode: 1, json: { code: 1 } });
  });

  test('a foreign IPAM type that is not on CNI_PATH: a clear error, nothing made', async () => {
    const ns = await container();
    const out = await call('ADD', ns, network({ ipam: { type: 'no-such-ipam' } }));
    expect(out).toMatchObject({ exitCode: 1, json: { code: 999, msg: 'failed to find plugin "no-such-ipam" in path [/usr/lib/cni]' } });
    expect(linkNames(ns)).toEqual(['lo']);
  });

  test('DEL reads only name, version and ipam: a config ADD would refuse still cleans up', async () => {
    const ns = await container();
    const conf = network();
    expect((await call('ADD', ns, conf)).exitCode).toBe(0);
    expect(await call('DEL', ns, { ...conf, mode: 'no-such-mode', master: 'gone0' })).toMatchObject({ exitCode: 0, stdout: '' });
    expect(linkNames(ns)).toEqual(['lo']);
    expect(Object.keys(ipamFiles(dataDir, conf.name as string)).filter((f) => /^\d/.test(f))).toEqual([]);
  });

  test('a config without cniVersion is 0.1.0: the old ip4 result', async () => {
    const ns = await container();
    const conf = network();
    delete conf.cniVersion;
    const out = await call('ADD', ns, conf);
    expect(out.json).toEqual({ cniVersion: '0.1.0', ip4: { ip: '10.88.0.2/24', gateway: '10.88.0.1', routes: [{ dst: '0.0.0.0/0' }] }, dns: {} });
    await call('DEL', ns, conf);
  });

  test('attach takes the macvlan extras and address options the plugin needs', async () => {
    const ns = await container();
    await host.attach({ netns: ns, link: 'p0', mode: 'source', macaddr: ['02:00:00:00:02:01'], bcqueuelen: 3000,
      addresses: [{ address: '10.90.0.5/24', broadcast: '+' }, '10.91.0.5/24'] });
    const [eth0] = ipJson(ns, '-d', 'addr', 'show', 'dev', 'eth0');
    expect(eth0.linkinfo.info_data).toMatchObject({ mode: 'source', macaddr_count: 1, bcqueuelen: 3000 });
    const v4 = eth0.addr_info.filter((a: { family: string }) => a.family === 'inet');
    expect(v4).toEqual([expect.objectContaining({ local: '10.90.0.5', broadcast: '10.90.0.255' }), expect.not.objectContaining({ broadcast: expect.anything() })]);
    await host.detach({ netns: ns });
    await expect(host.attach({ netns: ns, link: 'p0', addresses: [{ address: '10.90.0.5/24', label: 'x' } as never] })).rejects.toMatchObject({ code: 'EINVAL', field: 'label' });
    await expect(host.attach({ netns: ns, link: 'p0', nopromisc: true })).rejects.toMatchObject({ code: 'EINVAL', field: 'nopromisc' });
    expect(linkNames(ns)).toEqual(['lo']);
  });
});
