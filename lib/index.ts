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
/** Every bound on a size a caller controls (names, aliases, lists, batches), with its reason. */
export * as limits from './limits';
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
export type { PortRange, VxlanOptions, VxlanAddOptions, VxlanSetOptions, VxlanInfo } from './kinds/vxlan';
export type {
  VlanProtocol, VlanQosMapping, VlanOptions, VlanAddOptions, VlanSetOptions, VlanInfo,
} from './kinds/vlan';
export { VLAN_PROTOCOLS } from './kinds/vlan';
export type {
  IpvlanMode, IpvlanFlag, IpvlanOptions, IpvlanAddOptions, IpvtapAddOptions, IpvlanSetOptions, IpvlanInfo,
} from './kinds/ipvlan';
export { IPVLAN_MODES, IPVLAN_FLAGS } from './kinds/ipvlan';
export type {
  BondMode, BondXmitHashPolicy, BondArpValidate, BondArpAllTargets, BondPrimaryReselect, BondFailOverMac,
  BondLacpRate, BondAdSelect, BondOptions, BondAddOptions, BondSetOptions, BondInfo, BondSlaveInfo,
} from './kinds/bond';
export { BOND_MODES, BOND_XMIT_HASH_POLICIES, BOND_ARP_VALIDATE } from './kinds/bond';
export type {
  MacsecCipher, MacsecValidate, MacsecOptions, MacsecAddOptions, MacsecSetOptions, MacsecInfo,
} from './kinds/macsec';
export { MACSEC_CIPHERS, MACSEC_VALIDATE } from './kinds/macsec';
export type { VxcanAddOptions, VxcanPeerOptions, VxcanInfo } from './kinds/vxcan';
export type { DummyAddOptions, IfbAddOptions, VcanAddOptions, TeamAddOptions } from './kinds/plain';
export type {
  TuntapApi, TuntapMode, TuntapAddOptions, TuntapLinkOptions, TuntapSetOptions, TuntapListFilter, Tuntap, TunInfo,
} from './kinds/tun';
export { TUNTAP_MODES } from './kinds/tun';
