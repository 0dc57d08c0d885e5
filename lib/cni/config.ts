// The network configuration on stdin: first what every CNI plugin checks
// (JSON → code 6, network name → code 7, cniVersion → code 1), then the
// macvlan plugin's keys (each refusal code 7, naming the key).
import { MACVLAN_MODES } from '../kinds/macvlan';
import type { MacvlanMode } from '../kinds/macvlan';
import { CNI_ERROR, CniError } from './errors';
import type { CniArgs, CniCommand } from './env';
import { CNI_NAME } from './env';
import type { CniDns } from './result';
import { SUPPORTED_VERSIONS, atLeast, isSupportedVersion } from './version';
import type { CniVersion } from './version';

/** What every command gets: the parsed object, its name and version. */
export interface Netconf {
  /** The configuration as parsed (for keys a step reads itself, and for delegation). */
  raw: Record<string, unknown>;
  name: string;
  /** The configuration's cniVersion ('0.1.0' when absent, as the spec says). */
  cniVersion: CniVersion;
}

/** The "ipam" object: its type and the object itself. */
export interface IpamConf {
  type: string;
  raw: Record<string, unknown>;
}

/** An attachment GC must keep (`cni.dev/valid-attachments`). */
export interface ValidAttachment {
  containerId: string;
  ifname: string;
}

/** The macvlan plugin's configuration, with defaults applied and the MAC resolved. */
export interface MacvlanConf extends Netconf {
  /** The parent link; undefined: the interface of the default route, as the reference does. */
  master?: string;
  /** Default 'bridge'. */
  mode: MacvlanMode;
  /** undefined (or 0 in the config): the master's. */
  mtu?: number;
  /** The container interface's MAC: runtimeConfig.mac, else CNI_ARGS MAC=, else `mac`; undefined: random. */
  mac?: string;
  /** The master lives in the container's namespace, not in the plugin's. */
  linkInContainer: boolean;
  /** vnic extra, passthru only: don't put the master in promiscuous mode. */
  nopromisc?: boolean;
  /** vnic extra (the reference ≥ 1.4 too): the broadcast/multicast queue length. */
  bcqueuelen?: number;
  /** vnic extra, mode source only: the source MACs whose frames the interface receives. */
  macaddr?: string[];
  /** Absent, or without a type: the interface gets no address (L2 only). */
  ipam?: IpamConf;
  /** The config's `dns`, copied into the result (the reference ignores the IPAM's). */
  dns: CniDns;
  /** Addresses asked of the IPAM: CNI_ARGS IP=, args.cni.ips, runtimeConfig.ips. */
  requestedIps: string[];
  /** runtimeConfig.ipRanges (host-local puts them before its own ranges). */
  ipRanges?: unknown[];
  /** The raw prevResult (CHECK, DEL). */
  prevResult?: unknown;
  /** GC: the attachments to keep; undefined when the key is absent. */
  validAttachments?: ValidAttachment[];
}

const MAC_TEXT = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function configError(msg: string, details?: string): CniError {
  return new CniError(CNI_ERROR.invalidConfig, msg, details);
}

