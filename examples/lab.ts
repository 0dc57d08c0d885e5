// The seeds' macvlan lab, built in namespaces of its own with vnic:
//
//   host ns                       switch ns                 ns1 / ns2
//   p0 (the "physical" NIC,       p1 ── br0 (the external   mac1 192.168.56.122/24
//       promisc, .110/24) ═veth═  switch, .1/24; hairpin    mac2 192.168.56.123/24
//   └ mac1, mac2: macvlans on p0  on p1 makes it 802.1Qbg)  (each moved from host)
//
// Every namespace carries the run's prefix ("vdemo1234-host"), so runs never
// collide, and destroy() removes them all. Reachability is checked with vnic's
// own sockets (reach.ts): a UDP echo inside the target namespace, no program
// spawned.
import type { Handle, MacvlanMode } from '../lib';
import { LabNamespaces } from './lab-namespaces';
import { reaches } from './reach';

// The shared plumbing, re-exported: the modes test and the demo get it with the lab.
export { destroyOnSignals, removeStale, runPrefix } from './lab-namespaces';

export type Role = 'host' | 'switch' | 'ns1' | 'ns2';
export const ROLES: readonly Role[] = ['host', 'switch', 'ns1', 'ns2'];

/** The seed's addresses, plus one for the switch and one for the host's shim. */
export const ADDRESSES = {
  host: '192.168.56.110/24',
  shim: '192.168.56.111/24',
  ns1: '192.168.56.122/24',
  ns2: '192.168.56.123/24',
  switch: '192.168.56.1/24',
} as const;

/** Which namespace holds each address: where reaches() runs its echo responder. */
const OWNERS: Record<keyof typeof ADDRESSES, Role> = { host: 'host', shim: 'host', ns1: 'ns1', ns2: 'ns2', switch: 'switch' };

/** The address part of "a.b.c.d/len". */
export function bareAddress(cidr: string): string {
  return cidr.split('/')[0];
}

/** The role whose namespace holds one of the lab's addresses. */
function ownerOf(address: string): Role {
  const keys = Object.keys(ADDRESSES) as Array<keyof typeof ADDRESSES>;
  const key = keys.find((k) => bareAddress(ADDRESSES[k]) === bareAddress(address));
  if (key === undefined) throw new Error(`${address} is not one of the lab's addresses`);
  return OWNERS[key];
}

type ChildRole = 'ns1' | 'ns2';
interface Child {
  role: ChildRole;
  name: string;
  cidr: string;
}
const CHILDREN: readonly Child[] = [
  { role: 'ns1', name: 'mac1', cidr: ADDRESSES.ns1 },
  { role: 'ns2', name: 'mac2', cidr: ADDRESSES.ns2 },
];

export class MacvlanLab {
  /** The namespace behind each role. */
  readonly namespaces: Record<Role, string>;
  /** The children's mode, once useMode() has run. */
  mode: MacvlanMode | undefined;
  private readonly spaces: LabNamespaces;

  constructor(readonly prefix: string) {
    this.spaces = new LabNamespaces(prefix);
    const ns = (role: Role): string => this.spaces.name(role);
    this.namespaces = { host: ns('host'), switch: ns('switch'), ns1: ns('ns1'), ns2: ns('ns2') };
  }

  /** Namespaces, the wire (veth p0 ═ p1) and the switch (br0); no macvlans yet (see useMode). */
  async build(): Promise<void> {
    for (const role of ROLES) await this.spaces.add(role);
    await this.buildHost();
    await this.buildSwitch();
  }

  /** The handle bound to a role's namespace. */
  handle(role: Role): Handle {
    return this.spaces.handle(role);
  }

  /**
   * Gives ns1 and ns2 fresh macvlans on p0 in this mode (ns1 only for passthru,
   * which allows one child). Recreating rather than changing the mode also
   * empties the neighbour caches: private mode filters only broadcasts, so an
   * ARP answer cached in an earlier mode would let unicast through a hairpin.
   */
  async useMode(mode: MacvlanMode): Promise<void> {
    await this.removeChildren();
    this.mode = mode;
    const [first, second] = CHILDREN;
    await this.addChildTheSeedsWay(first, mode);
    if (mode !== 'passthru') await this.addChildInPlace(second, mode);
  }

