// create + up + address + delete, N times.
import { inWindows, lifecycleCidr, now, oneByOne, withHandle } from '../core/measure';
import type { Handle } from '../../lib';
import { peer, perN } from '../core/peers';
import type { Workload } from '../core/types';

/** One lifecycle, the peers' four requests: add, set up, addr add, del. */
async function lifecycle(nl: Handle, parent: number, i: number): Promise<void> {
  const { index } = await nl.link.add({ name: `mv${i}`, kind: 'macvlan', link: parent, mode: 'bridge' });
  await nl.link.set(index, { up: true });
  await nl.addr.add(index, lifecycleCidr(i));
  await nl.link.del(index);
}

export const lifecycleWorkload: Workload = {
  id: 'lifecycle',
  title: 'Lifecycle: create + up + address + delete',
  what: 'Macvlan mvI (bridge) on p0, set up, add 10.200.X.Y/16, delete; one op = one whole lifecycle. The delete ' +
    'dominates: the kernel spends ~20 ms in it whoever asks (RCU grace periods while unregistering), so every ' +
    'tool lands near the same figure; the differences are in the other three requests.',
  reference: 'mnl-sync',
  fixture: { reset: true },
  tools: (p, env) => [
    { id: 'vnic', how: '`link.add` → `link.set(index, { up })` → `addr.add(index, cidr)` → `link.del(index)`: 4 requests, awaited', node: 'seq' },
    { id: 'vnic-concurrent', how: `the same 4 awaited steps, ${p.window} lifecycles in flight (Promise.all windows)`, node: 'concurrent' },
    peer(env, 'ip-node', '`ip` spawned per step from Node execFile: 4 spawns', 'ip-node', ['lifecycle', String(p.lifecycle)], perN),
    peer(env, 'ip-batch', 'one `ip -batch -` process: 4 commands (+ name lookups)', 'ip-batch', ['lifecycle', String(p.lifecycle)], perN),
    peer(env, 'pyroute2', 'pyroute2 IPRoute, sync: 5 round trips (+ link_lookup)', 'pyroute2', ['lifecycle', String(p.lifecycle)], perN),
    peer(env, 'netlink-npm', 'npm netlink, awaited: 5 round trips (+ getLink)', 'netlink-npm', ['lifecycle', String(p.lifecycle)], perN),
    peer(env, 'libnl', 'libnl-route-3, sync: 5 round trips (+ rtnl_link_get_kernel)', 'libnl', ['lifecycle', String(p.lifecycle)], perN),
    peer(env, 'mnl-sync', 'raw libmnl, sync: 4 round trips, ifindex via NLM_F_ECHO', 'mnl', ['lifecycle', String(p.lifecycle), 'sync'], perN),
    peer(env, 'mnl-pipe', `raw libmnl: the 4N requests ${p.window} per sendmsg, caller-chosen ifindex`, 'mnl',
      ['lifecycle', String(p.lifecycle), 'pipe', String(p.window)], perN),
  ],
  node: {
    seq: (p) => withHandle(async (nl) => {
      const parent = await nl.link.index('p0');
      const t0 = now();
      await oneByOne(p.lifecycle, (i) => lifecycle(nl, parent, i));
      return { ops: p.lifecycle, secs: now() - t0 };
    }),
    concurrent: (p) => withHandle(async (nl) => {
      const parent = await nl.link.index('p0');
      const t0 = now();
      await inWindows(p.lifecycle, p.window, (i) => lifecycle(nl, parent, i));
      return { ops: p.lifecycle, secs: now() - t0 };
    }),
  },
  notes: () => ['vnic could fold "up" into the create (`up: true`, 3 requests); the row mirrors the peers\' 4 requests instead.'],
};
