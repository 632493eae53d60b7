#!/usr/bin/env bash
# The MCP server against the official MCP Python SDK (PyPI `mcp`, 1.x — the line that speaks the
# protocol versions the Swift SDK does, up to 2025-11-25): `todo serve`, and scripts/e2e-mcp.py as
# the client over stdio (`todo mcp`) and Streamable HTTP (`/mcp`).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import importlib.metadata as m, sys; sys.exit(not m.version("mcp").startswith("1."))' 2>/dev/null ||
  python3 -m pip install -q --root-user-action=ignore "mcp>=1.25,<2"
BIN=${TODO_BIN:-.build/debug/todo}
PORT=${E2E_MCP_PORT:-18870}
WORK=$(mktemp -d)
(BCRYPT_COST=4 exec "$BIN" serve --port "$PORT" --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1) &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$PORT" TODO_BIN="$BIN" timeout 300 python3 scripts/e2e-mcp.py || { echo "--- server log"; tail -20 "$WORK/serve.log"; exit 1; }
# Through `todo frontend` (the origin an ingress reaches): /mcp is forwarded to the backend.
(BACKEND_URL="http://127.0.0.1:$PORT" exec "$BIN" frontend --port $((PORT + 1)) >"$WORK/frontend.log" 2>&1) &
FRONTEND=$!
trap 'kill $PID $FRONTEND 2>/dev/null || true; wait $PID $FRONTEND 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((PORT + 1))/health" >/dev/null && break; sleep 0.1; done
B="http://127.0.0.1:$PORT"
ACCESS=$(curl -sf -X POST $B/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"mcp@example.com","password":"mcp-pass-123"}' | jq -r .access_token)
tools=$(curl -sf -X POST "http://127.0.0.1:$((PORT + 1))/mcp" -H "authorization: Bearer $ACCESS" -H 'content-type: application/json' \
  -H 'accept: application/json, text/event-stream' -H 'mcp-protocol-version: 2025-06-18' \
  -d '{"jsonrpc":"2.0","id":7,"method":"tools/list"}' | jq -r '[.id, (.result.tools | length)] | @tsv') || true
[ "$tools" = "$(printf '7\t9')" ] || { echo "FAIL: tools/list through todo frontend answered '$tools'" >&2; tail -5 "$WORK/frontend.log" >&2; exit 1; }
echo "ok - through todo frontend: /mcp is forwarded (tools/list answers the 9 tools)"
if grep -q '"level":"ERROR"' "$WORK/serve.log"; then
  echo "FAIL: the server logged errors:" >&2; grep '"level":"ERROR"' "$WORK/serve.log" | head -5 >&2; exit 1
fi
