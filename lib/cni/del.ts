// DEL: remove the interface from the container's namespace and release its
// address. Idempotent, as runtimes need it: a namespace already gone, an
// empty CNI_NETNS, an interface already removed and a second DEL all succeed.
// Only the configuration's name, version and ipam matter here, so a DEL after
// a failed ADD of a bad configuration still cleans up.
import { constants } from 'os';

import { VnicError } from '../errors';
import type { Netconf } from './config';
import { parseIpRanges, parseIpamConf } from './config';
import type { CniContext } from './context';
import type { CniEnv } from './env';
import { CNI_ERROR, CniError } from './errors';
import { ipamFor } from './ipam';
import { checkContainerNetns } from './netns';

export interface DelCall {
  conf: Netconf;
  env: CniEnv;
  rawEnv: Record<string, string | undefined>;
  stdin: string;
}

/** Errors that mean "the namespace is not there (any more)": nothing to remove. */
const GONE = new Set([constants.errno.ENOENT, constants.errno.EINVAL, constants.errno.ESRCH]);

export async function cmdDel(call: DelCall, context: CniContext): Promise<string> {
  const { conf, env } = call;
  const ipamConf = parseIpamConf(conf.raw);
  // The link first: an address is released only once nothing uses it.
  if (env.netns !== '' && checkContainerNetns(env, context, true)) {
    try {
      await context.withAttacher(env.netns, (attacher) => attacher.detach({ netns: env.netns, ifname: env.ifname }));
    } catch (error) {
      // A path that exists but is no namespace any more (its bind mount gone): nothing of ours is in it.
      const gone = error instanceof VnicError && GONE.has(error.errno) && (error.op === 'open' || error.field === 'netns');
      if (!gone) {
        const said = error instanceof VnicError ? [error.code, error.summary, error.kernelMessage].filter(Boolean).join(' — ') : String(error);
        throw new CniError(CNI_ERROR.internal, `DEL of ${env.ifname} in ${env.netns} failed: ${said}`,
          ipamConf ? 'the address is still held; DEL again once the interface can be removed' : undefined);
      }
    } finally {
      await context.forget(env.netns);
    }
  }
  if (ipamConf) {
    const ipam = ipamFor({ network: conf.name, ipam: ipamConf, env, rawEnv: call.rawEnv, stdin: call.stdin, requestedIps: [], ipRanges: parseIpRanges(conf.raw) }, context);
    await ipam.del();
  }
  return '';
}
