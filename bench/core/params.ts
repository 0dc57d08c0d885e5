// The two sizes of run. Full: the figures (2000 links, 10 000 requests,
// 100 000 operations, 100 / 1000 / 5000 links present) in a few minutes;
// quick: the same workloads, smaller, in under a minute.
import type { Params } from './types';

export const FULL: Params = {
  mode: 'full',
  reps: 3,
  create: 1000,
  window: 64,
  lifecycle: 100,
  fill: 2000,
  gets: 1000,
  ipGets: 200,
  scaleSizes: [100, 1000, 5000],
  scaleOps: 200,
  lagRequests: 10_000,
  memOps: 100_000,
  attach: 50,
  teardown: 1000,
  teardownOneByOne: 100,
};

export const QUICK: Params = {
  mode: 'quick',
  reps: 3,
  create: 100,
  window: 64,
  lifecycle: 5,
  fill: 2000,
  gets: 100,
  ipGets: 10,
  scaleSizes: [100, 5000],
  scaleOps: 30,
  lagRequests: 10_000,
  memOps: 20_000,
  attach: 5,
  teardown: 1000,
  teardownOneByOne: 10,
};

/** --quick, --reps N, --only a,b (workload ids), --skip-peers. */
export interface Cli {
  params: Params;
  only?: string[];
  skipPeers: boolean;
}

export function parseCli(argv: string[]): Cli {
  let quick = false;
  let reps: number | undefined;
  let only: string[] | undefined;
  let skipPeers = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--reps' || arg.startsWith('--reps=')) reps = Math.max(1, Math.floor(Number(value())) || 1);
    else if (arg === '--only' || arg.startsWith('--only=')) only = value().split(',');
    else if (arg === '--skip-peers') skipPeers = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('npm run bench [-- --quick] [--reps N] [--only create-seq,dump,…] [--skip-peers]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  const params = { ...(quick ? QUICK : FULL) };
  if (reps !== undefined) params.reps = reps;
  return { params, only, skipPeers };
}
