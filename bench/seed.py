"""Seeds a running Todo server through its API: USERS people with TASKS tasks each.
Writes one line per user to OUT: the access token, p: and the id of their Work project, then a
sample of that user's task ids. Each person has projects Work and Home besides the Inbox.
An optional sixth argument is the email prefix (default bench: bench0@example.com, …)."""
import http.client, json, random, sys, threading

host, port, users, tasks, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
prefix = sys.argv[6] if len(sys.argv) > 6 else "bench"
PRIOS = ["none", "low", "medium", "high", "urgent"]
TAGS = ["work", "home", "errands", "q4", "health", "money"]
lines = [None] * users

def call(conn, method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token: headers["authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse(); data = r.read()
    if r.status >= 300: raise RuntimeError(f"{method} {path} -> {r.status} {data[:200]}")
    return json.loads(data) if data else None

def seed(u):
    rng = random.Random(u)
    conn = http.client.HTTPConnection(host, port)
    email = f"{prefix}{u}@example.com"
    call(conn, "POST", "/api/v1/auth/signup", {"email": email, "password": "bench-password", "display_name": f"B{u}", "time_zone": "Europe/Berlin"})
    token = call(conn, "POST", "/api/v1/auth/login", {"email": email, "password": "bench-password"})["access_token"]
    # Two projects besides the Inbox; a third of the tasks in each, every fifth Work task a subtask
    # of the Work task before it (the project scenario lists Work in manual order).
    try:
        work = call(conn, "POST", "/api/v1/projects", {"name": "Work"}, token)["id"]
        home = call(conn, "POST", "/api/v1/projects", {"name": "Home"}, token)["id"]
    except RuntimeError:  # a build from before projects (an A/B against an earlier commit)
        work = home = None
    ids = []
    last_work = None
    for i in range(tasks):
        body = {"title": f"Task {i} of user {u} about {rng.choice(['report', 'milk', 'meeting', 'invoice', 'gym'])}",
                "priority": rng.choice(PRIOS), "tags": rng.sample(TAGS, rng.randint(0, 2))}
        if rng.random() < 0.7:
            body["due"] = {"date_time": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(6, 20):02d}:00"}
        if work is None:
            pass
        elif i % 3 == 0:
            if last_work and i % 5 == 0:
                body["parent_id"] = last_work
            else:
                body["project_id"] = work
        elif i % 3 == 1:
            body["project_id"] = home
        ids.append(call(conn, "POST", "/api/v1/tasks", body, token)["id"])
        if i % 3 == 0 and "parent_id" not in body:
            last_work = ids[-1]
    lines[u] = token + (" p:" + work if work else "") + " " + " ".join(rng.sample(ids, min(50, len(ids))))

def worker(k, n):
    for u in range(k, users, n): seed(u)

threads = [threading.Thread(target=worker, args=(k, 8)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
open(out, "w").write("\n".join(lines) + "\n")
