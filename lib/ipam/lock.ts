// An exclusive flock(2) on <dir>/lock around a task, after every earlier task
// on the same directory in this process: flock locks belong to open file
// descriptions, so two opens in one process would not exclude each other, and
// each waiting flock would also hold a libuv worker thread. The kernel drops
// the lock when the holder dies, so a crash never leaves it held.
import * as fs from 'fs';
import * as path from 'path';

import { native } from '../native';
import { ioError } from './errors';

const chains = new Map<string, Promise<unknown>>();

/** Runs task after every earlier task queued under the same key in this process. */
function serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
  const run = (chains.get(key) ?? Promise.resolve()).then(task);
  const tail = run.then(() => undefined, () => undefined);
  chains.set(key, tail);
  void tail.then(() => {
    if (chains.get(key) === tail) chains.delete(key);
  });
  return run;
}

/** Runs task holding the lock of dir (created, with its parents, when missing). */
export function withDirLock<T>(dir: string, task: () => T | Promise<T>): Promise<T> {
  const key = path.resolve(dir);
  return serialized(key, async () => {
    const lockFile = path.join(key, 'lock');
    let fd: number;
    try {
      fs.mkdirSync(key, { recursive: true, mode: 0o755 });
      fd = fs.openSync(lockFile, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    } catch (error) {
      throw ioError('open the lock file', lockFile, error);
    }
    try {
      try {
        // Free (the common case): taken at once; held by another: waited for on a worker.
        const addon = native();
        if (!addon.flockTry?.(fd, 'exclusive')) await addon.flock(fd, 'exclusive');
      } catch (error) {
        throw ioError('lock', lockFile, error);
      }
      return await task();
    } finally {
      fs.closeSync(fd);   // releases the lock
    }
  });
}
