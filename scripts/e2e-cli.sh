#!/usr/bin/env bash
# End to end, with real processes: what an operator does with the binary.
#  - `todo serve` on a fresh data directory: migrates, generates a 0600 signing key, says where it
#    listens, answers /health and /health/ready within 100 ms, and keeps sessions across restarts.
#  - `todo backend` refuses to start without JWT_SECRET and with migrations pending;
#    `todo migrate` then lets it start (on the PostgreSQL of TEST_DATABASE_URL when set).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug/todo
PORT=${E2E_PORT:-18811}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
wait_health() { for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.1; done; return 1; }

# serve on a fresh directory
(cd "$WORK" && BCRYPT_COST=4 exec "$OLDPWD/$BIN" serve --port $PORT >"$WORK/serve.log" 2>&1) &
PIDS+=($!)
wait_health $PORT || fail "serve did not come up: $(cat "$WORK/serve.log")"
[ -f "$WORK/data/todo.sqlite" ] || fail "serve did not create ./data/todo.sqlite"
[ "$(stat -c %a "$WORK/data/jwt-secret")" = 600 ] || fail "generated key is not mode 0600"
grep -q "generated a signing key" "$WORK/serve.log" || fail "no log line about the generated key"
grep -q "127.0.0.1:$PORT" "$WORK/serve.log" || fail "serve does not say where it listens"
sleep 0.5
[ -z "$(jq -c 'select(.level == "ERROR")' "$WORK/serve.log")" ] ||
  fail "a fresh serve logs errors while starting: $(jq -c 'select(.level == "ERROR")' "$WORK/serve.log" | head -3)"
ok "serve starts with no configuration (and no ERROR line: workers wait for the migrations)"
for path in /health /health/ready; do
  t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$PORT$path")
  [ "${t%% *}" = 200 ] || fail "$path answered ${t%% *}"
  awk -v s="${t##* }" 'BEGIN { exit !(s < 0.1) }' || fail "$path took ${t##* } s"
done
ok "/health and /health/ready answer 200 within 100 ms"
B=http://127.0.0.1:$PORT
curl -sf -X POST $B/api/v1/auth/signup -H 'content-type: application/json' \
  -d '{"email":"e2e@example.com","password":"e2e-password","display_name":"E"}' >/dev/null
TOKEN=$(curl -sf -X POST $B/api/v1/auth/login -H 'content-type: application/json' \
  -d '{"email":"e2e@example.com","password":"e2e-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
SERVE_TOKEN=$TOKEN
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true
# restarted with an SMTP server that is down and one attempt per email: an email reminder below
# goes straight to reminders-dlq (the runbook's P1), which the log checks at the end look for
CLOSED_PORT=$((PORT + 9))
(cd "$WORK" && SMTP_HOST=127.0.0.1 SMTP_PORT=$CLOSED_PORT SMTP_TLS=none SMTP_FROM=todo@e2e.test EMAIL_RETRY="attempts=1 base=1s cap=1s" \
  exec "$OLDPWD/$BIN" serve --port $PORT >>"$WORK/serve.log" 2>&1) &
PIDS+=($!)
wait_health $PORT || fail "serve did not restart"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $TOKEN" $B/api/v1/me)" = 200 ] ||
  fail "a session did not survive a restart"
ok "the generated key is kept: sessions survive a restart"
# counters exist at 0 from the start (rate() and the alerts see 0, not "no data")
metrics=$(curl -sf "$B/metrics")
for series in 'reminders_sent_total{channel="email"} 0' 'reminders_sent_total{channel="in_app"} 0' \
  'reminders_failed_total{channel="email"} 0' 'recurring_task_created_total 0' \
  'http_requests_total{method="POST",route="/api/v1/tasks",status="500"} 0' \
  'http_requests_total{method="GET",route="/api/v1/tasks/{id}",status="503"} 0'; do
  grep -qxF "$series" <<<"$metrics" || fail "a fresh serve does not export $series"
done
ok "a fresh serve exports its counters at 0 (reminders by channel, next occurrences, 500/503 per route)"

