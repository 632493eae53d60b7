#!/usr/bin/env bash
# The deployment, proven without a cluster (none can run here): for every values profile the chart
# lints (helm lint --strict, through Helm's own library) and renders; every rendered object, the
# plain manifests in deploy/k8s/ and deploy/minikube/ pass schema validation (Kubernetes' schemas;
# Dapr, Strimzi and Prometheus Operator objects against deploy/schemas/); checkov finds nothing it
# was not told to skip (with a reason, in the chart); deploy/k8s/todo.yaml is fresh; the chart's
# environment, ports, app ids, pub/sub, topics and consumer groups agree with the binary.
# Each check is also shown to fail on a broken input.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import helm_python, kubernetes_validate' 2>/dev/null && command -v checkov >/dev/null ||
  python3 -m pip install -q --root-user-action=ignore helm-python-sdk==0.2.2 kubernetes-validate==1.37.0 checkov==3.3.30
CHART=deploy/helm/todo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*" >&2; exit 1; }

profiles=(default minikube oke)
for p in "${profiles[@]}"; do
  values=(); [ "$p" = default ] || values=(-f "$CHART/values-$p.yaml")
  out=$(python3 scripts/helm.py lint "$CHART" "${values[@]}" 2>&1) || fail "helm lint ($p): $out"
  mkdir -p "$work/$p"
  python3 scripts/helm.py template "$CHART" "${values[@]}" >"$work/$p/todo.yaml" 2>"$work/$p/err" || fail "helm template ($p): $(cat "$work/$p/err")"
  ok "helm lint --strict and helm template: profile $p ($(grep -c '^kind:' "$work/$p/todo.yaml") objects)"
done
# the chart refuses more consumers than partitions
if python3 scripts/helm.py template "$CHART" -f <(printf 'roles:\n  recurring-task-service:\n    autoscaling: {maxReplicas: 13}\n') >/dev/null 2>"$work/err"; then
  fail "the chart rendered an HPA with more replicas than partitions"
fi
grep -q "exceeds the partitions" "$work/err" || fail "the partition guard failed for another reason: $(tail -3 "$work/err")"
ok "the chart refuses maxReplicas above the partition count"

out=$(python3 scripts/validate-manifests.py --self-test) || fail "the validator accepted a broken object: $out"
out=$(python3 scripts/validate-manifests.py "$work"/*/todo.yaml deploy/k8s/*.yaml deploy/minikube/*.yaml) || fail "schema validation: $out"
ok "schema validation: $(tail -1 <<<"$out")"

checkov_run() { checkov -d "$1" --framework kubernetes --quiet --compact 2>&1; }
for dir in "$work"/default "$work"/minikube "$work"/oke deploy/k8s; do
  out=$(checkov_run "$dir") || fail "checkov on $dir: $out"
  summary=$(grep -m1 "Passed checks" <<<"$out" || echo "no findings")
  ok "checkov $dir: $summary"
done
out=$(checkov --framework dockerfile -f Dockerfile --quiet --compact 2>&1) || fail "checkov on the Dockerfile: $out"
ok "checkov Dockerfile: $(grep -m1 "Passed checks" <<<"$out" || echo "no findings")"
# checkov is really looking: a writable root filesystem is caught
mkdir -p "$work/mutated"
sed 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' "$work/default/todo.yaml" >"$work/mutated/todo.yaml"
if checkov_run "$work/mutated" >"$work/mutated.out"; then fail "checkov passed a writable root filesystem"; fi
grep -q "CKV_K8S_22" "$work/mutated.out" || fail "checkov failed the mutated chart for another reason: $(grep -m3 'Check:' "$work/mutated.out")"
ok "checkov refuses the chart with a writable root filesystem (CKV_K8S_22)"

scripts/render-manifests.sh --check >/dev/null || fail "deploy/k8s/todo.yaml is stale (scripts/render-manifests.sh)"
ok "deploy/k8s/todo.yaml is what the chart renders"

out=$(python3 scripts/check-deploy-contract.py "$work"/default/todo.yaml "$work"/minikube/todo.yaml "$work"/oke/todo.yaml 2>&1) ||
  fail "the chart and the binary disagree: $(grep -v '^ok' <<<"$out")"
ok "the chart and the binary agree: $(grep -c '^ok' <<<"$out") checks (environment, ports, app ids, pub/sub, topics, consumer groups, lag metric)"
echo "$passed passed, 0 failed"
