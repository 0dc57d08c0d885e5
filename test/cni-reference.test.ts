// vnic-cni beside the reference macvlan plugin (/usr/lib/cni/macvlan with
// /usr/lib/cni/host-local): the same configurations on twin hosts (a test
// namespace each, with a veth end p0 as the master), run into twin container
// namespaces; the results, the errors and the kernel state inside the
// containers must match (MAC and ifindex aside), except where vnic-cni
// differs on purpose — each such difference is asserted here.
import { VERSION_RESULT } from '../lib/cni/version';
import {
  CniBench, confFor, envOf, ipamFiles, kernelState, linkNames, normaliseResult, txqlen,
} from './helpers/cni';
import type { Outcome, Side } from './helpers/cni';
import { ip, ipJson } from './helpers/sandbox';

jest.setTimeout(120_000);

let bench: CniBench;

beforeAll(async () => {
  bench = await CniBench.create();
});

afterEach(async () => {
  await bench.reset();
});

afterAll(async () => {
  await bench?.cleanup();
});

const SUBNET = '10.77.0.0/24';

function l3(more: Record<string, unknown> = {}, ipamMore: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: '1.0.0', name: 'cnitest', type: 'macvlan', master: 'p0',
    ipam: { type: 'host-local', ranges: [[{ subnet: SUBNET, gateway: '10.77.0.1' }]], routes: [{ dst: '0.0.0.0/0' }], ...ipamMore },
    ...more,
  };
}

function l2(more: Record<string, unknown> = {}): Record<string, unknown> {
  return { cniVersion: '1.0.0', name: 'cnitest', type: 'macvlan', master: 'p0', ...more };
}

interface Twins {
  ref: string;
  vnic: string;
}

async function twins(): Promise<Twins> {
  return { ref: await bench.container('r'), vnic: await bench.container('v') };
}

async function drop(pair: Twins): Promise<void> {
  await bench.dropContainer(pair.ref);
  await bench.dropContainer(pair.vnic);
}

/** Runs one command on both sides, each into its own container, with its own dataDir. */
async function both(command: string, pair: Twins, conf: Record<string, unknown>, more: Record<string, string> = {},
                    vnicSide: Side = 'vnic'): Promise<{ ref: Outcome; vnic: Outcome }> {
  const ref = await bench.call('reference', envOf(command, pair.ref, more), confFor(bench.ref, conf));
  const vnic = await bench.call(vnicSide, envOf(command, pair.vnic, more), confFor(bench.vnic, conf));
  return { ref, vnic };
}

function expectSameState(pair: Twins, options: { keepMac?: boolean } = {}): void {
  expect(kernelState(pair.vnic, options)).toEqual(kernelState(pair.ref, options));
}

