// The wire format between the vnic-cni client (native/cni/vnic-cni.c, or
// bin/vnic-cni.js) and the resident daemon (lib/cni/daemon.ts), on a
// SOCK_STREAM unix socket:
//   request:  every CNI_* and VNIC_* variable as "NAME=VALUE\0", one more
//             "\0", then the plugin's stdin bytes; the client then shuts
//             its write side down, so the end of stdin is the end of stream.
//   response: the exit code in ASCII decimal and "\n", then the plugin's
//             stdout bytes; the daemon then closes.
// No length prefixes: a CNI call is one request and one answer, and the
// client is a few lines of C. This file imports nothing native.

/** Where the daemon listens unless told otherwise (VNIC_CNI_SOCKET). */
export const DEFAULT_SOCKET_PATH = '/run/vnic/cni.sock';
/** The environment part of a request, NULs included. */
export const MAX_ENV_BYTES = 64 * 1024;
/** The stdin part of a request (a network configuration with its prevResult). */
export const MAX_STDIN_BYTES = 1024 * 1024;
/** The variables a client forwards. */
export const FORWARDED_PREFIXES: readonly string[] = ['CNI_', 'VNIC_'];

export type ProtocolErrorCode = 'env-too-large' | 'stdin-too-large' | 'bad-variable' | 'truncated' | 'bad-response';

/** A request or response that breaks the framing above. */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/** One decoded request. */
export interface CniRequest {
  /** The forwarded CNI_* / VNIC_* variables. */
  env: Record<string, string>;
  stdin: Buffer;
}

/** One decoded response. */
export interface CniResponse {
  exitCode: number;
  stdout: Buffer;
}

/** The socket path a process should use: VNIC_CNI_SOCKET, else the default. */
export function socketPathFrom(env: Record<string, string | undefined> = process.env): string {
  const configured = env.VNIC_CNI_SOCKET;
  return configured !== undefined && configured !== '' ? configured : DEFAULT_SOCKET_PATH;
}

export function isForwarded(name: string): boolean {
  return FORWARDED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The part of an environment a client sends: its CNI_* and VNIC_* entries. */
export function forwardedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && isForwarded(name)) out[name] = value;
  }
  return out;
}

/** A whole request, as a client sends it. */
export function encodeRequest(env: Record<string, string>, stdin: Buffer | string): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!isForwarded(name) || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      throw new ProtocolError('bad-variable', `cannot forward the variable '${name}'`);
    }
    parts.push(Buffer.from(`${name}=${value}\0`, 'utf8'));
  }
  parts.push(Buffer.alloc(1));
  parts.push(typeof stdin === 'string' ? Buffer.from(stdin, 'utf8') : stdin);
  return Buffer.concat(parts);
}

/**
 * Decodes a request as its bytes arrive: push() every chunk, end() at the end
 * of stream. Limits are enforced as bytes come in, so an oversized request is
 * refused without being held in memory.
 */
export class RequestParser {
  private head: Buffer = Buffer.alloc(0);
  /** Where the next entry starts in `head`, and where the NUL scan resumes. */
  private entryStart = 0;
  private envEnd = -1;
  private readonly stdinChunks: Buffer[] = [];
  private stdinBytes = 0;
  private received = 0;

  constructor(private readonly limits: { envBytes: number; stdinBytes: number } = {
    envBytes: MAX_ENV_BYTES, stdinBytes: MAX_STDIN_BYTES,
  }) {}

  /** Bytes seen so far. */
  get bytes(): number {
    return this.received;
  }

  push(chunk: Buffer): void {
    this.received += chunk.length;
    if (this.envEnd >= 0) return this.addStdin(chunk);
    this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    for (;;) {
      const nul = this.head.indexOf(0, this.entryStart);
      if (nul < 0) break;
      if (nul === this.entryStart) {
        // An empty entry: the environment is over, the rest is stdin.
        this.envEnd = nul;
        const rest = this.head.subarray(nul + 1);
        this.head = this.head.subarray(0, nul);
        if (this.envEnd + 1 > this.limits.envBytes) throw this.envTooLarge();
        if (rest.length > 0) this.addStdin(rest);
        return;
      }
      this.entryStart = nul + 1;
    }
    if (this.head.length > this.limits.envBytes) throw this.envTooLarge();
  }

  /** The request, once the client has ended its side. */
  end(): CniRequest {
    if (this.envEnd < 0) {
      throw new ProtocolError('truncated', `the request ended after ${this.received} bytes, inside its environment part (no closing empty entry)`);
    }
    const env: Record<string, string> = {};
    let start = 0;
    while (start < this.envEnd) {
      const nul = this.head.indexOf(0, start);
      const entry = this.head.toString('utf8', start, nul);
      start = nul + 1;
      const eq = entry.indexOf('=');
      const name = eq > 0 ? entry.slice(0, eq) : '';
      if (!isForwarded(name)) {
        const shown = entry.length > 40 ? `${entry.slice(0, 40)}…` : entry;
        throw new ProtocolError('bad-variable', `the request carries '${shown}': only CNI_* and VNIC_* variables, as NAME=VALUE, are forwarded`);
      }
      // Like getenv(3): the first of two entries with one name wins.
      if (!(name in env)) env[name] = entry.slice(eq + 1);
    }
    return { env, stdin: Buffer.concat(this.stdinChunks, this.stdinBytes) };
  }

  private addStdin(chunk: Buffer): void {
    this.stdinBytes += chunk.length;
    if (this.stdinBytes > this.limits.stdinBytes) {
      throw new ProtocolError('stdin-too-large', `the request's stdin exceeds ${this.limits.stdinBytes} bytes`);
    }
    this.stdinChunks.push(chunk);
  }

  private envTooLarge(): ProtocolError {
    return new ProtocolError('env-too-large', `the request's CNI_*/VNIC_* variables exceed ${this.limits.envBytes} bytes`);
  }
}

/** A whole response, as the daemon sends it. */
export function encodeResponse(exitCode: number, stdout: string | Buffer): Buffer {
  if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) {
    throw new RangeError(`an exit code is an integer from 0 to 255, not ${exitCode}`);
  }
  const body = typeof stdout === 'string' ? Buffer.from(stdout, 'utf8') : stdout;
  return Buffer.concat([Buffer.from(`${exitCode}\n`, 'ascii'), body]);
}

/** Decodes a complete response (everything up to the daemon's close). */
export function decodeResponse(bytes: Buffer): CniResponse {
  if (bytes.length === 0) {
    throw new ProtocolError('truncated', 'the daemon closed the connection without answering (it ended during the call)');
  }
  const newline = bytes.indexOf(0x0a);
  const line = newline > 0 && newline <= 3 ? bytes.toString('ascii', 0, newline) : '';
  if (!/^[0-9]{1,3}$/.test(line) || Number(line) > 255) {
    throw new ProtocolError('bad-response', 'the daemon\'s answer does not start with an exit code line');
  }
  return { exitCode: Number(line), stdout: bytes.subarray(newline + 1) };
}

/**
 * The CNI error a client or the daemon prints for a failure of the transport
 * itself (code 999, "everything else" in the CNI spec), indented like the
 * plugin's own errors (and the reference plugins').
 */
export function transportErrorJson(msg: string, details?: string): string {
  const error: { code: number; msg: string; details?: string } = { code: 999, msg };
  if (details !== undefined && details !== '') error.details = details;
  return JSON.stringify(error, null, 4);
}
