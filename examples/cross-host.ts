// The seeds' cross-host macvlan lab (seed 004, "跨主机网络实践"), built with vnic
// in namespaces of its own: two "hosts" whose NICs share one L2 segment (a
// veth pair stands for the seed's bond0s on one switch), each with two
// containers on macvlans in bridge mode, all on 192.168.1.0/24:
//
//   hostA                                        hostB
//   eth0 192.168.1.1/24, promisc ═══ veth ═══════ eth0 192.168.1.11/24, promisc
//   ├ net2: eth0 192.168.1.2/24  (macvlans on     ├ net2: eth0 192.168.1.12/24
//   └ net3: eth0 192.168.1.3/24   hostA's eth0)   └ net3: eth0 192.168.1.13/24
//
// The containers' addresses are the seed's. The seed gives its hosts none;
// .1 and .11 (in its numbering) let the lab show macvlan's limitation: a host
// can't reach its own containers, though the other host can.
//
// Use: const lab = crossHostLab(prefix); await build(lab); await check(lab,
// 'hostA-net2', 'hostB-net3'); await teardown(lab). teardown() is safe at any
// point, also mid-build (a signal handler may call it).
import type { AttachOptions } from '../lib';
import { LabNamespaces } from './lab-namespaces';
import { reaches } from './reach';

export type HostName = 'hostA' | 'hostB';
export type ContainerName = 'hostA-net2' | 'hostA-net3' | 'hostB-net2' | 'hostB-net3';
export type NodeName = HostName | ContainerName;

export const HOSTS: readonly HostName[] = ['hostA', 'hostB'];
/** Each container and the host it lives on (whose eth0 is its macvlan's parent). */
export const CONTAINERS: Readonly<Record<ContainerName, HostName>> = {
  'hostA-net2': 'hostA', 'hostA-net3': 'hostA', 'hostB-net2': 'hostB', 'hostB-net3': 'hostB',
};
/** Every node's address on the shared /24. */
export const ADDRESSES: Readonly<Record<NodeName, string>> = {
  hostA: '192.168.1.1/24',
  'hostA-net2': '192.168.1.2/24',
  'hostA-net3': '192.168.1.3/24',
  hostB: '192.168.1.11/24',
  'hostB-net2': '192.168.1.12/24',
  'hostB-net3': '192.168.1.13/24',
};
/** The hosts' NIC (the veth ends) and the containers' interface: both eth0. */
export const NIC = 'eth0';

export interface CrossHostLab {
  readonly prefix: string;
  /** The namespace behind each node. */
  readonly namespaces: Readonly<Record<NodeName, string>>;
  /** The namespaces made so far and a handle in each. */
  readonly spaces: LabNamespaces;
}

/** One claim about the lab: `from` reaches `to`, or doesn't. */
export interface Fact {
  from: NodeName;
  to: NodeName;
  relation: string;
  expected: boolean;
  why: string;
}

/** The seed's three pings, the macvlan limitation, and the controls that keep the "no"s honest. */
export const FACTS: readonly Fact[] = [
  { from: 'hostA-net2', to: 'hostA-net3', relation: 'same host', expected: true, why: 'bridge mode switches siblings inside the kernel (seed: net2 → .3)' },
  { from: 'hostB-net2', to: 'hostB-net3', relation: 'same host', expected: true, why: '…on either host' },
  { from: 'hostA-net2', to: 'hostB-net2', relation: 'cross host', expected: true, why: 'out of hostA eth0, over the wire, sorted by MAC on hostB eth0 (seed: → .12)' },
  { from: 'hostA-net2', to: 'hostB-net3', relation: 'cross host', expected: true, why: 'the same, to the other container (seed: → .13)' },
  { from: 'hostB-net3', to: 'hostA-net3', relation: 'cross host', expected: true, why: '…and the other way' },
  { from: 'hostA', to: 'hostB', relation: 'host → host', expected: true, why: 'the wire and the hosts\' addresses work' },
  { from: 'hostA', to: 'hostB-net2', relation: 'host → other host\'s ctr', expected: true, why: 'a host reaches containers on another host…' },
  { from: 'hostA', to: 'hostA-net2', relation: 'host → own ctr', expected: false, why: '…not its own: eth0 sends straight to the wire' },
  { from: 'hostA-net2', to: 'hostA', relation: 'own ctr → host', expected: false, why: 'macvlan never hands frames up to its parent\'s stack' },
  { from: 'hostB', to: 'hostB-net3', relation: 'host → own ctr', expected: false, why: 'the same on hostB' },
  { from: 'hostB-net3', to: 'hostB', relation: 'own ctr → host', expected: false, why: 'the same on hostB' },
];

