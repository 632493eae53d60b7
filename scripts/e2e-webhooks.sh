#!/usr/bin/env bash
# Webhooks end to end: `todo serve` (allowed to reach 127.0.0.1 over http) and a receiver that
# verifies each delivery with PyPI's standardwebhooks (scripts/e2e-webhooks.py).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import standardwebhooks' 2>/dev/null || python3 -m pip install -q --root-user-action=ignore standardwebhooks
BIN=${TODO_BIN:-.build/debug/todo}
PORT=${E2E_WEBHOOKS_PORT:-18880}
RECEIVER_PORT=$((PORT + 1))
WORK=$(mktemp -d)
(BCRYPT_COST=4 WEBHOOK_ALLOWED_HOSTS=127.0.0.1 exec "$BIN" serve --port "$PORT" --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1) &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$PORT" RECEIVER_PORT=$RECEIVER_PORT python3 scripts/e2e-webhooks.py ||
  { echo "--- server log"; grep -v '"level":"INFO"' "$WORK/serve.log" | head -40; exit 1; }
if grep -q '"level":"ERROR"' "$WORK/serve.log"; then
  echo "FAIL: the server logged errors:" >&2; grep '"level":"ERROR"' "$WORK/serve.log" | head -5 >&2; exit 1
fi
