#!/usr/bin/env python3
"""The calendar feed read by independent iCalendar implementations (PyPI `icalendar` parses it,
`recurring-ical-events` expands its rules) against `todo serve` (BASE_URL):

- all-day dues are DATE values, timed ones carry their TZID (with its VTIMEZONE) or are UTC;
- a series' instances, expanded by the peer, are the instants the API's recurrence preview gives
  for the same rule and zone, across a DST change in Europe and in America;
- a skipped occurrence is an EXDATE, a done one a RECURRENCE-ID override marked done (or an EXDATE
  when done tasks are left out), and the open occurrence is an instance;
- reminders are VALARMs; text is escaped and long lines folded (the parser reads them back);
- project and saved-filter scopes hold only their tasks; ETag + If-None-Match → 304;
  rotating the URL makes the old one 404, and so does deleting the feed.

  scripts/e2e-calendar.sh      (starts the server and runs this)
"""
import datetime as dt
import time
import urllib.error
import urllib.parse
import urllib.request

import icalendar
import recurring_ical_events

from e2e_api import BASE, api, call, fail, ok


def feed(url, headers=None):
    path = url[len(BASE):] if url.startswith(BASE) else url
    return call("GET", path, headers=headers)


call("POST", "/api/v1/auth/signup", {"email": "cal@example.com", "password": "calendar-pass-1", "display_name": "Cal", "time_zone": "Europe/Berlin"})
T = api("POST", "/api/v1/auth/login", {"email": "cal@example.com", "password": "calendar-pass-1"})["access_token"]


def task(body):
    return api("POST", "/api/v1/tasks", body, T, expect=201)


allday = task({"title": "Pay rent", "due": "2027-01-05", "tags": ["bills"], "priority": "high"})
berlin = task({
    "title": "Stand-up", "due": {"date_time": "2027-03-26T09:30", "time_zone": "Europe/Berlin"},
    "recurrence": {"rule": "FREQ=DAILY;COUNT=6"}, "reminders": [{"before": "PT15M"}],
})
utc = task({"title": "Deploy window", "due": {"date_time": "2027-02-01T22:00", "time_zone": "UTC"}})
weekly = task({"title": "Team sync", "due": {"date_time": "2027-10-25T09:00", "time_zone": "America/New_York"},
               "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO"}})
text = "Notes; with, commas\\ and a backslash\nand a second line"
long_title = ("Zähle die Überstunden – " + "sehr lange Beschreibung " * 6).strip()
wordy = task({"title": long_title, "description": text, "due": "2027-01-06"})
done = task({"title": "Old chore", "due": "2027-01-04"})
api("POST", f"/api/v1/tasks/{done['id']}/complete", {}, T)
task({"title": "Someday, maybe"})  # no due: in no calendar
project = api("POST", "/api/v1/projects", {"name": "Garden"}, T, expect=201)
garden = task({"title": "Prune roses", "due": "2027-02-10", "project_id": project["id"], "tags": ["work"]})
saved = api("POST", "/api/v1/filters", {"name": "Work", "query": "#work"}, T, expect=201)



def next_occurrence(after):
    """The series' open occurrence once the recurring-task-service has made it (it is a consumer)."""
    for _ in range(100):
        items = api("GET", "/api/v1/tasks?status=open&q=sync", token=T)["items"]
        if items and items[0]["id"] != after:
            return items[0]
        time.sleep(0.1)
    fail(f"no next occurrence after {after}")


# The weekly series: skip the first occurrence, complete the second; the third is open.
api("POST", f"/api/v1/tasks/{weekly['id']}/skip", {}, T)
second = next_occurrence(weekly["id"])
api("POST", f"/api/v1/tasks/{second['id']}/complete", {}, T)
third = next_occurrence(second["id"])
if (third["due"] or {}).get("date_time") != "2027-11-08T09:00":
    fail(f"the series' third occurrence is due {third['due']}, not 2027-11-08T09:00")

# Feeds: everything with done tasks, everything without, the project, the saved filter.
full = api("POST", "/api/v1/calendar-feeds", {"name": "Everything", "include_completed": True}, T, expect=201)
plain = api("POST", "/api/v1/calendar-feeds", {}, T, expect=201)
by_project = api("POST", "/api/v1/calendar-feeds", {"scope": "project", "project_id": project["id"], "name": "Garden"}, T, expect=201)
by_filter = api("POST", "/api/v1/calendar-feeds", {"scope": "filter", "filter_id": saved["id"]}, T, expect=201)
for bad, field in [({"scope": "project"}, "project_id"), ({"scope": "filter", "filter_id": project["id"]}, "filter_id"),
                   ({"scope": "week"}, "scope"), ({"include_completed": "yes"}, "include_completed"), ({"colour": 1}, "colour")]:
    status, _, body = call("POST", "/api/v1/calendar-feeds", bad, T)
    if status != 422 or field not in body.decode():
        fail(f"a feed of {bad} answered {status} {body[:200]!r}, not 422 naming {field}")
