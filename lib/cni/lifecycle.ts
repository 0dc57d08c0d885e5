// CNI 1.1's STATUS (can the plugin serve ADD now?) and GC (release what no
// valid attachment holds). Both print nothing on success.
import type { MacvlanConf } from './config';
import type { CniContext } from './context';
import type { CniEnv } from './env';
import { CNI_ERROR, CniError } from './errors';
import { ipamFor } from './ipam';
import { findMaster } from './master';
import { describeHost } from './netns';

export interface LifecycleCall {
  conf: MacvlanConf;
  env: CniEnv;
  rawEnv: Record<string, string | undefined>;
  stdin: string;
}

function ipamOf(call: LifecycleCall, context: CniContext) {
  const { conf, env } = call;
  return conf.ipam
    ? ipamFor({ network: conf.name, ipam: conf.ipam, env, rawEnv: call.rawEnv, stdin: call.stdin, requestedIps: [], ipRanges: conf.ipRanges }, context)
    : undefined;
}

/** STATUS: the master must exist (unless it lives in containers), and a delegated IPAM must say it is ready. */
export async function cmdStatus(call: LifecycleCall, context: CniContext): Promise<string> {
  if (!call.conf.linkInContainer) {
    try {
      await findMaster(await context.host(), call.conf.master, describeHost(context));
    } catch (error) {
      const reason = error instanceof CniError ? error.msg : String(error);
      throw new CniError(CNI_ERROR.pluginNotAvailable, `vnic-cni can not serve ADD now: ${reason}`);
    }
  }
  await ipamOf(call, context)?.status();
  return '';
}

/**
 * GC: the IPAM releases every address not held by one of
 * `cni.dev/valid-attachments`. Links need nothing: they go with their namespaces.
 */
export async function cmdGc(call: LifecycleCall, context: CniContext): Promise<string> {
  const keep = call.conf.validAttachments;
  if (keep === undefined) {
    // Without the list, "keep nothing" would release every address of the network: refuse instead.
    throw new CniError(CNI_ERROR.invalidConfig, 'GC needs "cni.dev/valid-attachments" in the network configuration',
      'an empty list ([]) releases every address of the network');
  }
  await ipamOf(call, context)?.gc(keep);
  return '';
}
