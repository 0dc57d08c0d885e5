// CNI plugin timing: ADD and DEL end to end, as a runtime sees them (spawn
// to exit), for the reference plugin (/usr/lib/cni/macvlan + host-local),
// vnic-cni through the resident daemon, and vnic-cni's no-daemon fallback
// (node on main.js), on the same configuration; then what a network costs a
// podman container's start, for the reference plugin and for vnic-cni.
//
//   npm run bench:cni          (= scripts/ensure.sh, scripts/ensure-tools.sh cni, node dist/bench/cni/run.js)
//   node dist/bench/cni/run.js [--pairs 30] [--podman-runs 25] [--no-podman] [--verbose]
//
// Root. ADD / DEL: a "host" namespace holds the master (a veth end) and one
// container namespace per plugin, all removed at the end, on failure and on
// Ctrl-C; vnicd runs as its own process working from the host namespace. The
// calls are timed twice: by timer.c (posix_spawn, stdin and stdout on pipes:
// what a runtime's fork/exec costs; built with cc into the scratch directory)
// and by measure.ts (Node's spawnSync, ~1 ms dearer a call). Each harness
// also times /bin/true, the spawn's own cost; "net" subtracts it. vnicd logs
// each call's time inside it (VNIC_DEBUG), which splits an ADD into spawn,
// client and transport, and the daemon's work.
//
// podman: a veth pair in the host namespace (the master; never eth0),
// a second vnicd in the host namespace, a throwaway podman (bench/cni/podman.ts),
// and `podman run --rm IMAGE true` with --network none, on a reference macvlan
// network and on a vnic-cni one (TEST-NET-2, 198.51.100.0/24). Everything it
// makes is removed after; /var/lib/cni and /var/lib/containers only when it made them.
import { execFileSync, spawn, spawnSync } from 'child_process';
import type { ChildProcess } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { parseArgs } from 'util';

import { netns, open } from '../../lib';
import { packageRoot } from '../../lib/native';
import { fmt, median } from '../core/stats';
import type { Measured, Plan, PlannedTool } from './measure';
import { PODMAN_HOST_CACHES, measurePodman, podmanMissing } from './podman';
import type { PodmanTimes } from './podman';

