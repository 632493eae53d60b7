#!/usr/bin/env python3
"""`helm lint` and `helm template` for CI, through the Helm library itself (Helm v4's Go SDK,
shipped as a shared library by the PyPI package helm-python-sdk: no Helm binary can be
downloaded here). Values files merge left to right, like helm's -f.

  scripts/helm.py lint     CHART [-f VALUES]... [--namespace NS]
  scripts/helm.py template CHART [-f VALUES]... [--namespace NS] [--release NAME] [--output-dir DIR]
"""
import argparse
import os
import sys

import yaml
from helm_python import chart as helm_chart


def merged_values(files):
    def merge(base, extra):
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                merge(base[key], value)
            else:
                base[key] = value
        return base
    values = {}
    for path in files:
        with open(path) as f:
            merge(values, yaml.safe_load(f) or {})
    return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["lint", "template"])
    parser.add_argument("chart")
    parser.add_argument("-f", "--values", action="append", default=[])
    parser.add_argument("--namespace", default="todo")
    parser.add_argument("--release", default="todo")
    parser.add_argument("--output-dir")
    args = parser.parse_args()
    values = merged_values(args.values)
    if args.command == "lint":
        report = helm_chart.lint(args.chart, values, strict=True, namespace=args.namespace)
        severities = {0: "UNKNOWN", 1: "INFO", 2: "WARNING", 3: "ERROR"}
        for m in report.get("messages") or []:
            print(f"[{severities.get(m.get('severity'), m.get('severity'))}] {m.get('path')}: {m.get('error')}")
        errors = report.get("errors") or []
        for e in errors:
            print(f"ERROR {e}")
        bad = errors or [m for m in report.get("messages") or [] if m.get("severity", 0) >= 2]
        print(f"{args.chart} {' '.join(args.values) or '(defaults)'}: {'FAILED' if bad else 'ok'}, {report.get('total_charts_linted')} chart(s) linted")
        return 1 if bad else 0
    chart = helm_chart.Chart.load(args.chart)
    rendered = chart.render(values, name=args.release, namespace=args.namespace, is_install=True)
    documents = []
    for path in sorted(rendered):
        text = rendered[path].strip()
        if not path.endswith((".yaml", ".yml")) or not text:
            continue
        for doc in text.split("\n---"):
            doc = doc.strip().removeprefix("---").strip()
            if doc and yaml.safe_load(doc) is not None:
                documents.append(f"# Source: {path}\n{doc}\n")
    output = "---\n".join(documents)
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
        with open(os.path.join(args.output_dir, "todo.yaml"), "w") as f:
            f.write(output)
    else:
        sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
