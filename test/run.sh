#!/usr/bin/env bash
# The test harness behind `make test`.
#
# Builds with -Werror, installs into a private copy of the server, starts a
# throw-away cluster from it (initdb in a temporary directory, a private port
# and socket directory, the module preloaded) as the postgres OS user, runs
# every suite against it, always stops it, and ends with one line
# "N passed, N failed".
set -uo pipefail

cd "$(dirname "$0")/.."
CLUSTER_CONF=test/postgresql.conf
. test/private_server.sh

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

say "building (warnings are errors)"
make -s COPT=-Werror all >/dev/null || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
# Into a private copy of the server (test/private_server.sh): test runs of
# several checkouts never load each other's module, and nothing outside the
# temporary directories is written.
say "installing into a private copy of the server"
trap private_server_remove EXIT
if ! private_server_install; then
    echo "installing into a private server copy failed" >&2
    echo "0 passed, 1 failed"; exit 1
fi
. test/cluster.sh

# --- the throw-away cluster --------------------------------------------------
say "starting a throw-away cluster"
cluster_start pict_repo_test || { echo "0 passed, 1 failed"; exit 1; }
trap 'cluster_stop; private_server_remove' EXIT
say "cluster in $TMP on port $PGPORT"
psql -qX -c "CREATE DATABASE pict_repo_test" >/dev/null

# app_role ROLE: create ROLE (once per cluster) as an application role, the
# way the README's Security section sets one up: LOGIN (trust authentication,
# no password), a member of pict_repo_user and of nothing else, no other
# attribute.  The client and tool suites connect as such a role, so every
# call they make is one the README promises to it.  pict_repo_user exists
# once CREATE EXTENSION has run in some database of the cluster.
app_role() {
    psql -qX -v ON_ERROR_STOP=1 -v role="$1" <<'SQL'
SELECT pg_catalog.format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'role') \gexec
SELECT pg_catalog.format('GRANT pict_repo_user TO %I', :'role') \gexec
SQL
}

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
