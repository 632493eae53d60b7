#!/usr/bin/env python3
"""The chart and the binary agree (issue 7's contract test):
  - every environment variable the chart sets (container env and the ConfigMap backend-config) is
    one the binary reads (names found in Sources/ by the forms every read takes; NAME_FILE for
    secrets), and every port is 8000 where the app listens (PORT, containerPort, dapr app-port,
    Service targetPort, probes);
  - each role, started from the binary with the chart's own environment (EVENT_TRANSPORT=dapr),
    answers its probes, and its GET /dapr/subscribe names the chart's pub/sub component, topics
    and dead-letter topics that the chart creates as KafkaTopics; its consumer group (the Dapr app
    id, consumerGroup "{appID}") is the deployment name and the group the HPA's lag metric selects;
  - the prometheus-adapter rule exposes the metric the HPAs use.
The sidecar and Kafka cannot run here: the roles are checked against the documented Dapr contract
(docs/ARCHITECTURE.md, shared reference dapr-contract.md), with no sidecar listening.

  scripts/check-deploy-contract.py RENDERED.yaml [MORE.yaml...]  (the first is the default profile)
  env: TODO_BIN (default .build/debug/todo), TEST_DATABASE_URL (PostgreSQL for the roles, else SQLite)
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("TODO_BIN", os.path.join(ROOT, ".build/debug/todo"))
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def variables_read():
    """Names the binary reads: env["X"], (env, "X", …), secrets.value("X") (and X_FILE), and the
    CONSUMER_RETRY_<TOPIC> family."""
    names, secret = set(), set()
    for folder, _, files in os.walk(os.path.join(ROOT, "Sources")):
        for name in files:
            if not name.endswith(".swift"):
                continue
            text = open(os.path.join(folder, name)).read()
            names |= set(re.findall(r'\benv(?:ironment)?\["([A-Z][A-Z0-9_]+)"\]', text))
            names |= set(re.findall(r'\(env, "([A-Z][A-Z0-9_]+)"', text))
            secret |= set(re.findall(r'secrets\.value\("([A-Z][A-Z0-9_]+)"\)', text))
    names |= secret | {s + "_FILE" for s in secret}
    names |= {"CONSUMER_RETRY_TASK_EVENTS", "CONSUMER_RETRY_REMINDERS"}
    # the scan itself must keep finding what is known to be read, or it is not checking anything
    for known in ["PORT", "HOST", "DATABASE_URL_FILE", "JWT_SECRET", "SMTP_HOST", "PUBSUB_NAME", "LOG_FORMAT", "BACKEND_URL"]:
        if known not in names:
            sys.exit(f"the scan of Sources/ no longer finds {known}: update variables_read()")
    return names


def objects(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def check_static(path, docs, known):
    config = by_kind(docs, "ConfigMap")["backend-config"]["data"]
    for name in sorted(config):
        check(name in known, f"{path}: ConfigMap backend-config sets {name}, which the binary reads")
    check(config.get("PORT") == "8000", f"{path}: backend-config PORT is 8000")
    for name, d in sorted({**by_kind(docs, "Deployment"), **by_kind(docs, "Job")}.items()):
        pod = d["spec"]["template"]
        for c in pod["spec"]["containers"]:
            for e in c.get("env", []):
                check(e["name"] in known, f"{path}: {name} sets {e['name']}, which the binary reads")
            if d["kind"] != "Deployment":
                # a pre-install hook runs before the ConfigMap and the ServiceAccount exist
                check(not c.get("envFrom") and not pod["spec"].get("serviceAccountName"),
                      f"{path}: the {name} hook uses neither the chart's ConfigMap nor its ServiceAccount")
                continue
            check([e.get("configMapRef", {}).get("name") for e in c.get("envFrom", [])] == ["backend-config"],
                  f"{path}: {name} takes its environment from backend-config")
            ports = [p["containerPort"] for p in c.get("ports", [])]
            check(ports == [8000], f"{path}: {name} listens on 8000 ({ports})")
            annotations = pod["metadata"].get("annotations", {})
            if annotations.get("dapr.io/enabled") == "true":
                check(annotations.get("dapr.io/app-id") == name, f"{path}: {name}'s Dapr app id is its deployment name")
                check(annotations.get("dapr.io/app-port") == "8000", f"{path}: {name}'s Dapr app-port is 8000")
                check(annotations.get("dapr.io/app-health-check-path") == "/health", f"{path}: {name}'s Dapr app health check is /health")
            check(c["livenessProbe"]["httpGet"]["path"] == "/health" and c["readinessProbe"]["httpGet"]["path"] == "/health/ready",
                  f"{path}: {name} probes /health and /health/ready")
    for name, s in by_kind(docs, "Service").items():
        check([p["port"] for p in s["spec"]["ports"]] == [8000], f"{path}: Service {name} serves port 8000")
    backend = config.get("BACKEND_URL", "")
    check(backend == "http://backend:8000" and "backend" in by_kind(docs, "Service"), f"{path}: BACKEND_URL ({backend}) is the backend Service")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def run_roles(docs):
    config = by_kind(docs, "ConfigMap")["backend-config"]["data"]
    deployments = by_kind(docs, "Deployment")
    components = {n: c for n, c in by_kind(docs, "Component").items() if c["spec"]["type"].startswith("pubsub.")}
    topics = set(by_kind(docs, "KafkaTopic"))
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    check(list(components) == [config["PUBSUB_NAME"]], f"the pub/sub component is the one PUBSUB_NAME names ({config['PUBSUB_NAME']})")
    component = components[config["PUBSUB_NAME"]]
    meta = {m["name"]: m.get("value") for m in component["spec"]["metadata"]}
    check(meta.get("consumerGroup") == "{appID}", "the consumer group of each role is its Dapr app id")
    kafka_roles = {n for n, p in by_kind(docs, "NetworkPolicy").items()
                   if n in deployments and any("kafka" in json.dumps(rule) for rule in p["spec"].get("egress", []))}
    check(set(component.get("scopes", [])) == kafka_roles and "frontend" not in kafka_roles,
          f"the pub/sub component is scoped to the app ids whose pods may reach Kafka ({sorted(kafka_roles)})")
    work = tempfile.mkdtemp()
    secrets = {"JWT_SECRET_FILE": "k1:" + "s" * 40, "ADMIN_TOKEN_FILE": "a" * 40}
    if os.environ.get("TEST_DATABASE_URL"):
        secrets["DATABASE_URL_FILE"] = os.environ["TEST_DATABASE_URL"]
    for name, value in secrets.items():
        with open(os.path.join(work, name), "w") as f:
            f.write(value)
    # no sidecar listens on DAPR_HTTP_PORT: the relay's publishes fail and wait, as they would
    base = {**os.environ, **config, "TODO_DATA_DIR": os.path.join(work, "data"), "DAPR_HTTP_PORT": str(free_port()), "LOG_LEVEL": "error"}
    base.pop("DATABASE_URL", None)
    migrate_env = dict(base, **({"DATABASE_URL_FILE": os.path.join(work, "DATABASE_URL_FILE")} if "DATABASE_URL_FILE" in secrets else {}))
    subprocess.run([BIN, "migrate"], env=migrate_env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    backend_port = None
    for name in ["backend", "recurring-task-service", "notification-service", "frontend"]:
        d = deployments[name]
        c = d["spec"]["template"]["spec"]["containers"][0]
        env = dict(base, HOST="127.0.0.1", PORT=str(free_port()))
        for e in c.get("env", []):
            if e["name"] in secrets:
                env[e["name"]] = os.path.join(work, e["name"])
        if name == "frontend":
            env["BACKEND_URL"] = f"http://127.0.0.1:{backend_port}"
        log = open(os.path.join(work, name + ".log"), "w")
        process = subprocess.Popen([BIN, *c["args"]], env=env, stdout=log, stderr=log)
        try:
            url = f"http://127.0.0.1:{env['PORT']}"
            for _ in range(100):
                try:
                    status, body = get(url + "/health")
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                check(False, f"{name} (todo {' '.join(c['args'])}) starts with the chart's environment: {open(log.name).read()[-500:]}")
                continue
            check(status == 200 and json.loads(body).get("service") == name,
                  f"{name}: todo {' '.join(c['args'])} starts with the chart's environment and /health names it ({body[:80]!r})")
            status, _ = get(url + "/health/ready")
            check(status in (200, 503), f"{name}: /health/ready answers ({status})")
            if name == "backend":
                backend_port = env["PORT"]
            status, body = get(url + "/dapr/subscribe")
            subscriptions = json.loads(body) if status == 200 else None
            check(isinstance(subscriptions, list), f"{name}: GET /dapr/subscribe answers a list ({status})")
            consumes = {s["topic"] for s in subscriptions or []}
            for s in subscriptions or []:
                check(s["pubsubname"] == config["PUBSUB_NAME"], f"{name} subscribes through {s['pubsubname']}, the chart's component")
                check(s["topic"] in topics and s.get("deadLetterTopic") in topics,
                      f"{name} subscribes to {s['topic']} (dead letters to {s.get('deadLetterTopic')}), both KafkaTopics of the chart")
            hpa = hpas.get(name + "-hpa")
            lag = [m for m in (hpa or {}).get("spec", {}).get("metrics", []) if m["type"] == "External"]
            if consumes:
                selector = lag[0]["external"]["metric"]["selector"]["matchLabels"] if lag else {}
                check(selector.get("consumergroup") == name and {selector.get("topic")} == consumes,
                      f"{name}: its HPA scales on the lag of group {name} on {sorted(consumes)} ({selector})")
            else:
                check(not lag, f"{name} consumes nothing and does not scale on lag")
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
    with open(os.path.join(ROOT, "deploy/prometheus/adapter-values.yaml")) as f:
        adapter = yaml.safe_load(f)
    exposed = [r.get("name", {}).get("as") for r in adapter.get("rules", {}).get("external", [])]
    check("kafka_consumer_lag" in exposed, f"the prometheus-adapter rule exposes kafka_consumer_lag ({exposed})")


def check_dockerfile(known):
    """The image runs the binary as the entrypoint, the role as the argument, as a non-root user,
    listening on 8000; the environment it sets is read by the binary (PATH and the Swift runtime's
    SWIFT_BACKTRACE aside)."""
    text = open(os.path.join(ROOT, "Dockerfile")).read()
    final = text.split("\nFROM ")[-1]  # the run stage
    check('ENTRYPOINT ["todo"]' in final, "Dockerfile: ENTRYPOINT [\"todo\"] (the role is the argument)")
    user = re.findall(r"^USER (\S+)", final, re.M)
    check(user and not user[-1].startswith(("root", "0")), f"Dockerfile: runs as a non-root user ({user})")
    check(re.search(r"^EXPOSE 8000$", final, re.M) is not None, "Dockerfile: EXPOSE 8000")
    env_block = " ".join(m.replace("\\\n", " ") for m in re.findall(r"^ENV ((?:.*\\\n)*.*)$", final, re.M))
    for name in re.findall(r"([A-Z][A-Z0-9_]*)=", env_block):
        if name not in ("PATH", "SWIFT_BACKTRACE"):
            check(name in known, f"Dockerfile sets {name}, which the binary reads")
    check("--static-swift-stdlib" in text, "Dockerfile: the Swift runtime is linked statically")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    known = variables_read()
    check_dockerfile(known)
    for path in sys.argv[1:]:
        check_static(path, objects(path), known)
    run_roles(objects(sys.argv[1]))
    print(f"{len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
