/*
 * vnic-cni: the CNI plugin executable a container runtime runs.
 *
 * It is a thin client: starting Node costs 70-90 ms, far more than a whole
 * CNI call, so the work happens in the resident daemon vnicd and this
 * program only relays. Protocol (lib/cni/protocol.ts is the other end), on a
 * SOCK_STREAM unix socket at $VNIC_CNI_SOCKET (default /run/vnic/cni.sock):
 *   request:  every CNI_* and VNIC_* variable as "NAME=VALUE\0", one more
 *             "\0", then stdin's bytes; then shutdown(SHUT_WR).
 *   answer:   the exit code in ASCII decimal and "\n", then stdout's bytes;
 *             then the daemon closes.
 * VERSION is answered here, without the daemon and without Node. When no
 * daemon listens, the program becomes `node dist/lib/cni/main.js` (exec: same
 * environment, same stdin, same pid), which does the work in-process.
 * Any failure of its own is a CNI error (code 999) on stdout, exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* VNIC_CNI_VERSION_RESULT, generated from lib/cni/version.ts at build time. */
#include "vnic-cni-version.h"

/* Baked in by binding.gyp: the node that configured the build, the package root. */
#ifndef VNIC_CNI_NODE
#define VNIC_CNI_NODE ""
#endif
#ifndef VNIC_CNI_ROOT
#define VNIC_CNI_ROOT ""
#endif

#define DEFAULT_SOCKET "/run/vnic/cni.sock"
#define DEFAULT_TIMEOUT_MS 60000L
#define MAIN_JS "/dist/lib/cni/main.js"
/* A CNI result is a few KiB; anything near this is a broken daemon. */
#define MAX_ANSWER (16L << 20)
/* vnicd takes 64 KiB of variables and 1 MiB of stdin; past this the client refuses by itself. */
#define MAX_REQUEST (4L << 20)
#define CHUNK 65536

extern char **environ;

static const char *socket_path;

/* ---- output ------------------------------------------------------------ */

/* write(2) until done: stdout may be a pipe that takes partial writes. */
static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Appends s to out as the inside of a JSON string; out has room for cap bytes. */
static size_t json_escape(char *out, size_t used, size_t cap, const char *s) {
  for (; *s != '\0' && used + 7 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      out[used++] = '\\';
      out[used++] = (char)c;
    } else if (c < 0x20) {
      used += (size_t)snprintf(out + used, cap - used, "\\u%04x", c);
    } else {
      out[used++] = (char)c;
    }
  }
  return used;
}

/*
 * Prints {"code": 999, "msg": …, "details": …} on stdout, indented like the
 * plugin's own errors, and exits 1: how a CNI plugin reports a failure.
 */
static void fail(const char *msg, const char *details) __attribute__((noreturn));
static void fail(const char *msg, const char *details) {
  char out[4096];
  size_t used = 0;
  used += (size_t)snprintf(out, sizeof out, "{\n    \"code\": 999,\n    \"msg\": \"vnic-cni: ");
  used = json_escape(out, used, sizeof out - 64, msg);
  if (details != NULL && details[0] != '\0') {
    used += (size_t)snprintf(out + used, sizeof out - used, "\",\n    \"details\": \"");
    used = json_escape(out, used, sizeof out - 8, details);
  }
  used += (size_t)snprintf(out + used, sizeof out - used, "\"\n}");
  (void)write_all(STDOUT_FILENO, out, used);
  _exit(1);
}

/* fail() with "<what>: strerror(err)" in the details, plus the socket path. */
static void fail_errno(const char *msg, const char *what, int err) __attribute__((noreturn));
static void fail_errno(const char *msg, const char *what, int err) {
  char details[1024];
  snprintf(details, sizeof details, "%s: %s (socket %s)", what, strerror(err), socket_path);
  fail(msg, details);
}

/* ---- deadline ---------------------------------------------------------- */

