// Every bound vnic puts on a size a caller controls, in one place, each with
// the reason for its value. Each is checked before anything is sent, and a
// caller who passes more gets a VnicError (EINVAL, or E2BIG for a count)
// naming the option. The engine's own last line: a request that would not fit
// its 64 KiB message buffer is refused with EMSGSIZE (lib/engine.ts).

/** Interface names: IFNAMSIZ (16) less the terminating NUL. */
export const MAX_LINK_NAME_BYTES = 15;

/** Link aliases: IFALIASZ (256) less the NUL; the kernel's policy for IFLA_IFALIAS. */
export const MAX_ALIAS_BYTES = 255;

/** Named namespaces: a file name under /run/netns (NAME_MAX). */
export const MAX_NETNS_NAME_BYTES = 255;

/**
 * Source MACs of a source-mode macvlan / macvtap: in one request, and held by
 * one link after a change. Each MAC is a 12-byte attribute inside
 * IFLA_MACVLAN_MACADDR_DATA, inside IFLA_LINKINFO, whose length is 16 bits:
 * past ~5 450 MACs the kernel's own replies (the echo of a create, every get
 * and dump) overflow that length and come back cut — iproute2 prints
 * "Deficit", the list reads as empty (measured on Linux 6.18: 5 455 fine,
 * 5 460 cut). A request of 4 096 is ~49 KiB, inside the engine's 64 KiB
 * buffer, with room for the kernel to add attributes to its replies.
 */
export const MAX_SOURCE_MACS = 4096;

/** Addresses given to one attach: it leaves as one exchange (create, addresses, routes, up). */
export const MAX_ATTACH_ADDRESSES = 64;

/** Routes (gateways included) given to one attach, for the same reason. */
export const MAX_ATTACH_ROUTES = 64;

/** Sysctls written by one attach (each one file write from a thread inside the namespace). */
export const MAX_ATTACH_SYSCTLS = 64;

/** A sysctl's name under /proc/sys/net, and its value: a value is read by the kernel from one page. */
export const MAX_SYSCTL_NAME_BYTES = 255;
export const MAX_SYSCTL_VALUE_BYTES = 4095;

/**
 * Links deleted by one link.delMany. The kernel unregisters them in one
 * batch under its rtnl lock, which every other rtnetlink user on the machine
 * then waits for (~0.25 ms a link: 4 096 links hold it about a second);
 * larger sets are split by the caller.
 */
export const MAX_DELMANY_LINKS = 4096;

/**
 * One line of `vnic -batch`: the longest command is a macaddr list of
 * MAX_SOURCE_MACS addresses (~74 KiB as text); a line past 1 MiB is refused
 * (and, from stdin, dropped up to its newline without being held in memory).
 */
export const MAX_BATCH_LINE_BYTES = 1024 * 1024;

/** The engine's buffer for one request (native/socket.cc kMaxRequestBytes). */
export const MAX_REQUEST_BYTES = 64 * 1024;
