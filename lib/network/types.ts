// Docker-style networks: the options and results of lib/network.
import type { Handle } from '../handle';
import type { MacvlanMode } from '../kinds/macvlan';

export interface NetworksOptions {
  /**
   * Where definitions live (<stateDir>/<name>.json), with the IPAM state in
   * <stateDir>/ipam and endpoint records in <stateDir>/endpoints; default env
   * VNIC_STATE_DIR, else /var/lib/vnic/networks.
   */
  stateDir?: string;
  /**
   * A handle in the parents' namespace. Default: one opened per network in the
   * namespace it was created from (the caller's, or the named namespace of the
   * handle it was created with).
   */
  handle?: Handle;
}

/** `docker network create -d macvlan --subnet … --gateway … --ip-range … --aux-address … -o parent=… NAME`. */
export interface NetworkCreateOptions {
  /** Letters, digits, '_', '.', '-' (not first); at most 64 characters. */
  name: string;
  /** The parent link (-o parent=enp0s8), in the handle's namespace. */
  parent: string;
  /** Only 'macvlan' (-d macvlan); the default. */
  driver?: 'macvlan';
  /** -o macvlan_mode=; default 'bridge'. */
  mode?: MacvlanMode;
  /** The network's CIDR, without host bits: '192.168.8.0/24'. */
  subnet: string;
  /** Default the subnet's first address (192.168.8.1); never handed out. */
  gateway?: string;
  /** Allocate from this CIDR (inside the subnet) only. */
  ipRange?: string;
  /** Addresses never handed out: { router: '192.168.8.2' }. */
  auxAddresses?: Record<string, string>;
  /** The endpoints' MTU; default the parent's. */
  mtu?: number;
}

/** A network as persisted. */
export interface NetworkDefinition {
  name: string;
  driver: 'macvlan';
  parent: string;
  /** The named namespace (or path) the parent lives in, when it is not the caller's. */
  parentNetns?: string;
  mode: MacvlanMode;
  subnet: string;
  gateway: string;
  ipRange?: string;
  auxAddresses: Record<string, string>;
  mtu?: number;
  /** ISO 8601. */
  created: string;
}

/** A container's namespace: a name under /run/netns, a path, or a process. */
export type NetworkNetns = string | { pid: number };

export interface NetworkConnectOptions {
  /**
   * A fixed address (--ip), bare or with the subnet's prefix; it must lie in the allocation range and be free.
   * The gateway becomes the default route unless the namespace has one already (as Docker gives a container one).
   */
  ip?: string;
  /** The interface inside; default 'eth0'. */
  ifname?: string;
  /** Who holds the address in the IPAM state; default the namespace's name or path. */
  containerId?: string;
}

export interface NetworkDisconnectOptions {
  /** Default 'eth0'. */
  ifname?: string;
}

/** A connected container, as connect returns it and inspect lists it. */
export interface NetworkEndpoint {
  network: string;
  /** The namespace as it was named to connect (a name or a path). */
  netns: string;
  ifname: string;
  containerId: string;
  /** CIDR: '192.168.8.10/24'. */
  address: string;
  gateway: string;
  /** Whether connect made the gateway the default route (false when the namespace had one already: another network's). */
  defaultRoute: boolean;
  /** The interface's MAC. */
  mac: string;
  /** Its ifindex inside the namespace. */
  index: number;
}

/** An endpoint record whose connect has not completed (still running, or interrupted: disconnect clears it). */
export interface PendingEndpoint {
  network: string;
  netns: string;
  ifname: string;
  containerId: string;
  pending: true;
}

export interface NetworkInspection extends NetworkDefinition {
  endpoints: Array<NetworkEndpoint | PendingEndpoint>;
}