static struct timespec deadline;

static long parse_timeout_ms(void) {
  const char *raw = getenv("VNIC_CNI_TIMEOUT");
  if (raw == NULL || raw[0] == '\0') return DEFAULT_TIMEOUT_MS;
  char *end = NULL;
  errno = 0;
  double secs = strtod(raw, &end);
  if (errno != 0 || end == raw || *end != '\0' || !(secs > 0) || secs > 86400) {
    fail("VNIC_CNI_TIMEOUT must be a number of seconds between 0 and 86400", raw);
  }
  long ms = (long)(secs * 1000);
  return ms > 0 ? ms : 1;
}

static void start_deadline(long ms) {
  if (clock_gettime(CLOCK_MONOTONIC, &deadline) != 0) fail_errno("no clock", "clock_gettime", errno);
  deadline.tv_sec += ms / 1000;
  deadline.tv_nsec += (ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000L;
  }
}

/* Milliseconds left before the deadline (0 when it has passed). */
static int remaining_ms(void) {
  struct timespec now;
  if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) fail_errno("no clock", "clock_gettime", errno);
  long long ms = (long long)(deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1000000;
  if (ms <= 0) return 0;
  return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Waits until fd is ready for events; 0 when ready (or in error: the next call reports it), -1 on timeout. */
static int wait_for(int fd, short events) {
  for (;;) {
    int left = remaining_ms();
    if (left == 0) return -1;
    struct pollfd p = {.fd = fd, .events = events, .revents = 0};
    int n = poll(&p, 1, left);
    if (n > 0) return 0;
    if (n == 0) return -1;
    if (errno != EINTR) fail_errno("poll failed", "poll", errno);
  }
}

static void fail_timeout(const char *phase) __attribute__((noreturn));
static void fail_timeout(const char *phase) {
  char details[1024];
  snprintf(details, sizeof details,
           "no answer from vnicd within the time limit while %s (socket %s; VNIC_CNI_TIMEOUT sets the limit in seconds)",
           phase, socket_path);
  fail("the daemon did not answer in time", details);
}

/* ---- fallback: become node on main.js --------------------------------- */

static int readable(const char *path) { return path[0] != '\0' && access(path, R_OK) == 0; }

/* main.js: $VNIC_CNI_MAIN, else beside this executable (build/Release/vnic-cni → root), else the baked-in root. */
static void find_main(char *out, size_t cap) {
  const char *env = getenv("VNIC_CNI_MAIN");
  if (env != NULL && env[0] != '\0') {
    if ((size_t)snprintf(out, cap, "%s", env) < cap && readable(out)) return;
    fail("no daemon is listening and VNIC_CNI_MAIN names no readable file", env);
  }
  char exe[PATH_MAX];
  if (realpath("/proc/self/exe", exe) != NULL) {
    for (int up = 0; up < 3; up++) {
      char *slash = strrchr(exe, '/');
      if (slash == NULL) break;
      *slash = '\0';
    }
    if ((size_t)snprintf(out, cap, "%s%s", exe, MAIN_JS) < cap && readable(out)) return;
  }
  if ((size_t)snprintf(out, cap, "%s%s", VNIC_CNI_ROOT, MAIN_JS) < cap && readable(out)) return;
  fail("no daemon is listening and the in-process fallback was not found",
       "looked beside the executable and under the build's package root for dist/lib/cni/main.js; "
       "set VNIC_CNI_MAIN, or start vnicd");
}

static void exec_fallback(void) __attribute__((noreturn));
static void exec_fallback(void) {
  char main_js[PATH_MAX + sizeof MAIN_JS];
  find_main(main_js, sizeof main_js);
  const char *node = getenv("VNIC_NODE");
  char details[PATH_MAX + 256];
  if (node != NULL && node[0] != '\0') {
    char *argv[] = {(char *)node, main_js, NULL};
    execv(node, argv);
    snprintf(details, sizeof details, "exec %s (VNIC_NODE): %s", node, strerror(errno));
    fail("no daemon is listening and node could not be started", details);
  }
  if (access(VNIC_CNI_NODE, X_OK) == 0) {
    char *argv[] = {(char *)VNIC_CNI_NODE, main_js, NULL};
    execv(VNIC_CNI_NODE, argv);
  }
  char *argv[] = {(char *)"node", main_js, NULL};
  execvp("node", argv);
  snprintf(details, sizeof details, "exec node (the build's %s, then PATH): %s; set VNIC_NODE, or start vnicd",
           VNIC_CNI_NODE[0] != '\0' ? VNIC_CNI_NODE : "none", strerror(errno));
  fail("no daemon is listening and node could not be started", details);
}

/* ---- the exchange with the daemon -------------------------------------- */

/* Connects to the daemon; returns -1 when none listens (the caller falls back). */
static int connect_daemon(long timeout_ms) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(socket_path) >= sizeof addr.sun_path) {
    fail("VNIC_CNI_SOCKET is too long for a unix socket path (107 bytes at most)", socket_path);
  }
  strcpy(addr.sun_path, socket_path);

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("cannot create a socket", "socket", errno);
  /* A blocking connect on a unix socket waits while the daemon's backlog is full; bound that wait. */
  struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
    fail_errno("cannot set the socket's timeout", "setsockopt", errno);
  }
  int rc;
  do {
    rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    if (close(fd) != 0 && errno != EINTR) fail_errno("close failed", "close", errno);
    if (err == ENOENT || err == ECONNREFUSED) return -1;
    if (err == EAGAIN || err == EINPROGRESS) fail_timeout("connecting (the daemon's backlog is full)");
    fail_errno("cannot connect to the daemon", "connect", err);
  }
  /* From here on every wait goes through poll() against one deadline. */
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) fail_errno("cannot configure the socket", "fcntl", errno);
  return fd;
}

