// Docker-style macvlan networks over the library and the host-local IPAM.
export { Networks } from './networks';
export { DEFAULT_STATE_DIR } from './state';
export type {
  NetworkConnectOptions, NetworkCreateOptions, NetworkDefinition, NetworkDisconnectOptions, NetworkEndpoint,
  NetworkInspection, NetworkNetns, NetworksOptions, PendingEndpoint,
} from './types';