function fieldError(field: string, problem: string, value?: unknown): CniError {
  const got = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  return configError(`invalid network config: ${field} ${problem}${got}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The checks every command shares, in the reference library's order: JSON, name, version, command floor. */
export function parseNetconf(stdin: string, command: CniCommand): Netconf {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (error) {
    const reason = stdin.trim() === '' ? 'stdin is empty' : (error as Error).message;
    throw new CniError(CNI_ERROR.decodingFailure, `the network configuration on stdin is not JSON: ${reason}`);
  }
  if (!isObject(raw)) throw new CniError(CNI_ERROR.decodingFailure, 'the network configuration on stdin is not a JSON object');
  if (raw.name !== undefined && typeof raw.name !== 'string') {
    throw new CniError(CNI_ERROR.decodingFailure, 'the network configuration\'s "name" is not a string', `got ${JSON.stringify(raw.name)}`);
  }
  const name = (raw.name as string | undefined) ?? '';
  if (name === '') throw configError('missing network name', 'the configuration needs a "name"');
  if (!CNI_NAME.test(name)) {
    throw configError(`invalid characters in network name '${name}'`, 'a network name starts with a letter or digit and holds only letters, digits, _ . and -');
  }
  if (raw.cniVersion !== undefined && typeof raw.cniVersion !== 'string') {
    throw new CniError(CNI_ERROR.decodingFailure, 'the network configuration\'s "cniVersion" is not a string', `got ${JSON.stringify(raw.cniVersion)}`);
  }
  const version = (raw.cniVersion as string | undefined) || '0.1.0';
  if (!isSupportedVersion(version)) {
    throw new CniError(CNI_ERROR.incompatibleVersion, `incompatible CNI versions: the config's cniVersion ${version} is not supported`,
      `vnic-cni supports ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  const floor = command === 'CHECK' ? '0.4.0' : command === 'STATUS' || command === 'GC' ? '1.1.0' : undefined;
  if (floor && !atLeast(version, floor)) {
    throw new CniError(CNI_ERROR.incompatibleVersion, `config version ${version} does not allow ${command}`, `${command} needs cniVersion ${floor} or later`);
  }
  return { raw, name, cniVersion: version };
}

function optionalString(raw: Record<string, unknown>, field: string): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fieldError(field, 'must be a string', value);
  return value;
}

function optionalBool(raw: Record<string, unknown>, field: string): boolean | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw fieldError(field, 'must be true or false', value);
  return value;
}

function optionalInt(raw: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fieldError(field, `must be an integer from ${min} to ${max}`, value);
  }
  return value;
}

function checkMac(field: string, value: string): string {
  if (!MAC_TEXT.test(value)) throw fieldError(field, 'is not a MAC address like 02:11:22:33:44:55', value);
  const first = parseInt(value.slice(0, 2), 16);
  if (first & 1) throw fieldError(field, 'is a multicast MAC address; an interface needs a unicast one', value);
  if (/^(00:){5}00$/.test(value)) throw fieldError(field, 'is the all-zero MAC address', value);
  return value.toLowerCase();
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw fieldError(field, 'must be a list of strings', value);
  }
  return value as string[];
}

/** The config's `ipam`, or undefined when it names no type (then the interface is L2 only, as with the reference). */
export function parseIpamConf(raw: Record<string, unknown>): IpamConf | undefined {
  const ipam = raw.ipam;
  if (ipam === undefined || ipam === null) return undefined;
  if (!isObject(ipam)) throw fieldError('ipam', 'must be an object', ipam);
  const type = ipam.type;
  if (type === undefined || type === null || type === '') return undefined;
  if (typeof type !== 'string') throw fieldError('ipam.type', 'must be a string', type);
  if (!CNI_NAME.test(type)) throw fieldError('ipam.type', 'must be a plugin name (letters, digits, _ . -)', type);
  return { type, raw: ipam };
}

/** runtimeConfig.ipRanges (the ipRanges capability): range sets host-local puts before its own. */
export function parseIpRanges(raw: Record<string, unknown>): unknown[] | undefined {
  const runtimeConfig = raw.runtimeConfig;
  const ipRanges = isObject(runtimeConfig) ? runtimeConfig.ipRanges : undefined;
  if (ipRanges === undefined || ipRanges === null) return undefined;
  if (!Array.isArray(ipRanges)) throw fieldError('runtimeConfig.ipRanges', 'must be a list of range sets', ipRanges);
  return ipRanges.length > 0 ? ipRanges : undefined;
}

function parseDns(raw: Record<string, unknown>): CniDns {
  const dns = raw.dns;
  if (dns === undefined || dns === null) return {};
  if (!isObject(dns)) throw fieldError('dns', 'must be an object', dns);
  const out: CniDns = {};
  const nameservers = stringList(dns.nameservers, 'dns.nameservers');
  if (nameservers.length > 0) out.nameservers = nameservers;
  if (dns.domain !== undefined && dns.domain !== null) {
    if (typeof dns.domain !== 'string') throw fieldError('dns.domain', 'must be a string', dns.domain);
    if (dns.domain !== '') out.domain = dns.domain;
  }
  const search = stringList(dns.search, 'dns.search');
  if (search.length > 0) out.search = search;
  const options = stringList(dns.options, 'dns.options');
  if (options.length > 0) out.options = options;
  return out;
}

function parseValidAttachments(raw: Record<string, unknown>): ValidAttachment[] | undefined {
  const field = 'cni.dev/valid-attachments';
  const list = raw[field];
  if (list === undefined) return undefined;
  if (list === null) return [];
  if (!Array.isArray(list)) throw fieldError(field, 'must be a list of { containerID, ifname }', list);
  return list.map((item, i) => {
    if (!isObject(item) || typeof item.containerID !== 'string' || typeof item.ifname !== 'string') {
      throw fieldError(`${field}[${i}]`, 'must be { "containerID": string, "ifname": string }', item);
    }
    return { containerId: item.containerID, ifname: item.ifname };
  });
}

/** The macvlan plugin's keys, checked; MAC resolved from config, CNI_ARGS and runtimeConfig (in that rising order). */
export function parseMacvlanConf(base: Netconf, args: CniArgs): MacvlanConf {
  const { raw } = base;
  const master = optionalString(raw, 'master') || undefined;
  if (master !== undefined && (Buffer.byteLength(master) > 15 || /[/:\s]/.test(master) || master === '.' || master === '..')) {
    throw fieldError('master', 'is not a valid interface name', master);
  }
  const modeText = optionalString(raw, 'mode') || 'bridge';
  if (!(MACVLAN_MODES as readonly string[]).includes(modeText)) {
    throw fieldError('mode', `must be one of ${MACVLAN_MODES.join(', ')}`, modeText);
  }
  const mode = modeText as MacvlanMode;
  const mtu = optionalInt(raw, 'mtu', 0, 65536) || undefined;
  if (mtu !== undefined && mtu < 68) throw fieldError('mtu', 'must be 0 (the master\'s) or at least 68', mtu);

  const runtimeConfig = raw.runtimeConfig ?? {};
  if (!isObject(runtimeConfig)) throw fieldError('runtimeConfig', 'must be an object', runtimeConfig);
  let mac: string | undefined;
  const configMac = optionalString(raw, 'mac');
  if (configMac) mac = checkMac('mac', configMac);
  if (args.mac) mac = checkMac('CNI_ARGS MAC', args.mac);
  const runtimeMac = optionalString(runtimeConfig, 'mac');
  if (runtimeMac) mac = checkMac('runtimeConfig.mac', runtimeMac);

  const nopromisc = optionalBool(raw, 'nopromisc');
  if (nopromisc && mode !== 'passthru') throw fieldError('nopromisc', "applies to mode 'passthru' only", nopromisc);
  const bcqueuelen = optionalInt(raw, 'bcqueuelen', 0, 0xffffffff);
  let macaddr: string[] | undefined;
  if (raw.macaddr !== undefined && raw.macaddr !== null) {
    if (mode !== 'source') throw fieldError('macaddr', "is a source-MAC list, for mode 'source' only");
    macaddr = stringList(raw.macaddr, 'macaddr').map((text, i) => checkMac(`macaddr[${i}]`, text));
  }

  const argsObject = raw.args;
  const cniArgs = isObject(argsObject) && isObject(argsObject.cni) ? argsObject.cni : undefined;
  // host-local's order: CNI_ARGS IP=, then args.cni.ips, then runtimeConfig.ips.
  const requestedIps = [
    ...args.ips,
    ...stringList(cniArgs?.ips, 'args.cni.ips'),
    ...stringList(runtimeConfig.ips, 'runtimeConfig.ips'),
  ];
  return {
    ...base,
    master, mode, mtu, mac,
    linkInContainer: optionalBool(raw, 'linkInContainer') ?? false,
    nopromisc, bcqueuelen, macaddr,
    ipam: parseIpamConf(raw),
    dns: parseDns(raw),
    requestedIps,
    ipRanges: parseIpRanges(raw),
    prevResult: raw.prevResult ?? undefined,
    validAttachments: parseValidAttachments(raw),
  };
}
