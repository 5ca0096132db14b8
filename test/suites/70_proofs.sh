# Proofs of the job queue (test/proofs/queue_proof.c, on libpictrepo):
#  - exactly once: 8 worker processes drain 100k jobs, each completion
#    recorded in a side table in the same transaction as complete_job;
#  - worker crashes: workers SIGKILLed mid-job at random moments with
#    pict_repo.job_timeout = 1s; the maintenance worker (preloaded, running
#    in pict_repo_test) requeues their jobs; a poison job ends in dead_jobs.
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
        -Iclient $(pkg-config --cflags libpq) -o "$proof_dir/queue_proof" test/proofs/queue_proof.c \
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
add_counts proofs "$proof_p" "$proof_f"
