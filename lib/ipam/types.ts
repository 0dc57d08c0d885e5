// The IPAM's configuration and result shapes: host-local's, key for key.

/** One range: host-local's { subnet, rangeStart, rangeEnd, gateway }. */
export interface IpamRange {
  /** The network, without host bits: '10.1.2.0/24'. */
  subnet: string;
  /** First address handed out (inclusive); default the network address + 1. */
  rangeStart?: string;
  /** Last address handed out (inclusive); default the broadcast - 1 (IPv4) or the last address (IPv6). */
  rangeEnd?: string;
  /** Never handed out; default the network address + 1. */
  gateway?: string;
}

export interface IpamRoute {
  /** A CIDR: '0.0.0.0/0'. */
  dst: string;
  gw?: string;
}

/** The "ipam" object of a CNI network configuration, type host-local. */
export interface HostLocalConfig {
  type: 'host-local';
  /** Range sets: one address is allocated from each set; a set's ranges are tried in order. */
  ranges?: IpamRange[][];
  /** Legacy single range (becomes range set 0, before `ranges`). */
  subnet?: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
  routes?: IpamRoute[];
  /** Default /var/lib/cni/networks; the state lives in <dataDir>/<network>/. */
  dataDir?: string;
  /** A resolv.conf whose nameserver / domain / search / options lines become the result's dns. */
  resolvConf?: string;
}

export interface IpamIp {
  /** CIDR with the range's prefix length: '10.1.2.3/24'. */
  address: string;
  gateway?: string;
  /** The index of the range set it came from (the N of last_reserved_ip.N). */
  rangeSet: number;
}

export interface IpamDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface IpamResult {
  ips: IpamIp[];
  routes: IpamRoute[];
  dns: IpamDns;
}

/** An attachment that CNI GC must keep. */
export interface IpamAttachment {
  containerId: string;
  ifname: string;
}
