// A short soak (npm run soak runs 100 000 operations and also checks memory):
// 3 000 mixed operations — create, set, addr add / del, route add / del, get,
// dumps, attach / detach, delMany, handles and monitors opened and closed,
// under a live monitor — leave the process with the same open fds as after
// the warm-up, all of them closed at the end, every operation succeeded, and
// no namespace behind. Memory is reported, not asserted (it needs the long
// run to settle; see scripts/soak.ts).
import * as fs from 'fs';

import { netns } from 'vnic';
import { soak } from '../scripts/soak';

test('3 000 mixed operations: fds flat, nothing left behind', async () => {
  const prefix = `vt${process.pid}soak`;
  const result = await soak(3000, { prefix });
  expect(result.failures).toEqual([]);
  expect(result.ops).toBeGreaterThanOrEqual(3000);
  expect(result.events).toBeGreaterThan(result.ops);  // the monitor saw the work
  expect(result.overruns).toBe(0);
  expect(result.growth.fds).toBe(0);
  expect(result.growth.fdsAfterClose).toBe(0);
  expect(result.leftBehind).toEqual([]);
  expect((await netns.list()).filter((name) => name.startsWith(prefix))).toEqual([]);
  expect(fs.readdirSync('/run/netns').filter((name) => name.startsWith(prefix))).toEqual([]);
  const MiB = (n: number) => (n / 1048576).toFixed(1);
  console.log(`soak ${result.ops} ops in ${result.seconds.toFixed(1)} s: RSS ${MiB(result.before.rss)} → ${MiB(result.after.rss)} MiB, ` +
    `heap used ${MiB(result.before.heapUsed)} → ${MiB(result.after.heapUsed)} MiB, fds ${result.before.fds} → ${result.after.fds}`);
});
