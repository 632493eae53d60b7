#!/usr/bin/env bash
# Consumer groups across real processes on PostgreSQL (TEST_DATABASE_URL): two `todo recurring`
# processes split the 12 partitions of task-events; one is killed with SIGKILL in the middle of a
# backlog; the other takes its partitions over and finishes, and every completed recurring task
# has exactly one next occurrence. A new process rebalances within seconds; `events reset` is
# refused while the group runs; after a clean stop, a replay from the earliest offset changes
# nothing. Prints the measured rebalance times.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${TEST_DATABASE_URL:-}" ] || { echo "skip - consumer groups across processes need TEST_DATABASE_URL (PostgreSQL)"; exit 0; }
BIN=.build/debug/todo
PORT=${E2E_GROUPS_PORT:-18815}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  mkdir -p /tmp/e2e-consumers-failed && cp "$WORK"/*.log /tmp/e2e-consumers-failed/ 2>/dev/null || true
  for f in "$WORK"/r*.log; do [ -f "$f" ] && { echo "--- last lines of $(basename "$f") (all in /tmp/e2e-consumers-failed)" >&2; tail -8 "$f" | cut -c1-300 >&2; }; done
  exit 1
}
passed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
wait_health() { for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.1; done; return 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

export DATABASE_URL=$(scripts/test-postgres.sh database todo_e2e_groups)
export JWT_SECRET="e2e:0123456789abcdef0123456789abcdef" LOGIN_LIMIT_PER_ADDRESS=100000 BCRYPT_COST=4
export TODO_DATA_DIR="$WORK/data"
sql() { psql "${DATABASE_URL%%\?*}" -tAqc "$1"; }
GROUP=recurring-task-service
members() { "$BIN" events members --group $GROUP 2>/dev/null | awk 'NR > 1'; }
# waits until the group has exactly the given partition counts per member (sorted, e.g. "6 6")
wait_split() {
  for _ in $(seq 1 ${2:-300}); do
    [ "$(members | awk '{ print $4 }' | sort -n | xargs)" = "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
total_lag() { "$BIN" events lag --group $GROUP | awk 'NR > 1 { s += $6 } END { print s + 0 }'; }
# starts `todo recurring` on port $1; its pid is in $LAST (not $(…): a subshell would lose PIDS)
recurring() { "$BIN" recurring --port "$1" >>"$WORK/r$1.log" 2>&1 & LAST=$!; PIDS+=($LAST); PORTS[$LAST]=$1; }
declare -A PORTS
# waits up to $1 seconds for the given processes to exit; fails with the logs of any that did not
# (a pod that ignores SIGTERM is killed by Kubernetes after its grace period: a defect, not a hang
# of this script)
exit_within() {
  local limit=$1; shift
  for _ in $(seq 1 $((limit * 10))); do
    local alive=()
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
    [ ${#alive[@]} = 0 ] && { wait "$@" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  for p in "${alive[@]}"; do
    echo "--- process $p (port ${PORTS[$p]:-?}) did not exit within $limit s of SIGTERM; its log:" >&2
    tail -40 "$WORK/r${PORTS[$p]:-none}.log" >&2 || true
    cp "$WORK/r${PORTS[$p]:-none}.log" "/tmp/todo-hung-$p.log" 2>/dev/null && echo "(log in /tmp/todo-hung-$p.log)" >&2
    if [ -n "${E2E_BACKTRACE:-}" ] && command -v gdb >/dev/null; then
      gdb -p "$p" -batch -ex "thread apply all bt 12" >"/tmp/todo-hung-$p.txt" 2>&1 || true
      echo "(backtrace in /tmp/todo-hung-$p.txt)" >&2
      psql "${DATABASE_URL%%\?*}" -c "SELECT pid, state, wait_event_type, wait_event, now() - xact_start AS xact_age, left(query, 80) AS query FROM pg_stat_activity WHERE datname = current_database()" >"/tmp/todo-hung-$p.pg" 2>&1 || true
    fi
  done
  fail "SIGTERM did not stop ${alive[*]}"
}

"$BIN" migrate >"$WORK/m.log" 2>&1 || fail "migrate: $(cat "$WORK/m.log")"
"$BIN" backend --port $PORT >"$WORK/b.log" 2>&1 &
PIDS+=($!)
wait_health $PORT || fail "backend did not start: $(cat "$WORK/b.log")"

t0=$(now)
recurring $((PORT + 1)); A=$LAST
recurring $((PORT + 2)); B=$LAST
wait_split "6 6" || fail "two processes did not split the partitions: $(members)"
ok "two todo recurring processes own 6 partitions each ($(since "$t0") s after start)"
for port in $((PORT + 1)) $((PORT + 2)); do
  # The gauges are written after each heartbeat's lease renewal (the split above can be seen
  # first): give it three heartbeats.
  for _ in $(seq 1 30); do
    curl -sf "http://127.0.0.1:$port/metrics" | grep -q '^kafka_consumer_lag{group="recurring-task-service",topic="task-events",partition="0"}' && break
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:$port/metrics" | grep -q '^kafka_consumer_lag{group="recurring-task-service",topic="task-events",partition="0"}' ||
    fail "todo recurring on $port does not export kafka_consumer_lag: $(curl -s "http://127.0.0.1:$port/metrics" | head -20)"
done
ok "each consumer process serves /metrics with kafka_consumer_lag per partition"

USERS=24 TASKS=25
N=$((USERS * TASKS))
python3 scripts/recurring_load.py seed 127.0.0.1 $PORT $USERS $TASKS "$WORK/tasks.txt"
kill -STOP "$A" "$B"  # a backlog builds while both consumers are frozen
python3 scripts/recurring_load.py complete 127.0.0.1 $PORT "$WORK/tasks.txt" >/dev/null
# The backend's sequencer gives the completions their offsets. (If a frozen consumer was inside
# its sequencing transaction, the server ends that session after idle_in_transaction_session_timeout,
# 10 s, and the backend's sequencer goes on: a stalled process cannot hold the log.)
for _ in $(seq 1 300); do lag=$(total_lag); [ "$lag" -ge $N ] && break; sleep 0.1; done
[ "$lag" -ge $N ] || fail "expected a backlog of $N completions, lag is $lag: $("$BIN" events lag --group $GROUP; "$BIN" events members)"
kill -CONT "$A" "$B"
# kill A as soon as the first batches are committed: it is then in the middle of the backlog,
# with a batch transaction in flight
before=$lag
for _ in $(seq 1 200); do before=$(total_lag); [ "$before" -lt "$lag" ] && break; sleep 0.05; done
kill -9 "$A"
wait "$A" 2>/dev/null || true
[ "$before" -gt 0 ] && [ "$before" -lt "$lag" ] || fail "could not kill in the middle of the backlog ($before of $lag left)"
t0=$(now)
for _ in $(seq 1 600); do [ "$(total_lag)" = 0 ] && break; sleep 0.1; done
[ "$(total_lag)" = 0 ] || fail "the backlog was not finished after the kill: $("$BIN" events lag --group $GROUP)"
took=$(since "$t0")
wait_split "12" 100 || fail "the survivor does not own all 12 partitions: $(members)"
successors=$(sql "SELECT count(*) FROM tasks WHERE spawned_from IS NOT NULL")
orphans=$(sql "SELECT count(*) FROM tasks t WHERE t.completed_at IS NOT NULL AND t.recurrence_rule IS NOT NULL
  AND (SELECT count(*) FROM tasks s WHERE s.spawned_from = t.id) <> 1")
[ "$successors" = $N ] && [ "$orphans" = 0 ] ||
  fail "expected exactly one next occurrence per completion: $successors successors for $N, $orphans without exactly one"
ok "kill -9 with $before of $lag events left: the other process took over and finished in $took s; $N completions, $N next occurrences"

t0=$(now)
recurring $((PORT + 3)); A=$LAST
wait_split "6 6" || fail "a new process did not get partitions: $(members)"
ok "a new process rebalances the group to 6 + 6 in $(since "$t0") s"

if out=$("$BIN" events reset --group $GROUP --topic task-events --to-earliest 2>&1); then fail "reset ran while the group was active"; fi
grep -q "active members" <<<"$out" || fail "reset did not say why it refused: $out"
ok "events reset is refused while the group has live members"

t0=$(now)
kill -TERM "$A" "$B"
exit_within 10 "$A" "$B"
[ -z "$(members)" ] || fail "stopped members are still listed: $(members)"
ok "SIGTERM: both processes left the group and exited in $(since "$t0") s"

tasks_before=$(sql "SELECT count(*) FROM tasks")
"$BIN" events reset --group $GROUP --topic task-events --to-earliest >/dev/null || fail "reset after stopping failed"
[ "$(total_lag)" -gt $N ] || fail "the reset did not rewind the group"
recurring $((PORT + 4))
for _ in $(seq 1 600); do [ "$(total_lag)" = 0 ] && break; sleep 0.1; done
[ "$(total_lag)" = 0 ] || fail "the replay did not finish"
[ "$(sql "SELECT count(*) FROM tasks")" = "$tasks_before" ] || fail "the replay created tasks"
ok "a replay of task-events from the earliest offset changes nothing ($tasks_before tasks before and after)"
echo "$passed passed, 0 failed"
