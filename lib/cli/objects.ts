// The first word after the global options: which object module parses the rest.
import { addr } from './addr';
import type { Command, ObjectSyntax } from './command';
import { printCommand } from './command';
import { UsageError, matchWord } from './grammar';
import { link } from './link';
import { monitor } from './monitor';
import { netns } from './netns';
import { network } from './network';
import { route } from './route';
import { tuntap } from './tuntap';

// In ip's order, so that abbreviations resolve as they do there ("a" address, "r" route, "l" link).
const OBJECTS: readonly ObjectSyntax[] = [addr, route, link, tuntap, monitor, netns, network];
const NAMES = [...OBJECTS.map((o) => o.name), 'help'];

/** The objects and what they do, for `vnic help`. */
export function objectsHelp(): string {
  const width = Math.max(...OBJECTS.map((o) => o.name.length));
  return `Objects:\n${OBJECTS.map((o) => `  ${o.name.padEnd(width)}  ${o.summary}`).join('\n')}\n` +
    `Try "vnic OBJECT help" for an object's commands.\n`;
}

function findObject(word: string): ObjectSyntax | 'help' | undefined {
  const name = matchWord(word, NAMES);
  return name === 'help' ? 'help' : OBJECTS.find((o) => o.name === name);
}

/** `help [ OBJECT ]`: the overview, or one object's usage. */
function helpText(words: readonly string[], overview: () => string): string {
  const object = words[0] === undefined ? undefined : findObject(words[0]);
  return object && object !== 'help' ? object.usage : overview();
}

/** Parses one command line (without global options); netns is the namespace it runs in. */
export function parseCommand(words: string[], netns: string | undefined, overview: () => string): Command {
  const [word, ...rest] = words;
  if (word === undefined) throw new UsageError('no command given; try "vnic help"');
  const object = findObject(word);
  if (object === undefined) {
    throw new UsageError(`unknown object "${word}"; expected one of: ${NAMES.join(', ')} (try "vnic help")`);
  }
  if (object === 'help') return printCommand(helpText(rest, overview));
  return object.parse(rest, netns);
}
