// monitor(): notifications as typed events; overruns recovered by a resync.
import { execFileSync } from 'child_process';

import type { MonitorEvent } from 'vnic';

import { Sandbox } from './helpers/sandbox';

let sb: Sandbox;

beforeAll(async () => {
  sb = await Sandbox.create('mon', 'away');
  const nl = await sb.handle('mon');
  await nl.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1' }, up: true });
});

afterAll(async () => {
  await sb.cleanup();
});

/** Reads events until `done` says so; the monitor stays open (breaking out of for-await would close it). */
async function collect(monitor: AsyncIterable<MonitorEvent>, done: (seen: MonitorEvent[]) => boolean): Promise<MonitorEvent[]> {
  const iterator = monitor[Symbol.asyncIterator]();
  const seen: MonitorEvent[] = [];
  while (!done(seen)) {
    const next = await iterator.next();
    if (next.done) break;
    seen.push(next.value);
  }
  return seen;
}

const linkNames = (events: MonitorEvent[], type: string) =>
  new Set(events.flatMap((e) => ('object' in e && e.object === 'link' && e.type === type ? [e.link.name] : [])));

test('every change in a burst of 1000 is seen, typed, in order per link', async () => {
  const nl = await sb.handle('mon');
  const monitor = nl.monitor(['link', 'addr']);
  await monitor.ready();
  const names = Array.from({ length: 1000 }, (_, i) => `b${i}`);
  const started = Date.now();
  const burst = Promise.all(names.map((name) => nl.link.add({ name, kind: 'macvlan', link: 'p0', mode: 'bridge' })));
  const wanted = new Set(names);
  const events = await collect(monitor, (seen) => {
    const last = seen[seen.length - 1];
    if (last && 'link' in last && last.type === 'new') wanted.delete(last.link.name);
    return wanted.size === 0;
  });
  await burst;
  const seconds = (Date.now() - started) / 1000;
  expect(names.filter((n) => !linkNames(events, 'new').has(n))).toEqual([]);
  expect(events.some((e) => e.type === 'overrun')).toBe(false);
  // Changes to a link seen before are 'change'; deletions 'del'.
  const iterator = monitor[Symbol.asyncIterator]();
  await nl.link.set('b0', { mtu: 1400 });
  let next = await iterator.next();
  while (!('link' in next.value && next.value.link.name === 'b0')) next = await iterator.next();
  expect(next.value).toMatchObject({ type: 'change', object: 'link', link: { name: 'b0', mtu: 1400 } });
  await nl.addr.add('b0', '10.7.0.1/24');
  next = await iterator.next();
  while (!('addr' in next.value && next.value.addr.address === '10.7.0.1')) next = await iterator.next();
  expect(next.value).toMatchObject({ type: 'new', object: 'addr', addr: { address: '10.7.0.1', prefixlen: 24 } });
  monitor.close();
  expect(await iterator.next()).toEqual({ value: undefined, done: true });
  await nl.link.delMany(names);
  // For the closing note: event throughput of this burst.
  console.log(`monitor: ${events.length} events in ${seconds.toFixed(2)} s`);
});

test('an overrun (ENOBUFS) is reported, then a sync brings the whole state', async () => {
  const nl = await sb.handle('mon');
  // A tiny receive buffer overflows at once under a burst.
  const monitor = nl.monitor(['link'], { receiveBuffer: 4096 });
  await monitor.ready();
  monitor.on('error', (error) => { throw error; });
  const names = Array.from({ length: 400 }, (_, i) => `o${i}`);
  const events: MonitorEvent[] = [];
  monitor.on('event', (event: MonitorEvent) => events.push(event));
  // The burst comes from ip -batch while execFileSync holds this process's
  // event loop: the monitor cannot read meanwhile, so its queue must overflow
  // (a burst of our own requests can be read fast enough to keep up).
  execFileSync('ip', ['-n', sb.ns('mon'), '-batch', '-'], {
    input: names.map((name) => `link add link p0 name ${name} type macvlan\n`).join(''), stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Let the monitor catch up: until a sync follows the last overrun and events stop.
  const deadline = Date.now() + 20000;
  const settled = () => events.length > 0 && events.map((e) => e.type).lastIndexOf('sync') > events.map((e) => e.type).lastIndexOf('overrun');
  let count = -1;
  while ((!settled() || count !== events.length) && Date.now() < deadline) {
    count = events.length;
    await new Promise((r) => setTimeout(r, 300));
  }
  const overrun = events.findIndex((e) => e.type === 'overrun');
  expect(overrun).toBeGreaterThanOrEqual(0);
  expect(settled()).toBe(true);
  // Nothing is missing: the last sync's state plus what came after it holds every link made.
  const lastSync = events.map((e) => e.type).lastIndexOf('sync');
  const sync = events[lastSync] as Extract<MonitorEvent, { type: 'sync' }>;
  const known = new Set(sync.links?.map((l) => l.name));
  for (const event of events.slice(lastSync + 1)) if ('link' in event && event.type !== 'del') known.add(event.link.name);
  expect(names.filter((n) => !known.has(n))).toEqual([]);
  monitor.close();
  await nl.link.delMany(names);
});

test("listExisting, and a link leaving for another namespace is 'moved'", async () => {
  const nl = await sb.handle('mon');
  await nl.link.add({ name: 'leaver', kind: 'macvlan', link: 'p0' });
  const monitor = nl.monitor(['link'], { listExisting: true });
  const iterator = monitor[Symbol.asyncIterator]();
  const listed: string[] = [];
  while (listed.length < 4) {
    const { value } = await iterator.next();
    if (value && 'link' in value) listed.push(value.link.name);
  }
  expect(listed.sort()).toEqual(['leaver', 'lo', 'p0', 'p1']);
  await nl.link.set('leaver', { netns: sb.ns('away') });
  let next = await iterator.next();
  while (!(next.value && 'link' in next.value && next.value.link.name === 'leaver')) next = await iterator.next();
  expect(next.value).toMatchObject({ type: 'moved', object: 'link', link: { name: 'leaver' } });
  monitor.close();
});
