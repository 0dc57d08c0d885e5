// Paired comparison of two builds measured in alternating blocks: each round
// holds one block of each, run back to back, so the machine's drift (which on
// the development VM moves a figure by 20–40 % between runs minutes apart)
// hits both alike and cancels in the round's difference.
import { median } from '../core/stats';

/** µs per operation of each build in each round, and what the rounds say together. */
export interface PairedSummary {
  rounds: number;
  medianThis: number;
  medianRef: number;
  /** Median over rounds of (this − ref), µs per operation: below 0, this build is faster. */
  medianDiff: number;
  /** 95 % bootstrap interval of that median (rounds resampled, fixed seed: the same data gives the same interval). */
  ciLow: number;
  ciHigh: number;
  /** Rounds in which this build was faster. */
  thisFaster: number;
}

/** A small deterministic generator (mulberry32): the interval must not change from one report to the next. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pairedSummary(thisBuild: readonly number[], ref: readonly number[], resamples = 2000): PairedSummary {
  if (thisBuild.length !== ref.length || thisBuild.length === 0) {
    throw new Error(`paired samples of equal, non-zero length expected (${thisBuild.length} vs ${ref.length})`);
  }
  const diffs = thisBuild.map((value, i) => value - ref[i]);
  const random = generator(0x5eed);
  const medians: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const sample = diffs.map(() => diffs[Math.floor(random() * diffs.length)]);
    medians.push(median(sample));
  }
  medians.sort((a, b) => a - b);
  return {
    rounds: diffs.length,
    medianThis: median(thisBuild),
    medianRef: median(ref),
    medianDiff: median(diffs),
    ciLow: medians[Math.floor(resamples * 0.025)],
    ciHigh: medians[Math.ceil(resamples * 0.975) - 1],
    thisFaster: diffs.filter((d) => d < 0).length,
  };
}
