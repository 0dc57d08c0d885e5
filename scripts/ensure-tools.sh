#!/usr/bin/env bash
# Makes a fresh machine ready for the runs that need more than scripts/ensure.sh
# gives, idempotently and quietly (apt, only what is missing):
#   bash scripts/ensure-tools.sh                 clang, cmake and clang's libFuzzer / sanitizer runtimes
#   bash scripts/ensure-tools.sh valgrind        valgrind (only)
#   bash scripts/ensure-tools.sh strace          strace (only): test/secrets.test.ts traces what the library writes
#   bash scripts/ensure-tools.sh cni             the CNI tests' and bench:cni's peers: the reference plugins
#                                                (containernetworking-plugins) and a real runtime, podman with
#                                                runc, on a busybox-static image (static: the image has no libc)
#   bash scripts/ensure-tools.sh fuzz valgrind   several
# Called by `npm test` (strace, cni), `npm run bench:cni` and `npm run test:asan` (cni), scripts/fuzz.sh and
# scripts/soak-valgrind.sh.
set -euo pipefail
say() { printf 'vnic: %s\n' "$*" >&2; }

updated=0
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ $updated = 0 ]; then apt-get update -qq >/dev/null; updated=1; fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

fuzzer_runtime() { ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; }

[ $# -gt 0 ] || set -- fuzz
want_fuzz=0
for tool in "$@"; do [ "$tool" = fuzz ] && want_fuzz=1; done

if [ $want_fuzz = 1 ] && { ! command -v clang++ >/dev/null 2>&1 || ! command -v cmake >/dev/null 2>&1 || ! fuzzer_runtime; }; then
  say "installing clang, cmake and the libFuzzer runtime (apt)"
  apt_install clang cmake make
  if ! fuzzer_runtime; then
    # libFuzzer and the sanitizer runtimes: libclang-rt-N-dev where it exists (bookworm on), else libclang-common-N-dev.
    v=$(clang++ --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p')
    apt_install "libclang-rt-$v-dev" 2>/dev/null || apt_install "libclang-common-$v-dev"
  fi
  fuzzer_runtime || { say "no libFuzzer runtime after installing clang"; exit 1; }
fi

for tool in "$@"; do
  case "$tool" in
    fuzz) ;;
    valgrind | strace)
      if ! command -v "$tool" >/dev/null 2>&1; then
        say "installing $tool (apt)"
        apt_install "$tool"
      fi ;;
    cni)
      missing=()
      [ -x /usr/lib/cni/macvlan ] || missing+=(containernetworking-plugins)
      command -v podman >/dev/null 2>&1 || missing+=(podman)
      command -v runc >/dev/null 2>&1 || missing+=(runc)
      dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
      if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]} (apt; the CNI tests compare with the reference plugin under podman)"
        apt_install "${missing[@]}"
      fi ;;
    *) say "ensure-tools.sh: unknown tool '$tool'"; exit 2 ;;
  esac
done
