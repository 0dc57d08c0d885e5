// The CNI_* environment of one call: which variables each command needs, how
// each is validated (as the spec's reference library does), and CNI_ARGS.
// Every refusal is code 4 and names the variable.
import { MAX_LINK_NAME_BYTES } from '../limits';
import { CNI_ERROR, CniError } from './errors';

export const CNI_COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'] as const;
export type CniCommand = (typeof CNI_COMMANDS)[number];

/** CNI_ARGS, parsed: the keys vnic-cni reads, and the rest. */
export interface CniArgs {
  /** MAC=: the container interface's MAC (overrides the config's `mac`). */
  mac?: string;
  /** IP=: addresses asked of the IPAM (one, or several separated by commas). */
  ips: string[];
  /** IgnoreUnknown=1: keys nobody here knows are allowed. */
  ignoreUnknown: boolean;
  /** Every pair as given (K8S_POD_NAME, … included), for whoever wants them. */
  pairs: Record<string, string>;
}

/** The environment of one call, validated for its command. */
export interface CniEnv {
  command: CniCommand;
  /** CNI_CONTAINERID ('' where the command does not need it). */
  containerId: string;
  /** CNI_NETNS: a path ('' where the command does not need it, or for a DEL whose namespace is gone). */
  netns: string;
  /** CNI_IFNAME. */
  ifname: string;
  /** CNI_ARGS as given. */
  rawArgs: string;
  args: CniArgs;
  /** CNI_PATH, split on ':' (empty entries dropped). */
  path: string[];
  /** CNI_NETNS_OVERRIDE=1/true: CNI_NETNS may be the plugin's own namespace. */
  netnsOverride: boolean;
}

type Need = 'required' | 'optional';

/** Which variables each command needs (CNI SPEC "Parameters"; DEL may come without a namespace). */
const NEEDS: Record<Exclude<CniCommand, 'VERSION'>, Record<'CNI_CONTAINERID' | 'CNI_NETNS' | 'CNI_IFNAME' | 'CNI_PATH', Need>> = {
  ADD: { CNI_CONTAINERID: 'required', CNI_NETNS: 'required', CNI_IFNAME: 'required', CNI_PATH: 'required' },
  CHECK: { CNI_CONTAINERID: 'required', CNI_NETNS: 'required', CNI_IFNAME: 'required', CNI_PATH: 'required' },
  DEL: { CNI_CONTAINERID: 'required', CNI_NETNS: 'optional', CNI_IFNAME: 'required', CNI_PATH: 'required' },
  STATUS: { CNI_CONTAINERID: 'optional', CNI_NETNS: 'optional', CNI_IFNAME: 'optional', CNI_PATH: 'required' },
  GC: { CNI_CONTAINERID: 'optional', CNI_NETNS: 'optional', CNI_IFNAME: 'optional', CNI_PATH: 'required' },
};

/** Container ids and network names: what the reference library accepts. */
export const CNI_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Keys of CNI_ARGS that are always accepted and ignored (Kubernetes sends them to every plugin). */
const IGNORED_ARGS = /^K8S_POD_/;

function envError(msg: string, details?: string): CniError {
  return new CniError(CNI_ERROR.invalidEnvironment, msg, details);
}

export function isCommand(value: string): value is CniCommand {
  return (CNI_COMMANDS as readonly string[]).includes(value);
}

/** The command alone (VERSION is answered before anything else is looked at). */
export function commandOf(env: Record<string, string | undefined>): CniCommand {
  const command = env.CNI_COMMAND ?? '';
  if (command === '') throw envError('CNI_COMMAND is not set', `expected one of ${CNI_COMMANDS.join(', ')}`);
  if (!isCommand(command)) throw envError(`unknown CNI_COMMAND: ${command}`, `expected one of ${CNI_COMMANDS.join(', ')}`);
  return command;
}