# events: the change's CloudEvent is in the log; a group can be reset and shows its lag
curl -sf -X POST $B/api/v1/tasks -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"title":"E2E event"}' >/dev/null
"$BIN" events tail --data-dir "$WORK/data" --topic task-events --limit 1 |
  python3 -c 'import json,sys; e=json.loads(sys.stdin.readline()); assert e["type"]=="task.created" and e["data"]["task_data"]["title"]=="E2E event", e' ||
  fail "events tail does not show the task.created event"
"$BIN" events reset --data-dir "$WORK/data" --group e2e --topic task-events --to-earliest >/dev/null || fail "events reset failed"
sleep 0.3  # the sequencer gives the new event its offset within 100 ms
"$BIN" events lag --data-dir "$WORK/data" --group e2e | awk 'NR > 1 { lag += $6 } END { exit !(lag == 1) }' ||
  fail "events lag does not count the one unconsumed event: $("$BIN" events lag --data-dir "$WORK/data" --group e2e)"
ok "events tail, reset and lag work on the running server's database"

# reminders: one due in 2 s reaches the live notification stream (SSE) on time, exactly once
AT=$(python3 -c 'import datetime; print((datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")')
curl -sN --max-time 5 -H "authorization: Bearer $TOKEN" $B/api/v1/notifications/stream >"$WORK/sse.txt" &
SSE=$!
curl -sf -X POST $B/api/v1/tasks -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d "{\"title\":\"E2E reminder\",\"reminders\":[{\"at\":\"$AT\",\"channels\":[\"in_app\"]},{\"at\":\"$AT\",\"channels\":[\"email\"]}]}" >/dev/null
wait $SSE || true
python3 - "$WORK/sse.txt" "$AT" <<'PY' || fail "the reminder did not arrive on the stream on time: $(cat "$WORK/sse.txt")"
import json, sys
from datetime import datetime
events = [b for b in open(sys.argv[1]).read().split("\n\n") if "event: notification" in b]
assert len(events) == 1, events
data = json.loads([l for l in events[0].splitlines() if l.startswith("data: ")][0][6:])
assert data["title"] == "Reminder: E2E reminder", data
t = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
late = t(data["created_at"]) - t(sys.argv[2])
assert 0 <= late < 1, late
print(f"ok - a reminder reached the live stream {late * 1000:.0f} ms after its time")
PY
passed=$((passed + 1))
# a client that reconnects with Last-Event-ID gets what it missed
curl -sN --max-time 1 -H "Last-Event-ID: 0" -H "authorization: Bearer $TOKEN" $B/api/v1/notifications/stream >"$WORK/sse2.txt" || true
grep -q '"title":"Reminder: E2E reminder"' "$WORK/sse2.txt" || fail "resuming with Last-Event-ID did not resend the notification: $(cat "$WORK/sse2.txt")"
ok "the notification stream resumes with Last-Event-ID"

# the runbook's scripts against this server: the smoke test, and the lag check on its database
out=$(scripts/validate-deployment.sh "$B" 2>&1) || fail "validate-deployment.sh: $out"
ok "scripts/validate-deployment.sh passes against todo serve ($(grep -c '^ok' <<<"$out") steps)"
# todo frontend (the deployment people's browsers reach): forwards the API to BACKEND_URL, ready
# while the backend is; the runbook's smoke test passes through it. Pointed at a dead backend it
# is not ready and answers the API with 502 problem+json.
F=http://127.0.0.1:$((PORT + 4))
BACKEND_URL=$B "$BIN" frontend --port $((PORT + 4)) >"$WORK/frontend.log" 2>&1 &
PIDS+=($!)
wait_health $((PORT + 4)) || fail "frontend did not start: $(cat "$WORK/frontend.log")"
curl -sf $F/health | grep -q '"service":"frontend"' || fail "frontend /health does not name the service"
for _ in $(seq 1 30); do curl -sf $F/health/ready >/dev/null && break; sleep 0.1; done
curl -sf $F/health/ready | grep -q '"backend":"ok"' || fail "frontend is not ready with the backend up: $(curl -s $F/health/ready)"
created=$(curl -sf -X POST $F/api/v1/tasks -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -H 'X-Request-ID: e2e-through-frontend' -d '{"title":"Through the frontend"}') || fail "creating a task through the frontend failed"
id=$(jq -r .id <<<"$created")
[ "$(curl -sf $F/api/v1/tasks/$id -H "authorization: Bearer $TOKEN" | jq -r .title)" = "Through the frontend" ] ||
  fail "the task created through the frontend is not readable through it"
