// The IPAM of a call: host-local built in (lib/ipam, the same on-disk state
// as the reference host-local, so a node can switch plugins and keep its
// allocations), any other `ipam.type` delegated to that plugin on CNI_PATH.

import { IpamError, parseHostLocal } from '../ipam';
import { sameAddress } from '../ipam/ip';
import type { HostLocalConfig, HostLocalStore } from '../ipam';
import type { IpamConf, ValidAttachment } from './config';
import type { CniContext } from './context';
import { delegate } from './delegate';
import type { CniEnv } from './env';
import { CNI_ERROR, CniError } from './errors';
import { parseResult } from './result';
import type { CniIpConfig, CniResult, CniRoute } from './result';

/** What an IPAM hands out for one interface. */
export interface IpamAllocation {
  ips: CniIpConfig[];
  routes: CniRoute[];
}

/** One IPAM, bound to one call's container, interface and configuration. */
export interface Ipam {
  /** For messages: 'the built-in host-local IPAM' or 'IPAM plugin static'. */
  readonly label: string;
  add(): Promise<IpamAllocation>;
  /** Releases what the container's interface holds; idempotent. The addresses released, where known. */
  del(): Promise<string[] | undefined>;
  /** Fails when the IPAM no longer holds what prevResult says. */
  check(prev: CniResult): Promise<void>;
  gc(keep: ValidAttachment[]): Promise<void>;
  status(): Promise<void>;
}

/** Everything an IPAM needs from the call. */
export interface IpamCall {
  network: string;
  ipam: IpamConf;
  env: CniEnv;
  /** The call's raw environment and stdin, passed on to a delegate unchanged. */
  rawEnv: Record<string, string | undefined>;
  stdin: string;
  /** Addresses asked for: CNI_ARGS IP=, args.cni.ips, runtimeConfig.ips. */
  requestedIps: string[];
  /** runtimeConfig.ipRanges. */
  ipRanges?: unknown[];
}

/** An IpamError as a CNI error: configuration → 7, files → 5, the rest (exhausted, taken) → 999. */
function fromIpamError(error: unknown): never {
  if (error instanceof IpamError) {
    if (error.code === 'bad-config') {
      const field = error.field && !error.message.startsWith(error.field) ? `${error.field}: ` : '';
      throw new CniError(CNI_ERROR.invalidConfig, `invalid network config: ipam.${field}${error.message}`);
    }
    const code = error.code === 'io' ? CNI_ERROR.ioFailure : CNI_ERROR.internal;
    throw new CniError(code, `host-local IPAM: ${error.message}`);
  }
  throw error;
}

/** The ipam object host-local would see: runtimeConfig.ipRanges go first, then the legacy range, then `ranges`. */
function withRuntimeRanges(raw: Record<string, unknown>, ipRanges: unknown[] | undefined): Record<string, unknown> {
  if (!ipRanges) return raw;
  const { subnet, rangeStart, rangeEnd, gateway, ranges, ...rest } = raw;
  const legacy = subnet === undefined ? [] : [[{ subnet, rangeStart, rangeEnd, gateway }]];
  return { ...rest, ranges: [...ipRanges, ...legacy, ...(Array.isArray(ranges) ? ranges : [])] };
}

class BuiltInHostLocal implements Ipam {
  readonly label = 'the built-in host-local IPAM';

  constructor(private readonly call: IpamCall, private readonly store: HostLocalStore) {}

  async add(): Promise<IpamAllocation> {
    const { env, requestedIps } = this.call;
    const result = await this.store.allocate(env.containerId, env.ifname, requestedIps.length ? requestedIps : undefined).catch(fromIpamError);
    return {
      ips: result.ips.map((ip) => (ip.gateway ? { address: ip.address, gateway: ip.gateway } : { address: ip.address })),
      routes: result.routes.map((route) => (route.gw ? { dst: route.dst, gw: route.gw } : { dst: route.dst })),
    };
  }

  async del(): Promise<string[]> {
    return this.store.release(this.call.env.containerId, this.call.env.ifname).catch(fromIpamError);
  }

  async check(prev: CniResult): Promise<void> {
    const { containerId, ifname } = this.call.env;
    const held = await this.store.held(containerId, ifname).catch(fromIpamError);
    if (held.length === 0) {
      throw new CniError(CNI_ERROR.internal, `host-local IPAM holds no address for container ${containerId} interface ${ifname}`,
        `network ${this.call.network}, state in ${this.store.dir}`);
    }
    const missing = (prev.ips ?? []).filter((ip) => !held.some((address) => sameAddress(address, ip.address)));
    if (missing.length > 0) {
      throw new CniError(CNI_ERROR.internal, `host-local IPAM does not hold ${missing.map((ip) => ip.address).join(', ')} for container ${containerId} interface ${ifname}`,
        `it holds ${held.join(', ')}`);
    }
  }

  async gc(keep: ValidAttachment[]): Promise<void> {
    await this.store.gc(keep.map((k) => ({ containerId: k.containerId, ifname: k.ifname }))).catch(fromIpamError);
  }

  async status(): Promise<void> {
    // Nothing to ask: the store is files on this node.
  }
}

class DelegatedIpam implements Ipam {
  readonly label: string;

  constructor(private readonly call: IpamCall) {
    this.label = `IPAM plugin ${call.ipam.type}`;
  }

  private run(command: 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS'): Promise<unknown> {
    const { ipam, rawEnv, env, stdin } = this.call;
    return delegate(ipam.type, command, rawEnv, env.path, stdin, 'IPAM plugin');
  }

  async add(): Promise<IpamAllocation> {
    const raw = await this.run('ADD');
    const result = parseResult(raw, `the result of ${this.label}`, CNI_ERROR.internal);
    return { ips: result.ips ?? [], routes: result.routes ?? [] };
  }

  async del(): Promise<undefined> {
    await this.run('DEL');
    return undefined;
  }

  async check(): Promise<void> {
    await this.run('CHECK');
  }

  async gc(): Promise<void> {
    await this.run('GC');
  }

  async status(): Promise<void> {
    await this.run('STATUS');
  }
}

/** The call's IPAM: built-in host-local, or the delegate its type names. */
export function ipamFor(call: IpamCall, context: CniContext): Ipam {
  if (call.ipam.type !== 'host-local') return new DelegatedIpam(call);
  let config: HostLocalConfig;
  try {
    config = parseHostLocal(withRuntimeRanges(call.ipam.raw, call.ipRanges));
  } catch (error) {
    return fromIpamError(error);
  }
  let store: HostLocalStore;
  try {
    store = context.hostLocal(call.network, config);
  } catch (error) {
    return fromIpamError(error);
  }
  return new BuiltInHostLocal(call, store);
}
