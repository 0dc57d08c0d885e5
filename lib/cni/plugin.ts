// runCni: one CNI call — environment and stdin in, stdout and exit status
// out — as the in-process executable (main.ts) and the daemon (vnicd) run it.
// It never throws: a failure is the CNI error JSON on stdout with exit 1.
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { parseMacvlanConf, parseNetconf } from './config';
import { CniContext } from './context';
import { cmdDel } from './del';
import { parseEnv } from './env';
import { toCniError } from './errors';
import { cmdGc, cmdStatus } from './lifecycle';
import { printJson } from './result';
import { VERSION_RESULT } from './version';

export { CniContext } from './context';
export type { CniContextOptions } from './context';

/** One call: the environment (CNI_* at least) and the bytes on stdin. */
export interface CniInvocation {
  env: Record<string, string | undefined>;
  stdin: string;
}

/** What the plugin prints and how it exits. */
export interface CniOutcome {
  exitCode: number;
  stdout: string;
}

async function dispatch(call: CniInvocation, context: CniContext): Promise<string> {
  // VERSION first, whatever else the environment holds (runtimes send placeholders with it).
  if (call.env.CNI_COMMAND === 'VERSION') return VERSION_RESULT;
  const env = parseEnv(call.env);
  const base = parseNetconf(call.stdin, env.command);
  const common = { env, rawEnv: call.env, stdin: call.stdin };
  switch (env.command) {
    case 'DEL':
      return cmdDel({ ...common, conf: base }, context);
    case 'ADD':
      return cmdAdd({ ...common, conf: parseMacvlanConf(base, env.args) }, context);
    case 'CHECK':
      return cmdCheck({ ...common, conf: parseMacvlanConf(base, env.args) }, context);
    case 'STATUS':
      return cmdStatus({ ...common, conf: parseMacvlanConf(base, env.args) }, context);
    case 'GC':
      return cmdGc({ ...common, conf: parseMacvlanConf(base, env.args) }, context);
    case 'VERSION':
      return VERSION_RESULT;
  }
}

/**
 * Runs one CNI call; never throws. With a context (a daemon's), its host
 * handle and namespaces stay warm for the next call; without one, a fresh
 * context is made and closed.
 */
export async function runCni(call: CniInvocation, context?: CniContext): Promise<CniOutcome> {
  const own = context ?? new CniContext();
  try {
    return { exitCode: 0, stdout: await dispatch(call, own) };
  } catch (error) {
    return { exitCode: 1, stdout: printJson(toCniError(error).toJSON()) };
  } finally {
    if (!context) own.close();
  }
}
