#!/usr/bin/env python3
"""bench/webhooks.sh's measurement: a receiver that verifies each delivery (standardwebhooks) and
notes when it arrived; tasks created at a steady rate; the latency of each event is its arrival
minus the CloudEvent's `time`.   webhook-latency.py LABEL COUNT RATE  (BASE_URL, RECEIVER_PORT)"""
import datetime as dt
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from e2e_api import api, call, fail  # noqa: E402

label, count, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
latencies = []
seen = set()
duplicates = []
secret = {}


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        arrived = time.time()
        Webhook(secret["value"]).verify(body, {k.lower(): v for k, v in self.headers.items()})
        msg_id = self.headers["webhook-id"]
        if msg_id in seen:
            duplicates.append(msg_id)
        seen.add(msg_id)
        written = dt.datetime.fromisoformat(json.loads(body)["time"].replace("Z", "+00:00")).timestamp()
        latencies.append(arrived - written)
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["RECEIVER_PORT"])), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
call("POST", "/api/v1/auth/signup", {"email": "bench@hooks.test", "password": "bench-pass-1", "display_name": "B"})
token = api("POST", "/api/v1/auth/login", {"email": "bench@hooks.test", "password": "bench-pass-1"})["access_token"]
hook = api("POST", "/api/v1/webhooks", {"url": f"http://127.0.0.1:{os.environ['RECEIVER_PORT']}/hook", "event_types": ["task.created"]}, token, expect=201)
secret["value"] = hook["secret"]
start = time.monotonic()
for i in range(count):
    delay = start + i / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    api("POST", "/api/v1/tasks", {"title": f"Task {i}"}, token, expect=201)
deadline = time.monotonic() + 60
while len(latencies) < count and time.monotonic() < deadline:
    time.sleep(0.05)
if duplicates:
    fail(f"{len(duplicates)} deliveries arrived twice (webhook-id {duplicates[0]})")
if len(latencies) != count:
    fail(f"{len(latencies)} of {count} deliveries arrived")
ms = sorted(x * 1000 for x in latencies)
pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
print(f"{label}: {count} events at {rate:.0f}/s — event → signed POST received: p50 {pick(0.5):.1f} ms, p90 {pick(0.9):.1f} ms, "
      f"p99 {pick(0.99):.1f} ms, max {ms[-1]:.1f} ms")
server.shutdown()