[ "$(curl -s -o /dev/null -w '%{http_code}' $F/api/v1/tasks)" = 401 ] || fail "the frontend did not pass the backend's 401 through"
grep -q '"request_id":"e2e-through-frontend"' "$WORK/serve.log" || fail "the backend did not log the request id sent through the frontend"
out=$(scripts/validate-deployment.sh "$F" 2>&1) || fail "validate-deployment.sh through the frontend: $out"
# the web UI through the frontend: the page, and a sign-in whose 303 and cookie reach the browser
curl -sf -c "$WORK/jar" $F/ | grep -q '<h2 id="signin-title">Sign in</h2>' || fail "the frontend does not serve the sign-in page"
csrf=$(awk '$6 == "todo_csrf" { print $7 }' "$WORK/jar")
signin=$(curl -s -b "$WORK/jar" -o /dev/null -D - -X POST $F/session --data-urlencode "csrf=$csrf" \
  --data-urlencode "email=e2e@example.com" --data-urlencode "password=e2e-password")
grep -q "^HTTP/1.1 303" <<<"$signin" && grep -qi "^set-cookie: todo_session=.*HttpOnly; SameSite=Strict" <<<"$signin" ||
  fail "signing in through the frontend did not answer 303 with the session cookie: $signin"
[ "$(curl -s -o /dev/null -w '%{http_code}' -b "$WORK/jar" -X POST $F/session --data-urlencode "csrf=forged" --data-urlencode "email=e2e@example.com" --data-urlencode "password=e2e-password")" = 403 ] ||
  fail "a sign-in with a forged CSRF token was not refused"
BACKEND_URL=http://127.0.0.1:$CLOSED_PORT "$BIN" frontend --port $((PORT + 5)) >"$WORK/frontend2.log" 2>&1 &
PIDS+=($!)
wait_health $((PORT + 5)) || fail "frontend (dead backend) did not start"
sleep 1.2
[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$((PORT + 5))/health/ready)" = 503 ] || fail "frontend is ready while its backend is down"
[ "$(curl -s -o "$WORK/502.json" -w '%{http_code} %{content_type}' http://127.0.0.1:$((PORT + 5))/api/v1/tasks)" = "502 application/problem+json" ] ||
  fail "the API through a frontend whose backend is down did not answer 502 problem+json: $(cat "$WORK/502.json")"
PORT=$((PORT + 4)) "$BIN" health >/dev/null || fail "todo health (the image's HEALTHCHECK) failed against a live frontend"
if PORT=$CLOSED_PORT "$BIN" health 2>/dev/null; then fail "todo health passed with nothing listening"; fi
ok "todo frontend forwards the API (create, read, 401, request id, validate-deployment.sh) and the web UI (page, sign-in 303 + cookie, CSRF refused), and is not ready without a backend; todo health probes it"

# todo add: quick add through the API with a token; --dry-run shows what it understood and creates nothing
count_tasks() { curl -sf "$B/api/v1/tasks?status=all&limit=200" -H "authorization: Bearer $TOKEN" | jq '.items | length'; }
before=$(count_tasks)
out=$(TODO_URL=$B TODO_TOKEN=$TOKEN "$BIN" add --dry-run "E2E standup every weekday at 9am #e2e !high") || fail "todo add --dry-run failed: $out"
grep -q "^understood.*\[recurrence\] every weekday" <<<"$out" || fail "todo add --dry-run does not show what it understood: $out"
[ "$(count_tasks)" = "$before" ] || fail "todo add --dry-run created a task"
out=$(TODO_URL=$B TODO_TOKEN=$TOKEN "$BIN" add "E2E standup every weekday at 9am #e2e !high") || fail "todo add failed: $out"
grep -q "^title     E2E standup$" <<<"$out" && grep -q "^repeats   .*FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR" <<<"$out" && grep -q "^priority  high$" <<<"$out" ||
  fail "todo add did not create the task it describes: $out"
