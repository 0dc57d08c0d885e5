#!/usr/bin/env bash
# npm run test:asan [-- JEST_ARGS…]
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer (gcc,
# the same binding.gyp) into build/asan/tree/build/Release — never into the
# normal build/Release — and runs the jest suite against it from a copy of
# lib/ and test/ in build/asan/tree (the loader picks the addon next to the
# lib/ it runs from; node_modules is shared through a symlink). Node itself is
# not instrumented, so the ASan runtime is preloaded. Any ASan or UBSan report
# aborts the process that hit it, which fails the test run.
# Leak checking is off: Node's own start-up allocations (V8, ICU, OpenSSL)
# are never freed and drown LeakSanitizer's report; see docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tree=build/asan/tree
say() { printf 'vnic asan: %s\n' "$*" >&2; }

bash scripts/ensure.sh
libasan=$(gcc -print-file-name=libasan.so)
[ -f "$libasan" ] || { say "libasan not found (apt-get install gcc)"; exit 1; }

mkdir -p "$tree"
rm -rf "$tree/lib" "$tree/test" "$tree/native"
cp -r lib test native binding.gyp package.json tsconfig.json "$tree/"
for f in tsconfig.test.json jest.config.js; do [ -f "$f" ] && cp "$f" "$tree/"; done
[ -d ../shared ] && ln -sfn "$root/../shared" "$tree/../shared" 2>/dev/null || true
ln -sfn "$root/node_modules" "$tree/node_modules"
[ -d dist ] && ln -sfn "$root/dist" "$tree/dist"
[ -d bin ] && ln -sfn "$root/bin" "$tree/bin"
ln -sfn "$root/fuzz" "$tree/fuzz"  # decode-robustness replays fuzz/regressions

flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
say "building the addon with $flags"
(cd "$tree" && CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" \
  npx --no-install node-gyp rebuild -j "$(nproc)" >/dev/null)

say "running jest with $libasan preloaded"
cd "$tree"
export LD_PRELOAD="$libasan"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:allocator_may_return_null=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
exec npx --no-install jest "$@"