const ROOT = packageRoot();
const CLIENT = path.join(ROOT, 'build', 'Release', 'vnic-cni');
const VNICD = path.join(ROOT, 'bin', 'vnicd.js');
const MEASURE = path.join(__dirname, 'measure.js');
const TIMER_SOURCE = path.join(ROOT, 'bench', 'cni', 'timer.c');
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
const daemons: ChildProcess[] = [];
let scratch: string | undefined;
/** The host-namespace veth end the podman part made, removed at the end. */
let hostMaster: string | undefined;
/** Whether each of PODMAN_HOST_CACHES existed before this run. */
let cachesBefore: boolean[] | undefined;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function cleanup(): Promise<void> {
  for (const daemon of daemons.splice(0)) {
    if (daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((resolve) => daemon.once('exit', resolve));
      daemon.kill('SIGTERM');
      await exited;
    }
  }
  for (const name of made.splice(0)) if (netns.exists(name)) await netns.del(name);
  if (hostMaster) {
    spawnSync('ip', ['link', 'del', hostMaster], { stdio: 'ignore' });
    hostMaster = undefined;
  }
  if (cachesBefore) {
    PODMAN_HOST_CACHES.forEach((dir, i) => {
      if (!cachesBefore?.[i]) rmSync(dir, { recursive: true, force: true });
    });
    cachesBefore = undefined;
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/**
 * Runs a measuring process to its end without blocking this one: vnicd's log
 * (a pipe to us) must keep draining meanwhile, or the daemon would block on it.
 */
function runToEnd(file: string, args: string[], input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Runs measure.js inside the host namespace with the plan; its samples. */
async function measureWithNode(hostNs: string, plan: Plan): Promise<Measured> {
  const result = await runToEnd('nsenter', [`--net=/run/netns/${hostNs}`, process.execPath, MEASURE], JSON.stringify(plan));
  if (result.status !== 0) throw new Error(`the measurement failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Measured;
}

/** timer.c, built into the scratch directory; undefined without a C compiler. */
function buildTimer(dir: string): string | undefined {
  const binary = path.join(dir, 'timer');
  const built = spawnSync('cc', ['-O2', '-o', binary, TIMER_SOURCE], { encoding: 'utf8' });
  return built.status === 0 ? binary : undefined;
}

/** Runs timer.c inside the host namespace with the plan; its samples, in measure.ts's shape. */
async function measureWithTimer(timer: string, hostNs: string, plan: Plan, dir: string): Promise<Measured> {
  for (const tool of plan.tools) {
    const envText = (env: Record<string, string>): string => Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join('');
    writeFileSync(path.join(dir, `${tool.tool}.file`), tool.file);
    writeFileSync(path.join(dir, `${tool.tool}.conf`), tool.conf);
    writeFileSync(path.join(dir, `${tool.tool}.ADD`), envText(tool.add));
    writeFileSync(path.join(dir, `${tool.tool}.DEL`), envText(tool.del));
  }
  const result = await runToEnd('nsenter', [`--net=/run/netns/${hostNs}`, timer, String(plan.pairs), dir, ...plan.tools.map((t) => t.tool)]);
  if (result.status !== 0) throw new Error(`the measurement failed: ${result.stderr}`);
  const out: Measured = { baseline: [], tools: Object.fromEntries(plan.tools.map((t) => [t.tool, { add: [], del: [] }])) };
  for (const line of result.stdout.trim().split('\n')) {
    const [tool, command, ms] = line.split(' ');
    if (tool === 'true') out.baseline.push(Number(ms));
    else out.tools[tool][command === 'ADD' ? 'add' : 'del'].push(Number(ms));
  }
  return out;
}

/** Starts vnicd (VNIC_DEBUG: one line per call); its per-call times inside the daemon are collected in `inside`. */
function startDaemon(socketPath: string, hostNs: string | undefined, verbose: boolean,
                     inside: Record<string, number[]>): Promise<ChildProcess> {
  const args = [VNICD, '--socket', socketPath, ...(hostNs ? ['--netns', hostNs] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, VNIC_DEBUG: '1' } });
  daemons.push(child);
  let stderr = '';
  let pending = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      if (verbose) process.stderr.write(chunk);
      stderr += chunk.toString();
      if (stderr.includes('listening on')) resolve(child);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const call = /: (ADD|DEL) (\S+) \S+: exit \d+ in ([0-9.]+) ms/.exec(line);
        if (call) (inside[`${call[2]} ${call[1]}`] ??= []).push(Number(call[3]));
      }
    });
    child.once('exit', (code) => reject(new Error(`vnicd exited (${code}): ${stderr}`)));
  });
}

function callTable(title: string, measured: Measured): string[] {
  const base = median(measured.baseline);
  const rows = [`${title}\n`, '| path | ADD median | ADD p90 | DEL median | DEL p90 | ADD net | DEL net |', '|---|---:|---:|---:|---:|---:|---:|'];
  rows.push(`| /bin/true (the spawn itself) | ${fmt(base)} | ${fmt(percentile(measured.baseline, 90))} | | | | |`);
  for (const tool of TOOLS) {
    const { add, del } = measured.tools[tool];
    rows.push(`| ${TITLES[tool]} | ${fmt(median(add))} | ${fmt(percentile(add, 90))} | ${fmt(median(del))} | ${fmt(percentile(del, 90))} | ${fmt(median(add) - base)} | ${fmt(median(del) - base)} |`);
  }
  return rows;
}

async function addDel(pairs: number, verbose: boolean): Promise<void> {
  const dir = scratch as string;
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
  const socketPath = path.join(dir, 'cni.sock');
  const inside: Record<string, number[]> = {};
  await startDaemon(socketPath, hostNs, verbose, inside);

  const tools: PlannedTool[] = TOOLS.map((tool, i) => {
    const env = (command: string): Record<string, string> => ({
      CNI_COMMAND: command, CNI_CONTAINERID: `bench-${tool}`, CNI_NETNS: `/run/netns/${tag}c${i}`, CNI_IFNAME: 'eth0',
      CNI_PATH: '/usr/lib/cni', PATH: process.env.PATH ?? '/usr/bin:/bin',
      // The daemon row must not fall back silently, the fallback row must find no daemon.
      VNIC_CNI_SOCKET: tool === 'daemon' ? socketPath : path.join(dir, 'none.sock'),
      ...(tool === 'daemon' ? { VNIC_CNI_MAIN: '/nonexistent' } : {}),
    });
    return {
      tool,
      file: tool === 'reference' ? REFERENCE : CLIENT,
      conf: JSON.stringify({
        cniVersion: '1.0.0', name: 'bench', type: tool === 'reference' ? 'macvlan' : 'vnic-cni', master: MASTER, mode: 'bridge',
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.78.0.0/24', gateway: '10.78.0.1' }]], dataDir: path.join(dir, tool) },
      }),
      add: env('ADD'),
      del: env('DEL'),
    };
  });
  for (let i = 0; i < TOOLS.length; i++) {
    await netns.add(`${tag}c${i}`);
    made.push(`${tag}c${i}`);
  }

  const timerDir = path.join(dir, 'timer');
  mkdirSync(timerDir);
  const timer = buildTimer(timerDir);
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));  // vnicd's last log lines
  const byTimer = timer ? await measureWithTimer(timer, hostNs, { pairs, tools }, timerDir) : undefined;
  await settle();
  const daemonInside = { add: [...inside['bench-daemon ADD'] ?? []], del: [...inside['bench-daemon DEL'] ?? []] };
  const byNode = await measureWithNode(hostNs, { pairs, tools });
  await settle();

  console.log(`CNI ADD / DEL, ms, ${pairs} pairs each, round robin (spawn to exit; "net" = minus /bin/true's median)\n`);
  if (byTimer) {
    console.log(callTable('Spawned as a runtime spawns a plugin (timer.c: posix_spawn, stdin and stdout on pipes):', byTimer).join('\n'));
  } else {
    console.log('(no C compiler: the runtime-like harness is skipped)');
  }
  console.log('');
  console.log(callTable('Spawned by Node (measure.ts: spawnSync, ~1 ms dearer a call):', byNode).join('\n'));
  console.log('');
  const all = { add: inside['bench-daemon ADD'] ?? [], del: inside['bench-daemon DEL'] ?? [] };
  if (all.add.length > 0) {
    const insideOf = daemonInside.add.length > 0 ? daemonInside : all;
    console.log(`inside vnicd (runCni, its VNIC_DEBUG log): ADD median ${fmt(median(insideOf.add))} p90 ${fmt(percentile(insideOf.add, 90))}, `
      + `DEL median ${fmt(median(insideOf.del))} p90 ${fmt(percentile(insideOf.del, 90))} ms`);
  }
  const headline = byTimer ?? byNode;
  const daemonAdd = median(headline.tools.daemon.add);
  const daemonDel = median(headline.tools.daemon.del);
  const referenceDel = median(headline.tools.reference.del);
  const harness = byTimer ? 'runtime-like harness' : 'Node harness';
  console.log(`target: ADD ≤ 5 ms median through the daemon (${harness}): ${fmt(daemonAdd)} ms — ${daemonAdd <= 5 ? 'met' : 'missed'}`
    + (byTimer ? `; Node harness: ${fmt(median(byNode.tools.daemon.add))} ms, net of its spawn ${fmt(median(byNode.tools.daemon.add) - median(byNode.baseline))}` : ''));
  console.log(`target: DEL ≤ the reference's median (${harness}): ${fmt(daemonDel)} vs ${fmt(referenceDel)} ms — ${daemonDel <= referenceDel ? 'met' : 'missed'}`);
}

async function podmanPart(runs: number, verbose: boolean): Promise<void> {
  const missing = podmanMissing();
  if (missing) {
    console.log(`\npodman: skipped — ${missing}`);
    return;
  }
  const dir = path.join(scratch as string, 'podman');
  mkdirSync(dir);
  const netnsBefore = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  cachesBefore = PODMAN_HOST_CACHES.map((cache) => existsSync(cache));
  // The master: a veth pair in the host namespace, the one thing here outside a namespace of our own.
  const master = `vcp${process.pid % 100000}a`;
  execFileSync('ip', ['link', 'add', master, 'type', 'veth', 'peer', 'name', `vcp${process.pid % 100000}b`]);
  hostMaster = master;
  execFileSync('ip', ['link', 'set', master, 'up']);
  execFileSync('ip', ['link', 'set', `vcp${process.pid % 100000}b`, 'up']);
  const socketPath = path.join(dir, 'cni.sock');
  await startDaemon(socketPath, undefined, verbose, {});

  const times: PodmanTimes = await measurePodman({
    runs, master, clientDir: path.dirname(CLIENT), socketPath, ipamDir: path.join(dir, 'ipam'), subnet: '198.51.100.0/24',
  });
  const none = median(times.none);
  const rows = ['| network | run median | run p90 | over --network none |', '|---|---:|---:|---:|'];
  const titles: Array<[keyof PodmanTimes, string]> = [
    ['none', '--network none'], ['reference', 'reference macvlan + host-local'], ['vnic', 'vnic-cni → vnicd'],
  ];
  for (const [key, title] of titles) {
    rows.push(`| ${title} | ${fmt(median(times[key]))} | ${fmt(percentile(times[key], 90))} | ${key === 'none' ? '' : fmt(median(times[key]) - none)} |`);
  }
  console.log(`\npodman run --rm IMAGE true, ms, ${runs} runs each, round robin (podman ${podmanVersion()}, runc, CNI backend):\n`);
  console.log(rows.join('\n'));
  const ours = median(times.vnic) - none;
  const theirs = median(times.reference) - none;
  console.log(`\ntarget: what the network adds to a podman run ≤ the reference's: ${fmt(ours)} vs ${fmt(theirs)} ms — ${ours <= theirs ? 'met' : 'missed'}`);
  const leaked = (existsSync('/run/netns') ? readdirSync('/run/netns') : []).filter((name) => !netnsBefore.includes(name) && name.startsWith('cni-'));
  if (leaked.length > 0) console.log(`warning: podman left namespaces behind: ${leaked.join(', ')}`);
}

function podmanVersion(): string {
  const out = spawnSync('podman', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return out.trim().replace(/^podman version /, '') || '?';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string', default: '30' }, 'podman-runs': { type: 'string', default: '25' },
      'no-podman': { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false },
    },
  });
  const pairs = Number(values.pairs);
  const runs = Number(values['podman-runs']);
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error('--pairs takes a positive integer');
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--podman-runs takes a positive integer');
  for (const file of [CLIENT, REFERENCE, path.join(ROOT, 'dist', 'lib', 'cni', 'main.js')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing (npm run ensure builds vnic's; apt-get install containernetworking-plugins the reference)`);
  }
  scratch = mkdtempSync(path.join(tmpdir(), 'vnic-cni-bench-'));
  await addDel(pairs, values.verbose === true);
  if (!values['no-podman']) await podmanPart(runs, values.verbose === true);
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
