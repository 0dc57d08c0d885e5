// The ip-style keyword grammar after the object: a cursor over the words,
// keyword tables (one entry per keyword, shared by help and parsing), and the
// errors that name the offending word and what was expected instead.

/** Bad command line: reported as `Error: …` with exit status 1, before anything reaches the kernel. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The options a command builds up; the library validates the values. */
export type Options = Record<string, unknown>;

/** A cursor over the words of one command ("link add link p0 name mv1 …"). */
export class Words {
  private position = 0;

  /** @param context what the words belong to, for messages: "link add". */
  constructor(private readonly words: readonly string[], readonly context: string) {}

  get done(): boolean {
    return this.position >= this.words.length;
  }

  peek(): string | undefined {
    return this.words[this.position];
  }

  /** The next word, consumed. */
  take(): string | undefined {
    return this.done ? undefined : this.words[this.position++];
  }

  /** The argument a keyword needs; a UsageError naming the keyword when the line ends first. */
  arg(keyword: string, placeholder: string): string {
    const word = this.take();
    if (word === undefined) throw new UsageError(`"${keyword}" needs an argument: ${keyword} ${placeholder} (in "${this.context}")`);
    return word;
  }

  /** Every word not consumed yet. */
  rest(): string[] {
    const rest = this.words.slice(this.position);
    this.position = this.words.length;
    return rest;
  }
}

/**
 * ip's abbreviations: `word` names the first entry it is a prefix of
 * ("l" → link, "a" → address), so table order decides ties as in ip.
 */
export function matchWord(word: string, choices: readonly string[]): string | undefined {
  if (word.length === 0) return undefined;
  return choices.find((choice) => choice === word) ?? choices.find((choice) => choice.startsWith(word));
}

/** The verb after an object (abbreviations allowed, show when omitted) and a cursor over the words after it. */
export function verbOf<V extends string>(object: string, words: readonly string[], verbs: readonly V[]): [V, Words] {
  const word = words[0] ?? 'show';
  const verb = matchWord(word, verbs) as V | undefined;
  if (verb === undefined) {
    throw new UsageError(`unknown command "${word}" for "${object}"; expected one of: ${verbs.join(', ')} (try "vnic ${object} help")`);
  }
  return [verb, new Words(words.slice(1), `${object} ${verb}`)];
}

/** One keyword of a table: its spellings, its argument for help, and what it stores. */
export interface Keyword {
  /** The word and its aliases; the first is the one help shows. */
  readonly words: readonly string[];
  /** Help text for the argument(s) ("MTU", "{ on | off }"); none for a bare flag. */
  readonly arg?: string;
  /** How help shows it, when not `word arg` ("[no]learning"). */
  readonly help?: string;
  /** Reads its argument(s) and stores the option. */
  apply(options: Options, words: Words, keyword: string): void;
}

export type KeywordTable = readonly Keyword[];

function findKeyword(table: KeywordTable, word: string): Keyword | undefined {
  return table.find((keyword) => keyword.words.includes(word));
}

/** "mtu MTU | up | promisc { on | off } …" for usage lines. */
export function describeKeywords(table: KeywordTable): string {
  return table.map((k) => `[ ${k.help ?? `${k.words[0]}${k.arg ? ` ${k.arg}` : ''}`} ]`).join(' ');
}

function unknownKeyword(word: string, context: string, expected: readonly string[]): UsageError {
  return new UsageError(`unknown keyword "${word}" in "${context}"; expected one of: ${expected.join(', ')}`);
}

/** Every spelling a table accepts, for "expected one of". */
function keywordNames(...tables: KeywordTable[]): string[] {
  return [...new Set(tables.flatMap((table) => table.flatMap((k) => k.words)))];
}

// Keyword builders: each returns one table entry.

/** A bare word that sets an option: `up` → up: true, `down` → up: false. */
export function flag(word: string, option: string, value: unknown = true): Keyword {
  return { words: [word], apply: (options) => { options[option] = value; } };
}

/** `word TEXT`, stored as given (the library checks names, MACs and the like). */
export function text(words: string | readonly string[], option: string, arg: string): Keyword {
  const spellings = typeof words === 'string' ? [words] : words;
  return { words: spellings, arg, apply: (options, cursor, keyword) => { options[option] = cursor.arg(keyword, arg); } };
}

