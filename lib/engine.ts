// A handle owns one netlink socket, bound to one network namespace, and the
// promises of the requests in flight on it.
import { constants } from 'os';

import { VnicError, withTarget } from './errors';
import { CompletionBatch, EngineStats, NativeError, NativeSocket, NativeSocketOptions, native } from './native';
import { NetnsTarget, describeNetns, withNetnsFd } from './netns';

/** A request's promise and what it needs until it settles (one object: 10 000 of them may wait at once). */
interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** requestThen's callbacks, run as the request settles (undefined: the replies / the error as they are). */
  onValue: ((messages: never[]) => unknown) | undefined;
  onError: ((error: VnicError) => unknown) | undefined;
  op: string;
  /** Until it is handed to the addon. */
  spec: object | undefined;
  target: string | undefined;
}

/**
 * Requests handed to the addon and not yet settled, at most: the addon's own
 * window (requests at the kernel). Beyond it requests wait here, as specs, and
 * are encoded as earlier ones settle instead of all in the turn that made
 * them: that turn stays short however many were made.
 */
const ADDON_WINDOW = 256;
/**
 * Requests encoded between two wakeups, at most (each ~2 µs): the window
 * fills over a few turns. Those encoded are in flight, so a wakeup follows.
 */
const SUBMIT_PER_TURN = 64;

/** Our word on a kernel refusal whose errno alone does not say what to do. */
function privilegeHint(errno: number, op: string): string | undefined {
  if (errno !== constants.errno.EPERM) return undefined;
  // Entering another namespace (setns) is what CAP_SYS_ADMIN guards; everything rtnetlink changes, CAP_NET_ADMIN.
  return op === 'open' ? 'needs CAP_SYS_ADMIN to enter another network namespace (root, or the capability)'
    : 'needs CAP_NET_ADMIN (root, or the capability)';
}

/**
 * What the addon throws instead of sending (nothing left): a request larger
 * than its 64 KiB message buffer (RangeError), a spec it cannot encode
 * (TypeError). The bounds of lib/limits.ts keep the first from happening; a
 * VnicError either way, so callers see one error type.
 */
function refusedByEngine(error: unknown, op: string, target?: string): VnicError {
  const message = (error as Error)?.message ?? String(error);
  // By name: the addon's errors may come from another realm (a vm context, jest).
  const errno = (error as Error)?.name === 'RangeError' ? constants.errno.EMSGSIZE : constants.errno.EINVAL;
  return new VnicError({ errno, op, target, summary: `${message.replace(/^vnic: /, '')}; nothing was sent` });
}

/** Where a handle's socket lives. */
export interface OpenOptions {
  /** A name under /run/netns, an absolute path, { pid } or { fd }; the caller's namespace when omitted. */
  netns?: NetnsTarget;
}

/** A spec object of plain data, not an array, Buffer or class instance. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A spec as [key, value, key, value, …], nested spec objects likewise: the
 * addon reads that with a few element reads, where enumerating an object's
 * keys through N-API costs ~2 µs each.
 */
function flatten(spec: Record<string, unknown>): unknown[] {
  const pairs: unknown[] = [];
  for (const key in spec) {
    const value = spec[key];
    if (value === undefined || value === null) continue;
    pairs.push(key, isPlainObject(value) ? flatten(value) : value);
  }
  return pairs;
}

/**
 * One executor for every request's promise, filling in the waiter being made
 * (no closure per request: 10 000 may wait at once).
 */
let capturing: Waiter | undefined;
function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  (capturing as Waiter).resolve = resolve as (value: unknown) => void;
  (capturing as Waiter).reject = reject;
  capturing = undefined;
}
const settled = (): void => undefined;

/** Settles a waiter with its replies, through its onValue when it has one. */
function fulfil(waiter: Waiter, messages: unknown): void {
  if (waiter.onValue === undefined) return waiter.resolve(messages);
  try {
    waiter.resolve(waiter.onValue(messages as never[]));
  } catch (error) {
    waiter.reject(error);
  }
}

/** Settles a waiter with a failure, through its onError when it has one. */
function fail(waiter: Waiter, error: VnicError): void {
  if (waiter.onError === undefined) return waiter.reject(error);
  try {
    waiter.resolve(waiter.onError(error));
  } catch (thrown) {
    waiter.reject(thrown);
  }
}
/** Its then() queues a microtask: cheaper than queueMicrotask, which makes an AsyncResource per call. */
const settledPromise = Promise.resolve();

/** The request engine under the public API: one socket, its waiters. */
export class Requester {
  private readonly socket: NativeSocket;
  private readonly waiters = new Map<number, Waiter>();
  private readonly queue: Array<Waiter | undefined> = [];
  private queueHead = 0;
  private inAddon = 0;
  /** Encoded since the last wakeup (settle). */
  private submittedThisTurn = 0;
  /** A microtask will hand this tick's requests to the kernel. */
  private flushQueued = false;
  private closed = false;
  /**
   * Sends this tick's requests once they are all queued (the microtask runs
   * after those the tick already queued), and settles at once what the
   * kernel answered inside that sendmsg: an awaited request's caller goes on
   * without a trip around the event loop (the addon bounds how long a turn
   * may chain such answers).
   */
  private readonly flushNow = (): void => {
    this.flushQueued = false;
    const answered = this.socket.flush?.();
    if (answered) this.settle(answered);
  };

