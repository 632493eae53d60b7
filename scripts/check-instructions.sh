#!/usr/bin/env bash
# The performance check a noisy machine cannot fool: the instructions a fixed in-process workload
# executes (TodoWorkload: COUNT creates, filtered lists and gets through the router, on SQLite),
# counted by valgrind's callgrind, against the committed baseline in bench/instructions.baseline.
# Fails on a rise of more than 15 %; on a fall of more than 5 % it prints the new figure to commit.
# The count is of a release build (`swift build -c release`): a debug build's count says little
# about the shipped code (there, Foundation's C formatting beat the unoptimized Swift that beats it
# 10 % in release), and valgrind counts no instruction of a system call. The count moves when the
# code on the request path does, not with the machine (repeat runs agree within 0.2 %).
#   scripts/check-instructions.sh            check against the baseline
#   scripts/check-instructions.sh --update   write the measured figure as the new baseline
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
BASELINE=bench/instructions.baseline
COUNT=$(awk '/^count/ {print $2}' "$BASELINE" 2>/dev/null || echo 200)
swift build -c release --product TodoWorkload >/dev/null
# valgrind 3.19 cannot read the DWARF 5 debug info Swift 6 writes: count a stripped copy.
BIN=$(mktemp); trap 'rm -f "$BIN"' EXIT
strip -g -o "$BIN" "$(swift build -c release --show-bin-path)/TodoWorkload"
t0=$SECONDS
out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" "$COUNT" 2>&1) || { echo "$out" >&2; exit 1; }
measured=$(grep -o 'Collected : [0-9]*' <<<"$out" | awk '{print $3}')
[ -n "$measured" ] || { echo "FAIL: callgrind printed no instruction count" >&2; echo "$out" >&2; exit 1; }
echo "instructions: $measured for $COUNT creates + lists + gets (callgrind, $((SECONDS - t0)) s)"
if [ "${1:-}" = --update ] || [ ! -f "$BASELINE" ]; then
  printf 'count %s\ninstructions %s\n' "$COUNT" "$measured" >"$BASELINE"
  echo "wrote $BASELINE"
  exit 0
fi
baseline=$(awk '/^instructions/ {print $2}' "$BASELINE")
ratio=$(awk -v m="$measured" -v b="$baseline" 'BEGIN { printf "%.3f", m / b }')
echo "baseline: $baseline (ratio $ratio)"
if awk -v r="$ratio" 'BEGIN { exit !(r > 1.15) }'; then
  echo "FAIL: the workload executes ${ratio}x the baseline's instructions (more than 15 % more)" >&2
  exit 1
fi
if awk -v r="$ratio" 'BEGIN { exit !(r < 0.95) }'; then
  echo "improved: commit the new figure with scripts/check-instructions.sh --update"
fi
