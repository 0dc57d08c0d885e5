// `vnic tuntap add | del | list`: tun / tap devices, which the kernel makes
// through /dev/net/tun rather than rtnetlink — ip's own object for them.
import { TUNTAP_MODES } from '../index';
import type { TuntapAddOptions } from '../index';
import type { Command } from './command';
import { changeCommand, linkScope, readCommand, verbObject } from './command';
import { KeywordTable, Options, UsageError, Words, bareWord, describeKeywords, flag, integer, oneOf, parseKeywords, text } from './grammar';
import { renderLinks } from './link';

const ADD: KeywordTable = [
  text(['dev', 'name'], 'name', 'NAME'), oneOf('mode', 'mode', TUNTAP_MODES), integer('user', 'user', 'UID', 0, 0xffffffff),
  integer('group', 'group', 'GID', 0, 0xffffffff), flag('pi', 'pi'), flag('vnet_hdr', 'vnetHdr'), flag('multi_queue', 'multiQueue'),
];
const DEL: KeywordTable = [text(['dev', 'name'], 'name', 'NAME'), oneOf('mode', 'mode', TUNTAP_MODES)];
const LIST: KeywordTable = [oneOf('mode', 'mode', TUNTAP_MODES)];

export const USAGE = `Usage: vnic tuntap add [ dev ] NAME mode { tun | tap } ${describeKeywords(ADD.slice(2))}
       vnic tuntap del [ dev ] NAME [ mode { tun | tap } ]
       vnic tuntap list [ mode { tun | tap } ]
(user and group are numeric ids; the device persists, as with ip tuntap)
`;

function nameOf(verb: string, options: Options): string {
  const name = options.name as string | undefined;
  if (name === undefined) throw new UsageError(`"tuntap ${verb}" needs a device: tuntap ${verb} [ dev ] NAME …`);
  return name;
}

function add(words: Words, netns: string | undefined): Command {
  const options: Options = {};
  parseKeywords(words, options, [ADD], bareWord(options, 'name'));
  const name = nameOf('add', options);
  if (options.mode === undefined) throw new UsageError('"tuntap add" needs a mode: mode { tun | tap }');
  return changeCommand(linkScope(netns, [name]), async (session) => (await session.handle(netns)).tuntap.add(options as unknown as TuntapAddOptions));
}

function del(words: Words, netns: string | undefined): Command {
  const options: Options = {};
  parseKeywords(words, options, [DEL], bareWord(options, 'name'));
  const name = nameOf('del', options);
  return changeCommand(linkScope(netns, [name]), async (session) => (await session.handle(netns)).tuntap.del(name));
}

function list(words: Words, netns: string | undefined): Command {
  const filter: Options = {};
  parseKeywords(words, filter, [LIST]);
  return readCommand(netns, async (nl, output) => renderLinks(await nl.tuntap.list(filter), () => false, output));
}

export const tuntap = verbObject({
  name: 'tuntap',
  summary: 'tun / tap devices: add, del, list',
  usage: USAGE,
  parsers: { add, delete: del, list, show: list, lst: list },
  fallback: 'list',
});