if len(api("GET", "/api/v1/calendar-feeds", token=T)["items"]) != 4:
    fail("the refused feeds were created")
ok("feeds are created per scope; bad ones get 422 naming the field and create nothing")

status, headers, body = feed(full["url"])
if status != 200 or not headers.get("Content-Type", "").startswith("text/calendar"):
    fail(f"the feed answered {status} {headers.get('Content-Type')}")
if "max-age" not in headers.get("Cache-Control", "") or not headers.get("ETag"):
    fail(f"the feed has no Cache-Control or ETag: {headers}")
if any(len(line) > 75 for line in body.split(b"\r\n")):
    fail("a content line is longer than 75 octets (RFC 5545 §3.1)")
cal = icalendar.Calendar.from_ical(body)
events = {}
for event in cal.walk("VEVENT"):
    events.setdefault(str(event["UID"]).split("@")[0], []).append(event)


def master(uid):
    found = [e for e in events.get(uid, []) if "RECURRENCE-ID" not in e]
    if len(found) != 1:
        fail(f"{uid} has {len(found)} VEVENTs without RECURRENCE-ID")
    return found[0]


e = master(allday["id"])
if e.decoded("DTSTART") != dt.date(2027, 1, 5) or e.decoded("DTEND") != dt.date(2027, 1, 6):
    fail(f"the all-day task starts {e.decoded('DTSTART')!r}")
if [str(c) for c in e.get("CATEGORIES").cats] != ["bills"] or int(e["PRIORITY"]) != 3:
    fail("the all-day task lost its tag or priority")
e = master(utc["id"])
start = e.decoded("DTSTART")
if start != dt.datetime(2027, 2, 1, 22, 0, tzinfo=dt.timezone.utc) or start.utcoffset() != dt.timedelta(0):
    fail(f"the UTC task starts {start!r}")
e = master(wordy["id"])
if str(e["SUMMARY"]) != long_title or str(e["DESCRIPTION"]) != text:
    fail(f"text did not survive escaping and folding: {str(e['SUMMARY'])!r} {str(e['DESCRIPTION'])!r}")
if "Someday, maybe" in body.decode():
    fail("a task without a due is in the calendar")
if {str(z["TZID"]) for z in cal.walk("VTIMEZONE")} != {"Europe/Berlin", "America/New_York"}:
    fail(f"VTIMEZONEs: {[str(z['TZID']) for z in cal.walk('VTIMEZONE')]}")
ok("all-day dues are DATEs, timed ones zoned or UTC; tags, priority and escaped, folded text read back")


def preview(rule, start, zone, count):
    q = urllib.parse.urlencode({"rule": rule, "start": start, "time_zone": zone, "count": count})
    return [dt.datetime.fromisoformat(s) for s in api("GET", f"/api/v1/recurrence/preview?{q}", token=T)["instances"]]


def instances(calendar, uid, until=dt.datetime(2028, 6, 1)):
    found = [e for e in recurring_ical_events.of(calendar).between(dt.datetime(2026, 1, 1), until)
             if str(e["UID"]).split("@")[0] == uid]
    return sorted(found, key=lambda e: e.decoded("DTSTART"))


# Europe: a daily 09:30 across the change to summer time (2027-03-28).
e = master(berlin["series_id"] or berlin["id"])
start = e.decoded("DTSTART")
if str(start.tzinfo) != "Europe/Berlin" and getattr(start.tzinfo, "key", None) != "Europe/Berlin":
    fail(f"the Berlin series starts in {start.tzinfo!r}")
got = [x.decoded("DTSTART") for x in instances(cal, berlin["series_id"] or berlin["id"])]
want = preview(str(e["RRULE"].to_ical().decode()), "2027-03-26T09:30", "Europe/Berlin", 10)
if [g.astimezone(dt.timezone.utc) for g in got] != [w.astimezone(dt.timezone.utc) for w in want] or len(got) != 6:
    fail(f"Berlin instances differ: peer {got} / API {want}")
if {g.astimezone(dt.timezone.utc).hour for g in got} != {8, 7}:
    fail(f"the DST change is not in the instants: {got}")
alarms = e.walk("VALARM")
if len(alarms) != 1 or alarms[0].decoded("TRIGGER") != -dt.timedelta(minutes=15):
    fail(f"the reminder is not a VALARM 15 minutes before: {[a.to_ical() for a in alarms]}")
