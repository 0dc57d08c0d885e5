#!/usr/bin/env bash
# npm run fuzz [-- --seconds N] [-- --target NAME]
# npm run fuzz -- --ci          (what `npm test` runs: the whole pass in at most --budget seconds, default 105)
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan) into build/fuzz,
# replays every reproducer kept in fuzz/regressions/, writes a seed corpus
# (every request in ../shared/vectors, plus raw link / address / route dumps
# from a throwaway namespace holding one link of each kind this kernel has),
# then runs each target for N seconds (default 20; with --ci, what is left of
# the budget after the build, shared between the targets).
# A crash, a sanitizer report or a failing regression fails the run;
# crashes land in build/fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
seconds=20
only=""
ci=0
budget=105
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --target) only=$2; shift 2 ;;
    --ci) ci=1; shift ;;
    --budget) budget=$2; shift 2 ;;
    *) echo "usage: npm run fuzz -- [--seconds N] [--target decode_fuzzer|describe_fuzzer|attrs_fuzzer] [--ci [--budget S]]" >&2; exit 2 ;;
  esac
done
say() { printf 'vnic fuzz: %s\n' "$*" >&2; }
targets=(decode_fuzzer describe_fuzzer attrs_fuzzer)

bash scripts/ensure-tools.sh
[ -d node_modules/node-addon-api ] && pkg-config --exists libmnl 2>/dev/null || bash scripts/ensure.sh

out=build/fuzz
say "building the targets in $out"
cmake -S fuzz -B "$out" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >"$out.cmake.log" 2>&1 ||
  { cat "$out.cmake.log" >&2; exit 1; }
cmake --build "$out" -j "$(nproc)" >>"$out.cmake.log" 2>&1 || { tail -60 "$out.cmake.log" >&2; exit 1; }

# A report from a sanitizer or libFuzzer in a log, whatever the exit status said.
reported() { grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$1"; }

failed=0
# Every reproducer kept: fuzz/regressions/<target prefix>-<what>, run once through its target.
for file in fuzz/regressions/*; do
  [ -f "$file" ] || continue
  target="$(basename "$file" | cut -d- -f1)_fuzzer"
  if [ ! -x "$out/$target" ]; then say "regression $file: no target $target"; failed=1; continue; fi
  log="$out/regression-$(basename "$file").log"
  if ! "$out/$target" "$file" >"$log" 2>&1 || reported "$log"; then
    failed=1
    say "regression $file FAILED on $target"
    tail -40 "$log" >&2
  else
    say "regression $(basename "$file"): replayed on $target, clean"
  fi
done

corpus=$out/corpus
rm -rf "$corpus"
mkdir -p "$out/dumps"
for target in "${targets[@]}"; do mkdir -p "$corpus/$target"; done
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
  ip link add mvs0 link d0 type macvlan mode source macaddr add 02:00:00:00:00:01 macaddr add 02:00:00:00:00:02
  ip link add vl0 link d0 type vlan id 7
  ip link add vx0 type vxlan id 42 dstport 4789 local 10.9.0.1
  ip link add ipv0 link d0 type ipvlan mode l3
  ip link add bo0 type bond mode active-backup
  ip link add ms0 link d0 type macsec 2>/dev/null
  ip tuntap add tp0 mode tap 2>/dev/null
  ip link set lo up
  exec "$1" "$2"' _ "$out/seed_dump" "$out/dumps" 2>/dev/null || say "some kinds are missing here; seeds from what was made"
node fuzz/seeds.js --dumps "$out/dumps" "$corpus"

count=0
for target in "${targets[@]}"; do
  [ -n "$only" ] && [ "$only" != "$target" ] && continue
  count=$((count + 1))
done
if [ $ci = 1 ]; then
  left=$((budget - ($(date +%s) - started)))
  seconds=$(((left - 2 * count) / count))  # each target takes ~1 s more to load its corpus and stop
  [ $seconds -ge 5 ] || seconds=5
  say "CI pass: $((${left})) s of the ${budget} s budget left after the build, ${seconds} s per target"
fi

total_runs=0
for target in "${targets[@]}"; do
  [ -n "$only" ] && [ "$only" != "$target" ] && continue
  mkdir -p "$out/artifacts/$target"
  say "$target: ${seconds}s from $(ls "$corpus/$target" | wc -l) seeds"
  log="$out/$target.log"
  if ! "$out/$target" -max_total_time="$seconds" -print_final_stats=1 -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$out/artifacts/$target/" "$corpus/$target" >"$log" 2>&1 || reported "$log"; then
    failed=1
    say "$target FAILED — see $log and $out/artifacts/$target/"
    tail -40 "$log" >&2
  else
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    total_runs=$((total_runs + ${runs:-0}))
    say "$target: ${runs:-?} inputs run, $(grep -c . <(ls "$corpus/$target")) in the corpus at the end, clean"
  fi
done
say "done in $(($(date +%s) - started)) s: $total_runs inputs run$([ $failed = 0 ] && echo ', no crash, no sanitizer report' || echo ' — FAILED')"
exit $failed
