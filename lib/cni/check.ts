// CHECK: is the container still wired as prevResult says? The IPAM still
// holds the addresses, the master exists, and in the container the
// interface is a macvlan of the configured mode (and vnic extras) with the
// MAC, addresses and routes of prevResult. Prints nothing; each mismatch is an
// error saying what was expected and what was found.
import { constants } from 'os';

import { VnicError } from '../errors';
import { formatIp, formatPrefix, networkOf, parseIp, parsePrefix, sameAddress } from '../ipam/ip';
import { open } from '../handle';
import type { Handle } from '../handle';
import type { MacvlanInfo } from '../kinds/macvlan';
import type { MacvlanConf } from './config';
import type { CniContext } from './context';
import type { CniEnv } from './env';
import { CNI_ERROR, CniError } from './errors';
import { ipamFor } from './ipam';
import { findMaster } from './master';
import { checkContainerNetns, describeHost } from './netns';
import { parseResult } from './result';
import type { CniResult } from './result';

export interface CheckCall {
  conf: MacvlanConf;
  env: CniEnv;
  rawEnv: Record<string, string | undefined>;
  stdin: string;
}

function mismatch(msg: string, details?: string): CniError {
  return new CniError(CNI_ERROR.internal, `CHECK failed: ${msg}`, details);
}

/** 'default' or the normalised network 'address/len', for comparing route destinations. */
function prefixKey(text: string): string {
  if (text === 'default') return 'default';
  const prefix = parsePrefix(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
  if (!prefix) throw new Error(`not an address prefix: ${text}`);
  return prefix.prefixlen === 0 ? 'default' : formatPrefix({ ip: networkOf(prefix), prefixlen: prefix.prefixlen });
}

/** A normalised 'address/len', for comparing addresses. */
function addressKey(text: string): string {
  const [address, length] = text.split('/');
  const ip = parseIp(address);
  if (!ip) throw new Error(`not an IP address: ${address}`);
  return `${formatIp(ip)}/${length ?? ''}`;
}

async function checkInterface(inside: Handle, conf: MacvlanConf, env: CniEnv, prev: CniResult, expectedMac: string | undefined): Promise<void> {
  const link = await inside.link.get(env.ifname, { stats: false }).catch((error: unknown) => {
    if (error instanceof VnicError && error.errno === constants.errno.ENODEV) {
      throw mismatch(`interface ${env.ifname} not found in ${env.netns}`);
    }
    throw error;
  });
  if (link.kind !== 'macvlan') throw mismatch(`interface ${env.ifname} in ${env.netns} is a ${link.kind ?? 'device without kind'}, not a macvlan`);
  const info = (link.info ?? {}) as MacvlanInfo;
  if (info.mode !== conf.mode) throw mismatch(`interface ${env.ifname} is in macvlan mode ${String(info.mode)}, the configuration says ${conf.mode}`);
  if (expectedMac && link.address?.toLowerCase() !== expectedMac.toLowerCase()) {
    throw mismatch(`interface ${env.ifname} has MAC ${link.address ?? 'none'}, prevResult says ${expectedMac}`);
  }
  if (conf.nopromisc !== undefined && Boolean(info.nopromisc) !== conf.nopromisc) {
    throw mismatch(`interface ${env.ifname} has nopromisc ${Boolean(info.nopromisc)}, the configuration says ${conf.nopromisc}`);
  }
  if (conf.bcqueuelen !== undefined && info.bcqueuelen !== undefined && info.bcqueuelen !== conf.bcqueuelen) {
    throw mismatch(`interface ${env.ifname} has bcqueuelen ${info.bcqueuelen}, the configuration says ${conf.bcqueuelen}`);
  }
  if (conf.macaddr !== undefined) {
    const have = [...(info.macaddr ?? [])].map((m) => m.toLowerCase()).sort().join(',');
    const want = [...conf.macaddr].sort().join(',');
    if (have !== want) throw mismatch(`interface ${env.ifname} accepts source MACs [${have}], the configuration says [${want}]`);
  }

  const index = (prev.interfaces ?? []).findIndex((intf) => intf.name === env.ifname && intf.sandbox === env.netns);
  const ips = (prev.ips ?? []).filter((ip) => ip.interface === undefined || ip.interface === index);
  const [addresses, routes] = await Promise.all([inside.addr.list({ link: link.index }), inside.route.list()]);
  const present = new Set(addresses.map((a) => addressKey(`${a.address}/${a.prefixlen}`)));
  for (const ip of ips) {
    if (!present.has(addressKey(ip.address))) {
      throw mismatch(`address ${ip.address} is not on ${env.ifname}`, `it has ${addresses.map((a) => `${a.address}/${a.prefixlen}`).join(', ') || 'no address'}`);
    }
  }
  for (const route of prev.routes ?? []) {
    const key = prefixKey(route.dst);
    const family = route.dst.includes(':') ? 6 : 4;
    const found = routes.find((r) => r.family === family && prefixKey(r.dst) === key
      && (route.gw === undefined || (r.gateway !== undefined && sameAddress(r.gateway, route.gw))));
    if (!found) throw mismatch(`route ${route.dst}${route.gw ? ` via ${route.gw}` : ''} is not in the main table of ${env.netns}`);
  }
}

export async function cmdCheck(call: CheckCall, context: CniContext): Promise<string> {
  const { conf, env } = call;
  if (conf.prevResult === undefined) {
    throw new CniError(CNI_ERROR.invalidConfig, 'CHECK needs prevResult in the network configuration', 'the runtime passes the result of ADD as "prevResult"');
  }
  const prev = parseResult(conf.prevResult, 'prevResult');
  checkContainerNetns(env, context);
  const intf = (prev.interfaces ?? []).find((candidate) => candidate.name === env.ifname && candidate.sandbox === env.netns);
  if (!intf) {
    throw mismatch(`prevResult has no interface ${env.ifname} in sandbox ${env.netns}`,
      `it has ${(prev.interfaces ?? []).map((i) => `${i.name} in ${i.sandbox ?? 'the host'}`).join(', ') || 'no interface'}`);
  }
  if (conf.ipam) {
    const ipam = ipamFor({ network: conf.name, ipam: conf.ipam, env, rawEnv: call.rawEnv, stdin: call.stdin, requestedIps: conf.requestedIps, ipRanges: conf.ipRanges }, context);
    await ipam.check(prev);
  }
  const inside = await open({ netns: env.netns });
  try {
    const base = conf.linkInContainer ? inside : await context.host();
    await findMaster(base, conf.master, conf.linkInContainer ? `the container namespace ${env.netns}` : describeHost(context));
    await checkInterface(inside, conf, env, prev, intf.mac);
  } finally {
    inside.close();
  }
  return '';
}
