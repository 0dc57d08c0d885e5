// Get one link by name among 2000.
import { execFile } from 'child_process';
import { promisify } from 'util';

import { inWindows, now, oneByOne, withHandle } from '../core/measure';
import { peer, perN } from '../core/peers';
import type { Params, Sample, Workload } from '../core/types';
import type { Handle } from '../../lib';

const run = promisify(execFile);

/** `gets` awaited (or windowed) calls of fn on mv0, mv1, … cycling through the fill. */
function gets(p: Params, count: number, window: number, fn: (nl: Handle, name: string) => Promise<unknown>): Promise<Sample> {
  return withHandle(async (nl) => {
    const name = (i: number): string => `mv${i % p.fill}`;
    await fn(nl, name(0));
    const t0 = now();
    if (window > 1) await inWindows(count, window, (i) => fn(nl, name(i)));
    else await oneByOne(count, (i) => fn(nl, name(i)));
    return { ops: count, secs: now() - t0 };
  });
}

export const get: Workload = {
  id: 'get',
  title: 'Get a link by name among 2000',
  what: 'GETLINK by name of mvI (cycling through the fill), in a namespace holding the fill. Raw libmnl here is ' +
    'bench/ref/mnl-get.c (../shared/peers has no get mode): every attribute indexed, the usual fields read, the ' +
    'counters copied when asked for.',
  reference: 'mnl-get',
  fixture: (p) => ({ fill: p.fill }),
  tools: (p, env) => [
    { id: 'vnic', how: '`link.get(name, { stats: false })` awaited: the link, and its parent\'s name looked up by the addon as the reply arrives (2 kernel requests, 1 settle)', node: 'nostats' },
    { id: 'vnic-stats', how: '`link.get(name)` awaited: the same with counters', node: 'stats', ref: 'mnl-get-stats' },
    { id: 'vnic-index', how: '`link.index(name)` awaited: 1 request, only the ifindex kept', node: 'index' },
    { id: 'vnic-pipe', how: `\`link.get(name, { stats: false })\`, Promise.all windows of ${p.window}`, node: 'pipe', ref: 'mnl-get-pipe' },
    { id: 'ip-node', how: '`ip -j link show dev NAME` spawned from Node execFile + JSON.parse (no peer mode: bench code)', node: 'ip' },
    peer(env, 'mnl-get', 'raw libmnl, sync, no counters', 'mnl-get', [String(p.gets), 'mv', String(p.fill), 'nostats', '1'], perN),
    peer(env, 'mnl-get-stats', 'raw libmnl, sync, counters copied', 'mnl-get', [String(p.gets), 'mv', String(p.fill), 'stats', '1'], perN),
    peer(env, 'mnl-get-pipe', `raw libmnl, ${p.window} requests per sendmsg, no counters`, 'mnl-get',
      [String(p.gets), 'mv', String(p.fill), 'nostats', String(p.window)], perN),
  ],
  node: {
    nostats: (p) => gets(p, p.gets, 1, (nl, name) => nl.link.get(name, { stats: false })),
    stats: (p) => gets(p, p.gets, 1, (nl, name) => nl.link.get(name)),
    index: (p) => gets(p, p.gets, 1, (nl, name) => nl.link.index(name)),
    pipe: (p) => gets(p, p.gets, p.window, (nl, name) => nl.link.get(name, { stats: false })),
    ip: (p) => gets(p, p.ipGets, 1, async (_nl, name) => JSON.parse((await run('ip', ['-j', 'link', 'show', 'dev', name])).stdout)),
  },
};
