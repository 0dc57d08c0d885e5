// bench:ab, the in-process comparison of two builds: its statistics, and its
// child timing two builds (here the same one twice) in alternating blocks.
import { execFileSync } from 'child_process';
import * as path from 'path';

import { pairedSummary } from '../bench/ab/stats';
import { median } from '../bench/core/stats';
import type { AbConfig, AbResult } from '../bench/ab/types';
import { ROOT, builtDist } from './helpers/dist';
import { Sandbox } from './helpers/sandbox';

const dist = path.join(ROOT, 'dist');

test('median: odd and even counts, empty', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(median([])).toBeNaN();
});

test('paired summary: the rounds\' differences, a deterministic interval around their median', () => {
  const ref = [10, 12, 11, 30, 10, 13, 12, 11];
  const mine = ref.map((v, i) => v - 2 + (i === 3 ? 5 : 0));  // 2 µs faster in every round but one
  const s = pairedSummary(mine, ref);
  expect(s).toMatchObject({ rounds: 8, medianDiff: -2, thisFaster: 7 });
  expect(s.medianThis).toBe(median(mine));
  expect(s.medianRef).toBe(median(ref));
  expect(s.ciLow).toBeLessThanOrEqual(s.medianDiff);
  expect(s.ciHigh).toBeGreaterThanOrEqual(s.medianDiff);
  expect(pairedSummary(mine, ref)).toEqual(s);
  expect(() => pairedSummary([1], [1, 2])).toThrow(/equal/);
});

describe('the child', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    builtDist('bench', 'ab', 'child.js');
    sb = await Sandbox.create('ab');
    const nl = await sb.handle('ab');
    const p0 = await nl.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1' } });
    for (let i = 0; i < 3; i++) await nl.link.add({ name: `mv${i}`, kind: 'macvlan', link: p0.index, mode: 'bridge' });
  });
  afterAll(async () => {
    await sb.cleanup();
  });

  test.each(['index', 'create'] as const)('times %s for both builds, round after round', (op) => {
    const config: AbConfig = { thisDist: dist, refDist: dist, op, rounds: 3, warmup: 1, fill: 3 };
    const out = execFileSync('ip', ['netns', 'exec', sb.ns('ab'), process.execPath, path.join(dist, 'bench', 'ab', 'child.js'),
      JSON.stringify(config)], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    const result = JSON.parse((line ?? 'RESULT {}').slice('RESULT '.length)) as AbResult;
    expect(result.op).toBe(op);
    expect(result.thisUs).toHaveLength(3);
    expect(result.refUs).toHaveLength(3);
    for (const us of [...result.thisUs, ...result.refUs]) expect(us).toBeGreaterThan(0);
  });
});
