"""Recurring tasks through a running Todo API, for the consumer-group checks and bench/events.sh.

  recurring_load.py seed HOST PORT USERS TASKS OUT   create USERS people with TASKS daily tasks each;
                                                     OUT gets one line per task: "<token> <task id>"
  recurring_load.py complete HOST PORT IN [THREADS]  complete every task of IN, in parallel;
                                                     prints how many and the rate
"""
import http.client, json, sys, threading, time


def call(conn, method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path} -> {r.status} {data[:200]!r}")
    return json.loads(data) if data else None


def parallel(n, fn):
    threads = [threading.Thread(target=fn, args=(k, n)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def seed(host, port, users, tasks, out):
    lines = [[] for _ in range(users)]
    stamp = int(time.time() * 1000)

    def worker(k, n):
        conn = http.client.HTTPConnection(host, port)
        for u in range(k, users, n):
            email = f"load{stamp}-{u}@example.com"
            call(conn, "POST", "/api/v1/auth/signup",
                 {"email": email, "password": "load-password", "display_name": f"L{u}", "time_zone": "UTC"})
            token = call(conn, "POST", "/api/v1/auth/login", {"email": email, "password": "load-password"})["access_token"]
            for i in range(tasks):
                task = call(conn, "POST", "/api/v1/tasks",
                            {"title": f"Daily {i} of {u}", "due": {"date_time": "2031-01-06T09:00"},
                             "recurrence": {"rule": "FREQ=DAILY"}}, token)
                lines[u].append(f"{token} {task['id']}")

    parallel(min(8, users), worker)
    with open(out, "w") as f:
        f.write("\n".join(line for user in lines for line in user) + "\n")


def complete(host, port, path, threads=8):
    work = [line.split() for line in open(path) if line.strip()]

    def worker(k, n):
        conn = http.client.HTTPConnection(host, port)
        for token, task in work[k::n]:
            call(conn, "POST", f"/api/v1/tasks/{task}/complete", None, token)

    t0 = time.time()
    parallel(threads, worker)
    dt = time.time() - t0
    print(f"completed {len(work)} tasks in {dt:.2f} s ({len(work) / dt:.0f}/s)")


if __name__ == "__main__":
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if cmd == "seed":
        seed(host, port, int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    elif cmd == "complete":
        complete(host, port, sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 8)
    else:
        sys.exit(__doc__)
