// The report's header: the machine, the kernel, and the version of everything measured.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

function run(file: string, args: string[], cwd?: string): string | undefined {
  try {
    return execFileSync(file, args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    // `ip -V` and `python3 --version` answer on stderr on some versions.
    const stderr = (error as { stderr?: string }).stderr;
    return stderr ? String(stderr).trim() : undefined;
  }
}

function deb(name: string): string {
  return run('dpkg-query', ['-W', '-f=${Version}', name]) || 'not installed';
}

function npmVersion(root: string, name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export interface Machine {
  date: string;
  cpus: string;
  memory: string;
  kernel: string;
  node: string;
  vnic: string;
  peers: Record<string, string>;
  loadStart: string;
}

export function describeMachine(root: string): Machine {
  const cpus = os.cpus();
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const commit = run('git', ['rev-parse', '--short', 'HEAD'], root);
  const dirty = run('git', ['status', '--porcelain', '--', 'native', 'lib', 'binding.gyp'], root);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    vnic: `${pkg.version}${commit ? ` (${commit}${dirty ? ', with uncommitted changes in native/ or lib/' : ''})` : ''}`,
    peers: {
      iproute2: (run('ip', ['-V']) ?? 'not installed').split('\n')[0],
      'npm netlink': npmVersion(root, 'netlink'),
      pyroute2: `python3-pyroute2 ${deb('python3-pyroute2')} (${run('/usr/bin/python3', ['--version']) ?? 'no python3'})`,
      libnl: `libnl-route-3 ${deb('libnl-route-3-dev')}`,
      libmnl: `libmnl ${deb('libmnl-dev')}`,
      gcc: (run('gcc', ['--version']) ?? 'not installed').split('\n')[0],
    },
    loadStart: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}
