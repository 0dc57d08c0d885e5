// veth: a pair of links joined back to back; what enters one leaves the other.
// In the labs one end plays the "physical" NIC that macvlans hang off.
import { checkKnownKeys, checkLinkName, checkMtu, checkUnicastMac } from '../validate';
import { invalid } from '../errors';
import type { LinkAddCommon, NetnsTarget } from '../types';
import type { KindCodec } from './types';

export interface VethPeerOptions {
  name: string;
  /** Create the peer directly in another namespace. */
  netns?: NetnsTarget;
  address?: string;
  mtu?: number;
}

export interface VethAddOptions extends LinkAddCommon {
  kind: 'veth';
  peer: VethPeerOptions;
}

/** The kernel reports the peer as the link's parent: its index here. */
export interface VethInfo {
  peer?: number;
}

/**
 * A codec for a pair kind (veth, vxcan): the far end is a link body of its
 * own in the addon's spec. `ethernet`: whether the peer takes a MAC address
 * and an Ethernet MTU.
 */
export function pairCodec(kind: string, ethernet: boolean): KindCodec {
  return {
    kinds: [kind],
    addKeys: ['peer'],
    setKeys: [],
    needsParent: false,

    async encodeAdd(options, ctx) {
      const peer = options.peer as VethPeerOptions | undefined;
      if (typeof peer !== 'object' || peer === null) throw invalid(ctx.op, 'peer', `a ${kind} needs peer: { name }`);
      checkKnownKeys(ctx.op, peer, ethernet ? ['name', 'netns', 'address', 'mtu'] : ['name', 'netns']);
      const spec: Record<string, unknown> = { name: checkLinkName(ctx.op, 'peer.name', peer.name) };
      if (peer.address !== undefined) spec.address = checkUnicastMac(ctx.op, 'peer.address', peer.address);
      if (peer.mtu !== undefined) spec.mtu = checkMtu(ctx.op, 'peer.mtu', peer.mtu);
      if (peer.netns !== undefined) spec.netnsFd = await ctx.netnsFd(peer.netns);
      return { peer: spec };
    },

    encodeSet() {
      return [];
    },
  };
}

export const veth = pairCodec('veth', true);
