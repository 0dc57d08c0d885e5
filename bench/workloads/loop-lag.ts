// Event-loop lag while 10 000 requests are in flight.
import { monitorEventLoopDelay } from 'perf_hooks';
import type { IntervalHistogram } from 'perf_hooks';

import { inWindows, now, withHandle } from '../core/measure';
import { peer, perN } from '../core/peers';
import { metricBelow } from '../core/targets';
import type { Handle } from '../../lib';
import type { Sample, Workload } from '../core/types';

/** Issued per loop turn in the staged variant. */
const STAGE = 500;
const IDLE_MS = 300;

function lagMetrics(h: IntervalHistogram): Record<string, number> {
  return { lagP50: h.percentile(50) / 1e6, lagP99: h.percentile(99) / 1e6, lagMax: h.max / 1e6, lagSamples: h.count };
}

/** Lets the histogram take two more samples: the delay of the last blocked turn is recorded when its timer fires. */
const drain = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

/** Requests issued by `issue`, all awaited; the loop's delay sampled every 1 ms meanwhile. */
async function underLoad(count: number, issue: (nl: Handle, out: Promise<unknown>[]) => Promise<void>,
                         countPending = true): Promise<Sample> {
  return withHandle(async (nl) => {
    await inWindows(256, 64, () => nl.link.get('lo'));
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    // Node records the gap between two samples, from the second sample on: start sampling before the load.
    await drain();
    const t0 = now();
    const all: Promise<unknown>[] = [];
    await issue(nl, all);
    const issueMs = (now() - t0) * 1e3;
    const pending = nl.pending;
    await Promise.all(all);
    const secs = now() - t0;
    await drain();
    h.disable();
    return { ops: count, secs, metrics: { ...lagMetrics(h), issueMs, ...(countPending ? { pending } : {}) } };
  });
}

export const loopLag: Workload = {
  id: 'loop-lag',
  title: 'Event-loop lag with 10 000 requests in flight',
  what: '10 000 `link.get(\'lo\')` (counters included) pending at once on one handle (and, apart, a burst of ' +
    'macvlan creates), while ' +
    '`perf_hooks.monitorEventLoopDelay({ resolution: 1 })` samples the loop. Node reports the time between two ' +
    'samples, so an idle loop reads ≈ 1.1 ms (the idle row); lag is what exceeds it. vnic keeps 256 requests at the ' +
    'kernel and the rest queued in the addon.',
  reference: 'mnl-get',
  fixture: { reset: true },
  tools: (p, env) => [
    { id: 'idle', how: `no requests: the histogram of an idle loop over ${IDLE_MS} ms (baseline)`, node: 'idle', chart: false },
    { id: 'vnic', how: `${STAGE} issued per loop turn until all are pending, then awaited`, node: 'staged' },
    { id: 'vnic-burst', how: 'all issued in one synchronous loop (one Promise.all): the issuing tick counts as lag', node: 'burst' },
    {
      id: 'vnic-creates', how: `${p.create} macvlan creates on p0 issued at once (one Promise.all; ops = creates)`, node: 'creates',
      ref: null, chart: false,
    },
    peer(env, 'mnl-get', `raw libmnl, the same gets ${p.window} per sendmsg (throughput reference; no event loop)`, 'mnl-get',
      [String(p.lagRequests), 'lo', '0', 'stats', String(p.window)], perN),
  ],
  node: {
    idle: async () => {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const t0 = now();
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      h.disable();
      return { ops: 0, secs: now() - t0, metrics: lagMetrics(h) };
    },
    staged: (p) => underLoad(p.lagRequests, async (nl, all) => {
      while (all.length < p.lagRequests) {
        for (let i = 0; i < STAGE && all.length < p.lagRequests; i++) all.push(nl.link.get('lo'));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
    burst: (p) => underLoad(p.lagRequests, async (nl, all) => {
      for (let i = 0; i < p.lagRequests; i++) all.push(nl.link.get('lo'));
    }),
    creates: (p) => underLoad(p.create, async (nl, all) => {
      const parent = await nl.link.index('p0');
      for (let i = 0; i < p.create; i++) all.push(nl.link.add({ name: `mv${i}`, kind: 'macvlan', link: parent, mode: 'bridge' }));
    }, false),
  },
  metrics: [
    { key: 'lagP50', label: 'lag p50 (ms)', digits: 2 },
    { key: 'lagP99', label: 'lag p99 (ms)', digits: 2 },
    { key: 'lagMax', label: 'lag max (ms)', digits: 2 },
    { key: 'issueMs', label: 'issuing (ms)', digits: 1 },
    { key: 'pending', label: 'pending after issuing', digits: 0 },
  ],
  targets: (rows) => [
    metricBelow(rows, 'event-loop lag p99 < 2 ms (requests issued over a few loop turns)', 'vnic', 'lagP99', 2, 'ms'),
    metricBelow(rows, 'the same, all 10 000 issued in one tick', 'vnic-burst', 'lagP99', 2, 'ms'),
    metricBelow(rows, 'the same during a burst of creates', 'vnic-creates', 'lagP99', 2, 'ms'),
  ],
};