  /** The mode the kernel reports for a role's child. */
  async childMode(role: ChildRole): Promise<MacvlanMode | number | undefined> {
    const link = await this.handle(role).link.get(childOf(role).name, { stats: false });
    return (link.info as { mode?: MacvlanMode | number } | undefined)?.mode;
  }

  /** Hairpin on the switch port: frames that came in on p1 may go back out of it (802.1Qbg reflective relay). */
  async setHairpin(on: boolean): Promise<void> {
    await this.handle('switch').link.set('p1', { hairpin: on });
  }

  /**
   * The usual fix for "the host can't reach its macvlans": a bridge-mode
   * macvlan on p0 for the host itself, carrying the host's address instead of
   * p0, so the /24 route leaves through the shim and macvlan bridges it.
   */
  async addShim(): Promise<void> {
    const host = this.handle('host');
    await host.link.add({ name: 'shim', kind: 'macvlan', link: 'p0', mode: 'bridge', up: true });
    await host.addr.add('shim', ADDRESSES.shim);
    await host.addr.del('p0', ADDRESSES.host);
  }

  /** Undoes addShim(): p0 carries the host's address again. */
  async removeShim(): Promise<void> {
    const host = this.handle('host');
    await host.addr.add('p0', ADDRESSES.host);
    await host.link.del('shim');
  }

  /**
   * Whether a UDP echo from a role's namespace to one of the lab's addresses
   * (or cidrs) comes back within 1 s; the responder runs in the namespace
   * that holds the address.
   */
  reaches(from: Role, address: string): Promise<boolean> {
    return reaches(this.namespaces[from], { netns: this.namespaces[ownerOf(address)], address: bareAddress(address) });
  }

  /** Closes the handles and removes every namespace the lab made; safe to call again, or mid-build. */
  destroy(): Promise<void> {
    return this.spaces.destroy();
  }

  /** Namespaces of this lab still present (after destroy(): none). */
  left(): Promise<string[]> {
    return this.spaces.left();
  }

  private async buildHost(): Promise<void> {
    const host = this.handle('host');
    // The veth's far end is born in the switch namespace: the cable to the switch.
    await host.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1', netns: this.namespaces.switch }, up: true });
    // The seed: `ip link set eth0 promisc on`.
    await host.link.set('p0', { promisc: true });
    await host.addr.add('p0', ADDRESSES.host);
  }

  private async buildSwitch(): Promise<void> {
    const sw = this.handle('switch');
    await sw.link.add({ name: 'br0', kind: 'bridge', up: true });
    await sw.link.set('p1', { master: 'br0', up: true });
    // Something on the switch side to talk to (what a passthru child reaches).
    await sw.addr.add('br0', ADDRESSES.switch);
  }

  /** The seed's flow: create on the host, move into the namespace, address it, bring it up. */
  private async addChildTheSeedsWay(child: Child, mode: MacvlanMode): Promise<void> {
    await this.handle('host').link.add({ name: child.name, kind: 'macvlan', link: 'p0', mode });
    await this.handle('host').link.set(child.name, { netns: this.namespaces[child.role] });
    await this.configureChild(child);
  }

  /** One request instead of two: created directly in its namespace. */
  private async addChildInPlace(child: Child, mode: MacvlanMode): Promise<void> {
    await this.handle('host').link.add({ name: child.name, kind: 'macvlan', link: 'p0', mode, netns: this.namespaces[child.role] });
    await this.configureChild(child);
  }

  private async configureChild(child: Child): Promise<void> {
    const inside = this.handle(child.role);
    await inside.addr.add(child.name, child.cidr);
    await inside.link.set(child.name, { up: true });
  }

  private async removeChildren(): Promise<void> {
    for (const child of CHILDREN) {
      const inside = this.handle(child.role);
      if (await inside.link.find(child.name, { stats: false })) await inside.link.del(child.name);
    }
    this.mode = undefined;
  }
}

function childOf(role: ChildRole): Child {
  return CHILDREN.find((child) => child.role === role) as Child;
}
