"""The clients of the chaos test (scripts/e2e-chaos.sh): N people using the API while faults happen.

  chaos_load.py load --url http://127.0.0.1:PORT --seconds S --clients N --out FILE [--remind-after SECONDS]
  chaos_load.py check --load FILE --database-url URL --maildir DIR --faults-end EPOCH [--within 30]
  chaos_load.py backlog --url URL --tasks N      (N tasks with ten email reminders each, due now)

Each client signs up, then creates tasks until S seconds have passed: every third with an email
reminder a few seconds ahead (every fourth of those completed right away, so its reminder must be
cancelled, not sent), every fourth recurring (daily, due today) and completed at once, so the
recurring-task-service must create exactly one next occurrence. Titles are unique
("chaos-<client>-<n>"), so the emails can be matched to them.

A client behaves as a well-made one should: every POST carries an Idempotency-Key; a 503 (or a
429) is retried with the same key after its Retry-After, a dropped connection (a killed backend)
is retried with the same key too, up to a limit; a request that never got an answer is counted,
not assumed. Writes FILE as JSON: every status seen (with its route), and what was acknowledged —
the tasks whose create answered 201, their reminders, and the completions that answered 200.
"""
import argparse, datetime, email, email.policy, http.client, json, os, subprocess, threading, time, uuid
from urllib.parse import urlparse


class Client:
    def __init__(self, url, name, log):
        u = urlparse(url)
        self.host, self.port, self.name, self.log = u.hostname, u.port, name, log
        self.conn, self.token = None, None

    def sign_up(self, name):
        """A new account (a unique email from `name`), signed in."""
        email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
        s, _ = self.request("POST", "/api/v1/auth/signup", {"email": email, "password": "chaos-password", "display_name": name}, route="signup")
        assert s == 201, f"signup answered {s}"
        s, body = self.request("POST", "/api/v1/auth/login", {"email": email, "password": "chaos-password"}, route="login")
        assert s == 200, f"login answered {s}"
        self.token = body["access_token"]

    def request(self, method, path, body=None, route=None, tries=40):
        """Returns (status, json) or (None, None) when no answer came after `tries`."""
        key = str(uuid.uuid4())
        for _ in range(tries):
            headers = {"content-type": "application/json", "idempotency-key": key}
            if self.token:
                headers["authorization"] = "Bearer " + self.token
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=15)
                self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                status = r.status
            except (OSError, http.client.HTTPException):
                # Refused, reset or cut off mid-answer: the backend was killed. Try again with
                # the same key (the first attempt may or may not have been done).
                self.log.status(route or path, "no_answer")
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                time.sleep(0.25)
                continue
            self.log.status(route or path, status)
            if status in (503, 429) or (status == 409 and b"idempotency_key_in_use" in data):
                time.sleep(min(2.0, float(r.getheader("retry-after") or "0.5")))
                continue
            try:
                parsed = json.loads(data) if data else None
            except ValueError:
                parsed = None
            return status, parsed
        return None, None


class Log:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = {}
        self.tasks = []
        self.completions = []
        self.unanswered = 0

    def status(self, route, status):
        with self.lock:
            k = f"{route} {status}"
            self.statuses[k] = self.statuses.get(k, 0) + 1


