// nl.monitor([...]): the kernel's link, address and route notifications as
// typed events, through an async iterator or an EventEmitter. When the kernel
// drops notifications (ENOBUFS), subscribers get an 'overrun' event and the
// monitor reads the whole state again, so nothing is silently missed.
import { EventEmitter } from 'events';
import { constants } from 'os';

import type { Address } from './addr';
import { Requester } from './engine';
import type { VnicError } from './errors';
import { invalid } from './errors';
import type { EventBatch } from './native';
import type { Route } from './route';
import type { Link } from './types';
import {
  AF_PACKET, RTEXT_FILTER_VF, RTM_DELADDR, RTM_DELLINK, RTM_DELROUTE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE,
  RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE, RTNLGRP_LINK,
} from './constants';

export type MonitorObject = 'link' | 'addr' | 'route';

export type MonitorEvent =
  /** 'change' is a link seen before; 'moved' one that left for another namespace (newNetnsId set). */
  | { type: 'new' | 'change' | 'del' | 'moved'; object: 'link'; link: Link }
  | { type: 'new' | 'del'; object: 'addr'; addr: Address }
  | { type: 'new' | 'del'; object: 'route'; route: Route }
  /** The kernel dropped notifications; a 'sync' follows. */
  | { type: 'overrun' }
  /** The whole state, read again after an overrun. */
  | { type: 'sync'; links?: Link[]; addrs?: Address[]; routes?: Route[] };

export interface MonitorOptions {
  /** Report what exists already: a 'new' event per link / address / route, then live changes. */
  listExisting?: boolean;
  /** The socket's receive buffer in bytes (default 8 MiB); smaller overruns sooner. */
  receiveBuffer?: number;
}

const GROUPS: Record<MonitorObject, number[]> = {
  link: [RTNLGRP_LINK],
  addr: [RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR],
  route: [RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE],
};
const LOST = -1;
const DUMP_ATTEMPTS = 20;
const { EINTR } = constants.errno;

export class Monitor extends EventEmitter implements AsyncIterable<MonitorEvent> {
  /** Receives the notifications, nothing else. */
  private readonly listener: Requester;
  /** Reads the state: on a socket of its own, because the kernel holds a dump
   * back while the listener's queue is full — which is exactly when we resync. */
  private readonly reader: Requester;
  private readonly known = new Set<number>();  // link indices seen: new vs change
  private readonly queue: MonitorEvent[] = [];
  private readonly waiting: Array<{ resolve(r: IteratorResult<MonitorEvent>): void; reject(e: unknown): void }> = [];
  private syncing: Promise<void> | undefined;
  private held: EventBatch[] = [];  // notifications that arrived while the state was being read
  private failure: unknown;
  private closed = false;
  /** Events are queued only once someone iterates: an EventEmitter-only user keeps no backlog. */
  private iterated = false;

  /** @internal use handle.monitor(). */
  constructor(private readonly objects: readonly MonitorObject[], nsFd: number | undefined, options: MonitorOptions) {
    super();
    if (objects.length === 0 || objects.some((o) => !(o in GROUPS))) {
      throw invalid('monitor', 'objects', "expected some of 'link', 'addr', 'route'");
    }
    this.reader = new Requester(nsFd);
    try {
      this.listener = new Requester(nsFd, {
        groups: objects.flatMap((o) => GROUPS[o]),
        onEvent: (batch) => this.receive(batch),
        receiveBuffer: options.receiveBuffer,
      });
    } catch (error) {
      this.reader.close();
      throw error;
    }
    this.syncing = this.sync(options.listExisting === true ? 'listExisting' : 'silent');
  }

