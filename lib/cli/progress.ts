// A progress bar for long batch files on a terminal (cli-progress), and the
// plain stderr writer otherwise. Messages go through it so they never tear the bar.
import type * as CliProgress from 'cli-progress';

export interface Progress {
  /** One more line done. */
  tick(): void;
  /** Writes a message (ending in a newline) to stderr, above the bar. */
  log(text: string): void;
  stop(): void;
}

/** Below this many lines a batch finishes before a bar would be worth drawing. */
export const PROGRESS_MIN_LINES = 200;

export function plainProgress(stderr: (text: string) => void): Progress {
  return { tick: () => undefined, log: stderr, stop: () => undefined };
}

export function progressBar(total: number, terminal: NodeJS.WritableStream): Progress {
  // Loaded only when a bar is drawn: every other run is spared its start-up cost.
  const { MultiBar, Presets } = require('cli-progress') as typeof CliProgress;
  const bars = new MultiBar({
    stream: terminal, clearOnComplete: true, hideCursor: true,
    format: 'vnic batch [{bar}] {value}/{total} lines  {duration_formatted}',
  }, Presets.shades_classic);
  const bar = bars.create(total, 0);
  return { tick: () => bar.increment(), log: (text) => bars.log(text), stop: () => bars.stop() };
}
