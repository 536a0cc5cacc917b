#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL cluster on 127.0.0.1 for tests.
#   scripts/postgres.sh start   → prints nothing on success; server on $PGPORT (default 54329)
#   scripts/postgres.sh stop
# Needs Debian's postgresql package (scripts/test-all.sh installs it). postgres refuses to run
# as root, so the cluster runs as the postgres user.
set -euo pipefail
PGPORT="${PGPORT:-54329}"
PGDATA_DIR="${PGDATA_DIR:-/tmp/tracecast-pg-$PGPORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -n "$BIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

case "${1:-start}" in
  start)
    if pg_isready -h 127.0.0.1 -p "$PGPORT" -q 2>/dev/null; then exit 0; fi
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
      mkdir -p "$PGDATA_DIR"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA_DIR"
      as_pg "$BIN/initdb -D $PGDATA_DIR -U postgres --auth=trust -E UTF8" >/dev/null
    fi
    as_pg "$BIN/pg_ctl -D $PGDATA_DIR -o '-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200' -l $PGDATA_DIR/server.log -w start" >/dev/null
    ;;
  stop)
    as_pg "$BIN/pg_ctl -D $PGDATA_DIR -m fast stop" >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