[ "$(count_tasks)" = $((before + 1)) ] || fail "todo add did not create exactly one task"
if out=$(TODO_URL=$B TODO_TOKEN=$TOKEN "$BIN" add "tomorrow #e2e" 2>&1); then fail "todo add accepted a line with no title"; fi
grep -q "422.*text leaves no title" <<<"$out" || fail "todo add did not explain the refusal: $out"
ok "todo add creates a task from one line through the API (--dry-run creates nothing; a line with no title is refused with the reason)"

# todo projects / todo ls: a project made through the API, a task and its subtask added to it
# with quick add's +Project, listed indented; today's view; an unknown project named
project=$(curl -sf -X POST "$B/api/v1/projects" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"name":"E2E Garden"}' | jq -r .id)
out=$(TODO_URL=$B TODO_TOKEN=$TOKEN "$BIN" add "Plant tulips +e2e garden today") || fail "todo add +Project failed: $out"
grep -q "^project   $project$" <<<"$out" || fail "todo add did not put the task in the project it named: $out"
parent=$(curl -sf "$B/api/v1/tasks?project=$project" -H "authorization: Bearer $TOKEN" | jq -r '.items[0].id')
curl -sf -X POST "$B/api/v1/tasks" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d "{\"title\":\"Buy bulbs\",\"parent_id\":\"$parent\"}" >/dev/null || fail "could not add a subtask"
out=$(TODO_URL=$B TODO_TOKEN=$TOKEN "$BIN" projects) || fail "todo projects failed: $out"
grep -q "^Inbox " <<<"$out" && grep -q "^E2E Garden .*2 open" <<<"$out" || fail "todo projects does not list the Inbox and the project with its count: $out"
out=$(TODO_URL=$B TODO_TOKEN=$TOKEN "$BIN" ls --project "e2e gar") || fail "todo ls --project failed: $out"
grep -q "^\[ \] Plant tulips .* 0/1 " <<<"$out" && grep -q "^    \[ \] Buy bulbs " <<<"$out" || fail "todo ls --project does not show the task with its subtask indented: $out"
out=$(TODO_URL=$B TODO_TOKEN=$TOKEN "$BIN" ls --today) || fail "todo ls --today failed: $out"
grep -q "Plant tulips" <<<"$out" && ! grep -q "Buy bulbs" <<<"$out" || fail "todo ls --today does not show exactly today's tasks: $out"
if out=$(TODO_URL=$B TODO_TOKEN=$TOKEN "$BIN" ls --project nowhere 2>&1); then fail "todo ls accepted an unknown project"; fi
grep -q "no project is called nowhere" <<<"$out" || fail "todo ls did not name the unknown project: $out"
ok "todo projects and todo ls: projects with counts, a project's tasks with subtasks indented, today's view, an unknown project named"

out=$(TODO_DATA_DIR="$WORK/data" TODO_BIN="$BIN" scripts/verify-kafka-lag.sh --local --group recurring-task-service 2>&1) || fail "verify-kafka-lag.sh: $out"
# every partition of task-events is listed and counted, as kafka-consumer-groups.sh --describe
# does, though this one user's events all went to one of them
[ "$(grep -c '^recurring-task-service task-events ' <<<"$out")" = 12 ] && grep -q "^OK: 12 partitions, 1 group(s);" <<<"$out" ||
  fail "verify-kafka-lag.sh does not list and count all 12 partitions: $out"
"$BIN" events reset --data-dir "$WORK/data" --group e2e-stalled --topic task-events --to-earliest >/dev/null
sleep 1.1
if out=$(TODO_DATA_DIR="$WORK/data" TODO_BIN="$BIN" scripts/verify-kafka-lag.sh --local --group e2e-stalled --max-age 1 2>&1); then
  fail "verify-kafka-lag.sh did not report a stalled group: $out"
