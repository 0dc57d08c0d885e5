// Warm state a long-lived process (vnicd) keeps between CNI calls: one host
// handle, the container namespaces recently worked in (their fds and
// handles, so an ADD followed by a CHECK or a second network's ADD costs no
// setns), and the host-local stores. Container namespaces are let go after
// DEL, after a while unused, and beyond a bound: an fd held on a namespace
// keeps it — and the macvlan in it — alive after its container is gone.
import { fstatSync, statSync } from 'fs';

import { Attacher } from '../attach';
import { open } from '../handle';
import type { Handle } from '../handle';
import { HostLocalStore } from '../ipam';
import type { HostLocalConfig } from '../ipam';
import { NamespaceCache } from '../namespaces';
import type { NetnsTarget } from '../netns';
import { netnsPath } from '../netns';

export interface CniContextOptions {
  /**
   * The namespace the plugin works from: where `master` lives (unless
   * linkInContainer) and what the default route is read from. Default: the
   * process's own. Tests bind a context to a test namespace with it.
   */
  hostNetns?: NetnsTarget;
  /** How long a container namespace stays open after its last use, in ms (default 30 000). */
  namespaceIdleMs?: number;
  /** At most this many container namespaces stay open (default 64); the least recently used go first. */
  maxNamespaces?: number;
}

interface NamespaceEntry {
  attacher: Attacher;
  cache: NamespaceCache;
  lastUsed: number;
  /** Calls working in it now: an entry in use is never closed under them. */
  users: number;
  /** Let go (DEL, idleness, the bound) while in use: closed when the last user is done. */
  retired: boolean;
}

/** A namespace file's identity, to tell whether CNI_NETNS is the plugin's own namespace. */
export interface NetnsIdentity {
  dev: number;
  ino: number;
}

const MAX_STORES = 64;

export class CniContext {
  readonly hostNetns?: NetnsTarget;
  private readonly idleMs: number;
  private readonly maxNamespaces: number;
  private hostHandle?: Promise<Handle>;
  private readonly namespaces = new Map<string, NamespaceEntry>();
  private readonly stores = new Map<string, HostLocalStore>();
  private sweeper?: NodeJS.Timeout;
  private identity?: NetnsIdentity;
  private closed = false;

  constructor(options: CniContextOptions = {}) {
    this.hostNetns = options.hostNetns;
    this.idleMs = options.namespaceIdleMs ?? 30_000;
    this.maxNamespaces = options.maxNamespaces ?? 64;
  }

  /** The handle on the plugin's namespace, opened on first use. */
  host(): Promise<Handle> {
    if (this.closed) return Promise.reject(new Error('the CNI context is closed'));
    if (!this.hostHandle) {
      const opening = open(this.hostNetns === undefined ? {} : { netns: this.hostNetns });
      opening.catch(() => { if (this.hostHandle === opening) this.hostHandle = undefined; });
      this.hostHandle = opening;
    }
    return this.hostHandle;
  }

  /** The identity of the plugin's namespace (CNI_NETNS must not be it); read once, like the host handle. */
  hostIdentity(): NetnsIdentity {
    if (this.identity) return this.identity;
    const target = this.hostNetns;
    const stat = target === undefined ? statSync('/proc/self/ns/net')
      : typeof target === 'object' && 'fd' in target ? fstatSync(target.fd)
        : statSync(netnsPath('cni', target));
    this.identity = { dev: stat.dev, ino: stat.ino };
    return this.identity;
  }

  /**
   * Runs `work` with attach / detach for one container namespace (by its
   * CNI_NETNS path); that namespace's fd and handle stay warm until forget(),
   * idleness or the bound lets them go — never while a call is using them.
   */
  async withAttacher<T>(netns: string, work: (attacher: Attacher) => Promise<T>): Promise<T> {
    this.sweep();
    let entry = this.namespaces.get(netns);
    if (!entry) {
      const host = await this.host();
      entry = this.namespaces.get(netns);  // another call may have made it meanwhile
      if (!entry) {
        const cache = new NamespaceCache((fd) => open({ netns: { fd } }));
        entry = { attacher: new Attacher(host.requester, host.link, cache), cache, lastUsed: Date.now(), users: 0, retired: false };
        this.namespaces.set(netns, entry);
        this.armSweeper();
      }
    }
    // Most recently used last, for the bound.
    this.namespaces.delete(netns);
    this.namespaces.set(netns, entry);
    entry.users += 1;
    this.trim();
    try {
      return await work(entry.attacher);
    } finally {
      entry.users -= 1;
      entry.lastUsed = Date.now();
      if (entry.retired && entry.users === 0) void entry.cache.close();
    }
  }

  /** Lets go of a container namespace (after DEL); closed now, or when its last user is done. */
  async forget(netns: string): Promise<void> {
    const entry = this.namespaces.get(netns);
    if (!entry) return;
    this.namespaces.delete(netns);
    entry.retired = true;
    if (entry.users === 0) await entry.cache.close();
  }

  /** One store per network and IPAM configuration, kept: it serialises that network's allocations in this process. */
  hostLocal(network: string, config: HostLocalConfig): HostLocalStore {
    const key = JSON.stringify([network, config]);
    let store = this.stores.get(key);
    if (!store) {
      store = new HostLocalStore(network, config);
      this.stores.set(key, store);
      if (this.stores.size > MAX_STORES) this.stores.delete(this.stores.keys().next().value as string);
    }
    return store;
  }

  /** Container namespaces held open now (for tests and the daemon's status). */
  get openNamespaces(): number {
    return this.namespaces.size;
  }

  /** Closes the host handle and every namespace held; the context can't be used afterwards. */
  close(): void {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const entry of this.namespaces.values()) void entry.cache.close();
    this.namespaces.clear();
    this.stores.clear();
    const handle = this.hostHandle;
    this.hostHandle = undefined;
    void handle?.then((h) => h.close(), () => undefined);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [netns, entry] of this.namespaces) {
      if (entry.users === 0 && now - entry.lastUsed >= this.idleMs) void this.forget(netns);
    }
    if (this.namespaces.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private trim(): void {
    // Oldest first; entries in use are skipped (they are let go once done, if still over).
    for (const [netns, entry] of this.namespaces) {
      if (this.namespaces.size <= this.maxNamespaces) break;
      if (entry.users === 0) void this.forget(netns);
    }
  }

  /** A timer that lets idle namespaces go even when no call comes; it never keeps the process alive. */
  private armSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(this.idleMs, 60_000)));
    this.sweeper.unref();
  }
}
