// How failures read (`Error: …`, as ip prints them) and the exit status they give.
import { getSystemErrorMap } from 'util';

import { VnicError } from '../index';
import { UsageError } from './grammar';

/** The command line was wrong: bad syntax, a bad value, or it names what does not exist. */
export const EXIT_USAGE = 1;
/** The kernel (or the system) refused the operation. */
const EXIT_FAILED = 2;
/** Interrupted by SIGINT / SIGTERM (128 + SIGINT, as a shell reports it). */
export const EXIT_INTERRUPTED = 130;

/** libuv's words for an errno ("file already exists"), as ip says "File exists". */
function systemMessage(errno: number): string | undefined {
  return getSystemErrorMap().get(-errno)?.[1];
}

/** One line: what went wrong (the kernel's message where it sent one), then where and the errno's name. */
export function describeError(error: unknown): string {
  if (error instanceof VnicError) {
    const parts = [error.summary ?? error.kernelMessage ?? systemMessage(error.errno) ?? error.code];
    if (error.summary && error.kernelMessage) parts.push(`kernel: ${error.kernelMessage}`);
    if (error.attr) parts.push(`attribute ${error.attr}`);
    if (error.hint) parts.push(error.hint);
    const step = error.step ? ` (step ${error.step})` : '';
    return `${parts.join('; ')} [${error.op}${error.target ? ` ${error.target}` : ''}${step}: ${error.code}]`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  // The library sets `field` when it refused an option before (or instead of) asking the kernel.
  if (error instanceof VnicError) return error.field === undefined ? EXIT_FAILED : EXIT_USAGE;
  return EXIT_USAGE;
}
