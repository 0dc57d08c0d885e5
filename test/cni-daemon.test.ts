// vnicd and its thin client vnic-cni (native/cni/vnic-cni.c): the protocol's
// framing, the client's robustness against a daemon that misbehaves (fake
// daemons here), and real CNI calls through the daemon, through the client's
// no-daemon fallback and through the in-process entry (dist/lib/cni/main.js),
// which must all give the same answers. The master is a veth end inside a
// test namespace ("host"); the daemons here work from it (hostNetns /
// --netns), the other paths run inside it (nsenter --net).
import { spawn } from 'child_process';
import type { ChildProcess } from 'child_process';
import {
  closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync,
} from 'fs';
import * as net from 'net';
import { tmpdir } from 'os';
import * as path from 'path';

import { netns, open } from 'vnic';
import { DaemonError, startDaemon } from '../lib/cni/daemon';
import type { Daemon } from '../lib/cni/daemon';
import {
  MAX_STDIN_BYTES, ProtocolError, RequestParser, decodeResponse, encodeRequest, encodeResponse, forwardedEnv,
} from '../lib/cni/protocol';
import { VERSION_RESULT } from '../lib/cni/version';
import { native, packageRoot } from '../lib/native';
import { Sandbox, ip, sanitizerEnv, uniqueNs } from './helpers/sandbox';

jest.setTimeout(120_000);

const ROOT = packageRoot();
const CLIENT = path.join(ROOT, 'build', 'Release', 'vnic-cni');
const JS_CLIENT = path.join(ROOT, 'bin', 'vnic-cni.js');
const VNICD = path.join(ROOT, 'bin', 'vnicd.js');
const MAIN = path.join(ROOT, 'dist', 'lib', 'cni', 'main.js');
const MASTER = 'm0';
const SUBNET = '10.77.0.0/24';

interface Outcome { exitCode: number; stdout: string; stderr: string }

interface RunOptions {
  env: Record<string, string>;
  stdin?: string | Buffer;
  /** Run inside this namespace (nsenter --net): where the master is, for the paths without a daemon. */
  netns?: string;
}

/** Runs a program with exactly `env` (plus PATH and a sanitizer run's preload), feeds stdin, collects both outputs. */
function run(file: string, args: string[], options: RunOptions): Promise<Outcome> {
  const [cmd, argv] = options.netns === undefined ? [file, args] : ['nsenter', [`--net=/run/netns/${options.netns}`, file, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...sanitizerEnv(), ...options.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => undefined); // a client that answers before reading it all (VERSION)
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({
      exitCode: code ?? (signal ? 128 : -1),
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** The CNI_* variables of one call. */
function cniEnv(command: string, containerId: string, containerNs: string | undefined, ifname = 'eth0'): Record<string, string> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: containerNs === undefined ? '' : `/run/netns/${containerNs}`,
    CNI_IFNAME: ifname,
    CNI_PATH: '/usr/lib/cni',
  };
}

function netconf(name: string, dataDir: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    cniVersion: '1.0.0', name, type: 'vnic-cni', master: MASTER, mode: 'bridge',
    ipam: { type: 'host-local', ranges: [[{ subnet: SUBNET, gateway: '10.77.0.1' }]], dataDir },
    ...extra,
  });
}

/** An outcome with what legitimately differs between two runs (random MAC, namespace path) masked. */
function normalized(outcome: Outcome): { exitCode: number; stdout: unknown } {
  if (outcome.stdout.trim() === '') return { exitCode: outcome.exitCode, stdout: '' };
  const parsed = JSON.parse(outcome.stdout) as { interfaces?: Array<Record<string, unknown>> };
  for (const iface of parsed.interfaces ?? []) {
    if (typeof iface.mac === 'string') iface.mac = 'MAC';
    if (typeof iface.sandbox === 'string') iface.sandbox = 'SANDBOX';
  }
  return { exitCode: outcome.exitCode, stdout: parsed };
}

function cniError(outcome: Outcome): { code: number; msg: string; details?: string } {
  expect(outcome.exitCode).toBe(1);
  return JSON.parse(outcome.stdout) as { code: number; msg: string; details?: string };
}

/** What the IPAM state holds besides its lock and round-robin files. */
function heldAddresses(dataDir: string, network: string): string[] {
  const dir = path.join(dataDir, network);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((file) => file !== 'lock' && !file.startsWith('last_reserved_ip.'));
}

