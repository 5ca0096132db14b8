#!/usr/bin/env bash
# `make bench` / `make bench-quick`: build and install pict_repo, start a
# throw-away cluster (bench/postgresql.conf: the module preloaded,
# synchronous_commit on, otherwise defaults), run bench/bench against it and
# write bench/results/latest.md (or BENCH_OUT).  Arguments go to bench/bench
# (--quick, --only SECTION).  The cluster is stopped on exit.
set -uo pipefail

cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-bench/results/latest.md}
die() { echo "bench: $*" >&2; exit 1; }

# The installed module is shared with the test runs of other checkouts:
# install under their lock, then release it (the cluster loads the module
# at start).
(
    flock -w 900 9 || echo "bench: another run holds /tmp/pict_repo_test.lock; going on" >&2
    make -s all >/dev/null || die "the build failed"
    make -s install >/dev/null || die "make install failed (run as root)"
    CLUSTER_CONF=bench/postgresql.conf
    . test/cluster.sh
    cluster_start pict_repo_bench || die "the cluster did not start"
    # Detach from the lock: the server keeps running after this subshell.
    trap - EXIT
    echo "$TMP $PGPORT $PGDATA_DIR" >"${BENCH_STATE:-/tmp/pict_repo_bench.$$}"
) 9>/tmp/pict_repo_test.lock || exit 1
read -r TMP PGPORT PGDATA_DIR <"${BENCH_STATE:-/tmp/pict_repo_bench.$$}"
rm -f "${BENCH_STATE:-/tmp/pict_repo_bench.$$}"
CLUSTER_CONF=bench/postgresql.conf
. test/cluster.sh
export TMP PGHOST=$TMP PGPORT PGUSER=postgres PGDATABASE=pict_repo_bench PGDATA_DIR
trap cluster_stop EXIT
trap 'exit 130' INT TERM

make -s -C bench >/dev/null || die "bench/bench does not build"
psql -qX -d postgres -c "CREATE DATABASE pict_repo_bench" >/dev/null || die "CREATE DATABASE failed"
psql -qX -c "CREATE EXTENSION pict_repo" >/dev/null || die "CREATE EXTENSION failed"
mkdir -p "$(dirname "$OUT")"
bench/bench --out "$OUT" "$@"
