#!/usr/bin/env bash
# Tests scripts/rotate-all-secrets.sh. Kubernetes cannot run here, so `kubectl` is a stand-in
# written from kubectl's documented behaviour for the calls the script makes (get secret NAME -o
# json, apply -f -, rollout restart|status), holding the chart's secrets (app-secrets,
# database-secrets, smtp-secrets) as files; the database part is real: the role's password is
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

mkdir -p "$WORK/bin" "$WORK/secrets"
cat >"$WORK/bin/kubectl" <<'STUB'
#!/usr/bin/env bash
# stand-in kubectl: [-n NS] get secret NAME -o json | [-n NS] apply -f - | [-n NS] rollout restart|status deployment/X
echo "kubectl $*" >>"$STUB/calls"
[ "$1" = -n ] && shift 2
case "$1 $2" in
  "get secret") [ -f "$STUB/secrets/$3.json" ] || { echo "Error from server (NotFound): secrets \"$3\" not found" >&2; exit 1; }
                cat "$STUB/secrets/$3.json" ;;
  "apply -f") m=$(cat); name=$(jq -r .metadata.name <<<"$m"); printf '%s' "$m" >"$STUB/secrets/$name.json"; echo "$name" >>"$STUB/applied" ;;
  "rollout restart"|"rollout status") ;;
  *) echo "stand-in kubectl: unexpected $*" >&2; exit 1 ;;
esac
STUB
chmod +x "$WORK/bin/kubectl"
export STUB="$WORK" PATH="$WORK/bin:$PATH"

base=${TEST_DATABASE_URL%%\?*}; base=${base%/*}; db=${TEST_DATABASE_URL%%\?*}; db=${db##*/}
hostport=$(sed -E 's#^[a-z]+://[^@]*@([^/]+)/.*#\1#' <<<"$TEST_DATABASE_URL")
psql "$base/postgres" -qc "DROP ROLE IF EXISTS rotate_test" -c "CREATE ROLE rotate_test LOGIN PASSWORD 'old-password'" 2>/dev/null >/dev/null
OLD_URL="postgres://rotate_test:old-password@$hostport/$db?sslmode=disable"
b64() { printf '%s' "$1" | base64 -w0; }
secret() {  # name, then key value pairs
  local name=$1 data='{}'; shift
  while [ $# -gt 0 ]; do data=$(jq --arg k "$1" --arg v "$(b64 "$2")" '. + {($k): $v}' <<<"$data"); shift 2; done
  jq -n --arg name "$name" --argjson data "$data" '{apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: {name: $name}, data: $data}' \
    >"$WORK/secrets/$name.json"
}
secret app-secrets jwt-secret k1:0123456789abcdef0123456789abcdef admin-token old-admin-token other keep-me
secret database-secrets url "$OLD_URL"
secret smtp-secrets username todo password smtp-old
field() { jq -r --arg k "$2" '.data[$k]' "$WORK/secrets/$1.json" | base64 -d; }
connects() { psql "$1" -tAqc "SELECT current_user" 2>/dev/null | grep -qx rotate_test; }
hash() { psql "$base/postgres" -tAqc "SELECT rolpassword FROM pg_authid WHERE rolname = 'rotate_test'"; }
HASH0=$(hash)
[ -n "$HASH0" ] || fail "cannot read the role's password hash (the test user must be a superuser)"

out=$(scripts/rotate-all-secrets.sh --dry-run)
[ ! -f "$WORK/applied" ] || fail "--dry-run applied a secret"
! grep -q "rollout restart" "$WORK/calls" || fail "--dry-run restarted deployments"
[ "$(hash)" = "$HASH0" ] || fail "--dry-run changed the database password"
grep -q "would run: kubectl rollout restart deployment/backend" <<<"$out" || fail "--dry-run did not say what it would do: $out"
grep -q "secret app-secrets: jwt-secret, admin-token replaced" <<<"$out" || fail "--dry-run did not name the keys: $out"
! grep -q "old-password\|old-admin-token\|0123456789abcdef0123" <<<"$out" || fail "--dry-run printed a secret"
ok "--dry-run reads the secrets, prints the plan with secrets masked, changes nothing"

: >"$WORK/calls"
out=$(scripts/rotate-all-secrets.sh --namespace todo)
jwt=$(field app-secrets jwt-secret)
[[ $jwt =~ ^k[0-9]{14}:[0-9a-f]{64},k1:0123456789abcdef0123456789abcdef$ ]] || fail "jwt-secret is not new key first, old kept: $jwt"
[[ $(field app-secrets admin-token) =~ ^[0-9a-f]{64},old-admin-token$ ]] || fail "admin-token is not new + old: $(field app-secrets admin-token)"
new_admin=$(field app-secrets admin-token); new_admin=${new_admin%%,*}
grep -q "New admin token.*$new_admin" <<<"$out" || fail "the new admin token was not shown"
[ "$(field app-secrets other)" = keep-me ] || fail "other keys of app-secrets were lost"
NEW_URL=$(field database-secrets url)
[ "$NEW_URL" != "$OLD_URL" ] || fail "database-secrets url unchanged"
[ "$(hash)" != "$HASH0" ] || fail "the database password was not changed"
connects "$NEW_URL" || fail "the new url does not connect"
[ "$(field smtp-secrets password)" = smtp-old ] || fail "smtp-secrets changed without NEW_SMTP_PASSWORD"
grep -q "kubectl -n todo get secret app-secrets" "$WORK/calls" || fail "--namespace was not passed to kubectl"
for d in backend recurring-task-service notification-service; do
  grep -q "rollout restart deployment/$d" "$WORK/calls" && grep -q "rollout status deployment/$d" "$WORK/calls" || fail "$d was not restarted and waited for"
done
ok "rotation: new signing key in front of the old, admin token new + old, database password changed (new hash, new url connects), other keys kept, 3 deployments restarted"

NEW_SMTP_PASSWORD=smtp-new scripts/rotate-all-secrets.sh --revoke-old --skip-database >/dev/null
[[ $(field app-secrets jwt-secret) =~ ^k[0-9]{14}:[0-9a-f]{64}$ ]] || fail "--revoke-old kept an old signing key: $(field app-secrets jwt-secret)"
[[ $(field app-secrets admin-token) =~ ^[0-9a-f]{64}$ ]] || fail "--revoke-old kept an old admin token"
[ "$(field database-secrets url)" = "$NEW_URL" ] || fail "--skip-database changed the url"
[ "$(field smtp-secrets password)" = smtp-new ] && [ "$(field smtp-secrets username)" = todo ] || fail "NEW_SMTP_PASSWORD was not applied (or username lost)"
ok "--revoke-old keeps only the new key and token (a leak); --skip-database and NEW_SMTP_PASSWORD do what they say"
psql "$base/postgres" -qc "DROP ROLE IF EXISTS rotate_test" >/dev/null
echo "$passed passed, 0 failed"
