// Create N macvlans on p0, pipelined.
import { inWindows, now, withHandle } from '../core/measure';
import { peer, perN } from '../core/peers';
import { throughputAtLeast } from '../core/targets';
import type { Workload } from '../core/types';

export const createPipe: Workload = {
  id: 'create-pipe',
  title: 'Create N macvlans, pipelined',
  what: 'As above, with many creates in flight: vnic with Promise.all over windows of 64 (and over all N at once: ' +
    'vnic keeps at most 256 requests in flight itself); raw libmnl sends 64 requests per sendmsg, then reads 64 ACKs.',
  reference: 'mnl-pipe',
  fixture: { reset: true },
  tools: (p, env) => [
    { id: 'vnic', how: `\`link.add\`, Promise.all in windows of ${p.window}`, node: 'window' },
    { id: 'vnic-all', how: '`link.add`, one Promise.all over all N', node: 'all' },
    peer(env, 'mnl-pipe', `raw libmnl: ${p.window} requests per sendmsg, then ${p.window} ACKs`, 'mnl',
      ['fill', String(p.create), 'pipe', String(p.window)], perN),
  ],
  node: {
    window: (p) => createMany(p.create, p.window),
    all: (p) => createMany(p.create, p.create),
  },
  targets: (rows) => [throughputAtLeast(rows, 'pipelined create ≥ raw libmnl pipelined', 'vnic', 'mnl-pipe', 1)],
};

function createMany(total: number, window: number) {
  return withHandle(async (nl) => {
    const parent = await nl.link.index('p0');
    const t0 = now();
    await inWindows(total, window, (i) => nl.link.add({ name: `mv${i}`, kind: 'macvlan', link: parent, mode: 'bridge' }));
    return { ops: total, secs: now() - t0 };
  });
}