fi
grep -q "^LAGGING: e2e-stalled task-events" <<<"$out" || fail "verify-kafka-lag.sh did not name the stalled group: $out"
ok "scripts/verify-kafka-lag.sh: healthy groups pass, a stalled one fails with its name"

# backup while serve runs (SQLite's online backup), restore into a fresh data directory: the same
# tasks; todo doctor passes on the copy and names a problem planted in it
"$BIN" backup --data-dir "$WORK/data" --output "$WORK/backup.sqlite" 2>/dev/null || fail "todo backup failed"
"$BIN" restore "$WORK/backup.sqlite" --data-dir "$WORK/restored" 2>/dev/null || fail "todo restore failed"
count() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM tasks").fetchone()[0])' "$1"; }
[ "$(count "$WORK/restored/todo.sqlite")" = "$(count "$WORK/backup.sqlite")" ] && [ "$(count "$WORK/backup.sqlite")" -gt 0 ] ||
  fail "the restored database does not hold the backup's tasks"
out=$("$BIN" doctor --data-dir "$WORK/restored" 2>&1) || true
# (the email reminder sent to the closed SMTP port above is a dead letter, as it should be)
grep -q "^FAIL dead letters waiting: 1 " <<<"$out" || fail "todo doctor does not report the dead email reminder: $out"
! grep -v "consumer groups far behind\|dead letters waiting" <<<"$out" | grep -q "^FAIL" || fail "todo doctor finds problems in a clean copy: $out"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("INSERT INTO task_tags (task_id, tag_id, position) VALUES (?, ?, 0)", ("00000000-0000-7000-8000-000000000001", "00000000-0000-7000-8000-000000000002")); c.commit()' "$WORK/restored/todo.sqlite"
if out=$("$BIN" doctor --data-dir "$WORK/restored" 2>&1); then fail "todo doctor passed with an orphan tag link: $out"; fi
grep -q "^FAIL orphan tags: 1 — " <<<"$out" || fail "todo doctor did not report the orphan tag link: $out"
ok "todo backup (online) and restore keep every task; todo doctor passes a clean copy and reports a planted orphan"

# SIGTERM: every service's loop stops at once (a pod must not hang in rollout restart), even
# after the hourly housekeeping has gone to sleep (its first sweep runs 5 s after start)
mkdir -p "$WORK/term"
(cd "$WORK/term" && SHUTDOWN_DELAY=1s exec "$OLDPWD/$BIN" serve --port $((PORT + 3)) >"$WORK/term.log" 2>&1) &
TERM_PID=$!
wait_health $((PORT + 3)) || fail "serve for the SIGTERM check did not start"
# (two reminders that fall due while this server is down, for the downtime check below)
B3=http://127.0.0.1:$((PORT + 3))
curl -sf -X POST $B3/api/v1/auth/signup -H 'content-type: application/json' \
  -d '{"email":"down@example.com","password":"e2e-password","display_name":"D"}' >/dev/null
T3=$(curl -sf -X POST $B3/api/v1/auth/login -H 'content-type: application/json' \
  -d '{"email":"down@example.com","password":"e2e-password"}' | jq -r .access_token)
in_s() { python3 -c 'import datetime, sys; print((datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=float(sys.argv[1]))).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")' "$1"; }
sleep 6
# due 5 s and 9 s after SIGTERM (the server drains for 1 s, SHUTDOWN_DELAY, and must be gone before
# the first); it restarts 1.5 s after the second, with REMINDER_CATCH_UP=4s
due0=$(date +%s.%N)
for r in "stale $(in_s 5)" "late $(in_s 9)"; do
  curl -sf -X POST $B3/api/v1/tasks -H "authorization: Bearer $T3" -H 'content-type: application/json' \
    -d "{\"title\":\"${r%% *}\",\"reminders\":[{\"at\":\"${r#* }\",\"channels\":[\"in_app\"]}]}" >/dev/null
done
t0=$(date +%s.%N)
kill -TERM $TERM_PID
# a login (bcrypt cost 12: a few hundred ms) sent near the end of the delay is in flight when the
# server stops accepting: it must still be answered
(sleep 0.7; curl -s -o /dev/null -w '%{http_code}' -X POST $B3/api/v1/auth/login -H 'content-type: application/json' \
  -d '{"email":"down@example.com","password":"e2e-password"}' >"$WORK/inflight.code") &
