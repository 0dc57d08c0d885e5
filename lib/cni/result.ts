// CNI results: the current (1.x) shape vnic-cni works with, the shapes older
// configs get (0.3.x/0.4.0 add "version" to each IP; 0.1.0/0.2.0 have ip4/ip6),
// and the way back from any of them (prevResult, a delegated IPAM's output).
// Objects are built in the reference's key order, so the printed JSON matches.
import * as ipaddr from 'ipaddr.js';

import { CNI_ERROR, CniError } from './errors';
import { atLeast } from './version';
import type { CniVersion } from './version';

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** The namespace path the interface lives in; absent for host-side interfaces. */
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

export interface CniIpConfig {
  /** Index into interfaces. */
  interface?: number;
  /** CIDR: '10.1.2.3/24'. */
  address: string;
  gateway?: string;
}

export interface CniRoute {
  /** CIDR: '0.0.0.0/0' for the default route. */
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A 1.0.0 / 1.1.0 result: what vnic-cni builds. */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: CniRoute[];
  dns?: CniDns;
}

/** 0.3.0 / 0.3.1 / 0.4.0: each IP says its family. */
export interface CniIpConfigV04 {
  version: '4' | '6';
  interface?: number;
  address: string;
  gateway?: string;
}

export interface CniResultV04 {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfigV04[];
  routes?: Array<{ dst: string; gw?: string }>;
  dns: CniDns;
}

/** 0.1.0 / 0.2.0: one address per family, routes under it. */
export interface CniIpV02 {
  ip: string;
  gateway?: string;
  routes?: Array<{ dst: string; gw?: string }>;
}

export interface CniResultV02 {
  cniVersion: string;
  ip4?: CniIpV02;
  ip6?: CniIpV02;
  dns: CniDns;
}

export type AnyCniResult = CniResult | CniResultV04 | CniResultV02;

/** 4 or 6, from an address with or without a prefix. */
export function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** Results and errors print as the reference prints them: indented by four spaces. */
export function printJson(value: unknown): string {
  return JSON.stringify(value, null, 4);
}

function dnsCopy(dns: CniDns | undefined): CniDns {
  const out: CniDns = {};
  if (dns?.nameservers?.length) out.nameservers = [...dns.nameservers];
  if (dns?.domain) out.domain = dns.domain;
  if (dns?.search?.length) out.search = [...dns.search];
  if (dns?.options?.length) out.options = [...dns.options];
  return out;
}

function interfaceCopy(intf: CniInterface): CniInterface {
  const out: CniInterface = { name: intf.name };
  if (intf.mac) out.mac = intf.mac;
  if (intf.mtu) out.mtu = intf.mtu;
  if (intf.sandbox) out.sandbox = intf.sandbox;
  if (intf.socketPath) out.socketPath = intf.socketPath;
  if (intf.pciID) out.pciID = intf.pciID;
  return out;
}

function routeCopy(route: CniRoute, legacy: boolean): CniRoute {
  const out: CniRoute = { dst: route.dst };
  if (route.gw) out.gw = route.gw;
  if (legacy) return out;
  if (route.mtu) out.mtu = route.mtu;
  if (route.advmss) out.advmss = route.advmss;
  if (route.priority) out.priority = route.priority;
  if (route.table !== undefined) out.table = route.table;
  if (route.scope !== undefined) out.scope = route.scope;
  return out;
}

