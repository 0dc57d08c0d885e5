// One error type for everything that fails: kernel refusals (errno, extended
// ack, offending attribute) and input we refuse before any syscall.
import { constants } from 'os';

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

/** The symbolic name of an errno value ('EEXIST', …). */
export function errnoCode(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

export interface VnicErrorDetails {
  /** Positive errno: 17 for EEXIST. */
  errno: number;
  /** What was being done: 'link.add', 'addr.add', 'netns.add', … */
  op: string;
  /** The link (or namespace) concerned, when there is one. */
  target?: string;
  /** What went wrong, in our words, when the errno alone does not say it. */
  summary?: string;
  /** The kernel's extended-ack message. */
  kernelMessage?: string;
  /** The request attribute the kernel pointed at. */
  attr?: string;
  /** The option of ours that was refused (validation errors). */
  field?: string;
  /** Our explanation of a terse kernel answer. */
  hint?: string;
  /** For multi-step operations: the step that failed. */
  step?: string;
}

export class VnicError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly op: string;
  readonly target?: string;
  readonly summary?: string;
  readonly kernelMessage?: string;
  readonly attr?: string;
  readonly field?: string;
  readonly hint?: string;
  readonly step?: string;

  constructor(details: VnicErrorDetails) {
    const code = errnoCode(details.errno);
    const parts = [`${details.op}${details.target ? ` ${details.target}` : ''}: ${code}`];
    if (details.step) parts.push(`step '${details.step}' failed`);
    if (details.summary) parts.push(details.summary);
    if (details.kernelMessage) parts.push(`kernel: ${details.kernelMessage}`);
    if (details.attr) parts.push(`attribute ${details.attr}`);
    if (details.hint) parts.push(details.hint);
    super(parts.join(' — '));
    this.name = 'VnicError';
    this.errno = details.errno;
    this.code = code;
    this.op = details.op;
    this.target = details.target;
    this.summary = details.summary;
    this.kernelMessage = details.kernelMessage;
    this.attr = details.attr;
    this.field = details.field;
    this.hint = details.hint;
    this.step = details.step;
  }

  /** A copy with changed details (an explanation, the step of a larger operation). */
  with(changes: Partial<VnicErrorDetails>): VnicError {
    return new VnicError({ ...this.details(), ...changes });
  }

  details(): VnicErrorDetails {
    return {
      errno: this.errno, op: this.op, target: this.target, summary: this.summary,
      kernelMessage: this.kernelMessage, attr: this.attr, field: this.field, hint: this.hint,
      step: this.step,
    };
  }
}

const { E2BIG, EINVAL } = constants.errno;

/** Refuses a caller's input before anything reaches the kernel. */
export function invalid(op: string, field: string, problem: string, target?: string): VnicError {
  return new VnicError({ errno: EINVAL, op, field, target, summary: `${field}: ${problem}` });
}

/**
 * Refuses a list longer than its bound (lib/limits.ts): E2BIG, naming the
 * option — "field: N given[note]; one `per` takes at most max[advice]".
 */
export function tooMany(op: string, field: string, count: number, max: number, per: string, note = '', advice = ''): VnicError {
  return new VnicError({ errno: E2BIG, op, field, summary: `${field}: ${count} given${note}; one ${per} takes at most ${max}${advice}` });
}

/** Names the link or namespace concerned on an error that does not say yet. */
export function withTarget(error: unknown, target: string): unknown {
  return error instanceof VnicError && error.target === undefined ? error.with({ target }) : error;
}
