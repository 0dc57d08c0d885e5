// vnicd: the resident CNI daemon. A container runtime runs the plugin
// executable once per call; starting Node for each would cost 70-90 ms, so
// the executable (native/cni/vnic-cni.c) is a thin client and the work
// happens here, in one long-lived process whose CniContext keeps the host
// handle and namespace fds warm between calls.
//
// One connection carries one call (framing in ./protocol). Calls run
// concurrently on the one context; the IPAM store serialises what must be.
import { promises as fsp } from 'fs';
import * as net from 'net';
import * as path from 'path';

import { errnoOf } from '../files';
import type { NetnsTarget } from '../netns';
import { CniContext, runCni } from './plugin';
import type { CniContextOptions, CniOutcome } from './plugin';
import {
  ProtocolError, RequestParser, encodeResponse, isForwarded, socketPathFrom, transportErrorJson,
} from './protocol';

export interface DaemonOptions {
  /** Default: VNIC_CNI_SOCKET, else /run/vnic/cni.sock. Its directory is created 0700 when missing. */
  socketPath?: string;
  /**
   * The namespace the plugin works from (where `master` lives), for a daemon
   * that itself runs elsewhere; default: the daemon's own namespace.
   */
  hostNetns?: NetnsTarget;
  /** Tuning of the warm state kept between calls (how many container namespaces stay open, for how long). */
  context?: Omit<CniContextOptions, 'hostNetns'>;
  /** Close gracefully on SIGTERM and SIGINT (what bin/vnicd.js wants; a library user may not). Default false. */
  handleSignals?: boolean;
  /** Where the daemon's own lines go (a failed connection, and with `debug` one line per call). Default: nowhere. */
  log?: (line: string) => void;
  /** One log line per call: command, container, exit code, milliseconds. Default false. */
  debug?: boolean;
  /** Idle time allowed while a request is still arriving, in ms; then the connection is dropped. Default 30 000. */
  requestTimeoutMs?: number;
}

export interface Daemon {
  /** The socket path it listens on. */
  readonly address: string;
  /** Settles once the daemon has stopped (through close() or a signal). */
  readonly closed: Promise<void>;
  /** Stops accepting, lets the calls in flight finish and answer, closes the context, removes the socket. */
  close(): Promise<void>;
}

export type DaemonErrorCode = 'in-use' | 'not-a-socket' | 'io';

/** The daemon could not start. */
export class DaemonError extends Error {
  readonly code: DaemonErrorCode;
  readonly socketPath: string;

  constructor(code: DaemonErrorCode, socketPath: string, message: string) {
    super(message);
    this.name = 'DaemonError';
    this.code = code;
    this.socketPath = socketPath;
  }
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether something answers on the socket file: a live daemon, or a file a dead one left behind. */
function probe(socketPath: string): Promise<'live' | 'stale'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error) => {
      socket.destroy();
      const code = errnoOf(error);
      if (code === 'ECONNREFUSED' || code === 'ENOENT') resolve('stale');
      else if (code === 'EAGAIN') resolve('live'); // a full backlog: someone is listening
      else reject(error);
    });
  });
}

/** Makes the socket's directory (0700) and clears a stale socket file; refuses a live one or a non-socket. */
async function prepareSocketPath(socketPath: string): Promise<void> {
  await fsp.mkdir(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  let stat;
  try {
    stat = await fsp.lstat(socketPath);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw error;
  }
  if (!stat.isSocket()) {
    throw new DaemonError('not-a-socket', socketPath, `${socketPath} exists and is not a socket: refusing to replace it`);
  }
  if ((await probe(socketPath)) === 'live') {
    throw new DaemonError('in-use', socketPath, `another daemon answers on ${socketPath}: stop it first`);
  }
  await fsp.unlink(socketPath).catch((error: unknown) => {
    if (errnoOf(error) !== 'ENOENT') throw error;
  });
}

/** Binds with umask 0177, so the socket is 0600 from its first instant (bind is synchronous in listen()). */
function listen(server: net.Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    const done = (): void => {
      server.off('error', onError);
      resolve();
    };
    let previous: number | undefined;
    try {
      previous = process.umask(0o177);
    } catch {
      // worker threads may not change the umask: the chmod after listen() still applies
    }
    try {
      server.listen(socketPath, done);
    } finally {
      if (previous !== undefined) process.umask(previous);
    }
  });
}

/** The daemon's own environment minus its CNI and VNIC variables: read once (every read of process.env is a call into C++). */
function baseEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!isForwarded(name)) env[name] = value;
  }
  return env;
}

/**
 * The environment a call sees: the daemon's own (PATH, …) minus its CNI and
 * VNIC variables, then the request's; the daemon's are inherited rather than
 * copied per call (a delegate's environment is built from process.env anyway).
 */
function callEnv(base: Record<string, string | undefined>, requestEnv: Record<string, string>): Record<string, string | undefined> {
  return Object.assign(Object.create(base) as Record<string, string | undefined>, requestEnv);
}

