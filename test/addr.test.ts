// addr.add / del / list, IPv4 and IPv6, cross-checked with `ip -j addr`.
import { Sandbox, ipJson } from './helpers/sandbox';

let sb: Sandbox;

beforeAll(async () => {
  sb = await Sandbox.create('addr');
  const nl = await sb.handle('addr');
  await nl.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1' }, up: true });
  await nl.link.add({ name: 'mv1', kind: 'macvlan', link: 'p0', mode: 'bridge', up: true });
});

afterAll(async () => {
  await sb.cleanup();
});

interface IpAddrInfo { family: string; local: string; prefixlen: number; broadcast?: string; label?: string; address?: string }
const ipAddrs = (dev: string): IpAddrInfo[] => ipJson(sb.ns('addr'), 'addr', 'show', 'dev', dev)[0].addr_info;

test('IPv4 with broadcast + and a label', async () => {
  const nl = await sb.handle('addr');
  await nl.addr.add('mv1', '192.168.56.122/24', { broadcast: '+', label: 'mv1:a' });
  const seen = ipAddrs('mv1').find((a) => a.local === '192.168.56.122');
  expect(seen).toMatchObject({ prefixlen: 24, broadcast: '192.168.56.255', label: 'mv1:a' });
  const listed = await nl.addr.list({ link: 'mv1', family: 4 });
  expect(listed).toEqual([expect.objectContaining({
    family: 4, address: '192.168.56.122', prefixlen: 24, broadcast: '192.168.56.255', label: 'mv1:a',
    scope: 'global', link: 'mv1', flags: expect.arrayContaining(['permanent']),
  })]);
  await nl.addr.del('mv1', '192.168.56.122/24');
  expect(ipAddrs('mv1').find((a) => a.local === '192.168.56.122')).toBeUndefined();
});

test('IPv6 with nodad, and a peer', async () => {
  const nl = await sb.handle('addr');
  await nl.addr.add('mv1', 'fd00:9::2/64', { nodad: true });
  const v6 = (await nl.addr.list({ link: 'mv1', family: 6 })).find((a) => a.address === 'fd00:9::2');
  expect(v6).toMatchObject({ family: 6, prefixlen: 64, flags: expect.arrayContaining(['nodad']) });
  await nl.addr.add('mv1', '10.9.0.1', { peer: '10.9.0.2/32' });
  const p2p = (await nl.addr.list({ link: 'mv1', family: 4 })).find((a) => a.address === '10.9.0.1');
  expect(p2p).toMatchObject({ peer: '10.9.0.2', prefixlen: 32 });
  await nl.addr.del('mv1', '10.9.0.1', { peer: '10.9.0.2/32' });
  expect((await nl.addr.list({ link: 'mv1', family: 4 })).find((a) => a.address === '10.9.0.1')).toBeUndefined();
  await nl.addr.del('mv1', 'fd00:9::2/64');
});

test('EEXIST, replace, and deleting what is not there', async () => {
  const nl = await sb.handle('addr');
  await nl.addr.add('mv1', '10.1.0.5/24');
  await expect(nl.addr.add('mv1', '10.1.0.5/24')).rejects.toMatchObject({ code: 'EEXIST', op: 'addr.add' });
  await nl.addr.add('mv1', '10.1.0.5/24', { replace: true });
  await nl.addr.del('mv1', '10.1.0.5/24');
  await expect(nl.addr.del('mv1', '10.1.0.5/24')).rejects.toMatchObject({ code: 'EADDRNOTAVAIL', op: 'addr.del' });
});

test.each([
  ['not an address', 'mv1', '10.0.0.300/24', {}, 'address'],
  ['a prefix too long', 'mv1', '10.0.0.1/33', {}, 'address'],
  ['nodad on IPv4', 'mv1', '10.0.0.1/24', { nodad: true }, 'nodad'],
  ['broadcast on IPv6', 'mv1', 'fd00::1/64', { broadcast: '+' }, 'broadcast'],
  ['a label not starting with the link name', 'mv1', '10.0.0.1/24', { label: 'eth0:1' }, 'label'],
  ['an unknown option', 'mv1', '10.0.0.1/24', { brd: '+' }, 'brd'],
  ['a missing link', 'nope0', '10.0.0.1/24', {}, 'link'],
])('%s is refused clearly', async (_what, link, cidr, options, field) => {
  const nl = await sb.handle('addr');
  await expect(nl.addr.add(link, cidr, options as never)).rejects.toMatchObject({ op: 'addr.add', field });
});
