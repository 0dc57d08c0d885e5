// A handle owns one netlink socket, bound to one network namespace, and the
// promises of the requests in flight on it.
import { constants } from 'os';

import { VnicError, withTarget } from './errors';
import { CompletionBatch, EngineStats, NativeError, NativeSocket, NativeSocketOptions, native } from './native';
import { NetnsTarget, describeNetns, withNetnsFd } from './netns';

interface Waiter {
  resolve(messages: unknown[]): void;
  reject(error: VnicError): void;
  op: string;
  target?: string;
}

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
  if ((error as Error)?.name === 'RangeError') {
    return new VnicError({ errno: constants.errno.EMSGSIZE, op, target, summary: `${message.replace(/^vnic: /, '')}; nothing was sent` });
  }
  return new VnicError({ errno: constants.errno.EINVAL, op, target, summary: `${message.replace(/^vnic: /, '')}; nothing was sent` });
}

/** Where a handle's socket lives. */
export interface OpenOptions {
  /** A name under /run/netns, an absolute path, { pid } or { fd }; the caller's namespace when omitted. */
  netns?: NetnsTarget;
}

/** The request engine under the public API: one socket, its waiters. */
export class Requester {
  private readonly socket: NativeSocket;
  private readonly waiters = new Map<number, Waiter>();
  private closed = false;

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
    if (this.closed) {
      return Promise.reject(new VnicError({ errno: constants.errno.EBADF, op, target, summary: 'the handle is closed' }));
    }
    return new Promise<T[]>((resolve, reject) => {
      let seq: number;
      try {
        seq = this.socket.request(op, spec);
      } catch (error) {
        reject(refusedByEngine(error, op, target));
        return;
      }
      this.waiters.set(seq, { resolve: resolve as (m: unknown[]) => void, reject, op, target });
    });
  }

  get pending(): number {
    return this.waiters.size;
  }

  /** The socket's counters (interrupted dumps retried, overruns, replies lost); zeros from an addon without them. */
  stats(): EngineStats {
    return this.socket.stats?.() ?? { dumpRetries: 0, dumpsGivenUp: 0, overruns: 0, barriers: 0, repliesLost: 0 };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    const waiters = [...this.waiters.values()];
    this.waiters.clear();
    for (const waiter of waiters) {
      waiter.reject(new VnicError({
        errno: constants.errno.ECANCELED, op: waiter.op, target: waiter.target,
        summary: 'the handle was closed before the kernel answered',
      }));
    }
  }

  private settle(batch: CompletionBatch): void {
    for (let i = 0; i < batch.length; i += 3) {
      const seq = batch[i] as number;
      const waiter = this.waiters.get(seq);
      if (!waiter) continue;
      this.waiters.delete(seq);
      const error = batch[i + 1] as NativeError | null;
      if (error) {
        waiter.reject(new VnicError({
          errno: error.errno, op: waiter.op, target: waiter.target,
          kernelMessage: error.message, attr: error.attr, hint: privilegeHint(error.errno, waiter.op),
          summary: error.summary ?? (error.missingAttr !== undefined ? `the kernel missed attribute type ${error.missingAttr}` : undefined),
        }));
      } else {
        waiter.resolve(batch[i + 2] as unknown[]);
      }
    }
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
