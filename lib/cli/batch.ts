// `vnic -batch FILE|-`: one command per line, pipelined. Lines go to the
// scheduler as they are read; each is reported in file order with its line
// number (`Error: …` then `Command failed FILE:LINE`, as ip prints). The
// pipeline orders lines that touch the same links (Lineage says which go
// together); deletions that are ready together become one delMany (see
// CliSession.deleteLink): one unregister batch, not ~20 ms per link.
// Without -force the first failure stops the batch: nothing after it starts,
// though lines already in flight (never ones about the same links) finish
// and are reported.
import { promises as fsp } from 'fs';

import { limits } from '../index';
import type { Command, Scope, Session } from './command';
import { EXIT_INTERRUPTED, describeError } from './errors';
import { UsageError, tokenize } from './grammar';
import { parseCommand } from './objects';
import { Lineage } from './lineage';
import { Job, Pipeline } from './pipeline';
import { PROGRESS_MIN_LINES, Progress, plainProgress, progressBar } from './progress';

/** Lines queued or running at once: bounds memory, not the kernel (the engine has its own window). */
const BATCH_WINDOW = 1024;
/** Lines parsed between turns of the event loop. */
const YIELD_EVERY = 32;

export interface BatchIo {
  stdin: NodeJS.ReadableStream;
  stdout(text: string): void;
  stderr(text: string): void;
  /** stderr when it is a terminal: long files get a progress bar there. */
  terminal?: NodeJS.WritableStream;
}

export interface BatchOptions {
  /** A file name, or '-' for stdin. */
  source: string;
  force: boolean;
  /** -n's namespace: the default for every line. */
  netns?: string;
  /** `help`'s text. */
  overview: () => string;
}

/** What became of a line: its output or its error; null when it never ran. */
type Outcome = { out?: string; error?: unknown } | null;

/** The lines' outcomes, printed in file order as soon as every earlier one is known. */
class Report {
  private readonly lines: number[] = [];
  private readonly outcomes: Array<Outcome | undefined> = [];
  private next = 0;
  failures = 0;

  constructor(private readonly io: BatchIo, private readonly source: string, readonly progress: Progress,
              private readonly onFailure: () => void) {}

  /** A slot for line `line`; settle it with the line's outcome. */
  open(line: number): (outcome: Outcome) => void {
    const slot = this.lines.push(line) - 1;
    return (outcome) => this.settle(slot, outcome);
  }

  private settle(slot: number, outcome: Outcome): void {
    this.outcomes[slot] = outcome;
    this.progress.tick();
    if (outcome?.error !== undefined) {
      this.failures++;
      this.onFailure();
    }
    this.flush();
  }

  private flush(): void {
    while (this.next < this.outcomes.length && this.outcomes[this.next] !== undefined) {
      const outcome = this.outcomes[this.next];
      if (outcome?.out) this.io.stdout(outcome.out);
      if (outcome?.error !== undefined) {
        this.progress.log(`Error: ${describeError(outcome.error)}\nCommand failed ${this.source}:${this.lines[this.next]}\n`);
      }
      this.outcomes[this.next] = null;  // printed: keep the slot, drop the text
      this.next++;
    }
  }
}

class LineJob implements Job {
  constructor(private readonly command: Command, readonly scope: Scope, private readonly session: Session,
              private readonly settle: (outcome: Outcome) => void) {}

  async start(): Promise<void> {
    try {
      this.settle({ out: await this.command.run(this.session) });
    } catch (error) {
      this.settle({ error });
    }
  }

  cancel(): void {
    this.settle(null);
  }
}

/** A line's words: an optional `-n NS` (this line's namespace), then the command. */
function parseLine(words: string[], netns: string | undefined, overview: () => string): Command {
  let ns = netns;
  let rest = words;
  if (rest[0] === '-n' || rest[0] === '-netns' || rest[0] === '--netns') {
    if (rest[1] === undefined) throw new UsageError(`"${rest[0]}" needs a namespace name`);
    ns = rest[1];
    rest = rest.slice(2);
  }
  const command = parseCommand(rest, ns, overview);
  if (command.streaming) throw new UsageError(`"${rest[0]}" runs until interrupted: it has no place in a batch`);
  return command;
}

