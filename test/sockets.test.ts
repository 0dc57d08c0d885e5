// Node sockets living in other namespaces: a server in ns1, a client in ns2,
// across a macvlan bridge — no program spawned.
import { netns } from 'vnic';

import { Sandbox } from './helpers/sandbox';

let sb: Sandbox;

beforeAll(async () => {
  sb = await Sandbox.create('host', 'ns1', 'ns2');
  const host = await sb.handle('host');
  await host.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1' }, up: true });
  await host.link.set('p1', { up: true });
  await host.attach({ netns: sb.ns('ns1'), link: 'p0', addresses: ['192.168.56.122/24'] });
  await host.attach({ netns: sb.ns('ns2'), link: 'p0', addresses: ['192.168.56.123/24'] });
});

afterAll(async () => {
  await sb.cleanup();
});

test('TCP: a server in ns1 answers a client in ns2', async () => {
  const server = await netns.listen(sb.ns('ns1'), { host: '192.168.56.122', port: 7000 });
  server.on('connection', (socket) => socket.end(`hello ${socket.remoteAddress}\n`));
  try {
    const client = await netns.connect(sb.ns('ns2'), { host: '192.168.56.122', port: 7000 });
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      client.on('data', (chunk) => { text += chunk; });
      client.on('end', () => resolve(text));
    });
    expect(reply).toBe('hello 192.168.56.123\n');
  } finally {
    server.close();
  }
});

test('TCP: the server is not reachable from the caller\'s namespace', async () => {
  const server = await netns.listen(sb.ns('ns1'), { port: 7001 });
  try {
    expect((server.address() as { port: number }).port).toBe(7001);
    await expect(netns.connect(sb.ns('host'), { host: '192.168.56.122', port: 7001 }))
      .rejects.toMatchObject({ code: expect.stringMatching(/ENETUNREACH|EHOSTUNREACH|ETIMEDOUT/) });
  } finally {
    server.close();
  }
});

test('UDP: a datagram from ns2 reaches ns1', async () => {
  const receiver = await netns.udp(sb.ns('ns1'), { address: '192.168.56.122', port: 7002 });
  const sender = await netns.udp(sb.ns('ns2'));
  try {
    const got = new Promise<string>((resolve) => receiver.once('message', (msg, from) => resolve(`${msg} from ${from.address}`)));
    sender.send('ping', 7002, '192.168.56.122');
    expect(await got).toBe('ping from 192.168.56.123');
  } finally {
    receiver.close();
    sender.close();
  }
});

test('connect gives up after its timeout, or when aborted', async () => {
  // Nobody answers ARP for this address on ns2's segment: a connect would hang for minutes.
  const started = Date.now();
  await expect(netns.connect(sb.ns('ns2'), { host: '192.168.56.200', port: 7004, timeout: 300 }))
    .rejects.toMatchObject({ code: 'ETIMEDOUT', op: 'netns.connect' });
  expect(Date.now() - started).toBeLessThan(2000);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await expect(netns.connect(sb.ns('ns2'), { host: '192.168.56.200', port: 7004, signal: controller.signal }))
    .rejects.toMatchObject({ code: 'ECANCELED' });
});

test('a missing namespace is a clear error', async () => {
  await expect(netns.listen('vt-no-such-namespace', { port: 7003 })).rejects.toMatchObject({ code: 'ENOENT', op: 'netns.listen' });
});
