/*
 * mnl-get.c - raw libmnl reference for the workloads ../shared/peers has no
 * mode for: RTM_GETLINK by name, the way a C program that needs the answer
 * would do it (every attribute indexed, name / index / flags / mtu / MAC /
 * parent read, the 64-bit counters copied when asked for).
 *
 *   mnl-get N PREFIX COUNT stats|nostats DEPTH
 *       N gets of "<PREFIX><i % COUNT>" (COUNT 0: the name is PREFIX itself,
 *       e.g. "lo"); DEPTH 1 = one request, wait for its answer, next;
 *       DEPTH > 1 = DEPTH requests per sendmsg, then DEPTH answers.
 *
 * Prints "RESULT work=get n=N secs=S cpu_secs=C". Run inside the benchmark
 * netns. Built by the vnic benchmark into /tmp (never part of the package).
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUFSZ (256 * 1024)

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "mnl-get: %s: %s\n", what, strerror(err));
	exit(1);
}

struct link_row {
	int index, parent;
	unsigned flags, mtu;
	char name[IFNAMSIZ];
	unsigned char mac[6];
	struct rtnl_link_stats64 stats;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) > 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static long seen;

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_row *row = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };

	mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, tb);
	row->index = ifi->ifi_index;
	row->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		snprintf(row->name, IFNAMSIZ, "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MTU])
		row->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_LINK])
		row->parent = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(row->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_STATS64])
		memcpy(&row->stats, mnl_attr_get_payload(tb[IFLA_STATS64]), sizeof(row->stats));
	seen++;
	return MNL_CB_OK;
}

static unsigned put_get(char *buf, unsigned seq, const char *name, int stats)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_VF | (stats ? 0 : RTEXT_FILTER_SKIP_STATS));
	return nlh->nlmsg_len;
}

int main(int argc, char **argv)
{
	static char out[BUFSZ], in[BUFSZ];
	long n, count, done = 0, i = 0;
	int stats, depth, rcvbuf = 8 << 20;
	unsigned seq = 1, portid;
	const char *prefix;
	struct mnl_socket *nl;
	struct link_row row;
	double t0, c0;

	if (argc != 6) {
		fprintf(stderr, "usage: mnl-get N PREFIX COUNT stats|nostats DEPTH\n");
		return 2;
	}
	n = atol(argv[1]);
	prefix = argv[2];
	count = atol(argv[3]);
	stats = !strcmp(argv[4], "stats");
	depth = atoi(argv[5]) < 1 ? 1 : atoi(argv[5]);

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("socket", errno);
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	portid = mnl_socket_get_portid(nl);

	t0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	while (done < n) {
		size_t len = 0;
		int batch = 0;

		for (; i < n && batch < depth && len + 512 < sizeof(out); i++, batch++) {
			char name[IFNAMSIZ];

			if (count > 0)
				snprintf(name, sizeof(name), "%.8s%u", prefix, (unsigned)(i % count));
			else
				snprintf(name, sizeof(name), "%s", prefix);
			len += put_get(out + len, seq++, name, stats);
		}
		if (mnl_socket_sendto(nl, out, len) < 0)
			die("sendto", errno);
		/* One answer per request: an RTM_NEWLINK, or an NLMSG_ERROR (fatal). */
		for (long want = batch; want > 0;) {
			ssize_t got = mnl_socket_recvfrom(nl, in, sizeof(in));
			long before = seen;

			if (got < 0)
				die("recvfrom", errno);
			if (mnl_cb_run(in, got, 0, portid, link_cb, &row) < 0)
				die("get", errno);
			want -= seen - before;
		}
		done += batch;
	}
	if (seen != n)
		die("answers missing", EPROTO);
	printf("RESULT work=get n=%ld secs=%.6f cpu_secs=%.6f\n", n,
	       clock_s(CLOCK_MONOTONIC) - t0, clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
	return 0;
}
