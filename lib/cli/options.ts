// The global options (commander): -j, -p, -d, -n NS, -batch FILE, -force,
// -4 / -6, help and version. ip spells its long options with one dash and
// takes any unambiguous prefix (-det, -batch): those are rewritten to
// commander's --long form first. Everything from the object on is left to
// the keyword grammar.
import * as fs from 'fs';
import * as path from 'path';

import { Command, CommanderError } from 'commander';

import { objectsHelp } from './objects';

export interface GlobalOptions {
  json: boolean;
  pretty: boolean;
  details: boolean;
  netns?: string;
  batch?: string;
  force: boolean;
  family?: 4 | 6;
}

/** The parsed command line, or the exit status when commander answered it (help, version, a bad option). */
export type Parsed = { options: GlobalOptions; words: string[]; overview: () => string } | { exit: number };

const LONG = ['json', 'pretty', 'details', 'netns', 'batch', 'force', 'help', 'version'];
const TAKES_VALUE = ['-n', '--netns', '-b', '--batch'];

const EXAMPLES = `
Examples:
  vnic link add link p0 name mv1 type macvlan mode bridge
  vnic -n ns1 addr add 192.168.56.122/24 dev mv1
  vnic -j -d link show type macvlan
  vnic -force -batch lab.txt
`;

/** `-json` → `--json`, `-det` → `--details`, up to the first word that is not an option. */
export function normalize(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') return [...out, ...argv.slice(i)];
    const long = /^-[a-z]{2,}$/.test(arg) ? LONG.find((name) => name.startsWith(arg.slice(1))) : undefined;
    out.push(long ? `--${long}` : arg);
    if (TAKES_VALUE.includes(out[out.length - 1]) && i + 1 < argv.length) out.push(argv[++i]);
  }
  return out;
}

/** This package's version, from the package.json above this file (lib/cli or dist/lib/cli). */
function version(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
  }
  return '0.0.0';
}

function program(out: (text: string) => void, err: (text: string) => void): Command {
  return new Command('vnic')
    .description('Virtual NICs over rtnetlink, with ip\'s commands (macvlan, macvtap, veth, bridge, …).')
    .usage('[ OPTIONS ] OBJECT { COMMAND | help }\n       vnic [ OPTIONS ] -batch { FILE | - } [ -force ]')
    .option('-j, --json', 'print JSON shaped like ip -j')
    .option('-p, --pretty', 'indent the JSON')
    .option('-d, --details', 'print the details (kind data, port settings, queues)')
    .option('-n, --netns <name>', 'run the command inside the named network namespace')
    .option('-b, --batch <file>', 'read commands from FILE (- for stdin), pipelined')
    .option('--force', 'in a batch, go on after errors')
    .option('-4', 'IPv4 only (addr show, route show)')
    .option('-6', 'IPv6 only (addr show, route show, route add default)')
    .version(version(), '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .argument('[command...]', 'OBJECT and its words')
    .passThroughOptions()
    .exitOverride()
    .configureOutput({
      writeOut: out, writeErr: err,
      outputError: (text, write) => write(`Error: ${text.replace(/^error: /, '')}`),
    })
    .addHelpText('after', `\n${objectsHelp()}${EXAMPLES}`);
}

export function parseGlobal(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): Parsed {
  const cli = program(out, err);
  try {
    cli.parse(normalize(argv), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return { exit: error.exitCode };
    throw error;
  }
  const raw = cli.opts<Record<string, string | boolean | undefined>>();
  const options: GlobalOptions = {
    json: raw.json === true, pretty: raw.pretty === true, details: raw.details === true, force: raw.force === true,
    netns: raw.netns as string | undefined, batch: raw.batch as string | undefined,
    family: raw['6'] ? 6 : raw['4'] ? 4 : undefined,
  };
  // The help text is composed only when asked for: a batch parses every line with it at hand.
  return { options, words: cli.args, overview: () => cli.helpInformation() + `\n${objectsHelp()}${EXAMPLES}` };
}
