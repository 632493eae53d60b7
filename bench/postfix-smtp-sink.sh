#!/usr/bin/env bash
# Postfix's smtp-sink (a C SMTP server made for benchmarking SMTP clients: many sessions at
# once, PIPELINING offered, little CPU a message) for bench/reminders.sh. Takes the binary out of
# Debian's postfix package without installing it (no mail server is configured or started):
#   bench/postfix-smtp-sink.sh PORT DUMP_DIR      runs in the foreground; every message is
#                                                 appended to DUMP_DIR/messages (one file: a file
#                                                 per message cost the sink twice the CPU)
#   bench/postfix-smtp-sink.sh --fetch-only       only takes the binary out (once)
set -euo pipefail
CACHE=${TODO_BENCH_CACHE:-/tmp/todo-bench-cache}/postfix
if [ ! -x "$CACHE/usr/sbin/smtp-sink" ]; then
  mkdir -p "$CACHE"
  ( cd "$CACHE" && { apt-get download postfix >/dev/null 2>&1 || { apt-get update -qq && apt-get download postfix >/dev/null; }; } )
  dpkg -x "$CACHE"/postfix_*.deb "$CACHE"
fi
[ "$1" = --fetch-only ] && exit 0
PORT=$1; DUMP=$2
mkdir -p "$DUMP"
# It drops root privileges after binding (-u); the dump directory must be writable then.
chmod 777 "$DUMP"
export LD_LIBRARY_PATH="$CACHE/usr/lib/postfix"
user=()
[ "$(id -u)" = 0 ] && user=(-u nobody)
exec "$CACHE/usr/sbin/smtp-sink" "${user[@]}" -D "$DUMP/messages" "127.0.0.1:$PORT" 1024
