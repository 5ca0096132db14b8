#!/usr/bin/env bash
# `make bench` / `make bench-quick`: build pict_repo, install it into a
# private copy of the PostgreSQL server under a temporary directory, start a
# throw-away cluster from that copy (bench/postgresql.conf: the module
# preloaded, synchronous_commit on, otherwise defaults), run bench/bench
# against it and write bench/results/latest.md (or BENCH_OUT).  Arguments go
# to bench/bench (--quick, --only SECTION); --calls runs bench/calls.sh
# instead.  Everything is removed on exit.
#
# The private copy: test runs of other checkouts install their own build of
# pict_repo.so into the shared server directories while a long benchmark
# runs; a backend that loads the module after such an install would load a
# different file.  PostgreSQL finds its library and share directories
# relative to its binaries, so a copy with `make install DESTDIR=...` is a
# server of its own, and the benchmark neither waits for the test lock nor
# holds it.
set -uo pipefail

cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-bench/results/latest.md}
die() { echo "bench: $*" >&2; exit 1; }

SYS_PG_CONFIG=${PG_CONFIG:-$(ls /usr/lib/postgresql/15/bin/pg_config 2>/dev/null || command -v pg_config)}
SYS_BINDIR=$("$SYS_PG_CONFIG" --bindir)
SYS_PKGLIBDIR=$("$SYS_PG_CONFIG" --pkglibdir)
SYS_SHAREDIR=$("$SYS_PG_CONFIG" --sharedir)

make -s all >/dev/null || die "the build failed"
make -s -C bench >/dev/null || die "bench/bench does not build"

ROOT=$(mktemp -d /tmp/pict_repo_bench_pg.XXXXXX)
chmod 755 "$ROOT"
cleanup_root() { rm -rf "$ROOT"; }
# Copy the server's bin, lib and share directories to the same paths under
# ROOT, then install the extension there.
for d in "$SYS_BINDIR" "$SYS_PKGLIBDIR" "$SYS_SHAREDIR"; do
    mkdir -p "$ROOT$d"
    (cd "$d" && tar cf - --exclude=./bitcode .) | (cd "$ROOT$d" && tar xf -) ||
        { cleanup_root; die "cannot copy $d"; }
done
make -s install DESTDIR="$ROOT" >/dev/null 2>&1 || { cleanup_root; die "make install DESTDIR=$ROOT failed"; }
chmod -R a+rX "$ROOT"

export PG_CONFIG=$ROOT$SYS_BINDIR/pg_config
# BENCH_SETTINGS: extra postgresql.conf lines, for experiments only (the
# results file names them); `make bench` runs without any.
CLUSTER_CONF=bench/postgresql.conf
if [ -n "${BENCH_SETTINGS:-}" ]; then
    CLUSTER_CONF=$ROOT/bench.conf
    { cat bench/postgresql.conf; printf '%s\n' "$BENCH_SETTINGS"; } >"$CLUSTER_CONF"
fi
. test/cluster.sh
[ "$BINDIR" = "$ROOT$SYS_BINDIR" ] || { cleanup_root; die "the private server copy is not relocatable ($BINDIR)"; }
cluster_start pict_repo_bench || { cleanup_root; die "the cluster did not start"; }
trap 'cluster_stop; cleanup_root' EXIT
export PGDATABASE=pict_repo_bench

psql -qX -d postgres -c "CREATE DATABASE pict_repo_bench" >/dev/null || die "CREATE DATABASE failed"
psql -qX -c "CREATE EXTENSION pict_repo" >/dev/null || die "CREATE EXTENSION failed"
psql -qXAt -c "SELECT 'server library: ' || setting FROM pg_settings WHERE name = 'dynamic_library_path'" >/dev/null
if [ "${1:-}" = "--calls" ]; then
    bash bench/calls.sh
    exit
fi
mkdir -p "$(dirname "$OUT")"
bench/bench --out "$OUT" "$@"
