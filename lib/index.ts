// vnic's public surface.
export { open, Handle } from './handle';
export type { OpenOptions } from './handle';
export * as netns from './netns-api';
export type { NetnsTarget } from './netns';
export type { ListenOptions, ConnectOptions, UdpOptions } from './sockets';
export type { AttachOptions, Attachment, DetachOptions } from './attach';
export { randomMac } from './attach';
export type { Monitor, MonitorEvent, MonitorObject, MonitorOptions } from './monitor';
export { VnicError, errnoCode } from './errors';
export type { VnicErrorDetails } from './errors';
export type { LinkApi, LinkAddOptions, LinkChange, LinkGetOptions, LinkListFilter } from './link';
export type { RouteApi, Route, RouteOptions, RouteListFilter, RouteScope, RouteProtocol, RouteType, RouteTable } from './route';
export type { AddrApi, Address, AddrAddOptions, AddrListFilter, AddrScope } from './addr';
export type {
  Link, LinkAddCommon, LinkSetOptions, LinkInfo, LinkStats, LinkRef, OperState, RawInfo, TapDevice,
} from './types';
export type {
  MacvlanMode, MacvlanOptions, MacvlanAddOptions, MacvtapAddOptions, MacvlanSetOptions, MacvlanInfo, MacaddrChange,
} from './kinds/macvlan';
export { MACVLAN_MODES } from './kinds/macvlan';
export type { VethAddOptions, VethPeerOptions, VethInfo } from './kinds/veth';
export type { BridgeAddOptions, BridgeOptions, BridgeInfo, BridgePortInfo } from './kinds/bridge';
