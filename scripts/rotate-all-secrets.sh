#!/usr/bin/env bash
# Rotates Todo's secrets in Kubernetes (the runbook's security-incident step) and restarts the
# deployments so they load them:
#   JWT_SECRET     a new signing key goes in front (it signs from now on); the previous key stays
#                  so sessions keep working until their access tokens expire (1 h) — or, with
#                  --revoke-old, is dropped (everyone signs in again: a leaked key).
#   ADMIN_TOKEN    a new token; the old one stays accepted for the overlap unless --revoke-old.
#   DATABASE_URL   a new password for its role (ALTER ROLE through psql with the current URL), the
#                  URL updated; --skip-database leaves it alone (a managed database rotated elsewhere).
#   SMTP_PASSWORD  only when NEW_SMTP_PASSWORD is set (the mail provider issues it).
# Then: kubectl rollout restart of backend, recurring-task-service and notification-service, and
# waits for them. Prints the new ADMIN_TOKEN once (nothing else secret is printed).
#
#   scripts/rotate-all-secrets.sh [--dry-run] [--revoke-old] [--skip-database]
#                                 [--namespace todo] [--secret todo-secrets]
# --dry-run reads the current secret and prints what it would run (secrets masked), changing nothing.
# Needs kubectl, jq, openssl, base64, and psql unless --skip-database.
set -euo pipefail
NAMESPACE=todo SECRET=todo-secrets DRY=0 REVOKE=0 SKIP_DB=0
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) DRY=1 ;;
    --revoke-old) REVOKE=1 ;;
    --skip-database) SKIP_DB=1 ;;
    --namespace) NAMESPACE=$2; shift ;;
    --secret) SECRET=$2; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
DEPLOYMENTS=(backend recurring-task-service notification-service)
say() { echo "rotate-all-secrets: $*"; }
run() {  # runs a mutating command, or prints it under --dry-run
  if [ $DRY = 1 ]; then echo "would run: $*"; else "$@"; fi
}

current=$(kubectl -n "$NAMESPACE" get secret "$SECRET" -o json) || { echo "cannot read secret $NAMESPACE/$SECRET" >&2; exit 1; }
get() { jq -r --arg k "$1" '.data[$k] // empty' <<<"$current" | base64 -d; }

# JWT_SECRET: "kid:secret,kid:secret…", the first signs
old_jwt=$(get JWT_SECRET)
kid="k$(date -u +%Y%m%d%H%M%S)"
new_jwt="$kid:$(openssl rand -hex 32)"
if [ $REVOKE = 0 ] && [ -n "$old_jwt" ]; then new_jwt="$new_jwt,${old_jwt%%,*}"; fi
say "JWT_SECRET: new signing key $kid$([ $REVOKE = 1 ] && echo ', previous keys revoked' || echo ", previous key ${old_jwt%%:*} kept for verification")"

old_admin=$(get ADMIN_TOKEN)
admin=$(openssl rand -hex 32)
new_admin=$admin
if [ $REVOKE = 0 ] && [ -n "$old_admin" ]; then new_admin="$admin,${old_admin%%,*}"; fi
say "ADMIN_TOKEN: new token$([ $REVOKE = 1 ] && echo ', previous revoked' || echo ', previous still accepted until the next rotation')"

new_url=$(get DATABASE_URL)
if [ $SKIP_DB = 0 ] && [ -n "$new_url" ]; then
  user=$(sed -E 's#^[a-z]+://([^:@/]+).*#\1#' <<<"$new_url")
  password=$(openssl rand -hex 24)
  new_url=$(sed -E "s#^([a-z]+://[^:@/]+):[^@]*@#\1:$password@#" <<<"$new_url")
  say "DATABASE_URL: new password for role $user"
  if [ $DRY = 1 ]; then
    echo "would run: psql <current DATABASE_URL> -c \"ALTER ROLE \\\"$user\\\" PASSWORD '***'\""
  else
    psql "$(get DATABASE_URL)" -v ON_ERROR_STOP=1 -qc "ALTER ROLE \"$user\" PASSWORD '$password'"
  fi
fi

new_smtp=$(get SMTP_PASSWORD)
if [ -n "${NEW_SMTP_PASSWORD:-}" ]; then new_smtp=$NEW_SMTP_PASSWORD; say "SMTP_PASSWORD: replaced"; else say "SMTP_PASSWORD: unchanged (set NEW_SMTP_PASSWORD after the provider issues one)"; fi

manifest=$(jq --arg jwt "$new_jwt" --arg admin "$new_admin" --arg url "$new_url" --arg smtp "$new_smtp" '
  def b64: @base64;
  {apiVersion: "v1", kind: "Secret", type: (.type // "Opaque"),
   metadata: {name: .metadata.name, namespace: .metadata.namespace, labels: (.metadata.labels // {})},
   data: (.data + {JWT_SECRET: ($jwt | b64), ADMIN_TOKEN: ($admin | b64)}
          + (if $url == "" then {} else {DATABASE_URL: ($url | b64)} end)
          + (if $smtp == "" then {} else {SMTP_PASSWORD: ($smtp | b64)} end))}' <<<"$current")
if [ $DRY = 1 ]; then
  echo "would run: kubectl -n $NAMESPACE apply -f - (secret $SECRET with keys: $(jq -r '.data | keys | join(", ")' <<<"$manifest"))"
else
  kubectl -n "$NAMESPACE" apply -f - <<<"$manifest" >/dev/null
fi
for d in "${DEPLOYMENTS[@]}"; do run kubectl -n "$NAMESPACE" rollout restart "deployment/$d"; done
for d in "${DEPLOYMENTS[@]}"; do run kubectl -n "$NAMESPACE" rollout status "deployment/$d" --timeout=300s; done
if [ $DRY = 1 ]; then say "dry run: nothing changed"; else say "done. New ADMIN_TOKEN (give it to the operators; shown once): $admin"; fi
