// The default output: aligned tables with a header, one row per link,
// address or route; -d adds the detail columns.
import type { Address, Link, Route } from '../index';
import { infoData, slaveData } from './kinds';
import { linkFlags, operState, routeDst, routeFlags, tableName } from './ipjson';

/** Columns padded to their widest cell; the last one is not padded. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [header, ...rows].map(line).join('\n') + '\n';
}

/** "mode bridge bcqueuelen 1000 nodst": ip-style key value pairs; true flags by name only. */
export function pairs(data: Record<string, unknown> | undefined): string {
  if (!data) return '';
  return Object.entries(data)
    .filter(([, value]) => value !== false && value !== undefined)
    .map(([key, value]) => (value === true ? key : `${key} ${text(value)}`))
    .join(' ');
}

/** A value in a details column: lists joined by commas, records as their values joined by dashes (port ranges). */
function text(value: unknown): string {
  if (Array.isArray(value)) return value.map(text).join(',');
  if (typeof value === 'object' && value !== null) return Object.values(value).map(text).join('-');
  return String(value);
}

const dash = (value: unknown) => (value === undefined || value === null || value === '' ? '-' : String(value));

function parentName(link: Link): string {
  if (link.link === undefined || link.link === link.index) return '-';
  return link.linkNetnsId !== undefined ? `if${link.link}@nsid${link.linkNetnsId}` : link.linkName ?? `if${link.link}`;
}

function linkDetails(link: Link): string {
  const kind = link.kind && link.info ? pairs(infoData(link.kind, link.info)) : '';
  const port = link.slaveKind && link.slaveInfo ? `${link.slaveKind}_slave ${pairs(slaveData(link.slaveKind, link.slaveInfo))}` : '';
  const tap = link.tapDevice ? `tap ${link.tapDevice.path}` : '';
  return [kind, port, tap, link.promiscuity ? `promiscuity ${link.promiscuity}` : '', link.alias ? `alias ${link.alias}` : '']
    .filter(Boolean).join('; ');
}

/** `vnic link show`; parentDown tells the links whose parent is down (ip's M-DOWN). */
export function linkTable(links: Link[], details: boolean, parentDown: (link: Link) => boolean): string {
  const header = ['INDEX', 'NAME', 'KIND', 'STATE', 'MTU', 'ADDRESS', 'LINK', 'MASTER', 'FLAGS'];
  const rows = links.map((link) => [
    String(link.index), link.name, dash(link.kind), operState(link.operstate), dash(link.mtu), dash(link.address),
    parentName(link), dash(link.masterName ?? link.master), linkFlags(link.flags, parentDown(link)).join(','),
    ...(details ? [linkDetails(link) || '-'] : []),
  ]);
  return table(details ? [...header, 'DETAILS'] : header, rows);
}

function addrFlags(a: Address): string {
  return a.flags.filter((flag) => flag !== 'permanent').concat(a.flags.includes('permanent') ? [] : ['dynamic']).join(',');
}

function lifetime(seconds: number | undefined): string {
  return seconds === undefined ? '-' : seconds === 0xffffffff ? 'forever' : `${seconds}s`;
}

/** `vnic addr show`: one row per address. */
export function addrTable(addresses: Address[], details: boolean): string {
  const header = ['INDEX', 'DEV', 'FAMILY', 'ADDRESS', 'SCOPE', 'FLAGS'];
  const rows = addresses.map((a) => [
    String(a.index), dash(a.link), a.family === 4 ? 'inet' : 'inet6',
    `${a.address}/${a.prefixlen}${a.peer ? ` peer ${a.peer}` : ''}${a.broadcast ? ` brd ${a.broadcast}` : ''}`,
    String(a.scope), addrFlags(a) || '-',
    ...(details ? [dash(a.label), lifetime(a.validLifetime), lifetime(a.preferredLifetime)] : []),
  ]);
  return table(details ? [...header, 'LABEL', 'VALID', 'PREFERRED'] : header, rows);
}

/** `vnic route show`: one row per route; -d adds its table and type. */
export function routeTable(routes: Route[], details: boolean): string {
  const header = ['DST', 'GATEWAY', 'DEV', 'PROTO', 'SCOPE', 'SRC', 'METRIC', 'FLAGS'];
  const rows = routes.map((r) => [
    routeDst(r), dash(r.gateway), dash(r.dev ?? r.oif), String(r.protocol), String(r.scope), dash(r.prefsrc),
    dash(r.metric), routeFlags(r.flags).join(',') || '-',
    ...(details ? [tableName(r.table), String(r.type)] : []),
  ]);
  return table(details ? [...header, 'TABLE', 'TYPE'] : header, rows);
}
