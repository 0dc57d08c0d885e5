#!/usr/bin/env bash
# npm run test:asan [-- JEST_ARGS…]
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer (gcc,
# the same binding.gyp) into build/asan/tree/build/Release — never into the
# normal build/Release — and runs the jest suite against it from a copy of
# lib/ and test/ in build/asan/tree (the loader picks the addon next to the
# lib/ it runs from; node_modules is shared through a symlink). Node itself is
# not instrumented, so the ASan runtime is preloaded. Any ASan or UBSan report
# aborts the process that hit it, which fails the test run.
# LeakSanitizer checks every process at its exit (jest, run in band, and the
# node children some tests start, which run this tree's dist/ and addon);
# scripts/lsan.supp holds suppressions for V8's own allocations only (each
# explained there); a canary first shows that leak checking is live. Every
# report is written under build/asan/reports/; once jest is done, a report
# from any node process fails the run and is printed (other programs' own
# leaks — ip, bash — are listed as not ours).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tree=build/asan/tree
say() { printf 'vnic asan: %s\n' "$*" >&2; }

bash scripts/ensure.sh
bash scripts/ensure-tools.sh cni  # the CNI suites run here too
libasan=$(gcc -print-file-name=libasan.so)
[ -f "$libasan" ] || { say "libasan not found (apt-get install gcc)"; exit 1; }

mkdir -p "$tree"
# Copies, not links: node resolves a link to its real path, and a test's
# import through one would load the lib/ (and the addon) of the main tree.
copied="lib test native examples scripts fuzz bin prebuilds bench"
for d in $copied dist; do rm -rf "${tree:?}/$d"; done
for d in $copied; do [ -e "$d" ] && cp -r "$d" "$tree/"; done
cp binding.gyp package.json tsconfig.json "$tree/"
for f in tsconfig.test.json jest.config.js; do [ -f "$f" ] && cp "$f" "$tree/"; done
[ -d ../shared ] && ln -sfn "$root/../shared" "$tree/../shared" 2>/dev/null || true
ln -sfn "$root/node_modules" "$tree/node_modules"

flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
say "building the addon with $flags"
(cd "$tree" && CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" \
  npx --no-install node-gyp rebuild -j "$(nproc)" >"$root/build/asan/build.log" 2>&1) ||
  { tail -40 build/asan/build.log >&2; exit 1; }

# The tests' child processes run the compiled library (dist/): compiled here,
# so that they load this tree's addon too.
say "compiling the TypeScript into $tree/dist"
(cd "$tree" && npx --no-install tsc -p tsconfig.json >"$root/build/asan/tsc.log" 2>&1) ||
  { cat build/asan/tsc.log >&2; exit 1; }

# The preload reaches every program the tests start. iproute2's ip trips
# ASan's strncpy-overlap check (a bug of its own: strncpy onto itself) and
# would abort: ip and its kin run through shims that turn ASan's libc string
# checks off (replace_str=0) for them. The preload itself stays, since
# `ip netns exec NS node …` starts node children that load the instrumented
# addon (they inherit replace_str=0; the addon's own accesses stay checked).
shims=$root/build/asan/bin
rm -rf "$shims"
mkdir -p "$shims"
for tool in ip ping bridge tc ss; do
  real=$(command -v "$tool" 2>/dev/null) || continue
  printf '#!/bin/sh\nASAN_OPTIONS="${ASAN_OPTIONS:-}:replace_str=0:intercept_strlen=0:intercept_strchr=0:intercept_strndup=0" exec %s "$@"\n' \
    "$real" >"$shims/$tool"
  chmod +x "$shims/$tool"
done

# A clean result means something only if leak checking runs in node at all,
# with these options and suppressions: a canary library preloaded into node
# leaks one block of 4242 bytes at start-up, which must be reported.
canary=$root/build/asan/canary
rm -rf "$canary"
mkdir -p "$canary"
printf '%s\n' '#include <stdlib.h>' 'void* volatile vnic_canary_block;' \
  '__attribute__((constructor)) static void vnic_canary(void) { vnic_canary_block = malloc(4242); vnic_canary_block = 0; }' \
  >"$canary/canary.c"
gcc -shared -fPIC -O0 -o "$canary/canary.so" "$canary/canary.c"
LD_PRELOAD="$libasan $canary/canary.so" \
  ASAN_OPTIONS="detect_leaks=1:exitcode=0:log_path=$canary/asan:log_exe_name=1" \
  LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0" \
  node -e 'const a = []; for (let i = 0; i < 100000; i++) a.push({ i });' || true
if ! grep -qs '4242 byte(s) in 1 object(s)' "$canary"/asan.node.*; then
  say "LeakSanitizer did not report the canary's leak: leak checking is not working here"
  exit 1
fi
say "canary: a 4242-byte leak in node was reported through these options and suppressions: leak checking is live"

reports=$root/build/asan/reports
rm -rf "$reports"
mkdir -p "$reports"
say "running jest with $libasan preloaded; reports go to $reports"
status=0
(
  cd "$tree"
  export LD_PRELOAD="$libasan"
  export PATH="$shims:$PATH"
  # exitcode=0: a leak report does not change a process's exit status (a
  # memory error still aborts it): the preload reaches every program the
  # tests start (ip, ping…), whose own leaks are theirs to keep; reports are
  # judged below, by the program that wrote them (log_exe_name).
  export ASAN_OPTIONS="detect_leaks=1:exitcode=0:abort_on_error=1:halt_on_error=1:allocator_may_return_null=1:detect_stack_use_after_return=0:log_path=$reports/asan:log_exe_name=1"
  export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan:log_exe_name=1"
  # In band: one jest process, which exits by itself at the end, so its leak
  # check always runs (jest's workers are killed 500 ms after they are told
  # to stop, which can cut LeakSanitizer short and lose its report).
  exec npx --no-install jest --runInBand "$@"
) || status=$?
# Reports are named <asan|ubsan>.<program>.<pid>. Node's (jest, its workers,
# the node children of tests: every process that loads vnic.node) fail the
# run; another program's report (a leak of ip's own at its exit) is listed.
failed=0
for f in "$reports"/*; do
  [ -f "$f" ] || continue
  program=$(basename "$f" | cut -d. -f2)
  if [ "$program" = node ] || grep -q 'vnic' "$f"; then
    say "report $f:"
    cat "$f" >&2
    failed=$((failed + 1))
  else
    say "not ours: $(basename "$f") ($(grep -m1 -o 'ERROR: [A-Za-z]*: [a-z -]*' "$f" || echo report)), from $program itself"
  fi
done
if [ $failed -gt 0 ]; then
  say "FAILED: $failed sanitizer report(s) from processes running vnic"
  exit 1
fi
[ $status = 0 ] || { say "jest failed (exit $status)"; exit $status; }
say "no ASan, UBSan or LeakSanitizer report from any process running vnic"
