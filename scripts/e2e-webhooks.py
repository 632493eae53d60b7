#!/usr/bin/env python3
"""Webhooks end to end against `todo serve` (BASE_URL, with WEBHOOK_ALLOWED_HOSTS=127.0.0.1) and a
receiver that verifies every delivery with an independent Standard Webhooks implementation (PyPI
`standardwebhooks`):

- task events arrive signed, in the order they happened for a task, with the event id as
  `webhook-id`;
- the receiver down → the delivery is retried with backoff → up → delivered once;
- during a secret rotation both signatures are sent and either secret verifies;
- redelivering sends the same `webhook-id` again; the delivery log shows states, statuses, attempts;
- URLs that resolve to private, loopback, link-local or metadata addresses, or plain http to a host
  the operator did not allow, are refused with 422.

  scripts/e2e-webhooks.sh      (starts the server and runs this)
"""
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from e2e_api import api, call, fail, ok

RECEIVER_PORT = int(os.environ["RECEIVER_PORT"])
received = []  # (webhook-id, type, task id, verified with)
secrets = {}


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified = [name for name, secret in secrets.items() if verifies(secret, body, headers)]
        if not verified:
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(body)
        received.append((headers["webhook-id"], event["type"], event["data"]["task_id"], tuple(verified)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def verifies(secret, body, headers):
    try:
        Webhook(secret).verify(body, headers)
        return True
    except WebhookVerificationError:
        return False


class Running:
    def __init__(self):
        self.server = None

    def start(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", RECEIVER_PORT), Receiver)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


receiver = Running()
receiver.start()

call("POST", "/api/v1/auth/signup", {"email": "hooks@example.com", "password": "webhook-pass-1", "display_name": "Hooks"})
T = api("POST", "/api/v1/auth/login", {"email": "hooks@example.com", "password": "webhook-pass-1"})["access_token"]


def wait_for(what, predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    fail(f"timed out waiting for {what}; received {received}")


# Refused targets: nothing is created.
for url, why in [("https://169.254.169.254/latest/meta-data", "169.254"), ("https://10.0.0.1/hook", "private"),
                 ("https://localhost/hook", "loopback"), ("http://example.com/hook", "https"), ("ftp://x/y", "https"),
                 ("https://[::1]/hook", "loopback"), ("https://user:pw@example.com/", "user")]:
    status, _, body = call("POST", "/api/v1/webhooks", {"url": url}, T)
    if status != 422 or why not in body.decode():
        fail(f"{url} answered {status} {body[:200]!r}, not 422 saying {why}")
if api("GET", "/api/v1/webhooks", token=T)["items"]:
    fail("a refused webhook was created")
ok("private, loopback, link-local (metadata) and plain-http targets are refused with 422, nothing created")

hook = api("POST", "/api/v1/webhooks", {"url": f"http://127.0.0.1:{RECEIVER_PORT}/hook", "event_types": ["task.created", "task.completed"],
                                        "description": "e2e"}, T, expect=201)
secrets["first"] = hook["secret"]
if not hook["secret"].startswith("whsec_") or "secret" in api("GET", f"/api/v1/webhooks/{hook['id']}", token=T):
    fail("the secret is not whsec_… or is shown again")

task = api("POST", "/api/v1/tasks", {"title": "Ship it"}, T, expect=201)
api("POST", f"/api/v1/tasks/{task['id']}/complete", {}, T)
api("PATCH", f"/api/v1/tasks/{task['id']}", {"title": "Shipped"}, T)  # task.updated: not subscribed
wait_for("two deliveries", lambda: len(received) >= 2)
time.sleep(0.5)
if [r[1] for r in received] != ["task.created", "task.completed"] or {r[2] for r in received} != {task["id"]}:
    fail(f"deliveries: {received}")
ok("task.created then task.completed arrive in order, verified by standardwebhooks; an unsubscribed type does not")

# The receiver goes away: retried with backoff, delivered once when it is back.
receiver.stop()
down = api("POST", "/api/v1/tasks", {"title": "While down"}, T, expect=201)
log = lambda: api("GET", f"/api/v1/webhooks/{hook['id']}/deliveries", token=T)["items"]
wait_for("a failed attempt", lambda: any(d["task_id"] == down["id"] and d["attempts"] >= 1 and d["state"] == "pending" for d in log()))
receiver.start()
wait_for("the retried delivery", lambda: any(r[2] == down["id"] for r in received), seconds=60)
time.sleep(1)
if sum(1 for r in received if r[2] == down["id"]) != 1:
    fail(f"the retried event arrived {sum(1 for r in received if r[2] == down['id'])} times")
entry = [d for d in log() if d["task_id"] == down["id"]][0]
if entry["state"] != "delivered" or entry["attempts"] < 2 or entry["last_status"] != 204:
    fail(f"the delivery log says {entry}")
ok(f"receiver down → retried ({entry['attempts']} attempts) → up → delivered once; the log shows it")

# Rotation: both signatures while the old secret overlaps.
rotated = api("POST", f"/api/v1/webhooks/{hook['id']}/rotate-secret", {}, T)
secrets.clear()
secrets["old"], secrets["new"] = hook["secret"], rotated["secret"]
after = api("POST", "/api/v1/tasks", {"title": "After rotation"}, T, expect=201)
wait_for("a delivery after rotation", lambda: any(r[2] == after["id"] for r in received))
if [r[3] for r in received if r[2] == after["id"]] != [("old", "new")]:
    fail(f"after rotation the delivery verified with {[r[3] for r in received if r[2] == after['id']]}")
ok("after rotating, deliveries carry both signatures: the old and the new secret each verify")

# Redelivery: the same webhook-id again.
first = [d for d in log() if d["task_id"] == after["id"]][0]
before = len(received)
api("POST", f"/api/v1/webhooks/{hook['id']}/deliveries/{first['id']}/redeliver", {}, T, expect=202)
wait_for("the redelivery", lambda: len(received) > before)
if received[-1][0] != received[before - 1][0] and received[-1][0] != first["event_id"]:
    fail(f"the redelivery has another webhook-id: {received[-1]} vs {first}")
ok("a redelivery sends the same webhook-id (the event id) again")

# Turning it off stops deliveries.
api("PATCH", f"/api/v1/webhooks/{hook['id']}", {"enabled": False}, T)
count = len(received)
api("POST", "/api/v1/tasks", {"title": "While off"}, T, expect=201)
time.sleep(2)
if len(received) != count:
    fail("a disabled webhook still delivered")
api("DELETE", f"/api/v1/webhooks/{hook['id']}", token=T, expect=204)
ok("a webhook turned off delivers nothing; deleting it answers 204")
receiver.stop()
