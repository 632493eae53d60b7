"""Seeds, after seed.py, the sharing scenarios of bench/api.sh: bench0 holds a project of TASKS
tasks (default 10,000) shared with bench1..bench4 (five people, editors), and bench5 has a personal
project of the same size made the same way (the same titles, priorities, tags, dues, and every
fifth task a subtask). Writes OUT: `shared <member token> <project id>` per member and `big
<token> <project id>`: both scenarios list a 10,000-task project in manual order, one shared, one
not."""
import http.client, json, random, sys, threading

host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
tasks = int(sys.argv[4]) if len(sys.argv) > 4 else 10_000
PRIOS = ["none", "low", "medium", "high", "urgent"]
TAGS = ["work", "home", "errands", "q4", "health", "money"]

def call(conn, method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token: headers["authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse(); data = r.read()
    if r.status >= 300: raise RuntimeError(f"{method} {path} -> {r.status} {data[:200]}")
    return json.loads(data) if data else None

conn = http.client.HTTPConnection(host, port)
token = [call(conn, "POST", "/api/v1/auth/login", {"email": f"bench{u}@example.com", "password": "bench-password"})["access_token"] for u in range(6)]

def fill(owner, project):
    """TASKS tasks in 8 threads, each its own slice; every fifth a subtask of the one before it."""
    def slice_(k):
        rng = random.Random(k)
        c = http.client.HTTPConnection(host, port)
        last = None
        for i in range(k, tasks, 8):
            body = {"title": f"Task {i} about {rng.choice(['report', 'milk', 'meeting', 'invoice', 'gym'])}", "priority": rng.choice(PRIOS),
                    "tags": rng.sample(TAGS, rng.randint(0, 2)), "project_id": project}
            if rng.random() < 0.7:
                body["due"] = {"date_time": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(6, 20):02d}:00"}
            if last and (i // 8) % 5 == 4:
                body = {**body, "parent_id": last}
                del body["project_id"]
            created = call(c, "POST", "/api/v1/tasks", body, owner)["id"]
            if "parent_id" not in body: last = created
    threads = [threading.Thread(target=slice_, args=(k,)) for k in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()

shared = call(conn, "POST", "/api/v1/projects", {"name": "Shared"}, token[0])["id"]
big = call(conn, "POST", "/api/v1/projects", {"name": "Big"}, token[5])["id"]
for member in range(1, 5):
    invitation = call(conn, "POST", f"/api/v1/projects/{shared}/invitations", {"email": f"bench{member}@example.com", "role": "editor"}, token[0])
    call(conn, "POST", "/api/v1/invitations/accept", {"token": invitation["link"].rsplit("/", 1)[1]}, token[member])
fill(token[0], shared)
fill(token[5], big)
people = call(conn, "GET", f"/api/v1/projects/{shared}/members", None, token[1])["items"]
assert len(people) == 5, people
open(out, "w").write("".join(f"shared {token[m]} {shared}\n" for m in range(1, 5)) + f"big {token[5]} {big}\n")
