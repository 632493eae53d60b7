"""Every module a target imports is declared in Package.swift (as a target or a product it
depends on), not reached through another package's dependencies — which would break the day
that package stops depending on it. Exits 1 naming each undeclared import.

  python3 scripts/check-imports.py        (runs `swift package dump-package`)
"""
import json, os, re, subprocess, sys

SYSTEM = {"Foundation", "FoundationEssentials", "Synchronization", "Dispatch", "Glibc", "Testing", "XCTest", "_Concurrency"}
manifest = json.loads(subprocess.run(["swift", "package", "dump-package"], check=True, capture_output=True, text=True).stdout)
problems = []
for target in manifest["targets"]:
    declared = set()
    for dep in target.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in dep:
                declared.add(dep[kind][0])
    root = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", target["name"])
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".swift"):
                continue
            path = os.path.join(folder, name)
            for line in open(path, encoding="utf-8"):
                m = re.match(r"\s*(?:@\w+\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)", line)
                if m and m.group(1) not in SYSTEM and m.group(1) not in declared:
                    problems.append(f"{path}: imports {m.group(1)}, which target {target['name']} does not declare")
for p in sorted(set(problems)):
    print(p)
if problems:
    sys.exit(1)
print(f"every import of the {len(manifest['targets'])} targets is declared in Package.swift")
