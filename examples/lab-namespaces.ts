// Plumbing both labs share (the modes lab in lab.ts, the cross-host lab in
// cross-host.ts): namespaces named "<tag><pid>-<role>", so runs never collide
// and a dead run's leftovers can be found by its pid; one vnic handle per
// namespace; and one teardown that runs exactly once — at the end, on a
// failure, or on Ctrl-C / SIGTERM, even while the lab is still being built.
import { constants as osConstants } from 'os';

import { Handle, VnicError, netns, open } from '../lib';

/** "vdemo1234-": a namespace prefix unique to this process, tag first so stale ones can be found. */
export function runPrefix(tag: string): string {
  return `${tag}${process.pid}-`;
}

/** A lab's namespaces and their handles; destroy() removes exactly what add() made. */
export class LabNamespaces {
  private readonly handles = new Map<string, Handle>();
  /** Namespaces made so far, in order: destroy() removes them newest first. */
  private readonly created: string[] = [];
  /** netns.add / open calls under way: destroy() lets them land first, so what they make is removed too. */
  private readonly inFlight = new Set<Promise<void>>();
  private destroying: Promise<void> | undefined;

  constructor(readonly prefix: string) {}

  /** The namespace name behind a role. */
  name(role: string): string {
    return `${this.prefix}${role}`;
  }

  /** Creates the role's namespace and opens a handle in it; returns the namespace's name. */
  async add(role: string): Promise<string> {
    const name = this.name(role);
    this.checkAlive();
    await this.track(netns.add(name).then(() => { this.created.push(name); }));
    this.checkAlive();
    await this.track(open({ netns: name }).then((handle) => { this.handles.set(role, handle); }));
    this.checkAlive();
    return name;
  }

  /** The handle bound to a role's namespace. */
  handle(role: string): Handle {
    const handle = this.handles.get(role);
    if (!handle) throw new Error(`lab ${this.prefix} has no namespace for ${role} (not built yet, or destroyed)`);
    return handle;
  }

  /** Closes the handles and removes every namespace made; safe to call again, or mid-build. */
  destroy(): Promise<void> {
    this.destroying ??= this.removeEverything();
    return this.destroying;
  }

  /** Namespaces under this prefix that still exist (after destroy(): none, it should be). */
  async left(): Promise<string[]> {
    return (await netns.list()).filter((name) => name.startsWith(this.prefix));
  }

  private checkAlive(): void {
    if (this.destroying) throw new Error(`lab ${this.prefix} was destroyed while being built`);
  }

  /** Records work that creates something destroy() must remove, until it settles. */
  private async track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    try {
      await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  private async removeEverything(): Promise<void> {
    // A signal can land while netns.add runs: wait for it, or its namespace would outlive the lab.
    await Promise.allSettled([...this.inFlight]);
    for (const handle of this.handles.values()) handle.close();
    this.handles.clear();
    const failures: string[] = [];
    while (this.created.length > 0) {
      const name = this.created.pop() as string;
      await removeNamespace(name).catch((error: Error) => failures.push(`${name}: ${error.message}`));
    }
    if (failures.length > 0) throw new Error(`could not remove namespaces: ${failures.join('; ')}`);
  }
}

/** netns.del, quiet when the namespace is already gone. */
export async function removeNamespace(name: string): Promise<void> {
  try {
    await netns.del(name);
  } catch (error) {
    if (!(error instanceof VnicError && error.code === 'ENOENT')) throw error;
  }
}

/** Removes namespaces "<tag><pid>-…" left by runs whose process is gone (say, killed with SIGKILL). */
export async function removeStale(tag: string): Promise<string[]> {
  const pattern = new RegExp(`^${tag}(\\d+)-`);
  const stale = (await netns.list()).filter((name) => {
    const pid = Number(pattern.exec(name)?.[1]);
    return Number.isInteger(pid) && pid > 0 && !processAlive(pid);
  });
  for (const name of stale) await removeNamespace(name);
  return stale;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Anything destroyOnSignals can clean up. */
export interface Destroyable {
  destroy(): Promise<void>;
}

/**
 * On Ctrl-C or SIGTERM: destroy the lab, then exit as the signal would have
 * (128 + its number). Returns a function that removes the handlers.
 */
export function destroyOnSignals(lab: Destroyable, say: (line: string) => void = () => undefined): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    say(`${signal}: removing the lab's namespaces`);
    lab.destroy()
      .catch((error: Error) => say(`cleanup failed: ${error.message}`))
      .finally(() => process.exit(128 + osConstants.signals[signal]));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