ok(f"a daily series across Europe's DST change: the peer's {len(got)} instances are the API preview's, with its VALARM")

# America: the weekly series with a skipped and a done occurrence (DST ends 2027-11-07).
series = weekly["series_id"] or weekly["id"]
e = master(series)
exdates = [d.dt for x in ([e["EXDATE"]] if not isinstance(e.get("EXDATE"), list) else e["EXDATE"]) if x for d in x.dts]
if [d.replace(tzinfo=None) for d in exdates] != [dt.datetime(2027, 10, 25, 9, 0)]:
    fail(f"the skipped occurrence is not the one EXDATE: {exdates}")
overrides = [x for x in events[series] if "RECURRENCE-ID" in x]
if len(overrides) != 1 or not str(overrides[0]["SUMMARY"]).startswith("✓ ") or \
        overrides[0].decoded("RECURRENCE-ID").replace(tzinfo=None) != dt.datetime(2027, 11, 1, 9, 0):
    fail(f"the done occurrence is not one override marked done: {[o.to_ical() for o in overrides]}")
got = instances(cal, series, until=dt.datetime(2027, 12, 31))
starts = [x.decoded("DTSTART") for x in got]
want = preview(str(e["RRULE"].to_ical().decode()), e.decoded("DTSTART").strftime("%Y-%m-%dT%H:%M"), "America/New_York", 11)
if [s.astimezone(dt.timezone.utc) for s in starts] != [w.astimezone(dt.timezone.utc) for w in want[1:10]]:
    fail(f"New York instances differ: peer {starts} / API {want}")
if starts[1].astimezone(dt.timezone.utc).hour != 14 or starts[0].astimezone(dt.timezone.utc).hour != 13:
    fail(f"the end of DST is not in the instants: {starts[:2]}")
if not str(got[0]["SUMMARY"]).startswith("✓ ") or str(got[1]["SUMMARY"]) != "Team sync":
    fail("the done instance is not marked, or the open one is")
ok("a weekly series across America's DST end: skipped → EXDATE, done → marked override, the rest as the API previews")

# Done tasks left out: the done occurrence becomes an EXDATE, the done task is gone.
status, _, plain_body = feed(plain["url"])
plain_cal = icalendar.Calendar.from_ical(plain_body)
if "Old chore" in plain_body.decode() or "✓" in plain_body.decode():
    fail("a feed without done tasks shows one")
e = [x for x in plain_cal.walk("VEVENT") if str(x["UID"]).startswith(series)]
ex = e[0].get("EXDATE")
ex = sum(([d.dt.replace(tzinfo=None) for d in x.dts] for x in (ex if isinstance(ex, list) else [ex])), [])
if len(e) != 1 or ex != [dt.datetime(2027, 10, 25, 9, 0), dt.datetime(2027, 11, 1, 9, 0)]:
    fail(f"without done tasks the series should exclude both closed occurrences: {ex}")
if "✓ Old chore" not in body.decode():
    fail("the done task is not marked in the feed that shows done tasks")
ok("done tasks are marked, or left out (their instances excluded) as the feed's setting says")

# Scopes.
for scoped, expected in [(by_project, {garden["id"]}), (by_filter, {garden["id"]})]:
    _, _, data = feed(scoped["url"])
    uids = {str(x["UID"]).split("@")[0] for x in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    if uids != expected:
        fail(f"the {scoped['scope']} feed holds {uids}, not {expected}")
ok("a project's feed and a saved filter's feed hold only their tasks")

# Caching and revocation.
etag = headers["ETag"]
status, _, _ = feed(full["url"], {"If-None-Match": etag})
if status != 304:
    fail(f"If-None-Match with the current ETag answered {status}")
api("PATCH", f"/api/v1/tasks/{allday['id']}", {"title": "Pay the rent"}, T)
status, headers2, _ = feed(full["url"], {"If-None-Match": etag})
if status != 200 or headers2["ETag"] == etag:
    fail("a change did not change the feed's ETag")
rotated = api("POST", f"/api/v1/calendar-feeds/{full['id']}/rotate", {}, T)
if feed(full["url"])[0] != 404 or feed(rotated["url"])[0] != 200:
    fail("after rotating, the old URL still works or the new one does not")
api("DELETE", f"/api/v1/calendar-feeds/{full['id']}", token=T, expect=204)
if feed(rotated["url"])[0] != 404:
    fail("a deleted feed still answers")
ok("ETag + If-None-Match → 304, a change → new ETag; rotating and deleting revoke the URL")
