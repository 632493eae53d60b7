#!/usr/bin/env bash
# Webhook delivery latency: from a task change (the CloudEvent's `time`, written with the change)
# to the signed POST received and verified (PyPI standardwebhooks) by a local receiver. Creates
# COUNT tasks at RATE per second through the API, on SQLite (`todo serve`) and PostgreSQL (`todo
# serve` on the durable bench cluster: the API, the consumer group and the delivery worker in one
# process); prints p50/p90/p99/max. Release build.
#   bench/webhooks.sh [sqlite|postgres|both]     (env: COUNT=1000 RATE=50)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000}; RATE=${RATE:-50}; PORT=${BENCH_PORT:-18920}; RECEIVER_PORT=$((PORT + 1))
python3 -c 'import standardwebhooks' 2>/dev/null || python3 -m pip install -q --root-user-action=ignore standardwebhooks
if [ -n "${TODO_BIN:-}" ]; then BIN=$TODO_BIN; else swift build -c release --product todo >&2; BIN=.build/release/todo; fi
export TEST_PG_PORT=${BENCH_PG_PORT:-54339} TEST_PG_DIR=${BENCH_PG_DIR:-/tmp/todo-bench-pg} TEST_PG_DURABLE=1
unset TEST_DATABASE_URL
run_db() {
  local db=$1 data; data=$(mktemp -d)
  local env=(BCRYPT_COST=4 LOG_LEVEL=error WEBHOOK_ALLOWED_HOSTS=127.0.0.1 TODO_DATA_DIR="$data")
  if [ "$db" = postgres ]; then
    local url; url=$(scripts/test-postgres.sh database todo_bench_webhooks)
    env+=(DATABASE_URL="$url" JWT_SECRET="bench:0123456789abcdef0123456789abcdef")
  fi
  env "${env[@]}" $BIN serve --port $PORT >"$data/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  BASE_URL="http://127.0.0.1:$PORT" RECEIVER_PORT=$RECEIVER_PORT python3 bench/webhook-latency.py "$db" "$COUNT" "$RATE"
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
}
case "${1:-both}" in
  sqlite) run_db sqlite ;;
  postgres) run_db postgres ;;
  both) run_db sqlite; run_db postgres ;;
esac
[ "${1:-both}" = sqlite ] || scripts/test-postgres.sh stop >/dev/null 2>&1 || true
