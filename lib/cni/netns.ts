// CNI_NETNS checks: it must exist (except for DEL, where a namespace already
// gone is fine) and must not be the plugin's own namespace — a DEL there
// would delete the host's interface of that name.
import { statSync } from 'fs';

import { describeNetns } from '../netns';
import type { CniContext } from './context';
import type { CniEnv } from './env';
import { CNI_ERROR, CniError } from './errors';

/** The plugin's namespace, for messages. */
export function describeHost(context: CniContext): string {
  return context.hostNetns === undefined ? "the plugin's network namespace" : `network namespace ${describeNetns(context.hostNetns)}`;
}

/**
 * Checks CNI_NETNS; returns false when it does not exist and the command
 * allows that (DEL), throws otherwise.
 */
export function checkContainerNetns(env: CniEnv, context: CniContext, mayBeGone = false): boolean {
  let stat;
  try {
    stat = statSync(env.netns);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (mayBeGone && (code === 'ENOENT' || code === 'ENOTDIR')) return false;
    throw new CniError(CNI_ERROR.internal, `CNI_NETNS ${env.netns} ${code === 'ENOENT' ? 'does not exist' : `can not be read (${code})`}`,
      'CNI_NETNS must be the path of the container\'s network namespace, e.g. /proc/PID/ns/net or /run/netns/NAME');
  }
  if (env.netnsOverride) return true;
  const host = context.hostIdentity();
  if (stat.dev === host.dev && stat.ino === host.ino) {
    throw new CniError(CNI_ERROR.invalidNetns, `CNI_NETNS ${env.netns} is the plugin's own network namespace`,
      `refusing to ${env.command} ${env.ifname} there: the container's namespace must be another one (CNI_NETNS_OVERRIDE=1 allows it)`);
  }
  return true;
}
