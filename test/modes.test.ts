// The seeds' macvlan lab (examples/lab.ts), fact by fact: which modes let
// sibling macvlans talk, what the external switch's hairpin changes, passthru's
// one-child rule, and why the host needs a shim to reach its own macvlans.
// Every "can't reach" is paired with a control check that shows both ends work,
// so a broken lab can't pass for isolation. Reachability is a UDP echo through
// vnic's own sockets (examples/reach.ts), no ping: its own facts come last.
import { VnicError, netns } from 'vnic';

import { ADDRESSES, MacvlanLab, bareAddress, removeStale, runPrefix } from '../examples/lab';
import { reaches } from '../examples/reach';

const TAG = 'vtmodes';
let lab: MacvlanLab;

beforeAll(async () => {
  await removeStale(TAG);
  lab = new MacvlanLab(runPrefix(TAG));
  await lab.build();
});

afterAll(async () => {
  if (!lab) return;
  await lab.destroy();
  expect((await netns.list()).filter((name) => name.startsWith(lab.prefix))).toEqual([]);
});

/** Both children up and working: each reaches the switch. */
async function expectChildrenWork(): Promise<void> {
  expect(await lab.reaches('ns1', ADDRESSES.switch)).toBe(true);
  expect(await lab.reaches('ns2', ADDRESSES.switch)).toBe(true);
}

describe('the lab is the seed\'s', () => {
  test('p0 is up and promiscuous with 192.168.56.110/24; p1 is a port of br0 in the switch namespace', async () => {
    const p0 = await lab.handle('host').link.get('p0', { stats: false });
    expect(p0).toMatchObject({ kind: 'veth', up: true, promisc: true });
    expect((await lab.handle('host').addr.list({ link: 'p0', family: 4 })).map((a) => `${a.address}/${a.prefixlen}`))
      .toEqual([ADDRESSES.host]);
    const p1 = await lab.handle('switch').link.get('p1', { stats: false });
    expect(p1).toMatchObject({ up: true, masterName: 'br0', slaveKind: 'bridge' });
  });

  test('useMode moves mac1 (seed flow) and mac2 into ns1 and ns2, in the mode asked for', async () => {
    await lab.useMode('vepa');
    expect(await lab.handle('host').link.list({ kind: 'macvlan' })).toEqual([]);
    const mac1 = await lab.handle('ns1').link.get('mac1', { stats: false });
    expect(mac1).toMatchObject({ kind: 'macvlan', up: true, info: { mode: 'vepa' } });
    expect(mac1.linkNetnsId).toBeDefined();
    expect(await lab.childMode('ns2')).toBe('vepa');
  });

  test('setHairpin changes the switch port\'s hairpin flag', async () => {
    await lab.setHairpin(true);
    expect((await lab.handle('switch').link.get('p1', { stats: false })).slaveInfo).toMatchObject({ hairpin: true });
    await lab.setHairpin(false);
    expect((await lab.handle('switch').link.get('p1', { stats: false })).slaveInfo).toMatchObject({ hairpin: false });
  });
});