INFLIGHT=$!
# SHUTDOWN_DELAY=1s: at once not ready (load balancers stop sending), still serving, then gone
sleep 0.2
ready=$(curl -s -o /dev/null -w '%{http_code}' $B3/health/ready); live=$(curl -s -o /dev/null -w '%{http_code}' $B3/health)
[ "$ready" = 503 ] && [ "$live" = 200 ] || fail "while draining /health/ready answered $ready (want 503), /health $live (want 200)"
for _ in $(seq 1 50); do kill -0 $TERM_PID 2>/dev/null || break; sleep 0.1; done
kill -0 $TERM_PID 2>/dev/null && { kill -9 $TERM_PID; fail "serve did not exit within 5 s of SIGTERM"; }
rc=0; wait $TERM_PID || rc=$?
[ $rc = 0 ] || fail "serve exited with status $rc after SIGTERM (expected 0): $(tail -3 "$WORK/term.log")"
wait $INFLIGHT || true
[ "$(cat "$WORK/inflight.code")" = 200 ] || fail "a request in flight at shutdown got '$(cat "$WORK/inflight.code")', not 200"
ok "SIGTERM: not ready at once, serving during SHUTDOWN_DELAY=1s, the request in flight answered, exit status 0 after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

# downtime: the reminder missed by less than REMINDER_CATCH_UP fires at start; the older one is
# recorded as missed, not sent late
awk -v now="$(date +%s.%N)" -v due="$due0" 'BEGIN { exit !(now < due + 4.5) }' ||
  fail "serve took until the first reminder's time to exit: the downtime check needs it gone first"
sleep "$(awk -v now="$(date +%s.%N)" -v due="$due0" 'BEGIN { printf "%.2f", due + 10.5 - now }')"
(cd "$WORK/term" && REMINDER_CATCH_UP=4s exec "$OLDPWD/$BIN" serve --port $((PORT + 3)) >>"$WORK/term.log" 2>&1) &
PIDS+=($!)
wait_health $((PORT + 3)) || fail "serve did not restart after the downtime"
titles=""
for _ in $(seq 1 30); do
  titles=$(curl -sf $B3/api/v1/notifications -H "authorization: Bearer $T3" | jq -r '[.items[].title] | sort | join(",")')
  [ -n "$titles" ] && break
  sleep 0.1
done
sleep 0.5
titles=$(curl -sf $B3/api/v1/notifications -H "authorization: Bearer $T3" | jq -r '[.items[].title] | sort | join(",")')
[ "$titles" = "Reminder: late" ] || fail "after the downtime expected only 'Reminder: late', got '$titles'"
states=$(curl -sf "$B3/api/v1/tasks?status=all" -H "authorization: Bearer $T3" | jq -r '[.items[] | "\(.title)=\(.reminders[0].state)"] | sort | join(",")')
[ "$states" = "late=fired,stale=missed" ] || fail "reminder states after the downtime: $states"
ok "after downtime, the reminder missed by ~1.5 s fires at start; the one missed by ~5.5 s (over REMINDER_CATCH_UP=4s) is recorded as missed"

# backend: refuses without a key, refuses with pending migrations, starts after migrate
if [ -n "${TEST_DATABASE_URL:-}" ]; then export DATABASE_URL=$(scripts/test-postgres.sh database todo_e2e); fi
export TODO_DATA_DIR="$WORK/backend-data"
unset TOKEN
if "$BIN" backend --port $((PORT + 1)) >"$WORK/b1.log" 2>&1; then fail "backend started without JWT_SECRET"; fi
grep -q "JWT_SECRET" "$WORK/b1.log" || fail "backend did not say JWT_SECRET is missing"
ok "backend refuses to start without JWT_SECRET"
export JWT_SECRET="e2e:0123456789abcdef0123456789abcdef"
if timeout 20 "$BIN" backend --port $((PORT + 1)) >"$WORK/b2.log" 2>&1; then fail "backend started with migrations pending"; fi
grep -q "Migrations pending" "$WORK/b2.log" || fail "backend did not name the pending migrations: $(cat "$WORK/b2.log")"
ok "backend refuses to start with migrations pending"
"$BIN" migrate >"$WORK/m.log" 2>&1 || fail "migrate failed: $(cat "$WORK/m.log")"
"$BIN" migrate >>"$WORK/m.log" 2>&1 || fail "a second migrate failed"
"$BIN" backend --port $((PORT + 1)) >"$WORK/b3.log" 2>&1 &
BACKEND_PID=$!; PIDS+=($!)
wait_health $((PORT + 1)) || fail "backend did not start after migrate: $(cat "$WORK/b3.log")"
ok "backend starts after todo migrate ($([ -n "${DATABASE_URL:-}" ] && echo postgres || echo sqlite))"

