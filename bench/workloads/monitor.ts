// Event throughput of a monitor while a burst of links is created.
import { spawn } from 'child_process';
import type { EventEmitter } from 'events';

import { Handle } from '../../lib';
import { inWindows, now, withHandle } from '../core/measure';
import type { Params, Sample, Workload } from '../core/types';

/** nl.monitor as DESIGN.md describes it (checked at run time: it may not be in vnic yet). */
interface MonitorApi {
  monitor(objects: Array<'link'>): EventEmitter & { ready(): Promise<void>; close(): void };
}
interface LinkEvent { type: string; object?: string; link?: { name: string }; links?: Array<{ name: string }> }

const hasMonitor = (): boolean => typeof (Handle.prototype as unknown as Partial<MonitorApi>).monitor === 'function';
const GIVE_UP_MS = 15_000;

/** Creates p.create macvlans (windows of p.window) on a second handle; `seen()` counts the events that arrived. */
async function burst(p: Params, seen: () => number, settled: Promise<void>): Promise<{ secs: number; afterMs: number }> {
  return withHandle(async (nl) => {
    const parent = await nl.link.index('p0');
    const t0 = now();
    await inWindows(p.create, p.window, (i) => nl.link.add({ name: `mv${i}`, kind: 'macvlan', link: parent, mode: 'bridge' }));
    const created = now();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((resolve) => { timer = setTimeout(resolve, GIVE_UP_MS); })]);
    clearTimeout(timer);
    if (seen() < p.create) throw new Error(`only ${seen()} of ${p.create} events arrived in ${GIVE_UP_MS / 1000} s`);
    return { secs: now() - t0, afterMs: (now() - created) * 1e3 };
  });
}

export const monitor: Workload = {
  id: 'monitor',
  title: 'Monitor: events during a burst of creates',
  what: 'A link monitor open while N macvlans are created (Promise.all windows of 64, vnic, same process); timed ' +
    'from the first create until the monitor has seen all N new links. One op = one event delivered. The last ' +
    'column is how long after the last create answered the last event arrived.',
  fixture: { reset: true },
  tools: (p) => [
    {
      id: 'vnic', how: '`nl.monitor([\'link\'])`, an EventEmitter: "new" events of mvI counted', node: 'vnic',
      skip: hasMonitor() ? undefined : 'not yet: nl.monitor is not in vnic yet',
    },
    { id: 'ip-monitor', how: '`ip -o monitor link` spawned from Node, its lines about mvI counted', node: 'ip' },
    { id: 'no monitor', how: `the same burst with nothing listening: ${p.create} creates (ops = creates)`, node: 'none' },
  ],
  node: {
    vnic: (p) => withHandle(async (nl) => {
      const mon = (nl as unknown as MonitorApi).monitor(['link']);
      await mon.ready();
      // A 'new' event per link; after an overrun the monitor reads the state again and reports it in one 'sync'.
      const names = new Set<string>();
      let last = 0;
      let overruns = 0;
      const settled = new Promise<void>((resolve) => mon.on('event', (ev: LinkEvent) => {
        if (ev.type === 'overrun') overruns++;
        const got = ev.type === 'new' ? [ev.link] : ev.type === 'sync' ? ev.links ?? [] : [];
        for (const link of got) if (link?.name.startsWith('mv')) names.add(link.name);
        if (got.length > 0) last = now();
        if (names.size >= p.create) resolve();
      }));
      const t0 = now();
      const { afterMs } = await burst(p, () => names.size, settled).finally(() => mon.close());
      return { ops: names.size, secs: last - t0, metrics: { overruns, afterMs } };
    }),
    ip: async (p): Promise<Sample> => {
      const child = spawn('ip', ['-o', 'monitor', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let seen = 0;
      let last = 0;
      let buffered = '';
      let resolveAll: () => void = () => undefined;
      const settled = new Promise<void>((resolve) => { resolveAll = resolve; });
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = (buffered + chunk.toString()).split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (!/^\d+: mv\d+@/.test(line) || line.startsWith('Deleted')) continue;
          seen++;
          last = now();
          if (seen === p.create) resolveAll();
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 300));  // let ip subscribe
      const t0 = now();
      try {
        const { afterMs } = await burst(p, () => seen, settled);
        return { ops: seen, secs: last - t0, metrics: { afterMs } };
      } finally {
        child.kill();
      }
    },
    none: (p) => withHandle(async (nl) => {
      const parent = await nl.link.index('p0');
      const t0 = now();
      await inWindows(p.create, p.window, (i) => nl.link.add({ name: `mv${i}`, kind: 'macvlan', link: parent, mode: 'bridge' }));
      return { ops: p.create, secs: now() - t0 };
    }),
  },
  metrics: [
    { key: 'afterMs', label: 'last event after last create (ms)', digits: 1 },
    { key: 'overruns', label: 'overruns', digits: 0 },
  ],
};
