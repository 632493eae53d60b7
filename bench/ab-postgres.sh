#!/usr/bin/env bash
# A/B of two todo binaries on PostgreSQL (scripts/test-postgres.sh's cluster), alternating A and
# B ROUNDS times so the machine's drift hits both: SCENARIOS of bench/scenario.lua (default
# /health, get one task, create) with wrk at CONNS connections for DURATION each, on a fresh
# database seeded with 10 people × TASKS tasks. Compare the ratios to /health within a round, not
# raw numbers across runs; with CONNS=1 the p50s too.
#   bench/ab-postgres.sh A_BINARY B_BINARY      (env: ROUNDS=2 DURATION=8s CONNS=16 TASKS=50 SCENARIOS="health get create")
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:?usage: bench/ab-postgres.sh A_BINARY B_BINARY}; B=${2:?usage: bench/ab-postgres.sh A_BINARY B_BINARY}
ROUNDS=${ROUNDS:-2}; DURATION=${DURATION:-8s}; PORT=${BENCH_PORT:-18950}; CONNS=${CONNS:-16}; TASKS=${TASKS:-50}
SCENARIOS=${SCENARIOS:-health get create}
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
  python3 bench/seed.py 127.0.0.1 "$PORT" 10 "$TASKS" "$data/seed.txt" >/dev/null 2>&1
  for scenario in $SCENARIOS; do
    out=$(SCENARIO=$scenario SEED="$data/seed.txt" wrk -t$((CONNS > 1 ? 2 : 1)) -c"$CONNS" -d"$DURATION" --latency -s bench/scenario.lua "http://127.0.0.1:$PORT" 2>&1)
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    [ $scenario = health ] && health=$rps
    echo "| $label | $scenario | $rps | $(awk -v r="$rps" -v h="$health" 'BEGIN { printf "%.3f", r / h }') | $p50 |"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
echo "| binary | scenario | req/s | ÷ /health | p50 |"
echo "|---|---|---|---|---|"
for _ in $(seq 1 "$ROUNDS"); do run "$A" A; run "$B" B; done
