#!/usr/bin/env bash
# npm run soak [-- --ops N] [-- --json]: 100 000 mixed operations (scripts/soak.ts)
# inside namespaces it makes and removes; prints RSS, V8 heap, external memory
# and open fds after the warm-up and at the end, and fails if they grew.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure.sh
if [ ! -f dist/scripts/soak.js ] || [ -n "$(find scripts/soak.ts lib -newer dist/scripts/soak.js -name '*.ts' -print -quit)" ]; then
  npx --no-install tsc -p tsconfig.json
fi
exec node --expose-gc dist/scripts/soak.js "$@"