test('VERSION: vnic-cni lists every version the reference does, and 1.1.0', async () => {
  const ref = bench.reference({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}');
  const vnic = await bench.vnicCall({ CNI_COMMAND: 'VERSION', CNI_NETNS: 'dummy', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy' }, '{"cniVersion":"1.0.0"}');
  const exec = bench.vnicExec({ CNI_COMMAND: 'VERSION' }, '');
  expect(vnic.stdout).toBe(VERSION_RESULT);
  expect(exec).toMatchObject({ exitCode: 0, stdout: VERSION_RESULT });
  expect(vnic.json.supportedVersions).toEqual([...ref.json.supportedVersions, '1.1.0']);
  expect(vnic.json.cniVersion).toBe('1.1.0');
});

test('ADD with host-local: same result, kernel state and IPAM files; CHECK passes; DEL cleans up and is idempotent', async () => {
  const pair = await twins();
  const conf = l3();
  const add = await both('ADD', pair, conf);
  expect(add.ref.exitCode).toBe(0);
  expect(add.vnic.exitCode).toBe(0);
  expect(normaliseResult(add.vnic.json)).toEqual(normaliseResult(add.ref.json));
  expect(add.vnic.json.interfaces[0]).toMatchObject({ name: 'eth0', sandbox: `/run/netns/${pair.vnic}` });
  expect(add.vnic.json.ips).toEqual([{ interface: 0, address: '10.77.0.2/24', gateway: '10.77.0.1' }]);
  // The printed JSON is indented as the reference prints it.
  expect(add.vnic.stdout).toBe(JSON.stringify(add.vnic.json, null, 4));

  expectSameState(pair);
  const state = kernelState(pair.vnic);
  expect(state.links.find((l) => l.ifname === 'eth0')).toMatchObject({ operstate: 'UP', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'bridge' } } });
  expect(state.routes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.77.0.1', protocol: 'boot' }));
  expect(state.arpNotify).toBe('1');
  // The MAC reported is the one the kernel has.
  expect(ipJson(pair.vnic, 'link', 'show', 'dev', 'eth0')[0].address).toBe(add.vnic.json.interfaces[0].mac);
  // A difference on purpose: the reference (1.1.1) sets txqueuelen 0 by accident of its netlink library; vnic leaves the kernel's default.
  expect(txqlen(pair.ref)).toBe(0);
  expect(txqlen(pair.vnic)).toBe(1000);
  // The same on-disk state (lock, one file per address holding "<id>\r\n<ifname>", last_reserved_ip.0).
  expect(ipamFiles(bench.vnic.dataDir, 'cnitest')).toEqual(ipamFiles(bench.ref.dataDir, 'cnitest'));
  expect(ipamFiles(bench.vnic.dataDir, 'cnitest')['10.77.0.2']).toBe('ctr-1\r\neth0');

  // CHECK: each side gets its own ADD's result as prevResult.
  expect(bench.reference(envOf('CHECK', pair.ref), confFor(bench.ref, { ...conf, prevResult: add.ref.json }))).toEqual({ exitCode: 0, stdout: '', json: undefined });
  expect(await bench.vnicCall(envOf('CHECK', pair.vnic), confFor(bench.vnic, { ...conf, prevResult: add.vnic.json }))).toEqual({ exitCode: 0, stdout: '', json: undefined });

  const del = await both('DEL', pair, { ...conf, prevResult: add.ref.json });
  expect(del.ref).toMatchObject({ exitCode: 0, stdout: '' });
  expect(del.vnic).toMatchObject({ exitCode: 0, stdout: '' });
  expect(linkNames(pair.vnic)).toEqual(['lo']);
  expect(linkNames(pair.ref)).toEqual(['lo']);
  expect(ipamFiles(bench.vnic.dataDir, 'cnitest')).toEqual(ipamFiles(bench.ref.dataDir, 'cnitest'));
  expect(Object.keys(ipamFiles(bench.vnic.dataDir, 'cnitest'))).toEqual(['last_reserved_ip.0', 'lock']);

  // DEL again, DEL with the namespace gone, DEL with an empty CNI_NETNS: all succeed, on both.
  for (const more of [{}, { CNI_NETNS: '/run/netns/vt-no-such-namespace' }, { CNI_NETNS: '' }] as Array<Record<string, string>>) {
    const again = await both('DEL', pair, conf, more);
    expect(again.ref).toMatchObject({ exitCode: 0, stdout: '' });
    expect(again.vnic).toMatchObject({ exitCode: 0, stdout: '' });
  }
  await drop(pair);
});

describe.each(['bridge', 'private', 'vepa', 'passthru'])('mode %s, L2 only', (mode) => {
  test('same result and kernel state', async () => {
    const pair = await twins();
    const add = await both('ADD', pair, l2({ mode }));
    expect(add.ref.exitCode).toBe(0);
    expect(add.vnic.exitCode).toBe(0);
    expect(normaliseResult(add.vnic.json)).toEqual(normaliseResult(add.ref.json));
    expect(add.vnic.json).not.toHaveProperty('ips');
    expect(kernelState(pair.vnic)).toEqual(kernelState(pair.ref));
    expect(kernelState(pair.vnic).links.find((l) => l.ifname === 'eth0').linkinfo.info_data.mode).toBe(mode);
    // A passthru macvlan takes its master's MAC; both report it.
    if (mode === 'passthru') {
      expect(add.vnic.json.interfaces[0].mac).toBe(ipJson(bench.vnic.ns, 'link', 'show', 'dev', 'p0')[0].address);
      expect(add.ref.json.interfaces[0].mac).toBe(ipJson(bench.ref.ns, 'link', 'show', 'dev', 'p0')[0].address);
    }
    const del = await both('DEL', pair, l2({ mode }));
    expect([del.ref.exitCode, del.vnic.exitCode]).toEqual([0, 0]);
    await drop(pair);
  });
});

test('mtu from the config, and the master\'s when absent or 0', async () => {
  for (const mtu of [1400, 0, undefined]) {
    const pair = await twins();
    const add = await both('ADD', pair, l3(mtu === undefined ? {} : { mtu }));
    expect([add.ref.exitCode, add.vnic.exitCode]).toEqual([0, 0]);
    expectSameState(pair);
    expect(ipJson(pair.vnic, 'link', 'show', 'dev', 'eth0')[0].mtu).toBe(mtu || 1500);
    await both('DEL', pair, l3());
    await drop(pair);
  }
});

test('mac from the config, CNI_ARGS MAC= and runtimeConfig.mac (the latter wins)', async () => {
  const cases: Array<[Record<string, unknown>, Record<string, string>, string]> = [
    [{ mac: '02:00:00:77:00:01' }, {}, '02:00:00:77:00:01'],
    [{ mac: '02:00:00:77:00:01' }, { CNI_ARGS: 'IgnoreUnknown=1;MAC=02:00:00:77:00:02' }, '02:00:00:77:00:02'],
    [{ mac: '02:00:00:77:00:01', runtimeConfig: { mac: '02:00:00:77:00:03' } }, { CNI_ARGS: 'IgnoreUnknown=1;MAC=02:00:00:77:00:02' }, '02:00:00:77:00:03'],
  ];
  for (const [more, env, mac] of cases) {
    const pair = await twins();
    const add = await both('ADD', pair, l3(more), env);
    expect([add.ref.exitCode, add.vnic.exitCode]).toEqual([0, 0]);
    expect(add.vnic.json.interfaces[0].mac).toBe(mac);
    expect(normaliseResult(add.vnic.json, true)).toEqual({ ...normaliseResult(add.ref.json, true) });
    // The MAC is the same on both sides (twin hosts, so no clash): the whole state compares, MAC included.
    expectSameState(pair, { keepMac: true });
    await both('DEL', pair, l3(more), env);
    await drop(pair);
  }
});

describe.each(['0.3.1', '0.4.0', '1.0.0', '0.2.0'])('cniVersion %s', (cniVersion) => {
  test('the result has the same shape (dual stack, routes, dns)', async () => {
    const pair = await twins();
    const conf = l3({ cniVersion, dns: { nameservers: ['192.0.2.53'], search: ['example.test'] } }, {
      ranges: [[{ subnet: SUBNET, gateway: '10.77.0.1' }], [{ subnet: 'fd00:77::/64' }]],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '10.78.0.0/16', gw: '10.77.0.9' }],
    });
    const add = await both('ADD', pair, conf);
    expect([add.ref.exitCode, add.vnic.exitCode]).toEqual([0, 0]);
    expect(normaliseResult(add.vnic.json)).toEqual(normaliseResult(add.ref.json));
    expect(add.vnic.stdout.replace(/"mac": "[^"]*"/, '').replace(/"sandbox": "[^"]*"/, ''))
      .toBe(add.ref.stdout.replace(/"mac": "[^"]*"/, '').replace(/"sandbox": "[^"]*"/, ''));
    expectSameState(pair);
    await both('DEL', pair, conf);
    await drop(pair);
  });
});

