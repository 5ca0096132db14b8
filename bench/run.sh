#!/usr/bin/env bash
# `make bench` / `make bench-quick`: build pict_repo, install it into a
# private copy of the PostgreSQL server under a temporary directory, start a
# throw-away cluster from that copy (bench/postgresql.conf: the module
# preloaded, synchronous_commit on, otherwise defaults), run bench/bench
# against it and write bench/results/latest.md (or BENCH_OUT), then compare
# the queue with the job queues people use (bench/peers/run.sh, appended to
# the same file; BENCH_PEERS=0 leaves it out) and measure the storage tiers
# (bench/tiers.sh, appended too).  Arguments go to bench/bench (--quick,
# --only SECTION; --only peers or --only tiers runs that part alone);
# --calls runs bench/calls.sh instead.  Everything is removed on exit.
#
# The private copy (test/private_server.sh, as for make test): a test run of
# another checkout never changes the module under a long benchmark.
set -uo pipefail

cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-bench/results/latest.md}
die() { echo "bench: $*" >&2; exit 1; }

make -s all >/dev/null || die "the build failed"
make -s -C bench >/dev/null || die "bench/bench does not build"

. test/private_server.sh
trap private_server_remove EXIT
private_server_install || die "installing into a private server copy failed"
ROOT=$PRIVATE_ROOT
# BENCH_SETTINGS: extra postgresql.conf lines, for experiments only (the
# results file names them); `make bench` runs without any.
CLUSTER_CONF=bench/postgresql.conf
if [ -n "${BENCH_SETTINGS:-}" ]; then
    CLUSTER_CONF=$ROOT/bench.conf
    { cat bench/postgresql.conf; printf '%s\n' "$BENCH_SETTINGS"; } >"$CLUSTER_CONF"
fi
. test/cluster.sh
cluster_start pict_repo_bench || die "the cluster did not start"
trap 'cluster_stop; private_server_remove' EXIT
export PGDATABASE=pict_repo_bench

psql -qX -d postgres -c "CREATE DATABASE pict_repo_bench" >/dev/null || die "CREATE DATABASE failed"
psql -qX -c "CREATE EXTENSION pict_repo" >/dev/null || die "CREATE EXTENSION failed"
psql -qXAt -c "SELECT 'server library: ' || setting FROM pg_settings WHERE name = 'dynamic_library_path'" >/dev/null
if [ "${1:-}" = "--calls" ]; then
    bash bench/calls.sh
    exit
fi
mkdir -p "$(dirname "$OUT")"
ONLY=
QUICK=
prev=
for a in "$@"; do
    [ "$prev" = "--only" ] && ONLY=$a
    [ "$a" = "--quick" ] && QUICK=--quick
    prev=$a
done
if [ "$ONLY" = peers ] || [ "$ONLY" = tiers ]; then
    rm -f "$OUT"
else
    bench/bench --out "$OUT" "$@" || exit
fi
if [ -z "$ONLY" ] || [ "$ONLY" = peers ]; then
    if [ "${BENCH_PEERS:-1}" = 0 ]; then
        printf '## Job queues people use\n\nNot run (BENCH_PEERS=0).\n\n' >>"$OUT"
    else
        bash bench/peers/run.sh "$OUT" $QUICK
    fi
fi
if [ -z "$ONLY" ] || [ "$ONLY" = tiers ]; then
    bash bench/tiers.sh "$OUT" $QUICK
fi
