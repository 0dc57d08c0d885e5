#!/usr/bin/env node
// The in-process CNI plugin: `node dist/lib/cni/main.js` with the CNI
// environment and the configuration on stdin, as a runtime runs a plugin
// (and as the vnic-cni client falls back to when no daemon listens).
// VERSION is answered from version.ts alone: the addon and the rest of the
// plugin are loaded only for the other commands.
import { SUPPORTED_VERSIONS, VERSION_RESULT } from './version';

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function finish(stdout: string, exitCode: number): void {
  process.stdout.write(stdout, () => process.exit(exitCode));
}

async function main(): Promise<void> {
  if (process.env.CNI_COMMAND === 'VERSION') {
    finish(VERSION_RESULT, 0);
    return;
  }
  if (!process.env.CNI_COMMAND) {
    process.stderr.write('vnic-cni: a CNI plugin (macvlan); run by a container runtime with CNI_COMMAND set. '
      + `CNI protocol versions supported: ${SUPPORTED_VERSIONS.join(', ')}\n`);
  }
  // Without a command there is nothing to read stdin for (it may be a terminal).
  const stdin = process.env.CNI_COMMAND ? await readStdin() : '';
  // Loaded here, not at the top: VERSION must not pay for it.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { runCni } = require('./plugin') as typeof import('./plugin');
  const outcome = await runCni({ env: process.env, stdin });
  finish(outcome.stdout, outcome.exitCode);
}

main().catch((error: unknown) => {
  // runCni never throws; this is stdin failing, or the plugin failing to load (no addon).
  const msg = error instanceof Error ? error.message : String(error);
  finish(JSON.stringify({ code: 999, msg: `vnic-cni: ${msg}` }, null, 4), 1);
});
