#!/usr/bin/env bash
# Smoke test of a running Todo deployment (the runbook's "verify functionality"): health, sign up,
# log in, a recurring task completed → its next occurrence, a reminder → delivered in the app.
#   scripts/validate-deployment.sh [BASE_URL]      (default http://localhost:8000)
# Leaves one test account (validate+<time>@example.invalid) behind. Needs curl and jq. Exits
# non-zero naming the step that failed.
set -uo pipefail
BASE=${1:-http://localhost:8000}
BASE=${BASE%/}
step() { STEP=$1; }
fail() { echo "FAIL [$STEP]: $*" >&2; exit 1; }
pass() { echo "ok   [$STEP] $*"; }
command -v jq >/dev/null || { echo "validate-deployment.sh needs jq" >&2; exit 2; }
api() {  # method path [json] → body on stdout; fails the step on a non-2xx answer
  local method=$1 path=$2 body=${3:-} out code
  out=$(curl -sS -m 10 -X "$method" "$BASE$path" -H 'content-type: application/json' ${TOKEN:+-H "authorization: Bearer $TOKEN"} \
    ${body:+-d "$body"} -w '\n%{http_code}' 2>&1) || fail "$method $path: $out"
  code=${out##*$'\n'}
  [[ $code == 2* ]] || fail "$method $path answered $code: ${out%$'\n'*}"
  printf '%s' "${out%$'\n'*}"
}

step health
h=$(curl -sS -m 5 "$BASE/health" 2>&1) || fail "$BASE/health: $h"
jq -e '.status == "ok"' <<<"$h" >/dev/null || fail "unexpected /health: $h"
r=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' "$BASE/health/ready") || fail "$BASE/health/ready unreachable"
[ "$r" = 200 ] || fail "/health/ready answered $r (database or sidecar not ready)"
pass "$BASE is live and ready"

step signup
EMAIL="validate+$(date +%s)$RANDOM@example.invalid"
PASSWORD="v-$(date +%s%N)-$RANDOM"
api POST /api/v1/auth/signup "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"display_name\":\"Deployment check\",\"time_zone\":\"UTC\"}" >/dev/null
pass "$EMAIL"

step login
TOKEN=$(api POST /api/v1/auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | jq -r '.access_token // empty')
[ -n "$TOKEN" ] || fail "no access_token in the login answer"
pass "got an access token"

step recurring
id=$(api POST /api/v1/tasks '{"title":"Deployment check: daily","due":{"date":"2031-01-06"},"recurrence":{"rule":"FREQ=DAILY"}}' | jq -r .id)
[ -n "$id" ] && [ "$id" != null ] || fail "the task was not created"
api POST "/api/v1/tasks/$id/complete" >/dev/null
next=""
for _ in $(seq 1 100); do
  next=$(api GET "/api/v1/tasks?status=open" | jq -r --arg id "$id" '[.items[] | select(.title == "Deployment check: daily" and .id != $id)][0].due.date // empty')
  [ -n "$next" ] && break
  sleep 0.2
done
[ "$next" = 2031-01-07 ] || fail "no next occurrence within 20 s of completing (got '${next}'): is the recurring-task-service running and caught up?"
pass "completing it created the next occurrence (due $next)"

step reminder
at=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%S.000Z)
api POST /api/v1/tasks "{\"title\":\"Deployment check: reminder\",\"reminders\":[{\"at\":\"$at\",\"channels\":[\"in_app\"]}]}" >/dev/null
got=""
for _ in $(seq 1 100); do
  got=$(api GET /api/v1/notifications | jq -r '[.items[] | select(.title == "Reminder: Deployment check: reminder")] | length')
  [ "$got" = 1 ] && break
  sleep 0.2
done
[ "$got" = 1 ] || fail "the reminder due at $at was not delivered in the app within 20 s: are the scheduler (backend) and the notification-service running?"
pass "a reminder due at $at was delivered in the app"

echo "deployment at $BASE works"
