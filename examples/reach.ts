// "Does A reach B?" between namespaces, with vnic's own sockets: no ping, no
// `ip netns exec`, no program spawned. A UDP echo responder is bound to the
// target address inside the target namespace (netns.udp), a probe socket in
// the source namespace sends it a random token, and the answer is whether the
// token comes back, from that address, before a short deadline.
//
// UDP rather than TCP: netns.connect only hands the socket over once the
// connection is made, so a connect towards a silent address could not be cut
// short at our deadline; it would linger for the kernel's own SYN timeout
// (minutes) and keep the process alive. A datagram socket is ours to close.
import { randomBytes } from 'crypto';
import type { RemoteInfo, Socket } from 'dgram';
import { isIPv6 } from 'net';

import { netns } from '../lib';
import type { NetnsTarget } from '../lib';

export interface ReachTarget {
  /** The namespace holding the address: the echo responder runs there. */
  netns: NetnsTarget;
  /** An address of that namespace (bare, no prefix length). */
  address: string;
}

export interface ReachOptions {
  /** How long to wait for the echo before answering false; default 1000 ms. */
  timeoutMs?: number;
  /** The probe is resent this often until the deadline, so one lost datagram is no false "no"; default 200 ms. */
  intervalMs?: number;
}

/** Send errors that mean "there is no way there" (an answer), not a broken lab (an error). */
const UNREACHABLE = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EHOSTDOWN']);

/**
 * Whether a datagram from `from` reaches `to.address` and the reply comes
 * back within the deadline. A missing namespace, or an address `to.netns`
 * does not hold, rejects (a VnicError from netns.udp): that is a broken lab,
 * not "unreachable". Every socket is closed before this settles.
 */
export async function reaches(from: NetnsTarget, to: ReachTarget, options: ReachOptions = {}): Promise<boolean> {
  const type = isIPv6(to.address) ? 'udp6' : 'udp4';
  const responder = await netns.udp(to.netns, { type, address: to.address });
  try {
    echoEverything(responder);
    const probe = await netns.udp(from, { type });
    try {
      return await awaitEcho(probe, to.address, responder.address().port, options);
    } finally {
      await closeSocket(probe);
    }
  } finally {
    await closeSocket(responder);
  }
}

/** Sends every datagram back where it came from. */
function echoEverything(responder: Socket): void {
  responder.on('message', (message: Buffer, sender: RemoteInfo) => {
    // A reply that can't leave means the way back is closed: the probe times out, which is the right answer.
    responder.send(message, sender.port, sender.address, () => undefined);
  });
}

/** Sends a token to address:port until it comes back (true), the deadline passes or the kernel says there's no route (false). */
function awaitEcho(probe: Socket, address: string, port: number, options: ReachOptions): Promise<boolean> {
  const token = randomBytes(16);
  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: boolean | Error): void => {
      if (settled) return;
      settled = true;
      clearInterval(resend);
      clearTimeout(deadline);
      probe.off('message', onMessage);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onMessage = (message: Buffer, sender: RemoteInfo): void => {
      if (sender.address === address && sender.port === port && message.equals(token)) finish(true);
    };
    const send = (): void => probe.send(token, port, address, (error) => {
      if (!error) return;
      const code = (error as NodeJS.ErrnoException).code ?? '';
      finish(UNREACHABLE.has(code) ? false : error);
    });
    probe.on('message', onMessage);
    const resend = setInterval(send, options.intervalMs ?? 200);
    const deadline = setTimeout(() => finish(false), options.timeoutMs ?? 1000);
    send();
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}
