// A throwaway podman, for the end-to-end CNI tests (test/cni-podman.test.ts)
// and the podman rows of bench/cni: its storage, run state, network configs
// and temp files all live in one temp directory (vfs storage: no mounts to
// leave behind), runc as the runtime, cgroupfs, events in a file, the CNI
// backend, and an image imported from busybox-static.
//
// measurePodman() times `podman run --rm IMAGE true` on a network of the
// reference macvlan plugin, on one of vnic-cni through vnicd, and with
// `--network none`: the difference to none is what the network costs a
// container's start (and its removal: --rm runs the DEL too).
import { execFile, execFileSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { promisify } from 'util';

const run = promisify(execFile);
const IMAGE = 'localhost/vnic-busybox:test';
const APPLETS = ['sh', 'ping', 'ip', 'cat', 'sleep', 'nc', 'echo', 'ls', 'true'];

export interface PodmanOptions {
  /** Directories podman searches for CNI plugins, in order. */
  pluginDirs: string[];
  /** Extra environment for podman (and so for the plugins it runs). */
  env?: Record<string, string>;
}

export class Podman {
  readonly dir: string;
  readonly networkDir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly cgroupParent: string;

  constructor(options: PodmanOptions) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'vnic-podman-'));
    this.networkDir = path.join(this.dir, 'networks');
    mkdirSync(this.networkDir);
    mkdirSync(path.join(this.dir, 'tmp'));
    this.cgroupParent = `/vnic-test-${process.pid}`;
    const conf = path.join(this.dir, 'containers.conf');
    writeFileSync(conf, [
      '[network]',
      'network_backend = "cni"',
      `cni_plugin_dirs = ${JSON.stringify(options.pluginDirs)}`,
      `network_config_dir = ${JSON.stringify(this.networkDir)}`,
      '[engine]',
      // Also for the podman that conmon starts to clean up after a container (its CNI DEL), which gets no other environment of ours.
      `env = ${JSON.stringify(Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`))}`,
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      '',
    ].join('\n'));
    this.env = { ...process.env, ...options.env, CONTAINERS_CONF: conf, TMPDIR: path.join(this.dir, 'tmp') };
  }

  private args(rest: string[]): string[] {
    return [
      '--root', path.join(this.dir, 'root'), '--runroot', path.join(this.dir, 'runroot'), '--tmpdir', path.join(this.dir, 'libpod'),
      '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
      '--network-backend', 'cni', '--network-config-dir', this.networkDir, '--runtime', 'runc',
      ...rest,
    ];
  }

  /** Runs podman; resolves with stdout, rejects with stderr in the message. */
  async podman(...rest: string[]): Promise<string> {
    try {
      const { stdout } = await run('podman', this.args(rest), { env: this.env, timeout: 60_000 });
      return stdout;
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`podman ${rest.join(' ')}: ${e.stderr || e.stdout || e.message}`);
    }
  }

  /** Imports a busybox-static root filesystem as the test image. */
  async importImage(): Promise<string> {
    const rootfs = path.join(this.dir, 'rootfs');
    mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
    mkdirSync(path.join(rootfs, 'tmp'), { mode: 0o1777 });
    cpSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
    for (const applet of APPLETS) symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    const tar = path.join(this.dir, 'rootfs.tar');
    execFileSync('tar', ['-C', rootfs, '-cf', tar, '.']);
    await this.podman('import', tar, IMAGE);
    return IMAGE;
  }

  /** `podman run` options every container here needs on this host. */
  runOptions(network: string): string[] {
    return ['--network', network, '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=4096:4096',
      `--cgroup-parent=${this.cgroupParent}`];
  }

  writeNetwork(name: string, conflist: object): void {
    writeFileSync(path.join(this.networkDir, `${name}.conflist`), JSON.stringify(conflist, null, 2));
  }

  /** Removes every container, then the whole directory and the cgroup parent. */
  async destroy(): Promise<void> {
    await this.podman('rm', '--all', '--force', '--time', '0').catch(() => '');
    rmSync(this.dir, { recursive: true, force: true });
    // podman leaves the cgroup parent (and conmon's child) in every hierarchy.
    for (const hierarchy of readdirSync('/sys/fs/cgroup')) removeCgroup(path.join('/sys/fs/cgroup', hierarchy, this.cgroupParent));
  }
}

/** rmdir a cgroup directory, children first (cgroupfs refuses rm of its files). */
function removeCgroup(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroup(path.join(dir, entry.name));
  }
  try {
    rmdirSync(dir);
  } catch {
    // still in use: a container that outlived `rm --force`; the test's leak check will say so
  }
}

/** What podman needs here, or why the podman rows are skipped. */
export function podmanMissing(): string | undefined {
  for (const [file, what] of [['/usr/bin/podman', 'podman'], ['/usr/sbin/runc', 'runc'], ['/bin/busybox', 'busybox-static'],
    ['/usr/lib/cni/macvlan', 'the reference plugins']]) {
    if (!existsSync(file)) return `${what} is missing (${file}; npm run ensure installs it)`;
  }
  return undefined;
}

/** Where podman (libcni, the image cache) writes outside its own directories: removed after a run that made them. */
export const PODMAN_HOST_CACHES = ['/var/lib/cni', '/var/lib/containers'];

export interface PodmanPlan {
  /** Timed runs per network (after one warm-up each). */
  runs: number;
  /** The master: a link in the host namespace (a veth end the caller made; never eth0). */
  master: string;
  /** The directory holding the vnic-cni client. */
  clientDir: string;
  /** vnicd's socket (a daemon the caller started in the host namespace). */
  socketPath: string;
  /** host-local's dataDir for both networks. */
  ipamDir: string;
  /** An IPv4 subnet no one else uses. */
  subnet: string;
}

export interface PodmanTimes {
  /** Spawn-to-exit of each `podman run --rm … true`, ms, per network: none, reference, vnic. */
  none: number[];
  reference: number[];
  vnic: number[];
}

/**
 * Times `podman run --rm … true` round robin over --network none, a reference
 * macvlan network and a vnic-cni network (through vnicd: the client is given
 * no fallback, so the daemon answers every call).
 */
export async function measurePodman(plan: PodmanPlan): Promise<PodmanTimes> {
  const podman = new Podman({
    pluginDirs: [plan.clientDir, '/usr/lib/cni'],
    env: { VNIC_CNI_SOCKET: plan.socketPath, VNIC_CNI_MAIN: path.join(plan.ipamDir, 'no-such-main.js') },
  });
  try {
    const image = await podman.importImage();
    const conflist = (name: string, type: string): object => ({
      cniVersion: '1.0.0',
      name,
      plugins: [{
        type, master: plan.master, mode: 'bridge',
        ipam: { type: 'host-local', ranges: [[{ subnet: plan.subnet }]], dataDir: plan.ipamDir },
      }],
    });
    podman.writeNetwork('benchref', conflist('benchref', 'macvlan'));
    podman.writeNetwork('benchvnic', conflist('benchvnic', 'vnic-cni'));
    const networks: Array<[keyof PodmanTimes, string]> = [['none', 'none'], ['reference', 'benchref'], ['vnic', 'benchvnic']];
    const once = async (network: string): Promise<number> => {
      const started = process.hrtime.bigint();
      await podman.podman('run', '--rm', ...podman.runOptions(network), image, 'true');
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const times: PodmanTimes = { none: [], reference: [], vnic: [] };
    for (const [, network] of networks) await once(network);
    for (let i = 0; i < plan.runs; i++) {
      for (const [key, network] of networks) times[key].push(await once(network));
    }
    return times;
  } finally {
    await podman.destroy();
  }
}
