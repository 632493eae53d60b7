#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL 15 for the tests: Debian's postgresql-15, a cluster in
# /tmp owned by the postgres user (PostgreSQL refuses to run as root), listening on 127.0.0.1.
# Prints the URL to use as TEST_DATABASE_URL.
#   scripts/test-postgres.sh start | stop | restart | url
#   scripts/test-postgres.sh database NAME   a new, empty database NAME (dropped first if it exists)
#                                            on TEST_DATABASE_URL's server (else this cluster,
#                                            started if needed); prints its URL
set -euo pipefail
PORT="${TEST_PG_PORT:-54329}"
DIR="${TEST_PG_DIR:-/tmp/todo-test-pg}"
URL="postgres://todo:todo@127.0.0.1:${PORT}/todo_test?sslmode=disable"
# The tests' cluster runs with fsync=off (faster, and nothing in it needs to survive a crash).
# TEST_PG_DURABLE=1 keeps PostgreSQL's durable defaults (fsync, synchronous_commit) — what
# bench/ measures on, in a cluster of its own (TEST_PG_PORT, TEST_PG_DIR).
if [ "${TEST_PG_DURABLE:-0}" = 1 ]; then FSYNC=""; else FSYNC="-c fsync=off"; fi
# Swift Testing runs the suites in parallel, each PostgreSQL test with a pool of 8 to a database of
# its own: at 200 connections the suite ran out ("too many clients"), and the pools' reconnecting
# then held tests for minutes. 1000 leaves room for the suite to grow.
OPTS="-p $PORT -k /tmp -c listen_addresses=127.0.0.1 $FSYNC -c max_connections=1000"

bindir() {
  local pg_ctl
  pg_ctl=$(dpkg -L postgresql-15 2>/dev/null | grep '/bin/pg_ctl$' | head -1 || true)
  [ -n "$pg_ctl" ] && dirname "$pg_ctl"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

case "${1:-start}" in
start)
  if [ -z "$(bindir)" ]; then
    echo "installing postgresql-15 …" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql-15 >&2
  fi
  BIN=$(bindir)
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR" && chown postgres:postgres "$DIR" 2>/dev/null || true
    as_postgres "$BIN/initdb -D $DIR -U postgres --auth=trust -E UTF8 >/dev/null"
  fi
  if ! as_postgres "$BIN/pg_ctl -D $DIR status" >/dev/null 2>&1; then
    as_postgres "$BIN/pg_ctl -D $DIR -l $DIR/server.log -w -o '$OPTS' start" >&2
  fi
  as_postgres "$BIN/psql -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_roles WHERE rolname='todo'\"" | grep -q 1 ||
    as_postgres "$BIN/psql -h 127.0.0.1 -p $PORT -U postgres -c \"CREATE ROLE todo LOGIN SUPERUSER PASSWORD 'todo'\"" >&2
  as_postgres "$BIN/psql -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='todo_test'\"" | grep -q 1 ||
    as_postgres "$BIN/createdb -h 127.0.0.1 -p $PORT -U postgres -O todo todo_test" >&2
  echo "$URL"
  ;;
restart)
  # what an operator's `pg_ctl restart -m fast` does to the running services (scripts/e2e-chaos.sh)
  BIN=$(bindir)
  as_postgres "$BIN/pg_ctl -D $DIR -l $DIR/server.log -w -m fast -o '$OPTS' restart" >&2
  ;;
stop)
  BIN=$(bindir)
  [ -n "$BIN" ] && as_postgres "$BIN/pg_ctl -D $DIR -m fast stop" >&2 || true
  ;;
url)
  echo "$URL"
  ;;
database)
  NAME=${2:?usage: $0 database NAME}
  SERVER=${TEST_DATABASE_URL:-$("$0" start)}
  BASE=${SERVER%%\?*}; BASE=${BASE%/*}
  psql "$BASE/postgres" -qc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" -c "CREATE DATABASE $NAME" >/dev/null
  echo "$BASE/$NAME?sslmode=disable"
  ;;
*)
  echo "usage: $0 start|stop|restart|url|database NAME" >&2
  exit 2
  ;;
esac
