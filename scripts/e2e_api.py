"""What the API end-to-end scripts share (scripts/e2e-calendar.py, scripts/e2e-transfer.py):
TAP-style ok/fail, and JSON calls against BASE_URL that answer (status, headers, body)."""
import json
import os
import sys
import urllib.error
import urllib.request

BASE = os.environ["BASE_URL"]


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def ok(message):
    print(f"ok - {message}")


def call(method, path, body=None, token=None, headers=None):
    """One request: `body` as JSON; (status, headers, bytes), errors included."""
    request = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode())
    if body is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=300) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def api(method, path, body=None, token=None, expect=200):
    """The JSON answer, failing the script unless the status is `expect`."""
    status, _, data = call(method, path, body, token)
    if status != expect:
        fail(f"{method} {path} answered {status}, not {expect}: {data[:300]!r}")
    return json.loads(data) if data else None


def big_export(n):
    """A todo.export document of `n` tasks: a tenth with a due and a reminder, one in a hundred
    recurring, a fifth of them subtasks, 7 tags, half in a project (bench/import.sh measures it)."""
    project = "00000000-0000-4000-8000-00000000a000"
    doc = {"format": "todo.export", "version": 1, "projects": [{"id": project, "name": "Big"}], "tasks": []}
    for i in range(n):
        t = {"id": f"00000000-0000-4000-8000-{i:012d}", "title": f"Task {i}", "tags": [f"t{i % 7}"], "priority": ["none", "low", "high"][i % 3],
             "project_id": project if i % 2 else None}
        if i % 10 == 0:
            t["due"] = {"date_time": "2027-03-01T09:00", "time_zone": "Europe/Berlin"}
            t["reminders"] = [{"before": "PT15M"}]
        if i % 100 == 1:
            t["recurrence"] = {"rule": "FREQ=DAILY"}
            t["due"] = "2027-03-02"
        if i % 5 == 3:
            t["parent_id"] = f"00000000-0000-4000-8000-{i - 2:012d}"
        doc["tasks"].append(t)
    return doc


if __name__ == "__main__" and len(sys.argv) == 3:
    # python3 scripts/e2e_api.py N FILE: writes big_export(N) (bench/import.sh)
    json.dump(big_export(int(sys.argv[1])), open(sys.argv[2], "w"))
