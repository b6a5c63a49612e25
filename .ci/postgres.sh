#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on 127.0.0.1 in a temp folder, for the API tests of `routeplan serve`.
# Sourced by .ci/run: installs PostgreSQL if initdb/pg_ctl are missing, starts the cluster, exports
# ROUTEPLAN_TEST_PG and sets a trap that stops it and removes the folder. Without PostgreSQL the
# PostgreSQL variants of the tests skip with a reason.
pg_bin() {
  local name=$1
  command -v "$name" 2>/dev/null && return
  ls /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1
}
if [ -z "$(pg_bin initdb)" ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
    || echo "ci: could not install postgresql; PostgreSQL tests will skip"
fi
INITDB=$(pg_bin initdb); PG_CTL=$(pg_bin pg_ctl)
if [ -n "$INITDB" ] && [ -n "$PG_CTL" ]; then
  PG_DIR=$(mktemp -d /tmp/routeplan-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  AS=()
  if [ "$(id -u)" = 0 ]; then  # PostgreSQL refuses to run as root
    chown "$(id -u postgres 2>/dev/null || echo 65534)" "$PG_DIR"
    AS=(runuser -u "$(id -un postgres 2>/dev/null || echo nobody)" --)
  fi
  "${AS[@]}" "$INITDB" -D "$PG_DIR/data" -U routeplan --auth=trust -E UTF8 >/dev/null
  "${AS[@]}" "$PG_CTL" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR" start >/dev/null
  stop_pg() { "${AS[@]}" "$PG_CTL" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1; rm -rf "$PG_DIR"; }
  trap stop_pg EXIT
  export ROUTEPLAN_TEST_PG="postgresql://routeplan@127.0.0.1:$PG_PORT/postgres"
  echo "ci: PostgreSQL on 127.0.0.1:$PG_PORT for the serve tests"
fi
