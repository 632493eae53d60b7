"""Checks that the Grafana dashboard and the Prometheus rules only query metrics the services
really emit, and that docs/MONITORING.md documents every metric they emit.

  check-monitoring.py SCRAPE...   (files holding /metrics output of running roles)

Metric names come from the scrapes (histogram series lose their _bucket/_sum/_count); a query's
metric names are its identifiers outside label matchers and by/on/without/ignoring lists, minus
PromQL's functions and keywords; recording rules defined in rules.yaml count as metrics; `up`
comes from Prometheus itself. Exits non-zero naming what is wrong.
"""
import json, re, sys

FUNCS = set("""sum rate irate increase delta idelta max min avg count stddev stdvar topk bottomk quantile
histogram_quantile clamp_min clamp_max abs ceil floor round label_replace label_join vector scalar
time absent absent_over_time max_over_time min_over_time avg_over_time sum_over_time count_over_time
by on without ignoring group_left group_right bool and or unless offset humanize""".split())


def emitted(files):
    names = set()
    for f in files:
        for line in open(f):
            if line.startswith("#") or not line.strip():
                continue
            name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
            names.add(re.sub(r"_(bucket|sum|count)$", "", name) if re.search(r"_(bucket|sum|count)$", name) else name)
    return names


def queried(expr):
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range selectors
    expr = re.sub(r'"[^"]*"', "", expr)
    names = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)", expr):
        word = m.group(1)
        if word in FUNCS or re.fullmatch(r"[0-9.e+-]+", word):
            continue
        names.add(re.sub(r"_(bucket|sum|count)$", "", word))
    return names


def rules_exprs(path):
    # rules.yaml is simple enough to read without a YAML library: expr: one line, or a block.
    exprs, recorded, lines = [], set(), open(path).read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"\s*- record:\s*(\S+)", line)
        if m:
            recorded.add(m.group(1))
        m = re.match(r"(\s*)expr:\s*(.*)", line)
        if m:
            indent, rest = len(m.group(1)), m.group(2)
            if rest.strip() == "|":
                block = []
                i += 1
                while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                    block.append(lines[i].strip())
                    i += 1
                exprs.append(" ".join(block))
                continue
            exprs.append(rest)
        i += 1
    return exprs, recorded


def main():
    have = emitted(sys.argv[1:]) | {"up"}
    exprs, recorded = rules_exprs("deploy/prometheus/rules.yaml")
    have |= recorded
    dashboard = json.load(open("deploy/grafana/todo-dashboard.json"))
    exprs += [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    problems = []
    for e in exprs:
        for name in sorted(queried(e) - have):
            problems.append(f"queries {name}, which no service emitted: {e}")
    docs = open("docs/MONITORING.md").read()
    for name in sorted(emitted(sys.argv[1:])):
        if f"`{name}`" not in docs:
            problems.append(f"{name} is emitted but not documented in docs/MONITORING.md")
    for p in problems:
        print("FAIL:", p)
    print(f"{len(exprs)} queries checked against {len(have)} metrics: {'ok' if not problems else f'{len(problems)} problems'}")
    sys.exit(1 if problems else 0)


main()