/** `word N`: a decimal (or 0x hex) integer in [min, max]. */
export function integer(words: string | readonly string[], option: string, arg: string, min: number, max: number): Keyword {
  const spellings = typeof words === 'string' ? [words] : words;
  return {
    words: spellings, arg,
    apply: (options, cursor, keyword) => { options[option] = parseInteger(keyword, cursor.arg(keyword, arg), min, max); },
  };
}

/** `word { on | off }` → true / false. */
export function onOff(word: string, option: string): Keyword {
  return {
    words: [word], arg: '{ on | off }',
    apply: (options, cursor, keyword) => { options[option] = parseOnOff(keyword, cursor.arg(keyword, 'on | off')); },
  };
}

/** `word { 0 | 1 }` → false / true (the bridge's switches, as ip spells them). */
export function zeroOne(word: string, option: string): Keyword {
  return {
    words: [word], arg: '{ 0 | 1 }',
    apply: (options, cursor, keyword) => { options[option] = parseInteger(keyword, cursor.arg(keyword, '0 | 1'), 0, 1) === 1; },
  };
}

/** `word CHOICE` from a fixed list. */
export function oneOf(word: string, option: string, choices: readonly string[]): Keyword {
  const arg = `{ ${choices.join(' | ')} }`;
  return {
    words: [word], arg,
    apply: (options, cursor, keyword) => {
      const value = cursor.arg(keyword, arg);
      if (!choices.includes(value)) {
        throw new UsageError(`"${keyword}" takes one of ${choices.join(', ')}, not "${value}"`);
      }
      options[option] = value;
    },
  };
}

/** `netns { NAME | PID }`: a number is a process (as with ip), anything else a name or path. */
export function netnsTarget(word: string, option: string): Keyword {
  return {
    words: [word], arg: '{ NAME | PID }',
    apply: (options, cursor, keyword) => {
      const value = cursor.arg(keyword, 'NAME | PID');
      options[option] = /^\d+$/.test(value) ? { pid: Number(value) } : value;
    },
  };
}

export function parseInteger(keyword: string, value: string, min: number, max: number): number {
  const number = /^-?\d+$/.test(value) ? Number(value) : /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`"${keyword}" takes an integer from ${min} to ${max}, not "${value}"`);
  }
  return number;
}

function parseOnOff(keyword: string, value: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`"${keyword}" takes on or off, not "${value}"`);
}

/** Stores a bare word (no keyword before it) under `key`, once: ip's way of naming the device. */
export function bareWord(options: Options, key: string): (word: string) => boolean {
  return (word) => {
    if (options[key] !== undefined) return false;
    options[key] = word;
    return true;
  };
}

/**
 * Applies keywords from the tables until the words run out; a word no
 * table knows goes to `other` (bare names), and is an error when that
 * declines it too.
 */
export function parseKeywords(words: Words, options: Options, tables: readonly KeywordTable[],
                              other?: (word: string) => boolean): void {
  while (!words.done) {
    const word = words.take() as string;
    let keyword: Keyword | undefined;
    for (const table of tables) if ((keyword = findKeyword(table, word))) break;
    if (keyword) keyword.apply(options, words, word);
    else if (!other?.(word)) throw unknownKeyword(word, words.context, keywordNames(...tables));
  }
}

/**
 * Splits a batch line into words as ip does: blanks separate, quotes
 * ("…" or '…') group, a backslash escapes, and `#` starts a comment.
 */
export function tokenize(line: string): string[] {
  // Most lines have nothing to unquote.
  if (!/["'\\#]/.test(line)) {
    const trimmed = line.trim();
    return trimmed === '' ? [] : trimmed.split(/\s+/);
  }
  const words: string[] = [];
  let current: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else current += c === '\\' && i + 1 < line.length ? line[++i] : c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      current = (current ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else if (c === '#' && current === undefined) {
      break;
    } else {
      current = (current ?? '') + c;
    }
  }
  if (quote) throw new UsageError(`unterminated ${quote} quote`);
  if (current !== undefined) words.push(current);
  return words;
}
