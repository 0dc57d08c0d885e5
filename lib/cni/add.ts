// ADD: an address from the IPAM, then one all-or-nothing attach (macvlan
// created in the container's namespace, addressed, routed, up). On any
// failure the address goes back and nothing stays in the namespace — where
// the reference leaves a DOWN macvlan behind — and the error names the step.
import type { AttachAddress, AttachOptions } from '../attach';
import { VnicError } from '../errors';
import { open } from '../handle';
import type { Handle } from '../handle';
import type { RouteOptions } from '../route';
import type { MacvlanConf } from './config';
import type { CniContext } from './context';
import type { CniEnv } from './env';
import { CNI_ERROR, CniError } from './errors';
import { ipamFor } from './ipam';
import type { Ipam, IpamAllocation } from './ipam';
import { findMaster } from './master';
import { checkContainerNetns, describeHost } from './netns';
import { familyOf, printJson, shapeResult } from './result';
import type { CniResult, CniRoute } from './result';

/** The call as ADD sees it. */
export interface AddCall {
  conf: MacvlanConf;
  env: CniEnv;
  rawEnv: Record<string, string | undefined>;
  stdin: string;
}

/** Routes as the reference installs them: a route without gw goes via the first gateway of its family. */
export function routesFor(allocation: IpamAllocation): Array<Omit<RouteOptions, 'dev'>> {
  const gateways: Record<4 | 6, string | undefined> = { 4: undefined, 6: undefined };
  for (const ip of allocation.ips) {
    const family = familyOf(ip.address);
    if (ip.gateway && gateways[family] === undefined) gateways[family] = ip.gateway;
  }
  return allocation.routes.map((route: CniRoute) => {
    const via = route.gw ?? gateways[familyOf(route.dst)];
    return {
      dst: route.dst,
      ...(via ? { via } : {}),
      ...(route.priority ? { metric: route.priority } : {}),
      ...(route.table !== undefined ? { table: route.table } : {}),
      ...(route.scope !== undefined ? { scope: route.scope } : {}),
    };
  });
}

/** IPv4 addresses get their broadcast, as the reference's netlink library gives them (prefixes up to /30). */
function addressesFor(allocation: IpamAllocation): AttachAddress[] {
  return allocation.ips.map((ip) => {
    const prefix = Number(ip.address.split('/')[1] ?? '32');
    return familyOf(ip.address) === 4 && prefix < 31 ? { address: ip.address, broadcast: '+' } : { address: ip.address };
  });
}

/** A failure of attach, said the CNI way: which step, what the kernel said, what was undone. */
function attachFailure(error: unknown, call: AddCall, master: string, undone: string): CniError {
  if (!(error instanceof VnicError)) return new CniError(CNI_ERROR.internal, `ADD failed: ${String((error as Error)?.message ?? error)}`, undone);
  const { ifname, netns } = call.env;
  const step = error.step ? `step '${error.step}'` : error.field === 'link' ? `looking up master ${master}` : error.op;
  const said = [error.code, error.summary, error.kernelMessage && `kernel: ${error.kernelMessage}`, error.hint].filter(Boolean).join(' — ');
  return new CniError(CNI_ERROR.internal, `ADD of ${ifname} in ${netns} failed at ${step}: ${said}`, undone);
}

export async function cmdAdd(call: AddCall, context: CniContext): Promise<string> {
  const { conf, env } = call;
  // A 0.1.0/0.2.0 result carries addresses only: refuse before making anything (the reference makes the link, then fails).
  if (!conf.ipam) shapeResult({ cniVersion: conf.cniVersion, ips: [] }, conf.cniVersion);
  checkContainerNetns(env, context);

  // linkInContainer: the master is in the container's namespace, and the macvlan is made from there.
  let inner: Handle | undefined;
  try {
    if (conf.linkInContainer) {
      inner = await open({ netns: env.netns }).catch((error: VnicError) => {
        throw new CniError(CNI_ERROR.internal, `cannot enter CNI_NETNS ${env.netns}: ${error.summary ?? error.code}`);
      });
    }
    const base = inner ?? await context.host();
    const where = inner ? `the container namespace ${env.netns}` : describeHost(context);
    const master = await findMaster(base, conf.master, where);
    if (conf.mtu !== undefined && master.mtu !== undefined && conf.mtu > master.mtu) {
      throw new CniError(CNI_ERROR.internal, `invalid MTU ${conf.mtu}: above the master ${master.name}'s MTU ${master.mtu}`,
        'a macvlan can not exceed its master; use 0 (the master\'s) or less');
    }

    const ipam: Ipam | undefined = conf.ipam
      ? ipamFor({ network: conf.name, ipam: conf.ipam, env, rawEnv: call.rawEnv, stdin: call.stdin, requestedIps: conf.requestedIps, ipRanges: conf.ipRanges }, context)
      : undefined;
    const allocation: IpamAllocation = ipam ? await ipam.add() : { ips: [], routes: [] };
    const release = async (): Promise<string> => {
      if (!ipam) return 'nothing was left in the namespace';
      const released = await ipam.del().then((list) => list ?? allocation.ips.map((ip) => ip.address), (error: Error) => error);
      if (released instanceof Error) return `nothing was left in the namespace, but releasing the address failed: ${released.message}`;
      return `nothing was left in the namespace; ${released.length ? released.join(', ') : 'no address'} released by ${ipam.label}`;
    };
    if (ipam && allocation.ips.length === 0) {
      throw new CniError(CNI_ERROR.internal, `${ipam.label} returned no IP address`, await release());
    }

    const options: AttachOptions = {
      netns: env.netns, link: master.index, kind: 'macvlan', mode: conf.mode, ifname: env.ifname,
      address: conf.mac, mtu: conf.mtu,
      addresses: addressesFor(allocation),
      routes: routesFor(allocation),
      // With an IPAM the reference turns on gratuitous ARP when the link comes up.
      sysctls: ipam ? { [`net/ipv4/conf/${env.ifname}/arp_notify`]: '1' } : undefined,
      nopromisc: conf.nopromisc, bcqueuelen: conf.bcqueuelen, macaddr: conf.macaddr,
    };
    let mac: string;
    try {
      const attachment = inner ? await inner.attach(options)
        : await context.withAttacher(env.netns, (attacher) => attacher.attach(options));
      mac = attachment.address;
    } catch (error) {
      throw attachFailure(error, call, master.name, await release());
    }
    // A passthru macvlan takes its master's MAC, whatever was asked.
    if (conf.mode === 'passthru' && master.address) mac = master.address;

    const result: CniResult = {
      cniVersion: conf.cniVersion,
      interfaces: [{ name: env.ifname, mac, sandbox: env.netns }],
      ips: allocation.ips.map((ip) => ({ interface: 0, address: ip.address, ...(ip.gateway ? { gateway: ip.gateway } : {}) })),
      routes: allocation.routes,
      dns: conf.dns,
    };
    return printJson(shapeResult(result, conf.cniVersion));
  } finally {
    inner?.close();
  }
}
