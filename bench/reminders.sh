#!/usr/bin/env bash
# 10,000 reminders due within 10 seconds, delivered by email to a local SMTP sink and in the app:
# lateness (delivery time − reminder time) p50/p99/max per channel, and emails per second; then
# where it builds up (fired by the scheduler → consumed by the notifier → sent). Reads the times
# from the database afterwards.
#   bench/reminders.sh [sqlite|postgres|both]     (env: USERS=100 TASKS=100 SPREAD=10)
# SINK=postfix (default): Postfix's smtp-sink (bench/postfix-smtp-sink.sh), a C server made for
# benchmarking SMTP clients; it offers PIPELINING. SINK=aiosmtpd: scripts/smtp-sink.py, the tests'
# server (Python; ~0.7 ms of CPU a message — on two cores a large share of the machine); add
# SINK_PIPELINING=1 to have it offer PIPELINING too.
# KEEP=1 keeps each run's directory (database, server logs, times.txt) and says where.
# PROFILE=DIR records a CPU profile (perf, Debian's linux-perf) of the Todo processes from the end
# of the seeding until every email is sent: DIR/<database>-<process>.perf.data.
# PIN=1 puts the SMTP sink on CPU 1 and the Todo processes on CPU 0 (taskset), so the two do not
# compete for a core: the notifier's own ceiling on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-100}; TASKS=${TASKS:-100}; SPREAD=${SPREAD:-10}; PORT=${BENCH_PORT:-18940}; SMTP_PORT=$((PORT + 5))
N=$((USERS * TASKS))
SINK_KIND=${SINK:-postfix}
case "$SINK_KIND" in
  postfix) bench/postfix-smtp-sink.sh --fetch-only ;;
  aiosmtpd) python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install -q --root-user-action=ignore aiosmtpd ;;
  *) echo "SINK must be postfix or aiosmtpd" >&2; exit 2 ;;
esac
SINK_PIN=(); APP_PIN=()
[ "${PIN:-0}" = 1 ] && { SINK_PIN=(taskset -c 1); APP_PIN=(taskset -c 0); }
# TODO_BIN=path runs another build (an A/B against an earlier commit's binary, in one run).
if [ -n "${TODO_BIN:-}" ]; then BIN=$TODO_BIN; else swift build -c release --product todo >&2; BIN=.build/release/todo; fi

