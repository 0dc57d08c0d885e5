// The namespaces a run works in. A fixture is a fresh network namespace named
// vb<pid>-…, holding veth p0 (up) whose peer p1 stays down, as in
// ../shared/peers: no carrier, so no packet is ever sent. One fixture serves
// all runs of a workload; p0 is deleted and made again between runs when the
// tools leave links on it. Everything is made with vnic's public API and
// removed after the workload, on failure and on Ctrl-C / SIGTERM (onSignals).
// Nothing here touches the host namespace.
import { constants as osConstants } from 'os';

import { Handle, netns, open } from '../../lib';
import type { FixtureInfo, FixtureSpec } from './types';

const TAG = 'vb';
/** Time for the kernel's asynchronous cleanup before the next measurement (run-peers.sh waits 0.2 s). */
const SETTLE_MS = 200;
const RESET_SETTLE_MS = 20;
/** Links created per Promise.all when filling. */
const FILL_WINDOW = 256;

let counter = 0;
/** Namespaces that exist now: what a signal must remove. */
const live = new Set<string>();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function uniqueName(role: string): string {
  counter += 1;
  return `${TAG}${process.pid}-${role}${counter}`;
}

async function addNamespace(name: string): Promise<void> {
  await netns.add(name);
  live.add(name);
}

async function removeNamespace(name: string): Promise<void> {
  if (netns.exists(name)) await netns.del(name);
  live.delete(name);
}

export class Fixture {
  private handle: Handle | undefined;

  private constructor(private readonly spec: FixtureSpec, readonly info: FixtureInfo) {}

  /** The namespace with p0 / p1, the workload's fill, and a container namespace when asked. */
  static async create(spec: FixtureSpec): Promise<Fixture> {
    const fixture = new Fixture(spec, { ns: uniqueName('b'), filled: 0, fillPrefix: spec.fillPrefix ?? 'mv' });
    try {
      await addNamespace(fixture.info.ns);
      fixture.handle = await open({ netns: fixture.info.ns });
      await fixture.addParent('p0', 'p1');
      if (spec.fill) {
        const on = spec.fillOn ?? 'p0';
        if (on !== 'p0') await fixture.addParent(on, `${on}peer`);
        await fixture.fill(on, fixture.info.fillPrefix, spec.fill);
        fixture.info.filled = spec.fill;
      }
      if (spec.container) {
        fixture.info.ctr = uniqueName('c');
        await addNamespace(fixture.info.ctr);
      }
      return fixture;
    } catch (error) {
      await fixture.destroy();
      throw error;
    }
  }

  /** Before a run: `count` macvlans on p0 (names fillPrefix0…), when the tool removes links. Returns the run's view. */
  async beforeRun(count: number | undefined): Promise<FixtureInfo> {
    if (!count) return this.info;
    await this.fill('p0', this.info.fillPrefix, count);
    return { ...this.info, filled: count };
  }

  /** After a run: p0 deleted with whatever the tool made on it (one unregister batch), and made again. */
  async afterRun(): Promise<void> {
    if (!this.spec.reset) return;
    const nl = this.nl();
    await nl.link.del('p0').catch(() => undefined);  // a teardown tool may have deleted it
    await this.addParent('p0', 'p1');
    await sleep(RESET_SETTLE_MS);
  }

  /**
   * Deletes the parents first (their macvlans go in one unregister batch, as
   * run-peers.sh does), then the namespaces, then waits for the kernel to settle.
   */
  async destroy(): Promise<void> {
    if (this.handle) {
      for (const parent of ['p0', 'q0']) await this.handle.link.del(parent).catch(() => undefined);
      this.handle.close();
      this.handle = undefined;
    }
    for (const name of [this.info.ctr, this.info.ns]) {
      if (name !== undefined) await removeNamespace(name).catch(() => undefined);
    }
    await sleep(SETTLE_MS);
  }

  private nl(): Handle {
    if (!this.handle) throw new Error('the fixture is gone');
    return this.handle;
  }

  /** veth NAME (up) / PEER (down). */
  private async addParent(name: string, peer: string): Promise<void> {
    await this.nl().link.add({ name, kind: 'veth', peer: { name: peer } });
    await this.nl().link.set(name, { up: true });
  }

  private async fill(on: string, prefix: string, count: number): Promise<void> {
    const nl = this.nl();
    const parent = await nl.link.index(on);
    for (let from = 0; from < count; from += FILL_WINDOW) {
      const batch: Promise<unknown>[] = [];
      for (let i = from; i < Math.min(count, from + FILL_WINDOW); i++) {
        batch.push(nl.link.add({ name: `${prefix}${i}`, kind: 'macvlan', link: parent, mode: 'bridge' }));
      }
      await Promise.all(batch);
    }
  }
}

/** Namespaces left by benchmark runs that died (their pid is gone). */
export async function removeStale(): Promise<string[]> {
  const pattern = new RegExp(`^${TAG}(\\d+)-`);
  const stale = (await netns.list()).filter((name) => {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code !== 'EPERM';
    }
  });
  for (const name of stale) await netns.del(name).catch(() => undefined);
  return stale;
}

/** Removes every namespace this process made that still exists. */
export async function removeAll(): Promise<void> {
  for (const name of [...live]) await removeNamespace(name).catch(() => undefined);
}

/**
 * On SIGINT / SIGTERM: stop the running tool (beforeExit), remove our
 * namespaces, exit as the signal would have (128 + its number).
 */
export function onSignals(beforeExit: () => void, say: (line: string) => void): void {
  const handler = (signal: NodeJS.Signals): void => {
    say(`${signal}: removing the benchmark's namespaces`);
    beforeExit();
    removeAll().finally(() => process.exit(128 + osConstants.signals[signal]));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
