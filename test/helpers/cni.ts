// CNI test bench: twin "hosts" (test namespaces, each with a veth end p0 as
// the master, its peer in a shared switch namespace), the reference plugins
// run from inside one of them (`ip netns exec`), vnic's runCni bound to the
// other by a CniContext, the in-process executable (dist/lib/cni/main.js),
// and a normalised view of the kernel state in container namespaces
// (`ip -j -d`, MAC and ifindex aside) to compare them. Every namespace,
// temp dir and link is removed by cleanup(), even when a test fails.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { netns } from 'vnic';

import { CniContext, runCni } from '../../lib/cni/plugin';
import type { CniOutcome } from '../../lib/cni/plugin';
import { Sandbox, ip, ipJson, linkNames, sanitizerEnv, uniqueNs } from './sandbox';

export const REFERENCE_DIR = '/usr/lib/cni';
export const MAIN_JS = path.join(__dirname, '..', '..', 'dist', 'lib', 'cni', 'main.js');

/** The CNI_* of one call (CNI_PATH defaults to the reference plugins' directory). */
export interface CallEnv {
  CNI_COMMAND: string;
  CNI_CONTAINERID?: string;
  CNI_NETNS?: string;
  CNI_IFNAME?: string;
  CNI_ARGS?: string;
  CNI_PATH?: string;
  [name: string]: string | undefined;
}

/** Which plugin ran a call, for messages. */
export type Side = 'reference' | 'vnic' | 'vnic-exec';

/** A parsed outcome: exit code, raw stdout, and stdout as JSON (undefined when empty). */
export interface Outcome extends CniOutcome {
  json?: any;
}

function parse(outcome: CniOutcome): Outcome {
  const text = outcome.stdout.trim();
  return { ...outcome, json: text === '' ? undefined : JSON.parse(text) };
}

