// `vnic link add | set | del | show`: ip link's grammar over handle.link.
import type { Handle, Link, LinkAddOptions, LinkChange } from '../index';
import type { Command, OutputOptions, Scope } from './command';
import { changeCommand, linkScope, readCommand, verbObject } from './command';
import {
  KeywordTable, Options, UsageError, Words, bareWord, describeKeywords, flag, integer, netnsTarget,
  onOff, parseKeywords, text,
} from './grammar';
import { linkTable } from './human';
import { linkJson, stringify } from './ipjson';
import { LINK_OPTIONS, allKinds, kindSyntax, kindsUsage } from './kinds';
import { withIndexes } from './session';

const U32 = 0xffffffff;

/** What add and set share (ip's iplink_parse). */
const COMMON: KeywordTable = [
  flag('up', 'up', true), flag('down', 'up', false), onOff('promisc', 'promisc'), onOff('allmulticast', 'allmulticast'),
  integer('mtu', 'mtu', 'MTU', 0, U32), text('address', 'address', 'LLADDR'),
  integer(['txqueuelen', 'txqlen', 'qlen'], 'txqueuelen', 'PACKETS', 0, U32), text('alias', 'alias', 'NAME'),
  integer('group', 'group', 'GROUP', 0, U32), netnsTarget('netns', 'netns'), text('master', 'master', 'DEVICE'),
];
const ADD_ONLY: KeywordTable = [text('link', 'link', 'DEVICE'), text(['name', 'dev'], 'name', 'NAME')];
const SET_ONLY: KeywordTable = [text('dev', 'dev', 'DEVICE'), text('name', 'name', 'NEWNAME'), flag('nomaster', 'master', null)];
const SHOW: KeywordTable = [text('dev', 'dev', 'DEVICE'), flag('up', 'up'), text('type', 'kind', 'TYPE'), text('master', 'master', 'DEVICE')];

export const USAGE = `Usage: vnic link add [ link DEVICE ] [ name ] NAME [ OPTIONS ] type TYPE [ TYPE_OPTIONS ]
       vnic link set [ dev ] DEVICE [ OPTIONS ] [ name NEWNAME ] [ nomaster ] [ type TYPE TYPE_OPTIONS ]
       vnic link del [ dev ] DEVICE
       vnic link show [ [ dev ] DEVICE ] [ up ] [ type TYPE ] [ master DEVICE ]
       vnic link help
OPTIONS: ${describeKeywords(COMMON)}
TYPE: ${allKinds().join(' | ')}
TYPE_OPTIONS:
${kindsUsage()}
`;

/** `type KIND …`: the rest of the line takes the kind's keywords first, then the common ones. */
function typeKeyword(table: 'add' | 'set', others: KeywordTable[], bare?: (word: string) => boolean): KeywordTable {
  return [{
    words: ['type'], arg: 'TYPE [ TYPE_OPTIONS ]',
    apply(options, words, keyword) {
      const type = words.arg(keyword, 'TYPE');
      const syntax = kindSyntax(type);
      if (table === 'add' && syntax.madeBy) throw new UsageError(`${type} devices are not made by "link add": ${syntax.madeBy}`);
      if (syntax.isKind) options.kind = type;
      const inner = new Words(words.rest(), `${words.context} type ${type}`);
      parseKeywords(inner, options, [syntax[table], ...others], bare);
    },
  }];
}

/**
 * The device a set or del names, and the other options in a new object
 * (copied rather than `delete`d: V8 makes an object with a deleted key a
 * slow dictionary, and the library reads these objects on every line).
 */
function splitDevice(options: Options): { device?: string; rest: Options } {
  const { dev, ...rest } = options;
  return { device: dev as string | undefined, rest };
}

/** The other links the options name (parent, vxlan dev, bond primary …). */
function namedLinks(options: Options): Array<string | undefined> {
  return LINK_OPTIONS.map((key) => (typeof options[key] === 'string' ? options[key] as string : undefined));
}

function crossesNamespaces(options: Options): boolean {
  return options.netns !== undefined || (options.peer as Options | undefined)?.netns !== undefined;
}