export interface FactResult extends Fact {
  reached: boolean;
}

/** The address part of "a.b.c.d/len". */
export function bareAddress(cidr: string): string {
  return cidr.split('/')[0];
}

const containersOf = (host: HostName): ContainerName[] =>
  (Object.keys(CONTAINERS) as ContainerName[]).filter((name) => CONTAINERS[name] === host);

/** A lab object with its namespace names fixed; nothing exists until build(). */
export function crossHostLab(prefix: string): CrossHostLab {
  const spaces = new LabNamespaces(prefix);
  const nodes = Object.keys(ADDRESSES) as NodeName[];
  const namespaces = Object.fromEntries(nodes.map((node) => [node, spaces.name(node)])) as Record<NodeName, string>;
  return { prefix, namespaces, spaces };
}

/** The two hosts and their wire, then each host's containers. On failure, everything made so far is removed. */
export async function build(lab: CrossHostLab): Promise<void> {
  try {
    for (const host of HOSTS) await lab.spaces.add(host);
    await wire(lab);
    for (const host of HOSTS) {
      for (const container of containersOf(host)) await lab.spaces.add(container);
      await attachContainers(lab, host);
    }
  } catch (error) {
    await lab.spaces.destroy().catch(() => undefined);
    throw error;
  }
}

/** The hosts' "physical" NICs: one veth pair, each end eth0 in its host, promiscuous and addressed. */
async function wire(lab: CrossHostLab): Promise<void> {
  const hostA = lab.spaces.handle('hostA');
  // The far end is born in hostB: the cable between the two machines.
  await hostA.link.add({ name: NIC, kind: 'veth', peer: { name: NIC, netns: lab.namespaces.hostB }, up: true });
  await lab.spaces.handle('hostB').link.set(NIC, { up: true });
  for (const host of HOSTS) {
    const handle = lab.spaces.handle(host);
    // The seed: `ip link set dev bond0 promisc on`.
    await handle.link.set(NIC, { promisc: true });
    await handle.addr.add(NIC, ADDRESSES[host]);
  }
}

/**
 * The seed's `ip link add link bond0 macvN type macvlan mode bridge`, moved
 * into netN, addressed and up — as one attach per container, created inside
 * the container. No gateway: the lab is one flat /24, nothing routes out of it.
 */
async function attachContainers(lab: CrossHostLab, host: HostName): Promise<void> {
  const requests: AttachOptions[] = containersOf(host).map((container) => ({
    netns: lab.namespaces[container], link: NIC, kind: 'macvlan', mode: 'bridge', ifname: NIC, addresses: [ADDRESSES[container]],
  }));
  await lab.spaces.handle(host).attachMany(requests);
}

/** Whether a UDP echo from one node to another's address comes back within 1 s (no program spawned). */
export function check(lab: CrossHostLab, from: NodeName, to: NodeName): Promise<boolean> {
  return reaches(lab.namespaces[from], { netns: lab.namespaces[to], address: bareAddress(ADDRESSES[to]) });
}

/** Every fact, checked one after the other. */
export async function survey(lab: CrossHostLab): Promise<FactResult[]> {
  const results: FactResult[] = [];
  for (const fact of FACTS) results.push({ ...fact, reached: await check(lab, fact.from, fact.to) });
  return results;
}

/** Removes the lab (safe to call again, or mid-build) and reports what is left under its prefix: nothing, it should be. */
export async function teardown(lab: CrossHostLab): Promise<{ removed: string[]; left: string[] }> {
  await lab.spaces.destroy();
  return { removed: Object.values(lab.namespaces), left: await lab.spaces.left() };
}
