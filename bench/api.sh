#!/usr/bin/env bash
# Measures the API with wrk (Debian's package): list with a filter and sort (limit 50), get one,
# create, complete, and /health of the same server as the ceiling — at 64 connections, and list
# and get again at 1 connection (latency without queueing). Seeds USERS x TASKS through the API
# first. Per scenario it reports req/s, p50/p99, the share of /health's req/s, and the CPU each
# request cost: the server process's (Swift) and PostgreSQL's (all its processes), from
# /proc/PID/stat over the run. Then the server's peak RSS and, on PostgreSQL, pgbench's
# select-only and insert rates on the same cluster as the database's own ceilings.
#
# PostgreSQL is a cluster of its own with durable settings (fsync and synchronous_commit on, the
# defaults; TEST_PG_DURABLE=1 scripts/test-postgres.sh on port 54339), not the tests' fsync=off one.
#   bench/api.sh [sqlite|postgres|both]     (env: USERS=100 TASKS=1000 DURATION=10s; RUNS="big:64 shared:64"
#                                            picks scenarios; SHARED_TASKS=10000: the size of the
#                                            shared project and of its personal twin, bench/seed-sharing.py)
#   FILL=1000000 bench/api.sh postgres       the same, with the database grown to FILL tasks first
#                                            (bench/fill.sql copies the seeded people under new ids)
#   TODO_BIN=path runs another build (an A/B against an earlier commit's binary, in one run).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
USERS=${USERS:-100}; TASKS=${TASKS:-1000}; DURATION=${DURATION:-10s}; PORT=${BENCH_PORT:-18900}
if [ -n "${TODO_BIN:-}" ]; then BIN=$TODO_BIN; else swift build -c release --product todo >&2; BIN=.build/release/todo; fi
export TEST_PG_PORT=${BENCH_PG_PORT:-54339} TEST_PG_DIR=${BENCH_PG_DIR:-/tmp/todo-bench-pg} TEST_PG_DURABLE=1
unset TEST_DATABASE_URL
PGBIN=$(dirname "$(dpkg -L postgresql-15 2>/dev/null | grep '/bin/pgbench$' | head -1)" 2>/dev/null || true)
TICK=$(getconf CLK_TCK)

