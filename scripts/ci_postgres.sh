#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for the round store's tests.
#
#   url=$(scripts/ci_postgres.sh start)   # initdb into a temp folder, start it, create a db
#   scripts/ci_postgres.sh stop           # stop it and delete the folder
#
# As root (CI) the cluster runs as the `postgres` user; otherwise as the caller. It
# listens on no TCP address at all, only on a unix socket in its own folder (mode 700)
# under a private port number; the URL printed names that socket. The state between
# start and stop is kept in $BT_PG_STATE (default: $TMPDIR/budget-toolkit-pg.state).
set -euo pipefail

STATE=${BT_PG_STATE:-${TMPDIR:-/tmp}/budget-toolkit-pg.state}
DB=budget_toolkit_test

die() { echo "ci_postgres.sh: $*" >&2; exit 1; }

pg_bin() {
    local found=""
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && found=$d
    done
    [ -n "$found" ] || found=$(dirname "$(command -v initdb 2>/dev/null || echo /none/initdb)")
    [ -x "$found/initdb" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
    echo "$found"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    [ ! -e "$STATE" ] || die "a cluster is already running (state file $STATE); stop it first"
    local bin dir port
    bin=$(pg_bin)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/budget-toolkit-pg.XXXXXX")
    mkdir "$dir/sock"
    [ "$(id -u)" != 0 ] || chown -R postgres: "$dir"
    chmod 700 "$dir" "$dir/sock"
    port=$(free_port)
    printf 'DIR=%q\nBIN=%q\nPORT=%q\n' "$dir" "$bin" "$port" >"$STATE"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir/sock -c listen_addresses='' -c fsync=off -c max_connections=50" \
        start >/dev/null || { cat "$dir/server.log" >&2; die "pg_ctl start failed"; }
    as_owner "$bin/createdb" -h "$dir/sock" -p "$port" -U postgres "$DB"
    echo "postgresql://postgres@/$DB?host=$dir/sock&port=$port"
}

stop() {
    [ -e "$STATE" ] || return 0
    # shellcheck disable=SC1090
    . "$STATE"
    if [ -d "$DIR/data" ]; then
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR" "$STATE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
