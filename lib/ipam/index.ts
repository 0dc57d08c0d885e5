// host-local compatible IPAM: configuration, allocation, on-disk state.
export { IpamError } from './errors';
export type { IpamErrorCode, IpamErrorDetails } from './errors';
export { parseHostLocal, DEFAULT_DATA_DIR } from './config';
export { HostLocalStore } from './store';
export type {
  HostLocalConfig, IpamAttachment, IpamDns, IpamIp, IpamRange, IpamResult, IpamRoute,
} from './types';
