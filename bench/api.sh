#!/usr/bin/env bash
# Measures the API with wrk (Debian's package) at 64 connections, on SQLite and on PostgreSQL:
# list with a filter and sort (limit 50), get one, create, complete, and /health of the same
# server as the ceiling. Seeds USERS x TASKS through the API first. Prints a Markdown table.
#   bench/api.sh [sqlite|postgres|both]     (env: USERS=100 TASKS=1000 DURATION=10s)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
USERS=${USERS:-100}; TASKS=${TASKS:-1000}; DURATION=${DURATION:-10s}; PORT=${BENCH_PORT:-18900}
# TODO_BIN=path runs another build (an A/B against an earlier commit's binary, in one run).
if [ -n "${TODO_BIN:-}" ]; then BIN=$TODO_BIN; else swift build -c release --product todo >&2; BIN=.build/release/todo; fi

run_db() {
  local db=$1 data; data=$(mktemp -d)
  # 100 sign-ins from one address would trip the per-address login limit (50 per 15 minutes).
  local env=(BCRYPT_COST=4 LOG_LEVEL=error LOGIN_LIMIT_PER_ADDRESS=100000)
  if [ "$db" = postgres ]; then
    local url; url=$(scripts/test-postgres.sh database todo_bench)
    env+=(DATABASE_URL="$url")
  fi
  env "${env[@]}" $BIN serve --port $PORT --data-dir "$data" >"$data/server.log" 2>&1 &
  local pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  local t0=$SECONDS
  python3 bench/seed.py 127.0.0.1 $PORT "$USERS" "$TASKS" "$data/seed.txt"
  echo "seeded $USERS x $TASKS on $db in $((SECONDS - t0)) s" >&2
  for scenario in health list get create complete; do
    local out
    out=$(SCENARIO=$scenario SEED="$data/seed.txt" wrk -t2 -c64 -d"$DURATION" --latency -s bench/scenario.lua "http://127.0.0.1:$PORT" 2>&1)
    local rps p50 p99 errors
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(grep -c "unexpected status" <<<"$out" || true)
    echo "| $db | $scenario | $rps | $p50 | $p99 | $errors |"
  done
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
}

echo "| database | scenario | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
case "${1:-both}" in
  sqlite) run_db sqlite ;;
  postgres) run_db postgres ;;
  *) run_db sqlite; run_db postgres ;;
esac
