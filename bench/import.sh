#!/usr/bin/env bash
# The import rate: 10,000 tasks (a tenth with a due and a reminder, one in a hundred recurring, a
# fifth of them subtasks, 7 tags) through `todo import` (parts of 1,000, each a transaction), then
# `todo export` of them and the same document imported again (nothing created: the repeat's cost).
# On SQLite (`todo serve`) and PostgreSQL (`todo backend`, a durable cluster of its own: fsync and
# synchronous_commit on). Release build.
#   bench/import.sh [sqlite|postgres|both]     (env: TASKS=10000)
set -euo pipefail
cd "$(dirname "$0")/.."
TASKS=${TASKS:-10000}; PORT=${BENCH_PORT:-18910}
if [ -n "${TODO_BIN:-}" ]; then BIN=$TODO_BIN; else swift build -c release --product todo >&2; BIN=.build/release/todo; fi
export TEST_PG_PORT=${BENCH_PG_PORT:-54339} TEST_PG_DIR=${BENCH_PG_DIR:-/tmp/todo-bench-pg} TEST_PG_DURABLE=1
unset TEST_DATABASE_URL
WORK=$(mktemp -d)
BASE_URL=unused python3 scripts/e2e_api.py "$TASKS" "$WORK/doc.json"
now() { date +%s.%N; }
run_db() {
  local db=$1 data; data=$(mktemp -d)
  local env=(BCRYPT_COST=4 LOG_LEVEL=error TODO_DATA_DIR="$data") role=(serve)
  if [ "$db" = postgres ]; then
    local url; url=$(scripts/test-postgres.sh database todo_bench_import)
    env+=(DATABASE_URL="$url" JWT_SECRET="bench:0123456789abcdef0123456789abcdef")
    env "${env[@]}" $BIN migrate >/dev/null 2>&1
    role=(backend)
  fi
  env "${env[@]}" $BIN "${role[@]}" --port $PORT >"$data/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  local B=http://127.0.0.1:$PORT email="bench-$RANDOM@import.test"
  curl -sf -X POST $B/api/v1/auth/signup -H 'content-type: application/json' -d "{\"email\":\"$email\",\"password\":\"bench-pass-1\",\"display_name\":\"B\"}" >/dev/null
  local access; access=$(curl -sf -X POST $B/api/v1/auth/login -H 'content-type: application/json' -d "{\"email\":\"$email\",\"password\":\"bench-pass-1\"}" | jq -r .access_token)
  local pat; pat=$(curl -sf -X POST $B/api/v1/tokens -H "authorization: Bearer $access" -H 'content-type: application/json' \
    -d '{"name":"bench","scopes":["tasks:read","tasks:write"],"expires_in_days":1}' | jq -r .token)
  local t0 t1 t2 t3
  t0=$(now); TODO_URL=$B TODO_TOKEN=$pat $BIN import "$WORK/doc.json" 2>/dev/null | head -1 >&2
  t1=$(now); TODO_URL=$B TODO_TOKEN=$pat $BIN export -o "$WORK/out.json" >&2
  t2=$(now); TODO_URL=$B TODO_TOKEN=$pat $BIN import "$WORK/doc.json" 2>/dev/null | head -1 >&2
  t3=$(now)
  kill $pid; wait $pid 2>/dev/null || true
  python3 -c "
import sys
t0, t1, t2, t3, n = map(float, sys.argv[1:])
print(f'$db: import {n:.0f} tasks {t1 - t0:.2f} s ({n / (t1 - t0):.0f} tasks/s); export {t2 - t1:.2f} s; import again (nothing new) {t3 - t2:.2f} s')
" "$t0" "$t1" "$t2" "$t3" "$TASKS"
  rm -rf "$data"
}
case "${1:-both}" in
  sqlite) run_db sqlite ;;
  postgres) run_db postgres ;;
  both) run_db sqlite; run_db postgres ;;
esac
[ "${1:-both}" = sqlite ] || scripts/test-postgres.sh stop >/dev/null 2>&1 || true
rm -rf "$WORK"