/** The links in a namespace besides lo. */
async function linksIn(ns: string): Promise<string[]> {
  const handle = await open({ netns: ns });
  try {
    return (await handle.link.list()).map((link) => link.name).filter((name) => name !== 'lo');
  } finally {
    handle.close();
  }
}

let sandbox: Sandbox;
let tmp: string;

beforeAll(async () => {
  for (const file of [CLIENT, MAIN]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: build first (npm run ensure)`);
  }
  tmp = mkdtempSync(path.join(tmpdir(), 'vnic-cnid-'));
  sandbox = await Sandbox.create('host');
  const host = sandbox.ns('host');
  ip(host, 'link', 'add', MASTER, 'type', 'veth', 'peer', 'name', 'm0peer');
  ip(host, 'link', 'set', MASTER, 'up');
  ip(host, 'link', 'set', 'm0peer', 'up');
});

afterAll(async () => {
  await sandbox?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A fresh directory under the run's temp dir. */
function scratch(tag: string): string {
  return mkdtempSync(path.join(tmp, `${tag}-`));
}

/** Namespaces for containers, removed by the returned function. */
async function containers(count: number, tag: string): Promise<{ names: string[]; remove(): Promise<void> }> {
  const names: string[] = [];
  const remove = async (): Promise<void> => {
    for (const name of names) if (netns.exists(name)) await netns.del(name);
  };
  try {
    for (let i = 0; i < count; i++) {
      const name = uniqueNs(tag);
      await netns.add(name);
      names.push(name);
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { names, remove };
}

describe('protocol framing', () => {
  test('a request decodes from any chunking, and only CNI_*/VNIC_* are forwarded', () => {
    const env = forwardedEnv({ CNI_COMMAND: 'ADD', VNIC_CNI_TIMEOUT: '5', PATH: '/bin', HOME: undefined, CNI_ARGS: 'a=b=c' });
    expect(env).toEqual({ CNI_COMMAND: 'ADD', VNIC_CNI_TIMEOUT: '5', CNI_ARGS: 'a=b=c' });
    const stdin = Buffer.from('{"name":"x"}\0with a NUL inside');
    const bytes = encodeRequest(env, stdin);
    for (const size of [1, 3, 7, bytes.length]) {
      const parser = new RequestParser();
      for (let i = 0; i < bytes.length; i += size) parser.push(bytes.subarray(i, i + size));
      const request = parser.end();
      expect(request.env).toEqual(env);
      expect(request.stdin.equals(stdin)).toBe(true);
    }
  });

  test('empty environment and empty stdin', () => {
    const parser = new RequestParser();
    parser.push(encodeRequest({}, ''));
    expect(parser.end()).toEqual({ env: {}, stdin: Buffer.alloc(0) });
  });

  test('limits and malformed requests are refused with clear errors', () => {
    const small = { envBytes: 32, stdinBytes: 8 };
    const tooMuchEnv = new RequestParser(small);
    expect(() => tooMuchEnv.push(Buffer.from(`CNI_ARGS=${'x'.repeat(40)}`))).toThrow(/variables exceed 32 bytes/);

    const tooMuchStdin = new RequestParser(small);
    expect(() => tooMuchStdin.push(encodeRequest({ CNI_COMMAND: 'ADD' }, '123456789'))).toThrow(/stdin exceeds 8 bytes/);

    const truncated = new RequestParser();
    truncated.push(Buffer.from('CNI_COMMAND=ADD\0'));
    expect(() => truncated.end()).toThrow(ProtocolError);
    expect(() => truncated.end()).toThrow(/ended after 16 bytes, inside its environment/);

    const foreign = new RequestParser();
    foreign.push(Buffer.from('PATH=/bin\0\0'));
    expect(() => foreign.end()).toThrow(/only CNI_\* and VNIC_\* variables/);

    const noEquals = new RequestParser();
    noEquals.push(Buffer.from('CNI_COMMAND\0\0'));
    expect(() => noEquals.end()).toThrow(/only CNI_\* and VNIC_\* variables, as NAME=VALUE/);

    expect(() => encodeRequest({ PATH: '/bin' }, '')).toThrow(/cannot forward/);
  });

  test('the first of two entries with one name wins, as getenv does', () => {
    const parser = new RequestParser();
    parser.push(Buffer.from('CNI_COMMAND=ADD\0CNI_COMMAND=DEL\0\0'));
    expect(parser.end().env).toEqual({ CNI_COMMAND: 'ADD' });
  });

  test('responses', () => {
    expect(decodeResponse(encodeResponse(0, '{"a":1}'))).toEqual({ exitCode: 0, stdout: Buffer.from('{"a":1}') });
    expect(decodeResponse(encodeResponse(255, ''))).toEqual({ exitCode: 255, stdout: Buffer.alloc(0) });
    expect(() => encodeResponse(256, '')).toThrow(RangeError);
    expect(() => decodeResponse(Buffer.alloc(0))).toThrow(/without answering/);
    expect(() => decodeResponse(Buffer.from('1'))).toThrow(/exit code line/);
    expect(() => decodeResponse(Buffer.from('300\n'))).toThrow(/exit code line/);
    expect(() => decodeResponse(Buffer.from('x\n{}'))).toThrow(/exit code line/);
  });
});

describe('VERSION, answered by the clients themselves', () => {
  test('the native client prints VERSION_RESULT byte for byte, with no daemon, no node on PATH, no environment', async () => {
    const outcome = await run('env', ['-i', 'CNI_COMMAND=VERSION', CLIENT], { env: {} });
    expect(outcome).toEqual({ exitCode: 0, stdout: VERSION_RESULT, stderr: '' });
  });

  test('with podman\'s VERSION environment and a config on stdin, still without any daemon', async () => {
    const outcome = await run(CLIENT, [], {
      env: { CNI_COMMAND: 'VERSION', CNI_NETNS: 'dummy', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy', VNIC_CNI_SOCKET: path.join(tmp, 'none.sock'), VNIC_CNI_MAIN: '/nonexistent' },
      stdin: '{"cniVersion":"1.0.0"}',
    });
    expect(outcome).toEqual({ exitCode: 0, stdout: VERSION_RESULT, stderr: '' });
  });

  test('the npm bin (bin/vnic-cni.js) gives the same bytes', async () => {
    const outcome = await run('env', ['-i', 'CNI_COMMAND=VERSION', process.execPath, JS_CLIENT], { env: {} });
    expect(outcome).toEqual({ exitCode: 0, stdout: VERSION_RESULT, stderr: '' });
  });
});

/** A fake daemon on a fresh socket: `onRequest` gets each connection once its request has fully arrived. */
async function fakeDaemon(onRequest: (socket: net.Socket, request: Buffer) => void): Promise<{ socketPath: string; close(): Promise<void> }> {
  const socketPath = path.join(scratch('fake'), 'cni.sock');
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => onRequest(socket, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('the native client against fake daemons', () => {
  test('forwards CNI_* and VNIC_* and all of stdin, then relays the exit code and stdout', async () => {
    let seen: Buffer | undefined;
    const fake = await fakeDaemon((socket, request) => {
      seen = request;
      socket.end('3\n{"relayed":true}\n');
    });
    try {
      // Larger than a socket buffer: the client's partial, non-blocking writes must carry it all.
      const stdin = Buffer.from(JSON.stringify({ name: 'big', pad: 'x'.repeat(600_000) }));
      const outcome = await run(CLIENT, [], {
        env: { ...cniEnv('ADD', 'c1', 'nowhere'), VNIC_CNI_SOCKET: fake.socketPath, VNIC_EXTRA: 'a=b', OTHER: 'not sent' },
        stdin,
      });
      expect(outcome).toEqual({ exitCode: 3, stdout: '{"relayed":true}\n', stderr: '' });
      const parser = new RequestParser({ envBytes: 65536, stdinBytes: 1 << 20 });
      parser.push(seen as Buffer);
      const request = parser.end();
      expect(request.env).toEqual({ ...cniEnv('ADD', 'c1', 'nowhere'), VNIC_CNI_SOCKET: fake.socketPath, VNIC_EXTRA: 'a=b' });
      expect(request.stdin.equals(stdin)).toBe(true);
    } finally {
      await fake.close();
    }
  });

  test('a daemon that closes without answering: code 999, exit 1, at once', async () => {
    const fake = await fakeDaemon((socket) => socket.destroy());
    try {
      const error = cniError(await run(CLIENT, [], { env: { ...cniEnv('ADD', 'c1', 'x'), VNIC_CNI_SOCKET: fake.socketPath }, stdin: '{}' }));
      expect(error.code).toBe(999);
      expect(error.msg).toMatch(/closed the connection without answering/);
    } finally {
      await fake.close();
    }
  });

  test('the npm bin client too: a daemon that closes without answering is code 999, and relays what one answers', async () => {
    const dying = await fakeDaemon((socket) => socket.destroy());
    const answering = await fakeDaemon((socket) => socket.end('7\nrelayed'));
    try {
      const error = cniError(await run(process.execPath, [JS_CLIENT], { env: { ...cniEnv('ADD', 'c1', 'x'), VNIC_CNI_SOCKET: dying.socketPath }, stdin: '{}' }));
      expect(error).toMatchObject({ code: 999, msg: expect.stringMatching(/closed the connection without answering/) });
      const relayed = await run(process.execPath, [JS_CLIENT], { env: { ...cniEnv('DEL', 'c1', 'x'), VNIC_CNI_SOCKET: answering.socketPath }, stdin: '{}' });
      expect(relayed).toEqual({ exitCode: 7, stdout: 'relayed', stderr: '' });
    } finally {
      await dying.close();
      await answering.close();
    }
  });

  test('a daemon that never answers: the client gives up after VNIC_CNI_TIMEOUT with code 999', async () => {
    const fake = await fakeDaemon(() => undefined);
    try {
      const error = cniError(await run(CLIENT, [], {
        env: { ...cniEnv('ADD', 'c1', 'x'), VNIC_CNI_SOCKET: fake.socketPath, VNIC_CNI_TIMEOUT: '0.3' }, stdin: '{}',
      }));
      expect(error.code).toBe(999);
      expect(error.msg).toMatch(/did not answer in time/);
      expect(error.details).toContain(fake.socketPath);
    } finally {
      await fake.close();
    }
  });

  test('an answer cut before its exit code line, or garbage: code 999', async () => {
    for (const bytes of ['4', 'not a number\n{}', '1234\n']) {
      const fake = await fakeDaemon((socket) => socket.end(bytes));
      try {
        const error = cniError(await run(CLIENT, [], { env: { ...cniEnv('DEL', 'c1', 'x'), VNIC_CNI_SOCKET: fake.socketPath } }));
        expect(error).toMatchObject({ code: 999, msg: expect.stringMatching(/answer is malformed/) });
      } finally {
        await fake.close();
      }
    }
  });

  test('a bad VNIC_CNI_TIMEOUT is refused clearly', async () => {
    const error = cniError(await run(CLIENT, [], { env: { ...cniEnv('DEL', 'c1', 'x'), VNIC_CNI_TIMEOUT: 'soon' } }));
    expect(error).toEqual({ code: 999, msg: expect.stringMatching(/VNIC_CNI_TIMEOUT must be a number of seconds/), details: 'soon' });
  });

  test('no daemon and no main.js to fall back on: a clear error, not a node stack trace', async () => {
    const error = cniError(await run(CLIENT, [], {
      env: { ...cniEnv('DEL', 'c1', 'x'), VNIC_CNI_SOCKET: path.join(tmp, 'none.sock'), VNIC_CNI_MAIN: path.join(tmp, 'no-main.js') },
    }));
    expect(error).toMatchObject({ code: 999, msg: expect.stringMatching(/VNIC_CNI_MAIN names no readable file/) });
  });
});

describe('the daemon', () => {
  test('socket 0600 in a directory it makes 0700; refuses to start beside a live daemon or over a non-socket', async () => {
    const dir = path.join(scratch('perm'), 'run', 'vnic');
    const socketPath = path.join(dir, 'cni.sock');
    const daemon = await startDaemon({ socketPath, hostNetns: sandbox.ns('host') });
    try {
      expect(daemon.address).toBe(socketPath);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(socketPath).mode & 0o777).toBe(0o600);
      const second = startDaemon({ socketPath, hostNetns: sandbox.ns('host') });
      await expect(second).rejects.toThrow(DaemonError);
      await expect(second).rejects.toMatchObject({ code: 'in-use' });
      // The first one still serves (main.js made unreachable: only a daemon can answer).
      const del = await run(CLIENT, [], {
        env: { ...cniEnv('DEL', 'probe', undefined), VNIC_CNI_SOCKET: socketPath, VNIC_CNI_MAIN: '/nonexistent' },
        stdin: netconf('perm', scratch('perm-ipam')),
      });
      expect(del).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    } finally {
      await daemon.close();
    }
    expect(existsSync(socketPath)).toBe(false);

    const file = path.join(scratch('file'), 'cni.sock');
    writeFileSync(file, 'not a socket');
    await expect(startDaemon({ socketPath: file })).rejects.toMatchObject({ code: 'not-a-socket' });
    expect(readFileSync(file, 'utf8')).toBe('not a socket');
  });

  test('a socket file left by a dead daemon (stale) is replaced at start', async () => {
    const socketPath = path.join(scratch('stale'), 'cni.sock');
    // A process that binds the path and dies without cleaning up, as a kill -9 leaves it.
    const dead = await run(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`], { env: {} });
    expect(dead.exitCode).toBe(128);
    expect(statSync(socketPath).isSocket()).toBe(true);
    const daemon = await startDaemon({ socketPath, hostNetns: sandbox.ns('host') });
    try {
      const del = await run(CLIENT, [], {
        env: { ...cniEnv('DEL', 'probe', undefined), VNIC_CNI_SOCKET: socketPath, VNIC_CNI_MAIN: '/nonexistent' },
        stdin: netconf('stale', scratch('stale-ipam')),
      });
      expect(del).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    } finally {
      await daemon.close();
    }
  });

  test('an oversized request gets a CNI error back, not a reset', async () => {
    const socketPath = path.join(scratch('big'), 'cni.sock');
    const daemon = await startDaemon({ socketPath, hostNetns: sandbox.ns('host') });
    try {
      const error = cniError(await run(CLIENT, [], {
        env: { ...cniEnv('ADD', 'big', 'x'), VNIC_CNI_SOCKET: socketPath },
        stdin: Buffer.alloc(MAX_STDIN_BYTES + 4096, 0x20),
      }));
      expect(error).toMatchObject({ code: 999, msg: expect.stringMatching(/stdin exceeds 1048576 bytes/) });
      // Far beyond: the client stops reading by itself.
      const local = cniError(await run(CLIENT, [], {
        env: { ...cniEnv('ADD', 'big', 'x'), VNIC_CNI_SOCKET: socketPath }, stdin: Buffer.alloc(5 << 20, 0x20),
      }));
      expect(local).toMatchObject({ code: 999, msg: 'vnic-cni: the request is too large' });
    } finally {
      await daemon.close();
    }
  });
});

