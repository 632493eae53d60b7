#!/usr/bin/env bash
# Does reading stay flat as a person's tasks grow? Seeds one person per size (1,000, 10,000 and
# 100,000 tasks by default) through the API, then measures at 1 connection, for each person: the
# bench's list (a filter and a sort, 50 items), the default list (open tasks, 50 items) and get
# one — p50 and p99. PostgreSQL is the durable cluster bench/api.sh uses.
#   bench/growth.sh [postgres|sqlite]     (env: SIZES="1000 10000 100000" DURATION=5s)
#   TODO_BIN=path measures another build.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
SIZES=${SIZES:-1000 10000 100000}; DURATION=${DURATION:-5s}; PORT=${BENCH_PORT:-18910}; DB=${1:-postgres}
if [ -n "${TODO_BIN:-}" ]; then BIN=$TODO_BIN; else swift build -c release --product todo >&2; BIN=.build/release/todo; fi
export TEST_PG_PORT=${BENCH_PG_PORT:-54339} TEST_PG_DIR=${BENCH_PG_DIR:-/tmp/todo-bench-pg} TEST_PG_DURABLE=1
unset TEST_DATABASE_URL

data=$(mktemp -d)
env=(BCRYPT_COST=4 LOG_LEVEL=error LOGIN_LIMIT_PER_ADDRESS=100000)
[ "$DB" = postgres ] && env+=(DATABASE_URL="$(scripts/test-postgres.sh database todo_growth)")
env "${env[@]}" $BIN serve --port $PORT --data-dir "$data" >"$data/server.log" 2>&1 &
pid=$!
trap "kill $pid 2>/dev/null || true; rm -rf $data" EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

echo "| database | tasks of the person | scenario | req/s | p50 | p99 |"
echo "|---|---|---|---|---|---|"
for size in $SIZES; do
  t0=$SECONDS
  python3 bench/seed.py 127.0.0.1 $PORT 1 "$size" "$data/seed-$size.txt" "growth$size-"
  echo "seeded one person with $size tasks on $DB in $((SECONDS - t0)) s" >&2
done
for size in $SIZES; do
  for scenario in list default get; do
    out=$(SCENARIO=$scenario SEED="$data/seed-$size.txt" wrk -t1 -c1 -d"$DURATION" --latency -s bench/scenario.lua "http://127.0.0.1:$PORT" 2>&1)
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    grep -q "unexpected status" <<<"$out" && { echo "non-2xx answers in $scenario at $size" >&2; exit 1; }
    echo "| $DB | $size | $scenario | $rps | $p50 | $p99 |"
  done
done
