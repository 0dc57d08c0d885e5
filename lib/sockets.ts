// Real Node sockets that live in another network namespace: the fd is made by
// a short-lived thread inside the namespace, then handed to net / dgram. One
// process can serve in ns1 and connect from ns2.
import * as dgram from 'dgram';
import type { EventEmitter } from 'events';
import * as net from 'net';
import { constants } from 'os';

import { parseCidr } from './addr';
import { VnicError, invalid } from './errors';
import { native } from './native';
import { NetnsTarget, describeNetns, withNetnsFd } from './netns';
import { checkInt } from './validate';

export interface ListenOptions {
  /** Address to bind; default '0.0.0.0' ('::' with family 6). */
  host?: string;
  /** Default 0: the kernel picks (server.address().port tells). */
  port?: number;
  backlog?: number;
  family?: 4 | 6;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** Give up after this many milliseconds (ETIMEDOUT); the kernel's own limit is minutes. */
  timeout?: number;
  /** Give up when this signal aborts. */
  signal?: AbortSignal;
}

export interface UdpOptions {
  /** Default 'udp4'. */
  type?: 'udp4' | 'udp6';
  /** Bind address; default any. */
  address?: string;
  port?: number;
}

/** Resolves when `start` calls back; rejects on an 'error' the emitter raises first. */
function started(emitter: EventEmitter, start: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    emitter.once('error', reject);
    start(() => {
      emitter.off('error', reject);
      resolve();
    });
  });
}

function familyOf(op: string, host: string): 4 | 6 {
  return parseCidr(op, 'host', host).family;
}

function socketIn(op: string, target: NetnsTarget, fd: number, family: 4 | 6, type: 'tcp' | 'udp',
                  address?: string, port?: number, backlog?: number): number {
  try {
    return native().socketIn(fd, family, type, address, port, backlog);
  } catch (error) {
    const e = error as { errno?: number; message?: string; step?: string };
    throw new VnicError({ errno: e.errno ?? constants.errno.EIO, op, target: describeNetns(target), summary: e.message, step: e.step });
  }
}

/** A TCP server listening inside the namespace. */
export async function listen(target: NetnsTarget, options: ListenOptions = {}): Promise<net.Server> {
  const op = 'netns.listen';
  const family = options.family ?? (options.host ? familyOf(op, options.host) : 4);
  const host = options.host ?? (family === 6 ? '::' : '0.0.0.0');
  const port = checkInt(op, 'port', options.port ?? 0, 0, 65535);
  const backlog = checkInt(op, 'backlog', options.backlog ?? 511, 1, 65535);
  const fd = await withNetnsFd(op, target, (nsFd) => socketIn(op, target, nsFd, family, 'tcp', host, port, backlog));
  const server = net.createServer();
  await started(server, (done) => server.listen({ fd }, done));
  return server;
}

/** A TCP connection made from inside the namespace. */
export async function connect(target: NetnsTarget, options: ConnectOptions): Promise<net.Socket> {
  const op = 'netns.connect';
  if (typeof options?.host !== 'string') throw invalid(op, 'host', 'required');
  const family = familyOf(op, options.host);
  const port = checkInt(op, 'port', options.port, 1, 65535);
  const fd = await withNetnsFd(op, target, (nsFd) => socketIn(op, target, nsFd, family, 'tcp'));
  const socket = new net.Socket({ fd, readable: true, writable: true });
  const timeout = options.timeout === undefined ? undefined : checkInt(op, 'timeout', options.timeout, 1, 0x7fffffff);
  // Destroying the socket with an error rejects the wait below through 'error'.
  const giveUp = (errno: number, summary: string) => socket.destroy(new VnicError({
    errno, op, target: `${options.host}:${port} from ${describeNetns(target)}`, summary,
  }));
  const timer = timeout === undefined ? undefined
    : setTimeout(() => giveUp(constants.errno.ETIMEDOUT, `no connection within ${timeout} ms`), timeout);
  const onAbort = () => giveUp(constants.errno.ECANCELED, 'aborted');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await started(socket, (done) => socket.connect({ host: options.host, port }, done));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  return socket;
}

/** A UDP socket bound inside the namespace. */
export async function udp(target: NetnsTarget, options: UdpOptions = {}): Promise<dgram.Socket> {
  const op = 'netns.udp';
  const type = options.type ?? 'udp4';
  const family = type === 'udp6' ? 6 : 4;
  const address = options.address ?? (family === 6 ? '::' : '0.0.0.0');
  const port = checkInt(op, 'port', options.port ?? 0, 0, 65535);
  const fd = await withNetnsFd(op, target, (nsFd) => socketIn(op, target, nsFd, family, 'udp', address, port));
  const socket = dgram.createSocket(type);
  await started(socket, (done) => socket.bind({ fd }, done));
  return socket;
}
