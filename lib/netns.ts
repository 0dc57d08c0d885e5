// Named network namespaces, as `ip netns add / del / list` keep them: a bind
// mount of the namespace at /run/netns/NAME.
import { constants, promises as fsp } from 'fs';
import * as fs from 'fs';
import { constants as os } from 'os';
import * as path from 'path';

import { VnicError, invalid } from './errors';
import { MAX_NETNS_NAME_BYTES } from './limits';
import { native } from './native';

/** A network namespace: a name under /run/netns, an absolute path, a process, or an open fd. */
export type NetnsTarget = string | { pid: number } | { fd: number };

export const NETNS_RUN_DIR = '/run/netns';

function checkNetnsName(op: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name) > MAX_NETNS_NAME_BYTES) {
    throw invalid(op, 'name', `a namespace name is a non-empty string of at most ${MAX_NETNS_NAME_BYTES} bytes`);
  }
  if (name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw invalid(op, 'name', `'${name}' is not a valid namespace name (no '/', '.' or '..')`);
  }
  return name;
}

/** The file behind a name, a path or a pid. */
export function netnsPath(op: string, target: NetnsTarget): string {
  if (typeof target === 'string') {
    return target.startsWith('/') ? target : path.join(NETNS_RUN_DIR, checkNetnsName(op, target));
  }
  if ('pid' in target) {
    if (!Number.isInteger(target.pid) || target.pid <= 0) throw invalid(op, 'netns.pid', 'must be a positive integer');
    return `/proc/${target.pid}/ns/net`;
  }
  throw invalid(op, 'netns', 'an open fd has no path');
}

export function describeNetns(target: NetnsTarget): string {
  if (typeof target === 'string') return target;
  return 'pid' in target ? `pid ${target.pid}` : `fd ${target.fd}`;
}

/** An fd for a namespace; close() releases it if we opened it. */
export interface NetnsFd {
  fd: number;
  close(): Promise<void>;
}

/**
 * openNetns without the trip to the thread pool (which costs more than the
 * open itself): for namespace files, whose open never waits on a device.
 */
export function openNetnsSync(op: string, target: NetnsTarget): NetnsFd {
  const given = givenFd(op, target);
  if (given !== undefined) return { fd: given, close: async () => undefined };
  const file = netnsPath(op, target);
  let fd: number;
  try {
    fd = fs.openSync(file, constants.O_RDONLY);
  } catch (error) {
    throw openFailure(op, file, error);
  }
  let open = true;
  return {
    fd,
    close: async () => {
      if (open) fs.closeSync(fd);
      open = false;
    },
  };
}

/** Opens (close-on-exec) the namespace behind a target; { fd } is used as is and left open. */
export async function openNetns(op: string, target: NetnsTarget): Promise<NetnsFd> {
  const given = givenFd(op, target);
  if (given !== undefined) return { fd: given, close: async () => undefined };
  const file = netnsPath(op, target);
  try {
    const handle = await fsp.open(file, constants.O_RDONLY);
    return { fd: handle.fd, close: () => handle.close() };
  } catch (error) {
    throw openFailure(op, file, error);
  }
}

/** The caller's own fd of a { fd } target, checked; undefined for the other kinds. */
function givenFd(op: string, target: NetnsTarget): number | undefined {
  if (typeof target !== 'object' || target === null || !('fd' in target)) return undefined;
  if (!Number.isInteger(target.fd) || target.fd < 0) throw invalid(op, 'netns.fd', 'must be an open file descriptor');
  return target.fd;
}

/** Why a namespace file could not be opened, as a VnicError. */
function openFailure(op: string, file: string, error: unknown, target?: string): VnicError {
  const errno = -((error as NodeJS.ErrnoException).errno ?? -os.errno.EIO);
  return new VnicError({
    errno, op, field: 'netns', target,
    summary: errno === os.errno.ENOENT ? `no network namespace at ${file}` : `cannot open ${file}`,
  });
}

/** Runs fn with an fd for the namespace, open until fn settles. */
export async function withNetnsFd<T>(op: string, target: NetnsTarget, fn: (fd: number) => T | Promise<T>): Promise<T> {
  const ns = await openNetns(op, target);
  try {
    return await fn(ns.fd);
  } finally {
    await ns.close();
  }
}

/**
 * Runs fn with an fd for the namespace (none for the caller's own), opened
 * synchronously for calls that return at once (monitor()).
 */
export function withNetnsFdSync<T>(op: string, target: NetnsTarget | undefined, fn: (fd: number | undefined) => T): T {
  if (target === undefined) return fn(undefined);
  const given = givenFd(op, target);
  if (given !== undefined) return fn(given);
  const file = netnsPath(op, target);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw openFailure(op, file, error, describeNetns(target));
  }
  try {
    return fn(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function netnsError(op: string, name: string, error: unknown): VnicError {
  const e = error as { errno?: number; step?: string; message?: string };
  const errno = e.errno ?? os.errno.EIO;
  let summary = e.message;
  if (op === 'netns.add' && errno === os.errno.EEXIST) summary = `namespace '${name}' already exists`;
  if (op === 'netns.del' && errno === os.errno.ENOENT) summary = `no namespace named '${name}'`;
  if (errno === os.errno.EPERM) summary = `${e.message} (needs CAP_SYS_ADMIN)`;
  return new VnicError({ errno, op, target: name, summary, step: e.step });
}

/** `ip netns add NAME`: creates a namespace pinned at /run/netns/NAME. */
export async function add(name: string): Promise<void> {
  checkNetnsName('netns.add', name);
  try {
    await native().netnsAdd(NETNS_RUN_DIR, name);
  } catch (error) {
    throw netnsError('netns.add', name, error);
  }
}

/** `ip netns del NAME`: unpins it; the kernel frees it (and its links) when nothing else holds it. */
export async function del(name: string): Promise<void> {
  checkNetnsName('netns.del', name);
  try {
    await native().netnsDel(path.join(NETNS_RUN_DIR, name));
  } catch (error) {
    throw netnsError('netns.del', name, error);
  }
}

/** `ip netns list`: the names under /run/netns. */
export async function list(): Promise<string[]> {
  try {
    return (await fsp.readdir(NETNS_RUN_DIR)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw netnsError('netns.list', NETNS_RUN_DIR, error);
  }
}

/** Whether /run/netns/NAME exists. */
export function exists(name: string): boolean {
  return fs.existsSync(path.join(NETNS_RUN_DIR, checkNetnsName('netns.exists', name)));
}
