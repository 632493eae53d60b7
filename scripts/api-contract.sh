#!/usr/bin/env bash
# The API matches its OpenAPI document: schemathesis (PyPI) drives a running `todo serve` (SQLite,
# a fresh data directory) as a signed-in user and fails on any server error or any response that
# violates the schema (the live notification stream's events too); then scripts/api-acceptance.py
# checks the other direction — what the document allows, the server accepts.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip show schemathesis >/dev/null 2>&1 || python3 -m pip install -q schemathesis
PORT="${API_CONTRACT_PORT:-18765}"
DATA=$(mktemp -d)
# With an admin token configured, so the admin operations exist: schemathesis calls them with the
# user's token and must get the documented 401.
BCRYPT_COST=4 ADMIN_TOKEN=contract-admin-token-0123456789abcdef .build/debug/todo serve --port "$PORT" --data-dir "$DATA" >"$DATA/server.log" 2>&1 &
SERVER=$!
stop_server() {
  kill "$SERVER" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$SERVER" 2>/dev/null || return 0; sleep 0.1; done
  echo "server did not stop within 5 s of SIGTERM; killing it" >&2
  kill -9 "$SERVER" 2>/dev/null || true
}
trap 'stop_server; rm -rf "$DATA"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.1; done
curl -sf -X POST "$BASE/api/v1/auth/signup" -H 'content-type: application/json' \
  -d '{"email":"contract@example.com","password":"contract-pass","display_name":"Contract","time_zone":"Europe/Berlin"}' >/dev/null
TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"contract@example.com","password":"contract-pass"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# A task to give the id routes something real to hit.
curl -sf -X POST "$BASE/api/v1/tasks" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"title":"Seed","tags":["seed"]}' >/dev/null
schemathesis run "$BASE/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,fuzzing,stateful \
  --max-examples "${API_CONTRACT_EXAMPLES:-60}" --seed 1 --workers 2
# (the notification stream included: schemathesis reads its events and checks each against the
# document's per-event schema)
# What the document allows, the server accepts: positive cases per operation (≥ 90 %).
python3 scripts/api-acceptance.py "$BASE" "$TOKEN"
if grep -q '"level":"ERROR"\|error \[TodoApp\] Request failed' "$DATA/server.log"; then
  echo "server logged errors during the contract run:" >&2
  grep '"level":"ERROR"\|Request failed' "$DATA/server.log" | head -20 >&2
  exit 1
fi