test('0.2.0 without ipam: both refuse (a 0.2.0 result needs an address); the reference leaves its link behind, vnic-cni makes nothing', async () => {
  const pair = await twins();
  const add = await both('ADD', pair, l2({ cniVersion: '0.2.0' }));
  expect(add.ref.exitCode).toBe(1);
  expect(add.vnic.exitCode).toBe(1);
  expect(add.vnic.json.msg).toMatch(/must carry an IP address/);
  expect(linkNames(pair.ref)).toEqual(['lo', 'eth0']);
  expect(linkNames(pair.vnic)).toEqual(['lo']);
  await drop(pair);
});

test('CHECK: needs prevResult; fails on a MAC or an address that differs', async () => {
  const pair = await twins();
  const conf = l3();
  const add = await both('ADD', pair, conf);
  const prev = { ref: add.ref.json, vnic: add.vnic.json };
  const check = async (mutate: (result: any) => void, withPrev = true) => {
    const out: Record<'ref' | 'vnic', Outcome> = {} as never;
    for (const side of ['ref', 'vnic'] as const) {
      const result = JSON.parse(JSON.stringify(prev[side]));
      mutate(result);
      const stdin = confFor(bench[side], withPrev ? { ...conf, prevResult: result } : conf);
      out[side] = await bench.call(side === 'ref' ? 'reference' : 'vnic', envOf('CHECK', pair[side]), stdin);
    }
    return out;
  };
  const none = await check(() => undefined, false);
  expect([none.ref.exitCode, none.vnic.exitCode]).toEqual([1, 1]);
  expect(none.vnic.json.msg).toMatch(/prevResult/);
  const mac = await check((r) => { r.interfaces[0].mac = '02:00:00:00:00:99'; });
  expect([mac.ref.exitCode, mac.vnic.exitCode]).toEqual([1, 1]);
  expect(mac.vnic.json.msg).toMatch(/MAC .* prevResult says 02:00:00:00:00:99/);
  const addr = await check((r) => { r.ips[0].address = '10.77.0.200/24'; });
  expect([addr.ref.exitCode, addr.vnic.exitCode]).toEqual([1, 1]);
  expect(addr.vnic.json.msg).toMatch(/10\.77\.0\.200/);
  const fine = await check(() => undefined);
  expect([fine.ref.exitCode, fine.vnic.exitCode]).toEqual([0, 0]);
  await both('DEL', pair, conf);
  await drop(pair);
});