# the recurring-task-service as its own process: a completion through the backend gets its next
# occurrence from the consumer in the other process
"$BIN" recurring --port $((PORT + 2)) >"$WORK/r.log" 2>&1 &
RECURRING_PID=$!; PIDS+=($!)
wait_health $((PORT + 2)) || fail "recurring did not start: $(cat "$WORK/r.log")"
curl -sf "http://127.0.0.1:$((PORT + 2))/health/ready" >/dev/null || sleep 1
curl -sf "http://127.0.0.1:$((PORT + 2))/health" | grep -q recurring-task-service || fail "recurring /health does not name the service"
B2=http://127.0.0.1:$((PORT + 1))
curl -sf -X POST $B2/api/v1/auth/signup -H 'content-type: application/json' \
  -d '{"email":"r@example.com","password":"e2e-password","display_name":"R","time_zone":"UTC"}' >/dev/null
T2=$(curl -sf -X POST $B2/api/v1/auth/login -H 'content-type: application/json' \
  -d '{"email":"r@example.com","password":"e2e-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
RID=$(curl -sf -X POST $B2/api/v1/tasks -H "authorization: Bearer $T2" -H 'content-type: application/json' \
  -d '{"title":"Daily","due":{"date_time":"2031-01-06T09:00"},"recurrence":{"rule":"FREQ=DAILY"}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
TRACE_ID=4bf92f3577b34da6a3ce929d0e0e4736
curl -sf -X POST "$B2/api/v1/tasks/$RID/complete" -H "authorization: Bearer $T2" \
  -H "traceparent: 00-$TRACE_ID-00f067aa0ba902b7-01" >/dev/null
next=""
for _ in $(seq 1 50); do
  next=$(curl -sf "$B2/api/v1/tasks" -H "authorization: Bearer $T2" | python3 -c 'import json,sys; i=json.load(sys.stdin)["items"]; print(i[0]["due"]["date_time"] if i else "")')
  [ -n "$next" ] && break
  sleep 0.1
done
[ "$next" = "2031-01-07T09:00" ] || fail "no next occurrence from the recurring-task-service (got '$next'): $(tail -5 "$WORK/r.log")"
ok "todo recurring creates the next occurrence of a task completed through todo backend"

# backup and restore on the production database (pg_dump / pg_restore, or SQLite without
# TEST_DATABASE_URL), services stopped for the restore as the runbook says
"$BIN" backup --output "$WORK/prod.backup" 2>/dev/null || fail "todo backup failed on $([ -n "${DATABASE_URL:-}" ] && echo postgres || echo sqlite)"
before=$(curl -sf "$B2/api/v1/tasks?status=all" -H "authorization: Bearer $T2" | jq '.items | length')
curl -sf -X POST $B2/api/v1/tasks -H "authorization: Bearer $T2" -H 'content-type: application/json' -d '{"title":"After the backup"}' >/dev/null

# logs: one JSON object per line (stderr is not a terminal), read with the runbook's jq filters
# verbatim; failed logins at WARN with the client address; no password or token in any log
curl -s -o /dev/null -X POST $B/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"e2e@example.com","password":"not-the-password"}'
sleep 0.2
for f in serve b3 r; do jq -e . "$WORK/$f.log" >/dev/null || fail "$f.log is not JSON lines: $(grep -v '^{' "$WORK/$f.log" | head -3)"; done
ME=$(curl -sf $B/api/v1/me -H "authorization: Bearer $SERVE_TOKEN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
jq "select(.user_id == \"$ME\")" "$WORK/serve.log" | jq -se 'map(select(.message == "Request" and .method == "POST")) | length > 0' >/dev/null ||
  fail "jq 'select(.user_id == \"$ME\")' finds no request of that user: $(tail -3 "$WORK/serve.log")"
# (the line is written in the consumer's transaction, before its commit; the wait only covers a
# slow write of stderr — a second line for the one completion fails)
completion() {
  jq 'select(.event_type == "task.completed")' "$WORK/r.log" |
    jq -c "select(.message == \"Next occurrence created\" and .trace_id == \"$TRACE_ID\" and .service == \"recurring-task-service\")"
}
for _ in $(seq 1 30); do [ -n "$(completion)" ] && break; sleep 0.1; done
[ "$(completion | wc -l)" = 1 ] ||
  fail "jq 'select(.event_type == \"task.completed\")' on the recurring-task-service's log finds the completion with its trace_id $(completion | wc -l) times: $(completion) $(tail -3 "$WORK/r.log")"
jq 'select(.level == "ERROR")' "$WORK/serve.log" |
  jq -se 'map(select(.message == "Reminder email failed; moved to reminders-dlq" and .user_id != null and .task_id != null)) | length == 1' >/dev/null ||
  fail "jq 'select(.level == \"ERROR\")' does not find the dead email reminder: $(jq -c 'select(.level == "ERROR")' "$WORK/serve.log" | head -3)"
jq 'select(.level == "WARN" or .level == "ERROR")' "$WORK/serve.log" |
  jq -se 'map(select(.message == "Login failed" and .client_address == "127.0.0.1")) | length == 1' >/dev/null ||
  fail "the failed login is not a WARN line with the client address: $(jq -c 'select(.level == "WARN")' "$WORK/serve.log" | head -3)"
for secret in e2e-password not-the-password "$SERVE_TOKEN" "$T2" 0123456789abcdef0123456789abcdef "$(cut -d: -f2 "$WORK/data/jwt-secret")"; do
  ! grep -qF -- "$secret" "$WORK/serve.log" "$WORK/b3.log" "$WORK/r.log" || fail "a secret is in the logs: ${secret:0:12}…"
done
ok "JSON logs answer the runbook's jq filters (user_id, event_type with trace_id, ERROR, WARN) and hold no secrets"

# metrics: the dashboard and the alert rules query only what these roles really emit, and
# docs/MONITORING.md documents all of it
curl -sf "$B/metrics" >"$WORK/m-serve.txt"; curl -sf "$B2/metrics" >"$WORK/m-backend.txt"
curl -sf "http://127.0.0.1:$((PORT + 2))/metrics" >"$WORK/m-recurring.txt"
out=$(python3 scripts/check-monitoring.py "$WORK"/m-*.txt) || fail "$out"
ok "the dashboard and alert rules query only emitted metrics, all documented (${out##*: })"

kill -TERM $BACKEND_PID $RECURRING_PID; wait $BACKEND_PID $RECURRING_PID 2>/dev/null || true
"$BIN" restore "$WORK/prod.backup" 2>/dev/null || fail "todo restore failed"
"$BIN" backend --port $((PORT + 1)) >"$WORK/b4.log" 2>&1 &
PIDS+=($!)
wait_health $((PORT + 1)) || fail "backend did not start on the restored database: $(tail -3 "$WORK/b4.log")"
after=$(curl -sf "$B2/api/v1/tasks?status=all" -H "authorization: Bearer $T2" | jq '.items | length')
[ "$after" = "$before" ] || fail "after the restore $after tasks, the backup had $before"
"$BIN" doctor >"$WORK/doctor.txt" 2>&1 || fail "todo doctor fails on the restored database: $(cat "$WORK/doctor.txt")"
ok "todo restore brings back the backup ($before tasks; the one created after it is gone); the backend runs on it; todo doctor passes"
echo "$passed passed, 0 failed"