/* Sends all of data; returns -1 when the daemon stopped reading (it may already have answered). */
static int send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (wait_for(fd, POLLOUT) != 0) fail_timeout("sending the request");
        continue;
      }
      if (errno == EPIPE || errno == ECONNRESET) return -1;
      fail_errno("cannot send the request", "send", errno);
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

static int has_prefix(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* A growable byte buffer. */
struct buffer {
  char *data;
  size_t used, cap;
};

/* Room for `more` bytes; the request is bounded so that a runaway stdin fails here, clearly. */
static void reserve(struct buffer *b, size_t more) {
  if (b->used + more <= b->cap) return;
  size_t cap = b->cap != 0 ? b->cap : CHUNK;
  while (cap < b->used + more) cap *= 2;
  if (cap > (size_t)MAX_REQUEST) {
    fail("the request is too large", "stdin and the CNI_*/VNIC_* variables exceed 4 MiB (vnicd takes 1 MiB of stdin)");
  }
  char *grown = realloc(b->data, cap);
  if (grown == NULL) fail("out of memory", NULL);
  b->data = grown;
  b->cap = cap;
}

/*
 * The request: CNI_* and VNIC_* as NAME=VALUE\0 …, \0, then stdin, sent in
 * one go once stdin has ended, so the daemon wakes once for it. stdin is read
 * only now, after the connect: had no daemon answered, the fallback would
 * have needed all of it.
 */
static void send_request(int fd) {
  struct buffer request = {NULL, 0, 0};
  for (char **e = environ; *e != NULL; e++) {
    if (!has_prefix(*e, "CNI_") && !has_prefix(*e, "VNIC_")) continue;
    size_t len = strlen(*e) + 1;
    reserve(&request, len);
    memcpy(request.data + request.used, *e, len);
    request.used += len;
  }
  reserve(&request, 1);
  request.data[request.used++] = '\0';

  for (;;) {
    reserve(&request, CHUNK);
    if (wait_for(STDIN_FILENO, POLLIN) != 0) {
      fail("stdin did not end in time", "the runtime kept stdin open past the time limit (VNIC_CNI_TIMEOUT, in seconds)");
    }
    ssize_t n = read(STDIN_FILENO, request.data + request.used, request.cap - request.used);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == EBADF) break; /* no stdin at all: an empty one */
      fail_errno("cannot read stdin", "read", errno);
    }
    if (n == 0) break;
    request.used += (size_t)n;
  }
  /* A daemon that stopped reading may still have answered (a refusal): the answer tells. */
  int sent = send_all(fd, request.data, request.used) == 0;
  free(request.data);
  if (sent && shutdown(fd, SHUT_WR) != 0 && errno != ENOTCONN) fail_errno("cannot end the request", "shutdown", errno);
}