run() {
  local db=$1 data mail; data=$(mktemp -d); mail=$(mktemp -d)
  local pids=()
  if [ "$SINK_KIND" = postfix ]; then
    # (its own directory: smtp-sink writes as nobody, who cannot enter $data)
    "${SINK_PIN[@]}" bench/postfix-smtp-sink.sh $SMTP_PORT "$mail" >/dev/null 2>&1 & pids+=($!)
  else
    local flags=(); [ "${SINK_PIPELINING:-0}" = 1 ] && flags=(--pipelining)
    "${SINK_PIN[@]}" python3 scripts/smtp-sink.py --port $SMTP_PORT --maildir "$mail" "${flags[@]}" >/dev/null 2>&1 & pids+=($!)
  fi
  local env=(BCRYPT_COST=4 LOG_LEVEL=error LOGIN_LIMIT_PER_ADDRESS=1000000 TODO_DATA_DIR="$data"
    SMTP_HOST=127.0.0.1 SMTP_PORT=$SMTP_PORT SMTP_TLS=none SMTP_FROM=reminders@bench.test)
  local sql
  if [ "$db" = sqlite ]; then
    "${APP_PIN[@]}" env "${env[@]}" $BIN serve --port $PORT >"$data/server.log" 2>&1 & pids+=($!)
    sql() { python3 -c 'import sqlite3, sys; [print(*r) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' "$data/todo.sqlite" "$1"; }
  else
    local url; url=$(scripts/test-postgres.sh database todo_bench_reminders)
    env+=(DATABASE_URL="$url" JWT_SECRET="bench:0123456789abcdef0123456789abcdef")
    env "${env[@]}" $BIN migrate >/dev/null 2>&1
    "${APP_PIN[@]}" env "${env[@]}" $BIN backend --port $PORT >"$data/server.log" 2>&1 & pids+=($!)
    "${APP_PIN[@]}" env "${env[@]}" $BIN notifier --port $((PORT + 1)) >"$data/notifier.log" 2>&1 & pids+=($!)
    sql() { psql "${url%%\?*}" -tAF' ' -c "$1"; }
  fi
  trap "kill ${pids[*]} 2>/dev/null || true" EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  # reminders due from T0 to T0 + SPREAD s, T0 far enough ahead for the seeding to finish first
  python3 - 127.0.0.1 $PORT $USERS $TASKS $SPREAD <<'PY'
import http.client, json, random, sys, threading, time
from datetime import datetime, timezone
host, port, users, tasks, spread = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
t0 = time.time() + 15 + users * tasks / 500
def call(conn, method, path, body, token=None):
    h = {"content-type": "application/json"}
    if token: h["authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body), h); r = conn.getresponse(); d = r.read()
    if r.status >= 300: raise RuntimeError(f"{path} {r.status} {d[:200]}")
    return json.loads(d)
def seed(k, n):
    conn = http.client.HTTPConnection(host, port)
    for u in range(k, users, n):
        email = f"r{u}-{int(t0)}@example.com"
        call(conn, "POST", "/api/v1/auth/signup", {"email": email, "password": "bench-password", "display_name": "R", "time_zone": "UTC"})
        token = call(conn, "POST", "/api/v1/auth/login", {"email": email, "password": "bench-password"})["access_token"]
        for i in range(tasks):
            at = datetime.fromtimestamp(t0 + random.random() * spread, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            call(conn, "POST", "/api/v1/tasks", {"title": f"Reminder {i}", "reminders": [{"at": at, "channels": ["email", "in_app"]}]}, token)
ts = [threading.Thread(target=seed, args=(k, 8)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
left = t0 - time.time()
print(f"seeded; first reminder in {left:.1f} s", file=sys.stderr)
assert left > 1, "seeding took longer than planned"
PY
  local perfs=()
  if [ -n "${PROFILE:-}" ]; then
    command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf; } >&2
    mkdir -p "$PROFILE"
    for p in $(pgrep -f "$BIN (serve|backend|notifier)"); do
      perf record -F 499 -g -p "$p" -o "$PROFILE/$db-$(ps -o args= -p "$p" | awk '{print $2}').perf.data" >/dev/null 2>&1 & perfs+=($!)
    done
  fi
  for _ in $(seq 1 480); do
    [ "$(sql "SELECT COUNT(*) FROM deliveries WHERE state = 'sent'")" -ge $N ] && break
    sleep 0.25
  done
  [ ${#perfs[@]} -gt 0 ] && { kill -INT "${perfs[@]}"; wait "${perfs[@]}" 2>/dev/null || true; }
  # per reminder: remind_at, fired (scheduler), email queued (notifier consumed), email sent, in-app stored
  local q="SELECT r.remind_at, r.fired_at, d.created_at, d.sent_at, n.created_at FROM reminders r
    JOIN deliveries d ON d.reminder_id = r.id AND d.state = 'sent' JOIN notifications n ON n.reminder_id = r.id"
  if [ "$db" = postgres ]; then
    local f="'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"
    q=$(sed -E "s/(r\.remind_at|r\.fired_at|d\.created_at|d\.sent_at|n\.created_at)/to_char(\1 AT TIME ZONE 'UTC', $f)/g" <<<"$q")
  fi
  sql "$q" >"$data/times.txt"
  local mails
  if [ "$SINK_KIND" = postfix ]; then
    mails=$(grep -c '^X-Client-Proto: ' "$mail/messages" || true)  # smtp-sink's first line of each message
  else
    mails=$(find "$mail" -type f -name '*.eml' | wc -l)
  fi
  python3 - "$data/times.txt" "$db" "$N" "$mails" "$SINK_KIND" "$STAGES" <<'PY'
import sys
from datetime import datetime
t = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
rows = [[t(x) for x in l.split()] for l in open(sys.argv[1]) if l.strip()]
db, n, mails, sink, stages = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], open(sys.argv[6], "a")
def stats(late):
    late = sorted(late)
    pct = lambda q: late[min(len(late) - 1, int(q * len(late)))] * 1000
    return f"{pct(0.5):.0f} | {pct(0.99):.0f} | {late[-1] * 1000:.0f}"
for channel, col in (("email", 3), ("in_app", 4)):
    done = sorted(r[col] for r in rows)
    rate = len(done) / max(0.001, done[-1] - done[0])
    extra = f" ({mails} messages in the sink)" if channel == "email" else ""
    print(f"| {db} | {sink} | {channel} | {len(rows)}/{n} | {stats([r[col] - r[0] for r in rows])} | {rate:.0f}{extra} |")
for name, a, b in (("fired (scheduler)", 0, 1), ("consumed (notifier: in-app stored, email queued)", 1, 2), ("email: queued → sent", 2, 3)):
    print(f"| {db} | {sink} | {name} | {stats([r[b] - r[a] for r in rows])} |", file=stages)
PY
  kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept: $data (database, logs, times.txt), $mail (messages)" >&2; else rm -rf "$data" "$mail"; fi
}

STAGES=$(mktemp)
echo "| database | sink | channel | delivered | lateness p50 ms | p99 ms | max ms | per second |"
echo "|---|---|---|---|---|---|---|---|"
case "${1:-both}" in
  sqlite|postgres) run "$1" ;;
  *) run sqlite; run postgres ;;
esac
echo
echo "| database | sink | stage | p50 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|---|"
cat "$STAGES"; rm -f "$STAGES"
