// Who goes with whom when a link is deleted, as far as a batch can tell from
// its own lines: a link takes its children (macvlans on it) and its pair's
// other end (veth peer) along. Links the batch did not create may have
// dependents it has never seen, so every line touching such a link also
// reads one key per namespace ("pre-existing") that deleting such a link
// changes. With that, `link del` of a link the batch made waits only for
// the lines about that link and what goes with it, and deletions overlap
// (and meet in one delMany) instead of each stopping the whole batch.
import type { Command, Scope } from './command';
import { keyNetns, linkKey } from './command';

/** A key no link name can take (names have no NUL): "links this batch did not create" in a namespace. */
function preExisting(netns: string): string {
  return `${netns}\0\0`;
}

export class Lineage {
  /** Keys of the links the batch created (and has not deleted). */
  private readonly made = new Set<string>();
  /** Key → keys of the links deleted along with it. */
  private readonly dependents = new Map<string, Set<string>>();

  /** The scope to schedule a command with; records what it does to the links (call in file order). */
  scopeOf(command: Command): Scope {
    const { scope, changes } = command;
    if (scope === 'all') return scope;
    const ns = changes?.netns;
    if (changes?.created) this.created(ns, changes.created);
    if (changes?.renamed) this.renamed(ns, changes.renamed.from, changes.renamed.to);
    if (changes?.deleted !== undefined) return this.deleted(ns, changes.deleted, scope);
    const unknown = [...scope.writes, ...scope.reads].filter((key) => !this.made.has(key)).map((key) => preExisting(keyNetns(key)));
    return unknown.length === 0 ? scope : { writes: scope.writes, reads: [...scope.reads, ...new Set(unknown)] };
  }

  private created(netns: string | undefined, link: { name: string; parent?: string; peer?: string }): void {
    const key = linkKey(netns, link.name);
    this.made.add(key);
    if (link.parent !== undefined) this.depends(linkKey(netns, link.parent), key);
    if (link.peer !== undefined) {
      const peer = linkKey(netns, link.peer);
      this.made.add(peer);
      this.depends(key, peer);
      this.depends(peer, key);
    }
  }

  private depends(on: string, key: string): void {
    const set = this.dependents.get(on) ?? new Set<string>();
    set.add(key);
    this.dependents.set(on, set);
  }

  /** The link keeps what it made and what depends on it under its new name. */
  private renamed(netns: string | undefined, from: string, to: string): void {
    const [old, now] = [linkKey(netns, from), linkKey(netns, to)];
    if (this.made.delete(old)) this.made.add(now);
    const own = this.dependents.get(old);
    this.dependents.delete(old);
    if (own) this.dependents.set(now, own);
    for (const set of this.dependents.values()) {
      if (set.delete(old)) set.add(now);
    }
  }

  /** A deletion changes the link and everything that goes with it (and, for a link the batch did not make, the unknown). */
  private deleted(netns: string | undefined, name: string, scope: Exclude<Scope, 'all'>): Scope {
    const key = linkKey(netns, name);
    const gone = new Set<string>([key]);
    for (const next of gone) for (const dependent of this.dependents.get(next) ?? []) gone.add(dependent);
    const writes = [...scope.writes, ...gone];
    if (!this.made.has(key)) writes.push(preExisting(keyNetns(key)));
    for (const k of gone) {
      this.made.delete(k);
      this.dependents.delete(k);
    }
    return { writes: [...new Set(writes)], reads: scope.reads };
  }
}
