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

export const veth: KindCodec = {
  kinds: ['veth'],
  addKeys: ['peer'],
  setKeys: [],
  needsParent: false,

  async encodeAdd(options, ctx) {
    const peer = options.peer as VethPeerOptions | undefined;
    if (typeof peer !== 'object' || peer === null) throw invalid(ctx.op, 'peer', 'a veth needs peer: { name }');
    checkKnownKeys(ctx.op, peer, ['name', 'netns', 'address', 'mtu']);
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
