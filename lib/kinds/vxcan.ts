// vxcan: a pair of CAN interfaces joined back to back — veth for CAN frames,
// to connect vcan buses in different namespaces. Same wire format as veth.
import type { LinkAddCommon, NetnsTarget } from '../types';
import { pairCodec } from './veth';

export interface VxcanPeerOptions {
  name: string;
  /** Create the peer directly in another namespace. */
  netns?: NetnsTarget;
}

export interface VxcanAddOptions extends LinkAddCommon {
  kind: 'vxcan';
  peer: VxcanPeerOptions;
}

/** The peer's index here (IFLA_LINK), as for veth. */
export interface VxcanInfo {
  peer?: number;
}

export const vxcan = pairCodec('vxcan', false);
