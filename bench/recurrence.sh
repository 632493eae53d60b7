#!/usr/bin/env bash
# Recurrence engine micro-benchmark (release build): median time of the next occurrence after a
# moment and of expanding 1,000 instances, typical and worst-case rules; quick-add parse times.
# Prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product RecurrenceBench >&2
.build/release/RecurrenceBench
