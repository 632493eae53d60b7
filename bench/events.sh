#!/usr/bin/env bash
# Completion -> next occurrence through the event backbone (outbox, sequencer, consumer group):
# completions per second carried through, and the latency from a completion (the time of its
# task.completed event, taken in the API request) to the commit of its next occurrence (the
# recurring-task-service's processed mark for that event, written in the same transaction as the
# new task), p50/p99, read from the database afterwards.
# Runs: SQLite (`todo serve`, one process), PostgreSQL with `todo backend` + 1 and + 2 `todo
# recurring` processes. Completions are sent by wrk at about RATE per second.
#   bench/events.sh [sqlite|pg1|pg2|all]     (env: USERS=40 TASKS=100 RATE=1000)
# `replay` measures catching up instead: with `todo recurring` stopped, USERS x TASKS completions
# (default 100 x 1,000) pile up in the log; then one `todo recurring` starts and the script times
# how long it takes until every next occurrence exists and the group's lag is zero.
#   bench/events.sh replay                   (env: USERS=100 TASKS=1000)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ "${1:-}" = replay ]; then USERS=${USERS:-100}; TASKS=${TASKS:-1000}; fi
USERS=${USERS:-40}; TASKS=${TASKS:-100}; RATE=${RATE:-1000}; PORT=${BENCH_PORT:-18920}
N=$((USERS * TASKS))
# the durable cluster bench/api.sh uses (fsync and synchronous_commit on)
export TEST_PG_PORT=${BENCH_PG_PORT:-54339} TEST_PG_DIR=${BENCH_PG_DIR:-/tmp/todo-bench-pg} TEST_PG_DURABLE=1
unset TEST_DATABASE_URL
# TODO_BIN=path runs another build (an A/B against an earlier commit's binary, in one run).
if [ -n "${TODO_BIN:-}" ]; then BIN=$TODO_BIN; else swift build -c release --product todo >&2; BIN=.build/release/todo; fi
CONNS=16

# The recurring-task-service group's lag, summed over partitions; the arguments are the
# environment (`lag "${env[@]}"`).
lag() { env "$@" $BIN events lag --group recurring-task-service 2>/dev/null | awk 'NR > 1 { s += $6 } END { print s + 0 }'; }
DELAY_MS=$((CONNS * 1000 / RATE))
SECS=$(( 2 * N / RATE + 5 ))

