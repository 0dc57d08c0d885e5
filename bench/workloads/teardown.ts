// Removing 1000 links: at once vs one by one.
import { execFile } from 'child_process';
import { promisify } from 'util';

import { LinkApi } from '../../lib/link';
import { inWindows, now, oneByOne, withHandle } from '../core/measure';
import { peer, perN } from '../core/peers';
import { notMeasured, throughputAtLeast } from '../core/targets';
import type { RowSummary, Workload } from '../core/types';

const run = promisify(execFile);

/** nl.link.delMany as DESIGN.md describes it; not in vnic yet. */
interface DelManyApi {
  delMany(refs: Array<string | number>): Promise<unknown>;
}

// LinkApi is the class behind `nl.link` (a type only in the public surface).
const hasDelMany = (): boolean => typeof (LinkApi.prototype as unknown as Partial<DelManyApi>).delMany === 'function';
const TARGET = 'teardown of 1000 links ≥ 50× faster than one by one';

export const teardown: Workload = {
  id: 'teardown',
  title: 'Bulk teardown vs one by one',
  what: 'Macvlans on p0 removed: all at once (one kernel unregister batch) or one RTM_DELLINK each. One op = one ' +
    'link removed. Each one-by-one delete waits ~20 ms in the kernel (RCU grace periods) whoever asks; a batch ' +
    'pays that once. Deleting the parent p0 takes its macvlans with it in one batch, the figure delMany aims at.',
  reference: 'mnl-one-by-one',
  fixture: { reset: true },
  tools: (p, env) => [
    {
      id: 'vnic-delMany', how: `\`link.delMany([...${p.teardown} names])\``, node: 'delMany', fillBeforeEach: p.teardown,
      skip: hasDelMany() ? undefined : 'not yet: nl.link.delMany is not in vnic yet',
    },
    { id: 'vnic-cascade', how: `\`link.del('p0')\` with ${p.teardown} macvlans on it: 1 request`, node: 'cascade', fillBeforeEach: p.teardown },
    { id: 'ip-cascade', how: `\`ip link del p0\` with ${p.teardown} macvlans on it, spawned from Node (as run-peers.sh)`, node: 'ipCascade', fillBeforeEach: p.teardown },
    { id: 'vnic-one-by-one', how: '`link.del(name)` awaited', node: 'oneByOne', fillBeforeEach: p.teardownOneByOne },
    { id: 'vnic-concurrent', how: `\`link.del(name)\`, Promise.all windows of ${p.window} (one sendmsg per window)`, node: 'concurrent', fillBeforeEach: p.teardownOneByOne },
    peer(env, 'mnl-one-by-one', 'raw libmnl RTM_DELLINK by name, sync, 1 socket (bench-mnl pardel; creates untimed)', 'mnl',
      ['pardel', String(p.teardownOneByOne), '1'], perN),
    peer(env, 'mnl-4-sockets', 'the same from 4 sockets in 4 threads', 'mnl', ['pardel', String(p.teardownOneByOne), '4'], perN),
  ],
  node: {
    delMany: (_p, fx) => withHandle(async (nl) => {
      const names = Array.from({ length: fx.filled }, (_, i) => `${fx.fillPrefix}${i}`);
      const t0 = now();
      await (nl.link as unknown as DelManyApi).delMany(names);
      return { ops: fx.filled, secs: now() - t0 };
    }),
    cascade: (_p, fx) => withHandle(async (nl) => {
      const t0 = now();
      await nl.link.del('p0');
      return { ops: fx.filled, secs: now() - t0 };
    }),
    ipCascade: async (_p, fx) => {
      const t0 = now();
      await run('ip', ['link', 'del', 'p0']);
      return { ops: fx.filled, secs: now() - t0 };
    },
    oneByOne: (_p, fx) => withHandle(async (nl) => {
      const t0 = now();
      await oneByOne(fx.filled, (i) => nl.link.del(`${fx.fillPrefix}${i}`));
      return { ops: fx.filled, secs: now() - t0 };
    }),
    concurrent: (p, fx) => withHandle(async (nl) => {
      const t0 = now();
      await inWindows(fx.filled, p.window, (i) => nl.link.del(`${fx.fillPrefix}${i}`));
      return { ops: fx.filled, secs: now() - t0 };
    }),
  },
  targets: (rows: RowSummary[]) => [hasDelMany()
    ? throughputAtLeast(rows, TARGET, 'vnic-delMany', 'vnic-one-by-one', 50)
    : notMeasured(TARGET, 'nl.link.delMany is not in vnic yet; the parent cascade shows what one batch costs')],
};
