// The issue's targets, judged on the same run's figures and reported beside
// them; never asserted.
import { fmt } from './stats';
import type { RowSummary, TargetResult } from './types';

function row(rows: RowSummary[], id: string): RowSummary | undefined {
  return rows.find((r) => r.tool === id && r.opsPerSec !== undefined);
}

export function notMeasured(target: string, why: string): TargetResult {
  return { target, status: 'not measured', detail: why };
}

/** ops/s of `tool` ≥ factor × ops/s of `ref`. */
export function throughputAtLeast(rows: RowSummary[], target: string, tool: string, ref: string, factor: number): TargetResult {
  const a = row(rows, tool);
  const b = row(rows, ref);
  if (!a || !b) return notMeasured(target, `${!a ? tool : ref} has no figure in this run`);
  const ratio = (a.opsPerSec as number) / (b.opsPerSec as number);
  return {
    target,
    status: ratio >= factor ? 'met' : 'missed',
    detail: `${tool} ${fmt(a.opsPerSec)} ops/s vs ${ref} ${fmt(b.opsPerSec)} ops/s = ${ratio.toFixed(2)}× (needs ≥ ${factor}×)`,
  };
}

/** median µs per op of `tool` ≤ factor × that of `ref` (and, when given, ≤ an absolute bound). */
export function timeAtMost(rows: RowSummary[], target: string, tool: string, ref: string, factor: number,
                           absoluteUs?: number): TargetResult {
  const a = row(rows, tool);
  const b = row(rows, ref);
  if (!a || !b) return notMeasured(target, `${!a ? tool : ref} has no figure in this run`);
  const us = a.usPerOp?.median as number;
  const refUs = b.usPerOp?.median as number;
  const ratio = us / refUs;
  const ok = ratio <= factor && (absoluteUs === undefined || us <= absoluteUs);
  return {
    target,
    status: ok ? 'met' : 'missed',
    detail: `${tool} ${fmt(us)} µs vs ${ref} ${fmt(refUs)} µs = ${ratio.toFixed(2)}× (needs ≤ ${factor}×` +
      `${absoluteUs === undefined ? '' : ` and ≤ ${fmt(absoluteUs)} µs`})`,
  };
}

/** A metric of `tool` (median over runs) below a limit. */
export function metricBelow(rows: RowSummary[], target: string, tool: string, key: string, limit: number, unit: string): TargetResult {
  const value = rows.find((r) => r.tool === tool)?.metrics[key];
  if (value === undefined) return notMeasured(target, `${tool} has no ${key} in this run`);
  return { target, status: value < limit ? 'met' : 'missed', detail: `${tool} ${key} ${fmt(value)} ${unit} (needs < ${limit} ${unit})` };
}
