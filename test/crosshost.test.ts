// The seeds' cross-host lab (examples/cross-host.ts, seed 004), fact by fact:
// two hosts on one L2 segment, two bridge-mode macvlan containers each, one
// /24. Containers reach each other on a host and across hosts; a host and its
// own containers don't reach each other. Every "no" is paired with controls
// that show both ends work, so a broken lab can't pass for the limitation.
// Reachability is a UDP echo through vnic's own sockets: no program spawned.
import { netns } from 'vnic';

import {
  ADDRESSES, CONTAINERS, CrossHostLab, ContainerName, HOSTS, NIC, build, check, crossHostLab, survey, teardown,
} from '../examples/cross-host';
import { removeStale, runPrefix } from '../examples/lab-namespaces';

const TAG = 'vtxhost';
let lab: CrossHostLab;

beforeAll(async () => {
  await removeStale(TAG);
  lab = crossHostLab(runPrefix(TAG));
  await build(lab);
});

afterAll(async () => {
  if (!lab) return;
  expect((await teardown(lab)).left).toEqual([]);
  expect((await netns.list()).filter((name) => name.startsWith(lab.prefix))).toEqual([]);
});

/** "192.168.1.2/24" as `addr.list` reports it. */
async function addressesOf(handleOwner: string, link: string): Promise<string[]> {
  const list = await lab.spaces.handle(handleOwner).addr.list({ link, family: 4 });
  return list.map((a) => `${a.address}/${a.prefixlen}`);
}

describe('the lab is the seed\'s', () => {
  test('each host\'s eth0 is one end of a veth to the other host: up, promiscuous, with .1 / .11', async () => {
    for (const host of HOSTS) {
      const eth0 = await lab.spaces.handle(host).link.get(NIC, { stats: false });
      expect(eth0).toMatchObject({ kind: 'veth', up: true, promisc: true });
      // The peer lives in another namespace: the other host.
      expect(eth0.linkNetnsId).toBeDefined();
      expect(await addressesOf(host, NIC)).toEqual([ADDRESSES[host]]);
    }
  });

  test('each container has an eth0: a bridge-mode macvlan on its host\'s eth0, up, with the seed\'s address', async () => {
    for (const [container, host] of Object.entries(CONTAINERS) as Array<[ContainerName, string]>) {
      const parent = await lab.spaces.handle(host).link.get(NIC, { stats: false });
      const eth0 = await lab.spaces.handle(container).link.get(NIC, { stats: false });
      expect(eth0).toMatchObject({ kind: 'macvlan', up: true, info: { mode: 'bridge' }, link: parent.index });
      expect(eth0.linkNetnsId).toBeDefined();
      expect(await addressesOf(container, NIC)).toEqual([ADDRESSES[container]]);
    }
  });

  test('the macvlans were made inside the containers: none is left on the hosts', async () => {
    for (const host of HOSTS) expect(await lab.spaces.handle(host).link.list({ kind: 'macvlan' })).toEqual([]);
  });
});

describe('containers on the same host', () => {
  test('hostA-net2 reaches hostA-net3 (seed: net2 pings 192.168.1.3)', async () => {
    expect(await check(lab, 'hostA-net2', 'hostA-net3')).toBe(true);
  });

  test('hostB-net3 reaches hostB-net2', async () => {
    expect(await check(lab, 'hostB-net3', 'hostB-net2')).toBe(true);
  });
});

describe('containers on different hosts', () => {
  test('hostA-net2 reaches hostB-net2 (seed: net2 pings 192.168.1.12)', async () => {
    expect(await check(lab, 'hostA-net2', 'hostB-net2')).toBe(true);
  });

  test('hostA-net2 reaches hostB-net3 (seed: net2 pings 192.168.1.13)', async () => {
    expect(await check(lab, 'hostA-net2', 'hostB-net3')).toBe(true);
  });

  test('hostB-net3 reaches hostA-net3 (and the other way round)', async () => {
    expect(await check(lab, 'hostB-net3', 'hostA-net3')).toBe(true);
  });
});

describe('a host and its own containers (the macvlan limitation)', () => {
  test('the hosts reach each other, and each other\'s containers', async () => {
    expect(await check(lab, 'hostA', 'hostB')).toBe(true);
    expect(await check(lab, 'hostA', 'hostB-net2')).toBe(true);
    expect(await check(lab, 'hostB', 'hostA-net3')).toBe(true);
  });

  test('hostA can\'t reach its own containers, which the other host reaches', async () => {
    expect(await check(lab, 'hostB', 'hostA-net2')).toBe(true);
    expect(await check(lab, 'hostA', 'hostB')).toBe(true);
    expect(await check(lab, 'hostA', 'hostA-net2')).toBe(false);
    expect(await check(lab, 'hostA', 'hostA-net3')).toBe(false);
  });

  test('hostA\'s containers can\'t reach hostA, which the other host reaches', async () => {
    expect(await check(lab, 'hostA-net2', 'hostB')).toBe(true);
    expect(await check(lab, 'hostB', 'hostA')).toBe(true);
    expect(await check(lab, 'hostA-net2', 'hostA')).toBe(false);
    expect(await check(lab, 'hostA-net3', 'hostA')).toBe(false);
  });

  test('the same on hostB: no way between hostB and hostB-net3, while hostA reaches both', async () => {
    expect(await check(lab, 'hostA', 'hostB-net3')).toBe(true);
    expect(await check(lab, 'hostA', 'hostB')).toBe(true);
    expect(await check(lab, 'hostB', 'hostB-net3')).toBe(false);
    expect(await check(lab, 'hostB-net3', 'hostB')).toBe(false);
  });
});

describe('the demo\'s table and the lab\'s upkeep', () => {
  test('survey() finds every fact of the demo\'s table as the seed says', async () => {
    const wrong = (await survey(lab)).filter((fact) => fact.reached !== fact.expected);
    expect(wrong).toEqual([]);
  });

  test('a build that fails half way removes what it made, and only that', async () => {
    const other = crossHostLab(`${lab.prefix}broken-`);
    // Someone else's namespace where the lab wants hostB-net3: the last container fails to be made.
    const squatter = other.namespaces['hostB-net3'];
    await netns.add(squatter);
    try {
      await expect(build(other)).rejects.toMatchObject({ code: 'EEXIST', op: 'netns.add' });
      expect((await netns.list()).filter((name) => name.startsWith(other.prefix))).toEqual([squatter]);
    } finally {
      await netns.del(squatter);
    }
  });
});