def run_client(i, args, log, deadline):
    c = Client(args.url, f"chaos-{i}", log)
    c.sign_up(f"chaos-{i}")
    n = 0
    while time.time() < deadline:
        n += 1
        title = f"chaos-{i}-{n}"
        task = {"title": title}
        reminder = n % 3 == 0
        recurring = n % 4 == 1
        if reminder:
            at = time.time() + args.remind_after
            task["reminders"] = [{"at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + ".%03dZ" % int((at % 1) * 1000), "channels": ["email"]}]
        if recurring:
            task["due"] = time.strftime("%Y-%m-%d")
            task["recurrence"] = {"rule": "FREQ=DAILY"}
        s, body = c.request("POST", "/api/v1/tasks", task, route="POST /tasks")
        if s is None:
            with log.lock:
                log.unanswered += 1
            continue
        if s >= 500:
            continue  # counted in the statuses; the check fails the run
        if s != 201:
            raise AssertionError(f"create answered {s}: {body}")
        record = {"id": body["id"], "title": title, "recurring": recurring, "acked_at": time.time()}
        if reminder:
            record["remind_at"] = body["reminders"][0]["remind_at"]
        with log.lock:
            log.tasks.append(record)
        if recurring or (reminder and n % 4 == 3):
            s, body = c.request("POST", f"/api/v1/tasks/{record['id']}/complete", route="POST /tasks/{id}/complete")
            if s == 200:
                with log.lock:
                    log.completions.append({"id": record["id"], "acked_at": time.time()})
            elif s is None:
                with log.lock:
                    log.unanswered += 1
            elif s < 500:
                raise AssertionError(f"complete answered {s}: {body}")
        time.sleep(0.05)


def load(a):
    log = Log()
    deadline = time.time() + a.seconds
    errors = []

    def guarded(i):
        try:
            run_client(i, a, log, deadline)
        except Exception as e:  # reported, and the run fails
            errors.append(f"client {i}: {e!r}")

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(a.out, "w") as f:
        json.dump({"statuses": log.statuses, "tasks": log.tasks, "completions": log.completions, "unanswered": log.unanswered, "errors": errors}, f)
    print(f"{len(log.tasks)} tasks acknowledged, {len(log.completions)} completions, {log.unanswered} requests without an answer")
    if errors:
        print("\n".join(errors))
        raise SystemExit(1)


def backlog(a):
    """One person, `tasks` tasks with ten email reminders each, all due now: a backlog."""
    c = Client(a.url, "backlog", Log())
    c.sign_up("backlog")
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
    for n in range(a.tasks):
        reminders = [{"at": at, "channels": ["email"]}] + [{"before": f"PT{m}M", "channels": ["email"]} for m in range(1, 10)]
        s, body = c.request("POST", "/api/v1/tasks", {"title": f"backlog-{n}", "due": {"date_time": time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() - 60)), "time_zone": "UTC"}, "reminders": reminders})
        assert s == 201, f"backlog create answered {s}: {body}"
    print(f"backlog: {a.tasks * 10} email reminders due now")


def psql(url, query):
    r = subprocess.run(["psql", url.split("?")[0], "-tAqc", query], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"psql failed: {r.stderr.strip()}")
    out = r.stdout
    return [line.split("|") for line in out.splitlines() if line]


