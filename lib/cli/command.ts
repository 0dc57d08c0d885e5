// What every object module (link, addr, route, netns, monitor) turns its
// words into: a parsed command that says what it touches and how to run it
// against a session.
import type { Handle } from '../index';
import { Words, verbOf } from './grammar';

/** How the output looks: -j, -p, -d, -4 / -6. */
export interface OutputOptions {
  json: boolean;
  pretty: boolean;
  details: boolean;
  family?: 4 | 6;
}

/** What a command runs against: one handle per namespace, the output options. */
export interface Session {
  readonly output: OutputOptions;
  /** The handle in a namespace (the caller's when undefined), opened once and shared. */
  handle(netns: string | undefined): Promise<Handle>;
  /** A link's ifindex, looked up once per run (a batch names the same links many times). */
  index(netns: string | undefined, name: string): Promise<number>;
  /** Records the index of a link the run created. */
  learn(netns: string | undefined, name: string, index: number): void;
  /** Drops a remembered index (rename, move), or every one of a namespace (deletions take children along). */
  forget(netns: string | undefined, name?: string): void;
  /** Deletes a link; deletions issued in the same turn go to the kernel as one link.delMany (one unregister batch). */
  deleteLink(netns: string | undefined, name: string): Promise<void>;
  /** Prints at once (monitor streams its events; everything else returns its text). */
  write(text: string): void;
  /** Ends a long-running command (monitor) when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * The links a command reads and changes, as namespace-qualified keys, for
 * the batch scheduler: commands that share a changed link run in file order,
 * others overlap. 'all' when it cannot tell (dumps, moves between
 * namespaces): such a command waits for everything before it, and
 * everything after waits for it.
 */
export type Scope = 'all' | { reads: string[]; writes: string[] };

/** How a command changes which links exist in a namespace: the batch tracks who goes with whom. */
export interface LinkChanges {
  netns: string | undefined;
  /** A new link, its parent (deleting the parent deletes it) and its pair's other end. */
  created?: { name: string; parent?: string; peer?: string };
  renamed?: { from: string; to: string };
  /** `link del NAME`: takes its children and its pair's other end along. */
  deleted?: string;
}

export interface Command {
  readonly scope: Scope;
  /** Runs it; resolves with what it prints ('' for nothing, as ip prints nothing on success). */
  run(session: Session): Promise<string>;
  readonly changes?: LinkChanges;
  /** Runs until interrupted (monitor): not allowed in a batch. */
  readonly streaming?: boolean;
}

/** The key of a link in a Scope. */
export function linkKey(netns: string | undefined, name: string): string {
  return `${netns ?? ''}\0${name}`;
}

/** The namespace part of a key. */
export function keyNetns(key: string): string {
  return key.slice(0, key.indexOf('\0'));
}

/** A scope over named links, reading some and changing others; undefined names are skipped. */
export function linkScope(netns: string | undefined, writes: Array<string | undefined>,
                          reads: Array<string | undefined> = []): Scope {
  // Plain loops: a batch builds one scope per line.
  const keys = (names: Array<string | undefined>) => {
    const out: string[] = [];
    for (const name of names) if (name !== undefined) out.push(linkKey(netns, name));
    return out;
  };
  return { writes: keys(writes), reads: keys(reads) };
}

/** A command that only prints text (help). */
export function printCommand(text: string): Command {
  return { scope: { reads: [], writes: [] }, run: async () => text };
}

/** A command that reads the state of a namespace and prints it; it orders against everything. */
export function readCommand(netns: string | undefined, read: (nl: Handle, output: OutputOptions) => Promise<string>): Command {
  return { scope: 'all', run: async (session) => read(await session.handle(netns), session.output) };
}

/** A command that changes something and prints nothing, as ip prints nothing on success. */
export function changeCommand(scope: Scope, change: (session: Session) => Promise<unknown>, changes?: LinkChanges): Command {
  return {
    scope, changes,
    run: async (session) => {
      await change(session);
      return '';
    },
  };
}

/** Parses the words after a verb; netns is the namespace the command runs in. */
export type Parser = (words: Words, netns: string | undefined) => Command;

export type ChangeVerb = 'add' | 'replace' | 'delete';

/** The verbs of an object that is added, replaced, deleted and shown (addr, route), in ip's order. */
export function changeAndShow(change: (verb: ChangeVerb, words: Words, netns: string | undefined) => Command,
                              show: Parser): Record<string, Parser> {
  const changing = (verb: ChangeVerb): Parser => (words, netns) => change(verb, words, netns);
  return { add: changing('add'), replace: changing('replace'), delete: changing('delete'), show, list: show, lst: show };
}

/** What an object module offers the dispatcher. */
export interface ObjectSyntax {
  /** Its name as `vnic help` lists it. */
  readonly name: string;
  readonly summary: string;
  /** `vnic OBJECT help`. */
  readonly usage: string;
  /** Parses the words after the object; netns is -n's (or the batch line's). */
  parse(words: string[], netns: string | undefined): Command;
}

/**
 * An object whose verbs each have a parser, in ip's order (abbreviations
 * resolve to the first match: `link s` is set, `addr s` show); `help`
 * prints its usage; no verb means `show`, or `fallback`.
 */
export function verbObject(spec: {
  name: string; word?: string; summary: string; usage: string; parsers: Record<string, Parser>; fallback?: string;
}): ObjectSyntax {
  const verbs = [...Object.keys(spec.parsers), 'help'];
  return {
    name: spec.name, summary: spec.summary, usage: spec.usage,
    parse(words, netns) {
      const [verb, rest] = verbOf(spec.word ?? spec.name, words.length > 0 ? words : [spec.fallback ?? 'show'], verbs);
      return verb === 'help' ? printCommand(spec.usage) : spec.parsers[verb](rest, netns);
    },
  };
}
