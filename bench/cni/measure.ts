// The timing loop of bench/cni/run.ts, in a small process of its own that
// run.ts starts inside the bench's host namespace: there each plugin is
// spawned directly, as a runtime spawns it (the reference and the fallback
// work in the namespace they run in), and a fresh, small Node forks faster
// than the orchestrator would. Reads a Plan as JSON on stdin, prints
// Measured as JSON on stdout. Loads no addon.
import { spawnSync } from 'child_process';

/** One plugin under test: how to run its ADD and its DEL. */
export interface PlannedTool {
  tool: string;
  file: string;
  conf: string;
  add: Record<string, string>;
  del: Record<string, string>;
}

export interface Plan {
  pairs: number;
  tools: PlannedTool[];
}

export interface Measured {
  /** Spawn-to-exit of /bin/true: the harness's own cost, ms. */
  baseline: number[];
  /** Per tool: ADD and DEL spawn-to-exit times, ms. */
  tools: Record<string, { add: number[]; del: number[] }>;
}

/** One spawn to exit, in ms; a failed call ends the bench with what it printed. */
function timed(file: string, env: Record<string, string>, stdin: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(file, [], { env, input: stdin, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${file} ${env.CNI_COMMAND ?? ''} exited ${result.status ?? result.signal}: ${result.stdout}${result.stderr}`);
  }
  return ms;
}

/** Pairs round robin over the tools, so that drift in the machine's load hits all alike; one warm-up pair each first. */
export function measure(plan: Plan): Measured {
  const out: Measured = { baseline: [], tools: {} };
  for (const t of plan.tools) {
    timed(t.file, t.add, t.conf);
    timed(t.file, t.del, t.conf);
    out.tools[t.tool] = { add: [], del: [] };
  }
  for (let i = 0; i < plan.pairs; i++) {
    out.baseline.push(timed('/bin/true', {}, ''));
    for (const t of plan.tools) {
      out.tools[t.tool].add.push(timed(t.file, t.add, t.conf));
      out.tools[t.tool].del.push(timed(t.file, t.del, t.conf));
    }
  }
  return out;
}

if (require.main === module) {
  const chunks: Buffer[] = [];
  process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
  process.stdin.on('end', () => {
    try {
      process.stdout.write(JSON.stringify(measure(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Plan)));
    } catch (error) {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  });
}
