#!/usr/bin/env bash
# The project's test command (README, CI): starts a real PostgreSQL 15 for the store contract and
# API suites, runs every Swift test against SQLite and PostgreSQL, then the end-to-end checks with
# real processes (the CLI; consumer groups across processes on PostgreSQL; faults under load —
# killed roles, an SMTP outage, a PostgreSQL restart, SIGTERM in every state), the API contract
# check (schemathesis against a running server), the web UI in a real headless Chromium
# (scripts/e2e-browser.sh installs Debian's chromium + chromium-driver and Selenium), sharing in two browsers with a real SMTP
# server (scripts/e2e-sharing.sh), the calendar feed read by independent iCalendar parsers
# (scripts/e2e-calendar.sh), export and import with the CLI (scripts/e2e-transfer.sh), signed webhooks
# checked by standardwebhooks (scripts/e2e-webhooks.sh), the MCP server driven by the official MCP
# Python SDK over stdio and HTTP (scripts/e2e-mcp.sh), the deployment checks (chart, manifests,
# checkov, chart ↔ binary agreement), and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

export TEST_DATABASE_URL="$(scripts/test-postgres.sh start)"
# The SMTP tests talk to a real server: aiosmtpd (scripts/smtp-sink.py), certificates by openssl.
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install -q --root-user-action=ignore aiosmtpd
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl; }
# The log checks run the runbook's jq filters.
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq; }
# The alert rules are checked and unit-tested by promtool (Debian's prometheus package).
command -v promtool >/dev/null || { apt-get update -qq && apt-get install -y -qq prometheus; }
# `todo import --from vikunja` reads Vikunja's export zip with unzip (scripts/e2e-transfer.sh).
command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq unzip; }
trap 'scripts/test-postgres.sh stop' EXIT

# A newcomer's first build prints no warning of the project's own (the package's, or a compiler
# warning in Sources/ or Tests/); dependencies' warnings are theirs.
# (SwiftPM names the root package by its folder.)
swift build --build-tests 2>&1 | tee /tmp/todo-build.log
if grep -E "^warning: '$(basename "$PWD" | tr '[:upper:]' '[:lower:]')'|^$PWD/(Sources|Tests)/.*: warning:" /tmp/todo-build.log; then
  echo "FAIL: the build warns about the project's own files (above)" >&2
  exit 1
fi
# Every module a target imports is declared in Package.swift (not reached through another package).
python3 scripts/check-imports.py
# The API description the server ships is the one in docs/.
cmp docs/openapi.json Sources/TodoApp/Resources/openapi.json || { echo "FAIL: docs/openapi.json and Sources/TodoApp/Resources/openapi.json differ" >&2; exit 1; }
# The code is formatted as the repository's .swift-format says (`swift format -i -r Sources Tests` fixes it).
swift format lint --strict -r Sources Tests
# No Swift file under Sources/ is longer than 400 lines (split by concern instead).
if long=$(find Sources -name '*.swift' -exec awk 'END { if (NR > 400) print FILENAME ": " NR " lines" }' {} \;) && [ -n "$long" ]; then
  echo "FAIL: files over 400 lines:" >&2; echo "$long" >&2; exit 1
fi
scripts/swift-test-watched.sh
# Performance that a noisy machine cannot fake: callgrind's instruction count of a fixed workload
# through the router, against bench/instructions.baseline (fails on a rise of more than 15 %).
scripts/check-instructions.sh
# The events do not change when the API does (renames a response field, rebuilds, restores).
scripts/check-event-isolation.sh

scripts/e2e-cli.sh
scripts/e2e-consumers.sh
scripts/e2e-chaos.sh
scripts/api-contract.sh
scripts/e2e-browser.sh
scripts/e2e-sharing.sh
scripts/e2e-calendar.sh
scripts/e2e-transfer.sh
scripts/e2e-webhooks.sh
scripts/e2e-mcp.sh
scripts/test-rotate-secrets.sh
promtool check rules deploy/prometheus/rules.yaml
promtool test rules deploy/prometheus/rules-test.yaml
scripts/check-deploy.sh