describe('errors: the same code as the reference, a clearer message', () => {
  let pair: Twins;
  beforeEach(async () => { pair = await twins(); });

  const cases: Array<[string, Record<string, unknown> | string, Record<string, string>, number, RegExp]> = [
    ['ifname of 16 bytes', l2(), { CNI_IFNAME: 'abcdefghijklmnop' }, 4, /CNI_IFNAME 'abcdefghijklmnop' is too long: 16 bytes/],
    ['container id with a space', l2(), { CNI_CONTAINERID: 'a b' }, 4, /CNI_CONTAINERID 'a b' has invalid characters/],
    ['no CNI_PATH', l2(), { CNI_PATH: '' }, 4, /CNI_PATH missing/],
    ['unknown command', l2(), { CNI_COMMAND: 'FROB' }, 4, /unknown CNI_COMMAND: FROB/],
    ['bad JSON', '{"cniVersion":"1.0.0","name":', {}, 6, /not JSON/],
    ['bad network name', l2({ name: 'net 1' }), {}, 7, /invalid characters in network name 'net 1'/],
    ['no network name', l2({ name: undefined }), {}, 7, /missing network name/],
    ['unsupported version', l2({ cniVersion: '9.9.9' }), {}, 1, /cniVersion 9\.9\.9 is not supported/],
    ['missing master', l2({ master: 'nope0' }), {}, 999, /master "nope0" not found in network namespace vt/],
    ['mtu above the master\'s', l2({ mtu: 9000 }), {}, 999, /invalid MTU 9000: above the master p0's MTU 1500/],
    ['unknown CNI_ARGS key', l2(), { CNI_ARGS: 'FOO=1' }, 4, /CNI_ARGS: unknown key FOO/],
  ];
  test.each(cases)('%s', async (_what, conf, env, code, message) => {
    const stdin = (host: typeof bench.ref) => (typeof conf === 'string' ? conf : confFor(host, conf));
    const ref = bench.reference(envOf('ADD', pair.ref, env), stdin(bench.ref));
    const vnic = await bench.vnicCall(envOf('ADD', pair.vnic, env), stdin(bench.vnic));
    // CNI_ARGS: the reference says 999 ("ARGS: unknown args"); vnic-cni says 4, a bad environment variable.
    expect(ref.exitCode).toBe(1);
    expect(ref.json.code).toBe(env.CNI_ARGS ? 999 : code);
    expect(vnic).toMatchObject({ exitCode: 1, json: { code, msg: expect.stringMatching(message) } });
    expect(linkNames(pair.vnic)).toEqual(['lo']);
  });

  test('field errors: the reference says 999, vnic-cni says 7 (invalid network config) and names the field', async () => {
    for (const [conf, field] of [[l2({ mode: 'weird' }), 'mode'], [l2({ mac: 'zz' }), 'mac'], [l2({ mtu: 'x' }), 'mtu']] as const) {
      const ref = bench.reference(envOf('ADD', pair.ref), confFor(bench.ref, conf));
      const vnic = await bench.vnicCall(envOf('ADD', pair.vnic), confFor(bench.vnic, conf));
      expect(ref.json.code).toBe(999);
      expect(vnic.json).toMatchObject({ code: 7, msg: expect.stringContaining(`invalid network config: ${field}`) });
    }
    expect(linkNames(pair.ref)).toEqual(['lo']);
    expect(linkNames(pair.vnic)).toEqual(['lo']);
  });

  test('cniVersion 1.1.0: vnic-cni speaks it, the reference (1.1.1) does not', async () => {
    const ref = bench.reference(envOf('ADD', pair.ref), confFor(bench.ref, l2({ cniVersion: '1.1.0' })));
    const vnic = await bench.vnicCall(envOf('ADD', pair.vnic), confFor(bench.vnic, l2({ cniVersion: '1.1.0' })));
    expect(ref.json.code).toBe(1);
    expect(vnic).toMatchObject({ exitCode: 0, json: { cniVersion: '1.1.0', interfaces: [{ name: 'eth0' }] } });
    expect((await bench.vnicCall(envOf('DEL', pair.vnic), confFor(bench.vnic, l2({ cniVersion: '1.1.0' })))).exitCode).toBe(0);
  });
});

test('a failed ADD (range exhausted): the reference leaves a DOWN macvlan, vnic-cni leaves nothing', async () => {
  const conf = l3({}, { ranges: [[{ subnet: SUBNET, rangeStart: '10.77.0.50', rangeEnd: '10.77.0.50' }]] });
  const first = await twins();
  const taken = await both('ADD', first, conf, { CNI_CONTAINERID: 'ctr-first' });
  expect([taken.ref.exitCode, taken.vnic.exitCode]).toEqual([0, 0]);
  const pair = await twins();
  const add = await both('ADD', pair, conf);
  expect(add.ref.exitCode).toBe(1);
  expect(add.vnic).toMatchObject({ exitCode: 1, json: { code: 999, msg: expect.stringMatching(/host-local IPAM: .*10\.77\.0\.50/) } });
  const left = ipJson(pair.ref, 'link', 'show', 'dev', 'eth0')[0];
  expect(left.flags).not.toContain('UP');
  expect(linkNames(pair.vnic)).toEqual(['lo']);
  // The first container keeps its address on both sides.
  expect(ipamFiles(bench.vnic.dataDir, 'cnitest')['10.77.0.50']).toBe('ctr-first\r\neth0');
  expect(ipamFiles(bench.ref.dataDir, 'cnitest')['10.77.0.50']).toBe('ctr-first\r\neth0');
  await both('DEL', first, conf, { CNI_CONTAINERID: 'ctr-first' });
  await both('DEL', pair, conf);
  await drop(first);
  await drop(pair);
});

test('a failed ADD (route through an unreachable gateway): the reference leaves its macvlan, vnic-cni leaves nothing, releases the address and names the step', async () => {
  const pair = await twins();
  const conf = l3({}, { routes: [{ dst: '10.79.0.0/16', gw: '192.0.2.1' }] });
  const add = await both('ADD', pair, conf);
  expect(add.ref.exitCode).toBe(1);
  expect(add.vnic).toMatchObject({ exitCode: 1, json: { code: 999 } });
  expect(add.vnic.json.msg).toMatch(/failed at step 'route 10\.79\.0\.0\/16 via 192\.0\.2\.1': ENETUNREACH/);
  // The address the reference got (the twins' round robins move together) is the one vnic-cni released.
  const refAddress = ipJson(pair.ref, 'addr', 'show', 'dev', 'eth0')[0].addr_info.find((a: any) => a.family === 'inet').local;
  expect(add.vnic.json.details).toBe(`nothing was left in the namespace; ${refAddress} released by the built-in host-local IPAM`);
  expect(linkNames(pair.ref)).toEqual(['lo', 'eth0']);
  expect(linkNames(pair.vnic)).toEqual(['lo']);
  expect(Object.keys(ipamFiles(bench.vnic.dataDir, 'cnitest')).filter((f) => /^\d/.test(f))).toEqual([]);
  await both('DEL', pair, conf);
  await drop(pair);
});

test('no master: both take the interface of the default route', async () => {
  for (const host of [bench.ref, bench.vnic]) {
    ip(host.ns, 'addr', 'add', '10.77.0.254/24', 'dev', 'p0');
    ip(host.ns, 'route', 'add', 'default', 'via', '10.77.0.1');
  }
  try {
    const pair = await twins();
    const add = await both('ADD', pair, l2({ master: undefined }));
    expect([add.ref.exitCode, add.vnic.exitCode]).toEqual([0, 0]);
    expectSameState(pair);
    expect(ipJson(pair.vnic, '-d', 'link', 'show', 'dev', 'eth0')[0].linkinfo.info_kind).toBe('macvlan');
    await both('DEL', pair, l2());
    await drop(pair);
  } finally {
    for (const host of [bench.ref, bench.vnic]) {
      ip(host.ns, 'route', 'del', 'default');
      ip(host.ns, 'addr', 'del', '10.77.0.254/24', 'dev', 'p0');
    }
  }
});

test('delegation: ipam.type static runs the reference static plugin on CNI_PATH', async () => {
  const pair = await twins();
  const conf = l3({}, {});
  conf.ipam = { type: 'static', addresses: [{ address: '10.77.0.60/24', gateway: '10.77.0.1' }], routes: [{ dst: '10.80.0.0/16' }], dns: { nameservers: ['192.0.2.53'] } };
  const add = await both('ADD', pair, conf);
  expect([add.ref.exitCode, add.vnic.exitCode]).toEqual([0, 0]);
  expect(normaliseResult(add.vnic.json)).toEqual(normaliseResult(add.ref.json));
  expect(add.vnic.json.ips).toEqual([{ interface: 0, address: '10.77.0.60/24', gateway: '10.77.0.1' }]);
  expectSameState(pair);
  const del = await both('DEL', pair, conf);
  expect([del.ref.exitCode, del.vnic.exitCode]).toEqual([0, 0]);
  expect(linkNames(pair.vnic)).toEqual(['lo']);
  // The delegate's own refusal comes back with its code and says who refused.
  const bad = { ...conf, ipam: { type: 'static', addresses: [{ address: 'nonsense' }] } };
  const refused = await both('ADD', pair, bad);
  expect(refused.vnic).toMatchObject({ exitCode: 1, json: { code: refused.ref.json.code, msg: expect.stringMatching(/^IPAM plugin static \(ADD\): /) } });
  expect(linkNames(pair.vnic)).toEqual(['lo']);
  await both('DEL', pair, conf);
  await drop(pair);
});

test('vnic extras the reference lacks: source mode with macaddr, nopromisc, bcqueuelen (kernel state checked)', async () => {
  const pair = await twins();
  const source = l2({ mode: 'source', macaddr: ['02:00:00:00:01:01', '02:00:00:00:01:02'] });
  const ref = bench.reference(envOf('ADD', pair.ref), confFor(bench.ref, source));
  expect(ref.json).toMatchObject({ code: 999, msg: expect.stringMatching(/unknown macvlan mode/) });
  const vnic = await bench.vnicCall(envOf('ADD', pair.vnic), confFor(bench.vnic, source));
  expect(vnic.exitCode).toBe(0);
  const data = ipJson(pair.vnic, '-d', 'link', 'show', 'dev', 'eth0')[0].linkinfo.info_data;
  expect(data).toMatchObject({ mode: 'source', macaddr_count: 2 });
  expect([...data.macaddr_data].sort()).toEqual(['02:00:00:00:01:01', '02:00:00:00:01:02']);
  await bench.vnicCall(envOf('DEL', pair.vnic), confFor(bench.vnic, source));

  const extras = l2({ mode: 'passthru', nopromisc: true, bcqueuelen: 2000 });
  const added = await bench.vnicCall(envOf('ADD', pair.vnic), confFor(bench.vnic, extras));
  expect(added.exitCode).toBe(0);
  const info = ipJson(pair.vnic, '-d', 'link', 'show', 'dev', 'eth0')[0].linkinfo.info_data;
  expect(info).toMatchObject({ mode: 'passthru', nopromisc: true, bcqueuelen: 2000 });
  // nopromisc: the master did not go promiscuous.
  expect(ipJson(bench.vnic.ns, '-d', 'link', 'show', 'dev', 'p0')[0].promiscuity).toBe(0);
  // CHECK knows the extras too.
  const checkWith = (conf: Record<string, unknown>) => bench.vnicCall(envOf('CHECK', pair.vnic), confFor(bench.vnic, { ...conf, prevResult: added.json }));
  expect(await checkWith(extras)).toMatchObject({ exitCode: 0, stdout: '' });
  expect(await checkWith({ ...extras, bcqueuelen: 3000 })).toMatchObject({ exitCode: 1, json: { msg: expect.stringMatching(/bcqueuelen 2000, the configuration says 3000/) } });
  await bench.vnicCall(envOf('DEL', pair.vnic), confFor(bench.vnic, extras));
  expect(linkNames(pair.vnic)).toEqual(['lo']);
  await drop(pair);
});

test('the executable (node dist/lib/cni/main.js) gives what runCni gives: ADD, CHECK, DEL', async () => {
  const pair = await twins();
  const conf = l3();
  const add = await both('ADD', pair, conf, {}, 'vnic-exec');
  expect([add.ref.exitCode, add.vnic.exitCode]).toEqual([0, 0]);
  expect(normaliseResult(add.vnic.json)).toEqual(normaliseResult(add.ref.json));
  expectSameState(pair);
  const check = bench.vnicExec(envOf('CHECK', pair.vnic), confFor(bench.vnic, { ...conf, prevResult: add.vnic.json }));
  expect(check).toEqual({ exitCode: 0, stdout: '', json: undefined });
  const error = bench.vnicExec(envOf('ADD', pair.vnic, { CNI_IFNAME: 'abcdefghijklmnop' }), confFor(bench.vnic, conf));
  expect(error).toMatchObject({ exitCode: 1, json: { code: 4 } });
  const del = await both('DEL', pair, conf, {}, 'vnic-exec');
  expect([del.ref.exitCode, del.vnic.exitCode]).toEqual([0, 0]);
  expect(linkNames(pair.vnic)).toEqual(['lo']);
  await drop(pair);
});
