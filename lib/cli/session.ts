// One CLI run's handles (one per namespace, opened on first use and shared
// by every command of a batch), its output options, and the ifindexes of the
// links its commands named, so that a batch looks each name up once (as
// ip -batch caches them) instead of once per line.
import { constants } from 'os';

import { VnicError, limits, open } from '../index';
import type { Handle, LinkRef } from '../index';
import type { OutputOptions, Session } from './command';

/** A deletion waiting for the rest of its turn's deletions. */
interface PendingDelete {
  name: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** A namespace's deletions: those waiting, and whether a delMany is under way. */
interface DeleteQueue {
  pending: PendingDelete[];
  busy: boolean;
}

export class CliSession implements Session {
  private readonly handles = new Map<string, Promise<Handle>>();
  private readonly indexes = new Map<string, Map<string, Promise<number>>>();
  private readonly deletions = new Map<string, DeleteQueue>();

  constructor(readonly output: OutputOptions, private readonly out: (text: string) => void, readonly signal?: AbortSignal) {}

  handle(netns: string | undefined): Promise<Handle> {
    const key = netns ?? '';
    let handle = this.handles.get(key);
    if (!handle) {
      handle = open(netns === undefined ? {} : { netns });
      this.handles.set(key, handle);
      // A namespace that could not be opened may exist by the next command (a batch's netns add).
      handle.catch(() => this.handles.delete(key));
    }
    return handle;
  }

  index(netns: string | undefined, name: string): Promise<number> {
    const known = this.namespace(netns);
    let index = known.get(name);
    if (!index) {
      index = this.handle(netns).then((nl) => nl.link.index(name));
      known.set(name, index);
      index.catch(() => known.delete(name));
    }
    return index;
  }

  learn(netns: string | undefined, name: string, index: number): void {
    this.namespace(netns).set(name, Promise.resolve(index));
  }

  forget(netns: string | undefined, name?: string): void {
    if (name === undefined) this.indexes.delete(netns ?? '');
    else this.namespace(netns).delete(name);
  }

  deleteLink(netns: string | undefined, name: string): Promise<void> {
    const key = netns ?? '';
    let queue = this.deletions.get(key);
    if (!queue) {
      queue = { pending: [], busy: false };
      this.deletions.set(key, queue);
    }
    const target = queue;
    const promise = new Promise<void>((resolve, reject) => target.pending.push({ name, resolve, reject }));
    // The first deletion of a quiet turn starts the drain; later ones join the running one.
    if (!target.busy && target.pending.length === 1) setImmediate(() => this.drainDeletions(netns, target));
    return promise;
  }

  /**
   * The kernel waits ~20 ms per unregister batch: one delMany at a time per
   * namespace, each taking every deletion that came while the last one ran.
   */
  private async drainDeletions(netns: string | undefined, queue: DeleteQueue): Promise<void> {
    queue.busy = true;
    // At most MAX_DELMANY_LINKS in one unregister batch (lib/limits.ts).
    while (queue.pending.length > 0) await this.deleteTogether(netns, queue.pending.splice(0, limits.MAX_DELMANY_LINKS));
    queue.busy = false;
  }

  /** One delMany for several (a missing link fails its own deletion only); each alone when it refuses the set. */
  private async deleteTogether(netns: string | undefined, pending: PendingDelete[]): Promise<void> {
    try {
      const links = (await this.handle(netns)).link;
      // delMany refuses a set holding a device it can't delete (lo, a NIC) before it deletes anything.
      const together = pending.length > 1 ? await links.delMany(pending.map((p) => p.name)).catch(() => undefined) : undefined;
      if (!together) {
        await Promise.all(pending.map((p) => links.del(p.name).then(p.resolve, p.reject)));
        return;
      }
      for (const p of pending) {
        if (!together.missing.includes(p.name)) p.resolve();
        else p.reject(new VnicError({ errno: constants.errno.ENODEV, op: 'link.del', target: p.name, summary: `no link ${p.name}` }));
      }
    } catch (error) {
      for (const p of pending) p.reject(error);
    } finally {
      // Children and pair ends went too: no remembered index here can be trusted.
      this.forget(netns);
    }
  }

  write(text: string): void {
    this.out(text);
  }

  close(): void {
    for (const handle of this.handles.values()) handle.then((h) => h.close(), () => undefined);
    this.handles.clear();
  }

  private namespace(netns: string | undefined): Map<string, Promise<number>> {
    let known = this.indexes.get(netns ?? '');
    if (!known) {
      known = new Map();
      this.indexes.set(netns ?? '', known);
    }
    return known;
  }
}

/** An error about index N told with the name the user wrote. */
function renamed(error: unknown, index: number, name: string): unknown {
  if (!(error instanceof VnicError)) return error;
  // Only where the library names a link: "dev 5", "link 5", or the whole target.
  const swap = (text: string | undefined) => text?.replace(new RegExp(`(^|\\bdev |\\blink )${index}(?![\\w.:/])`, 'g'), `$1${name}`);
  return error.with({ target: swap(error.target), summary: swap(error.summary) });
}

/**
 * Calls `call` with the link's remembered ifindex (saving the library its
 * lookup); by name when there is none, or when the index has gone stale
 * (ENODEV: the name is looked up afresh).
 */
export async function byIndex<T>(session: Session, netns: string | undefined, name: string,
                                 call: (ref: LinkRef) => Promise<T>): Promise<T> {
  const index = await session.index(netns, name).catch(() => undefined);
  // No such link: the call by name reports it in the library's words.
  if (index === undefined) return call(name);
  try {
    return await call(index);
  } catch (error) {
    if (!(error instanceof VnicError) || error.errno !== constants.errno.ENODEV) throw renamed(error, index, name);
    session.forget(netns, name);
    return call(name);
  }
}

/** Runs `call` with the links named under `keys` (link, master …) replaced by their remembered indexes. */
export function withIndexes<T>(session: Session, netns: string | undefined, options: Record<string, unknown>,
                               keys: readonly string[], call: (options: Record<string, unknown>) => Promise<T>): Promise<T> {
  const [key, ...rest] = keys.filter((k) => typeof options[k] === 'string');
  if (key === undefined) return call(options);
  return byIndex(session, netns, options[key] as string, (ref) => withIndexes(session, netns, { ...options, [key]: ref }, rest, call));
}
