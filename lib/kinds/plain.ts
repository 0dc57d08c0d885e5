// Kinds that take no options of their own: creating one is its kind name plus
// the common options, and the kernel reports no data for it (get / list give
// `info: undefined`). They share this file because they have no code; a kind
// that grows options moves to a file of its own.
//   dummy – a link that drops what it is sent: a stable address to bind to.
//   ifb   – Intermediate Functional Block: redirect ingress traffic to it to shape it.
//   vcan  – a virtual CAN bus (loopback for CAN frames).
//   team  – link aggregation driven from user space (teamd, over generic
//           netlink); ports join with `master`, like a bond's.
import type { LinkAddCommon } from '../types';
import { tableCodec } from './options';

export interface DummyAddOptions extends LinkAddCommon {
  kind: 'dummy';
}

export interface IfbAddOptions extends LinkAddCommon {
  kind: 'ifb';
}

export interface VcanAddOptions extends LinkAddCommon {
  kind: 'vcan';
}

export interface TeamAddOptions extends LinkAddCommon {
  kind: 'team';
}

export const PLAIN_KINDS = ['dummy', 'ifb', 'vcan', 'team'] as const;

export const plain = tableCodec({ kinds: PLAIN_KINDS, add: {}, needsParent: false });