/** Interface names as the kernel (and the reference library) accept them. */
export function checkIfname(name: string): void {
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_LINK_NAME_BYTES) {
    throw envError(`CNI_IFNAME '${name}' is too long: ${bytes} bytes, interface names hold at most ${MAX_LINK_NAME_BYTES}`);
  }
  if (name === '.' || name === '..') throw envError(`CNI_IFNAME '${name}' is not a valid interface name`);
  if (/[/:\s]/u.test(name) || name.includes('\0')) {
    throw envError(`CNI_IFNAME '${name}' is not a valid interface name`, "interface names contain no '/', ':' or whitespace");
  }
}

/** Parses CNI_ARGS ("K=V;K2=V2"); unknown keys are refused unless IgnoreUnknown is set. */
export function parseCniArgs(raw: string): CniArgs {
  const args: CniArgs = { ips: [], ignoreUnknown: false, pairs: {} };
  const unknown: string[] = [];
  for (const pair of raw.split(';')) {
    if (pair === '') continue;  // a trailing ';'
    const eq = pair.indexOf('=');
    if (eq <= 0) throw envError(`CNI_ARGS: '${pair}' is not a KEY=VALUE pair`, `CNI_ARGS=${raw}`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    args.pairs[key] = value;
    if (key === 'IgnoreUnknown') {
      const flag = value.toLowerCase();
      if (!['1', 'true', '0', 'false'].includes(flag)) throw envError(`CNI_ARGS: IgnoreUnknown=${value} is not a boolean`, 'use 1, true, 0 or false');
      args.ignoreUnknown = flag === '1' || flag === 'true';
    } else if (key === 'MAC') {
      args.mac = value;
    } else if (key === 'IP') {
      args.ips.push(...value.split(',').map((ip) => ip.trim()).filter((ip) => ip !== ''));
    } else if (!IGNORED_ARGS.test(key)) {
      unknown.push(key);
    }
  }
  if (unknown.length > 0 && !args.ignoreUnknown) {
    throw envError(`CNI_ARGS: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      'vnic-cni reads MAC and IP (K8S_POD_* are ignored); add IgnoreUnknown=1 to pass others');
  }
  return args;
}

/** Reads and validates the environment for its command; throws CniError code 4 naming the variable. */
export function parseEnv(env: Record<string, string | undefined>): CniEnv {
  const command = commandOf(env);
  const get = (name: string): string => env[name] ?? '';
  const parsed: CniEnv = {
    command, containerId: '', netns: '', ifname: '', rawArgs: get('CNI_ARGS'), args: { ips: [], ignoreUnknown: false, pairs: {} },
    path: get('CNI_PATH').split(':').filter((dir) => dir !== ''), netnsOverride: ['1', 'true'].includes(get('CNI_NETNS_OVERRIDE').toLowerCase()),
  };
  if (command === 'VERSION') return parsed;
  const needs = NEEDS[command];
  const missing = (Object.keys(needs) as Array<keyof typeof needs>).filter((name) => needs[name] === 'required' && get(name) === '');
  if (missing.length > 0) {
    const required = (Object.keys(needs) as Array<keyof typeof needs>).filter((name) => needs[name] === 'required');
    throw envError(`required environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing or empty`,
      `CNI_COMMAND=${command} needs ${required.join(', ')}`);
  }
  // What a command does not need is not validated (a runtime may send placeholders).
  if (needs.CNI_CONTAINERID === 'required') {
    parsed.containerId = get('CNI_CONTAINERID');
    if (!CNI_NAME.test(parsed.containerId)) {
      throw envError(`CNI_CONTAINERID '${parsed.containerId}' has invalid characters`,
        'a container id starts with a letter or digit and holds only letters, digits, _ . and -');
    }
  }
  if (needs.CNI_IFNAME === 'required') {
    parsed.ifname = get('CNI_IFNAME');
    checkIfname(parsed.ifname);
  }
  if (command === 'ADD' || command === 'CHECK' || command === 'DEL') {
    parsed.netns = get('CNI_NETNS');
    parsed.args = parseCniArgs(parsed.rawArgs);
  }
  return parsed;
}
