/* Writes the raw replies of RTM_GETLINK / GETADDR / GETROUTE dumps of the
 * current network namespace into DIR, one file per receive buffer: real
 * kernel output for the fuzzers' seed corpus. Usage: seed_dump DIR */
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int dump(struct mnl_socket* nl, const char* dir, const char* name, int type, int family) {
  char buf[32768];
  struct nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = (unsigned)time(NULL);
  struct rtgenmsg* g = mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
  g->rtgen_family = family;
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) return -1;
  for (int part = 0;; part++) {
    ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (n <= 0) return -1;
    char path[4096];
    snprintf(path, sizeof path, "%s/dump-%s-%d", dir, name, part);
    FILE* f = fopen(path, "wb");
    if (f == NULL) return -1;
    fwrite(buf, 1, (size_t)n, f);
    fclose(f);
    int done = 0;
    for (struct nlmsghdr* h = (struct nlmsghdr*)buf; mnl_nlmsg_ok(h, (int)n); h = mnl_nlmsg_next(h, (int*)&n)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) done = 1;
    }
    if (done) return 0;
  }
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: seed_dump DIR\n");
    return 2;
  }
  struct mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
  if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    perror("netlink");
    return 1;
  }
  int failed = dump(nl, argv[1], "link", RTM_GETLINK, AF_UNSPEC) |
               dump(nl, argv[1], "addr", RTM_GETADDR, AF_UNSPEC) |
               dump(nl, argv[1], "route", RTM_GETROUTE, AF_UNSPEC);
  mnl_socket_close(nl);
  return failed ? 1 : 0;
}
