// route.add / replace / del / list, IPv4 and IPv6, cross-checked with `ip -j route`.
import { Sandbox, ipJson } from './helpers/sandbox';

let sb: Sandbox;

beforeAll(async () => {
  sb = await Sandbox.create('route');
  const nl = await sb.handle('route');
  await nl.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1' }, up: true });
  await nl.link.set('p1', { up: true });
  await nl.link.add({ name: 'mv1', kind: 'macvlan', link: 'p0', mode: 'bridge', up: true });
  await nl.addr.add('mv1', '10.9.0.5/24');
  await nl.addr.add('mv1', 'fd00:9::5/64', { nodad: true });
});

afterAll(async () => {
  await sb.cleanup();
});

test('default routes via a gateway, v4 and v6', async () => {
  const nl = await sb.handle('route');
  await nl.route.add({ dst: 'default', via: '10.9.0.1' });
  await nl.route.add({ dst: 'default', via: 'fd00:9::1', metric: 100 });
  const [v4] = ipJson(sb.ns('route'), 'route', 'show', 'default');
  expect(v4).toMatchObject({ dst: 'default', gateway: '10.9.0.1', dev: 'mv1' });
  const routes = await nl.route.list();
  expect(routes).toEqual(expect.arrayContaining([
    expect.objectContaining({ family: 4, dst: 'default', gateway: '10.9.0.1', dev: 'mv1', protocol: 'boot', table: 254, type: 'unicast' }),
    expect.objectContaining({ family: 6, dst: 'default', gateway: 'fd00:9::1', dev: 'mv1', metric: 100 }),
  ]));
  await nl.route.del({ dst: 'default', via: '10.9.0.1' });
  await nl.route.del({ dst: 'default', family: 6 });
  expect((await nl.route.list()).filter((r) => r.dst === 'default')).toEqual([]);
});

test('a prefix on a link gets scope link; replace changes it; del removes it', async () => {
  const nl = await sb.handle('route');
  await nl.route.add({ dst: '10.10.0.0/16', dev: 'mv1' });
  let [route] = await nl.route.list({ dev: 'mv1', family: 4 }).then((rs) => rs.filter((r) => r.dst === '10.10.0.0/16'));
  expect(route).toMatchObject({ scope: 'link', dev: 'mv1', oif: expect.any(Number) });
  await expect(nl.route.add({ dst: '10.10.0.0/16', dev: 'mv1' })).rejects.toMatchObject({ code: 'EEXIST', op: 'route.add' });
  await nl.route.replace({ dst: '10.10.0.0/16', via: '10.9.0.7', src: '10.9.0.5' });
  [route] = (await nl.route.list()).filter((r) => r.dst === '10.10.0.0/16');
  expect(route).toMatchObject({ gateway: '10.9.0.7', prefsrc: '10.9.0.5', scope: 'global' });
  const [shown] = ipJson(sb.ns('route'), 'route', 'show', '10.10.0.0/16');
  expect(shown).toMatchObject({ gateway: '10.9.0.7', prefsrc: '10.9.0.5' });
  await nl.route.del({ dst: '10.10.0.0/16' });
  await expect(nl.route.del({ dst: '10.10.0.0/16' })).rejects.toMatchObject({ code: 'ESRCH', op: 'route.del' });
});

test('list tables: main by default, local on request', async () => {
  const nl = await sb.handle('route');
  const local = await nl.route.list({ table: 'local', family: 4 });
  expect(local).toEqual(expect.arrayContaining([expect.objectContaining({ dst: '10.9.0.5/32', type: 'local', table: 255 })]));
  expect((await nl.route.list({ family: 4 })).every((r) => r.table === 254)).toBe(true);
});

test.each([
  ['a malformed dst', { dst: '10.0.0/8' }, 'dst'],
  ['a gateway of the other family', { dst: 'default', via: 'fd00::1', family: 4 as const, dev: 'mv1' }, 'via'],
  ['a missing dev', { dst: '10.20.0.0/16', dev: 'nope0' }, 'dev'],
  ['an unknown table name', { dst: '10.20.0.0/16', dev: 'mv1', table: 'mian' as never }, 'table'],
  ['an unknown option', { dst: '10.20.0.0/16', gw: '10.9.0.1' } as never, 'gw'],
])('%s is refused clearly', async (_what, route, field) => {
  const nl = await sb.handle('route');
  await expect(nl.route.add(route)).rejects.toMatchObject({ op: 'route.add', field });
});
