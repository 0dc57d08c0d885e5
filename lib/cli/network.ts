// `vnic network create | connect | disconnect | ls | inspect | rm`: Docker's
// `docker network` commands and flags, over lib/network. -n NS names the
// namespace the parent lives in (create remembers it); --state-dir (or env
// VNIC_STATE_DIR) where the definitions are kept.
import { Networks } from '../network';
import type { NetworkCreateOptions, NetworkDefinition } from '../network';
import type { Command, ObjectSyntax, Session } from './command';
import { verbObject } from './command';
import { UsageError, Words, parseInteger } from './grammar';
import { table } from './human';
import { stringify } from './ipjson';

export const USAGE = `Usage: vnic [ -n NS ] network create [ -d macvlan ] --subnet CIDR [ --gateway IP ] [ --ip-range CIDR ]
                 [ --aux-address NAME=IP ]... -o parent=IFNAME [ -o macvlan_mode=MODE ] [ --mtu MTU ] NETWORK
       vnic [ -n NS ] network connect [ --ip IP ] [ --ifname NAME ] [ --container-id ID ] NETWORK NETNS
       vnic [ -n NS ] network disconnect [ --ifname NAME ] NETWORK NETNS
       vnic network ls
       vnic network inspect NETWORK...
       vnic network rm NETWORK...
       vnic network help
Every command also takes --state-dir DIR (default: env VNIC_STATE_DIR, else /var/lib/vnic/networks).
-n NS: the parent lives in namespace NS (create remembers it for connect). NETNS: a name under /run/netns,
a path, or a pid. MODE: bridge (default), private, vepa, passthru. -o mtu=MTU is --mtu.
Example (Docker's): vnic network create -d macvlan --subnet=192.168.8.0/24 --gateway=192.168.8.1 -o parent=enp0s8 mac1
                    vnic network connect --ip 192.168.8.10 mac1 ctr1
`;

/** A flag: its spellings, whether it repeats, and the option it fills. */
interface Flag {
  names: readonly string[];
  key: string;
  repeats?: boolean;
}

const STATE_DIR: Flag = { names: ['--state-dir'], key: 'stateDir' };

/** Docker-style flags (`--flag value`, `--flag=value`, `-o key=value`, repeatable ones) and the positional words. */
function parseFlags(words: Words, flags: readonly Flag[]): { values: Record<string, string[]>; positional: string[] } {
  const known = [...flags, STATE_DIR];
  const values: Record<string, string[]> = {};
  const positional: string[] = [];
  const rest = words.rest();
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    if (!word.startsWith('-') || word === '-') {
      positional.push(word);
      continue;
    }
    const equals = word.indexOf('=');
    const name = equals > 0 && word.startsWith('--') ? word.slice(0, equals) : word;
    const flag = known.find((f) => f.names.includes(name));
    if (!flag) {
      throw new UsageError(`unknown flag "${name}" in "${words.context}"; expected one of: ${known.map((f) => f.names.join('/')).join(', ')}`);
    }
    let value: string | undefined = name === word ? undefined : word.slice(equals + 1);
    if (value === undefined) {
      value = rest[++i];
      if (value === undefined) throw new UsageError(`"${name}" needs a value (in "${words.context}")`);
    }
    if (values[flag.key] && !flag.repeats) throw new UsageError(`"${name}" given twice (in "${words.context}")`);
    (values[flag.key] ??= []).push(value);
  }
  return { values, positional };
}

/** Exactly `count` positional words, named for the message. */
function positionals(words: Words, positional: string[], names: readonly string[]): string[] {
  if (positional.length !== names.length) {
    throw new UsageError(`"${words.context}" takes ${names.join(' ')} (got ${positional.length === 0 ? 'none' : positional.join(' ')})`);
  }
  return positional;
}

