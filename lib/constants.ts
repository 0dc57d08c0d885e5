// The kernel's numbers lib/ needs, named once (linux/if.h, rtnetlink.h,
// if_link.h, if_addr.h, socket.h).

/** Address families. */
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_PACKET = 17;

/** Link flags (ifinfomsg.ifi_flags). */
export const IFF_UP = 0x1;
export const IFF_PROMISC = 0x100;
export const IFF_ALLMULTI = 0x200;

/** IFLA_EXT_MASK bits. */
export const RTEXT_FILTER_VF = 1;
export const RTEXT_FILTER_SKIP_STATS = 8;

/** Address flags (IFA_F_*). */
export const IFA_F_NODAD = 0x02;
export const IFA_F_NOPREFIXROUTE = 0x200;

/** Message types a monitor sees. */
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;

/** Multicast groups (RTNLGRP_*). */
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_ROUTE = 11;

/** Request flags the tests compare. */
export const NLM_F_ACK = 0x4;
