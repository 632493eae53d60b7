#!/usr/bin/env bash
# The web UI in a real headless Chromium (Debian's chromium + chromium-driver, Selenium from PyPI),
# against `todo serve` on a fresh data directory: scripts/e2e-browser.py.
#   scripts/e2e-browser.sh                         (SCREENSHOTS=docs/screenshots to refresh the pictures)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/browser-deps.sh
BIN=${TODO_BIN:-.build/debug/todo}
PORT=${E2E_BROWSER_PORT:-18830}
WORK=$(mktemp -d)
(BCRYPT_COST=4 exec "$BIN" serve --port "$PORT" --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1) &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$PORT" python3 scripts/e2e-browser.py || { echo "--- server log"; tail -20 "$WORK/serve.log"; exit 1; }