# CPU time (clock ticks, user + system) of one process, or of every process of a user.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
pg_ticks() {
  # with what each has reaped (cutime + cstime): a backend whose connection closed (the pool closes
  # idle ones after 3 s) leaves its CPU time in the postmaster's
  local sum=0 p
  for p in $(pgrep -u postgres postgres || true); do
    sum=$((sum + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo $sum
}

run_db() {
  local db=$1 data; data=$(mktemp -d)
  # 100 sign-ins from one address would trip the per-address login limit (50 per 15 minutes).
  # SQLite is the embedded `todo serve` (every role in one process); PostgreSQL is production's
  # `todo backend` alone (API and sequencer; the consumers run in processes of their own there)
  local env=(BCRYPT_COST=4 LOG_LEVEL=error LOGIN_LIMIT_PER_ADDRESS=100000 TODO_DATA_DIR="$data")
  local role=(serve)
  if [ "$db" = postgres ]; then
    local url; url=$(scripts/test-postgres.sh database todo_bench)
    env+=(DATABASE_URL="$url" JWT_SECRET="bench:0123456789abcdef0123456789abcdef")
    env "${env[@]}" $BIN migrate >/dev/null 2>&1
    role=(backend)
  fi
  env "${env[@]}" $BIN "${role[@]}" --port $PORT >"$data/server.log" 2>&1 &
  local pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  local t0=$SECONDS
  python3 bench/seed.py 127.0.0.1 $PORT "$USERS" "$TASKS" "$data/seed.txt"
  echo "seeded $USERS x $TASKS on $db in $((SECONDS - t0)) s" >&2
  t0=$SECONDS
  python3 bench/seed-sharing.py 127.0.0.1 $PORT "$data/sharing.txt" "${SHARED_TASKS:-10000}"
  echo "seeded a project of ${SHARED_TASKS:-10000} tasks shared by 5 people and a personal one as big in $((SECONDS - t0)) s" >&2
  if [ -n "${FILL:-}" ] && [ "$db" = postgres ]; then
    t0=$SECONDS
    local filled; filled=$("$PGBIN/psql" -qtA "${url%%\?*}" -v copies=$((FILL / (USERS * TASKS) - 1)) -f bench/fill.sql)
    echo "grew the database to $filled tasks in $((SECONDS - t0)) s" >&2
    SUMMARY+=("postgres: $filled tasks in the database (bench/fill.sql)")
  fi
  local health=0
  for run in ${RUNS:-health:64 list:64 today:64 project:64 big:64 shared:64 get:64 missing:64 create:64 complete:64 list:1 today:1 project:1 big:1 shared:1 get:1 default:1}; do
    local scenario=${run%:*} conns=${run#*:} out s0 p0 s1 p1
    s0=$(ticks $pid); p0=$(pg_ticks)
    out=$(SCENARIO=$scenario SEED="$data/seed.txt" SHARING="$data/sharing.txt" wrk -t$((conns > 1 ? 2 : 1)) -c"$conns" -d"$DURATION" --latency -s bench/scenario.lua \
      "http://127.0.0.1:$PORT" 2>&1)
    s1=$(ticks $pid); p1=$(pg_ticks)
    local rps p50 p99 errors requests share swift pg
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    errors=$(grep -c "unexpected status" <<<"$out" || true)
    [ "$scenario" = health ] && [ "$conns" = 64 ] && health=$rps
    share=$(awk -v r="$rps" -v h="$health" 'BEGIN { printf "%.1f %%", (h > 0 ? 100 * r / h : 0) }')
    swift=$(awk -v t=$((s1 - s0)) -v n="$requests" -v hz="$TICK" 'BEGIN { printf "%.3f", (n > 0 ? 1000 * t / hz / n : 0) }')
    pg="-"
    [ "$db" = postgres ] && pg=$(awk -v t=$((p1 - p0)) -v n="$requests" -v hz="$TICK" 'BEGIN { printf "%.3f", (n > 0 ? 1000 * t / hz / n : 0) }')
    echo "| $db | $scenario | $conns | $rps | $p50 | $p99 | $share | $swift | $pg | $errors |"
  done
  local rss; rss=$(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status")
  kill $pid; wait $pid 2>/dev/null || true
  echo "peak RSS of todo ${role[0]} on $db: $rss" >&2
  SUMMARY+=("$db: peak RSS of todo ${role[0]} $rss")
  if [ "$db" = postgres ] && [ -n "$PGBIN" ]; then
    local base=${url%%\?*}; base=${base%/*}
    "$PGBIN/pgbench" -q -i -s 10 "$base/todo_bench" >/dev/null 2>&1
    local sel ins
    sel=$("$PGBIN/pgbench" -n -S -c 16 -j 2 -T "${DURATION%s}" "$base/todo_bench" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
    "$PGBIN/psql" -q "$base/todo_bench" -c "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, v bigint, at timestamptz DEFAULT now())"
    ins=$("$PGBIN/pgbench" -n -c 16 -j 2 -T "${DURATION%s}" -f bench/pgbench-insert.sql "$base/todo_bench" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
    # The bench's list statement itself, as the server sends it, without Swift: PostgreSQL's own
    # bound for the list scenario (bench/pgbench-list.sql; one of the seeded people at random).
    "$PGBIN/psql" -q "$base/todo_bench" -c "DROP TABLE IF EXISTS bench_people" \
      -c "CREATE TABLE bench_people AS SELECT (row_number() OVER (ORDER BY email) - 1)::int AS n, id FROM users" \
      -c "CREATE UNIQUE INDEX ON bench_people (n)" -c "ANALYZE bench_people" 2>/dev/null
    local list16 list1
    list16=$("$PGBIN/pgbench" -n -M prepared -c 16 -j 2 -T "${DURATION%s}" -f bench/pgbench-list.sql -D people="$USERS" "$base/todo_bench" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
    list1=$("$PGBIN/pgbench" -n -M prepared -c 1 -T "${DURATION%s}" -f bench/pgbench-list.sql -D people="$USERS" "$base/todo_bench" 2>/dev/null | awk '/latency average/ {print $4 " ms"}')
    # The bench's create as the server sends it (bench/pgbench-create.sql): PostgreSQL's own bound
    # for the create scenario. Last, as it adds rows.
    # The complete scenario's statements (bench/pgbench-complete.sql: a completion or a reopening
    # of a seeded task, both at random), and the bench's create as the server sends
    # it (bench/pgbench-create.sql): PostgreSQL's own bounds for those scenarios. Last: they write.
    "$PGBIN/psql" -q "$base/todo_bench" -c "DROP TABLE IF EXISTS bench_tasks" \
      -c "CREATE TABLE bench_tasks AS SELECT (row_number() OVER () - 1)::int AS n, t.id, t.user_id FROM tasks t JOIN bench_people p ON p.id = t.user_id AND p.n < $USERS" \
      -c "CREATE UNIQUE INDEX ON bench_tasks (n)" -c "ANALYZE bench_tasks" 2>/dev/null
    local complete16 create16
    complete16=$("$PGBIN/pgbench" -n -M prepared -c 16 -j 2 -T "${DURATION%s}" -f bench/pgbench-complete.sql -D tasks=$((USERS * TASKS)) "$base/todo_bench" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
    create16=$("$PGBIN/pgbench" -n -M prepared -c 16 -j 2 -T "${DURATION%s}" -f bench/pgbench-create.sql -D people="$USERS" "$base/todo_bench" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
    SUMMARY+=("postgres ceilings on the same cluster: pgbench -S -c 16: $sel selects/s; pgbench insert -c 16: $ins inserts/s (one per transaction); the list statement (pgbench -M prepared): $list16 lists/s at -c 16, $list1 average at -c 1; the complete scenario's statements: $complete16 completions and reopenings/s at -c 16; the create's: $create16 creates/s at -c 16")
  fi
  rm -rf "$data"
}

SUMMARY=()
echo "| database | scenario | conns | req/s | p50 | p99 | of /health | Swift CPU ms/req | PostgreSQL CPU ms/req | non-2xx |"
echo "|---|---|---|---|---|---|---|---|---|---|"
case "${1:-both}" in
  sqlite) run_db sqlite ;;
  postgres) run_db postgres ;;
  *) run_db sqlite; run_db postgres ;;
esac
echo
for line in "${SUMMARY[@]}"; do echo "- $line"; done
