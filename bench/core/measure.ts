// Helpers for the Node-side measurements (run by child.ts inside the benchmark
// namespace, so open() with no options is the benchmark namespace).
import { Handle, open } from '../../lib';

/** Seconds, monotonic. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Opens a handle here, runs fn, closes it. */
export async function withHandle<T>(fn: (nl: Handle) => Promise<T>): Promise<T> {
  const nl = await open();
  try {
    return await fn(nl);
  } finally {
    nl.close();
  }
}

/** op(0 … total-1), `size` at a time: each window is one Promise.all. */
export async function inWindows(total: number, size: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < total; from += size) {
    const batch: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(total, from + size); i++) batch.push(op(i));
    await Promise.all(batch);
  }
}

/** op(0 … total-1), each awaited before the next. */
export async function oneByOne(total: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < total; i++) await op(i);
}

/** 10.200.X.Y/16 for lifecycle i: the mapping every peer script uses. */
export function lifecycleCidr(i: number): string {
  return `10.200.${Math.floor(i / 250)}.${(i % 250) + 1}/16`;
}
