// The `netns` namespace of the public API: named namespaces and sockets inside them.
export { add, del, list, exists, NETNS_RUN_DIR } from './netns';
export type { NetnsTarget } from './netns';
export { listen, connect, udp } from './sockets';
export type { ListenOptions, ConnectOptions, UdpOptions } from './sockets';
