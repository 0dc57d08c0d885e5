// Summaries over repetitions.

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function spread(values: number[]): { min: number; median: number; max: number } {
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** Medians of every metric key the samples carry. */
export function medianMetrics(samples: Array<{ metrics?: Record<string, number> }>): Record<string, number> {
  const keys = new Set(samples.flatMap((s) => Object.keys(s.metrics ?? {})));
  const out: Record<string, number> = {};
  for (const key of keys) {
    const values = samples.map((s) => s.metrics?.[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length > 0) out[key] = median(values);
  }
  return out;
}

/** Fixed digits, thousands left alone: 12.3, 1234, 0.052. */
export function fmt(value: number | undefined, digits?: number): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (digits !== undefined) return value.toFixed(digits);
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}