describe('CNI calls: daemon, fallback and in-process give the same answers', () => {
  type Path = 'in-process' | 'daemon' | 'fallback' | 'npm-bin' | 'npm-bin-fallback';
  let daemon: Daemon;
  let socketPath: string;

  beforeAll(async () => {
    socketPath = path.join(scratch('sock'), 'cni.sock');
    daemon = await startDaemon({ socketPath, hostNetns: sandbox.ns('host') });
  });
  afterAll(async () => {
    await daemon?.close();
  });

  function call(via: Path, env: Record<string, string>, stdin: string): Promise<Outcome> {
    const host = sandbox.ns('host');
    switch (via) {
      case 'in-process':
        return run(process.execPath, [MAIN], { env, stdin, netns: host });
      case 'daemon':
        // main.js out of reach: an answer can only have come from the daemon.
        return run(CLIENT, [], { env: { ...env, VNIC_CNI_SOCKET: socketPath, VNIC_CNI_MAIN: '/nonexistent' }, stdin });
      case 'fallback':
        return run(CLIENT, [], { env: { ...env, VNIC_CNI_SOCKET: path.join(tmp, 'no-daemon.sock') }, stdin, netns: host });
      case 'npm-bin':
        return run(process.execPath, [JS_CLIENT], { env: { ...env, VNIC_CNI_SOCKET: socketPath, VNIC_CNI_MAIN: '/nonexistent' }, stdin });
      case 'npm-bin-fallback':
        return run(process.execPath, [JS_CLIENT], { env: { ...env, VNIC_CNI_SOCKET: path.join(tmp, 'no-daemon.sock') }, stdin, netns: host });
    }
  }

  /** ADD, CHECK, a bad ifname, bad JSON, DEL, DEL again, DEL without a namespace: every outcome, normalized. */
  async function lifecycle(via: Path): Promise<Array<{ exitCode: number; stdout: unknown }>> {
    const ctr = await containers(1, 'lc');
    const dataDir = scratch(`ipam-${via}`);
    const conf = netconf('same', dataDir);
    const id = `ctr-${via}`;
    const [ns] = ctr.names;
    try {
      const add = await call(via, cniEnv('ADD', id, ns), conf);
      expect(add.stderr).toBe('');
      expect(add.exitCode).toBe(0);
      const result = JSON.parse(add.stdout) as Record<string, unknown>;
      expect(await linksIn(ns)).toEqual(['eth0']);
      expect(heldAddresses(dataDir, 'same')).toEqual(['10.77.0.2']);
      const check = await call(via, cniEnv('CHECK', id, ns), JSON.stringify({ ...JSON.parse(conf), prevResult: result }));
      const badIfname = await call(via, cniEnv('ADD', id, ns, 'x'.repeat(16)), conf);
      const badJson = await call(via, cniEnv('ADD', id, ns), '{"name":');
      const del = await call(via, cniEnv('DEL', id, ns), conf);
      expect(await linksIn(ns)).toEqual([]);
      const delAgain = await call(via, cniEnv('DEL', id, ns), conf);
      const delNoNetns = await call(via, cniEnv('DEL', id, undefined), conf);
      expect(heldAddresses(dataDir, 'same')).toEqual([]);
      return [add, check, badIfname, badJson, del, delAgain, delNoNetns].map(normalized);
    } finally {
      await ctr.remove();
    }
  }

  test('ADD / CHECK / errors / DEL through the native client and the daemon match the in-process path', async () => {
    const inProcess = await lifecycle('in-process');
    // Sanity of the reference run itself: a 1.0.0 result, an address, CHECK silent, codes 4 and 6, DELs silent.
    expect(inProcess[0]).toMatchObject({
      exitCode: 0,
      stdout: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac: 'MAC', sandbox: 'SANDBOX' }], ips: [{ address: '10.77.0.2/24', gateway: '10.77.0.1', interface: 0 }] },
    });
    expect(inProcess.slice(1).map((o) => [o.exitCode, (o.stdout as { code?: number }).code ?? o.stdout])).toEqual([
      [0, ''], [1, 4], [1, 6], [0, ''], [0, ''], [0, ''],
    ]);
    expect(await lifecycle('daemon')).toEqual(inProcess);
  });

  test('no daemon: the native client falls back to main.js in-process, same answers', async () => {
    const inProcess = await lifecycle('in-process');
    expect(await lifecycle('fallback')).toEqual(inProcess);
  });

  test('the npm bin client (bin/vnic-cni.js), through the daemon and without one, same answers', async () => {
    const inProcess = await lifecycle('in-process');
    expect(await lifecycle('npm-bin')).toEqual(inProcess);
    expect(await lifecycle('npm-bin-fallback')).toEqual(inProcess);
  });

  test('the fallback works with an empty environment: node found where the build baked it in', async () => {
    const ctr = await containers(1, 'ei');
    const [ns] = ctr.names;
    try {
      // (A sanitizer run keeps its preload: the node child loads the instrumented addon.)
      const env = { ...sanitizerEnv(), ...cniEnv('DEL', 'envless', ns), VNIC_CNI_SOCKET: path.join(tmp, 'no-daemon.sock') };
      const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
      const outcome = await run('nsenter', [`--net=/run/netns/${sandbox.ns('host')}`, 'env', '-i', ...vars, CLIENT], {
        env: {}, stdin: netconf('envless', scratch('envless')),
      });
      expect(outcome).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    } finally {
      await ctr.remove();
    }
  });

  test('100 concurrent ADDs through the client: 100 distinct addresses; 100 DELs leave nothing', async () => {
    const ctr = await containers(100, 'p');
    const dataDir = scratch('par');
    const conf = netconf('par', dataDir);
    try {
      const adds = await Promise.all(ctr.names.map((ns, i) => call('daemon', cniEnv('ADD', `par-${i}`, ns), conf)));
      for (const add of adds) expect({ exitCode: add.exitCode, stderr: add.stderr }).toEqual({ exitCode: 0, stderr: '' });
      const addresses = adds.map((add) => (JSON.parse(add.stdout) as { ips: Array<{ address: string }> }).ips[0].address);
      expect(new Set(addresses).size).toBe(100);
      expect(heldAddresses(dataDir, 'par').sort()).toEqual(addresses.map((a) => a.split('/')[0]).sort());
      // Each namespace holds the address its ADD reported.
      const inKernel = await Promise.all(ctr.names.map(async (ns) => {
        const handle = await open({ netns: ns });
        try {
          return (await handle.addr.list({ link: 'eth0' })).filter((a) => a.family === 4).map((a) => `${a.address}/${a.prefixlen}`);
        } finally {
          handle.close();
        }
      }));
      expect(inKernel).toEqual(addresses.map((a) => [a]));

      const dels = await Promise.all(ctr.names.map((ns, i) => call('daemon', cniEnv('DEL', `par-${i}`, ns), conf)));
      for (const del of dels) expect(del).toEqual({ exitCode: 0, stdout: '', stderr: '' });
      expect(readdirSync(path.join(dataDir, 'par')).sort()).toEqual(['last_reserved_ip.0', 'lock']);
      const left = await Promise.all(ctr.names.map((ns) => linksIn(ns)));
      expect(left.flat()).toEqual([]);
    } finally {
      await ctr.remove();
    }
  });
});

