// vnic's public surface.
export { open, Handle } from './handle';
export type { OpenOptions } from './handle';
export * as netns from './netns-api';
export type { NetnsTarget } from './netns';
export type { ListenOptions, ConnectOptions, UdpOptions } from './sockets';
export type { AttachOptions, AttachAddress, Attachment, DetachOptions } from './attach';
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
export { Networks, DEFAULT_STATE_DIR } from './network';
export type {
  NetworksOptions, NetworkCreateOptions, NetworkDefinition, NetworkConnectOptions, NetworkDisconnectOptions,
  NetworkEndpoint, PendingEndpoint, NetworkInspection, NetworkNetns,
} from './network';
export { HostLocalStore, IpamError, parseHostLocal } from './ipam';
export type {
  HostLocalConfig, IpamRange, IpamRoute, IpamIp, IpamDns, IpamResult, IpamAttachment, IpamErrorCode, IpamErrorDetails,
} from './ipam';
export { runCni, CniContext } from './cni/plugin';
export type { CniInvocation, CniOutcome, CniContextOptions } from './cni/plugin';
export { VERSION_RESULT, SUPPORTED_VERSIONS } from './cni/version';
export { CniError, CNI_ERROR } from './cni/errors';
export type { CniResult, CniInterface, CniIpConfig, CniRoute, CniDns } from './cni/result';
export { startDaemon, DaemonError } from './cni/daemon';
export type { DaemonOptions, Daemon, DaemonErrorCode } from './cni/daemon';
export { DEFAULT_SOCKET_PATH } from './cni/protocol';