run() {
  local mode=$1 data; data=$(mktemp -d)
  local pids=()
  local env=(BCRYPT_COST=4 LOG_LEVEL=error LOGIN_LIMIT_PER_ADDRESS=100000 TODO_DATA_DIR="$data")
  local query
  if [ "$mode" = sqlite ]; then
    env "${env[@]}" $BIN serve --port $PORT >"$data/server.log" 2>&1 & pids+=($!)
  else
    local url; url=$(scripts/test-postgres.sh database todo_bench_events)
    env+=(DATABASE_URL="$url" JWT_SECRET="bench:0123456789abcdef0123456789abcdef")
    env "${env[@]}" $BIN migrate >/dev/null 2>&1
    env "${env[@]}" $BIN backend --port $PORT >"$data/server.log" 2>&1 & pids+=($!)
    local consumers=${mode#pg}
    for i in $(seq 1 "$consumers"); do
      env "${env[@]}" $BIN recurring --port $((PORT + i)) >"$data/r$i.log" 2>&1 & pids+=($!)
    done
  fi
  trap "kill ${pids[*]} 2>/dev/null || true" EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  python3 scripts/recurring_load.py seed 127.0.0.1 $PORT "$USERS" "$TASKS" "$data/tasks.txt"
  sleep 2  # the seeding's task.created events are consumed before the measurement starts
  local out
  out=$(TASKS="$data/tasks.txt" THREADS=2 DELAY_MS=$DELAY_MS wrk -t2 -c$CONNS -d${SECS}s -s bench/complete.lua "http://127.0.0.1:$PORT" 2>&1)
  local errors; errors=$(grep -c "unexpected status" <<<"$out" || true)
  # wrk drops the odd request when a connection starts; completing again is a no-op for the rest
  python3 scripts/recurring_load.py complete 127.0.0.1 $PORT "$data/tasks.txt" >/dev/null
  # wait for the consumers to finish
  for _ in $(seq 1 600); do [ "$(lag "${env[@]}")" = 0 ] && break; sleep 0.1; done
  local sql="SELECT e.created_at, p.processed_at FROM events e JOIN processed_events p ON p.event_id = e.id
    AND p.group_name = 'recurring-task-service' WHERE e.type = 'task.completed'"
  if [ "$mode" = sqlite ]; then
    python3 - "$data/todo.sqlite" "$sql" >"$data/pairs.txt" <<'PY'
import sqlite3, sys
for a, b in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print(a, b)
PY
  else
    psql "${url%%\?*}" -tAF' ' -c "SELECT to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
      to_char(p.processed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM events e JOIN processed_events p
      ON p.event_id = e.id AND p.group_name = 'recurring-task-service' WHERE e.type = 'task.completed'" >"$data/pairs.txt"
  fi
  python3 - "$data/pairs.txt" "$mode" "$N" "$errors" <<'PY'
import sys
from datetime import datetime
def t(s): return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
pairs = [tuple(map(t, line.split())) for line in open(sys.argv[1]) if line.strip()]
mode, n, errors = sys.argv[2], int(sys.argv[3]), sys.argv[4]
lat = sorted((b - a) * 1000 for a, b in pairs)
pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
# rates over the middle 98 % (a straggler that wrk dropped and the script completed later would
# otherwise stretch the span)
sent = sorted(a for a, _ in pairs)
done = sorted(b for _, b in pairs)
k = len(pairs) // 100
rate = lambda ts: (len(ts) - 2 * k) / (ts[-1 - k] - ts[k])
print(f"| {mode} | {len(pairs)}/{n} | {rate(sent):.0f} | {rate(done):.0f} | {pct(0.5):.1f} | {pct(0.99):.1f} | {lat[-1]:.1f} | {errors} |")
PY
  kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $data" >&2 || rm -rf "$data"
}

replay() {
  local data; data=$(mktemp -d)
  local url; url=$(scripts/test-postgres.sh database todo_bench_replay)
  local env=(BCRYPT_COST=4 LOG_LEVEL=error LOGIN_LIMIT_PER_ADDRESS=100000 TODO_DATA_DIR="$data"
    DATABASE_URL="$url" JWT_SECRET="bench:0123456789abcdef0123456789abcdef")
  local psql=(psql "${url%%\?*}" -tAq)
  env "${env[@]}" $BIN migrate >/dev/null 2>&1
  env "${env[@]}" $BIN backend --port $PORT >"$data/server.log" 2>&1 & api=$!
  rec=""
  trap 'kill $api $rec 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  # the group consumes the seeding's task.created events, so the backlog is the completions alone
  env "${env[@]}" $BIN recurring --port $((PORT + 1)) >"$data/r0.log" 2>&1 & rec=$!
  local t0=$SECONDS
  python3 scripts/recurring_load.py seed 127.0.0.1 $PORT "$USERS" "$TASKS" "$data/tasks.txt"
  echo "seeded $N recurring tasks in $((SECONDS - t0)) s" >&2
  for _ in $(seq 1 600); do [ "$(lag "${env[@]}")" = 0 ] && break; sleep 0.2; done
  kill -TERM $rec; wait $rec 2>/dev/null || true; rec=""
  t0=$SECONDS
  python3 scripts/recurring_load.py complete 127.0.0.1 $PORT "$data/tasks.txt" 16 >&2
  # every completion sequenced into the log: the lag stops growing
  local before=-1 now
  while now=$(lag "${env[@]}"); [ "$now" != "$before" ]; do before=$now; sleep 1; done
  echo "backlog: $now events after $((SECONDS - t0)) s of completing" >&2
  local start; start=$(date +%s.%N)
  env "${env[@]}" $BIN recurring --port $((PORT + 1)) >"$data/r1.log" 2>&1 & rec=$!
  # the consumer also reads the successors' own task.created events, written as it goes
  while [ "$(lag "${env[@]}")" != 0 ]; do sleep 0.1; done
  local end; end=$(date +%s.%N)
  local made; made=$("${psql[@]}" -c "SELECT count(*) FROM tasks WHERE completed_at IS NULL")
  local window; window=$("${psql[@]}" -c "SELECT count(*), round(extract(epoch FROM max(p.processed_at) - min(p.processed_at))::numeric, 2)
    FROM processed_events p JOIN events e ON e.id = p.event_id
    WHERE p.group_name = 'recurring-task-service' AND e.type = 'task.completed'" | tr '|' ' ')
  python3 - "$now" "$start" "$end" "$made" "$N" $window <<'PY'
import sys
backlog, start, end, made, n, marks, span = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
wall = end - start
print(f"| pg1 replay | {backlog:,} | {made:,}/{n:,} | {wall:.1f} s | {backlog / wall:,.0f} | {marks / span:,.0f} |")
PY
  kill $api $rec 2>/dev/null || true; wait $api $rec 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $data" >&2 || rm -rf "$data"
}

case "${1:-all}" in
  replay)
    echo "| setup | backlog (events) | next occurrences | start to lag 0 | events/s | task.completed/s (marks) |"
    echo "|---|---|---|---|---|---|"
    replay ;;
  *)
    echo "| setup | next occurrences | completions/s sent | carried through/s | p50 ms | p99 ms | max ms | non-2xx |"
    echo "|---|---|---|---|---|---|---|---|"
    case "${1:-all}" in
      sqlite|pg1|pg2) run "$1" ;;
      *) run sqlite; run pg1; run pg2 ;;
    esac ;;
esac