/* Reads the whole answer: nothing reaches stdout until it is complete. */
static char *receive_answer(int fd, size_t *size) {
  size_t cap = CHUNK, used = 0;
  char *answer = malloc(cap);
  if (answer == NULL) fail("out of memory", NULL);
  for (;;) {
    if (used == cap) {
      if (cap >= (size_t)MAX_ANSWER) fail("the daemon's answer is too large", socket_path);
      cap *= 2;
      char *grown = realloc(answer, cap);
      if (grown == NULL) fail("out of memory", NULL);
      answer = grown;
    }
    ssize_t n = recv(fd, answer + used, cap - used, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (wait_for(fd, POLLIN) != 0) fail_timeout("waiting for the answer");
        continue;
      }
      if (errno == ECONNRESET) break; /* the daemon died: judged below by what arrived */
      fail_errno("cannot read the answer", "recv", errno);
    }
    if (n == 0) break;
    used += (size_t)n;
  }
  *size = used;
  return answer;
}

/* A runtime may start us with 0, 1 or 2 closed: the socket must not land on one of them. */
static void ensure_std_fds(void) {
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (null < 0) _exit(1);
    if (null != fd) _exit(1); /* the lowest free fd is this one: anything else is a broken state */
  }
}

int main(void) {
  ensure_std_fds();
  const char *command = getenv("CNI_COMMAND");
  if (command != NULL && strcmp(command, "VERSION") == 0) {
    /* Runtimes ask once per process; answering here keeps it free of Node and of the daemon. */
    static const char version[] = VNIC_CNI_VERSION_RESULT;
    if (write_all(STDOUT_FILENO, version, sizeof version - 1) != 0) return 1;
    return 0;
  }

  socket_path = getenv("VNIC_CNI_SOCKET");
  if (socket_path == NULL || socket_path[0] == '\0') socket_path = DEFAULT_SOCKET;
  long timeout_ms = parse_timeout_ms();
  start_deadline(timeout_ms);

  int fd = connect_daemon(timeout_ms);
  if (fd < 0) exec_fallback();

  send_request(fd);
  size_t size = 0;
  char *answer = receive_answer(fd, &size);
  if (close(fd) != 0 && errno != EINTR) fail_errno("close failed", "close", errno);

  if (size == 0) {
    fail("the daemon closed the connection without answering",
         "vnicd ended during the call (crashed or was killed?); the runtime's DEL cleans up what it started");
  }
  /* "<exit code>\n": one to three digits, 0-255. */
  size_t digits = 0;
  int code = 0;
  while (digits < size && digits < 4 && answer[digits] >= '0' && answer[digits] <= '9') {
    code = code * 10 + (answer[digits] - '0');
    digits++;
  }
  if (digits == 0 || digits > 3 || digits >= size || answer[digits] != '\n' || code > 255) {
    fail("the daemon's answer is malformed (no exit code line)", socket_path);
  }
  size_t offset = digits + 1;
  if (write_all(STDOUT_FILENO, answer + offset, size - offset) != 0) {
    free(answer);
    return 1;
  }
  free(answer);
  return code;
}
