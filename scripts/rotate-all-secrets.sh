#!/usr/bin/env bash
# Rotates Todo's secrets in Kubernetes (the runbook's security-incident step) and restarts the
# deployments so they load them. The secrets are the Helm chart's:
#   app-secrets       jwt-secret   a new signing key goes in front (it signs from now on); the
#                                  previous key stays so sessions keep working until their access
#                                  tokens expire (1 h) — or, with --revoke-old, is dropped
#                                  (everyone signs in again: a leaked key).
#                     admin-token  a new token; the old one stays accepted for the overlap unless
#                                  --revoke-old.
#   database-secrets  url          a new password for its role (ALTER ROLE through psql with the
#                                  current URL), the URL updated; --skip-database leaves it alone
#                                  (a managed database rotated by its provider).
#   smtp-secrets      password     only when NEW_SMTP_PASSWORD is set (the mail provider issues it).
# Then: kubectl rollout restart of backend, recurring-task-service and notification-service, and
# waits for them. Prints the new admin token once (nothing else secret is printed).
#
#   scripts/rotate-all-secrets.sh [--dry-run] [--revoke-old] [--skip-database] [--namespace NS]
# --dry-run reads the current secrets and prints what it would run (secrets masked), changing
# nothing. Without --namespace, kubectl's current namespace. Needs kubectl, jq, openssl, base64,
# and psql unless --skip-database.
set -euo pipefail
NS=() DRY=0 REVOKE=0 SKIP_DB=0
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) DRY=1 ;;
    --revoke-old) REVOKE=1 ;;
    --skip-database) SKIP_DB=1 ;;
    --namespace) NS=(-n "$2"); shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
DEPLOYMENTS=(backend recurring-task-service notification-service)
say() { echo "rotate-all-secrets: $*"; }
run() {  # runs a mutating command, or prints it under --dry-run
  if [ $DRY = 1 ]; then echo "would run: $*"; else "$@"; fi
}
read_secret() {  # name → its JSON ("" when it does not exist)
  kubectl "${NS[@]}" get secret "$1" -o json 2>/dev/null || true
}
field() { jq -r --arg k "$2" '.data[$k] // empty' <<<"$1" | base64 -d; }
# writes back a secret with some keys replaced: secret JSON, then key value pairs
write_secret() {
  local json=$1; shift
  local updates='{}' keys=""
  while [ $# -gt 0 ]; do
    updates=$(jq --arg k "$1" --arg v "$2" '. + {($k): ($v | @base64)}' <<<"$updates")
    keys="$keys${keys:+, }$1"
    shift 2
  done
  local manifest
  manifest=$(jq --argjson u "$updates" '{apiVersion: "v1", kind: "Secret", type: (.type // "Opaque"),
    metadata: ({name: .metadata.name, labels: (.metadata.labels // {})} + (if .metadata.namespace then {namespace: .metadata.namespace} else {} end)),
    data: ((.data // {}) + $u)}' <<<"$json")
  if [ $DRY = 1 ]; then
    echo "would run: kubectl${NS[*]:+ ${NS[*]}} apply -f - (secret $(jq -r .metadata.name <<<"$manifest"): $keys replaced)"
  else
    kubectl "${NS[@]}" apply -f - <<<"$manifest" >/dev/null
  fi
}

app=$(read_secret app-secrets)
[ -n "$app" ] || { echo "cannot read secret app-secrets${NS[*]:+ in ${NS[1]}}" >&2; exit 1; }
old_jwt=$(field "$app" jwt-secret)
kid="k$(date -u +%Y%m%d%H%M%S)"
new_jwt="$kid:$(openssl rand -hex 32)"
if [ $REVOKE = 0 ] && [ -n "$old_jwt" ]; then new_jwt="$new_jwt,${old_jwt%%,*}"; fi
say "jwt-secret: new signing key $kid$([ $REVOKE = 1 ] && echo ', previous keys revoked' || echo ", previous key ${old_jwt%%:*} kept for verification")"
old_admin=$(field "$app" admin-token)
admin=$(openssl rand -hex 32)
new_admin=$admin
if [ $REVOKE = 0 ] && [ -n "$old_admin" ]; then new_admin="$admin,${old_admin%%,*}"; fi
say "admin-token: new token$([ $REVOKE = 1 ] && echo ', previous revoked' || echo ', previous still accepted until the next rotation')"
write_secret "$app" jwt-secret "$new_jwt" admin-token "$new_admin"

if [ $SKIP_DB = 0 ]; then
  db=$(read_secret database-secrets)
  url=$(field "$db" url)
  [ -n "$url" ] || { echo "cannot read url of secret database-secrets (use --skip-database for a database rotated elsewhere)" >&2; exit 1; }
  user=$(sed -E 's#^[a-z]+://([^:@/]+).*#\1#' <<<"$url")
  password=$(openssl rand -hex 24)
  new_url=$(sed -E "s#^([a-z]+://[^:@/]+):[^@]*@#\1:$password@#" <<<"$url")
  say "database-secrets url: new password for role $user"
  if [ $DRY = 1 ]; then
    echo "would run: psql <current url> -c \"ALTER ROLE \\\"$user\\\" PASSWORD '***'\""
  else
    psql "$url" -v ON_ERROR_STOP=1 -qc "ALTER ROLE \"$user\" PASSWORD '$password'"
  fi
  write_secret "$db" url "$new_url"
fi

if [ -n "${NEW_SMTP_PASSWORD:-}" ]; then
  smtp=$(read_secret smtp-secrets)
  [ -n "$smtp" ] || smtp='{"metadata":{"name":"smtp-secrets"},"data":{}}'
  say "smtp-secrets password: replaced"
  write_secret "$smtp" password "$NEW_SMTP_PASSWORD"
else
  say "smtp-secrets password: unchanged (set NEW_SMTP_PASSWORD after the provider issues one)"
fi

for d in "${DEPLOYMENTS[@]}"; do run kubectl "${NS[@]}" rollout restart "deployment/$d"; done
for d in "${DEPLOYMENTS[@]}"; do run kubectl "${NS[@]}" rollout status "deployment/$d" --timeout=300s; done
if [ $DRY = 1 ]; then say "dry run: nothing changed"; else say "done. New admin token (give it to the operators; shown once): $admin"; fi
