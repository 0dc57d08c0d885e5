// One network's state on disk, in host-local's layout: <dataDir>/<network>/
// holds `lock`, one file per allocated address named by the address and
// holding "<containerid>\r\n<ifname>", and last_reserved_ip.<rangeSet>.
//
// Every read-modify-write runs under an exclusive flock(2) on `lock` (the
// reference plugin takes the same lock; lock.ts). Files are written to a
// temporary name first and then published with link(2) (an address file:
// atomic and never replacing one that exists) or rename(2) (last_reserved_ip,
// which is overwritten in place instead when its length does not change), so
// a crash at any point leaves either the old state or the new one, plus at
// most a temporary file, which the next locked operation removes.
import * as fs from 'fs';
import * as path from 'path';

import { TEMP_PREFIX, errnoOf, publish, tempPath } from '../files';
import { ioError } from './errors';
import type { Ip } from './ip';
import { formatIp, parseIp } from './ip';
import { withDirLock } from './lock';

export const LINE_BREAK = '\r\n';
const LAST_RESERVED = 'last_reserved_ip.';
const FILE_MODE = 0o644;

/** Who holds an address, as its file says; ifname is missing in the old one-line format. */
export interface Owner {
  containerId: string;
  ifname?: string;
}

/** An address file: its name (the address as text) and the address. */
export interface Allocation {
  name: string;
  ip: Ip;
}

/** The parts of a file's content: "<id>\r\n<ifname>", or the old "<id>"; undefined when empty. */
export function parseOwner(content: string): Owner | undefined {
  const text = content.trim();
  if (text === '') return undefined;
  const match = /\r?\n/.exec(text);
  if (!match) return { containerId: text };
  return { containerId: text.slice(0, match.index).trim(), ifname: text.slice(match.index + match[0].length).trim() };
}

export function ownerContent(containerId: string, ifname: string): string {
  return `${containerId.trim()}${LINE_BREAK}${ifname}`;
}

/** The directory of one network; every access goes through locked(). */
export class NetworkDir {
  constructor(readonly dir: string) {}

  /** Runs fn holding the directory's lock (see lock.ts). */
  locked<T>(fn: (state: LockedDir) => T | Promise<T>): Promise<T> {
    return withDirLock(this.dir, () => fn(new LockedDir(this.dir)));
  }
}

/** The directory while its lock is held: plain synchronous file calls (the critical section stays short). */
export class LockedDir {
  private names?: string[];
  /** last_reserved_ip.<set> contents read or written under this lock. */
  private readonly lastTexts = new Map<number, string | undefined>();

  constructor(readonly dir: string) {}

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Every entry, once per lock; temporary files left by a crash are removed on the way (no writer can be active: we hold the lock). */
  private entries(): string[] {
    if (this.names) return this.names;
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (error) {
      throw ioError('list', this.dir, error);
    }
    for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX))) {
      try {
        fs.unlinkSync(this.file(name));
      } catch {
        // Another cleaner got there first; harmless.
      }
    }
    this.names = names.filter((n) => !n.startsWith(TEMP_PREFIX));
    return this.names;
  }

  /** The address files, in address order. */
  allocations(): Allocation[] {
    const out: Allocation[] = [];
    for (const name of this.entries()) {
      const ip = parseIp(name);
      if (ip) out.push({ name, ip });
    }
    return out.sort((a, b) => a.ip.family - b.ip.family || (a.ip.value < b.ip.value ? -1 : a.ip.value > b.ip.value ? 1 : 0));
  }

  /** Who holds an address file; undefined when it is empty, unreadable or gone (a crashed writer of the reference plugin). */
  owner(name: string): Owner | undefined {
    try {
      return parseOwner(fs.readFileSync(this.file(name), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** Writes content under a temporary name in the directory; returns that name's path. */
  private writeTemp(content: string): string {
    const temp = tempPath(this.file(''));
    try {
      fs.writeFileSync(temp, content, { flag: 'wx', mode: FILE_MODE });
    } catch (error) {
      throw ioError('write', temp, error);
    }
    return temp;
  }

  /** Creates the address file for ip, holding the owner; false when it exists already. */
  reserve(ip: Ip, containerId: string, ifname: string): boolean {
    const name = formatIp(ip);
    const target = this.file(name);
    const temp = this.writeTemp(ownerContent(containerId, ifname));
    let made: boolean;
    try {
      made = publish(temp, target, true);
    } catch (error) {
      throw ioError('create', target, error);
    }
    if (made) this.entries().push(name);
    return made;
  }

  /** Removes an address file; false when it was gone already. */
  remove(name: string): boolean {
    try {
      fs.unlinkSync(this.file(name));
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return false;
      throw ioError('remove', this.file(name), error);
    }
    const names = this.entries();
    const at = names.indexOf(name);
    if (at >= 0) names.splice(at, 1);
    return true;
  }

  /** last_reserved_ip.<set>, when it holds an address. */
  lastReserved(set: number): Ip | undefined {
    const text = this.lastReservedText(set);
    return text === undefined ? undefined : parseIp(text.trim());
  }

  /** last_reserved_ip.<set> as it is on disk (undefined: no such file), read once per lock. */
  private lastReservedText(set: number): string | undefined {
    if (this.lastTexts.has(set)) return this.lastTexts.get(set);
    let text: string | undefined;
    try {
      text = fs.readFileSync(this.file(`${LAST_RESERVED}${set}`), 'utf8');
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw ioError('read', this.file(`${LAST_RESERVED}${set}`), error);
    }
    this.lastTexts.set(set, text);
    return text;
  }

  /**
   * Replaces last_reserved_ip.<set>. The same length as before (the common
   * case: neighbouring addresses), it is overwritten in place: one write(2)
   * of a few bytes at offset 0, no size change, so a crash leaves the old
   * text or the new one, never a mix, and no new inode is made (on ext4 an
   * inode costs ~0.15 ms, and freeing the replaced one as much again). Any
   * other length goes through a temporary file and rename(2). Either way the
   * file only says where the round robin resumes; which addresses are taken
   * is the address files' business.
   */
  setLastReserved(set: number, ip: Ip): void {
    const target = this.file(`${LAST_RESERVED}${set}`);
    const text = formatIp(ip);
    const before = this.lastReservedText(set);
    this.lastTexts.set(set, text);
    if (before !== undefined && Buffer.byteLength(before) === Buffer.byteLength(text)) {
      try {
        fs.writeFileSync(target, text, { flag: 'r+' });
        return;
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw ioError('write', target, error);
        // Removed meanwhile (by hand): made afresh below.
      }
    }
    const temp = this.writeTemp(text);
    try {
      publish(temp, target, false);
    } catch (error) {
      throw ioError('replace', target, error);
    }
  }
}
