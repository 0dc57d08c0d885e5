// Files published whole, for the on-disk state (IPAM, Docker-style networks):
// written under a temporary name in the target's directory, then put in
// place by link(2) — atomic, and never replacing a file that exists — or
// rename(2) — atomic, replacing. Readers and crashes only ever see whole
// files; a crash leaves at most a temporary file, whose prefix marks it.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Temporary files start with this, then the writer's pid. */
export const TEMP_PREFIX = '.vnic-tmp-';

// Unique to this process: random once, then counted (a fresh random draw per
// file costs more than the write).
const tempTag = randomBytes(6).toString('hex');
let tempCounter = 0;

/** The code of a Node fs error ('ENOENT', …). */
export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** A temporary name in `dir`, unique to this process and call. */
export function tempPath(dir: string): string {
  tempCounter += 1;
  return path.join(dir, `${TEMP_PREFIX}${process.pid}-${tempTag}-${tempCounter}`);
}

/** The pid of the process that wrote a temporary file (NaN for any other name). */
export function tempWriter(name: string): number {
  return name.startsWith(TEMP_PREFIX) ? Number(name.slice(TEMP_PREFIX.length).split('-')[0]) : NaN;
}

/**
 * Puts a written temporary file in place as `target` and removes the
 * temporary name. `exclusive`: link(2), false when target exists already;
 * otherwise rename(2), replacing it. Other failures are thrown.
 */
export function publish(temp: string, target: string, exclusive: boolean): boolean {
  try {
    if (exclusive) fs.linkSync(temp, target);
    else fs.renameSync(temp, target);
    return true;
  } catch (error) {
    if (exclusive && errnoOf(error) === 'EEXIST') return false;
    throw error;
  } finally {
    try {
      fs.unlinkSync(temp);  // after a rename there is nothing left to remove
    } catch {
      // gone, or left for the next clean-up of temporary files
    }
  }
}
