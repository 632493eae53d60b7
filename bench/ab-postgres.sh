#!/usr/bin/env bash
# A/B of two todo binaries on PostgreSQL (scripts/test-postgres.sh's cluster), alternating A and
# B ROUNDS times so the machine's drift hits both: /health, get one task, create, with wrk at 16
# connections for DURATION each, on a fresh database seeded with 10 people × 50 tasks. Compare
# the ratios to /health within a round, not raw numbers across runs.
#   bench/ab-postgres.sh A_BINARY B_BINARY      (env: ROUNDS=2 DURATION=8s)
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:?usage: bench/ab-postgres.sh A_BINARY B_BINARY}; B=${2:?usage: bench/ab-postgres.sh A_BINARY B_BINARY}
ROUNDS=${ROUNDS:-2}; DURATION=${DURATION:-8s}; PORT=${BENCH_PORT:-18950}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
TEST_DATABASE_URL=${TEST_DATABASE_URL:-$(scripts/test-postgres.sh start)}
export TEST_DATABASE_URL
run() {
  local bin=$1 label=$2 data url pid out health
  data=$(mktemp -d)
  url=$(scripts/test-postgres.sh database todo_ab)
  BCRYPT_COST=4 LOG_LEVEL=error LOGIN_LIMIT_PER_ADDRESS=100000 DATABASE_URL="$url" "$bin" serve --port "$PORT" --data-dir "$data" >"$data/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
  python3 bench/seed.py 127.0.0.1 "$PORT" 10 50 "$data/seed.txt" >/dev/null 2>&1
  for scenario in health get create; do
    out=$(SCENARIO=$scenario SEED="$data/seed.txt" wrk -t2 -c16 -d"$DURATION" -s bench/scenario.lua "http://127.0.0.1:$PORT" 2>&1)
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    [ $scenario = health ] && health=$rps
    echo "| $label | $scenario | $rps | $(awk -v r="$rps" -v h="$health" 'BEGIN { printf "%.3f", r / h }') |"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
echo "| binary | scenario | req/s | ÷ /health |"
echo "|---|---|---|---|"
for _ in $(seq 1 "$ROUNDS"); do run "$A" A; run "$B" B; done
