#!/usr/bin/env bash
# The web UI's first page: time to render the task list (50 open tasks of a person with 1,000)
# on the server and deliver it, over 200 sequential requests with the session cookie; and the
# size of the page and of the assets. Release build, SQLite.   bench/web.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product todo >&2
PORT=${BENCH_PORT:-18950}
WORK=$(mktemp -d)
(BCRYPT_COST=4 LOG_LEVEL=error exec .build/release/todo serve --port $PORT --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1) &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
python3 - "$PORT" <<'PY'
import http.client, json, statistics, sys, time, urllib.parse
port = int(sys.argv[1])
c = http.client.HTTPConnection("127.0.0.1", port)
def call(method, path, body=None, headers=None):
    c.request(method, path, body, headers or {}); r = c.getresponse(); return r, r.read()
call("POST", "/api/v1/auth/signup", json.dumps({"email": "bench@example.com", "password": "bench-password", "display_name": "B"}), {"content-type": "application/json"})
token = json.loads(call("POST", "/api/v1/auth/login", json.dumps({"email": "bench@example.com", "password": "bench-password"}), {"content-type": "application/json"})[1])["access_token"]
for i in range(1000):
    body = {"title": f"Task {i} <with> & \"markup\"", "tags": [f"t{i % 10}"], "priority": ["low", "medium", "high"][i % 3]}
    if i % 2: body["due"] = f"2027-0{1 + i % 9}-1{i % 10}"
    call("POST", "/api/v1/tasks", json.dumps(body), {"content-type": "application/json", "authorization": f"Bearer {token}"})
r, page = call("GET", "/")
csrf = [v.split(";")[0].split("=", 1)[1] for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("todo_csrf=")][0]
form = urllib.parse.urlencode({"csrf": csrf, "email": "bench@example.com", "password": "bench-password"})
r, _ = call("POST", "/session", form, {"content-type": "application/x-www-form-urlencoded", "cookie": f"todo_csrf={csrf}"})
session = [v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("todo_session=")][0]
cookie = f"todo_csrf={csrf}; {session}"
times = []
for _ in range(200):
    t = time.perf_counter(); r, page = call("GET", "/", headers={"cookie": cookie}); times.append(time.perf_counter() - t)
assert page.count(b'class="task"') == 50, page.count(b'class="task"')
times.sort()
assets = [s.split(b'"')[0].decode() for s in page.split(b'/static/')[1:]]
sizes = {a: len(call("GET", "/static/" + a)[1]) for a in assets}
print(f"| first page, 50 of 1,000 tasks | p50 {times[100] * 1000:.1f} ms | p99 {times[197] * 1000:.1f} ms | {len(page) / 1024:.1f} KiB HTML |")
print("| assets | " + ", ".join(f"{a}: {n / 1024:.1f} KiB" for a, n in sizes.items()) + " | | |")
PY
