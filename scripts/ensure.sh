#!/usr/bin/env bash
# Makes a fresh machine ready for `npm test` / `npm run demo`, idempotently:
# libmnl headers (apt), node_modules (npm ci), the addon and the TypeScript
# build when their sources are newer than what was built.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'vnic: %s\n' "$*" >&2; }

if ! pkg-config --exists libmnl 2>/dev/null || [ ! -f /usr/include/libmnl/libmnl.h ]; then
  say "installing libmnl-dev and pkg-config (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq libmnl-dev pkg-config >/dev/null
fi
if ! command -v ip >/dev/null 2>&1; then
  say "installing iproute2 (the tests cross-check vnic's view of the kernel with ip -j)"
  apt-get update -qq >/dev/null && apt-get install -y -qq iproute2 >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing node modules (npm ci)"
  npm ci --ignore-scripts --no-audit --no-fund >/dev/null
fi

newer_than() {  # newer_than TARGET PATH… : true when TARGET is missing or older than any file under PATH…
  local target=$1; shift
  [ -e "$target" ] || return 0
  [ -n "$(find "$@" -newer "$target" -type f -print -quit 2>/dev/null)" ]
}

addon=build/Release/vnic.node
client=build/Release/vnic-cni  # the CNI client; its VERSION answer comes from lib/cni/version.ts
if newer_than "$addon" native binding.gyp || newer_than "$client" native binding.gyp lib/cni/version.ts; then
  say "building the addon and the vnic-cni client (node-gyp)"
  npx --no-install node-gyp rebuild -j 2 >/dev/null
fi
# The benchmark's sources (not its results) count too.
if newer_than dist/lib/index.js lib examples tsconfig.json ||
  { [ -d bench ] && newer_than dist/bench/run.js $(find bench -name '*.ts'); }; then
  say "compiling TypeScript"
  npx --no-install tsc -p tsconfig.json
fi
