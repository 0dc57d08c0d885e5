// `vnic addr add | replace | del | show`: ip address's grammar over handle.addr.
import type { AddrAddOptions, Address, Handle, Link } from '../index';
import type { ChangeVerb, Command, OutputOptions } from './command';
import { changeAndShow, changeCommand, linkScope, readCommand, verbObject } from './command';
import {
  KeywordTable, Options, UsageError, Words, bareWord, describeKeywords, flag, parseKeywords, text,
} from './grammar';
import { addrTable } from './human';
import { linkAddrJson, stringify } from './ipjson';
import { showLinks } from './link';
import { byIndex } from './session';

/** `scope { global | site | link | host | NUMBER }`: numbers as numbers, names for the library to check. */
const scopeKeyword = {
  words: ['scope'], arg: '{ global | site | link | host | NUMBER }',
  apply(options: Options, words: Words, keyword: string) {
    const value = words.arg(keyword, 'SCOPE');
    options.scope = /^\d+$/.test(value) ? Number(value) : value;
  },
};

const CHANGE: KeywordTable = [
  text('dev', 'dev', 'IFNAME'), text('local', 'local', 'ADDRESS[/PREFIX]'), text('peer', 'peer', 'ADDRESS[/PREFIX]'),
  text(['broadcast', 'brd'], 'broadcast', '{ ADDRESS | + }'), text('label', 'label', 'LABEL'), scopeKeyword,
  flag('nodad', 'nodad'), flag('noprefixroute', 'noprefixroute'),
];
const SHOW: KeywordTable = [text('dev', 'dev', 'IFNAME')];

export const USAGE = `Usage: vnic addr { add | replace | del } [ local ] ADDRESS[/PREFIX] dev IFNAME [ OPTIONS ]
       vnic addr show [ [ dev ] IFNAME ]          (-4 / -6 for one family)
       vnic addr help
OPTIONS: ${describeKeywords(CHANGE.slice(2))}
`;

function parseChange(verb: ChangeVerb, words: Words, netns: string | undefined): Command {
  const options: Options = {};
  parseKeywords(words, options, [CHANGE], bareWord(options, 'local'));
  const { dev, local, ...rest } = options as { dev?: string; local?: string } & Options;
  if (local === undefined) throw new UsageError(`"addr ${verb}" needs an address: addr ${verb} ADDRESS/PREFIX dev IFNAME`);
  if (dev === undefined) throw new UsageError(`"addr ${verb}" needs a device: … dev IFNAME`);
  const change = { ...rest, ...(verb === 'replace' ? { replace: true } : {}) } as AddrAddOptions;
  return changeCommand(linkScope(netns, [dev]), async (session) => {
    const nl = await session.handle(netns);
    await byIndex(session, netns, dev, (ref) => (verb === 'delete' ? nl.addr.del(ref, local, change) : nl.addr.add(ref, local, change)));
  });
}

interface Shown {
  links: Link[];
  /** ip's M-DOWN: the link's parent is down. */
  parentDown(link: Link): boolean;
  addresses: Address[];
}

/** The links to show, with their addresses (one family with -4 / -6). */
async function collect(nl: Handle, dev: string | undefined, family: 4 | 6 | undefined): Promise<Shown> {
  const [{ links, parentDown }, addresses] = await Promise.all([
    showLinks(nl, { dev }), nl.addr.list(dev === undefined ? { family } : { link: dev, family }),
  ]);
  return { links, parentDown, addresses };
}

function renderAddrs({ links, parentDown, addresses }: Shown, output: OutputOptions): string {
  if (!output.json) return addrTable(addresses, output.details);
  const byLink = new Map<number, Address[]>(links.map((l) => [l.index, []]));
  for (const a of addresses) byLink.get(a.index)?.push(a);
  // With a family filter ip lists only the links that have such addresses.
  const shown = links.filter((l) => output.family === undefined || (byLink.get(l.index) ?? []).length > 0);
  return stringify(shown.map((l) => linkAddrJson(l, byLink.get(l.index) ?? [], output.details, parentDown(l))), output.pretty);
}

function parseShow(words: Words, netns: string | undefined): Command {
  const filter: Options = {};
  parseKeywords(words, filter, [SHOW], bareWord(filter, 'dev'));
  return readCommand(netns, async (nl, output) => renderAddrs(await collect(nl, filter.dev as string | undefined, output.family), output));
}

export const addr = verbObject({
  name: 'address',
  word: 'addr',
  summary: 'IPv4 and IPv6 addresses: add, replace, del, show',
  usage: USAGE,
  parsers: changeAndShow(parseChange, parseShow),
});
