// Docker-style networks (lib/network) and `vnic network` (lib/cli/network.ts)
// against the real kernel: the seeds' docker example
// (`docker network create -d macvlan --subnet=192.168.8.0/24
// --gateway=192.168.8.1 -o parent=enp0s8 …`, then containers with --ip) with
// enp0s8 a veth end inside a test namespace and the "containers" test
// namespaces that reach each other over it (UDP echo between vnic's own
// sockets, examples/reach.ts); ip ranges, aux addresses, all-or-nothing
// connects, refused removals, persistence, the IPAM shared with the reference
// host-local plugin. State goes to a temporary directory.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';

import { VnicError } from 'vnic';
import type { Handle } from 'vnic';

import { reaches } from '../examples/reach';
import { main } from '../lib/cli/main';
import { HostLocalStore, IpamError } from '../lib/ipam';
import { Networks } from '../lib/network';
import type { NetworkCreateOptions, NetworkDefinition, NetworkEndpoint, NetworkInspection } from '../lib/network';
import { Sandbox, ip, ipJson, linkNames } from './helpers/sandbox';

type Json = Record<string, unknown>;

let sb: Sandbox;
let host: Handle;
let tmp: string;
let dirs = 0;

beforeAll(async () => {
  sb = await Sandbox.create('host', 'sw', 'c1', 'c2', 'c3');
  host = await sb.handle('host');
  // enp0s8: the seed's NIC, a veth end whose peer (the "switch") is up in another test namespace.
  await host.link.add({ name: 'enp0s8', kind: 'veth', peer: { name: 'sw0', netns: sb.ns('sw') }, up: true });
  ip(sb.ns('sw'), 'link', 'set', 'sw0', 'up');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vnic-network-'));
});

afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await sb.cleanup();
});

