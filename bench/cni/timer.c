/*
 * The timing loop of bench/cni as a container runtime runs a plugin: fork and
 * exec (posix_spawn), the configuration written to a pipe on stdin, stdout
 * read from a pipe to the end, wait. Node's own spawnSync costs ~2 ms a call
 * on top of that (its own loop, pipes and bookkeeping), about twice a Go
 * runtime's os/exec; this program costs what a runtime does. bench/cni/run.ts
 * builds it with cc into its scratch directory and falls back to measure.ts
 * (Node) without a compiler.
 *
 *   timer PAIRS DIR TOOL...
 *
 * For each TOOL, DIR/TOOL.file names the executable, DIR/TOOL.conf is its
 * stdin, DIR/TOOL.ADD and DIR/TOOL.DEL its environments (NAME=VALUE, one per
 * line). Prints one line per sample: "true - MS", "TOOL ADD MS", "TOOL DEL MS".
 * Pairs go round robin over the tools after one warm-up pair each; /bin/true
 * is timed once per round, as the harness's own cost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct tool {
  const char *id;
  char *file;
  char *conf;
  char **add;
  char **del;
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "timer: %s: %s\n", what, detail);
  exit(1);
}

static char *slurp(const char *dir, const char *id, const char *ext) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.%s", dir, id, ext);
  FILE *f = fopen(path, "rb");
  if (f == NULL) die("cannot open", path);
  size_t cap = 4096, used = 0;
  char *out = malloc(cap);
  size_t n;
  while (out != NULL && (n = fread(out + used, 1, cap - used - 1, f)) > 0) {
    used += n;
    if (used + 1 == cap) out = realloc(out, cap *= 2);
  }
  if (out == NULL) die("out of memory", path);
  out[used] = '\0';
  fclose(f);
  return out;
}

/* Splits text into lines, in place: a NULL-terminated array. */
static char **lines(char *text) {
  size_t count = 1;
  for (char *c = text; *c != '\0'; c++) count += *c == '\n';
  char **out = calloc(count + 1, sizeof *out);
  size_t i = 0;
  for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) out[i++] = line;
  out[i] = NULL;
  return out;
}

static void trim_newline(char *s) {
  size_t len = strlen(s);
  while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r')) s[--len] = '\0';
}

/* One call, spawn to exit, in ms; a failing call ends the run with its output. */
static double timed(const char *file, char **env, const char *conf) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) die("pipe", strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  char *argv[] = {(char *)file, NULL};
  double started = now_ms();
  pid_t pid;
  int rc = posix_spawn(&pid, file, &actions, NULL, argv, env);
  if (rc != 0) die(file, strerror(rc));
  close(in[0]);
  close(out[1]);
  size_t len = strlen(conf);
  while (len > 0) {
    ssize_t n = write(in[1], conf, len);
    if (n < 0) break; /* a plugin that does not read stdin (VERSION) */
    conf += n;
    len -= (size_t)n;
  }
  close(in[1]);
  static char answer[1 << 20];
  size_t used = 0;
  ssize_t n;
  while ((n = read(out[0], answer + used, sizeof answer - used - 1)) > 0) used += (size_t)n;
  answer[used] = '\0';
  close(out[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  double ms = now_ms() - started;
  posix_spawn_file_actions_destroy(&actions);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die(file, answer);
  return ms;
}

int main(int argc, char **argv) {
  if (argc < 4) die("usage", "timer PAIRS DIR TOOL...");
  int pairs = atoi(argv[1]);
  const char *dir = argv[2];
  int count = argc - 3;
  struct tool *tools = calloc((size_t)count, sizeof *tools);
  for (int i = 0; i < count; i++) {
    tools[i].id = argv[3 + i];
    tools[i].file = slurp(dir, tools[i].id, "file");
    trim_newline(tools[i].file);
    tools[i].conf = slurp(dir, tools[i].id, "conf");
    tools[i].add = lines(slurp(dir, tools[i].id, "ADD"));
    tools[i].del = lines(slurp(dir, tools[i].id, "DEL"));
  }
  char *no_env[] = {NULL};
  for (int i = 0; i < count; i++) {
    timed(tools[i].file, tools[i].add, tools[i].conf);
    timed(tools[i].file, tools[i].del, tools[i].conf);
  }
  for (int round = 0; round < pairs; round++) {
    printf("true - %.4f\n", timed("/bin/true", no_env, ""));
    for (int i = 0; i < count; i++) {
      double add = timed(tools[i].file, tools[i].add, tools[i].conf);
      double del = timed(tools[i].file, tools[i].del, tools[i].conf);
      printf("%s ADD %.4f\n%s DEL %.4f\n", tools[i].id, add, tools[i].id, del);
    }
  }
  return 0;
}
