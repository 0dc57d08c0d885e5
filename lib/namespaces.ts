// Handles and fds for namespaces a handle works in (attach / detach), kept
// open so a second attach into the same namespace costs no setns. A named
// namespace deleted and made again under the same name is noticed (its inode
// changes) and opened afresh.
import * as fs from 'fs';
import { constants } from 'os';

import type { Requester } from './engine';
import { VnicError } from './errors';
import type { LinkApi } from './link';
import { native } from './native';
import { NetnsFd, NetnsTarget, describeNetns, netnsPath, openNetnsSync } from './netns';

/** What a handle opened inside a namespace offers attach / detach. */
export interface InsideHandle {
  readonly requester: Requester;
  readonly link: LinkApi;
  close(): void;
}

export interface Inside extends InsideHandle {
  /** The namespace's fd, for IFLA_NET_NS_FD. */
  fd: number;
  /** Writes /proc/sys/PATH inside the namespace. */
  sysctl(path: string, value: string): Promise<void>;
  /**
   * The id the namespace gives the handle's own namespace (IFLA_LINK_NETNSID),
   * once an attach has shown it: from then on links are created from inside,
   * naming their parent across, in one exchange.
   */
  hostNsid?: number;
}

interface Entry {
  inside: Inside;
  ns: NetnsFd;
  /** The file and inode it was opened from (names and paths); undefined for { fd } and { pid }. */
  file?: string;
  ino?: number;
}

export class NamespaceCache {
  private readonly entries = new Map<string, Promise<Entry>>();

  constructor(private readonly openInside: (fd: number) => Promise<InsideHandle>) {}

  async get(op: string, target: NetnsTarget): Promise<Inside> {
    const key = typeof target === 'object' && 'pid' in target ? `pid:${target.pid}` : describeNetns(target);
    const cached = this.entries.get(key);
    if (cached) {
      const entry = await cached.catch(() => undefined);
      if (entry && this.stillThere(entry)) return entry.inside;
      this.entries.delete(key);
      if (entry) await this.release(entry);
    }
    const opening = this.open(op, target);
    this.entries.set(key, opening);
    opening.catch(() => this.entries.delete(key));
    return (await opening).inside;
  }

  async close(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => e.then((entry) => this.release(entry), () => undefined)));
  }

  private async open(op: string, target: NetnsTarget): Promise<Entry> {
    const ns = openNetnsSync(op, target);
    try {
      const handle = await this.openInside(ns.fd);
      const file = typeof target === 'string' ? netnsPath(op, target) : undefined;
      const inside: Inside = {
        requester: handle.requester, link: handle.link, close: () => handle.close(), fd: ns.fd,
        sysctl: (path, value) => native().sysctlWrite(ns.fd, path, value).catch((error: { errno?: number; message?: string }) => {
          throw new VnicError({ errno: error.errno ?? constants.errno.EIO, op: 'sysctl', target: path, summary: error.message });
        }),
      };
      return { inside, ns, file, ino: file === undefined ? undefined : fs.fstatSync(ns.fd).ino };
    } catch (error) {
      await ns.close();
      throw error;
    }
  }

  private stillThere(entry: Entry): boolean {
    if (entry.file === undefined) return true;
    try {
      return fs.statSync(entry.file).ino === entry.ino;
    } catch {
      return false;
    }
  }

  private async release(entry: Entry): Promise<void> {
    entry.inside.close();
    await entry.ns.close();
  }
}
