// The peers: the programs in ../shared/peers (run in place, never copied) and
// our raw-libmnl get reference (bench/ref/mnl-get.c). C sources are built
// into /tmp; the Debian packages they need are installed when missing, as
// run-peers.sh does.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import type { Command, FixtureInfo, Sample, Tool, ToolEnv } from './types';

const BUILD_DIR = '/tmp/vnic-bench-build';
const DEBS = ['iproute2', 'gcc', 'pkg-config', 'python3-pyroute2', 'libnl-route-3-dev', 'libmnl-dev'];

function debInstalled(name: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .includes('ok installed');
  } catch {
    return false;
  }
}

function installMissingDebs(say: (line: string) => void): void {
  const missing = DEBS.filter((name) => !debInstalled(name));
  if (missing.length === 0) return;
  say(`apt-get install ${missing.join(' ')}`);
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=300', ...missing], { stdio: 'ignore', env });
  } catch (error) {
    say(`apt-get failed (${(error as Error).message.split('\n')[0]}): rows needing ${missing.join(', ')} will be skipped`);
  }
}

/** gcc SOURCE -o /tmp/…/NAME, unless the binary is newer; undefined when it cannot be built. */
function compile(name: string, source: string, flags: string[], say: (line: string) => void): string | undefined {
  const out = path.join(BUILD_DIR, name);
  try {
    if (fs.existsSync(out) && fs.statSync(out).mtimeMs > fs.statSync(source).mtimeMs) return out;
    fs.mkdirSync(BUILD_DIR, { recursive: true });
    const [pre, post] = [flags.filter((f) => !f.startsWith('-l')), flags.filter((f) => f.startsWith('-l'))];
    execFileSync('gcc', ['-O2', '-Wall', ...pre, '-o', out, source, ...post], { stdio: ['ignore', 'ignore', 'pipe'] });
    return out;
  } catch (error) {
    say(`cannot build ${name}: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`);
    return undefined;
  }
}

function pkgConfig(lib: string): string[] {
  try {
    return execFileSync('pkg-config', ['--cflags', '--libs', lib], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** Finds ../shared/peers, installs what the peers need, builds the C programs. */
export function preparePeers(root: string, skipPeers: boolean, say: (line: string) => void): ToolEnv {
  const env: ToolEnv = { root, bin: {} };
  const dir = path.resolve(root, '..', 'shared', 'peers');
  if (skipPeers) env.peersMissing = 'peers skipped (--skip-peers)';
  else if (!fs.existsSync(path.join(dir, 'bench-mnl.c'))) env.peersMissing = `no ${dir}: peer rows skipped`;
  else env.peersDir = dir;

  if (process.getuid?.() === 0) installMissingDebs(say);
  env.bin.mnlGet = compile('mnl-get', path.join(root, 'bench', 'ref', 'mnl-get.c'), ['-lmnl'], say);
  if (env.peersDir) {
    env.bin.mnl = compile('bench-mnl', path.join(env.peersDir, 'bench-mnl.c'), ['-lmnl', '-lpthread'], say);
    const nl = pkgConfig('libnl-route-3.0');
    if (nl.length > 0) env.bin.libnl = compile('bench-libnl', path.join(env.peersDir, 'bench-libnl.c'), nl, say);
  }
  return env;
}

/** The programs a peer row can run. */
export type PeerProgram = 'ip-bash' | 'ip-node' | 'ip-batch' | 'pyroute2' | 'netlink-npm' | 'libnl' | 'mnl' | 'mnl-get';

/** argv of a program, or why it cannot run. */
function programArgv(env: ToolEnv, program: PeerProgram): string[] | string {
  const peers = env.peersDir;
  const inPeers = (...argv: string[]): string[] | string => (peers ? argv : env.peersMissing ?? 'no peers');
  switch (program) {
    case 'ip-bash': return inPeers(path.join(peers ?? '', 'bench-ip-loop.sh'));
    case 'ip-node': return inPeers(process.execPath, path.join(peers ?? '', 'bench-ip-node.mjs'));
    case 'ip-batch': return inPeers(path.join(peers ?? '', 'bench-ip-batch.sh'));
    case 'pyroute2':
      if (!debInstalled('python3-pyroute2')) return 'python3-pyroute2 is not installed';
      return inPeers('/usr/bin/python3', path.join(peers ?? '', 'bench-pyroute2.py'));
    case 'netlink-npm':
      if (!fs.existsSync(path.join(env.root, 'node_modules', 'netlink', 'package.json'))) return 'npm netlink is not installed (npm ci)';
      return inPeers(process.execPath, path.join(peers ?? '', 'bench-netlink-npm.js'));
    case 'libnl': return peers ? (env.bin.libnl ? [env.bin.libnl] : 'bench-libnl.c did not build') : env.peersMissing ?? '';
    case 'mnl': return peers ? (env.bin.mnl ? [env.bin.mnl] : 'bench-mnl.c did not build') : env.peersMissing ?? '';
    case 'mnl-get': return env.bin.mnlGet ? [env.bin.mnlGet] : 'bench/ref/mnl-get.c did not build';
  }
}

/** A row measured by a peer program: `args` after its argv, the RESULT line read by `sample`. */
export function peer(env: ToolEnv, id: string, how: string, program: PeerProgram,
                     args: string[] | ((fx: FixtureInfo) => string[]),
                     sample: (result: Record<string, string | number>) => Sample): Tool {
  const argv = programArgv(env, program);
  if (typeof argv === 'string') return { id, how, skip: argv };
  return {
    id, how,
    command: (fx: FixtureInfo): Command => ({
      argv: [...argv, ...(typeof args === 'function' ? args(fx) : args)],
      // bench-netlink-npm.js loads netlink from $PEERS_NPM_DIR/node_modules: ours (a devDependency).
      env: { PEERS_NPM_DIR: env.root, LC_ALL: 'C' },
      sample,
    }),
  };
}

/** "RESULT … n=N secs=S": N operations in S seconds. */
export const perN = (result: Record<string, string | number>): Sample => ({ ops: Number(result.n), secs: Number(result.secs) });

/** "RESULT work=dump links=L secs=S": one dump. */
export const oneDump = (result: Record<string, string | number>): Sample =>
  ({ ops: 1, secs: Number(result.secs), metrics: { links: Number(result.links) } });
