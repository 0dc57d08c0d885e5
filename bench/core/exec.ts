// Runs one tool inside the benchmark namespace (`ip netns exec NS …`) and reads
// the RESULT line it prints: "RESULT k=v …" (../shared/peers) or
// "RESULT {json}" (vnic's child.ts).
import { spawn } from 'child_process';
import type { ChildProcess } from 'child_process';

import type { Command, Sample } from './types';

const TIMEOUT_MS = 180_000;
let current: ChildProcess | undefined;

/** Stops the tool running now, if any (for the signal handler). */
export function stopCurrent(): void {
  if (current?.pid !== undefined && current.exitCode === null) current.kill('SIGTERM');
}

export function parseResult(stdout: string): Record<string, string | number> | undefined {
  const line = stdout.split('\n').filter((l) => l.startsWith('RESULT ')).pop();
  if (line === undefined) return undefined;
  const body = line.slice('RESULT '.length).trim();
  if (body.startsWith('{')) return JSON.parse(body) as Record<string, string | number>;
  const fields: Record<string, string | number> = {};
  for (const pair of body.split(/\s+/)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const value = pair.slice(eq + 1);
    fields[pair.slice(0, eq)] = value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return fields;
}

/** Runs argv in the namespace; resolves with its sample, rejects with the tail of its stderr. */
export function runIn(ns: string, command: Command): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...command.argv], {
      env: { ...process.env, ...command.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    current = child;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
    const timer = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (current === child) current = undefined;
      const result = parseResult(stdout);
      if (code === 0 && result !== undefined) {
        try {
          resolve(command.sample(result));
        } catch (error) {
          reject(error);
        }
        return;
      }
      const tail = stderr.trim().split('\n').slice(-3).join(' | ') || stdout.trim().split('\n').slice(-2).join(' | ');
      reject(new Error(`${signal ? `killed by ${signal}` : `exit ${String(code)}`}${result ? '' : ', no RESULT line'}: ${tail}`));
    });
  });
}