/** Starts vnicd on its socket; resolves once it accepts calls. */
export async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  const socketPath = path.resolve(options.socketPath ?? socketPathFrom());
  const log = options.log ?? ((): void => undefined);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  await prepareSocketPath(socketPath);

  const daemonEnv = baseEnv();
  const context = new CniContext({ ...options.context, ...(options.hostNetns !== undefined ? { hostNetns: options.hostNetns } : {}) });
  const inFlight = new Set<Promise<void>>();
  /** Open connections and how much of their request has arrived: close() drops the ones that sent nothing. */
  const connections = new Map<net.Socket, RequestParser>();

  const answer = async (socket: net.Socket, parser: RequestParser, accepted: bigint): Promise<void> => {
    const request = parser.end();
    const started = process.hrtime.bigint();
    const outcome: CniOutcome = await runCni({ env: callEnv(daemonEnv, request.env), stdin: request.stdin.toString('utf8') }, context);
    socket.end(encodeResponse(outcome.exitCode, outcome.stdout));
    if (options.debug) {
      const ms = (from: bigint, to: bigint): string => (Number(to - from) / 1e6).toFixed(1);
      const { CNI_COMMAND: command = '?', CNI_CONTAINERID: id = '-', CNI_IFNAME: ifname = '-' } = request.env;
      log(`${command} ${id} ${ifname}: exit ${outcome.exitCode} in ${ms(started, process.hrtime.bigint())} ms `
        + `(request received ${ms(accepted, started)} ms after accept)`);
    }
  };

  const serve = (socket: net.Socket): void => {
    const accepted = process.hrtime.bigint();
    const parser = new RequestParser();
    connections.set(socket, parser);
    let done = false;
    let settle: () => void = () => undefined;
    const call = new Promise<void>((resolve) => {
      settle = resolve;
    });
    inFlight.add(call);
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.setTimeout(0);
      inFlight.delete(call);
      settle();
    };
    // A refused request still gets an answer; what the client keeps sending is read and dropped,
    // so that closing never resets the connection under the answer.
    const refuse = (error: unknown): void => {
      const message = messageOf(error);
      log(`refused a request: ${message}`);
      socket.end(encodeResponse(1, transportErrorJson(`vnicd: ${message}`)));
      finish();
      // The drain is bounded too: a client that never stops sending is cut off.
      socket.setTimeout(requestTimeoutMs, () => socket.destroy());
    };
    socket.setTimeout(requestTimeoutMs, () => {
      log(`dropped a connection: no complete request within ${requestTimeoutMs} ms`);
      socket.destroy();
      finish();
    });
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      try {
        parser.push(chunk);
      } catch (error) {
        refuse(error);
      }
    });
    socket.on('end', () => {
      if (done) return;
      // A connection that sent nothing is a probe (a second daemon checking whether this one is alive).
      if (parser.bytes === 0) {
        socket.end();
        finish();
        return;
      }
      socket.setTimeout(0); // the call itself takes as long as it takes; the client keeps its own time limit
      answer(socket, parser, accepted).then(finish, (error: unknown) => {
        if (error instanceof ProtocolError) return refuse(error);
        // runCni never throws by contract: this is a bug, answered as a CNI error rather than a hang.
        log(`a call failed inside the daemon: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        socket.end(encodeResponse(1, transportErrorJson('vnicd: internal error', messageOf(error))));
        finish();
      });
    });
    socket.on('error', (error) => {
      // The client went away (killed, timed out): the call, if running, still completes.
      if (options.debug) log(`connection error: ${messageOf(error)}`);
    });
    socket.on('close', () => {
      connections.delete(socket);
      if (parser.bytes === 0 || !socket.readableEnded) finish();
    });
  };

  const server = net.createServer({ allowHalfOpen: true }, serve);
  server.on('error', (error) => log(`server error: ${messageOf(error)}`));
  try {
    await listen(server, socketPath);
  } catch (error) {
    context.close();
    if (errnoOf(error) === 'EADDRINUSE') {
      throw new DaemonError('in-use', socketPath, `${socketPath} was taken while starting: another daemon is starting there`);
    }
    throw new DaemonError('io', socketPath, `cannot listen on ${socketPath}: ${messageOf(error)}`);
  }
  await fsp.chmod(socketPath, 0o600);

  let closing: Promise<void> | undefined;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping`);
    void close();
  };
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (options.handleSignals) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      // Stop accepting. libuv removes the socket file as the server closes, before
      // its fd: unlinking again after would remove the socket of a vnicd that
      // started meanwhile.
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A connection that has sent nothing yet holds no call: drop it rather than wait for its timeout.
      for (const [socket, parser] of connections) {
        if (parser.bytes === 0) socket.destroy();
      }
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      await serverClosed;
      context.close();
      markClosed();
    })();
    return closing;
  };
  if (options.handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return { address: socketPath, closed, close };
}
