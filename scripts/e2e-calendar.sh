#!/usr/bin/env bash
# The calendar feed against independent iCalendar implementations: `todo serve`, and
# scripts/e2e-calendar.py reading its feeds with PyPI's icalendar and recurring-ical-events.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import icalendar, recurring_ical_events' 2>/dev/null ||
  python3 -m pip install -q --root-user-action=ignore icalendar recurring-ical-events
BIN=${TODO_BIN:-.build/debug/todo}
PORT=${E2E_CALENDAR_PORT:-18860}
WORK=$(mktemp -d)
(BCRYPT_COST=4 PUBLIC_URL="http://127.0.0.1:$PORT" exec "$BIN" serve --port "$PORT" --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1) &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$PORT" python3 scripts/e2e-calendar.py || { echo "--- server log"; tail -20 "$WORK/serve.log"; exit 1; }
# The CLI: todo calendar makes a project's feed and prints its URL; --list shows it; --delete revokes it.
B="http://127.0.0.1:$PORT"
ACCESS=$(curl -sf -X POST $B/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"cal@example.com","password":"calendar-pass-1"}' | jq -r .access_token)
PAT=$(curl -sf -X POST $B/api/v1/tokens -H "authorization: Bearer $ACCESS" -H 'content-type: application/json' \
  -d '{"name":"cli","scopes":["tasks:read","tasks:write"],"expires_in_days":1}' | jq -r .token)
out=$(TODO_URL=$B TODO_TOKEN=$PAT "$BIN" calendar --project Garden --completed) || { echo "FAIL: todo calendar: $out" >&2; exit 1; }
URL=$(tail -1 <<<"$out")
curl -sf "$URL" | grep -q "^SUMMARY:Prune roses" || { echo "FAIL: the CLI's feed URL ($URL) does not serve the project's task" >&2; exit 1; }
FEED=$(TODO_URL=$B TODO_TOKEN=$PAT "$BIN" calendar --list | grep "  Garden  (project, done shown" | cut -d" " -f1)
[ -n "$FEED" ] || { echo "FAIL: todo calendar --list does not show the feed" >&2; exit 1; }
TODO_URL=$B TODO_TOKEN=$PAT "$BIN" calendar --delete "$FEED" >/dev/null
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL")" = 404 ] || { echo "FAIL: a deleted feed's URL still answers" >&2; exit 1; }
echo "ok - the CLI: todo calendar --project prints a working URL, --list shows it, --delete revokes it"
if grep -q '"level":"ERROR"' "$WORK/serve.log"; then
  echo "FAIL: the server logged errors:" >&2; grep '"level":"ERROR"' "$WORK/serve.log" | head -5 >&2; exit 1
fi