describe('sibling macvlans, mode by mode', () => {
  test('bridge: ns1 and ns2 reach each other (switched inside the kernel, no hairpin needed)', async () => {
    await lab.useMode('bridge');
    await lab.setHairpin(false);
    expect(await lab.childMode('ns1')).toBe('bridge');
    expect(await lab.reaches('ns1', ADDRESSES.ns2)).toBe(true);
  });

  test('private: ns1 and ns2 are isolated, even when the switch hairpins', async () => {
    await lab.useMode('private');
    await lab.setHairpin(false);
    expect(await lab.childMode('ns2')).toBe('private');
    await expectChildrenWork();
    expect(await lab.reaches('ns1', ADDRESSES.ns2)).toBe(false);
    await lab.setHairpin(true);
    expect(await lab.reaches('ns1', ADDRESSES.ns2)).toBe(false);
    await lab.setHairpin(false);
  });

  test('vepa without hairpin: ns1 and ns2 don\'t reach each other', async () => {
    await lab.useMode('vepa');
    await lab.setHairpin(false);
    expect(await lab.childMode('ns2')).toBe('vepa');
    await expectChildrenWork();
    expect(await lab.reaches('ns1', ADDRESSES.ns2)).toBe(false);
  });

  test('vepa with hairpin on at the switch port (802.1Qbg): they do', async () => {
    await lab.useMode('vepa');
    await lab.setHairpin(true);
    expect(await lab.reaches('ns1', ADDRESSES.ns2)).toBe(true);
    await lab.setHairpin(false);
  });

  test('passthru: a second macvlan on the parent is refused with EINVAL and a hint, and nothing is left', async () => {
    await lab.useMode('passthru');
    const host = lab.handle('host');
    const before = (await host.link.list()).map((l) => l.name).sort();
    // The kernel refuses any sibling of a passthru macvlan, whatever its mode.
    const refusals = [];
    for (const mode of ['passthru', 'bridge'] as const) {
      refusals.push(await host.link.add({ name: 'mac2', kind: 'macvlan', link: 'p0', mode }).then(() => 'accepted', (error: unknown) => error));
    }
    expect((await host.link.list()).map((l) => l.name).sort()).toEqual(before);
    expect(await lab.handle('ns2').link.find('mac2')).toBeUndefined();
    expect(await lab.childMode('ns1')).toBe('passthru');
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(VnicError);
      expect(refusal).toMatchObject({ code: 'EINVAL', hint: expect.stringMatching(/passthru/) });
    }
  });

  test('passthru: the one child owns the NIC and reaches the switch side', async () => {
    await lab.useMode('passthru');
    expect(await lab.reaches('ns1', ADDRESSES.switch)).toBe(true);
  });

  test('mode changes to or from passthru are refused (explained): the children are recreated instead', async () => {
    await lab.useMode('passthru');
    const refusal = await lab.handle('ns1').link.set('mac1', { mode: 'bridge' }).then(() => 'accepted', (error: unknown) => error);
    expect(await lab.childMode('ns1')).toBe('passthru');
    await lab.useMode('bridge');
    expect(await lab.childMode('ns1')).toBe('bridge');
    expect(await lab.childMode('ns2')).toBe('bridge');
    expect(refusal).toMatchObject({ code: 'EINVAL', hint: expect.stringMatching(/passthru/) });
  });
});

describe('the host and its own macvlans', () => {
  test('the host (p0) can\'t reach its macvlan children, nor they the host', async () => {
    await lab.useMode('bridge');
    await lab.setHairpin(false);
    expect(await lab.reaches('host', ADDRESSES.switch)).toBe(true);
    expect(await lab.reaches('ns1', ADDRESSES.switch)).toBe(true);
    expect(await lab.reaches('host', ADDRESSES.ns1)).toBe(false);
    expect(await lab.reaches('ns1', ADDRESSES.host)).toBe(false);
  });

  test('a bridge-mode shim on p0 holding the host\'s address makes them reachable', async () => {
    await lab.useMode('bridge');
    await lab.setHairpin(false);
    await lab.addShim();
    try {
      expect(await lab.reaches('host', ADDRESSES.ns1)).toBe(true);
      expect(await lab.reaches('ns2', ADDRESSES.shim)).toBe(true);
    } finally {
      await lab.removeShim();
    }
    expect(await lab.handle('host').link.find('shim')).toBeUndefined();
  });
});

describe('the reachability helper (a UDP echo through vnic sockets)', () => {
  /** Open UDP handles in this process, once pending closes have run. */
  async function openUdpSockets(): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return process.getActiveResourcesInfo().filter((resource) => resource === 'UDPWrap').length;
  }
  const ns2Echo = () => ({ netns: lab.namespaces.ns2, address: bareAddress(ADDRESSES.ns2) });

  test('a yes is quick, a no takes about its 1 s deadline, and neither leaves a socket open', async () => {
    await lab.useMode('bridge');
    await lab.setHairpin(false);
    const before = await openUdpSockets();
    let started = Date.now();
    expect(await reaches(lab.namespaces.ns1, ns2Echo())).toBe(true);
    expect(Date.now() - started).toBeLessThan(900);
    started = Date.now();
    expect(await reaches(lab.namespaces.host, ns2Echo())).toBe(false);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2000);
    expect(await openUdpSockets()).toBe(before);
  });

  test('a missing namespace, at either end, is an error naming it, not "unreachable"', async () => {
    const before = await openUdpSockets();
    const missing = `${lab.prefix}no-such-ns`;
    await expect(reaches(missing, ns2Echo())).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining(missing) });
    await expect(reaches(lab.namespaces.ns1, { netns: missing, address: bareAddress(ADDRESSES.ns2) }))
      .rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining(missing) });
    // The first case had its responder up already: it was closed too.
    expect(await openUdpSockets()).toBe(before);
  });

  test('an address the target namespace does not hold is an error too (a lab mistake, not a "no")', async () => {
    await expect(reaches(lab.namespaces.ns1, { netns: lab.namespaces.ns2, address: bareAddress(ADDRESSES.ns1) }))
      .rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });
});
