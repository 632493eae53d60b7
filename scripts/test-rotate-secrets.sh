#!/usr/bin/env bash
# Tests scripts/rotate-all-secrets.sh. Kubernetes cannot run here, so `kubectl` is a stand-in
# written from kubectl's documented behaviour for the three calls the script makes (get secret -o
# json, apply -f -, rollout restart|status); the database part is real: the role's password is
# changed on the test PostgreSQL (TEST_DATABASE_URL). That cluster trusts local TCP connections,
# so the check is the stored password hash (pg_authid) changing, plus the new URL connecting.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${TEST_DATABASE_URL:-}" ] || { echo "skip - rotate-all-secrets.sh's test needs TEST_DATABASE_URL"; exit 0; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }

mkdir -p "$WORK/bin"
cat >"$WORK/bin/kubectl" <<'STUB'
#!/usr/bin/env bash
# stand-in kubectl: -n NS get secret NAME -o json | -n NS apply -f - | -n NS rollout restart|status deployment/X
echo "kubectl $*" >>"$STUB/calls"
shift 2
case "$1 $2" in
  "get secret") cat "$STUB/secret.json" ;;
  "apply -f") cat >"$STUB/secret.json"; cp "$STUB/secret.json" "$STUB/applied.json" ;;
  "rollout restart"|"rollout status") ;;
  *) echo "stand-in kubectl: unexpected $*" >&2; exit 1 ;;
esac
STUB
chmod +x "$WORK/bin/kubectl"
export STUB="$WORK" PATH="$WORK/bin:$PATH"

base=${TEST_DATABASE_URL%%\?*}; base=${base%/*}; db=${TEST_DATABASE_URL%%\?*}; db=${db##*/}
hostport=$(sed -E 's#^[a-z]+://[^@]*@([^/]+)/.*#\1#' <<<"$TEST_DATABASE_URL")
psql "$base/postgres" -qc "DROP ROLE IF EXISTS rotate_test" -c "CREATE ROLE rotate_test LOGIN PASSWORD 'old-password'" >/dev/null
OLD_URL="postgres://rotate_test:old-password@$hostport/$db?sslmode=disable"
b64() { printf '%s' "$1" | base64 -w0; }
jq -n --arg jwt "$(b64 k1:0123456789abcdef0123456789abcdef)" --arg admin "$(b64 old-admin-token)" --arg url "$(b64 "$OLD_URL")" \
  --arg smtp "$(b64 smtp-old)" --arg other "$(b64 keep-me)" \
  '{apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: {name: "todo-secrets", namespace: "todo"},
    data: {JWT_SECRET: $jwt, ADMIN_TOKEN: $admin, DATABASE_URL: $url, SMTP_PASSWORD: $smtp, OTHER: $other}}' >"$WORK/secret.json"
field() { jq -r --arg k "$1" '.data[$k]' "$WORK/secret.json" | base64 -d; }
connects() { psql "$1" -tAqc "SELECT current_user" 2>/dev/null | grep -qx rotate_test; }
hash() { psql "$base/postgres" -tAqc "SELECT rolpassword FROM pg_authid WHERE rolname = 'rotate_test'"; }
HASH0=$(hash)
[ -n "$HASH0" ] || fail "cannot read the role's password hash (the test user must be a superuser)"

out=$(scripts/rotate-all-secrets.sh --dry-run)
[ ! -f "$WORK/applied.json" ] || fail "--dry-run applied the secret"
! grep -q "rollout restart" "$WORK/calls" || fail "--dry-run restarted deployments"
[ "$(hash)" = "$HASH0" ] || fail "--dry-run changed the database password"
grep -q "would run: kubectl -n todo rollout restart deployment/backend" <<<"$out" || fail "--dry-run did not say what it would do: $out"
! grep -q "old-password\|old-admin-token\|0123456789abcdef0123" <<<"$out" || fail "--dry-run printed a secret"
ok "--dry-run reads the secret, prints the plan with secrets masked, changes nothing"

: >"$WORK/calls"
out=$(scripts/rotate-all-secrets.sh)
jwt=$(field JWT_SECRET)
[[ $jwt =~ ^k[0-9]{14}:[0-9a-f]{64},k1:0123456789abcdef0123456789abcdef$ ]] || fail "JWT_SECRET is not new key first, old kept: $jwt"
[[ $(field ADMIN_TOKEN) =~ ^[0-9a-f]{64},old-admin-token$ ]] || fail "ADMIN_TOKEN is not new + old: $(field ADMIN_TOKEN)"
new_admin=$(field ADMIN_TOKEN); new_admin=${new_admin%%,*}
grep -q "New ADMIN_TOKEN.*$new_admin" <<<"$out" || fail "the new admin token was not shown"
NEW_URL=$(field DATABASE_URL)
[ "$NEW_URL" != "$OLD_URL" ] || fail "DATABASE_URL unchanged"
connects "$NEW_URL" || fail "the new DATABASE_URL does not connect"
[ "$(hash)" != "$HASH0" ] || fail "the database password was not changed"
[ "$(field SMTP_PASSWORD)" = smtp-old ] && [ "$(field OTHER)" = keep-me ] || fail "other keys were not kept"
for d in backend recurring-task-service notification-service; do
  grep -q "rollout restart deployment/$d" "$WORK/calls" && grep -q "rollout status deployment/$d" "$WORK/calls" || fail "$d was not restarted and waited for"
done
ok "rotation: new signing key in front of the old, admin token new + old, database password changed (new hash, new URL connects), others kept, 3 deployments restarted"

NEW_SMTP_PASSWORD=smtp-new scripts/rotate-all-secrets.sh --revoke-old --skip-database >/dev/null
[[ $(field JWT_SECRET) =~ ^k[0-9]{14}:[0-9a-f]{64}$ ]] || fail "--revoke-old kept an old signing key: $(field JWT_SECRET)"
[[ $(field ADMIN_TOKEN) =~ ^[0-9a-f]{64}$ ]] || fail "--revoke-old kept an old admin token"
[ "$(field DATABASE_URL)" = "$NEW_URL" ] || fail "--skip-database changed DATABASE_URL"
[ "$(field SMTP_PASSWORD)" = smtp-new ] || fail "NEW_SMTP_PASSWORD was not applied"
ok "--revoke-old keeps only the new key and token (a leak); --skip-database and NEW_SMTP_PASSWORD do what they say"
psql "$base/postgres" -qc "DROP ROLE IF EXISTS rotate_test" >/dev/null
echo "$passed passed, 0 failed"
