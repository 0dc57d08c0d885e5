// Test namespaces: each test file makes its own, with names unique to this
// process, and removes them even when a test fails. Nothing here touches the
// host namespace.
import { execFileSync } from 'child_process';

import { Handle, netns, open } from 'vnic';

let counter = 0;

/** A namespace name unique to this process ("vt1234a3"). */
export function uniqueNs(tag: string): string {
  counter += 1;
  return `vt${process.pid}${tag}${counter}`;
}

export class Sandbox {
  private readonly handles = new Map<string, Handle>();
  readonly names: Record<string, string> = {};

  /** Creates one namespace per role ('host', 'ns1', …). */
  static async create(...roles: string[]): Promise<Sandbox> {
    const sandbox = new Sandbox();
    try {
      for (const role of roles) {
        const name = uniqueNs(role.slice(0, 4));
        await netns.add(name);
        sandbox.names[role] = name;
      }
    } catch (error) {
      await sandbox.cleanup();
      throw error;
    }
    return sandbox;
  }

  ns(role: string): string {
    const name = this.names[role];
    if (!name) throw new Error(`no namespace for role ${role}`);
    return name;
  }

  /** A handle inside the role's namespace (one per role, closed by cleanup). */
  async handle(role: string): Promise<Handle> {
    let handle = this.handles.get(role);
    if (!handle) {
      handle = await open({ netns: this.ns(role) });
      this.handles.set(role, handle);
    }
    return handle;
  }

  async cleanup(): Promise<void> {
    for (const handle of this.handles.values()) handle.close();
    this.handles.clear();
    for (const name of Object.values(this.names)) {
      if (netns.exists(name)) await netns.del(name);
    }
  }
}

/** `ip -n NS -j ARGS…` parsed: an independent view of the kernel's state, for cross-checks. */
export function ipJson<T = any>(ns: string, ...args: string[]): T {
  return JSON.parse(execFileSync('ip', ['-n', ns, '-j', ...args], { encoding: 'utf8' }) || '[]') as T;
}

/** The names of the links in a namespace, as `ip` lists them. */
export function linkNames(ns: string): string[] {
  return ipJson<Array<{ ifname: string }>>(ns, 'link', 'show').map((l) => l.ifname);
}

/** `ip -n NS ARGS…`, for setting up what a test does not test. */
export function ip(ns: string, ...args: string[]): void {
  execFileSync('ip', ['-n', ns, ...args], { stdio: 'pipe' });
}

/**
 * The sanitizer run's preload and options (npm run test:asan), for children a
 * test starts with an environment of its own: a node child that loads the
 * instrumented addon needs libasan first. Empty in a normal run.
 */
export function sanitizerEnv(): Record<string, string> {
  const names = ['LD_PRELOAD', 'ASAN_OPTIONS', 'LSAN_OPTIONS', 'UBSAN_OPTIONS'];
  return Object.fromEntries(names.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name] as string]));
}

/**
 * The environment for a child run under strace. Under npm run test:asan:
 * LeakSanitizer cannot run in a traced process (it stops the world with ptrace
 * itself, and reports that it could not), and ASan's report directory is none
 * of the library's writing: both off while traced.
 */
export function tracedEnv(): NodeJS.ProcessEnv {
  const asan = process.env.ASAN_OPTIONS;
  if (asan === undefined) return process.env;
  const options = asan.split(':').filter((o) => !/^log_(path|exe_name)=/.test(o));
  return { ...process.env, ASAN_OPTIONS: `${options.join(':')}:detect_leaks=0` };
}
