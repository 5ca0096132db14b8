# Throw-away PostgreSQL cluster, sourced by test/run.sh and the demo.
#
#   cluster_start NAME   initdb + start in a new temporary directory as the
#                        postgres OS user (created if missing when root);
#                        exports PGHOST, PGPORT, PGUSER, PGDATABASE, TMP
#   cluster_stop         stop it (fast, then immediate) and remove the
#                        directory unless KEEP_TMP is set
#   as_pg CMD...         run CMD as the postgres OS user when root
#
# The settings come from test/postgresql.conf after the port and socket lines.

PG_CONFIG=${PG_CONFIG:-$(make -s --no-print-directory -f "$(dirname "${BASH_SOURCE[0]}")/../mk/common.mk" print-PG_CONFIG)}
BINDIR=$("$PG_CONFIG" --bindir)
PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/..
export PATH="$BINDIR:$PATH"

if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 ||
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    as_pg() { runuser -u postgres -- env PATH="$PATH" "$@"; }
else
    as_pg() { "$@"; }
fi

cluster_start() {
    local name=$1
    TMP=$(mktemp -d "/tmp/$name.XXXXXX")
    chmod 755 "$TMP"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$TMP"
    PGDATA_DIR=$TMP/data
    # A private port: a random one, moved past any port already in use.
    PORT=$((20000 + RANDOM % 20000))
    while ss -ltn 2>/dev/null | grep -q ":$PORT " || [ -e "/tmp/.s.PGSQL.$PORT" ]; do
        PORT=$((PORT + 1))
    done
    export TMP PGHOST=$TMP PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
    trap cluster_stop EXIT
    trap 'exit 130' INT TERM

    if ! as_pg initdb -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C -N \
        >"$TMP/initdb.log" 2>&1; then
        cat "$TMP/initdb.log" >&2
        return 1
    fi
    {
        echo "port = $PORT"
        echo "unix_socket_directories = '$TMP'"
        cat "$CLUSTER_CONF"
    } | as_pg tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null
    # 9>&-: the server must not inherit the lock descriptor of make demo, or a
    # server left running would hold the lock for ever.
    if ! as_pg pg_ctl -D "$PGDATA_DIR" -l "$TMP/server.log" -w start >/dev/null 9>&-; then
        cat "$TMP/server.log" >&2
        return 1
    fi
}

cluster_stop() {
    if [ -n "${PGDATA_DIR:-}" ] && [ -f "$PGDATA_DIR/postmaster.pid" ]; then
        as_pg pg_ctl -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 ||
            as_pg pg_ctl -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ -n "${TMP:-}" ] && [ -d "$TMP" ]; then
        if [ -z "${KEEP_TMP:-}" ]; then rm -rf "$TMP"; else echo "kept $TMP" >&2; fi
    fi
}