/** A line longer than limits.MAX_BATCH_LINE_BYTES: its size, not its text. */
class OverlongLine {
  constructor(readonly bytes: number) {}
}

type Line = string | OverlongLine;

/**
 * The lines of a stream (\n or \r\n). A line past the bound is not held:
 * its bytes are counted and dropped up to its newline, and it comes out as an
 * OverlongLine, so a endless line on stdin costs no memory.
 */
async function* streamLines(input: NodeJS.ReadableStream): AsyncGenerator<Line> {
  const max = limits.MAX_BATCH_LINE_BYTES;
  let parts: Buffer[] = [];
  let size = 0;
  const finish = (): Line => {
    const line = size > max ? new OverlongLine(size) : Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
    parts = [];
    size = 0;
    return line;
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = bytes.indexOf(10, start); nl !== -1; nl = bytes.indexOf(10, start)) {
      if (size <= max) parts.push(bytes.subarray(start, nl));
      size += nl - start;
      yield finish();
      start = nl + 1;
    }
    const rest = bytes.length - start;
    if (rest > 0) {
      size += rest;
      if (size <= max) parts.push(bytes.subarray(start));
      else parts = [];
    }
  }
  if (size > 0) yield finish();
}

/** The lines of the source, with their count when known (a file) for the progress bar. */
async function readSource(source: string, stdin: NodeJS.ReadableStream): Promise<{ lines: AsyncIterable<Line> | Line[]; total?: number }> {
  if (source === '-') return { lines: streamLines(stdin) };
  const text = await fsp.readFile(source, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read batch file ${source}: ${error.code ?? error.message}`);
  });
  const lines: Line[] = text.split('\n').map((line) => {
    const bytes = Buffer.byteLength(line);
    return bytes > limits.MAX_BATCH_LINE_BYTES ? new OverlongLine(bytes) : line.replace(/\r$/, '');
  });
  if (lines[lines.length - 1] === '') lines.pop();
  return { lines, total: lines.length };
}

/** Runs a batch; resolves with the exit status (1 when a line failed, as ip). */
export async function runBatch(options: BatchOptions, session: Session, io: BatchIo): Promise<number> {
  const { lines, total } = await readSource(options.source, io.stdin);
  const progress = io.terminal && total !== undefined && total >= PROGRESS_MIN_LINES
    ? progressBar(total, io.terminal) : plainProgress(io.stderr);
  const pipeline = new Pipeline(BATCH_WINDOW);
  let stopped = false;
  const stop = () => {
    stopped = true;
    pipeline.stop();
  };
  const report = new Report(io, options.source, progress, () => options.force || stop());
  session.signal?.addEventListener('abort', stop);
  const state: BatchState = { options, session, pipeline, report, lineage: new Lineage() };
  let number = 0;
  try {
    for await (const text of lines) {
      number++;
      if (stopped) break;
      await schedule(text, number, state);
      // Let the requests made so far leave (they go out when the event loop turns) while the rest is parsed.
      if (number % YIELD_EVERY === 0) await new Promise(setImmediate);
    }
    await pipeline.drain();
  } finally {
    session.signal?.removeEventListener('abort', stop);
    progress.stop();
  }
  if (session.signal?.aborted) return EXIT_INTERRUPTED;
  return report.failures > 0 ? 1 : 0;
}

interface BatchState {
  options: BatchOptions;
  session: Session;
  pipeline: Pipeline;
  report: Report;
  lineage: Lineage;
}

/** Parses one line and hands it to the pipeline, scoped by what the batch knows of its links. */
async function schedule(text: Line, number: number, { options, session, pipeline, report, lineage }: BatchState): Promise<void> {
  let command: Command;
  try {
    if (text instanceof OverlongLine) {
      throw new UsageError(`the line is ${text.bytes} bytes; a batch line holds at most ${limits.MAX_BATCH_LINE_BYTES}`);
    }
    const words = tokenize(text);
    if (words.length === 0) return;
    command = parseLine(words, options.netns, options.overview);
  } catch (error) {
    report.open(number)({ error });
    return;
  }
  await pipeline.add(new LineJob(command, lineage.scopeOf(command), session, report.open(number)));
}