  constructor(nsFd: number | undefined, options?: NativeSocketOptions) {
    const Socket = native().NetlinkSocket;
    try {
      this.socket = new Socket((batch) => this.settle(batch), nsFd ?? -1, options);
    } catch (error) {
      const errno = (error as { errno?: number }).errno ?? constants.errno.EIO;
      throw new VnicError({ errno, op: 'open', summary: (error as Error).message, hint: privilegeHint(errno, 'open') });
    }
  }

  /** Sends op(spec); resolves with the decoded replies (dump parts, echoes, get answers). */
  request<T = unknown>(op: string, spec: object, target?: string): Promise<T[]> {
    return this.send(op, spec, target, undefined, undefined) as Promise<T[]>;
  }

  /**
   * request(op, spec, target).then(onValue, onError) without the second
   * promise and its trip through the microtask queue: the callbacks run as
   * the request settles (a get or a lookup is held by thousands at once).
   */
  requestThen<T, R>(op: string, spec: object, target: string | undefined,
                    onValue: (messages: T[]) => R, onError: (error: VnicError) => R): Promise<R> {
    return this.send(op, spec, target, onValue as (messages: never[]) => unknown, onError as (error: VnicError) => unknown) as Promise<R>;
  }

  private send(op: string, spec: object, target: string | undefined, onValue: Waiter['onValue'], onError: Waiter['onError']): Promise<unknown> {
    const waiter: Waiter = { resolve: settled, reject: settled, onValue, onError, op, spec, target };
    capturing = waiter;
    const promise = new Promise<unknown>(capture);
    if (this.closed) {
      fail(waiter, new VnicError({ errno: constants.errno.EBADF, op, target, summary: 'the handle is closed' }));
      return promise;
    }
    if (this.inAddon < ADDON_WINDOW && this.queueHead === this.queue.length && this.submittedThisTurn < SUBMIT_PER_TURN) {
      this.submit(waiter);
    } else {
      this.queue.push(waiter);
    }
    return promise;
  }

  /** Hands one request to the addon; a spec it refuses (TypeError) rejects the request. */
  private submit(waiter: Waiter): void {
    const spec = waiter.spec as object;
    waiter.spec = undefined;
    let seq: number;
    try {
      seq = this.socket.request(waiter.op, isPlainObject(spec) ? flatten(spec) : spec);
    } catch (error) {
      fail(waiter, refusedByEngine(error, waiter.op, waiter.target));
      return;
    }
    this.inAddon++;
    this.submittedThisTurn++;
    this.waiters.set(seq, waiter);
    if (!this.flushQueued) {
      this.flushQueued = true;
      settledPromise.then(this.flushNow);
    }
  }

  /** Hands queued requests to the addon while its window has room. */
  private refill(): void {
    while (this.inAddon < ADDON_WINDOW && this.queueHead < this.queue.length && !this.closed &&
           this.submittedThisTurn < SUBMIT_PER_TURN) {
      const waiter = this.queue[this.queueHead] as Waiter;
      this.queue[this.queueHead++] = undefined;
      this.submit(waiter);
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  get pending(): number {
    return this.waiters.size + this.queue.length - this.queueHead;
  }

  /** The socket's counters (interrupted dumps retried, overruns, replies lost); zeros from an addon without them. */
  stats(): EngineStats {
    return this.socket.stats?.() ?? { dumpRetries: 0, dumpsGivenUp: 0, overruns: 0, barriers: 0, repliesLost: 0 };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    const waiters = [...this.waiters.values(), ...(this.queue.slice(this.queueHead) as Waiter[])];
    this.waiters.clear();
    this.queue.length = 0;
    this.queueHead = 0;
    this.inAddon = 0;
    for (const waiter of waiters) {
      fail(waiter, new VnicError({
        errno: constants.errno.ECANCELED, op: waiter.op, target: waiter.target,
        summary: 'the handle was closed before the kernel answered',
      }));
    }
  }

  private settle(batch: CompletionBatch): void {
    this.submittedThisTurn = 0;
    for (let i = 0; i < batch.length; i += 3) {
      const seq = batch[i] as number;
      const waiter = this.waiters.get(seq);
      if (!waiter) continue;
      this.waiters.delete(seq);
      this.inAddon--;
      const error = batch[i + 1] as NativeError | null;
      if (error) {
        const failure = new VnicError({
          errno: error.errno, op: waiter.op, target: waiter.target,
          kernelMessage: error.message, attr: error.attr, hint: privilegeHint(error.errno, waiter.op),
          summary: error.summary ?? (error.missingAttr !== undefined ? `the kernel missed attribute type ${error.missingAttr}` : undefined),
        });
        fail(waiter, failure);
      } else {
        fulfil(waiter, batch[i + 2]);
      }
    }
    this.refill();
  }
}

/** Opens a socket in the caller's namespace or in options.netns. */
export async function openRequester(options: OpenOptions = {}): Promise<Requester> {
  const { netns } = options;
  if (netns === undefined) return new Requester(undefined);
  return withNetnsFd('open', netns, (fd) => new Requester(fd)).catch((error: unknown) => {
    throw withTarget(error, describeNetns(netns));
  });
}