  /** Resolves once the initial state has been read (and listed, with listExisting). */
  ready(): Promise<void> {
    return this.syncing ?? Promise.resolve();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listener.close();
    this.reader.close();
    for (const waiter of this.waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
    this.emit('close');
  }

  [Symbol.asyncIterator](): AsyncIterator<MonitorEvent> {
    this.iterated = true;
    return {
      next: () => {
        const value = this.queue.shift();
        if (value) return Promise.resolve({ value, done: false });
        if (this.failure !== undefined) return Promise.reject(this.failure);
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private publish(event: MonitorEvent): void {
    if (this.closed) return;
    this.emit('event', event);
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve({ value: event, done: false });
    else if (this.iterated) this.queue.push(event);
  }

  private receive(batch: EventBatch): void {
    if (this.syncing) {
      this.held.push(batch);
      return;
    }
    for (let i = 0; i < batch.length; i += 2) {
      const type = batch[i] as number;
      if (type === LOST) {
        this.publish({ type: 'overrun' });
        this.syncing = this.sync('resync');
        this.held.push(batch.slice(i + 2));
        return;
      }
      this.translate(type, batch[i + 1] as object);
    }
  }

  private translate(type: number, message: object): void {
    switch (type) {
      case RTM_NEWLINK: {
        const link = message as Link;
        const seen = this.known.has(link.index);
        this.known.add(link.index);
        return this.publish({ type: seen ? 'change' : 'new', object: 'link', link });
      }
      case RTM_DELLINK: {
        const link = message as Link & { newNetnsId?: number };
        this.known.delete(link.index);
        return this.publish({ type: link.newNetnsId !== undefined ? 'moved' : 'del', object: 'link', link });
      }
      case RTM_NEWADDR:
      case RTM_DELADDR:
        return this.publish({ type: type === RTM_NEWADDR ? 'new' : 'del', object: 'addr', addr: message as Address });
      case RTM_NEWROUTE:
      case RTM_DELROUTE:
        return this.publish({ type: type === RTM_NEWROUTE ? 'new' : 'del', object: 'route', route: message as Route });
      default:
        return undefined;
    }
  }

  /** Reads the subscribed state; 'resync' also reports links that came and went unseen. */
  private async sync(mode: 'silent' | 'listExisting' | 'resync'): Promise<void> {
    try {
      const want = (object: MonitorObject) => this.objects.includes(object);
      const [links, addrs, routes] = await Promise.all([
        want('link') ? this.dump<Link>('link.dump', { family: AF_PACKET, extMask: RTEXT_FILTER_VF }) : undefined,
        want('addr') && mode !== 'silent' ? this.dump<Address>('addr.dump', {}) : undefined,
        want('route') && mode !== 'silent' ? this.dump<Route>('route.dump', {}) : undefined,
      ]);
      if (this.closed) return;
      if (mode === 'resync' && links) {
        const now = new Set(links.map((l) => l.index));
        for (const index of [...this.known].filter((i) => !now.has(i))) {
          this.known.delete(index);
          this.publish({ type: 'del', object: 'link', link: { index } as Link });
        }
      }
      if (mode === 'listExisting') {
        for (const link of links ?? []) this.publish({ type: 'new', object: 'link', link });
        for (const addr of addrs ?? []) this.publish({ type: 'new', object: 'addr', addr });
        for (const route of routes ?? []) this.publish({ type: 'new', object: 'route', route });
      }
      if (mode === 'resync') {
        for (const link of links ?? []) if (!this.known.has(link.index)) this.publish({ type: 'new', object: 'link', link });
        this.publish({ type: 'sync', links, addrs, routes });
      }
      for (const link of links ?? []) this.known.add(link.index);
    } catch (error) {
      this.fail(error as VnicError);
    } finally {
      this.syncing = undefined;
      const held = this.held;
      this.held = [];
      for (const batch of held) this.receive(batch);
    }
  }

  /**
   * A dump that keeps being interrupted (the engine already retried it) is
   * asked again after a pause: a resync runs while the table churns, by nature.
   */
  private async dump<T>(op: string, spec: object): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.reader.request<T>(op, spec);
      } catch (error) {
        if ((error as VnicError).errno !== EINTR || attempt >= DUMP_ATTEMPTS || this.closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
      }
    }
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    this.failure = error;
    if (this.listenerCount('error') > 0) this.emit('error', error);
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
