#!/usr/bin/env bash
# The test harness behind `make test`.
#
# Builds with -Werror, installs, starts a throw-away cluster (initdb in a
# temporary directory, a private port and socket directory, the module
# preloaded) as the postgres OS user, runs every suite against it, always
# stops it, and ends with one line "N passed, N failed".
set -uo pipefail

cd "$(dirname "$0")/.."
CLUSTER_CONF=test/postgresql.conf
. test/cluster.sh

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
# A lock that is never released (say, a server started elsewhere while
# holding it) must not hang the tests for ever: after 15 minutes, go on.
exec 9>/tmp/pict_repo_test.lock
flock -w 900 9 || say "another test run holds /tmp/pict_repo_test.lock; running anyway"

say "building (warnings are errors)"
make -s COPT=-Werror all >/dev/null || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
say "installing"
if ! make -s install >/dev/null; then
    echo "make install failed: run make test as root, or make the PostgreSQL directories writable" >&2
    echo "0 passed, 1 failed"; exit 1
fi

# --- the throw-away cluster --------------------------------------------------
say "starting a throw-away cluster"
cluster_start pict_repo_test || { echo "0 passed, 1 failed"; exit 1; }
say "cluster in $TMP on port $PGPORT"
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
