// Loads the addon (build/Release first, then prebuilds/) and types its surface.
import * as path from 'path';

/** What the addon reports for a failed request. */
export interface NativeError {
  errno: number;
  /** The kernel's extended-ack message, when it sent one. */
  message?: string;
  /** The engine's own explanation (a lost reply, an interrupted dump). */
  summary?: string;
  /** The offending request attribute, e.g. "IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_MACVLAN_MODE". */
  attr?: string;
  /** The attribute type the kernel missed (NLMSGERR_ATTR_MISS_TYPE). */
  missingAttr?: number;
}

/** Flat batch: seq, error | null, decoded messages | null, seq, … */
export type CompletionBatch = Array<number | NativeError | unknown[] | null>;

export interface NativeSocket {
  /**
   * Queues a request; returns its sequence number. Throws TypeError on a malformed spec. The spec is an
   * object, or the same as [key, value, key, value, …] (what lib/ passes: faster for the addon to read).
   */
  request(op: string, spec: object | unknown[]): number;
  /**
   * Sends the queued requests now; returns the completions the kernel made inside that sendmsg (the batch
   * onComplete would get), or undefined (they settle through onComplete). Absent from an older prebuilt binary.
   */
  flush?(): CompletionBatch | undefined;
  close(): void;
  pendingCount(): number;
  /** What the kernel did to this socket so far (an older prebuilt binary lacks it). */
  stats?(): EngineStats;
}

/** Counters of a socket's life: interrupted dumps and overruns. */
export interface EngineStats {
  /** Dumps sent again because the kernel marked them NLM_F_DUMP_INTR. */
  dumpRetries: number;
  /** Dumps failed with EINTR after their retries. */
  dumpsGivenUp: number;
  /** ENOBUFS read from the socket: the kernel dropped messages for it. */
  overruns: number;
  /** NLMSG_NOOP barriers sent after an overrun. */
  barriers: number;
  /** Requests failed with ENOBUFS because their reply was dropped. */
  repliesLost: number;
}

/** Flat batch of notifications: nlmsg_type, decoded message, …; type -1 (null) when some were lost. */
export type EventBatch = Array<number | object | null>;

export interface NativeSocketOptions {
  /** RTNLGRP_* multicast groups to join: the socket becomes a monitor. */
  groups?: number[];
  onEvent?: (events: EventBatch) => void;
  /** SO_RCVBUF in bytes (default 8 MiB). */
  receiveBuffer?: number;
}

export interface NativeSocketClass {
  new (onComplete: (batch: CompletionBatch) => void, nsFd?: number, options?: NativeSocketOptions): NativeSocket;
  /** The bytes a request would send (sequence number 0). */
  encode(op: string, spec: object): Buffer;
  /** Decodes rtnetlink messages into plain objects. */
  decode(bytes: Uint8Array): unknown[];
}

export interface NativeBinding {
  NetlinkSocket: NativeSocketClass;
  netnsAdd(dir: string, name: string): Promise<void>;
  netnsDel(filePath: string): Promise<void>;
  /** A TCP / UDP socket created in the namespace behind nsFd; bound / listening when asked. */
  socketIn(nsFd: number, family: 4 | 6, type: 'tcp' | 'udp', address?: string, port?: number, backlog?: number): number;
  /** Writes /proc/sys/PATH as seen from the namespace behind nsFd. */
  sysctlWrite(nsFd: number, path: string, value: string): Promise<void>;
  /** flock(2) on a worker thread; closing the fd releases the lock too. */
  flock(fd: number, mode: 'exclusive' | 'shared' | 'unlock'): Promise<void>;
  /** flock(2) with LOCK_NB, at once: true when taken, false when another holds it. Missing from addons built before it. */
  flockTry?(fd: number, mode: 'exclusive' | 'shared'): boolean;
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const load = require('node-gyp-build') as (dir: string) => unknown;

let binding: NativeBinding | undefined;

/** The package root, whether we run from lib/ (ts-jest) or dist/lib/. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    try {
      require.resolve(path.join(dir, 'binding.gyp'));
      return dir;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return path.resolve(__dirname, '..');
      dir = parent;
    }
  }
}

export function native(): NativeBinding {
  binding ??= load(packageRoot()) as NativeBinding;
  return binding;
}
