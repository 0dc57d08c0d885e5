// `vnic route add | replace | del | show`: ip route's grammar over handle.route.
import type { Route, RouteListFilter, RouteOptions } from '../index';
import type { ChangeVerb, Command, OutputOptions } from './command';
import { changeAndShow, changeCommand, linkScope, readCommand, verbObject } from './command';
import { Keyword, KeywordTable, Options, UsageError, Words, describeKeywords, parseKeywords, text } from './grammar';
import { routeTable } from './human';
import { routeJson, stringify } from './ipjson';
import { withIndexes } from './session';

const ROUTE_TYPES = ['unicast', 'local', 'broadcast', 'multicast', 'anycast', 'blackhole', 'unreachable', 'prohibit', 'throw'];

/** `word { NAME | NUMBER }`: numbers as numbers, names for the library to check. */
function named(words: readonly string[], option: string, arg: string): Keyword {
  return {
    words, arg,
    apply(options, cursor, keyword) {
      const value = cursor.arg(keyword, arg);
      options[option] = /^\d+$/.test(value) ? Number(value) : value;
    },
  };
}

/** `via [ inet | inet6 ] ADDRESS`: the family word is optional, the address says it. */
const via: Keyword = {
  words: ['via'], arg: '[ inet | inet6 ] ADDRESS',
  apply(options, words, keyword) {
    const value = words.arg(keyword, 'ADDRESS');
    options.via = value === 'inet' || value === 'inet6' ? words.arg(`${keyword} ${value}`, 'ADDRESS') : value;
  },
};

const metric = named(['metric', 'priority', 'preference'], 'metric', 'NUMBER');
const table = named(['table'], 'table', '{ main | local | default | NUMBER }');
const CHANGE: KeywordTable = [
  text('to', 'dst', 'PREFIX'), via, text(['dev', 'oif'], 'dev', 'IFNAME'), text('src', 'src', 'ADDRESS'), metric, table,
  named(['scope'], 'scope', '{ global | site | link | host | NUMBER }'),
  named(['proto', 'protocol'], 'protocol', '{ boot | static | kernel | dhcp | ra | NUMBER }'),
];
const SHOW: KeywordTable = [named(['table'], 'table', '{ main | local | default | all | NUMBER }'), text(['dev', 'oif'], 'dev', 'IFNAME')];

export const USAGE = `Usage: vnic route { add | replace | del } [ TYPE ] { PREFIX | default } [ OPTIONS ]
       vnic route show [ table { main | local | default | all | NUMBER } ] [ dev IFNAME ]   (-6 for IPv6)
       vnic route help
TYPE: ${ROUTE_TYPES.join(' | ')}
OPTIONS: ${describeKeywords(CHANGE.slice(1))}
`;

/** A bare word is the route type while none is set and it names one, else the destination. */
function bareRouteWord(options: Options): (word: string) => boolean {
  return (word) => {
    if (options.dst === undefined && options.type === undefined && ROUTE_TYPES.includes(word)) options.type = word;
    else if (options.dst === undefined) options.dst = word;
    else return false;
    return true;
  };
}

function parseChange(verb: ChangeVerb, words: Words, netns: string | undefined): Command {
  const options: Options = {};
  parseKeywords(words, options, [CHANGE], bareRouteWord(options));
  if (options.dst === undefined) throw new UsageError(`"route ${verb}" needs a destination: route ${verb} { PREFIX | default } …`);
  const method = verb === 'delete' ? 'del' : verb;
  // Without a device the gateway may hang on any link's addresses: order it against everything.
  return changeCommand(options.dev === undefined ? 'all' : linkScope(netns, [options.dev as string]), async (session) => {
    const route = { ...options } as unknown as RouteOptions;
    // -6 picks the family of a bare `default`.
    if (route.dst === 'default' && route.family === undefined && session.output.family) route.family = session.output.family;
    const nl = await session.handle(netns);
    await withIndexes(session, netns, options, ['dev'], (resolved) => nl.route[method]({ ...route, dev: resolved.dev } as RouteOptions));
  });
}

function renderRoutes(routes: Route[], allTables: boolean, output: OutputOptions): string {
  if (output.json) return stringify(routes.map((r) => routeJson(r, output.details, allTables)), output.pretty);
  return routeTable(routes, output.details);
}

function parseShow(words: Words, netns: string | undefined): Command {
  const filter: Options = {};
  parseKeywords(words, filter, [SHOW]);
  return readCommand(netns, async (nl, output) => {
    // As ip: IPv4 unless -6 asks for IPv6.
    const routes = await nl.route.list({ ...filter, family: output.family ?? 4 } as RouteListFilter);
    return renderRoutes(routes, filter.table === 'all', output);
  });
}

export const route = verbObject({
  name: 'route',
  summary: 'routing table entries: add, replace, del, show',
  usage: USAGE,
  parsers: changeAndShow(parseChange, parseShow),
});
