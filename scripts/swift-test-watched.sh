#!/usr/bin/env bash
# `swift test --skip-build`, watched: the suite has hung (every task suspended, nothing printed)
# three times in some fifty runs, cause not yet found. A hang must not eat CI's whole budget in
# silence: when nothing is printed for WATCH_SECONDS (default 600), this prints the tests that
# started and never ended and every thread's stack of the test process (gdb, from Debian), then
# kills it and fails.
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=$(mktemp)
swift test --skip-build "$@" > >(tee "$LOG") 2>&1 &
RUN=$!
limit=${WATCH_SECONDS:-600}
while kill -0 $RUN 2>/dev/null; do
  sleep 10
  age=$(( $(date +%s) - $(stat -c %Y "$LOG") ))
  [ "$age" -lt "$limit" ] && continue
  echo "FAIL: the Swift tests printed nothing for $age s; tests started and not ended:" >&2
  python3 - "$LOG" >&2 <<'PY'
import re, sys
started, ended = [], set()
for line in open(sys.argv[1], errors="replace"):
    if m := re.search(r"◇ Test (\S+\(.*?\)) started", line): started.append(m.group(1))
    if m := re.search(r"[✔✘] Test (\S+\(.*?\)) .*(passed|failed)", line): ended.add(m.group(1))
for t in started:
    if t not in ended: print("  " + t)
PY
  command -v gdb >/dev/null || { apt-get update -qq && apt-get install -y -qq gdb >/dev/null; }
  for pid in $(pgrep -f 'todoPackageTests.xctest'); do
    timeout 120 gdb -p "$pid" -batch -ex "thread apply all bt 25" 2>/dev/null | grep -E "^Thread|^#" >&2
    kill -9 "$pid" 2>/dev/null
  done
  kill $RUN 2>/dev/null; wait $RUN 2>/dev/null; rm -f "$LOG"
  exit 1
done
wait $RUN; status=$?
rm -f "$LOG"
exit $status
