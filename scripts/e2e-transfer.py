#!/usr/bin/env python3
"""Export and import end to end against `todo serve` (BASE_URL) with the CLI (TODO_BIN):

- a person's projects (one archived), sections, a saved filter and tasks — Inbox and project
  tasks, subtasks three levels deep, a recurring series with a skipped, a done and an open
  occurrence, reminders before and at, tags, priorities, all-day and zoned dues — go out with
  `todo export` and into a fresh account with `todo import`; the fresh account's export equals the
  first, field by field (ids aside);
- `--dry-run` says what would be created and creates nothing; importing again creates nothing;
- a document with a mistake gets 422 naming the field and writes nothing; unknown members are
  reported, not fatal;
- 10,000 tasks go in through the CLI's parts with its progress bar (the rate is in bench/).

  scripts/e2e-transfer.sh      (starts the server and runs this)
"""
import json
import os
import subprocess
import tempfile
import time
import zipfile

from e2e_api import BASE, api, big_export, fail, ok
from e2e_api import call as request

BIN = os.environ["TODO_BIN"]


def call(method, path, body=None, token=None):
    status, _, data = request(method, path, body, token)
    return status, data


def account(email):
    call("POST", "/api/v1/auth/signup", {"email": email, "password": "transfer-pass-1", "display_name": email.split("@")[0], "time_zone": "Europe/Berlin"})
    access = api("POST", "/api/v1/auth/login", {"email": email, "password": "transfer-pass-1"})["access_token"]
    pat = api("POST", "/api/v1/tokens", {"name": "cli", "scopes": ["tasks:read", "tasks:write"], "expires_in_days": 1}, access, expect=201)["token"]
    return access, pat


