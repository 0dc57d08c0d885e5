// CNI plugin timing: ADD and DEL end to end, as a runtime sees them (spawn
// to exit), for the reference plugin (/usr/lib/cni/macvlan + host-local),
// vnic-cni through the resident daemon, and vnic-cni's no-daemon fallback
// (node on main.js), on the same configuration.
//
//   node dist/bench/cni/run.js [--pairs 20] [--verbose]
//
// Root: it makes a "host" namespace holding the master (a veth end) and one
// container namespace per plugin, all removed at the end, on failure and on
// Ctrl-C; vnicd runs as its own process working from the host namespace.
// The timing loop (measure.ts) runs inside the host namespace and spawns each
// plugin directly, as a runtime does; a row for /bin/true gives the spawn's
// own cost, and "net" subtracts it. --verbose passes vnicd's per-call log
// lines (VNIC_DEBUG: each call's time inside the daemon) through to stderr.
import { spawn, spawnSync } from 'child_process';
import type { ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { parseArgs } from 'util';

import { netns, open } from '../../lib';
import { packageRoot } from '../../lib/native';
import { fmt, median } from '../core/stats';
import type { Measured, Plan, PlannedTool } from './measure';

const ROOT = packageRoot();
const CLIENT = path.join(ROOT, 'build', 'Release', 'vnic-cni');
const VNICD = path.join(ROOT, 'bin', 'vnicd.js');
const MEASURE = path.join(__dirname, 'measure.js');
const REFERENCE = '/usr/lib/cni/macvlan';
const MASTER = 'm0';

type Tool = 'reference' | 'daemon' | 'fallback';
const TOOLS: Tool[] = ['reference', 'daemon', 'fallback'];
const TITLES: Record<Tool, string> = {
  reference: 'reference macvlan + host-local',
  daemon: 'vnic-cni → vnicd',
  fallback: 'vnic-cni fallback (node main.js)',
};

const tag = `vcb${process.pid}`;
const made: string[] = [];
let daemon: ChildProcess | undefined;
let scratch: string | undefined;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function cleanup(): Promise<void> {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGTERM');
  for (const name of made.splice(0)) if (netns.exists(name)) await netns.del(name);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

/** Runs measure.js inside the host namespace with the plan; its samples. */
function measureInside(hostNs: string, plan: Plan): Measured {
  const result = spawnSync('nsenter', [`--net=/run/netns/${hostNs}`, process.execPath, MEASURE], {
    input: JSON.stringify(plan), encoding: 'utf8', maxBuffer: 16 << 20,
  });
  if (result.status !== 0) throw new Error(`the measurement failed: ${result.stderr || result.error?.message}`);
  return JSON.parse(result.stdout) as Measured;
}

function startDaemon(socketPath: string, hostNs: string, verbose: boolean): Promise<ChildProcess> {
  const child = spawn(process.execPath, [VNICD, '--socket', socketPath, '--netns', hostNs], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...(verbose ? { VNIC_DEBUG: '1' } : {}) },
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      if (verbose) process.stderr.write(chunk);
      stderr += chunk.toString();
      if (stderr.includes('listening on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`vnicd exited (${code}): ${stderr}`)));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '20' }, verbose: { type: 'boolean', default: false } } });
  const pairs = Number(values.pairs);
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error('--pairs takes a positive integer');
  for (const file of [CLIENT, REFERENCE, path.join(ROOT, 'dist', 'lib', 'cni', 'main.js')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing (npm run ensure builds vnic's; apt-get install containernetworking-plugins the reference)`);
  }

  scratch = mkdtempSync(path.join(tmpdir(), 'vnic-cni-bench-'));
  const hostNs = `${tag}h`;
  await netns.add(hostNs);
  made.push(hostNs);
  const host = await open({ netns: hostNs });
  try {
    await host.link.add({ name: MASTER, kind: 'veth', peer: { name: `${MASTER}peer` } });
    await host.link.set(MASTER, { up: true });
    await host.link.set(`${MASTER}peer`, { up: true });
  } finally {
    host.close();
  }
  const socketPath = path.join(scratch, 'cni.sock');
  daemon = await startDaemon(socketPath, hostNs, values.verbose === true);

  const tools: PlannedTool[] = TOOLS.map((tool, i) => {
    const env = (command: string): Record<string, string> => ({
      CNI_COMMAND: command, CNI_CONTAINERID: `bench-${tool}`, CNI_NETNS: `/run/netns/${tag}c${i}`, CNI_IFNAME: 'eth0',
      CNI_PATH: '/usr/lib/cni', PATH: process.env.PATH ?? '/usr/bin:/bin',
      // The daemon row must not fall back silently, the fallback row must find no daemon.
      VNIC_CNI_SOCKET: tool === 'daemon' ? socketPath : path.join(scratch as string, 'none.sock'),
      ...(tool === 'daemon' ? { VNIC_CNI_MAIN: '/nonexistent' } : {}),
    });
    return {
      tool,
      file: tool === 'reference' ? REFERENCE : CLIENT,
      conf: JSON.stringify({
        cniVersion: '1.0.0', name: 'bench', type: tool === 'reference' ? 'macvlan' : 'vnic-cni', master: MASTER, mode: 'bridge',
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.78.0.0/24', gateway: '10.78.0.1' }]], dataDir: path.join(scratch as string, tool) },
      }),
      add: env('ADD'),
      del: env('DEL'),
    };
  });
  for (let i = 0; i < TOOLS.length; i++) {
    await netns.add(`${tag}c${i}`);
    made.push(`${tag}c${i}`);
  }

  const { baseline, tools: samples } = measureInside(hostNs, { pairs, tools });
  const base = median(baseline);
  const rows = [`| path | ADD median | ADD p90 | DEL median | DEL p90 | ADD net | DEL net |`, '|---|---:|---:|---:|---:|---:|---:|'];
  rows.push(`| /bin/true (the spawn itself) | ${fmt(base)} | ${fmt(percentile(baseline, 90))} | | | | |`);
  for (const tool of TOOLS) {
    const { add, del } = samples[tool];
    rows.push(`| ${TITLES[tool]} | ${fmt(median(add))} | ${fmt(percentile(add, 90))} | ${fmt(median(del))} | ${fmt(percentile(del, 90))} | ${fmt(median(add) - base)} | ${fmt(median(del) - base)} |`);
  }
  const daemonAdd = median(samples.daemon.add);
  const daemonDel = median(samples.daemon.del);
  const referenceDel = median(samples.reference.del);
  console.log(`CNI ADD / DEL, ms, ${pairs} pairs each (spawn to exit; "net" = minus /bin/true's median)\n`);
  console.log(rows.join('\n'));
  console.log('');
  console.log(`target: ADD ≤ 5 ms median through the daemon: ${fmt(daemonAdd)} ms (net ${fmt(daemonAdd - base)}) — ${daemonAdd <= 5 ? 'met' : daemonAdd - base <= 5 ? 'met net of the spawn' : 'missed'}`);
  console.log(`target: DEL ≤ the reference's median: ${fmt(daemonDel)} vs ${fmt(referenceDel)} ms — ${daemonDel <= referenceDel ? 'met' : 'missed'}`);
}

const onSignal = (): void => {
  void cleanup().finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

main()
  .then(cleanup, async (error: unknown) => {
    await cleanup();
    console.error(`bench/cni: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
