// The seeds' macvlan lab, built in namespaces of its own with vnic:
//
//   host ns                       switch ns                 ns1 / ns2
//   p0 (the "physical" NIC,       p1 ── br0 (the external   mac1 192.168.56.122/24
//       promisc, .110/24) ═veth═  switch, .1/24; hairpin    mac2 192.168.56.123/24
//   └ mac1, mac2: macvlans on p0  on p1 makes it 802.1Qbg)  (each moved from host)
//
// Every namespace carries the run's prefix ("vdemo1234-host"), so runs never
// collide, and destroy() removes them all. Reachability is checked with ping
// through `ip netns exec`: a lab and test tool, never something lib/ does.
import { execFile } from 'child_process';
import { constants as osConstants } from 'os';

import { Handle, VnicError, netns, open } from '../lib';
import type { MacvlanMode } from '../lib';

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

/** The address part of "a.b.c.d/len". */
export function bareAddress(cidr: string): string {
  return cidr.split('/')[0];
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

/** "vdemo1234-": a namespace prefix unique to this process, tag first so stale ones can be found. */
export function runPrefix(tag: string): string {
  return `${tag}${process.pid}-`;
}

export class MacvlanLab {
  /** The namespace behind each role. */
  readonly namespaces: Record<Role, string>;
  /** The children's mode, once useMode() has run. */
  mode: MacvlanMode | undefined;
  private readonly handles = new Map<Role, Handle>();
  /** Namespaces made so far: exactly what destroy() must remove. */
  private readonly created: string[] = [];
  private destroying: Promise<void> | undefined;

  constructor(readonly prefix: string) {
    this.namespaces = { host: `${prefix}host`, switch: `${prefix}switch`, ns1: `${prefix}ns1`, ns2: `${prefix}ns2` };
  }

  /** Namespaces, the wire (veth p0 ═ p1) and the switch (br0); no macvlans yet (see useMode). */
  async build(): Promise<void> {
    for (const role of ROLES) await this.addNamespace(this.namespaces[role]);
    for (const role of ROLES) this.handles.set(role, await open({ netns: this.namespaces[role] }));
    await this.buildHost();
    await this.buildSwitch();
  }

  /** The handle bound to a role's namespace. */
  handle(role: Role): Handle {
    const handle = this.handles.get(role);
    if (!handle) throw new Error(`the lab has no handle for ${role} (build() first, or already destroyed)`);
    return handle;
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

  /** Whether one ICMP echo from a role's namespace to an address (or cidr) gets its reply within 1 s. */
  reaches(from: Role, address: string): Promise<boolean> {
    return pingOnce(this.namespaces[from], bareAddress(address));
  }

  /** Closes the handles and removes every namespace the lab made; safe to call again, or mid-build. */
  destroy(): Promise<void> {
    this.destroying ??= this.removeEverything();
    return this.destroying;
  }

  private async addNamespace(name: string): Promise<void> {
    if (this.destroying) throw new Error(`lab ${this.prefix} is being destroyed`);
    await netns.add(name);
    this.created.push(name);
    // A signal may have started destroy() while netns.add ran: don't outlive it.
    if (this.destroying) {
      await this.destroying;
      await removeNamespace(name);
      throw new Error(`lab ${this.prefix} was destroyed while being built`);
    }
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

  private async removeEverything(): Promise<void> {
    for (const handle of this.handles.values()) handle.close();
    this.handles.clear();
    const failures: string[] = [];
    while (this.created.length > 0) {
      const name = this.created.pop() as string;
      await removeNamespace(name).catch((error: Error) => failures.push(`${name}: ${error.message}`));
    }
    if (failures.length > 0) throw new Error(`could not remove namespaces: ${failures.join('; ')}`);
  }
}

function childOf(role: ChildRole): Child {
  return CHILDREN.find((child) => child.role === role) as Child;
}

/** netns.del, quiet when the namespace is already gone. */
async function removeNamespace(name: string): Promise<void> {
  try {
    await netns.del(name);
  } catch (error) {
    if (!(error instanceof VnicError && error.code === 'ENOENT')) throw error;
  }
}

/**
 * One echo, 1 s deadline. Exit 0: a reply; 1: none; 2: no route (also
 * unreachable). Anything else (no ping installed, no namespace) is a broken
 * lab, not a "no": it throws rather than pass for a negative result.
 */
function pingOnce(namespace: string, address: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', namespace, 'ping', '-c', '1', '-W', '1', '-q', address], (error, _stdout, stderr) => {
      if (!error) return resolve(true);
      const status = typeof error.code === 'number' ? error.code : undefined;
      if (status === 1 || status === 2) return resolve(false);
      reject(new Error(`ping ${address} in ${namespace} failed to run (${String(error.code)}): ${stderr.trim()}`));
    });
  });
}

/** Removes namespaces "<tag><pid>-…" left by runs whose process is gone (say, killed with SIGKILL). */
export async function removeStale(tag: string): Promise<string[]> {
  const pattern = new RegExp(`^${tag}(\\d+)-`);
  const stale = (await netns.list()).filter((name) => {
    const pid = Number(pattern.exec(name)?.[1]);
    return Number.isInteger(pid) && pid > 0 && !processAlive(pid);
  });
  for (const name of stale) await removeNamespace(name);
  return stale;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * On Ctrl-C or SIGTERM: destroy the lab, then exit as the signal would have
 * (128 + its number). Returns a function that removes the handlers.
 */
export function destroyOnSignals(lab: MacvlanLab, say: (line: string) => void = () => undefined): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    say(`${signal}: removing the lab's namespaces`);
    lab.destroy()
      .catch((error: Error) => say(`cleanup failed: ${error.message}`))
      .finally(() => process.exit(128 + osConstants.signals[signal]));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
