#!/usr/bin/env bash
# Writes the event golden files (Tests/TodoCoreTests/Golden/*.json) from what a `todo` binary
# really publishes: starts `todo serve` on a fresh SQLite directory, makes every kind of change
# through the API (create with a timed due, tags, a recurrence and reminders; patch; complete →
# the next occurrence; skip; reopen; delete; an all-day task; a reminder that fires), and keeps
# the first event of each kind as `todo events tail` prints it. The goldens in the repository
# were captured with the binary built from the commit before the typed codec (ca93a76), so the
# golden test proves the codec writes and reads exactly what the earlier code published.
#   scripts/capture-event-goldens.sh [path/to/todo]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/debug/todo}
PORT=${GOLDEN_PORT:-18990}
data=$(mktemp -d)
BCRYPT_COST=4 LOG_LEVEL=error TODO_DATA_DIR="$data" "$BIN" serve --port $PORT >"$data/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
python3 - "$PORT" <<'PY'
import http.client, json, sys, time, datetime
port = int(sys.argv[1])
def call(method, path, body=None, token=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"content-type": "application/json"}
    if token: h["authorization"] = "Bearer " + token
    h.update(headers or {})
    c.request(method, path, body=None if body is None else json.dumps(body), headers=h)
    r = c.getresponse(); data = r.read()
    assert r.status < 300, (method, path, r.status, data)
    return json.loads(data) if data else None
call("POST", "/api/v1/auth/signup", {"email": "golden@example.com", "password": "golden-password", "display_name": "Golden"})
token = call("POST", "/api/v1/auth/login", {"email": "golden@example.com", "password": "golden-password"})["access_token"]
call("PATCH", "/api/v1/me", {"time_zone": "Europe/Berlin"}, token)
soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
t = call("POST", "/api/v1/tasks", {"title": "Water the plants", "description": "The ferns first", "priority": "high",
    "tags": ["home", "garden"], "due": {"date_time": "2030-03-29T09:30", "time_zone": "Europe/Berlin"},
    "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO,FR", "anchor": "schedule"},
    "reminders": [{"before": "PT15M", "channels": ["email", "in_app"]}, {"at": "2030-03-28T18:00:00.000Z", "channels": ["in_app"]}]}, token)
call("POST", "/api/v1/tasks", {"title": "Call mum", "due": {"date_time": "2030-03-29T18:00", "time_zone": "Europe/Berlin"},
    "reminders": [{"at": soon, "channels": ["email", "in_app"]}]}, token)
t = call("PATCH", f"/api/v1/tasks/{t['id']}", {"title": "Water all the plants", "priority": "urgent", "tags": ["home"]}, token,
    {"content-type": "application/merge-patch+json", "if-match": f'"{t["version"]}"'})
call("POST", f"/api/v1/tasks/{t['id']}/complete", None, token)
time.sleep(3)  # the recurring-task-service creates the next occurrence; the reminder fires
tasks = call("GET", "/api/v1/tasks?status=open", None, token)["items"]
nxt = [x for x in tasks if x["title"] == "Water all the plants"][0]
call("POST", f"/api/v1/tasks/{nxt['id']}/skip", None, token)
call("POST", f"/api/v1/tasks/{t['id']}/reopen", None, token)
d = call("POST", "/api/v1/tasks", {"title": "Pay rent", "due": {"date": "2030-04-01"}}, token)
call("DELETE", f"/api/v1/tasks/{d['id']}", None, token)
time.sleep(1)
PY
TODO_DATA_DIR="$data" "$BIN" events tail --topic task-events --limit 100 >"$data/task-events.jsonl"
TODO_DATA_DIR="$data" "$BIN" events tail --topic reminders --limit 100 >"$data/reminders.jsonl"
python3 - "$data" Tests/TodoCoreTests/Golden <<'PY'
import json, sys, os
data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
kept = {}
for name in ["task-events.jsonl", "reminders.jsonl"]:
    for line in open(os.path.join(data, name)):
        line = line.strip()
        if not line: continue
        e = json.loads(line)
        kind = e["type"]
        if kind == "task.updated":
            kind += "-skip" if "skipped_at" in e["data"].get("changes", {}) else "-patch"
        if kind == "task.created" and e["data"]["task_data"]["due"] and "date" in e["data"]["task_data"]["due"]:
            kind += "-all-day"
        if kind == "task.created" and e["data"]["task_data"]["occurrence_index"] not in (None, 0):
            kind += "-next-occurrence"
        kept.setdefault(kind, line)
for kind, line in kept.items():
    open(os.path.join(out, kind + ".json"), "w").write(line + "\n")
print("wrote", ", ".join(sorted(kept)))
PY