/** vnicd as a process of its own (bin/vnicd.js), working from the test's host namespace. */
async function spawnVnicd(socketPath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [VNICD, '--socket', socketPath, '--netns', sandbox.ns('host')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...sanitizerEnv() }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vnicd did not start: ${stderr}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vnicd exited (${code}): ${stderr}`));
    });
  });
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Whether pid waits in /proc/locks for a flock on the file (a "->" line: blocked, not holding). */
/** Polls every 20 ms (at most 30 s) until `done()`; `what` names the wait in the error. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 1500) throw new Error(what);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The end of a daemon test: the lock let go, a daemon still running killed, the containers removed. */
async function cleanUp(lockFd: number | undefined, daemon: ChildProcess, ctr: { remove(): Promise<void> }): Promise<void> {
  if (lockFd !== undefined) closeSync(lockFd);
  if (daemon.exitCode === null && daemon.signalCode === null) {
    daemon.kill('SIGKILL');
    await exited(daemon);
  }
  await ctr.remove();
}

function waitsForLock(file: string, pid: number): boolean {
  const ino = statSync(file).ino;
  const pattern = new RegExp(`->\\s+FLOCK\\s+\\S+\\s+WRITE\\s+${pid}\\s+[0-9a-f]+:[0-9a-f]+:${ino}\\s`);
  return readFileSync('/proc/locks', 'utf8').split('\n').some((line) => pattern.test(line));
}

describe('vnicd as a process', () => {
  test('kill -9 during an ADD: the client says so (999); a new daemon replaces the socket; DEL/ADD/DEL leave a consistent state', async () => {
    const socketPath = path.join(scratch('kill'), 'cni.sock');
    const dataDir = scratch('kill-ipam');
    const conf = netconf('kill', dataDir);
    const ctr = await containers(2, 'k');
    const [warm, victim] = ctr.names;
    const env = (command: string, id: string, ns: string | undefined): Record<string, string> =>
      ({ ...cniEnv(command, id, ns), VNIC_CNI_SOCKET: socketPath, VNIC_CNI_MAIN: '/nonexistent' });
    let daemon = await spawnVnicd(socketPath);
    let lockFd: number | undefined;
    try {
      // A first ADD/DEL makes the network's state directory and its lock file.
      expect((await run(CLIENT, [], { env: env('ADD', 'warm', warm), stdin: conf })).exitCode).toBe(0);
      expect((await run(CLIENT, [], { env: env('DEL', 'warm', warm), stdin: conf })).exitCode).toBe(0);

      // Hold the IPAM lock, so the daemon's next ADD stops inside the call, waiting for it.
      const lock = path.join(dataDir, 'kill', 'lock');
      lockFd = openSync(lock, 'r');
      await native().flock(lockFd, 'exclusive');
      const pending = run(CLIENT, [], { env: env('ADD', 'victim', victim), stdin: conf });
      const pid = daemon.pid as number;
      await until(() => waitsForLock(lock, pid), 'the daemon never reached the IPAM lock');
      daemon.kill('SIGKILL');
      const error = cniError(await pending);
      expect(error).toMatchObject({ code: 999, msg: expect.stringMatching(/closed the connection without answering/) });
      expect(await exited(daemon)).toEqual({ code: null, signal: 'SIGKILL' });
      closeSync(lockFd);
      lockFd = undefined;
      expect(statSync(socketPath).isSocket()).toBe(true); // left behind by the killed daemon

      daemon = await spawnVnicd(socketPath);
      // What a runtime does after a failed ADD: DEL; then the container's ADD again, and its DEL.
      expect(await run(CLIENT, [], { env: env('DEL', 'victim', victim), stdin: conf })).toEqual({ exitCode: 0, stdout: '', stderr: '' });
      expect(heldAddresses(dataDir, 'kill')).toEqual([]);
      expect(await linksIn(victim)).toEqual([]);
      const again = await run(CLIENT, [], { env: env('ADD', 'victim', victim), stdin: conf });
      expect(again.exitCode).toBe(0);
      const address = (JSON.parse(again.stdout) as { ips: Array<{ address: string }> }).ips[0].address;
      expect(heldAddresses(dataDir, 'kill')).toEqual([address.split('/')[0]]);
      expect(readFileSync(path.join(dataDir, 'kill', address.split('/')[0]), 'utf8')).toBe('victim\r\neth0');
      expect(await linksIn(victim)).toEqual(['eth0']);
      expect(await run(CLIENT, [], { env: env('DEL', 'victim', victim), stdin: conf })).toEqual({ exitCode: 0, stdout: '', stderr: '' });
      expect(readdirSync(path.join(dataDir, 'kill')).sort()).toEqual(['last_reserved_ip.0', 'lock']);
      expect(await linksIn(victim)).toEqual([]);

      // SIGTERM: a graceful stop that removes the socket.
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toEqual({ code: 0, signal: null });
      expect(existsSync(socketPath)).toBe(false);
    } finally {
      await cleanUp(lockFd, daemon, ctr);
    }
  });

  test('SIGTERM with a call in flight: the call finishes and answers, then vnicd exits 0 and removes its socket', async () => {
    const socketPath = path.join(scratch('term'), 'cni.sock');
    const dataDir = scratch('term-ipam');
    const conf = netconf('term', dataDir);
    const ctr = await containers(1, 't');
    const [ns] = ctr.names;
    const env = (command: string): Record<string, string> =>
      ({ ...cniEnv(command, 'term', ns), VNIC_CNI_SOCKET: socketPath, VNIC_CNI_MAIN: '/nonexistent' });
    const daemon = await spawnVnicd(socketPath);
    let lockFd: number | undefined;
    try {
      // The network's lock file comes with its first call.
      expect((await run(CLIENT, [], { env: env('DEL'), stdin: conf })).exitCode).toBe(0);
      const lock = path.join(dataDir, 'term', 'lock');
      mkdirSync(path.dirname(lock), { recursive: true });
      lockFd = openSync(lock, 'a');
      await native().flock(lockFd, 'exclusive');
      const pending = run(CLIENT, [], { env: env('ADD'), stdin: conf });
      await until(() => waitsForLock(lock, daemon.pid as number), 'the daemon never reached the IPAM lock');
      daemon.kill('SIGTERM');
      // It stops accepting at once: a new call finds no daemon (here: no fallback either, by VNIC_CNI_MAIN).
      await until(() => !existsSync(socketPath), 'vnicd kept its socket after SIGTERM');
      expect(cniError(await run(CLIENT, [], { env: env('DEL'), stdin: conf })).msg).toMatch(/VNIC_CNI_MAIN names no readable file/);
      // ... but it is still there, finishing the ADD it holds.
      expect(daemon.exitCode).toBeNull();
      closeSync(lockFd);
      lockFd = undefined;
      const add = await pending;
      expect(add.exitCode).toBe(0);
      expect((JSON.parse(add.stdout) as { ips: unknown[] }).ips).toHaveLength(1);
      expect(await exited(daemon)).toEqual({ code: 0, signal: null });
      // No daemon now: the fallback cleans up, as a runtime's DEL would.
      const del = await run(CLIENT, [], { env: { ...env('DEL'), VNIC_CNI_MAIN: '' }, stdin: conf, netns: sandbox.ns('host') });
      expect(del).toEqual({ exitCode: 0, stdout: '', stderr: '' });
      expect(heldAddresses(dataDir, 'term')).toEqual([]);
      expect(await linksIn(ns)).toEqual([]);
    } finally {
      await cleanUp(lockFd, daemon, ctr);
    }
  });

  test('vnicd --help, and a bad flag', async () => {
    const help = await run(process.execPath, [VNICD, '--help'], { env: {} });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/usage: vnicd \[--socket PATH\]/);
    const bad = await run(process.execPath, [VNICD, '--sock'], { env: {} });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/usage: vnicd/);
  });
});
