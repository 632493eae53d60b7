#!/usr/bin/env bash
# Export and import end to end: `todo serve`, the CLI's `todo export` / `todo import`, and
# scripts/e2e-transfer.py comparing a round trip field by field.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TODO_BIN:-.build/debug/todo}
PORT=${E2E_TRANSFER_PORT:-18870}
WORK=$(mktemp -d)
(BCRYPT_COST=4 exec "$BIN" serve --port "$PORT" --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1) &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$PORT" TODO_BIN="$BIN" python3 scripts/e2e-transfer.py || { echo "--- server log"; grep -v "\"level\":\"INFO\"" "$WORK/serve.log" | head -40; exit 1; }
if grep -q '"level":"ERROR"' "$WORK/serve.log"; then
  echo "FAIL: the server logged errors:" >&2; grep '"level":"ERROR"' "$WORK/serve.log" | head -5 >&2; exit 1
fi
