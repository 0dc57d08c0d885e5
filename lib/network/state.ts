// The networks' files under the state directory:
//   <stateDir>/<name>.json                     definitions
//   <stateDir>/endpoints/<name>/<key>.json     one record per connected (netns, ifname)
//   <stateDir>/ipam/<name>/                    the IPAM state (host-local's layout)
//   <stateDir>/lock                            held while a network is created or removed
// Every file is written under a temporary name in its directory and then put
// in place with link(2) (when it must not exist yet) or rename(2), so readers
// and crashes only ever see whole files. A temporary file left by a crashed
// process is removed by the next listing.
import * as fs from 'fs';
import * as path from 'path';

import { errnoOf, publish, tempPath, tempWriter } from '../files';

export const DEFAULT_STATE_DIR = '/var/lib/vnic/networks';

/** The paths of one state directory. */
export class StateDir {
  constructor(readonly root: string) {}

  definition(name: string): string {
    return path.join(this.root, `${name}.json`);
  }

  endpoints(name: string): string {
    return path.join(this.root, 'endpoints', name);
  }

  endpoint(name: string, netns: string, ifname: string): string {
    // One file name per (netns, ifname): a path's slashes are escaped.
    return path.join(this.endpoints(name), `${encodeURIComponent(netns)}@${ifname}.json`);
  }

  ipam(): string {
    return path.join(this.root, 'ipam');
  }
}

/** Writes JSON atomically; `exclusive`: never replaces an existing file, and returns false instead. */
export function writeJson(file: string, value: unknown, exclusive: boolean): boolean {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const temp = tempPath(dir);
  fs.writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { flag: 'wx', mode: 0o644 });
  return publish(temp, file, exclusive);
}

/** Parsed JSON, or undefined when the file does not exist. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether a process still runs (a temporary file of a live writer is left alone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}

/** The *.json files of a directory (none when it does not exist), sorted; dead writers' temporary files removed. */
export function listJson(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw error;
  }
  for (const name of names) {
    const pid = tempWriter(name);
    if (Number.isInteger(pid) && !alive(pid)) fs.rmSync(path.join(dir, name), { force: true });
  }
  return names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort().map((name) => path.join(dir, name));
}

/** Renames a file out of the way (to a temporary name of ours); the new path, or undefined when it did not exist. */
export function hide(file: string): string | undefined {
  const hidden = tempPath(path.dirname(file));
  try {
    fs.renameSync(file, hidden);
    return hidden;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

