// The batch's scheduler: each job waits only for the earlier unfinished jobs
// it conflicts with (a shared link that one of them changes, or an 'all'
// scope), so independent lines are in flight together (their requests share
// sendmsg calls) while lines about the same link keep their file order. A
// job starts in the same turn its last blocker finishes. At most `window`
// jobs are waiting or running at once.
import type { Scope } from './command';

export interface Job {
  readonly scope: Scope;
  /** Does the work; never rejects (the job reports its own failure). Called at most once. */
  start(): Promise<void>;
  /** The pipeline stopped before the job started. */
  cancel(): void;
}

interface Node {
  readonly job: Job;
  state: 'waiting' | 'running' | 'done';
  /** Unfinished jobs it waits for. */
  blockers: number;
  /** Jobs waiting for it. */
  readonly dependents: Node[];
}

const active = (node: Node | undefined): node is Node => node !== undefined && node.state !== 'done';

export class Pipeline {
  /** Per link key: the last job that changes it, and the readers added since. */
  private readonly writers = new Map<string, Node>();
  private readonly readers = new Map<string, Node[]>();
  /** The last 'all' job, and the jobs added after it (the next 'all' waits for them). */
  private barrier: Node | undefined;
  private sinceBarrier: Node[] = [];
  private readonly waiting = new Set<Node>();
  private size = 0;
  private stopped = false;
  private wakeups: Array<() => void> = [];

  constructor(private readonly window: number) {}

  /** Queues a job (starting it at once when nothing holds it back); resolves when there is room for the next. */
  async add(job: Job): Promise<void> {
    if (this.stopped) {
      job.cancel();
      return;
    }
    const node: Node = { job, state: 'waiting', blockers: 0, dependents: [] };
    for (const blocker of this.blockersOf(node)) {
      blocker.dependents.push(node);
      node.blockers++;
    }
    this.size++;
    if (node.blockers === 0) this.start(node);
    else this.waiting.add(node);
    while (this.size >= this.window) await this.nextWakeup();
  }

  /** Starts nothing more; the waiting jobs are cancelled, the running ones finish. */
  stop(): void {
    this.stopped = true;
    for (const node of this.waiting) {
      node.state = 'done';
      this.size--;
      node.job.cancel();
    }
    this.waiting.clear();
    this.wake();
  }

  /** Resolves when every job has finished (or was cancelled). */
  async drain(): Promise<void> {
    while (this.size > 0) await this.nextWakeup();
  }

  /** The unfinished jobs a new one must wait for; records it as the latest user of its links. */
  private blockersOf(node: Node): Set<Node> {
    const blockers = new Set<Node>();
    const scope = node.job.scope;
    if (scope === 'all') {
      for (const other of [this.barrier, ...this.sinceBarrier]) if (active(other)) blockers.add(other);
      this.barrier = node;
      this.sinceBarrier = [];
      // Everything later waits for this one: what came before no longer matters.
      this.writers.clear();
      this.readers.clear();
      return blockers;
    }
    if (active(this.barrier)) blockers.add(this.barrier);
    for (const key of scope.writes) {
      const writer = this.writers.get(key);
      if (active(writer)) blockers.add(writer);
      for (const reader of this.readers.get(key) ?? []) if (active(reader)) blockers.add(reader);
      this.writers.set(key, node);
      this.readers.set(key, []);
    }
    for (const key of scope.reads.filter((k) => !scope.writes.includes(k))) {
      const writer = this.writers.get(key);
      if (active(writer)) blockers.add(writer);
      const readers = (this.readers.get(key) ?? []).filter(active);
      readers.push(node);
      this.readers.set(key, readers);
    }
    this.sinceBarrier = this.sinceBarrier.length > 2 * this.window ? this.sinceBarrier.filter(active) : this.sinceBarrier;
    this.sinceBarrier.push(node);
    return blockers;
  }

  private start(node: Node): void {
    node.state = 'running';
    this.waiting.delete(node);
    void node.job.start().finally(() => this.finish(node));
  }

  private finish(node: Node): void {
    node.state = 'done';
    this.size--;
    for (const dependent of node.dependents) {
      if (--dependent.blockers === 0 && dependent.state === 'waiting' && !this.stopped) this.start(dependent);
    }
    this.wake();
  }

  private nextWakeup(): Promise<void> {
    return new Promise<void>((resolve) => this.wakeups.push(resolve));
  }

  private wake(): void {
    const wakeups = this.wakeups;
    this.wakeups = [];
    for (const wakeup of wakeups) wakeup();
  }
}
