// create()'s options checked and turned into a definition, and a definition
// turned into its host-local IPAM configuration (the range, the gateway, the
// aux addresses to reserve).
import { parseCidr } from '../addr';
import { invalid } from '../errors';
import { MACVLAN_MODES } from '../kinds/macvlan';
import type { HostLocalConfig } from '../ipam';
import type { Ip, IpPrefix } from '../ipam/ip';
import { formatIp, formatPrefix, inPrefix, lastOf, networkOf, offset, parseIp, parsePrefix } from '../ipam/ip';
import { checkKnownKeys, checkLinkName, checkMtu, checkOneOf } from '../validate';
import type { NetworkCreateOptions, NetworkDefinition } from './types';

const OP = 'network.create';
const KEYS = ['name', 'parent', 'driver', 'mode', 'subnet', 'gateway', 'ipRange', 'auxAddresses', 'mtu'] as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Docker's network names; they also name files and the IPAM directory. */
export function checkNetworkName(op: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(op, 'name', `${JSON.stringify(name)} is not a network name (letters, digits, '_', '.', '-', not first; at most 64)`);
  }
  return name;
}

/** A CIDR through the library's parser, then without host bits. */
function network(field: string, text: unknown): IpPrefix {
  const cidr = parseCidr(OP, field, text);
  if (!String(text).includes('/')) throw invalid(OP, field, `'${String(text)}' needs a prefix length, like 192.168.8.0/24`);
  const prefix = parsePrefix(cidr.text) as IpPrefix;
  const base = networkOf(prefix);
  if (base.value !== prefix.ip.value) {
    throw invalid(OP, field, `${cidr.text} has host bits set; did you mean ${formatIp(base)}/${prefix.prefixlen}?`);
  }
  return prefix;
}

/** A bare address through the library's parser. */
function address(field: string, text: unknown): Ip {
  const cidr = parseCidr(OP, field, text);
  if (String(text).includes('/')) throw invalid(OP, field, `'${String(text)}' must be a bare address, without a prefix length`);
  return parseIp(cidr.text) as Ip;
}

/** Neither the network address nor IPv4's broadcast. */
function usable(subnet: IpPrefix, ip: Ip): boolean {
  return ip.value !== networkOf(subnet).value && !(ip.family === 4 && ip.value === lastOf(subnet).value);
}

/** Checks create()'s options (the parent's existence is checked by the caller, through a handle). */
export function defineNetwork(options: NetworkCreateOptions): Omit<NetworkDefinition, 'created' | 'parentNetns'> {
  if (typeof options !== 'object' || options === null) throw invalid(OP, 'options', 'expected an object');
  checkKnownKeys(OP, options, KEYS);
  const name = checkNetworkName(OP, options.name);
  const parent = checkLinkName(OP, 'parent', options.parent);
  if (options.driver !== undefined && options.driver !== 'macvlan') throw invalid(OP, 'driver', `only macvlan is supported (got ${String(options.driver)})`);
  const mode = checkOneOf(OP, 'mode', options.mode ?? 'bridge', MACVLAN_MODES);
  const subnet = network('subnet', options.subnet);
  const bitsTotal = subnet.ip.family === 4 ? 32 : 128;
  if (subnet.prefixlen > bitsTotal - 2) throw invalid(OP, 'subnet', `${formatPrefix(subnet)} is too small: it holds no address besides network and broadcast`);
  const inside = (field: string, ip: Ip, text: string) => {
    if (!inPrefix(ip, subnet)) throw invalid(OP, field, `${text} is not in subnet ${formatPrefix(subnet)}`);
  };
  const gateway = options.gateway === undefined ? offset(networkOf(subnet), 1n) : address('gateway', options.gateway);
  inside('gateway', gateway, formatIp(gateway));
  if (!usable(subnet, gateway)) throw invalid(OP, 'gateway', `${formatIp(gateway)} is the network or broadcast address of ${formatPrefix(subnet)}`);
  let ipRange: IpPrefix | undefined;
  if (options.ipRange !== undefined) {
    ipRange = network('ipRange', options.ipRange);
    if (ipRange.prefixlen < subnet.prefixlen || !inPrefix(ipRange.ip, subnet)) {
      throw invalid(OP, 'ipRange', `${formatPrefix(ipRange)} is not inside subnet ${formatPrefix(subnet)}`);
    }
  }
  const auxAddresses: Record<string, string> = {};
  if (options.auxAddresses !== undefined) {
    if (typeof options.auxAddresses !== 'object' || options.auxAddresses === null || Array.isArray(options.auxAddresses)) {
      throw invalid(OP, 'auxAddresses', 'must be an object of name → address');
    }
    for (const [key, text] of Object.entries(options.auxAddresses)) {
      if (key.trim() === '' || /[\r\n]/.test(key)) throw invalid(OP, 'auxAddresses', `${JSON.stringify(key)} is not a name`);
      const ip = address(`auxAddresses.${key}`, text);
      inside(`auxAddresses.${key}`, ip, formatIp(ip));
      auxAddresses[key] = formatIp(ip);
    }
  }
  const mtu = options.mtu === undefined ? undefined : checkMtu(OP, 'mtu', options.mtu);
  return {
    name, driver: 'macvlan', parent, mode, subnet: formatPrefix(subnet), gateway: formatIp(gateway),
    ...(ipRange ? { ipRange: formatPrefix(ipRange) } : {}), auxAddresses, ...(mtu === undefined ? {} : { mtu }),
  };
}

/** The host-local configuration of a network: one range (the subnet, or the ip range within it), its gateway. */
export function ipamConfig(definition: NetworkDefinition, dataDir: string): HostLocalConfig {
  const subnet = parsePrefix(definition.subnet) as IpPrefix;
  const first = offset(networkOf(subnet), 1n);
  const last = subnet.ip.family === 4 ? offset(lastOf(subnet), -1n) : lastOf(subnet);
  const range = definition.ipRange === undefined ? undefined : parsePrefix(definition.ipRange) as IpPrefix;
  const start = range && networkOf(range).value > first.value ? networkOf(range) : first;
  const end = range && lastOf(range).value < last.value ? lastOf(range) : last;
  return {
    type: 'host-local', dataDir,
    ranges: [[{ subnet: definition.subnet, rangeStart: formatIp(start), rangeEnd: formatIp(end), gateway: definition.gateway }]],
  };
}

/** The aux addresses the allocator could otherwise hand out (inside the range, not the gateway). */
export function auxToReserve(definition: NetworkDefinition, config: HostLocalConfig): Array<[string, string]> {
  const [range] = (config.ranges as NonNullable<HostLocalConfig['ranges']>)[0];
  const start = parseIp(range.rangeStart as string) as Ip;
  const end = parseIp(range.rangeEnd as string) as Ip;
  return Object.entries(definition.auxAddresses).filter(([, text]) => {
    const ip = parseIp(text) as Ip;
    return ip.value >= start.value && ip.value <= end.value && text !== definition.gateway;
  });
}
