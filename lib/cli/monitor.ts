// `vnic monitor [ link ] [ address ] [ route ]`: the kernel's notifications,
// one line each (one JSON object per line with -j), until interrupted.
import type { Address, Link, MonitorEvent, MonitorObject, Route } from '../index';
import type { Command, ObjectSyntax, OutputOptions } from './command';
import { printCommand } from './command';
import { UsageError, matchWord } from './grammar';
import { pairs } from './human';
import { MAIN_TABLE, addrJson, linkFlags, linkJson, operState, routeDst, routeJson, tableName } from './ipjson';

const OBJECTS = ['link', 'address', 'route', 'all', 'help'] as const;
const TO_API: Record<string, MonitorObject[]> = { link: ['link'], address: ['addr'], route: ['route'], all: ['link', 'addr', 'route'] };

export const USAGE = `Usage: vnic monitor [ all | OBJECT … ]      (until interrupted)
OBJECT: link | address | route
Each event is one line; with -j one JSON object per line, shaped as ip -j prints
the object, with "deleted": true for removals and "event" / "object" added.
`;

/** Names of the links by index, kept current from link events, for addresses and routes. */
type Names = Map<number, string>;

function linkLine(link: Link, names: Names): string {
  if (link.name === undefined) return `${link.index}: (gone)`;
  const kind = link.kind ? ` ${link.kind}` : '';
  const parent = link.link !== undefined && link.linkNetnsId === undefined ? names.get(link.link) : undefined;
  return `${link.index}: ${link.name}${parent ? `@${parent}` : ''}: <${linkFlags(link.flags).join(',')}> mtu ${link.mtu ?? '-'} ` +
    `state ${operState(link.operstate)}${kind}`;
}

function addrLine(a: Address, names: Names): string {
  return `${a.index}: ${names.get(a.index) ?? `if${a.index}`} ${a.family === 4 ? 'inet' : 'inet6'} ${a.address}/${a.prefixlen} scope ${a.scope}`;
}

function routeLine(r: Route, names: Names): string {
  const data = {
    via: r.gateway, dev: r.oif === undefined ? undefined : names.get(r.oif) ?? `if${r.oif}`,
    table: r.table === MAIN_TABLE ? undefined : tableName(r.table), proto: r.protocol, scope: r.scope,
  };
  return `${r.type === 'unicast' ? '' : `${r.type} `}${routeDst(r)} ${pairs(data)}`;
}

const PREFIX: Record<string, string> = { new: '', change: '', del: 'Deleted ', moved: 'Moved ' };

function humanLine(event: MonitorEvent, names: Names): string {
  switch (event.type === 'overrun' || event.type === 'sync' ? event.type : event.object) {
    case 'overrun': return 'overrun: the kernel dropped events; reading the state again';
    case 'sync': return 'sync: state read again';
    case 'link': return `${PREFIX[event.type]}[link] ${linkLine((event as { link: Link }).link, names)}`;
    case 'addr': return `${PREFIX[event.type]}[addr] ${addrLine((event as { addr: Address }).addr, names)}`;
    default: return `${PREFIX[event.type]}[route] ${routeLine((event as { route: Route }).route, names)}`;
  }
}

function jsonLine(event: MonitorEvent, names: Names, details: boolean): Record<string, unknown> {
  if (event.type === 'overrun' || event.type === 'sync') return { event: event.type };
  const deleted = event.type === 'del' ? { deleted: true } : {};
  const head = { event: event.type, object: event.object, ...deleted };
  if (event.object === 'link') {
    const { link } = event;
    const parent = link.link !== undefined && link.linkNetnsId === undefined ? names.get(link.link) : undefined;
    return { ...head, ...linkJson(parent === undefined ? link : { ...link, linkName: parent }, details) };
  }
  if (event.object === 'addr') {
    return { ...head, ifindex: event.addr.index, dev: names.get(event.addr.index), ...addrJson(event.addr) };
  }
  const route = { ...event.route, dev: event.route.oif === undefined ? undefined : names.get(event.route.oif) };
  return { ...head, ...routeJson(route, details, true) };
}

function remember(event: MonitorEvent, names: Names): void {
  if (event.type === 'overrun' || event.type === 'sync' || event.object !== 'link') return;
  if (event.type === 'del' || event.type === 'moved') names.delete(event.link.index);
  else names.set(event.link.index, event.link.name);
}

/** The event's line; '' for link events watched only to keep the names current. */
function renderEvent(event: MonitorEvent, names: Names, output: OutputOptions, shown: readonly MonitorObject[]): string {
  remember(event, names);
  if ('object' in event && !shown.includes(event.object)) return '';
  return output.json ? JSON.stringify(jsonLine(event, names, output.details)) + '\n' : humanLine(event, names) + '\n';
}

function parseObjects(words: string[]): MonitorObject[] {
  const objects = new Set<MonitorObject>();
  for (const word of words) {
    const object = matchWord(word, OBJECTS);
    if (object === undefined || object === 'help') {
      throw new UsageError(`unknown object "${word}" for "monitor"; expected any of: link, address, route, all`);
    }
    for (const o of TO_API[object]) objects.add(o);
  }
  return objects.size > 0 ? [...objects] : TO_API.all;
}

export const monitor: ObjectSyntax = {
  name: 'monitor',
  summary: 'watch link, address and route events',
  usage: USAGE,
  parse(words, netns): Command {
    if (words.length > 0 && matchWord(words[0], OBJECTS) === 'help') return printCommand(USAGE);
    const objects = parseObjects(words);
    return {
      scope: 'all',
      streaming: true,
      run: async (session) => {
        const nl = await session.handle(netns);
        // Link events keep the names of addresses' and routes' devices current, shown or not.
        const events = nl.monitor([...new Set<MonitorObject>([...objects, 'link'])]);
        const stop = () => events.close();
        session.signal?.addEventListener('abort', stop);
        try {
          const names = await nl.link.names();
          if (session.signal?.aborted) stop();
          for await (const event of events) session.write(renderEvent(event, names, session.output, objects));
        } finally {
          session.signal?.removeEventListener('abort', stop);
          events.close();
        }
        return '';
      },
    };
  },
};
