# Proofs of the job queue (test/proofs/queue_proof.c, on libpictrepo):
#  - exactly once: 8 worker processes drain 100k jobs, each completion
#    recorded in a side table in the same transaction as complete_job;
#  - worker crashes: workers SIGKILLed mid-job at random moments with
#    pict_repo.job_timeout = 1s; the maintenance worker (preloaded, running
#    in pict_repo_test) requeues their jobs; a poison job ends in dead_jobs.
#  - concurrent ingests: pgbench clients ingesting, creating and cleaning
#    up shared hashes, not one error.
# They run in the database the maintenance worker serves (pict_repo_test).
# PROOF_JOBS overrides the job count of the exactly-once proof.
say "proofs (exactly once, worker crashes)"
proof_dir=$TMP/proofs
mkdir -p "$proof_dir"
proof_p=0
proof_f=0

proof_fold() {
    local log=$1 rc=$2 p f
    p=$(grep -cE '^ok [0-9]+' "$log")
    f=$(grep -cE '^not ok [0-9]+' "$log")
    grep -E '^(not ok|# )' "$log" | head -n 40
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $(basename "$log" .log) exited with $rc"; tail -n 20 "$log"
        f=1
    fi
    proof_p=$((proof_p + p)); proof_f=$((proof_f + f))
}

if ! cc -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers -O2 -g -pthread \
        -Iclient -Iinclude -Ibench $(pkg-config --cflags libpq) -o "$proof_dir/queue_proof" test/proofs/queue_proof.c bench/driver.c \
        client/libpictrepo.a $(pkg-config --libs libpq) >"$proof_dir/build.log" 2>&1; then
    cat "$proof_dir/build.log"
    echo "not ok - test/proofs/queue_proof.c does not build"
    proof_f=$((proof_f + 1))
elif ! psql -qX -v ON_ERROR_STOP=1 -d pict_repo_test -c "CREATE EXTENSION IF NOT EXISTS pict_repo" \
        >"$proof_dir/setup.log" 2>&1; then
    cat "$proof_dir/setup.log"
    proof_f=$((proof_f + 1))
else
    start=$SECONDS
    PGDATABASE=pict_repo_test "$proof_dir/queue_proof" once -j "${PROOF_JOBS:-100000}" -w 8 \
        >"$proof_dir/once.log" 2>&1
    proof_fold "$proof_dir/once.log" $?
    echo "# exactly once: $((SECONDS - start))s"

    start=$SECONDS
    psql -qX -d pict_repo_test -c "ALTER SYSTEM SET pict_repo.job_timeout = '1s'" \
        -c "SELECT pg_reload_conf()" >/dev/null
    sleep 1  # let the maintenance worker read the new setting
    PGDATABASE=pict_repo_test "$proof_dir/queue_proof" crash -j 3000 -w 4 -k 30 \
        >"$proof_dir/crash.log" 2>&1
    proof_fold "$proof_dir/crash.log" $?
    psql -qX -d pict_repo_test -c "ALTER SYSTEM RESET pict_repo.job_timeout" \
        -c "SELECT pg_reload_conf()" >/dev/null
    echo "# worker crashes: $((SECONDS - start))s"
fi

# Concurrent ingests, create_hash and cleanup_hash of 16 shared hashes, each
# always with the same file: 8 pgbench clients for 20 s (PROOF_RACE_SECS),
# and not one error (pgbench stops a client at its first error).  Then the
# repository is whole: every hash has its own file, and details only exist
# for files of hashes.
start=$SECONDS
psql -qX -d pict_repo_test -c "DELETE FROM pict_repo.aliases WHERE hash IN
        (SELECT hash FROM pict_repo.hashes WHERE identifier LIKE 'proof/%')" \
    -c "DELETE FROM pict_repo.hashes WHERE identifier LIKE 'proof/%'" >/dev/null
pgbench -n -c 8 -j 2 -T "${PROOF_RACE_SECS:-20}" -d pict_repo_test \
    -f test/proofs/ingest_race/ingest.sql@6 -f test/proofs/ingest_race/create.sql@2 \
    -f test/proofs/ingest_race/cleanup.sql@2 >"$proof_dir/ingest_race.log" 2>&1
rc=$?
tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$proof_dir/ingest_race.log")
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$proof_dir/ingest_race.log")
if [ "$rc" -eq 0 ] && [ "${failed:-1}" -eq 0 ] && [ "${tx:-0}" -gt 0 ] &&
   ! grep -qE 'ERROR|aborted' "$proof_dir/ingest_race.log"; then
    echo "ok - 8 clients ingesting, creating and cleaning up 16 shared hashes: $tx calls, no error"
    proof_p=$((proof_p + 1))
else
    echo "not ok - 8 clients ingesting, creating and cleaning up 16 shared hashes (pgbench exit $rc)"
    grep -E 'ERROR|DETAIL|aborted|failed' "$proof_dir/ingest_race.log" | head -n 20
    proof_f=$((proof_f + 1))
fi
bad=$(psql -qXAt -d pict_repo_test -c "SELECT count(*) FROM pict_repo.hashes
        WHERE identifier LIKE 'proof/%'
          AND identifier <> 'proof/' || ('x' || lpad(encode(hash, 'hex'), 8, '0'))::bit(32)::int" \
      -c "SELECT count(*) FROM pict_repo.details d
        WHERE d.identifier LIKE 'proof/%' AND NOT EXISTS
              (SELECT 1 FROM pict_repo.hashes h WHERE h.identifier = d.identifier)" 2>&1 | paste -sd' ')
if [ "$bad" = "0 0" ]; then
    echo "ok - after the race every hash has its own file and no details are orphaned"
    proof_p=$((proof_p + 1))
else
    echo "not ok - after the race: hashes with another file, orphaned details: $bad"
    proof_f=$((proof_f + 1))
fi
echo "# ingest race: $((SECONDS - start))s"
add_counts proofs "$proof_p" "$proof_f"