def check(a):
    """Compares what the clients were told with the database and the SMTP server. Waits (bounded)
    for the consumers and the mail; prints one line per property that holds, exits 1 naming the
    first that does not."""
    run = json.load(open(a.load))
    failures = []

    server_errors = {k: v for k, v in run["statuses"].items() if k.split()[-1].isdigit() and int(k.split()[-1]) >= 500 and not k.endswith(" 503")}
    answered = sum(v for k, v in run["statuses"].items() if not k.endswith("no_answer"))
    unavailable = sum(v for k, v in run["statuses"].items() if k.endswith(" 503"))
    dropped = sum(v for k, v in run["statuses"].items() if k.endswith("no_answer"))
    if server_errors:
        failures.append(f"responses >= 500 other than 503: {server_errors}")
    else:
        print("ok " + f"{answered} responses, none a 5xx other than 503 ({unavailable} were 503 with Retry-After; {dropped} attempts hit a killed backend)")

    ids = [t["id"] for t in run["tasks"]]
    present = {r[0] for r in psql(a.database_url, "SELECT id FROM tasks WHERE id IN (%s)" % ",".join(f"'{i}'" for i in ids))} if ids else set()
    lost = [i for i in ids if i not in present]
    if lost:
        failures.append(f"{len(lost)} acknowledged tasks are missing: {lost[:5]}")
    else:
        print("ok " + f"all {len(ids)} acknowledged tasks are in the database")

    completed = {c["id"]: c["acked_at"] for c in run["completions"]}
    recurring = [t["id"] for t in run["tasks"] if t["recurring"] and t["id"] in completed]
    deadline = time.time() + a.within
    while True:
        rows = psql(a.database_url, "SELECT spawned_from, count(*) FROM tasks WHERE spawned_from IS NOT NULL GROUP BY 1")
        successors = {r[0]: int(r[1]) for r in rows}
        missing = [i for i in recurring if successors.get(i, 0) != 1]
        if not missing or time.time() > deadline:
            break
        time.sleep(0.5)
    if missing:
        failures.append(f"{len(missing)} of {len(recurring)} completed recurring tasks have no next occurrence: {missing[:5]}")
    else:
        print("ok " + f"each of the {len(recurring)} completed recurring tasks has exactly one next occurrence")

    def parse_time(text):
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

    # Whether a task was completed, and when, is the database's word: a completion whose answer
    # was lost (a killed backend, a restart) may still have committed.
    reminded = [t for t in run["tasks"] if "remind_at" in t]
    done_at = {}
    if reminded:
        for task_id, at in psql(a.database_url, "SELECT id, extract(epoch FROM completed_at) FROM tasks WHERE completed_at IS NOT NULL AND id IN (%s)"
                                % ",".join(f"'{t['id']}'" for t in reminded)):
            done_at[task_id] = float(at)
    must = [t for t in reminded if t["id"] not in done_at]
    must_not = [t for t in reminded if t["id"] in done_at and done_at[t["id"]] < parse_time(t["remind_at"])]
    unacknowledged = [t["id"] for t in must_not if t["id"] not in completed]
    due_by = {t["title"]: max(a.faults_end, parse_time(t["remind_at"])) + a.within for t in must}
    while True:
        mails = {}
        for name in sorted(os.listdir(a.maildir)):
            if not name.endswith(".eml"):
                continue
            with open(os.path.join(a.maildir, name), "rb") as f:
                subject = email.message_from_binary_file(f, policy=email.policy.default)["subject"] or ""
            mails.setdefault(subject.removeprefix("Reminder: "), []).append(float(name.split("-")[0]))
        waiting = [t for t in must if t["title"] not in mails]
        if not waiting or time.time() > max(due_by.values(), default=0):
            break
        time.sleep(0.5)
    twice = {k: len(v) for k, v in mails.items() if len(v) > 1 and k.startswith("chaos-")}
    late = [(t, round(min(mails[t]) - due_by[t] + a.within, 1)) for t in due_by if t in mails and min(mails[t]) > due_by[t]]
    sent_anyway = [t["title"] for t in must_not if t["title"] in mails]
    if waiting:
        failures.append(f"{len(waiting)} of {len(must)} reminders still due never reached the SMTP server: {[t['title'] for t in waiting[:5]]}")
    if late:
        failures.append(f"{len(late)} reminders arrived more than {a.within} s after the faults ended or their time: {late[:5]}")
    if twice:
        failures.append(f"reminders sent more than once: {dict(list(twice.items())[:5])}")
    if sent_anyway:
        failures.append(f"reminders of tasks completed before their time were sent: {sent_anyway[:5]}")
    if not (waiting or late or twice or sent_anyway):
        worst = max((min(mails[t]) - max(a.faults_end, parse_time(x["remind_at"])) for x in must for t in [x["title"]]), default=0)
        print("ok " + f"all {len(must)} reminders still due arrived once, within {worst:.1f} s of their time or of the faults ending; "
              f"{len(must_not)} of tasks completed first were cancelled, none sent ({len(unacknowledged)} of those completions got no answer)")
    stuck = psql(a.database_url, "SELECT count(*) FROM reminders WHERE state = 'pending' AND remind_at < now() - interval '30 seconds'")[0][0]
    if stuck != "0":
        failures.append(f"{stuck} reminders are still pending more than 30 s after their time")
    for f in failures:
        print("FAIL " + f)
    if failures:
        raise SystemExit(1)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    lp = sub.add_parser("load")
    lp.add_argument("--url", required=True)
    lp.add_argument("--seconds", type=float, required=True)
    lp.add_argument("--clients", type=int, default=6)
    lp.add_argument("--remind-after", type=float, default=4)
    lp.add_argument("--out", required=True)
    bp = sub.add_parser("backlog")
    bp.add_argument("--url", required=True)
    bp.add_argument("--tasks", type=int, default=200)
    cp = sub.add_parser("check")
    cp.add_argument("--load", required=True)
    cp.add_argument("--database-url", required=True)
    cp.add_argument("--maildir", required=True)
    cp.add_argument("--faults-end", type=float, required=True)
    cp.add_argument("--within", type=float, default=30)
    a = p.parse_args()
    {"load": load, "backlog": backlog, "check": check}[a.command](a)


if __name__ == "__main__":
    main()