def cli(token, *args, check=True):
    env = dict(os.environ, TODO_URL=BASE, TODO_TOKEN=token)
    result = subprocess.run([BIN, *args], env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        fail(f"todo {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


A, A_PAT = account("alice@transfer.test")


def task(body):
    return api("POST", "/api/v1/tasks", body, A, expect=201)


home = api("POST", "/api/v1/projects", {"name": "Home", "color": "red", "description": "The house"}, A, expect=201)
old = api("POST", "/api/v1/projects", {"name": "Old"}, A, expect=201)
kitchen = api("POST", f"/api/v1/projects/{home['id']}/sections", {"name": "Kitchen"}, A, expect=201)
api("POST", "/api/v1/filters", {"name": "Urgent at home", "query": "p:Home & urgent", "color": "blue"}, A, expect=201)
task({"title": "Inbox thing", "tags": ["misc"], "due": "2027-01-03"})
top = task({"title": "Renovate", "project_id": home["id"], "section_id": kitchen["id"], "priority": "urgent", "description": "Plan *first*",
            "due": {"date_time": "2027-02-01T10:00", "time_zone": "America/New_York"}, "reminders": [{"before": "PT30M"}, {"at": "2027-01-31T12:00:00Z", "channels": ["email"]}]})
mid = task({"title": "Tiles", "parent_id": top["id"], "tags": ["buy", "Kitchen"]})
task({"title": "Grout", "parent_id": mid["id"], "priority": "low"})
series = task({"title": "Water plants", "project_id": home["id"], "due": "2027-01-04", "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO", "anchor": "schedule"},
               "reminders": [{"before": "PT1H"}]})
done = task({"title": "Done already", "project_id": old["id"]})
api("POST", f"/api/v1/tasks/{done['id']}/complete", {}, A)
api("PATCH", f"/api/v1/projects/{old['id']}", {"archived": True}, A)


def wait_open(title, not_id):
    for _ in range(100):
        items = [t for t in api("GET", "/api/v1/tasks?status=open&limit=200", token=A)["items"] if t["title"] == title and t["id"] != not_id]
        if items:
            return items[0]
        time.sleep(0.1)
    fail(f"no next occurrence of {title}")


api("POST", f"/api/v1/tasks/{series['id']}/skip", {}, A)
second = wait_open("Water plants", series["id"])
api("POST", f"/api/v1/tasks/{second['id']}/complete", {}, A)
wait_open("Water plants", second["id"])

work = tempfile.mkdtemp()
exported = os.path.join(work, "alice.json")
out = cli(A_PAT, "export", "--output", exported).stdout
doc = json.load(open(exported))
if doc["format"] != "todo.export" or doc["version"] != 1 or f"Exported {len(doc['tasks'])} tasks" not in out:
    fail(f"todo export wrote {doc.get('format')} v{doc.get('version')} and said {out!r}")

B, B_PAT = account("bob@transfer.test")
dry = cli(B_PAT, "import", exported, "--dry-run").stdout
if f"Would create: 2 projects, 1 sections, 1 filters, {len(doc['tasks'])} tasks" not in dry:
    fail(f"the dry run said {dry!r}")
if api("GET", "/api/v1/tasks?status=all", token=B)["items"]:
    fail("the dry run created tasks")
first = cli(B_PAT, "import", exported, "--batch", "2")
if f"Created: 2 projects, 1 sections, 1 filters, {len(doc['tasks'])} tasks" not in first.stdout or "Importing [" not in first.stderr:
    fail(f"the import said {first.stdout!r} {first.stderr!r}")
again = cli(B_PAT, "import", exported).stdout
if "Created: 0 projects, 0 sections, 0 filters, 0 tasks, 0 reminders" not in again or f"{len(doc['tasks'])} tasks" not in again:
    fail(f"importing again said {again!r}")
ok(f"todo export → todo import into a fresh account ({len(doc['tasks'])} tasks, in parts of 2): the dry run creates nothing, a repeat creates nothing")


def normalized(document):
    """The document without ids and owners: every reference by what it points at."""
    projects = {p["id"]: p for p in document["projects"]}
    sections = {s["id"]: s["name"] for p in document["projects"] for s in p["sections"]}
    tasks = {t["id"]: t for t in document["tasks"]}
    series = {}
    for t in document["tasks"]:
        if t["series_id"]:
            series.setdefault(t["series_id"], min(x["created_at"] for x in document["tasks"] if x["series_id"] == t["series_id"]))
    out = {
        "projects": sorted((p["name"], p["color"], p["description"], p["archived"], p["position"], p["created_at"], p["updated_at"],
                            tuple((s["name"], s["position"], s["created_at"]) for s in p["sections"])) for p in document["projects"]),
        "filters": sorted((f["name"], f["query"], f["color"], f["position"]) for f in document["filters"]),
        "tasks": [],
    }
    for t in document["tasks"]:
        reminders = tuple(sorted(((r.get("before"), r.get("at"), tuple(r["channels"]), r["for"], r["remind_at"],
                                   r["state"] if not t["completed"] else "-") for r in t["reminders"]), key=repr))
        out["tasks"].append((
            t["title"], t["description"], t["priority"], tuple(t["tags"]), json.dumps(t["due"], sort_keys=True),
            json.dumps(t["recurrence"], sort_keys=True), series.get(t["series_id"]), t["occurrence_index"], reminders,
            t["completed"], t["completed_at"], t["skipped_at"], t["created_at"], t["updated_at"], t["position"],
            projects[t["project_id"]]["name"] if t["project_id"] in projects else "Inbox", sections.get(t["section_id"]),
            tasks[t["parent_id"]]["title"] if t["parent_id"] else None, json.dumps(t["subtasks"], sort_keys=True),
        ))
    out["tasks"].sort(key=repr)
    return out


status, data = call("GET", "/api/v1/export", token=B)
round_trip = json.loads(data)
a, b = normalized(doc), normalized(round_trip)
for key in a:
    if a[key] != b[key]:
        for x, y in zip(a[key], b[key]):
            if x != y:
                fail(f"{key} differ after the round trip:\n  {x}\n  {y}")
        fail(f"{key} differ after the round trip: {len(a[key])} / {len(b[key])}")
if not any(t[9] for t in a["tasks"]) or not any(t[11] for t in a["tasks"]) or not any(t[17] == "Tiles" for t in a["tasks"]):
    fail("the document lacks a done, a skipped or a nested task: the comparison proves less than it says")
ok("the fresh account's export equals the original field by field: projects, sections, filters, tasks, series, reminders, tags, subtasks")

# Mistakes: 422 naming the field, nothing written; unknown members reported.
before = len(api("GET", "/api/v1/tasks?status=all&limit=200", token=B)["items"])
bad = dict(doc, tasks=[dict(doc["tasks"][0], id="00000000-0000-4000-8000-000000000001", title="New"),
                       dict(doc["tasks"][0], id="00000000-0000-4000-8000-000000000002", due="tomorrow-ish")])
status, body = call("POST", "/api/v1/import", bad, B)
if status != 422 or "tasks[1].due" not in body.decode():
    fail(f"a bad due answered {status} {body[:300]!r}")
for broken, field in [(dict(doc, version=2), "version"), (dict(doc, format="todoist"), "format"), ({"tasks": []}, "format")]:
    status, body = call("POST", "/api/v1/import", broken, B)
    if status != 422 or field not in body.decode():
        fail(f"{field} answered {status} {body[:200]!r}")
if len(api("GET", "/api/v1/tasks?status=all&limit=200", token=B)["items"]) != before:
    fail("a refused import wrote tasks")
extra = dict(doc, tasks=[dict(doc["tasks"][0], id="00000000-0000-4000-8000-000000000003", colour="teal")], projects=[], filters=[], mood="fine")
answer = api("POST", "/api/v1/import", extra, B)
if answer["unknown_fields"] != ["mood", "tasks[].colour"] or answer["created"]["tasks"] != 1:
    fail(f"unknown members: {answer}")
ok("a mistake gets 422 naming it (tasks[1].due, version, format) and writes nothing; unknown members are reported, not fatal")

# 10,000 tasks through the CLI, in parts, with progress.
C, C_PAT = account("carol@transfer.test")
big = big_export(10_000)
path = os.path.join(work, "big.json")
json.dump(big, open(path, "w"))
started = time.monotonic()
result = cli(C_PAT, "import", path)
seconds = time.monotonic() - started
if "Created: 1 projects, 0 sections, 0 filters, 10000 tasks" not in result.stdout or "10000/10000 tasks" not in result.stderr:
    fail(f"the big import said {result.stdout!r} {result.stderr[-300:]!r}")
listed = api("GET", "/api/v1/projects", token=C)["items"]
big_project = [p for p in listed if p["name"] == "Big"][0]
if big_project["open_tasks"] != 5000:
    fail(f"the Big project has {big_project['open_tasks']} open tasks, not 5,000")
ok(f"10,000 tasks imported through the CLI in parts with a progress bar in {seconds:.1f} s ({10_000 / seconds:.0f} tasks/s)")

# Todoist's CSV template export (its documented columns), through the CLI.
D, D_PAT = account("dana@transfer.test")
csv_text = "\r\n".join([
    "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE,DURATION,DURATION_UNIT,COLOUR",
    "meta,view_style=list,,,,,,,,,,,",
    "task,Buy milk @errands @home,\"Semi-skimmed, 2 litres\",1,1,Dana (123),,tomorrow at 9am,en,Europe/Berlin,,,",
    "task,Check the list,,4,2,Dana (123),,,en,Europe/Berlin,,,",
    "note,\"Ask Sam first\",,,,,,,,,,,",
    "section,Weekly,,,,,,,,,,,",
    "task,Water plants,,2,1,Dana (123),,every monday,en,Europe/Berlin,15,minute,",
    "task,Mystery date,,3,1,Dana (123),,when pigs fly,en,Europe/Berlin,,,",
    "",
])
csv_path = os.path.join(work, "Groceries.csv")
open(csv_path, "w").write(csv_text)
result = cli(D_PAT, "import", csv_path, "--from", "todoist").stdout
if "Created: 1 projects, 1 sections, 0 filters, 4 tasks" not in result or "COLOUR" not in result or "when pigs fly" not in result:
    fail(f"the Todoist import said {result!r}")
again = cli(D_PAT, "import", csv_path, "--from", "todoist").stdout
if "Created: 0 projects, 0 sections, 0 filters, 0 tasks" not in again:
    fail(f"importing the Todoist CSV again said {again!r}")
got = {t["title"]: t for t in api("GET", "/api/v1/tasks?status=all&limit=200", token=D)["items"]}
milk, check, plants = got.get("Buy milk"), got.get("Check the list"), got.get("Water plants")
if not (milk and check and plants) or milk["priority"] != "urgent" or milk["tags"] != ["errands", "home"] or milk["description"] != "Semi-skimmed, 2 litres":
    fail(f"Buy milk came in as {milk}")
if milk["due"].get("date_time", "")[11:16] != "09:00" or check["parent_id"] != milk["id"] or check["priority"] != "none" or check["description"] != "Ask Sam first":
    fail(f"the due, the subtask or the note did not come through: {milk['due']} {check}")
if (plants["recurrence"] or {}).get("rule") != "FREQ=WEEKLY;BYDAY=MO" or plants["section_id"] is None or plants["priority"] != "high":
    fail(f"Water plants came in as {plants}")
ok("Todoist's CSV: labels, priorities, indents, notes, sections and dates (a rule too); unknown columns and dates reported; a repeat creates nothing")

# Vikunja's export zip (data.json as its export writes it: projects with their tasks), through the CLI.
vikunja = [
    {"id": 7, "title": "Work", "description": "<p>Job</p>", "hex_color": "e8e8e8", "is_archived": False, "parent_project_id": 0, "position": 65536,
     "created": "2026-01-02T10:00:00Z", "updated": "2026-01-03T10:00:00Z", "buckets": [], "views": [],
     "tasks": [
         {"id": 71, "title": "Report", "description": "Quarterly", "done": False, "done_at": "0001-01-01T00:00:00Z",
          "due_date": "2027-04-01T07:00:00Z", "priority": 3, "labels": [{"id": 1, "title": "finance team"}], "repeat_after": 1209600, "repeat_mode": 0,
          "reminders": [{"reminder": "2027-04-01T06:00:00Z", "relative_period": -3600, "relative_to": "due_date"}],
          "related_tasks": {}, "created": "2026-01-02T11:00:00Z", "updated": "2026-01-02T12:00:00Z", "bucket_id": 3, "percent_done": 0.5},
         {"id": 72, "title": "Attach numbers", "done": True, "done_at": "2026-02-01T09:00:00Z", "due_date": "0001-01-01T00:00:00Z", "priority": 0,
          "related_tasks": {"parenttask": [{"id": 71, "title": "Report"}]}, "created": "2026-01-02T11:30:00Z", "updated": "2026-02-01T09:00:00Z",
          "story_points": 3},
     ]},
    {"id": 8, "title": "Clients", "parent_project_id": 7, "is_archived": False, "created": "2026-01-02T10:00:00Z", "updated": "2026-01-02T10:00:00Z",
     "tasks": [{"id": 81, "title": "Call Acme", "done": False, "due_date": "2027-01-10T15:30:00Z", "priority": 5, "repeat_after": 0, "repeat_mode": 1,
                "created": "2026-01-05T10:00:00Z", "updated": "2026-01-05T10:00:00Z"}]},
]
zip_path = os.path.join(work, "vikunja-export.zip")
with zipfile.ZipFile(zip_path, "w") as z:
    z.writestr("data.json", json.dumps(vikunja))
    z.writestr("filters.json", "[]")
    z.writestr("VERSION", "v0.24.0")
E, E_PAT = account("erin@transfer.test")
result = cli(E_PAT, "import", zip_path, "--from", "vikunja").stdout
if "Created: 2 projects, 0 sections, 0 filters, 3 tasks, 1 reminders" not in result or "tasks[].story_points" not in result:
    fail(f"the Vikunja import said {result!r}")
if "Created: 0 projects, 0 sections, 0 filters, 0 tasks" not in cli(E_PAT, "import", zip_path, "--from", "vikunja").stdout:
    fail("importing the Vikunja export again created something")
got = {t["title"]: t for t in api("GET", "/api/v1/tasks?status=all&limit=200", token=E)["items"]}
report, numbers, acme = got.get("Report"), got.get("Attach numbers"), got.get("Call Acme")
if report["recurrence"]["rule"] != "FREQ=WEEKLY;INTERVAL=2" or report["due"]["at"] != "2027-04-01T07:00:00Z" or report["tags"] != ["finance-team"]:
    fail(f"Report came in as {report}")
if report["priority"] != "high" or [r.get("before") for r in report["reminders"]] != ["PT1H"]:
    fail(f"Report's priority or reminder: {report}")
if not numbers["completed"] or numbers["parent_id"] != report["id"] or numbers["due"] is not None:
    fail(f"Attach numbers came in as {numbers}")
projects = {p["name"] for p in api("GET", "/api/v1/projects", token=E)["items"]}
if "Work / Clients" not in projects or acme["recurrence"]["rule"] != "FREQ=MONTHLY" or acme["priority"] != "urgent":
    fail(f"the child project or Call Acme: {projects} {acme}")
ok("Vikunja's export zip: projects (a child one named under its parent), tasks, done, labels, repeats, reminders, subtasks; unknown members reported")
