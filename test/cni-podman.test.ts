// End to end under a real container runtime: podman (CNI backend, runc)
// starts containers on a macvlan network whose plugin is vnic-cni — through
// the resident daemon, and without it (the client's in-process fallback) —
// and two containers on it reach each other. The reference macvlan plugin
// runs the same scenario first, so a broken harness is told apart from a
// broken plugin. The master is a veth pair in the host namespace, made and
// removed here: the one place a test touches the host (never eth0).
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';

import { startDaemon } from '../lib/cni/daemon';
import { packageRoot } from '../lib/native';
import { PODMAN_HOST_CACHES, Podman } from '../bench/cni/podman';
import { sanitizerEnv } from './helpers/sandbox';

jest.setTimeout(180_000);

const ROOT = packageRoot();
const CLIENT_DIR = path.join(ROOT, 'build', 'Release');
const MASTER = `vpod${process.pid % 100000}a`;
const PEER = `vpod${process.pid % 100000}b`;
// TEST-NET-2: never routed anywhere; the traffic stays between the two containers.
const SUBNET = '198.51.100.0/24';
const SERVER_IP = '198.51.100.50';

let ipamDir: string;
let netnsBefore: string[];
// podman writes these wherever its storage is (libcni's result cache, the
// image blob-info cache): removed after the run when the run made them.
const HOST_CACHES = PODMAN_HOST_CACHES;
let cachesBefore: boolean[];

function hostIp(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

function conflist(name: string, type: string): object {
  return {
    cniVersion: '1.0.0',
    name,
    plugins: [{
      type, master: MASTER, mode: 'bridge',
      ipam: { type: 'host-local', ranges: [[{ subnet: SUBNET }]], dataDir: ipamDir },
    }],
  };
}

interface Talk { server: string; client: string }

/**
 * A podman of its own (storage, image, network config) with `env` reaching
 * the plugins: a container serving a line over TCP, and a second one that
 * pings it and reads the line; both removed after, and the podman too.
 */
async function twoContainersTalk(network: string, type: string, env: Record<string, string> = {}): Promise<Talk> {
  // A sanitizer run's preload reaches the plugin through podman's cleanup process too.
  const podman = new Podman({ pluginDirs: [CLIENT_DIR, '/usr/lib/cni'], env: { ...sanitizerEnv(), ...env } });
  try {
    const image = await podman.importImage();
    podman.writeNetwork(network, conflist(network, type));
    const options = podman.runOptions(network);
    const serverName = `${network}-srv`;
    // The server asks for a fixed address (podman passes it as CNI_ARGS IP=).
    await podman.podman('run', '-d', '--name', serverName, ...options, '--ip', SERVER_IP, image, 'sh', '-c', 'echo hello-from-server | nc -l -p 7000');
    const server = (await podman.podman('inspect', serverName, '--format', `{{.NetworkSettings.Networks.${network}.IPAddress}}`)).trim();
    const client = await podman.podman('run', '--rm', ...options, image, 'sh', '-c',
      `ip -o -4 addr show eth0; ping -c 1 -W 5 ${server} >/dev/null && echo ping-ok; ` +
      `for i in 1 2 3 4 5 6 7 8 9 10; do got=$(nc -w 2 ${server} 7000 </dev/null); [ -n "$got" ] && break; sleep 0.2; done; echo "received:$got"`);
    await podman.podman('rm', '--force', '--time', '0', serverName);
    return { server, client };
  } finally {
    await podman.destroy();
  }
}

/** The addresses the IPAM state still holds (besides its lock and round-robin files). */
function heldAddresses(network: string): string[] {
  const dir = path.join(ipamDir, network);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip'));
}

function expectTalked(result: Talk): void {
  expect(result.server).toBe(SERVER_IP);
  expect(result.client).toMatch(/inet 198\.51\.100\.\d+\/24/);
  expect(result.client).toContain('ping-ok');
  expect(result.client).toContain('received:hello-from-server');
}

beforeAll(() => {
  cachesBefore = HOST_CACHES.map((dir) => existsSync(dir));
  netnsBefore = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  ipamDir = mkdtempSync(path.join(tmpdir(), 'vnic-podman-ipam-'));
  hostIp('link', 'add', MASTER, 'type', 'veth', 'peer', 'name', PEER);
  hostIp('link', 'set', MASTER, 'up');
  hostIp('link', 'set', PEER, 'up');
});

afterAll(() => {
  try {
    hostIp('link', 'del', MASTER);
  } catch {
    // never made
  }
  rmSync(ipamDir, { recursive: true, force: true });
  HOST_CACHES.forEach((dir, i) => {
    if (!cachesBefore[i]) rmSync(dir, { recursive: true, force: true });
  });
});

afterEach(() => {
  // podman's container namespaces (/run/netns/cni-…) are gone with the containers.
  const now = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  expect(now.filter((name) => !netnsBefore.includes(name) && name.startsWith('cni-'))).toEqual([]);
});

test('control: the reference macvlan plugin under this harness', async () => {
  expectTalked(await twoContainersTalk('refmv', 'macvlan'));
  expect(heldAddresses('refmv')).toEqual([]);
});

test('vnic-cni through the resident daemon: two containers reach each other', async () => {
  const socketDir = mkdtempSync(path.join(tmpdir(), 'vnic-podman-sock-'));
  const socketPath = path.join(socketDir, 'cni.sock');
  const daemon = await startDaemon({ socketPath });
  try {
    // With main.js out of reach, only the daemon can answer: this proves podman went through it.
    expectTalked(await twoContainersTalk('vnicd', 'vnic-cni', {
      VNIC_CNI_SOCKET: socketPath, VNIC_CNI_MAIN: path.join(socketDir, 'no-such-main.js'),
    }));
    expect(heldAddresses('vnicd')).toEqual([]);
  } finally {
    await daemon.close();
    rmSync(socketDir, { recursive: true, force: true });
  }
});

test('vnic-cni without a daemon (the in-process fallback): two containers reach each other', async () => {
  expectTalked(await twoContainersTalk('vnicfb', 'vnic-cni', { VNIC_CNI_SOCKET: path.join(ipamDir, 'no-daemon.sock') }));
  expect(heldAddresses('vnicfb')).toEqual([]);
});
