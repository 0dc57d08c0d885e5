// Delegation, the CNI way: another plugin (a foreign IPAM such as `static` or
// `dhcp`) found on CNI_PATH, run with the same environment but its own
// CNI_COMMAND, the same configuration on stdin; its stdout is its result, or
// its error when it exits non-zero. (The library itself never starts a
// process: only the CNI plugin does, because CNI works that way.)
import { spawn } from 'child_process';
import { accessSync, constants, statSync } from 'fs';
import * as path from 'path';

import { CNI_ERROR, CniError } from './errors';
import type { CniCommand } from './env';

/** One plugin run: what it printed and how it exited. */
export interface PluginRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The executable for a plugin type: the first CNI_PATH directory that has it. */
export function findPlugin(type: string, cniPath: string[]): string {
  if (type.includes('/') || type === '.' || type === '..') {
    throw new CniError(CNI_ERROR.invalidConfig, `invalid plugin type '${type}'`, 'a plugin type is a file name found on CNI_PATH');
  }
  for (const dir of cniPath) {
    const candidate = path.join(dir, type);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here (or not executable): the next directory
    }
  }
  throw new CniError(CNI_ERROR.internal, `failed to find plugin "${type}" in path [${cniPath.join(' ')}]`,
    `no executable named ${type} in CNI_PATH=${cniPath.join(':')}`);
}

/** Environment for the delegate: ours (less stale CNI_* of the process), the call's CNI_*, its command. */
function delegateEnv(callEnv: Record<string, string | undefined>, command: CniCommand): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CNI_') && value !== undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries(callEnv)) {
    if (value !== undefined) env[key] = value;
  }
  env.CNI_COMMAND = command;
  return env;
}

/** Runs the plugin at `file` for `command` and collects its output. */
export function runPlugin(file: string, command: CniCommand, callEnv: Record<string, string | undefined>, stdin: string): Promise<PluginRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [], { env: delegateEnv(callEnv, command), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new CniError(CNI_ERROR.internal, `cannot run plugin ${file}: ${error.message}`)));
    // A plugin that exits without reading stdin closes the pipe under us: not our failure.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => resolve({
      exitCode: code ?? 128,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8') + (signal ? `(killed by ${signal})` : ''),
    }));
    child.stdin.end(stdin);
  });
}

/**
 * Runs a plugin by type and returns its parsed stdout (undefined when it
 * printed nothing); a failure becomes a CniError carrying the plugin's own
 * code, its message prefixed with who said it.
 */
export async function delegate(type: string, command: CniCommand, callEnv: Record<string, string | undefined>, cniPath: string[],
                               stdin: string, role = 'plugin'): Promise<unknown> {
  const file = findPlugin(type, cniPath);
  const run = await runPlugin(file, command, callEnv, stdin);
  const text = run.stdout.trim();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (run.exitCode !== 0) {
    const error = parsed as { code?: unknown; msg?: unknown; details?: unknown } | undefined;
    if (error && typeof error.code === 'number' && typeof error.msg === 'string') {
      throw new CniError(error.code, `${role} ${type} (${command}): ${error.msg}`, typeof error.details === 'string' ? error.details : undefined);
    }
    const said = (text || run.stderr.trim()).slice(0, 2000);
    throw new CniError(CNI_ERROR.internal, `${role} ${type} (${command}) failed with exit status ${run.exitCode}`, said || undefined);
  }
  if (text !== '' && parsed === undefined) {
    throw new CniError(CNI_ERROR.internal, `${role} ${type} (${command}) printed something that is not JSON`, text.slice(0, 2000));
  }
  return parsed;
}