/** `NAME=VALUE`, split at the first '='. */
function keyValue(flag: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`"${flag}" takes NAME=VALUE, not "${text}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** A command that runs against a Networks object: the -n namespace's handle given when -n was. */
function networkCommand(netns: string | undefined, stateDir: string | undefined,
                        run: (networks: Networks, session: Session) => Promise<string>): Command {
  return {
    scope: 'all',
    run: async (session) => {
      const handle = netns === undefined ? undefined : await session.handle(netns);
      const networks = new Networks({ ...(stateDir === undefined ? {} : { stateDir }), ...(handle ? { handle } : {}) });
      try {
        return await run(networks, session);
      } finally {
        networks.close();
      }
    },
  };
}

const CREATE: readonly Flag[] = [
  { names: ['-d', '--driver'], key: 'driver' }, { names: ['--subnet'], key: 'subnet' }, { names: ['--gateway'], key: 'gateway' },
  { names: ['--ip-range'], key: 'ipRange' }, { names: ['--aux-address'], key: 'aux', repeats: true },
  { names: ['-o', '--opt'], key: 'opt', repeats: true }, { names: ['--mtu'], key: 'mtu' },
];

function create(words: Words, netns: string | undefined): Command {
  const { values, positional } = parseFlags(words, CREATE);
  const [name] = positionals(words, positional, ['NETWORK']);
  const options: Record<string, unknown> = { name };
  if (values.driver) options.driver = values.driver[0];
  for (const key of ['subnet', 'gateway', 'ipRange'] as const) if (values[key]) options[key] = values[key][0];
  if (values.aux) options.auxAddresses = Object.fromEntries(values.aux.map((text) => keyValue('--aux-address', text)));
  if (values.mtu) options.mtu = parseInteger('--mtu', values.mtu[0], 68, 65536);
  for (const text of values.opt ?? []) {
    const [key, value] = keyValue('-o', text);
    if (key === 'parent') options.parent = value;
    else if (key === 'macvlan_mode') options.mode = value;
    else if (key === 'mtu' || key === 'com.docker.network.driver.mtu') options.mtu = parseInteger('-o mtu', value, 68, 65536);
    else throw new UsageError(`unknown driver option "${key}"; expected parent, macvlan_mode or mtu`);
  }
  if (options.parent === undefined) throw new UsageError('"network create" needs the parent link: -o parent=IFNAME');
  if (options.subnet === undefined) throw new UsageError('"network create" needs --subnet CIDR');
  return networkCommand(netns, values.stateDir?.[0], async (networks, session) => {
    const definition = await networks.create(options as unknown as NetworkCreateOptions);
    return session.output.json ? stringify(definition, session.output.pretty) : `${definition.name}\n`;
  });
}

/** NETNS as the library takes it: digits are a process, as with ip. */
function netnsArg(text: string): string | { pid: number } {
  return /^\d+$/.test(text) ? { pid: Number(text) } : text;
}

function connect(words: Words, netns: string | undefined): Command {
  const { values, positional } = parseFlags(words, [
    { names: ['--ip'], key: 'ip' }, { names: ['--ifname'], key: 'ifname' }, { names: ['--container-id'], key: 'containerId' },
  ]);
  const [name, target] = positionals(words, positional, ['NETWORK', 'NETNS']);
  const options = {
    ...(values.ip ? { ip: values.ip[0] } : {}), ...(values.ifname ? { ifname: values.ifname[0] } : {}),
    ...(values.containerId ? { containerId: values.containerId[0] } : {}),
  };
  return networkCommand(netns, values.stateDir?.[0], async (networks, session) => {
    const endpoint = await networks.connect(name, netnsArg(target), options);
    if (session.output.json) return stringify(endpoint, session.output.pretty);
    return `${endpoint.ifname} in ${endpoint.netns}: ${endpoint.address} via ${endpoint.gateway}, mac ${endpoint.mac}\n`;
  });
}

function disconnect(words: Words, netns: string | undefined): Command {
  const { values, positional } = parseFlags(words, [{ names: ['--ifname'], key: 'ifname' }]);
  const [name, target] = positionals(words, positional, ['NETWORK', 'NETNS']);
  return networkCommand(netns, values.stateDir?.[0], async (networks) => {
    await networks.disconnect(name, netnsArg(target), values.ifname ? { ifname: values.ifname[0] } : {});
    return '';
  });
}

function list(words: Words): Command {
  const { values } = parseFlags(words, []);
  return networkCommand(undefined, values.stateDir?.[0], async (networks, session) => {
    const all = await networks.list();
    if (session.output.json) return stringify(all, session.output.pretty);
    const rows = all.map((d: NetworkDefinition) => [
      d.name, d.driver, d.parentNetns ? `${d.parent}@${d.parentNetns}` : d.parent, d.mode, d.subnet, d.gateway, d.ipRange ?? '-',
    ]);
    return table(['NAME', 'DRIVER', 'PARENT', 'MODE', 'SUBNET', 'GATEWAY', 'IP RANGE'], rows);
  });
}

function inspect(words: Words): Command {
  const { values, positional } = parseFlags(words, []);
  if (positional.length === 0) throw new UsageError('"network inspect" needs at least one NETWORK');
  return networkCommand(undefined, values.stateDir?.[0], async (networks, session) => {
    const inspected = [];
    for (const name of positional) inspected.push(await networks.inspect(name));
    // Like docker inspect: JSON either way; indented unless -j alone asked for compact.
    return stringify(inspected, session.output.pretty || !session.output.json);
  });
}

function remove(words: Words): Command {
  const { values, positional } = parseFlags(words, []);
  if (positional.length === 0) throw new UsageError('"network rm" needs at least one NETWORK');
  return networkCommand(undefined, values.stateDir?.[0], async (networks, session) => {
    for (const name of positional) await networks.remove(name);
    return session.output.json ? '' : positional.map((name) => `${name}\n`).join('');
  });
}

export const network: ObjectSyntax = verbObject({
  name: 'network',
  summary: 'Docker-style macvlan networks: create, connect, disconnect, ls, inspect, rm',
  usage: USAGE,
  parsers: { create, connect, disconnect, ls: list, list, inspect, rm: remove, remove, show: list },
  fallback: 'ls',
});
