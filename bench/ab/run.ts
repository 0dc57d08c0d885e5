// npm run bench:ab -- --ref <git ref> [--op index,get,getstats,create,dump,attach] [--rounds N] [--keep]
//
// This checkout against another build of vnic, in one process: the reference
// is checked out in a git worktree under /tmp, built there (addon and dist/,
// with this checkout's node_modules), and both are timed in alternating blocks
// inside a namespace made for it (bench/core/fixture.ts), so the machine's
// drift between runs — larger here than most changes — cancels. Prints, per
// operation, both medians and the median of the rounds' differences with a
// 95 % interval. Needs root (namespaces) and git.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { parseResult } from '../core/exec';
import { Fixture, onSignals, removeAll } from '../core/fixture';
import { fmt } from '../core/stats';
import { AbConfig, AbOp, AbResult, OPS_PER_BLOCK } from './types';
import { pairedSummary } from './stats';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CHILD = path.join(__dirname, 'child.js');
const OPS: readonly AbOp[] = ['index', 'get', 'getstats', 'create', 'dump', 'attach'];
/** Links on p0 for the gets (looked up by name) and the dump. */
const FILL: Record<AbOp, number> = { index: 200, get: 200, getstats: 200, create: 0, dump: 2000, attach: 0 };

interface Options {
  ref: string;
  ops: AbOp[];
  rounds: number;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { ref: '', ops: ['index', 'get', 'create'], rounds: 40, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const value = (): string => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--ref': options.ref = value(); break;
      case '--op': options.ops = value().split(',').map((op) => {
        if (!OPS.includes(op as AbOp)) throw new Error(`--op: ${op} is not one of ${OPS.join(', ')}`);
        return op as AbOp;
      }); break;
      case '--rounds': options.rounds = Number(value()); break;
      case '--keep': options.keep = true; break;
      default: throw new Error(`unknown option ${argv[i]} (--ref REF [--op ${OPS.join(',')}] [--rounds N] [--keep])`);
    }
  }
  if (!options.ref) throw new Error('--ref REF: the build to compare with (a commit, tag or branch)');
  if (!Number.isInteger(options.rounds) || options.rounds < 4) throw new Error('--rounds: an integer ≥ 4');
  return options;
}

const say = (line: string): void => { process.stderr.write(`[ab] ${line}\n`); };

function run(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The reference built in a worktree of its own (reused when already built). */
function buildReference(ref: string): { dir: string; sha: string } {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = `/tmp/vnic-ab-${sha.slice(0, 12)}`;
  if (fs.existsSync(path.join(dir, 'dist', 'lib', 'index.js')) && fs.existsSync(path.join(dir, 'build', 'Release', 'vnic.node'))) {
    say(`reusing ${dir}`);
    return { dir, sha };
  }
  if (!fs.existsSync(dir)) run('git', ['worktree', 'add', '--detach', dir, sha], ROOT);
  if (!fs.existsSync(path.join(dir, 'node_modules'))) fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  say(`building ${sha.slice(0, 12)} in ${dir}`);
  run('npx', ['--no-install', 'node-gyp', 'configure'], dir);
  run('npx', ['--no-install', 'node-gyp', 'build', '-j', '2'], dir);
  run('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], dir);
  return { dir, sha };
}

function removeReference(dir: string): void {
  run('git', ['worktree', 'remove', '--force', dir], ROOT);
}

async function compare(op: AbOp, options: Options, refDist: string): Promise<AbResult> {
  const fixture = await Fixture.create({ fill: FILL[op] || undefined, container: op === 'attach' });
  try {
    const config: AbConfig = {
      thisDist: path.join(ROOT, 'dist'), refDist, op, rounds: options.rounds, warmup: 4, fill: FILL[op], ctr: fixture.info.ctr,
    };
    const out = execFileSync('ip', ['netns', 'exec', fixture.info.ns, process.execPath, CHILD, JSON.stringify(config)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 });
    const result = parseResult(out);
    if (!result) throw new Error(`${op}: the child printed no RESULT`);
    return result as unknown as AbResult;
  } finally {
    await fixture.destroy();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const { dir, sha } = buildReference(options.ref);
  onSignals(() => { if (!options.keep) removeReference(dir); }, say);
  try {
    process.stdout.write(`this checkout (${head}${execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }) ? ', with changes' : ''}) ` +
      `vs ${options.ref} (${sha.slice(0, 12)}); ${options.rounds} rounds per operation, blocks alternating\n\n` +
      '| operation | ops per block | this µs/op | ref µs/op | this − ref (median of rounds) | 95 % interval | this faster in |\n' +
      '|---|---:|---:|---:|---:|---|---:|\n');
    for (const op of options.ops) {
      say(`${op}: ${options.rounds} rounds of ${OPS_PER_BLOCK[op]} per build`);
      const result = await compare(op, options, path.join(dir, 'dist'));
      const s = pairedSummary(result.thisUs, result.refUs);
      process.stdout.write(`| ${op} | ${result.opsPerBlock} | ${fmt(s.medianThis)} | ${fmt(s.medianRef)} | ${fmt(s.medianDiff)} | ` +
        `${fmt(s.ciLow)} … ${fmt(s.ciHigh)} | ${s.thisFaster} of ${s.rounds} |\n`);
    }
  } finally {
    await removeAll();
    if (!options.keep) removeReference(dir);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
