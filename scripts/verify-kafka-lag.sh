#!/usr/bin/env bash
# Consumer lag of every group (the runbook's "check current lag"), and a verdict.
#   scripts/verify-kafka-lag.sh [--local] [--group G] [--max-age SECONDS] [--max-lag MESSAGES]
# Kubernetes (default when kubectl reaches a cluster with a kafka-0 pod): kafka-consumer-groups.sh
# --describe in kafka-0 (KAFKA_POD, KAFKA_NAMESPACE, KAFKA_BOOTSTRAP to change it); fails when a
# partition's LAG (column 6 — the reference runbook's one-liner reads column 5, LOG-END-OFFSET)
# exceeds --max-lag (default 60000, the runbook's threshold).
# Local (--local, or no cluster): `todo events lag` on the same database as the services
# (DATABASE_URL, or --data-dir via TODO_DATA_DIR); fails when the oldest unconsumed event of a
# partition is older than --max-age seconds (default 60: the KafkaConsumerLag alert) or its lag
# exceeds --max-lag. Every partition is listed and counted, also those that never had an event.
# TODO_BIN names the binary (default: todo on PATH, else .build/debug/todo).
# Exit: 0 healthy, 1 lagging, 2 cannot tell.
set -uo pipefail
MODE=auto GROUP="" MAX_AGE=60 MAX_LAG=60000
while [ $# -gt 0 ]; do
  case $1 in
    --local) MODE=local ;;
    --kubernetes) MODE=kubernetes ;;
    --group) GROUP=$2; shift ;;
    --max-age) MAX_AGE=$2; shift ;;
    --max-lag) MAX_LAG=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
KAFKA_POD=${KAFKA_POD:-kafka-0} KAFKA_NAMESPACE=${KAFKA_NAMESPACE:-kafka} KAFKA_BOOTSTRAP=${KAFKA_BOOTSTRAP:-localhost:9092}
if [ $MODE = auto ]; then
  if command -v kubectl >/dev/null && kubectl -n "$KAFKA_NAMESPACE" get pod "$KAFKA_POD" >/dev/null 2>&1; then MODE=kubernetes; else MODE=local; fi
fi

if [ $MODE = kubernetes ]; then
  out=$(kubectl -n "$KAFKA_NAMESPACE" exec "$KAFKA_POD" -- kafka-consumer-groups.sh --bootstrap-server "$KAFKA_BOOTSTRAP" \
    --describe ${GROUP:+--group "$GROUP"} ${GROUP:---all-groups} 2>&1) || { echo "$out" >&2; exit 2; }
  echo "$out"
  echo "$out" | awk -v max="$MAX_LAG" '
    $1 != "GROUP" && $6 ~ /^[0-9]+$/ { if ($6 > worst) { worst = $6; where = $1 " " $2 " partition " $3 } }
    END { if (worst > max) { printf "LAGGING: %s is %d messages behind (over %d)\n", where, worst, max; exit 1 }
          printf "OK: the largest lag is %d messages\n", worst }'
  exit $?
fi

BIN=${TODO_BIN:-$(command -v todo || echo "$(dirname "$0")/../.build/debug/todo")}
out=$("$BIN" events lag ${GROUP:+--group "$GROUP"} 2>&1) || { echo "$out" >&2; exit 2; }
echo "$out"
echo "$out" | awk -v maxage="$MAX_AGE" -v maxlag="$MAX_LAG" '
  NR == 1 { next }
  { partitions++; if (!($1 in groups)) { groups[$1] = 1; ngroups++ }
    age = $8; sub(/s$/, "", age); if (age == "-") age = 0
    if (age + 0 > worstage) { worstage = age + 0; agewhere = $1 " " $2 " partition " $3 }
    if ($6 + 0 > worstlag) { worstlag = $6 + 0; lagwhere = $1 " " $2 " partition " $3 } }
  END {
    if (worstage > maxage) { printf "LAGGING: %s has an unconsumed event %.0f s old (over %d s)\n", agewhere, worstage, maxage; exit 1 }
    if (worstlag > maxlag) { printf "LAGGING: %s is %d events behind (over %d)\n", lagwhere, worstlag, maxlag; exit 1 }
    if (partitions == 0) { print "OK: no consumer group has committed an offset yet"; exit 0 }
    printf "OK: %d partitions, %d group(s); oldest unconsumed event %.0f s, largest lag %d events\n", partitions, ngroups, worstage, worstlag }'
