// Create and get cost with 100, 1000, 5000 links already in the namespace.
import { now, oneByOne, withHandle } from '../core/measure';
import { peer, perN } from '../core/peers';
import type { Workload } from '../core/types';

/** One workload per size: `size` macvlans bg0… on a second veth q0, the measured creates on p0. */
export function scaling(size: number): Workload {
  return {
    id: `scale-${size}`,
    title: `Scaling: ${size} links already present`,
    group: 'scaling',
    what: `${size} macvlans bg0… (on a second veth q0) made once before the runs; then gets by name among them and ` +
      'creates of new macvlans on p0, each awaited. After each tool p0 is deleted with what it made and made again, ' +
      `so every tool sees the same ${size} links. Does the cost per operation stay flat as the namespace grows?`,
    fixture: { fill: size, fillPrefix: 'bg', fillOn: 'q0', reset: true },
    tools: (p, env) => [
      { id: 'vnic get', how: '`link.get(name, { stats: false })` awaited (the link, and its parent\'s name looked up by the addon: 2 kernel requests, 1 settle)', node: 'get', ref: 'mnl get' },
      { ...peer(env, 'mnl get', 'raw libmnl GETLINK by name, sync (bench/ref/mnl-get.c)', 'mnl-get',
        [String(p.scaleOps), 'bg', String(size), 'nostats', '1'], perN), ref: 'mnl get' },
      { id: 'vnic create', how: '`link.add` macvlan on p0, awaited', node: 'create', ref: 'mnl create' },
      { ...peer(env, 'mnl create', 'raw libmnl create, sync (bench-mnl fill)', 'mnl', ['fill', String(p.scaleOps), 'sync'], perN), ref: 'mnl create' },
    ],
    node: {
      get: (p) => withHandle(async (nl) => {
        await nl.link.get('bg0', { stats: false });
        const t0 = now();
        await oneByOne(p.scaleOps, (i) => nl.link.get(`bg${i % size}`, { stats: false }));
        return { ops: p.scaleOps, secs: now() - t0 };
      }),
      create: (p) => withHandle(async (nl) => {
        const parent = await nl.link.index('p0');
        const t0 = now();
        await oneByOne(p.scaleOps, (i) => nl.link.add({ name: `mv${i}`, kind: 'macvlan', link: parent, mode: 'bridge' }));
        return { ops: p.scaleOps, secs: now() - t0 };
      }),
    },
  };
}
