#!/usr/bin/env bash
# The API's task shape and the events' task_data are separate contracts (issue 17): renames a
# field of the API's task response (TaskResponse: "title" → "name") in the working tree, rebuilds,
# and checks that the event golden tests and the recurring-task-service still pass while the API
# tests notice. Restores the file (also on failure or interruption) and rebuilds. Run by
# scripts/test.sh after the other Swift suites.
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=Sources/TodoApp/Routes/TaskResponse.swift
backup=$(mktemp)
cp "$FILE" "$backup"
restore() { cp "$backup" "$FILE"; rm -f "$backup"; swift build --build-tests >/dev/null 2>&1 || true; }
trap restore EXIT
perl -0pi -e 's/w\.key\("title"\)(\s*w\.string\(title\))/w.key("name")$1/' "$FILE"
cmp -s "$FILE" "$backup" && { echo "FAIL: the rename did not apply: $FILE changed shape" >&2; exit 1; }
swift build --build-tests >/tmp/event-isolation-build.log 2>&1 || { tail -30 /tmp/event-isolation-build.log >&2; exit 1; }
swift test --skip-build --filter 'EventGoldenTests|RecurringTaskServiceTests' >/tmp/event-isolation.log 2>&1 ||
  { tail -30 /tmp/event-isolation.log >&2; echo "FAIL: renaming an API field changed what the events carry" >&2; exit 1; }
if swift test --skip-build --filter 'TaskAPITests' >>/tmp/event-isolation.log 2>&1; then
  echo "FAIL: the API tests did not notice the renamed field (the check proves nothing)" >&2; exit 1
fi
echo "ok - an API field renamed (TaskResponse title → name): event goldens and the recurring-task-service unchanged; the API tests notice"
