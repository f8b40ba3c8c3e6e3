#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests (docs/TOOLCHAIN.md): installs
# Debian's postgresql when missing, creates a cluster in a temp dir, listens on a
# free local port with trust authentication, and exports
# POSTGRES_TEST_URL=postgres://postgres@127.0.0.1:PORT (and POSTGRES_TEST_PSQL,
# its psql client). Source it; call
# `stop_test_postgres` when done (scripts/test.sh does it on exit). initdb and
# pg_ctl refuse to run as root, so as root they run as the postgres user.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  printf '[postgres] installing postgresql from Debian\n' >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PG_DIR=$(mktemp -d /tmp/gatehouse-pg.XXXXXX)
# A port nothing listens on (bash's /dev/tcp: no python or netcat needed).
PG_PORT=
for port in $(shuf -i 20000-60000 -n 50); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then PG_PORT=$port; break; fi
done
[ -n "$PG_PORT" ] || { echo "[postgres] no free port found" >&2; exit 1; }
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; fi
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 >/dev/null
# fsync off: a test cluster is thrown away, and it makes CREATE DATABASE fast.
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
  "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" start >/dev/null
export POSTGRES_TEST_URL="postgres://postgres@127.0.0.1:$PG_PORT"
export POSTGRES_TEST_PSQL="$PG_BIN/psql"
printf '[postgres] %s (data in %s)\n' "$POSTGRES_TEST_URL" "$PG_DIR" >&2

stop_test_postgres() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
