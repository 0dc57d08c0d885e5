// The vnic executable: global options, then one command or a batch, on the
// library's public API. main() is what tests call (output captured, exit
// status returned); run() wires it to the process (bin/vnic.js).
import { runBatch } from './batch';
import { EXIT_INTERRUPTED, EXIT_USAGE, describeError, exitCodeOf } from './errors';
import { UsageError } from './grammar';
import { parseCommand } from './objects';
import { parseGlobal } from './options';
import { CliSession } from './session';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin: NodeJS.ReadableStream;
  /** stderr when it is a terminal (a long batch draws its progress bar there). */
  terminal?: NodeJS.WritableStream;
  /** Ends a monitor, or a batch after its lines in flight. */
  signal?: AbortSignal;
}

/** Runs one command line; resolves with the exit status. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseGlobal(argv, io.stdout, io.stderr);
  if ('exit' in parsed) return parsed.exit;
  const { options, words, overview } = parsed;
  const session = new CliSession({ json: options.json, pretty: options.pretty, details: options.details, family: options.family },
    io.stdout, io.signal);
  try {
    if (options.batch !== undefined) {
      if (words.length > 0) throw new UsageError(`-batch takes its commands from ${options.batch}, not "${words.join(' ')}"`);
      return await runBatch({ source: options.batch, force: options.force, netns: options.netns, overview }, session, io);
    }
    if (words.length === 0) {
      io.stderr(overview());
      return EXIT_USAGE;
    }
    io.stdout(await parseCommand(words, options.netns, overview).run(session));
    return 0;
  } catch (error) {
    io.stderr(`Error: ${describeError(error)}\n`);
    return exitCodeOf(error);
  } finally {
    session.close();
  }
}

/** The process's streams; a closed stdout (`vnic link show | head`) ends quietly. */
function processIo(signal: AbortSignal): Io {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    stdout: (text) => { if (text) process.stdout.write(text); },
    stderr: (text) => { process.stderr.write(text); },
    stdin: process.stdin,
    terminal: process.stderr.isTTY ? process.stderr : undefined,
    signal,
  };
}

/** bin/vnic.js: runs process.argv; SIGINT / SIGTERM end a monitor or a batch cleanly, a second one at once. */
export function run(argv: readonly string[] = process.argv.slice(2)): void {
  const controller = new AbortController();
  const interrupt = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  main(argv, processIo(controller.signal)).then((code) => {
    process.exitCode = code;
  }, (error: unknown) => {
    process.stderr.write(`Error: ${describeError(error)}\n`);
    process.exitCode = 1;
  }).finally(() => {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  });
}