function parseAdd(words: Words, netns: string | undefined): Command {
  const options: Options = {};
  // A bare word is the new link's name, as in ip.
  const bare = bareWord(options, 'name');
  const tables = [ADD_ONLY, COMMON];
  parseKeywords(words, options, [...tables, typeKeyword('add', tables, bare)], bare);
  if (options.name === undefined) throw new UsageError('"link add" needs a name: link add [ name ] NAME … type TYPE');
  if (options.kind === undefined) throw new UsageError(`"link add" needs a type: … type { ${allKinds().join(' | ')} }`);
  const name = options.name as string;
  const peer = (options.peer as Options | undefined)?.name as string | undefined;
  const scope: Scope = crossesNamespaces(options) ? 'all'
    : linkScope(netns, [name, peer, options.master as string | undefined], namedLinks(options));
  // The library validates every value and names what it refuses.
  return changeCommand(scope, async (session) => {
    const nl = await session.handle(netns);
    const created = await withIndexes(session, netns, options, ['link', 'master'],
      (resolved) => nl.link.add(resolved as unknown as LinkAddOptions));
    if (options.netns === undefined) session.learn(netns, created.name, created.index);
  }, { netns, created: { name, peer, parent: options.link as string | undefined } });
}

function parseSet(words: Words, netns: string | undefined): Command {
  const parsed: Options = {};
  const bare = bareWord(parsed, 'dev');
  const tables = [SET_ONLY, COMMON];
  parseKeywords(words, parsed, [...tables, typeKeyword('set', tables, bare)], bare);
  const { device: target, rest: options } = splitDevice(parsed);
  if (target === undefined) throw new UsageError('"link set" needs a device: link set [ dev ] DEVICE …');
  // A master changes along with its new port; a move leaves this namespace's names behind.
  const scope: Scope = crossesNamespaces(options) ? 'all'
    : linkScope(netns, [target, options.name as string | undefined, options.master as string | undefined], namedLinks(options));
  const rename = options.name as string | undefined;
  return changeCommand(scope, async (session) => {
    const nl = await session.handle(netns);
    try {
      await withIndexes(session, netns, options, ['master'], (resolved) => nl.link.set(target, resolved as LinkChange));
    } finally {
      // Renamed or moved away: its name no longer means its index here.
      if (rename !== undefined || options.netns !== undefined) {
        session.forget(netns, target);
        if (rename !== undefined) session.forget(netns, rename);
      }
    }
  }, rename === undefined ? undefined : { netns, renamed: { from: target, to: rename } });
}

function parseDel(words: Words, netns: string | undefined): Command {
  const options: Options = {};
  parseKeywords(words, options, [[text('dev', 'dev', 'DEVICE')]], bareWord(options, 'dev'));
  const name = options.dev as string | undefined;
  if (name === undefined) throw new UsageError('"link del" needs a device: link del [ dev ] DEVICE');
  // The batch widens the scope to the links that go along (children, the pair's other end).
  return changeCommand(linkScope(netns, [name]), (session) => session.deleteLink(netns, name), { netns, deleted: name });
}

/** Whether a link's parent (here) is down: ip's M-DOWN. */
function parentDownIn(links: Map<number, Link>): (link: Link) => boolean {
  return (link) => {
    if (link.link === undefined || link.linkNetnsId !== undefined || link.link === link.index) return false;
    const parent = links.get(link.link);
    return parent !== undefined && !parent.up;
  };
}

/** The links a show names: one by name, or the filtered list; with their parents, for M-DOWN. */
export async function showLinks(nl: Handle, filter: Options): Promise<{ links: Link[]; parentDown: (link: Link) => boolean }> {
  const dev = filter.dev as string | undefined;
  if (dev === undefined) {
    const links = await nl.link.list({
      kind: filter.kind as string | undefined, master: filter.master as string | undefined, up: filter.up as boolean | undefined,
    });
    return { links, parentDown: parentDownIn(new Map(links.map((l) => [l.index, l]))) };
  }
  const link = await nl.link.get(dev);
  const hasParent = link.link !== undefined && link.linkNetnsId === undefined && link.link !== link.index;
  const parent = hasParent ? await nl.link.find(link.link as number, { stats: false }) : undefined;
  const byIndex = new Map(parent ? [[parent.index, parent]] : []);
  const kindMatches = filter.kind === undefined || link.kind === filter.kind;
  return { links: kindMatches ? [link] : [], parentDown: parentDownIn(byIndex) };
}

export function renderLinks(links: Link[], parentDown: (link: Link) => boolean, output: OutputOptions): string {
  if (output.json) return stringify(links.map((l) => linkJson(l, output.details, parentDown(l))), output.pretty);
  return linkTable(links, output.details, parentDown);
}

function parseShow(words: Words, netns: string | undefined): Command {
  const filter: Options = {};
  parseKeywords(words, filter, [SHOW], bareWord(filter, 'dev'));
  return readCommand(netns, async (nl, output) => {
    const { links, parentDown } = await showLinks(nl, filter);
    return renderLinks(links, parentDown, output);
  });
}

export const link = verbObject({
  name: 'link',
  summary: 'network devices: add, set, del, show',
  usage: USAGE,
  parsers: { add: parseAdd, set: parseSet, change: parseSet, delete: parseDel, show: parseShow, list: parseShow, lst: parseShow },
});
