#!/usr/bin/env bash
# make soak: the exactly-once proof at scale, outside make test.  Builds and
# installs into a private server copy like make test, starts a throw-away cluster (test/cluster.sh) and
# runs test/proofs/queue_proof.c: SOAK_JOBS jobs (default 1,000,000) drained
# by SOAK_WORKERS worker processes (default 16), each completion recorded in
# the transaction of its complete_job; then checks that every job completed
# exactly once.  Prints the TAP lines and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
CLUSTER_CONF=test/postgresql.conf
. test/private_server.sh

make -s COPT=-Werror all >/dev/null || { echo "build failed"; exit 1; }
trap private_server_remove EXIT
private_server_install || { echo "installing into a private server copy failed"; exit 1; }
. test/cluster.sh
cluster_start pict_repo_soak || exit 1
trap 'cluster_stop; private_server_remove' EXIT
psql -qX -d postgres -c "CREATE DATABASE pict_repo_test" >/dev/null
psql -qX -d pict_repo_test -c "CREATE EXTENSION pict_repo" >/dev/null || exit 1
cc -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers -O2 -g -pthread \
    -Iclient -Iinclude -Ibench $(pkg-config --cflags libpq) -o "$TMP/queue_proof" test/proofs/queue_proof.c bench/driver.c \
    client/libpictrepo.a $(pkg-config --libs libpq) || exit 1
echo "soak: ${SOAK_JOBS:-1000000} jobs, ${SOAK_WORKERS:-16} workers, cluster in $TMP"
PGDATABASE=pict_repo_test "$TMP/queue_proof" once -j "${SOAK_JOBS:-1000000}" \
    -w "${SOAK_WORKERS:-16}" -q proof-soak | tee "$TMP/soak.log"
rc=${PIPESTATUS[0]}
p=$(grep -cE '^ok [0-9]+' "$TMP/soak.log")
f=$(grep -cE '^not ok [0-9]+' "$TMP/soak.log")
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
