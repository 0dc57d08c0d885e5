// link.delMany: one kernel unregister batch for many links, nothing else touched.
import { Sandbox } from './helpers/sandbox';

let sb: Sandbox;

beforeAll(async () => {
  sb = await Sandbox.create('del');
  const nl = await sb.handle('del');
  await nl.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1' }, up: true });
});

afterAll(async () => {
  await sb.cleanup();
});

test('500 links go; every other link stays, its group untouched', async () => {
  const nl = await sb.handle('del');
  const doomed = Array.from({ length: 500 }, (_, i) => `x${i}`);
  const kept = Array.from({ length: 10 }, (_, i) => `k${i}`);
  await Promise.all([...doomed, ...kept].map((name) => nl.link.add({ name, kind: 'macvlan', link: 'p0' })));
  await nl.link.set('k3', { group: 77 });
  const started = process.hrtime.bigint();
  const result = await nl.link.delMany([...doomed, 'not-there']);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  expect(result.deleted).toHaveLength(500);
  expect(result.missing).toEqual(['not-there']);
  const left = await nl.link.list();
  expect(left.map((l) => l.name).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'lo', 'p0', 'p1']);
  expect(left.find((l) => l.name === 'k3')?.group).toBe(77);
  expect(left.filter((l) => l.name !== 'k3').every((l) => l.group === 0)).toBe(true);
  console.log(`delMany: 500 links in ${ms.toFixed(0)} ms (${(ms / 500).toFixed(3)} ms per link)`);
  await nl.link.delMany(kept);
});

test('lo is refused before anything changes; an empty list is a no-op', async () => {
  const nl = await sb.handle('del');
  await nl.link.add({ name: 'y0', kind: 'macvlan', link: 'p0' });
  await expect(nl.link.delMany(['y0', 'lo'])).rejects.toMatchObject({ code: 'EOPNOTSUPP', op: 'link.delMany', target: 'lo' });
  expect((await nl.link.get('y0')).group).toBe(0);
  expect(await nl.link.delMany([])).toEqual({ deleted: [], missing: [] });
  expect(await nl.link.delMany(['y0'])).toEqual({ deleted: ['y0'], missing: [] });
});
