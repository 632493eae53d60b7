#!/usr/bin/env bash
# What bounds a read: `todo backend` against `StackFloor` (Hummingbird and postgres-nio alone, one
# prepared statement per request, no sign-in or middleware; Sources/StackFloor) on one database,
# in turns. Per server and scenario: req/s at 64 connections and the server's CPU per request
# (/proc/PID/stat over the run), and p50 at 1 connection. Scenarios: /health (no database), get
# (a task that exists), missing (one that does not: a round trip with no row) and list (the
# bench's list of 50, bench/pgbench-list.sql). The durable
# cluster bench/api.sh uses.
#   bench/floor.sh     (env: ROUNDS=2 DURATION=8s)
#   TODO_BIN=path measures another build of todo.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
ROUNDS=${ROUNDS:-2}; DURATION=${DURATION:-8s}; PORT=${BENCH_PORT:-18930}
swift build -c release --product StackFloor >&2
if [ -n "${TODO_BIN:-}" ]; then BIN=$TODO_BIN; else swift build -c release --product todo >&2; BIN=.build/release/todo; fi
FLOOR=.build/release/StackFloor
export TEST_PG_PORT=${BENCH_PG_PORT:-54339} TEST_PG_DIR=${BENCH_PG_DIR:-/tmp/todo-bench-pg} TEST_PG_DURABLE=1
unset TEST_DATABASE_URL
TICK=$(getconf CLK_TCK)
url=$(scripts/test-postgres.sh database todo_floor)
data=$(mktemp -d)
env=(BCRYPT_COST=4 LOG_LEVEL=error LOGIN_LIMIT_PER_ADDRESS=100000 TODO_DATA_DIR="$data" DATABASE_URL="$url"
  JWT_SECRET="bench:0123456789abcdef0123456789abcdef")
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
start() {
  case $1 in
    todo) env "${env[@]}" $BIN backend --port $PORT >"$data/server.log" 2>&1 & ;;
    floor) $FLOOR $PORT "${url%%\?*}" >"$data/server.log" 2>&1 & ;;
  esac
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return; sleep 0.1; done
  echo "$1 did not start" >&2; cat "$data/server.log" >&2; exit 1
}
stop() { kill $pid; wait $pid 2>/dev/null || true; pid=; }
env "${env[@]}" $BIN migrate >/dev/null 2>&1
start todo
python3 bench/seed.py 127.0.0.1 $PORT 20 200 "$data/seed.txt" floor >/dev/null
stop
echo "| round | server | scenario | req/s (64 conns) | CPU ms/req | p50 at 1 conn |"
echo "|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  for server in ${SERVERS:-todo floor}; do
    start $server
    for scenario in ${SCENARIOS:-health get missing list}; do
      t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
      out=$(SCENARIO=$scenario SEED="$data/seed.txt" wrk -t2 -c64 -d"$DURATION" -s bench/scenario.lua "http://127.0.0.1:$PORT" 2>&1)
      t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
      grep -q "unexpected status" <<<"$out" && { echo "$server answered $scenario wrongly" >&2; exit 1; }
      one=$(SCENARIO=$scenario SEED="$data/seed.txt" wrk -t1 -c1 -d3s --latency -s bench/scenario.lua "http://127.0.0.1:$PORT" 2>&1)
      rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
      n=$(awk '/requests in/ { print $1 }' <<<"$out")
      cpu=$(awk -v t=$((t1 - t0)) -v n="$n" -v hz="$TICK" 'BEGIN { printf "%.3f", 1000 * t / hz / n }')
      echo "| $round | $server | $scenario | $rps | $cpu | $(awk '$1 == "50%" { print $2 }' <<<"$one") |"
    done
    stop
  done
done
