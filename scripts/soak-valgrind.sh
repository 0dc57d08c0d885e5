#!/usr/bin/env bash
# npm run soak:valgrind [-- --ops N]: the soak (default 5 000 operations:
# memcheck runs it ~12× slower: about a minute) under valgrind memcheck, as a second opinion
# beside LeakSanitizer. Fails when valgrind finds a definite leak, or an
# invalid read / write / jump, whose stack passes through the addon
# (vnic.node); Node's own never-freed start-up allocations are counted and
# printed, not failed on. The full report: build/valgrind/soak.log.
set -euo pipefail
cd "$(dirname "$0")/.."
ops=5000
[ "${1:-}" = "--ops" ] && ops=$2
bash scripts/ensure-tools.sh valgrind
bash scripts/ensure.sh
if [ ! -f dist/scripts/soak.js ] || [ -n "$(find scripts/soak.ts lib -newer dist/scripts/soak.js -name '*.ts' -print -quit)" ]; then
  npx --no-install tsc -p tsconfig.json
fi
mkdir -p build/valgrind
log=build/valgrind/soak.log
say() { printf 'vnic valgrind: %s\n' "$*" >&2; }
say "soak of $ops operations under memcheck (about a minute for 5 000)"
# --jitless: V8 interprets, so valgrind has no generated code to chase (and no
# false reports from it); the addon and libuv run as usual.
status=0
valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite \
  --num-callers=40 --track-origins=no --suppressions=scripts/valgrind.supp --log-file="$log" \
  node --jitless --expose-gc dist/scripts/soak.js --ops "$ops" --fds-only || status=$?
# Each record: from its "==PID== N bytes in M blocks are definitely lost" (or an
# error header) to the blank line that ends it.
node -e '
const fs = require("fs");
const text = fs.readFileSync(process.argv[1], "utf8").split("\n").map((l) => l.replace(/^==\d+== ?/, ""));
const records = [];
let cur = null;
for (const line of text) {
  if (line === "") { if (cur) records.push(cur); cur = null; continue; }
  if (cur) cur.push(line); else cur = [line];
}
const isLeak = (r) => /are definitely lost/.test(r[0]);
const isError = (r) => /^(Invalid (read|write|free)|Conditional jump|Use of uninitialised|Mismatched free|Source and destination overlap|Syscall param)/.test(r[0]);
const ours = (r) => r.some((l) => /vnic\.node|vnic::/.test(l));
const leaks = records.filter(isLeak), errors = records.filter(isError);
const bytes = (rs) => rs.reduce((n, r) => n + Number(/([\d,]+) (\(.*\) )?bytes/.exec(r[0])[1].replace(/,/g, "")), 0);
const ourLeaks = leaks.filter(ours), ourErrors = errors.filter(ours);
const summary = text.filter((l) => /definitely lost:|indirectly lost:|possibly lost:|still reachable:|ERROR SUMMARY/.test(l));
console.log(summary.map((l) => "  " + l.trim()).join("\n"));
console.log(`definite leaks: ${leaks.length} records, ${bytes(leaks)} bytes in all; through vnic.node: ${ourLeaks.length} (${bytes(ourLeaks)} bytes)`);
console.log(`memory errors: ${errors.length}; through vnic.node: ${ourErrors.length}`);
for (const r of [...ourLeaks, ...ourErrors]) console.log(r.join("\n") + "\n");
process.exit(ourLeaks.length + ourErrors.length > 0 ? 1 : 0);
' "$log" || { say "FAILED: see above and $log"; exit 1; }
[ $status = 0 ] || { say "the soak itself failed under valgrind (exit $status): see $log"; exit 1; }
say "no definite leak and no memory error through vnic.node"
