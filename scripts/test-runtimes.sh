#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the runtime suite (test/runtimes/suite.ts) against the built bundle on
# other JavaScript runtimes: Deno and Bun (from npm, node_modules/.bin), and
# Node too when asked. `npm test` already runs it on Node (node.test.ts).
#
#   bash scripts/test-runtimes.sh [node] [deno] [bun]    (default: deno bun)
#
# Builds dist/ first if it is missing or stale. For each runtime it prints the
# runner's own output, then 'RUNTIME: N passed, M failed' as its last line
# (skipped cases, if any, on the line before). Exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

runtimes=("$@")
[ ${#runtimes[@]} -gt 0 ] || runtimes=(deno bun)
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1

# e.g. '--allow-net --allow-read --allow-sys'
deno_flags=$(grep -m1 -oE '^- \*\*Deno 2\*\*:.* run with `[^`]+`' README.md | sed -E 's/.*run with `([^`]+)`/\1/')
[[ $deno_flags =~ ^(--allow-[a-z]+( |$))+$ ]] || { echo "README.md: no Deno flags found on its **Deno 2** line (got '$deno_flags')"; exit 1; }

node_modules/.bin/tsx test/runtimes/ensure-built.ts || { echo 'dist/: npm run build failed'; exit 1; }

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
status=0

# count OUT WORD...: the first number before any of the words on the summary lines
count() {
  local out=$1; shift
  local w n
  for w in "$@"; do
    n=$(grep -oE "(^|[^0-9])[0-9]+ $w\b" <<<"$out" | grep -oE '[0-9]+' | tail -1)
    [ -n "$n" ] && { echo "$n"; return; }
  done
  echo 0
}

run() { # NAME COMMAND...
  local name=$1; shift
  local bin=$1
  if [ ! -x "$bin" ]; then
    echo "$name: $bin is missing (npm ci installs it)"
    echo "$name: 0 passed, 1 failed"
    status=1
    return
  fi
  echo "=== $name: $*"
  local start end rc passed failed skipped summary
  start=$(date +%s%N)
  timeout 900 "$@" 2>&1 | tee "$log/$name.out"
  rc=${PIPESTATUS[0]}
  end=$(date +%s%N)
  case $name in
    # vitest: 'Tests  1 failed | 14 passed | 1 skipped (16)'
    node) summary=$(grep -E '^ *Tests ' "$log/$name.out" | tail -1)
          passed=$(count "$summary" passed); failed=$(count "$summary" failed); skipped=$(count "$summary" skipped) ;;
    # deno: 'ok | 15 passed | 0 failed | 1 ignored (3s)'
    deno) summary=$(grep -E '[0-9]+ passed \| [0-9]+ failed' "$log/$name.out" | tail -1)
          passed=$(count "$summary" passed); failed=$(count "$summary" failed); skipped=$(count "$summary" ignored) ;;
    # bun: ' 15 pass', ' 1 skip', ' 0 fail' on lines of their own
    bun)  summary=$(grep -E '^ *[0-9]+ (pass|fail|skip)$' "$log/$name.out")
          passed=$(count "$summary" pass); failed=$(count "$summary" fail); skipped=$(count "$summary" skip) ;;
  esac
  if [ -z "$summary" ]; then
    echo "$name: no test summary (runner exited with $rc)"
    failed=$((failed > 0 ? failed : 1))
  elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "$name: the runner exited with $rc"
    failed=1
  fi
  [ "$failed" -eq 0 ] || status=1
  echo "$name: finished in $(( (end - start) / 1000000 )) ms"
  [ "$skipped" -eq 0 ] || echo "$name: $skipped skipped"
  echo "$name: $passed passed, $failed failed"
}

for rt in "${runtimes[@]}"; do
  case $rt in
    node) run node node_modules/.bin/vitest run test/runtimes/node.test.ts ;;
    # the permissions the README gives Deno users, read from its **Deno 2** line, nothing more;
    # --sloppy-imports: the sources import each other as './x.js' (tsc's nodenext style)
    deno) run deno node_modules/.bin/deno test $deno_flags --no-check --sloppy-imports --no-lock test/runtimes/deno.ts ;;
    bun)  run bun node_modules/.bin/bun test --timeout 60000 ./test/runtimes/bun.spec.ts ;;
    *) echo "unknown runtime: $rt (node, deno or bun)"; exit 2 ;;
  esac
done
exit $status