/** The result in the shape the configuration's cniVersion calls for. */
export function shapeResult(result: CniResult, version: CniVersion): AnyCniResult {
  const ips = result.ips ?? [];
  const routes = result.routes ?? [];
  if (atLeast(version, '1.0.0')) {
    const out: CniResult = { cniVersion: version };
    if (result.interfaces?.length) out.interfaces = result.interfaces.map(interfaceCopy);
    if (ips.length) {
      out.ips = ips.map((ip) => ({
        ...(ip.interface !== undefined ? { interface: ip.interface } : {}),
        address: ip.address,
        ...(ip.gateway ? { gateway: ip.gateway } : {}),
      }));
    }
    if (routes.length) out.routes = routes.map((route) => routeCopy(route, false));
    out.dns = dnsCopy(result.dns);
    return out;
  }
  if (atLeast(version, '0.3.0')) {
    const out: Omit<CniResultV04, 'dns'> = { cniVersion: version };
    if (result.interfaces?.length) out.interfaces = result.interfaces.map(interfaceCopy);
    if (ips.length) {
      out.ips = ips.map((ip) => ({
        version: familyOf(ip.address) === 6 ? '6' : '4',
        ...(ip.interface !== undefined ? { interface: ip.interface } : {}),
        address: ip.address,
        ...(ip.gateway ? { gateway: ip.gateway } : {}),
      }));
    }
    if (routes.length) out.routes = routes.map((route) => routeCopy(route, true));
    return { ...out, dns: dnsCopy(result.dns) };  // dns last, as the reference prints it
  }
  // 0.1.0 / 0.2.0: the first address of each family, and the routes of the families that have one.
  const out: Omit<CniResultV02, 'dns'> = { cniVersion: version };
  for (const family of [4, 6] as const) {
    const ip = ips.find((candidate) => familyOf(candidate.address) === family);
    if (!ip) continue;
    const entry: CniIpV02 = { ip: ip.address };
    if (ip.gateway) entry.gateway = ip.gateway;
    const own = routes.filter((route) => familyOf(route.dst) === family).map((route) => routeCopy(route, true));
    if (own.length) entry.routes = own;
    out[family === 4 ? 'ip4' : 'ip6'] = entry;
  }
  if (!out.ip4 && !out.ip6) {
    throw new CniError(CNI_ERROR.invalidConfig, `a cniVersion ${version} result must carry an IP address, and this one has none`,
      'use cniVersion 0.3.0 or later for an interface without addresses (no ipam)');
  }
  return { ...out, dns: dnsCopy(result.dns) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a result of any version back into the current shape; `what` names it in errors ('prevResult', 'the IPAM plugin static's result'). */
export function parseResult(raw: unknown, what: string, code: number = CNI_ERROR.invalidConfig): CniResult {
  const fail = (problem: string): never => { throw new CniError(code, `${what} is not a valid CNI result: ${problem}`); };
  if (!isObject(raw)) return fail('not a JSON object');
  const version = typeof raw.cniVersion === 'string' && raw.cniVersion !== '' ? raw.cniVersion : '0.1.0';
  const cidr = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || !ipaddr.isValidCIDR(value)) return fail(`${field} is not an address with a prefix (got ${JSON.stringify(value)})`);
    return value;
  };
  const address = (value: unknown, field: string): string | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' || !ipaddr.isValid(value)) return fail(`${field} is not an IP address (got ${JSON.stringify(value)})`);
    return value;
  };
  const routeOf = (value: unknown, field: string): CniRoute => {
    if (!isObject(value)) return fail(`${field} is not an object`);
    const route: CniRoute = { dst: cidr(value.dst, `${field}.dst`) };
    const gw = address(value.gw, `${field}.gw`);
    if (gw) route.gw = gw;
    for (const key of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) {
      const n = value[key];
      if (n === undefined || n === null) continue;
      if (typeof n !== 'number' || !Number.isInteger(n)) return fail(`${field}.${key} is not an integer`);
      route[key] = n;
    }
    return route;
  };
  const list = (value: unknown, field: string): unknown[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return fail(`${field} is not a list`);
    return value;
  };
  const dnsOf = (value: unknown): CniDns => {
    if (!isObject(value)) return {};
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined);
    return dnsCopy({ nameservers: strings(value.nameservers), domain: typeof value.domain === 'string' ? value.domain : undefined,
      search: strings(value.search), options: strings(value.options) });
  };

  const result: CniResult = { cniVersion: version, interfaces: [], ips: [], routes: [], dns: dnsOf(raw.dns) };
  if (!atLeast(version, '0.3.0') || raw.ip4 !== undefined || raw.ip6 !== undefined) {
    for (const key of ['ip4', 'ip6'] as const) {
      const entry = raw[key];
      if (entry === undefined || entry === null) continue;
      if (!isObject(entry)) return fail(`${key} is not an object`);
      const ip: CniIpConfig = { address: cidr(entry.ip, `${key}.ip`) };
      const gateway = address(entry.gateway, `${key}.gateway`);
      if (gateway) ip.gateway = gateway;
      result.ips!.push(ip);
      list(entry.routes, `${key}.routes`).forEach((route, i) => result.routes!.push(routeOf(route, `${key}.routes[${i}]`)));
    }
    return result;
  }
  list(raw.interfaces, 'interfaces').forEach((value, i) => {
    if (!isObject(value) || typeof value.name !== 'string') return fail(`interfaces[${i}] has no name`);
    const intf: CniInterface = { name: value.name };
    for (const key of ['mac', 'sandbox', 'socketPath', 'pciID'] as const) {
      if (typeof value[key] === 'string' && value[key] !== '') intf[key] = value[key] as string;
    }
    if (typeof value.mtu === 'number') intf.mtu = value.mtu;
    result.interfaces!.push(intf);
  });
  list(raw.ips, 'ips').forEach((value, i) => {
    if (!isObject(value)) return fail(`ips[${i}] is not an object`);
    const ip: CniIpConfig = { address: cidr(value.address, `ips[${i}].address`) };
    if (value.interface !== undefined && value.interface !== null) {
      if (typeof value.interface !== 'number' || !Number.isInteger(value.interface)) return fail(`ips[${i}].interface is not an index`);
      ip.interface = value.interface;
    }
    const gateway = address(value.gateway, `ips[${i}].gateway`);
    if (gateway) ip.gateway = gateway;
    result.ips!.push(ip);
  });
  list(raw.routes, 'routes').forEach((route, i) => result.routes!.push(routeOf(route, `routes[${i}]`)));
  return result;
}
