#!/usr/bin/env bash
# npm run fuzz [-- --seconds N] [-- --target NAME]
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan) into build/fuzz,
# writes a seed corpus (every request in ../shared/vectors, plus raw link /
# address / route dumps from a throwaway namespace holding one link of each
# kind this kernel has), then runs each target for N seconds (default 20).
# Crashes land in build/fuzz/artifacts/<target>/ and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=20
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --target) only=$2; shift 2 ;;
    *) echo "usage: npm run fuzz -- [--seconds N] [--target decode_fuzzer|describe_fuzzer|attrs_fuzzer]" >&2; exit 2 ;;
  esac
done
say() { printf 'vnic fuzz: %s\n' "$*" >&2; }

if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  say "installing clang and its libFuzzer runtime (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq clang cmake >/dev/null
  # libFuzzer and the sanitizer runtimes: libclang-rt-N-dev where it exists (bookworm), else in libclang-common-N-dev.
  v=$(clang++ --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p')
  apt-get install -y -qq "libclang-rt-$v-dev" >/dev/null 2>&1 || true
fi
[ -d node_modules/node-addon-api ] || bash scripts/ensure.sh

out=build/fuzz
say "building the targets in $out"
cmake -S fuzz -B "$out" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$out" -j "$(nproc)" >/dev/null

corpus=$out/corpus
rm -rf "$corpus"
mkdir -p "$corpus/decode_fuzzer" "$corpus/describe_fuzzer" "$corpus/attrs_fuzzer" "$out/dumps"
say "writing seeds"
node fuzz/seeds.js ../shared/vectors/iproute2-requests.json "$corpus"
# Real kernel output: one link per kind in a namespace that dies with the command.
unshare -n bash -c '
  ip link add d0 type dummy && ip link set d0 up && ip addr add 10.9.0.1/24 dev d0 && ip addr add fd00:9::1/64 dev d0
  ip route add 10.8.0.0/16 via 10.9.0.2
  ip link add v0 type veth peer name v1
  ip link add br0 type bridge && ip link set v1 master br0
  ip link add mv0 link d0 type macvlan mode bridge
  ip link add mvt0 link d0 type macvtap mode vepa
  ip link add vl0 link d0 type vlan id 7
  ip link add vx0 type vxlan id 42 dstport 4789 local 10.9.0.1
  ip link add ipv0 link d0 type ipvlan mode l3
  ip link add bo0 type bond mode active-backup
  ip link add ms0 link d0 type macsec 2>/dev/null
  ip tuntap add tp0 mode tap 2>/dev/null
  ip link set lo up
  exec "$1" "$2"' _ "$out/seed_dump" "$out/dumps" 2>/dev/null || say "some kinds are missing here; seeds from what was made"
node fuzz/seeds.js --dumps "$out/dumps" "$corpus"

failed=0
for target in decode_fuzzer describe_fuzzer attrs_fuzzer; do
  [ -n "$only" ] && [ "$only" != "$target" ] && continue
  mkdir -p "$out/artifacts/$target"
  say "$target: ${seconds}s from $(ls "$corpus/$target" | wc -l) seeds"
  if ! "$out/$target" -max_total_time="$seconds" -print_final_stats=1 -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$out/artifacts/$target/" "$corpus/$target" >"$out/$target.log" 2>&1; then
    failed=1
    say "$target FAILED — see $out/$target.log and $out/artifacts/$target/"
    tail -40 "$out/$target.log" >&2
  else
    grep -E '^stat::number_of_executed_runs|^#[0-9]+.*DONE' "$out/$target.log" | sed "s/^/  $target: /" >&2 || true
  fi
done
exit $failed
