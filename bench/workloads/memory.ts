// RSS and open fds before and after 100 000 operations.
import * as fs from 'fs';

import { open } from '../../lib';
import { inWindows, now, withHandle } from '../core/measure';
import { peer, perN } from '../core/peers';
import type { RowSummary, TargetResult, Workload } from '../core/types';
import { notMeasured } from '../core/targets';

const WARMUP = 10_000;
const HANDLES = 1000;
/** "Flat": no fd more, and RSS grown by less than this. */
const RSS_SLACK_MIB = 4;

function reading(): { rss: number; heap: number; heapTotal: number; fds: number } {
  const mem = process.memoryUsage();
  return {
    rss: mem.rss / 2 ** 20, heap: mem.heapUsed / 2 ** 20, heapTotal: mem.heapTotal / 2 ** 20,
    fds: fs.readdirSync('/proc/self/fd').length,
  };
}

async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
  (globalThis as { gc?: () => void }).gc?.();
}

export const memory: Workload = {
  id: 'memory',
  title: 'RSS and open fds around 100 000 operations',
  what: `${WARMUP} warm-up gets, GC, a reading; N \`link.get('lo')\` (counters included; N = 100 000 in a full run) in Promise.all ` +
    `windows of 64, GC, a reading; then ${HANDLES} handles opened and closed, GC, the fds again. The child runs ` +
    'with --expose-gc.',
  reference: 'mnl-get',
  fixture: {},
  tools: (p, env) => [
    { id: 'vnic', how: `\`link.get('lo')\`, windows of ${p.window}`, node: 'gets' },
    peer(env, 'mnl-get', `raw libmnl, the same gets ${p.window} per sendmsg (throughput reference)`, 'mnl-get',
      [String(p.memOps), 'lo', '0', 'stats', String(p.window)], perN),
  ],
  node: {
    gets: (p) => withHandle(async (nl) => {
      await inWindows(WARMUP, p.window, () => nl.link.get('lo'));
      await settle();
      const before = reading();
      const t0 = now();
      await inWindows(p.memOps, p.window, () => nl.link.get('lo'));
      const secs = now() - t0;
      await settle();
      const after = reading();
      for (let i = 0; i < HANDLES; i++) (await open()).close();
      await settle();
      const afterHandles = reading();
      return {
        ops: p.memOps, secs,
        metrics: {
          rssBefore: before.rss, rssAfter: after.rss, rssGrowth: after.rss - before.rss,
          heapBefore: before.heap, heapAfter: after.heap,
          heapTotalBefore: before.heapTotal, heapTotalAfter: after.heapTotal,
          fdsBefore: before.fds, fdsAfter: after.fds, fdsAfterHandles: afterHandles.fds,
          rssAfterHandles: afterHandles.rss,
        },
      };
    }),
  },
  metrics: [
    { key: 'rssBefore', label: 'RSS before (MiB)', digits: 1 },
    { key: 'rssAfter', label: 'RSS after (MiB)', digits: 1 },
    { key: 'heapTotalBefore', label: 'V8 heap reserved before (MiB)', digits: 1 },
    { key: 'heapTotalAfter', label: 'V8 heap reserved after (MiB)', digits: 1 },
    { key: 'heapAfter', label: 'V8 heap used after (MiB)', digits: 1 },
    { key: 'fdsBefore', label: 'fds before', digits: 0 },
    { key: 'fdsAfter', label: 'fds after', digits: 0 },
    { key: 'rssAfterHandles', label: `RSS after ${HANDLES} open/close (MiB)`, digits: 1 },
    { key: 'fdsAfterHandles', label: `fds after ${HANDLES} open/close`, digits: 0 },
  ],
  targets: (rows, p) => [flat(rows, p.memOps), handles(rows)],
  notes: () => [
    'RSS includes what V8 reserves for its heap: it grows its young generation under allocation pressure (to a ' +
      'few tens of MiB) and keeps it, which is not a leak; "flat" discounts that growth (V8 heap reserved) and ' +
      'counts only the rest.',
  ],
};

const worst = (row: RowSummary, value: (m: Record<string, number>) => number): number =>
  Math.max(...row.samples.map((s) => value(s.metrics ?? {})));
const signed = (v: number, digits = 1): string => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

/** Every run: no fd gained, RSS grown (beyond V8's heap reservation) by less than the slack. */
function flat(rows: RowSummary[], ops: number): TargetResult {
  const target = `RSS and fds flat after ${ops.toLocaleString('en').replace(/,/g, ' ')} ops (no fd gained; RSS beyond V8's heap growth + < ${RSS_SLACK_MIB} MiB; every run)`;
  const vnic = rows.find((r) => r.tool === 'vnic');
  if (!vnic || vnic.samples.length === 0) return notMeasured(target, 'vnic has no run');
  const rss = worst(vnic, (m) => m.rssGrowth);
  const native = worst(vnic, (m) => m.rssGrowth - (m.heapTotalAfter - m.heapTotalBefore));
  const fds = worst(vnic, (m) => m.fdsAfter - m.fdsBefore);
  return {
    target, status: native < RSS_SLACK_MIB && fds <= 0 ? 'met' : 'missed',
    detail: `worst run: RSS ${signed(rss)} MiB, of which beyond V8's heap ${signed(native)} MiB; fds ${signed(fds, 0)}`,
  };
}

/** Handles opened and closed give back their memory and fds. */
function handles(rows: RowSummary[]): TargetResult {
  const target = `the same after ${HANDLES} handles opened and closed`;
  const vnic = rows.find((r) => r.tool === 'vnic');
  if (!vnic || vnic.samples.length === 0) return notMeasured(target, 'vnic has no run');
  const rss = worst(vnic, (m) => m.rssAfterHandles - m.rssAfter);
  const fds = worst(vnic, (m) => m.fdsAfterHandles - m.fdsAfter);
  return {
    target, status: rss < RSS_SLACK_MIB && fds <= 0 ? 'met' : 'missed',
    detail: `worst run: RSS ${signed(rss)} MiB (${(rss * 1024 / HANDLES).toFixed(0)} KiB per handle), fds ${signed(fds, 0)}`,
  };
}