function stateDir(): string {
  dirs += 1;
  return path.join(tmp, `state${dirs}`);
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** The address and default route the kernel shows for eth0 in a namespace. */
function kernelView(ns: string, ifname = 'eth0'): { addresses: string[]; gateway?: string; mode?: string; mac?: string } {
  const [link] = ipJson(ns, '-d', 'link', 'show', 'dev', ifname);
  const [addrs] = ipJson(ns, 'addr', 'show', 'dev', ifname);
  const routes = ipJson<Array<{ dst: string; gateway?: string }>>(ns, 'route', 'show', 'default');
  return {
    addresses: addrs.addr_info.filter((a: { family: string }) => a.family === 'inet').map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`),
    gateway: routes[0]?.gateway, mode: link.linkinfo?.info_data?.mode, mac: link.address,
  };
}

describe('Networks: the seeds\' docker example', () => {
  let networks: Networks;
  let dir: string;
  const mac1: NetworkCreateOptions = { name: 'mac1', parent: 'enp0s8', subnet: '192.168.8.0/24', gateway: '192.168.8.1' };
  const endpoints: NetworkEndpoint[] = [];

  beforeAll(() => {
    dir = stateDir();
    networks = new Networks({ stateDir: dir, handle: host });
  });
  afterAll(() => networks.close());

  test('create persists the definition, with Docker\'s defaults (bridge mode) and the parent\'s namespace', async () => {
    const definition = await networks.create(mac1);
    expect(definition).toMatchObject({
      name: 'mac1', driver: 'macvlan', parent: 'enp0s8', parentNetns: sb.ns('host'), mode: 'bridge',
      subnet: '192.168.8.0/24', gateway: '192.168.8.1', auxAddresses: {},
    });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'mac1.json'), 'utf8'))).toEqual(definition);
    expect((await refusal(networks.create(mac1))) as VnicError).toMatchObject({ code: 'EEXIST' });
    expect(await networks.list()).toEqual([definition]);
  });

  test('two containers with --ip and one without: addressed, routed, up, and they reach each other', async () => {
    endpoints.push(await networks.connect('mac1', sb.ns('c1'), { ip: '192.168.8.10' }));
    endpoints.push(await networks.connect('mac1', sb.ns('c2'), { ip: '192.168.8.11' }));
    endpoints.push(await networks.connect('mac1', sb.ns('c3')));
    expect(endpoints.map((e) => e.address)).toEqual(['192.168.8.10/24', '192.168.8.11/24', '192.168.8.12/24']);
    for (const [i, role] of ['c1', 'c2', 'c3'].entries()) {
      expect(endpoints[i]).toMatchObject({ network: 'mac1', netns: sb.ns(role), ifname: 'eth0', containerId: sb.ns(role), gateway: '192.168.8.1' });
      expect(kernelView(sb.ns(role))).toEqual({ addresses: [endpoints[i].address], gateway: '192.168.8.1', mode: 'bridge', mac: endpoints[i].mac });
      expect(ipJson(sb.ns(role), 'link', 'show', 'dev', 'eth0')[0].ifindex).toBe(endpoints[i].index);
    }
    expect(await reaches(sb.ns('c1'), { netns: sb.ns('c2'), address: '192.168.8.11' })).toBe(true);
    expect(await reaches(sb.ns('c2'), { netns: sb.ns('c1'), address: '192.168.8.10' })).toBe(true);
    expect(await reaches(sb.ns('c3'), { netns: sb.ns('c1'), address: '192.168.8.10' })).toBe(true);
    // The address a container asked for is taken.
    const taken = await refusal(networks.connect('mac1', sb.ns('c3'), { ip: '192.168.8.10', ifname: 'eth1' }));
    expect(taken).toBeInstanceOf(IpamError);
    expect(taken.message).toContain(sb.ns('c1'));
    expect(linkNames(sb.ns('c3'))).toEqual(['lo', 'eth0']);
  });

  test('inspect lists the endpoints; remove is refused while they are connected', async () => {
    const inspected = await networks.inspect('mac1');
    expect(inspected.endpoints).toEqual(expect.arrayContaining(endpoints));
    expect(inspected.endpoints).toHaveLength(3);
    const busy = (await refusal(networks.remove('mac1'))) as VnicError;
    expect(busy).toMatchObject({ code: 'EBUSY' });
    expect(busy.message).toContain(`eth0 in ${sb.ns('c1')}`);
    expect(fs.existsSync(path.join(dir, 'mac1.json'))).toBe(true);
  });

  test('disconnect removes the interface and releases the address; idempotent; then remove clears everything', async () => {
    const store = new HostLocalStore('mac1', { type: 'host-local', subnet: '192.168.8.0/24', dataDir: path.join(dir, 'ipam') });
    expect(await store.held(sb.ns('c1'), 'eth0')).toEqual(['192.168.8.10']);
    expect(await networks.disconnect('mac1', sb.ns('c1'))).toBe(true);
    expect(linkNames(sb.ns('c1'))).toEqual(['lo']);
    expect(await store.held(sb.ns('c1'), 'eth0')).toEqual([]);
    expect(await networks.disconnect('mac1', sb.ns('c1'))).toBe(false);
    expect(await reaches(sb.ns('c2'), { netns: sb.ns('c3'), address: '192.168.8.12' })).toBe(true);
    await networks.disconnect('mac1', sb.ns('c2'));
    await networks.disconnect('mac1', sb.ns('c3'), { ifname: 'eth0' });
    expect((await networks.inspect('mac1')).endpoints).toEqual([]);
    await networks.remove('mac1');
    expect(fs.readdirSync(dir).sort()).toEqual(['endpoints', 'ipam', 'lock']);
    expect(fs.readdirSync(path.join(dir, 'ipam'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'endpoints'))).toEqual([]);
    expect(await networks.list()).toEqual([]);
    expect((await refusal(networks.remove('mac1'))) as VnicError).toMatchObject({ code: 'ENOENT' });
    expect((await refusal(networks.connect('mac1', sb.ns('c1')))) as VnicError).toMatchObject({ code: 'ENOENT' });
    for (const role of ['c1', 'c2', 'c3']) expect(linkNames(sb.ns(role))).toEqual(['lo']);
  });
});

describe('Networks: options, ranges, all or nothing', () => {
  test('create refuses bad options, naming them, before anything is written', async () => {
    const dir = stateDir();
    const networks = new Networks({ stateDir: dir, handle: host });
    const base: NetworkCreateOptions = { name: 'n1', parent: 'enp0s8', subnet: '10.60.0.0/24' };
    const cases: Array<[Partial<NetworkCreateOptions> & Json, string]> = [
      [{ name: '-bad' }, 'name'], [{ name: 'a/b' }, 'name'], [{ subnet: '10.60.0.5/24' }, 'subnet'], [{ subnet: '10.60.0.0' }, 'subnet'],
      [{ subnet: '10.60.0.0/31' }, 'subnet'], [{ subnet: 'ten' }, 'subnet'], [{ gateway: '10.61.0.1' }, 'gateway'],
      [{ gateway: '10.60.0.0' }, 'gateway'], [{ ipRange: '10.61.0.0/28' }, 'ipRange'], [{ ipRange: '10.60.0.0/23' }, 'ipRange'],
      [{ auxAddresses: { r: '10.61.0.2' } }, 'auxAddresses.r'], [{ mode: 'bogus' as never }, 'mode'], [{ driver: 'ipvlan' as never }, 'driver'],
      [{ mtu: 20 }, 'mtu'], [{ parent: 'no-such-nic' }, 'parent'], [{ colour: 'blue' }, 'colour'],
    ];
    for (const [change, field] of cases) {
      const error = (await refusal(networks.create({ ...base, ...change } as NetworkCreateOptions))) as VnicError;
      expect({ change, error: error instanceof VnicError, field: error.field }).toEqual({ change, error: true, field });
    }
    expect(fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : []).toEqual([]);
    networks.close();
  });

  test('--ip-range limits allocation, aux addresses and the gateway are never handed out, exhaustion is clear', async () => {
    const dir = stateDir();
    const networks = new Networks({ stateDir: dir, handle: host });
    const definition = await networks.create({
      name: 'ranged', parent: 'enp0s8', subnet: '10.60.0.0/24', gateway: '10.60.0.129', ipRange: '10.60.0.128/29',
      auxAddresses: { router: '10.60.0.130', printer: '10.60.0.5' }, mode: 'private', mtu: 1400,
    });
    expect(definition).toMatchObject({ ipRange: '10.60.0.128/29', auxAddresses: { router: '10.60.0.130', printer: '10.60.0.5' } });
    const got: string[] = [];
    const made: NetworkEndpoint[] = [];
    for (let i = 0; i < 6; i++) made.push(await networks.connect('ranged', sb.ns('c1'), { ifname: `eth${i}`, containerId: 'ctr-a' }));
    got.push(...made.map((e) => e.address));
    expect(made.map((e) => e.defaultRoute)).toEqual([true, false, false, false, false, false]);
    // .128-.135, less the gateway (.129) and the aux address inside the range (.130).
    expect(got).toEqual(['10.60.0.128/24', '10.60.0.131/24', '10.60.0.132/24', '10.60.0.133/24', '10.60.0.134/24', '10.60.0.135/24']);
    const exhausted = await refusal(networks.connect('ranged', sb.ns('c1'), { ifname: 'eth9', containerId: 'ctr-a' }));
    expect(exhausted).toMatchObject({ code: 'exhausted' });
    expect(linkNames(sb.ns('c1'))).not.toContain('eth9');
    // Outside the ip range (even inside the subnet): refused, as the shared host-local IPAM has no range there.
    expect(await refusal(networks.connect('ranged', sb.ns('c2'), { ip: '10.60.0.20' }))).toMatchObject({ code: 'requested-unavailable' });
    const [eth0] = ipJson(sb.ns('c1'), '-d', 'link', 'show', 'dev', 'eth0');
    expect(eth0).toMatchObject({ mtu: 1400, linkinfo: { info_data: { mode: 'private' } } });
    expect(kernelView(sb.ns('c1')).gateway).toBe('10.60.0.129');
    // One default route, through the first interface, as Docker gives a container one.
    expect(ipJson(sb.ns('c1'), 'route', 'show', 'default')).toEqual([expect.objectContaining({ dev: 'eth0' })]);
    for (let i = 0; i < 6; i++) expect(await networks.disconnect('ranged', sb.ns('c1'), { ifname: `eth${i}` })).toBe(true);
    expect(linkNames(sb.ns('c1'))).toEqual(['lo']);
    await networks.remove('ranged');
    networks.close();
  });

  test('a failed attach releases the address and leaves no record; a missing namespace likewise', async () => {
    const dir = stateDir();
    const networks = new Networks({ stateDir: dir, handle: host });
    await networks.create({ name: 'strict', parent: 'enp0s8', subnet: '10.61.0.0/24' });
    const c3 = await sb.handle('c3');
    await c3.link.add({ name: 'eth0', kind: 'veth', peer: { name: 'peer0' } });   // the name connect wants is taken
    const failed = (await refusal(networks.connect('strict', sb.ns('c3')))) as VnicError;
    expect(failed).toMatchObject({ code: 'EEXIST' });
    const store = new HostLocalStore('strict', { type: 'host-local', subnet: '10.61.0.0/24', dataDir: path.join(dir, 'ipam') });
    expect(await store.list()).toEqual([]);
    expect((await networks.inspect('strict')).endpoints).toEqual([]);
    expect(linkNames(sb.ns('c3')).sort()).toEqual(['eth0', 'lo', 'peer0']);
    await c3.link.del('eth0');
    expect((await refusal(networks.connect('strict', 'vt-no-such-namespace'))) as VnicError).toMatchObject({ code: 'ENOENT' });
    expect(await store.list()).toEqual([]);
    // It works once the name is free; the address freed by the failures comes back round robin.
    expect((await networks.connect('strict', sb.ns('c3'))).address).toMatch(/^10\.61\.0\.\d+\/24$/);
    await networks.disconnect('strict', sb.ns('c3'));
    await networks.remove('strict');
    networks.close();
  });

  test('a connect interrupted before it finished blocks remove until disconnect clears it', async () => {
    const dir = stateDir();
    const networks = new Networks({ stateDir: dir, handle: host });
    await networks.create({ name: 'halfway', parent: 'enp0s8', subnet: '10.62.0.0/24' });
    // What a crash between the endpoint record and the attach leaves: a pending record and an allocation.
    const store = new HostLocalStore('halfway', { type: 'host-local', subnet: '10.62.0.0/24', dataDir: path.join(dir, 'ipam') });
    await store.allocate('crashed', 'eth0');
    const record = path.join(dir, 'endpoints', 'halfway', `${sb.ns('c2')}@eth0.json`);
    fs.mkdirSync(path.dirname(record), { recursive: true });
    fs.writeFileSync(record, JSON.stringify({ network: 'halfway', netns: sb.ns('c2'), ifname: 'eth0', containerId: 'crashed', pending: true }));
    const inspected: NetworkInspection = await networks.inspect('halfway');
    expect(inspected.endpoints).toEqual([expect.objectContaining({ pending: true, containerId: 'crashed' })]);
    expect((await refusal(networks.remove('halfway'))) as VnicError).toMatchObject({ code: 'EBUSY' });
    // Meanwhile another network gave c2 its eth0: clearing the stale record must leave that interface alone.
    await networks.create({ name: 'other', parent: 'enp0s8', subnet: '10.65.0.0/24' });
    const other = await networks.connect('other', sb.ns('c2'));
    expect(await networks.disconnect('halfway', sb.ns('c2'))).toBe(true);
    expect(await store.list()).toEqual([]);
    expect(kernelView(sb.ns('c2')).addresses).toEqual([other.address]);
    await networks.remove('halfway');
    expect(await networks.disconnect('other', sb.ns('c2'))).toBe(true);
    expect(linkNames(sb.ns('c2'))).toEqual(['lo']);
    await networks.remove('other');
    networks.close();
  });

  test('definitions persist; a later Networks without a handle finds the parent\'s namespace; VNIC_STATE_DIR is the default', async () => {
    const dir = stateDir();
    const creator = new Networks({ stateDir: dir, handle: host });
    await creator.create({ name: 'kept', parent: 'enp0s8', subnet: '10.63.0.0/24' });
    creator.close();
    const saved = process.env.VNIC_STATE_DIR;
    process.env.VNIC_STATE_DIR = dir;
    let later: Networks;
    try {
      later = new Networks();
    } finally {
      if (saved === undefined) delete process.env.VNIC_STATE_DIR;
      else process.env.VNIC_STATE_DIR = saved;
    }
    expect(later.stateDir).toBe(dir);
    expect((await later.list()).map((d: NetworkDefinition) => d.name)).toEqual(['kept']);
    const endpoint = await later.connect('kept', sb.ns('c1'));
    expect(kernelView(sb.ns('c1')).addresses).toEqual([endpoint.address]);
    await later.disconnect('kept', sb.ns('c1'));
    await later.remove('kept');
    later.close();
  });

  test('the IPAM is host-local\'s: the reference plugin allocates on a network\'s state around vnic\'s endpoints', async () => {
    const dir = stateDir();
    const networks = new Networks({ stateDir: dir, handle: host });
    await networks.create({ name: 'shared', parent: 'enp0s8', subnet: '10.64.0.0/29', auxAddresses: { dns: '10.64.0.3' } });
    const ours = await networks.connect('shared', sb.ns('c1'));
    expect(ours.address).toBe('10.64.0.2/29');
    const config = { cniVersion: '1.0.0', name: 'shared', type: 'macvlan', ipam: { type: 'host-local', subnet: '10.64.0.0/29', dataDir: path.join(dir, 'ipam') } };
    const env = { PATH: process.env.PATH, CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'ref', CNI_NETNS: `/run/netns/${sb.ns('c2')}`, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' };
    const run = spawnSync('/usr/lib/cni/host-local', [], { env, input: JSON.stringify(config), encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).ips[0].address).toBe('10.64.0.4/29');   // .1 gateway, .2 ours, .3 the aux address
    const del = spawnSync('/usr/lib/cni/host-local', [], { env: { ...env, CNI_COMMAND: 'DEL' }, input: JSON.stringify(config), encoding: 'utf8' });
    expect(del.status).toBe(0);
    await networks.disconnect('shared', sb.ns('c1'));
    await networks.remove('shared');
    networks.close();
  });
});

interface Run {
  code: number;
  out: string;
  err: string;
}

async function vnic(args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (text) => { out += text; }, stderr: (text) => { err += text; }, stdin: Readable.from(['']) });
  return { code, out, err };
}

describe('vnic network', () => {
  let dir: string;
  const at = () => ['--state-dir', dir];

  beforeAll(() => {
    dir = stateDir();
  });

  test('the seeds\' docker commands, word for word, with the parent in a namespace (-n)', async () => {
    const created = await vnic(['-n', sb.ns('host'), 'network', 'create', '-d', 'macvlan', '--subnet=192.168.8.0/24', '--gateway=192.168.8.1',
      '-o', 'parent=enp0s8', 'mcv', ...at()]);
    expect(created).toEqual({ code: 0, out: 'mcv\n', err: '' });
    const listed = await vnic(['network', 'ls', ...at()]);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^NAME +DRIVER +PARENT +MODE +SUBNET +GATEWAY +IP RANGE\n/);
    expect(listed.out).toContain(`mcv   macvlan  enp0s8@${sb.ns('host')}  bridge  192.168.8.0/24  192.168.8.1  -`);
    const json = JSON.parse((await vnic(['-j', 'network', 'ls', ...at()])).out) as NetworkDefinition[];
    expect(json).toEqual([expect.objectContaining({ name: 'mcv', parent: 'enp0s8', mode: 'bridge', subnet: '192.168.8.0/24', gateway: '192.168.8.1' })]);

    // Like `docker run --net=mcv --ip …`: no -n, the network remembers where its parent is.
    const one = await vnic(['network', 'connect', '--ip', '192.168.8.110', 'mcv', sb.ns('c1'), ...at()]);
    expect(one).toMatchObject({ code: 0, err: '' });
    expect(one.out).toMatch(new RegExp(`^eth0 in ${sb.ns('c1')}: 192\\.168\\.8\\.110/24 via 192\\.168\\.8\\.1, mac [0-9a-f:]{17}\\n$`));
    const two = JSON.parse((await vnic(['-j', 'network', 'connect', 'mcv', sb.ns('c2'), '--ifname', 'eth0', ...at()])).out) as NetworkEndpoint;
    expect(two).toMatchObject({ network: 'mcv', netns: sb.ns('c2'), address: '192.168.8.111/24', gateway: '192.168.8.1' });
    expect(kernelView(sb.ns('c2'))).toMatchObject({ addresses: ['192.168.8.111/24'], gateway: '192.168.8.1', mac: two.mac });
    expect(await reaches(sb.ns('c1'), { netns: sb.ns('c2'), address: '192.168.8.111' })).toBe(true);
    expect(await reaches(sb.ns('c2'), { netns: sb.ns('c1'), address: '192.168.8.110' })).toBe(true);

    const inspected = await vnic(['network', 'inspect', 'mcv', ...at()]);
    const [network] = JSON.parse(inspected.out) as NetworkInspection[];
    expect(network.endpoints.map((e) => (e as NetworkEndpoint).address).sort()).toEqual(['192.168.8.110/24', '192.168.8.111/24']);
    expect(inspected.out).toContain('\n    ');   // indented, as docker inspect prints

    const refused = await vnic(['network', 'rm', 'mcv', ...at()]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^Error: network mcv has 2 connected endpoint\(s\).*disconnect them first.*EBUSY/);
    expect(await vnic(['network', 'disconnect', 'mcv', sb.ns('c1'), ...at()])).toEqual({ code: 0, out: '', err: '' });
    expect(await vnic(['network', 'disconnect', 'mcv', sb.ns('c1'), ...at()])).toEqual({ code: 0, out: '', err: '' });
    expect(await vnic(['network', 'disconnect', '--ifname=eth0', 'mcv', sb.ns('c2'), ...at()])).toEqual({ code: 0, out: '', err: '' });
    expect(linkNames(sb.ns('c1'))).toEqual(['lo']);
    expect(linkNames(sb.ns('c2'))).toEqual(['lo']);
    expect(await vnic(['network', 'rm', 'mcv', ...at()])).toEqual({ code: 0, out: 'mcv\n', err: '' });
    expect(await vnic(['-j', 'network', 'ls', ...at()])).toEqual({ code: 0, out: '[]\n', err: '' });
  });

  test('ip range, aux addresses, mode and mtu through docker\'s flags', async () => {
    const created = await vnic(['-n', sb.ns('host'), '-j', 'network', 'create', '--subnet', '10.70.0.0/24', '--ip-range', '10.70.0.64/30',
      '--aux-address', 'a=10.70.0.65', '--aux-address=b=10.70.0.66', '-o', 'parent=enp0s8', '-o', 'macvlan_mode=vepa', '--mtu', '1280', 'flags', ...at()]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({
      name: 'flags', mode: 'vepa', mtu: 1280, ipRange: '10.70.0.64/30', gateway: '10.70.0.1', auxAddresses: { a: '10.70.0.65', b: '10.70.0.66' },
    });
    const connected = await vnic(['-j', 'network', 'connect', 'flags', sb.ns('c3'), ...at()]);
    expect(JSON.parse(connected.out)).toMatchObject({ address: '10.70.0.64/24' });
    const full = await vnic(['network', 'connect', '--ifname', 'eth1', 'flags', sb.ns('c3'), ...at()]);
    expect(full).toMatchObject({ code: 0 });
    expect(full.out).toContain('10.70.0.67/24');
    const none = await vnic(['network', 'connect', '--ifname', 'eth2', 'flags', sb.ns('c3'), ...at()]);
    expect(none.code).not.toBe(0);
    expect(none.err).toMatch(/^Error: no free address in range set 0 \(10\.70\.0\.64-10\.70\.0\.67\)/);
    for (const ifname of ['eth0', 'eth1']) expect((await vnic(['network', 'disconnect', '--ifname', ifname, 'flags', sb.ns('c3'), ...at()])).code).toBe(0);
    expect((await vnic(['network', 'rm', 'flags', ...at()])).code).toBe(0);
  });

  test('bad command lines are usage errors that say what is wrong', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['network', 'create', '--subnet', '10.1.0.0/24', 'x'], /needs the parent link: -o parent=IFNAME/],
      [['network', 'create', '-o', 'parent=enp0s8', 'x'], /needs --subnet CIDR/],
      [['network', 'create', '--subnet', '10.1.0.0/24', '-o', 'parent=enp0s8', '-o', 'colour=blue', 'x'], /unknown driver option "colour"/],
      [['network', 'create', '--frob', 'x'], /unknown flag "--frob"/],
      [['network', 'create', '--subnet'], /"--subnet" needs a value/],
      [['network', 'connect', 'mcv'], /takes NETWORK NETNS \(got mcv\)/],
      [['network', 'create', '--subnet', '10.1.0.0/24', '--gateway', '10.2.0.1', '-o', 'parent=enp0s8', 'x'], /gateway: 10\.2\.0\.1 is not in subnet 10\.1\.0\.0\/24/],
      [['network', 'frobnicate'], /unknown command "frobnicate" for "network"/],
    ];
    for (const [args, message] of cases) {
      const run = await vnic(['-n', sb.ns('host'), ...args.slice(0, 2), ...at(), ...args.slice(2)]);
      expect({ args, code: run.code, out: run.out }).toEqual({ args, code: 1, out: '' });
      expect(run.err).toMatch(message);
    }
    expect(fs.existsSync(path.join(dir, 'x.json'))).toBe(false);
    const help = await vnic(['network', 'help']);
    expect(help.code).toBe(0);
    for (const verb of ['create', 'connect', 'disconnect', 'ls', 'inspect', 'rm', '--aux-address', '--ip-range', 'macvlan_mode']) expect(help.out).toContain(verb);
    expect((await vnic(['help'])).out).toMatch(/network +Docker-style macvlan networks/);
  });
});
