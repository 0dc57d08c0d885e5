// What the A/B runner hands its child (bench/ab/child.ts) and what it gets back.

export type AbOp = 'index' | 'get' | 'getstats' | 'create' | 'dump' | 'attach';

export interface AbConfig {
  /** The dist/ folders of the two builds: this checkout's and the reference's. */
  thisDist: string;
  refDist: string;
  op: AbOp;
  rounds: number;
  /** Rounds dropped at the start (the JIT warming up, the kernel's caches). */
  warmup: number;
  /** Links named `mv0…` on p0 in the namespace (gets look them up). */
  fill: number;
  /** The container namespace (attach). */
  ctr?: string;
}

export interface AbResult {
  op: AbOp;
  opsPerBlock: number;
  thisUs: number[];
  refUs: number[];
}

/** Operations per block: enough to time, few enough for many rounds. */
export const OPS_PER_BLOCK: Record<AbOp, number> = { index: 200, get: 200, getstats: 200, create: 25, dump: 3, attach: 10 };
