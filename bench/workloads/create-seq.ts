// Create N macvlans on p0, each awaited before the next.
import { now, oneByOne, withHandle } from '../core/measure';
import { peer, perN } from '../core/peers';
import { throughputAtLeast } from '../core/targets';
import type { Workload } from '../core/types';

export const createSeq: Workload = {
  id: 'create-seq',
  title: 'Create N macvlans, awaited one by one',
  what: 'Macvlan mvI (bridge) on veth p0, one create at a time, each tool in its own process (vnic\'s included: its ' +
    'first calls run before the JIT has warmed up, as in a short-lived program). Between runs p0 is deleted with ' +
    'its macvlans and made again (untimed). The peers run their `fill` mode.',
  reference: 'mnl-sync',
  fixture: { reset: true },
  tools: (p, env) => [
    { id: 'vnic', how: '`link.add({ kind: macvlan, link: <p0 ifindex>, mode: bridge })` awaited: 1 request, NLM_F_ECHO returns the link, decoded', node: 'create' },
    peer(env, 'ip-node', '`ip link add` spawned per link from Node execFile', 'ip-node', ['fill', String(p.create)], perN),
    peer(env, 'ip-batch', 'one `ip -batch -` process', 'ip-batch', ['fill', String(p.create)], perN),
    peer(env, 'pyroute2', 'pyroute2 IPRoute.link("add"), sync', 'pyroute2', ['fill', String(p.create)], perN),
    peer(env, 'netlink-npm', 'npm netlink newLink, awaited', 'netlink-npm', ['fill', String(p.create)], perN),
    peer(env, 'libnl', 'libnl-route-3 rtnl_link_add, sync', 'libnl', ['fill', String(p.create)], perN),
    peer(env, 'mnl-sync', 'raw libmnl: one request, wait for its ACK, next (no echo)', 'mnl', ['fill', String(p.create), 'sync'], perN),
  ],
  node: {
    create: (p) => withHandle(async (nl) => {
      const parent = await nl.link.index('p0');
      const t0 = now();
      await oneByOne(p.create, (i) => nl.link.add({ name: `mv${i}`, kind: 'macvlan', link: parent, mode: 'bridge' }));
      return { ops: p.create, secs: now() - t0 };
    }),
  },
  targets: (rows) => [throughputAtLeast(rows, 'create ≥ 0.95× raw libmnl throughput', 'vnic', 'mnl-sync', 0.95)],
};
