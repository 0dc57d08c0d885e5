// npm run bench [-- --quick] [--reps N] [--only id,…] [--skip-peers]
//
// Runs every workload (bench/workloads/) for vnic and the peers in the same
// run: per workload, repetition after repetition, every tool once per
// repetition (round-robin), each tool in its own process inside a namespace
// made for the workload (core/fixture.ts) and removed after it.
// Writes bench/results/latest.{md,json,svg}. Needs root (namespaces).
import * as path from 'path';

import { Fixture, onSignals, removeAll, removeStale } from './core/fixture';
import { runIn, stopCurrent } from './core/exec';
import { describeMachine } from './core/machine';
import { parseCli } from './core/params';
import { preparePeers } from './core/peers';
import { medianMetrics, spread } from './core/stats';
import type { Command, FixtureInfo, FixtureSpec, Params, RowSummary, Sample, Tool, Workload } from './core/types';
import { writeReport } from './report/report';
import type { WorkloadResult } from './report/report';
import { workloads } from './workloads';

const ROOT = path.resolve(__dirname, '..', '..');
const CHILD = path.join(__dirname, 'child.js');
/** Past this, repetitions after the first are skipped (and the report says so). */
const BUDGET_SECS = { full: 480, quick: 45 };

const started = Date.now();
const elapsed = (): number => (Date.now() - started) / 1000;
const say = (line: string): void => {
  process.stderr.write(`[bench ${elapsed().toFixed(0).padStart(3)}s] ${line}\n`);
};

interface RowState {
  tool: Tool;
  samples: Sample[];
  failures: string[];
}

function fixtureSpec(workload: Workload, params: Params): FixtureSpec {
  return typeof workload.fixture === 'function' ? workload.fixture(params) : workload.fixture;
}

function commandFor(workload: Workload, tool: Tool, fx: FixtureInfo, params: Params): Command {
  if (tool.command) return tool.command(fx);
  return {
    argv: [process.execPath, '--expose-gc', CHILD, workload.id, tool.node as string, JSON.stringify(params), JSON.stringify(fx)],
    sample: (result) => result as unknown as Sample,
  };
}

async function measure(workload: Workload, row: RowState, fx: FixtureInfo, params: Params, label: string): Promise<void> {
  try {
    const sample = await runIn(fx.ns, commandFor(workload, row.tool, fx, params));
    row.samples.push(sample);
    const rate = sample.ops > 0 ? `${(sample.ops / sample.secs).toFixed(0)} ops/s` : `${sample.secs.toFixed(2)} s`;
    say(`${label}: ${rate}`);
  } catch (error) {
    row.failures.push((error as Error).message);
    say(`${label} FAILED: ${(error as Error).message}`);
  }
}

async function runWorkload(workload: Workload, params: Params, rows: RowState[], skippedReps: string[]): Promise<void> {
  const spec = fixtureSpec(workload, params);
  const runnable = rows.filter((r) => !r.tool.skip);
  let fixture: Fixture;
  try {
    fixture = await Fixture.create(spec);
  } catch (error) {
    for (const row of runnable) row.failures.push(`setting up the namespace failed: ${(error as Error).message}`);
    say(`${workload.id}: setting up the namespace failed: ${(error as Error).message}`);
    return;
  }
  try {
    for (let rep = 1; rep <= params.reps; rep++) {
      if (rep > 1 && elapsed() > BUDGET_SECS[params.mode]) {
        skippedReps.push(`${workload.id}: repetitions ${rep}–${params.reps} skipped (time budget of ${BUDGET_SECS[params.mode]} s reached)`);
        say(`budget reached: ${workload.id} stops after ${rep - 1} repetition(s)`);
        return;
      }
      for (const row of runnable) {
        const label = `${workload.id} ${rep}/${params.reps} ${row.tool.id}`;
        try {
          const info = await fixture.beforeRun(row.tool.fillBeforeEach ?? spec.fillBeforeEach);
          await measure(workload, row, info, params, label);
          await fixture.afterRun();
        } catch (error) {
          // The namespace could not be prepared or restored: the rest of this round would measure the wrong thing.
          row.failures.push(`namespace: ${(error as Error).message}`);
          say(`${label}: namespace: ${(error as Error).message}`);
          return;
        }
      }
    }
  } finally {
    await fixture.destroy();
  }
}

function summarize(workload: Workload, states: RowState[], params: Params): WorkloadResult {
  const rows: RowSummary[] = states.map(({ tool, samples, failures }) => {
    const timed = samples.filter((s) => s.ops > 0 && s.secs > 0);
    const usPerOp = timed.length > 0 ? spread(timed.map((s) => (s.secs / s.ops) * 1e6)) : undefined;
    return {
      tool: tool.id, how: tool.how, skip: tool.skip, samples, failures, usPerOp,
      opsPerSec: usPerOp ? 1e6 / usPerOp.median : undefined,
      metrics: medianMetrics(samples),
      chart: tool.chart !== false,
    };
  });
  for (const [i, row] of rows.entries()) {
    const { ref: own } = states[i].tool;
    const refId = own === null ? undefined : own ?? workload.reference;
    const ref = rows.find((r) => r.tool === refId);
    if (refId && ref?.usPerOp && row.usPerOp) {
      row.vsReference = row.usPerOp.median / ref.usPerOp.median;
      row.reference = refId;
    }
  }
  return {
    workload: {
      id: workload.id, title: workload.title, what: workload.what, reference: workload.reference, group: workload.group,
      metrics: workload.metrics ?? [], notes: workload.notes?.(params) ?? [],
    },
    rows,
    targets: workload.targets?.(rows, params) ?? [],
  };
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const { params } = cli;
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root: it makes network namespaces');
  onSignals(stopCurrent, say);

  const stale = await removeStale();
  if (stale.length > 0) say(`removed namespaces left by dead runs: ${stale.join(', ')}`);
  const env = preparePeers(ROOT, cli.skipPeers, say);
  if (env.peersMissing) say(env.peersMissing);
  const machine = describeMachine(ROOT);

  const selected = workloads(params).filter((w) => !cli.only || cli.only.includes(w.id));
  if (selected.length === 0) throw new Error(`no workload among ${cli.only?.join(', ')}`);
  say(`${params.mode} run: ${selected.map((w) => w.id).join(', ')}; ${params.reps} repetitions`);
  const results: WorkloadResult[] = [];
  const skippedReps: string[] = [];
  try {
    for (const workload of selected) {
      const states: RowState[] = workload.tools(params, env).map((tool) => ({ tool, samples: [], failures: [] }));
      await runWorkload(workload, params, states, skippedReps);
      results.push(summarize(workload, states, params));
    }
  } finally {
    await removeAll();
  }

  const files = writeReport(path.join(ROOT, 'bench', 'results'), {
    machine, params, wallSecs: elapsed(), env, results, notes: skippedReps,
  });
  say(`done in ${elapsed().toFixed(0)} s: ${files.join(', ')}`);
  for (const { targets } of results) {
    for (const t of targets) process.stdout.write(`${t.status.padEnd(12)} ${t.target}: ${t.detail}\n`);
  }
}

main().catch(async (error: Error) => {
  say(`failed: ${error.stack ?? error.message}`);
  await removeAll();
  process.exit(1);
});
