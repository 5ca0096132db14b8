#!/usr/bin/env bash
# The test harness behind `make test`.
#
# Builds with -Werror, installs, starts a throw-away cluster (initdb in a
# temporary directory, a private port and socket directory, the module
# preloaded) as the postgres OS user, runs every suite against it, always
# stops it, and ends with one line "N passed, N failed".
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PG_CONFIG=${PG_CONFIG:-$(ls /usr/lib/postgresql/15/bin/pg_config 2>/dev/null || command -v pg_config)}
BINDIR=$("$PG_CONFIG" --bindir)
PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/..
export PATH="$BINDIR:$PATH"

PASSED=0
FAILED=0
SKIPPED=0
SUITE_FAILED=()

say() { printf '== %s\n' "$*"; }

# add_counts SUITE PASSED FAILED [SKIPPED]: fold one suite into the totals.
add_counts() {
    local suite=$1 p=$2 f=$3 s=${4:-0}
    PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); SKIPPED=$((SKIPPED + s))
    [ "$f" -gt 0 ] && SUITE_FAILED+=("$suite")
    say "$suite: $p passed, $f failed${4:+, $s skipped}"
}

# Several checkouts on one machine share the installed module: serialise the
# install-and-test part so one run never loads another's library.
exec 9>/tmp/pict_repo_test.lock
flock 9

say "building (warnings are errors)"
make -s COPT=-Werror all >/dev/null || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
say "installing"
if ! make -s install >/dev/null; then
    echo "make install failed: run make test as root, or make the PostgreSQL directories writable" >&2
    echo "0 passed, 1 failed"; exit 1
fi

# --- the throw-away cluster --------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    as_pg() { runuser -u postgres -- env PATH="$PATH" "$@"; }
else
    as_pg() { "$@"; }
fi

TMP=$(mktemp -d /tmp/pict_repo_test.XXXXXX)
chmod 755 "$TMP"
[ "$(id -u)" -eq 0 ] && chown postgres: "$TMP"
PGDATA_DIR=$TMP/data
# A private port: a random one, moved past any port already in use.
PORT=$((20000 + RANDOM % 20000))
while ss -ltn 2>/dev/null | grep -q ":$PORT " || [ -e "/tmp/.s.PGSQL.$PORT" ]; do PORT=$((PORT + 1)); done

export PGHOST=$TMP PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
export PICT_REPO_TMP=$TMP

stop_cluster() {
    if [ -f "$PGDATA_DIR/postmaster.pid" ]; then
        as_pg pg_ctl -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 ||
            as_pg pg_ctl -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ "${KEEP_TMP:-}" = "" ]; then rm -rf "$TMP"; else echo "kept $TMP"; fi
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

say "starting a throw-away cluster in $TMP on port $PORT"
as_pg initdb -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C -N >"$TMP/initdb.log" 2>&1 ||
    { cat "$TMP/initdb.log"; echo "0 passed, 1 failed"; exit 1; }
{
    echo "port = $PORT"
    echo "unix_socket_directories = '$TMP'"
    cat test/postgresql.conf
} | as_pg tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null
if ! as_pg pg_ctl -D "$PGDATA_DIR" -l "$TMP/server.log" -w start >/dev/null; then
    cat "$TMP/server.log"; echo "0 passed, 1 failed"; exit 1
fi
psql -qX -c "CREATE DATABASE pict_repo_test" >/dev/null

# --- suites ------------------------------------------------------------------
# Each suite script is sourced so it can call add_counts; they find the
# cluster through PGHOST/PGPORT/PGUSER and may use $TMP and as_pg.
for suite in test/suites/*.sh; do
    # shellcheck source=/dev/null
    . "$suite"
done

if [ ${#SUITE_FAILED[@]} -gt 0 ]; then
    say "failed suites: ${SUITE_FAILED[*]}"
    say "server log tail:"
    tail -n 40 "$TMP/server.log"
fi
if [ "$SKIPPED" -gt 0 ]; then
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
    echo "$PASSED passed, $FAILED failed"
fi
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
