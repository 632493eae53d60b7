#!/usr/bin/env bash
# Sharing end to end with real processes: `todo serve` with a real SMTP server (aiosmtpd,
# scripts/smtp-sink.py) and two headless Chromium browsers (Debian's chromium + chromium-driver,
# Selenium): an invitation email's link is followed, an account is made and joins, a change by
# one person appears on the other's open page without a reload, and a viewer finds no controls
# and the API refuses them. scripts/e2e-sharing.py.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/browser-deps.sh
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install -q --root-user-action=ignore aiosmtpd
BIN=${TODO_BIN:-.build/debug/todo}
PORT=${E2E_SHARING_PORT:-18850}
SMTP_PORT=$((PORT + 1))
WORK=$(mktemp -d)
python3 scripts/smtp-sink.py --port $SMTP_PORT --maildir "$WORK/mail" >"$WORK/smtp.log" 2>&1 &
SINK=$!
(BCRYPT_COST=4 SMTP_HOST=127.0.0.1 SMTP_PORT=$SMTP_PORT SMTP_TLS=none SMTP_FROM=todo@sharing.test PUBLIC_URL="http://127.0.0.1:$PORT" \
  exec "$BIN" serve --port "$PORT" --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1) &
PID=$!
trap 'kill $PID $SINK 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
for _ in $(seq 1 100); do grep -q ready "$WORK/smtp.log" && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$PORT" MAILDIR="$WORK/mail" python3 scripts/e2e-sharing.py ||
  { echo "--- server log"; tail -20 "$WORK/serve.log"; exit 1; }
# The CLI: todo share invites (the email goes out), todo members lists, changes a role, removes.
B="http://127.0.0.1:$PORT"
signup() { curl -sf -X POST $B/api/v1/auth/signup -H 'content-type: application/json' \
  -d "{\"email\":\"$1\",\"password\":\"cli-password-1\",\"display_name\":\"$2\"}" >/dev/null; }
login() { curl -sf -X POST $B/api/v1/auth/login -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"cli-password-1\"}" | jq -r .access_token; }
pat() { curl -sf -X POST $B/api/v1/tokens -H "authorization: Bearer $1" -H 'content-type: application/json' \
  -d '{"name":"cli","scopes":["tasks:read","tasks:write"],"expires_in_days":1}' | jq -r .token; }
signup owner@cli.test "Olive Owner"; signup dana@cli.test "Dana Doe"
OWNER=$(pat "$(login owner@cli.test)"); DANA=$(pat "$(login dana@cli.test)")
curl -sf -X POST $B/api/v1/projects -H "authorization: Bearer $OWNER" -H 'content-type: application/json' -d '{"name":"Garden"}' >/dev/null
out=$(TODO_URL=$B TODO_TOKEN=$OWNER "$BIN" share garden dana@cli.test --role viewer) || { echo "FAIL: todo share: $out" >&2; exit 1; }
grep -q "Invited dana@cli.test as viewer: the link is on its way by email" <<<"$out" || { echo "FAIL: todo share said: $out" >&2; exit 1; }
for _ in $(seq 1 50); do grep -lq "dana@cli.test" "$WORK"/mail/*.eml 2>/dev/null && break; sleep 0.2; done
INVITATION=$(curl -sf $B/api/v1/invitations -H "authorization: Bearer $DANA" | jq -r '.items[0].id')
curl -sf -X POST $B/api/v1/invitations/$INVITATION/accept -H "authorization: Bearer $DANA" >/dev/null || { echo "FAIL: Dana could not accept" >&2; exit 1; }
out=$(TODO_URL=$B TODO_TOKEN=$OWNER "$BIN" members Garden)
grep -q "^Olive Owner .* owner (holds the project)$" <<<"$out" && grep -q "^Dana Doe .* viewer$" <<<"$out" ||
  { echo "FAIL: todo members listed: $out" >&2; exit 1; }
TODO_URL=$B TODO_TOKEN=$OWNER "$BIN" members Garden --role dana@cli.test=editor | grep -q "dana@cli.test is now editor" ||
  { echo "FAIL: todo members --role" >&2; exit 1; }
TODO_URL=$B TODO_TOKEN=$DANA "$BIN" projects | grep -q "Garden .*(shared: 2 people, you: editor)" || { echo "FAIL: todo projects does not show the share" >&2; exit 1; }
if TODO_URL=$B TODO_TOKEN=$DANA "$BIN" members Garden --remove owner@cli.test 2>"$WORK/err"; then echo "FAIL: an editor removed the owner" >&2; exit 1; fi
grep -q "403" "$WORK/err" || { echo "FAIL: the refusal does not say 403: $(cat "$WORK/err")" >&2; exit 1; }
TODO_URL=$B TODO_TOKEN=$OWNER "$BIN" members Garden --transfer dana@cli.test | grep -q "dana@cli.test now holds Garden" ||
  { echo "FAIL: todo members --transfer" >&2; exit 1; }
TODO_URL=$B TODO_TOKEN=$DANA "$BIN" members Garden | grep -q "^Dana Doe .* owner (holds the project)$" || { echo "FAIL: the transfer did not make Dana the holder" >&2; exit 1; }
TODO_URL=$B TODO_TOKEN=$OWNER "$BIN" members Garden --leave | grep -q "You left Garden" || { echo "FAIL: todo members --leave" >&2; exit 1; }
echo "ok - the CLI: todo share sends the invitation, todo members lists, changes a role, refuses an editor's removal (403), transfers, leaves"
if grep -q '"level":"ERROR"' "$WORK/serve.log"; then
  echo "FAIL: the server logged errors:" >&2; grep '"level":"ERROR"' "$WORK/serve.log" | head -5 >&2; exit 1
fi
