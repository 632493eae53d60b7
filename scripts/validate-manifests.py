#!/usr/bin/env python3
"""Schema validation of every object in the given manifest files: built-in kinds against
Kubernetes' OpenAPI schemas (kubernetes-validate, strict: unknown fields are errors), custom
resources (Dapr, Strimzi, Prometheus Operator) against deploy/schemas/custom-resources.yaml. A kind
neither knows is an error, not a warning.

  scripts/validate-manifests.py [--kubernetes-version 1.30] FILE...
  scripts/validate-manifests.py --self-test      (each validator refuses a broken object)
"""
import argparse
import copy
import os
import sys

import jsonschema
import kubernetes_validate
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "deploy/schemas/custom-resources.yaml")) as f:
    CUSTOM = yaml.safe_load(f)


def problems(doc, version):
    """The reasons `doc` is invalid (empty when it is valid)."""
    key = f"{doc.get('apiVersion')}/{doc.get('kind')}"
    if key in CUSTOM["kinds"]:
        schema = dict(CUSTOM["kinds"][key], definitions=CUSTOM["definitions"])
        validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
        return [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(doc)]
    try:
        kubernetes_validate.validate(doc, version, strict=True)
        return []
    except kubernetes_validate.ValidationError as e:
        return [f"{'.'.join(map(str, e.path)) or '(root)'}: {e.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"no schema for {key}: neither a Kubernetes kind nor one in deploy/schemas/custom-resources.yaml"]


def documents(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def self_test(version):
    """Each validator must refuse an object with a misspelt field or a wrong type."""
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
                  "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
                           "spec": {"containers": [{"name": "x", "image": "x"}]}}}}
    component = {"apiVersion": "dapr.io/v1alpha1", "kind": "Component", "metadata": {"name": "pubsub-kafka"},
                 "spec": {"type": "pubsub.kafka", "version": "v1", "metadata": [{"name": "brokers", "value": "k:9092"}]}}
    topic = {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic",
             "metadata": {"name": "reminders", "labels": {"strimzi.io/cluster": "c"}}, "spec": {"partitions": 12, "replicas": 3}}
    cases = []
    for good, mutate in [
        (deployment, lambda d: d["spec"].update(replica=2)),
        (deployment, lambda d: d["spec"]["template"]["spec"]["containers"][0].update(ports=[{"containerPort": "8000"}])),
        (component, lambda d: d["spec"].update(metdata=[])),
        (component, lambda d: d["spec"]["metadata"][0].pop("value")),
        (topic, lambda d: d["metadata"]["labels"].clear()),
        (topic, lambda d: d["spec"].update(partitions="12")),
        ({"apiVersion": "example.com/v1", "kind": "Unknown", "metadata": {"name": "u"}}, None),
    ]:
        if mutate:
            assert not problems(good, version), f"the valid {good['kind']} was refused: {problems(good, version)}"
            bad = copy.deepcopy(good)
            mutate(bad)
        else:
            bad = good
        cases.append((bad["kind"], problems(bad, version)))
    missed = [kind for kind, found in cases if not found]
    for kind, found in cases:
        print(f"{'ok  ' if found else 'MISS'} broken {kind}: {found[0] if found else 'accepted'}")
    return 1 if missed else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kubernetes-version", default="1.30")
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    if args.self_test:
        return self_test(args.kubernetes_version)
    failed = checked = 0
    for path in args.files:
        for doc in documents(path):
            checked += 1
            found = problems(doc, args.kubernetes_version)
            name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            for p in found:
                print(f"ERROR {path}: {name}: {p}")
            failed += bool(found)
    print(f"{checked} objects in {len(args.files)} files checked against Kubernetes {args.kubernetes_version} and the custom resource schemas: {failed} invalid")
    return 1 if failed or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
