// List every link of a namespace holding 2000 macvlans.
import { now, withHandle } from '../core/measure';
import { oneDump, peer } from '../core/peers';
import { timeAtMost } from '../core/targets';
import type { Workload } from '../core/types';

const WARM_DUMPS = 5;
/** The figure for raw libmnl (RESULTS.md): 12.7 ms for 2000 links. */
const MNL_DUMP_US = 12_700;

export const dump: Workload = {
  id: 'dump',
  title: 'Dump all links into objects',
  what: 'One RTM_GETLINK dump of a namespace holding the fill (macvlans on p0) plus lo, p0, p1, read into the ' +
    'tool\'s objects; each tool runs in its own process, so its first dump is also its first request. All tools ' +
    'read the same namespace in a round.',
  reference: 'mnl-sync',
  fixture: (p) => ({ fill: p.fill }),
  tools: (_p, env) => [
    { id: 'vnic', how: '`link.list()`: the first call in the process, every link decoded to a JS object (counters included)', node: 'cold' },
    { id: 'vnic-warm', how: `\`link.list()\`, after one warm-up call: mean of ${WARM_DUMPS}`, node: 'warm' },
    { id: 'vnic-nostats', how: `\`link.names()\` (a dump without counters, decoded, kept as a Map), warm: mean of ${WARM_DUMPS}`, node: 'names' },
    peer(env, 'ip-node', '`ip -j link show` spawned from Node + JSON.parse', 'ip-node', ['dump'], oneDump),
    peer(env, 'ip-batch', '`ip -o -batch -` with `link show`, lines counted', 'ip-batch', ['dump'], oneDump),
    peer(env, 'pyroute2', 'pyroute2 get_links(), names read', 'pyroute2', ['dump'], oneDump),
    peer(env, 'netlink-npm', 'npm netlink getLinks(), names read', 'netlink-npm', ['dump'], oneDump),
    peer(env, 'libnl', 'libnl rtnl_link_alloc_cache', 'libnl', ['dump'], oneDump),
    peer(env, 'mnl-sync', 'raw libmnl dump, no counters (RTEXT_FILTER_SKIP_STATS), ifindex + name kept', 'mnl', ['dump'], oneDump),
  ],
  node: {
    cold: () => withHandle(async (nl) => {
      const t0 = now();
      const links = await nl.link.list();
      return { ops: 1, secs: now() - t0, metrics: { links: links.length } };
    }),
    warm: () => withHandle(async (nl) => {
      await nl.link.list();
      const t0 = now();
      let links = 0;
      for (let i = 0; i < WARM_DUMPS; i++) links = (await nl.link.list()).length;
      return { ops: WARM_DUMPS, secs: now() - t0, metrics: { links } };
    }),
    names: () => withHandle(async (nl) => {
      await nl.link.names();
      const t0 = now();
      let links = 0;
      for (let i = 0; i < WARM_DUMPS; i++) links = (await nl.link.names()).size;
      return { ops: WARM_DUMPS, secs: now() - t0, metrics: { links } };
    }),
  },
  metrics: [{ key: 'links', label: 'links seen', digits: 0 }],
  targets: (rows) => [
    timeAtMost(rows, 'dump of 2000 links as JS objects ≤ 2× raw libmnl (12.7 ms-class)', 'vnic', 'mnl-sync', 2, 2 * MNL_DUMP_US),
    timeAtMost(rows, 'the same, warm (second and later calls)', 'vnic-warm', 'mnl-sync', 2, 2 * MNL_DUMP_US),
  ],
};