function envFor(env: CallEnv): Record<string, string> {
  const out: Record<string, string> = { CNI_PATH: REFERENCE_DIR };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/** One "host": a test namespace with p0 (a veth whose peer is in the switch namespace). */
export interface Host {
  ns: string;
  /** The host-local dataDir of this side. */
  dataDir: string;
}

export class CniBench {
  readonly ref: Host;
  readonly vnic: Host;
  /** The context vnicCall uses by default: bound to the vnic host namespace; made anew by reset(). */
  context: CniContext;
  private readonly containers = new Set<string>();

  private constructor(private readonly sb: Sandbox, private readonly tmp: string) {
    this.ref = { ns: sb.ns('rhost'), dataDir: path.join(tmp, 'ref') };
    this.vnic = { ns: sb.ns('vhost'), dataDir: path.join(tmp, 'vnic') };
    fs.mkdirSync(this.ref.dataDir);
    fs.mkdirSync(this.vnic.dataDir);
    this.context = new CniContext({ hostNetns: this.vnic.ns });
  }

  static async create(): Promise<CniBench> {
    const sb = await Sandbox.create('rhost', 'vhost', 'sw');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vnic-cni-'));
    try {
      const bench = new CniBench(sb, tmp);
      for (const [side, host] of [['r', bench.ref], ['v', bench.vnic]] as const) {
        ip(host.ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', `p1${side}`, 'netns', sb.ns('sw'));
        ip(host.ns, 'link', 'set', 'p0', 'up');
        ip(sb.ns('sw'), 'link', 'set', `p1${side}`, 'up');
      }
      return bench;
    } catch (error) {
      fs.rmSync(tmp, { recursive: true, force: true });
      await sb.cleanup();
      throw error;
    }
  }

  host(side: Side): Host {
    return side === 'reference' ? this.ref : this.vnic;
  }

  /** A fresh container namespace (removed by cleanup, or by dropContainer). */
  async container(tag = 'c'): Promise<string> {
    const name = uniqueNs(tag);
    await netns.add(name);
    this.containers.add(name);
    return name;
  }

  async dropContainer(name: string): Promise<void> {
    this.containers.delete(name);
    if (netns.exists(name)) await netns.del(name);
  }

  /** Runs the reference plugin (default macvlan) from inside the reference host namespace. */
  reference(env: CallEnv, stdin: string, plugin = 'macvlan'): Outcome {
    const run = spawnSync('ip', ['netns', 'exec', this.ref.ns, path.join(REFERENCE_DIR, plugin)], {
      input: stdin, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...sanitizerEnv(), ...envFor(env) },
    });
    if (run.error) throw run.error;
    return parse({ exitCode: run.status ?? 128, stdout: run.stdout });
  }

  /** Runs vnic's runCni in this process, bound to the vnic host namespace. */
  async vnicCall(env: CallEnv, stdin: string, context: CniContext = this.context): Promise<Outcome> {
    return parse(await runCni({ env: envFor(env), stdin }, context));
  }

  /** Runs `node dist/lib/cni/main.js` from inside the vnic host namespace: the real executable. */
  vnicExec(env: CallEnv, stdin: string): Outcome {
    if (!fs.existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: build it with npx tsc -p tsconfig.json`);
    const run = spawnSync('ip', ['netns', 'exec', this.vnic.ns, process.execPath, MAIN_JS], {
      input: stdin, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...sanitizerEnv(), ...envFor(env) },
    });
    if (run.error) throw run.error;
    return parse({ exitCode: run.status ?? 128, stdout: run.stdout });
  }

  /** Runs one side. */
  async call(side: Side, env: CallEnv, stdin: string): Promise<Outcome> {
    if (side === 'reference') return this.reference(env, stdin);
    if (side === 'vnic-exec') return this.vnicExec(env, stdin);
    return this.vnicCall(env, stdin);
  }

  /**
   * After each test: lets go of every namespace the context holds and removes
   * every container namespace, so that whatever a failed test left (a
   * macvlan on p0, a passthru owning it) goes with them.
   */
  async reset(): Promise<void> {
    this.context.close();
    this.context = new CniContext({ hostNetns: this.vnic.ns });
    for (const name of this.containers) if (netns.exists(name)) await netns.del(name);
    this.containers.clear();
  }

  async cleanup(): Promise<void> {
    this.context.close();
    for (const name of this.containers) if (netns.exists(name)) await netns.del(name);
    this.containers.clear();
    fs.rmSync(this.tmp, { recursive: true, force: true });
    await this.sb.cleanup();
  }
}

/** A configuration object for a side: `dataDir` of a host-local ipam pointed at that side's directory. */
export function confFor(host: Host, conf: Record<string, unknown>): string {
  const copy = JSON.parse(JSON.stringify(conf)) as Record<string, any>;
  if (copy.ipam?.type === 'host-local') copy.ipam.dataDir = host.dataDir;
  return JSON.stringify(copy);
}

/** A result with what legitimately differs between twins (sandbox path, random MAC) replaced. */
export function normaliseResult(json: any, keepMac = false): any {
  const copy = JSON.parse(JSON.stringify(json ?? null));
  for (const intf of copy?.interfaces ?? []) {
    if (intf.sandbox) intf.sandbox = '<sandbox>';
    if (intf.mac && !keepMac) intf.mac = '<mac>';
  }
  return copy;
}

export interface KernelState {
  links: any[];
  addresses: any[];
  routes: any[];
  /** net.ipv4.conf.<ifname>.arp_notify, where the interface exists. */
  arpNotify?: string;
}

const LINK_NOISE = ['ifindex', 'link_index', 'link_netnsid', 'txqlen'];

/**
 * The container namespace's links, addresses and routes as `ip -j -d` shows
 * them, without what differs between twins by design: ifindex, MACs (unless
 * keepMac) and what derives from them (IPv6 link-local addresses), the
 * transient DAD flag, and txqlen (compared on its own).
 */
export function kernelState(ns: string, options: { keepMac?: boolean; ifname?: string } = {}): KernelState {
  const ifname = options.ifname ?? 'eth0';
  const clean = (link: any) => {
    const out = { ...link };
    for (const key of LINK_NOISE) delete out[key];
    if (!options.keepMac) delete out.address;
    delete out.addr_info;
    return out;
  };
  const links = ipJson(ns, '-d', 'link', 'show').map(clean);
  const addresses = ipJson(ns, 'addr', 'show').flatMap((link: any) => (link.addr_info ?? [])
    .filter((a: any) => !(a.family === 'inet6' && a.scope === 'link'))
    .map((a: any) => {
      const out = { dev: link.ifname, ...a };
      delete out.tentative;
      return out;
    }));
  const routes = [
    ...ipJson(ns, '-d', 'route', 'show', 'table', 'main'),
    ...ipJson(ns, '-6', '-d', 'route', 'show', 'table', 'main').filter((r: any) => !String(r.dst).startsWith('fe80::')),
  ];
  let arpNotify: string | undefined;
  if (links.some((l: any) => l.ifname === ifname)) {
    const read = spawnSync('ip', ['netns', 'exec', ns, 'cat', `/proc/sys/net/ipv4/conf/${ifname}/arp_notify`], { encoding: 'utf8' });
    arpNotify = read.stdout.trim();
  }
  return { links, addresses, routes, arpNotify };
}

/** The txqlen `ip` reports for a container's interface (0 when it prints none). */
export function txqlen(ns: string, ifname = 'eth0'): number {
  return ipJson(ns, 'link', 'show', 'dev', ifname)[0]?.txqlen ?? 0;
}

/** Link names in a namespace (test/helpers/sandbox.ts). */
export { linkNames };

/** The host-local state directory of a network, as { file: content }. */
export function ipamFiles(dataDir: string, network: string): Record<string, string> {
  const dir = path.join(dataDir, network);
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(fs.readdirSync(dir).sort().map((file) => [file, fs.readFileSync(path.join(dir, file), 'utf8')]));
}

/** The usual environment of a call into a container. */
export function envOf(command: string, netnsName: string, more: Partial<CallEnv> = {}): CallEnv {
  return { CNI_COMMAND: command, CNI_CONTAINERID: 'ctr-1', CNI_NETNS: `/run/netns/${netnsName}`, CNI_IFNAME: 'eth0', ...more };
}
