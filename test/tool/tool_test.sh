#!/usr/bin/env bash
# Tests of the pict-repo tool, run by test/suites/60_tool.sh against a
# database with the extension (PGHOST, PGPORT, PGUSER, PGDATABASE set).
# Prints TAP lines.  A group whose SQL functions are not on the server yet
# prints "ok N - ... # SKIP" for each of its checks.
#
# The tool connects as PGUSER, an application role: a LOGIN member of
# pict_repo_user and nothing else, so every subcommand is shown to work with
# what the README grants such a role.  sql() (setting up rows, reading
# tables to check what the tool did, requeueing or cancelling a job behind
# the tool's back) connects as TOOL_ADMIN, a superuser: the application role
# may not read or write any table.
#
#   PICT_REPO   the tool binary
#   TOOL_TMP    a scratch directory
#   TOOL_ADMIN  a superuser (default: PGUSER)
set -u
P=${PICT_REPO:?}
W=${TOOL_TMP:?}
T=0

ok()   { T=$((T + 1)); echo "ok $T - $*"; }
nok()  { T=$((T + 1)); echo "not ok $T - $*"; }
skip() { local why=$1; shift; for d; do T=$((T + 1)); echo "ok $T - $d # SKIP $why"; done; }
diag() { sed 's/^/#   /' "$W/out" "$W/err" | head -n 20; }
ADMIN=${TOOL_ADMIN:-${PGUSER:-postgres}}
sql()  { psql -qXAt -v ON_ERROR_STOP=1 -U "$ADMIN" -c "$1"; }

# run CMD...: RC, OUT and ERR of the command.
run() { "$@" >"$W/out" 2>"$W/err"; RC=$?; OUT=$(cat "$W/out"); ERR=$(cat "$W/err"); }
# expect DESC RC CMD...: the command exits with RC.
expect() {
    local desc=$1 want=$2; shift 2
    run "$@"
    if [ "$RC" = "$want" ]; then ok "$desc (exit $want)"; else nok "$desc: exit $RC, want $want"; diag; fi
}
# check DESC TEST...: the test command succeeds.
check() {
    local desc=$1; shift
    if "$@"; then ok "$desc"; else nok "$desc"; diag; fi
}
# need FUNCTION...: all are in schema pict_repo; MISSING names the first that is not.
need() {
    local f
    for f; do
        if [ "$(sql "SELECT count(*) FROM pg_catalog.pg_proc WHERE proname = '$f'
                     AND pronamespace = 'pict_repo'::regnamespace")" = 0 ]; then
            MISSING="pict_repo.$f() is not on the server yet"
            return 1
        fi
    done
}
# wait_running QUEUE N: until N jobs of QUEUE are running (at most 60 s).
wait_running() {
    local i
    for i in $(seq 1 600); do
        [ "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = '$1' AND status = 'running'")" = "$2" ] &&
            return 0
        sleep 0.1
    done
    return 1
}
# requeue_now QUEUE: requeue the running jobs of QUEUE behind their worker's
# back, as requeue_stale does after missed heartbeats; again while a
# heartbeat holds the row (requeue_stale skips locked rows).
requeue_now() {
    local i
    for i in $(seq 1 100); do
        [ "$(sql "SELECT pict_repo.requeue_stale('0 seconds')")" -gt 0 ] &&
            [ "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = '$1' AND status = 'running'")" = 0 ] &&
            return 0
        sleep 0.1
    done
    return 1
}
err_has() { grep -q -- "$1" "$W/err"; }
out_has() { grep -q -- "$1" "$W/out"; }
is_uuid() { [[ $1 =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]; }

# --- the role the tool connects as -------------------------------------------
check "the tool connects as an application role (LOGIN, no superuser, member of pict_repo_user only)" \
    test "$(sql "SELECT r.rolcanlogin AND NOT r.rolsuper AND NOT r.rolcreaterole AND NOT r.rolcreatedb
                        AND NOT r.rolbypassrls
                        AND pg_catalog.array_agg(g.rolname ORDER BY g.rolname)::text = '{pict_repo_user}'
                 FROM pg_catalog.pg_roles r
                 JOIN pg_catalog.pg_auth_members m ON m.member = r.oid
                 JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                 WHERE r.rolname = '${PGUSER:-}'
                 GROUP BY r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls")" = t

# --- help and usage ----------------------------------------------------------
expect "pict-repo --help" 0 "$P" --help
check "the help lists every subcommand and the exit codes" \
    bash -c 'for s in status push work hashes cleanup-hash dead maintenance "Exit status"; do
                 grep -q -- "$s" "$0" || exit 1; done' "$W/out"
for s in status push work hashes cleanup-hash dead maintenance; do
    expect "pict-repo $s --help" 0 "$P" "$s" --help
    check "$s --help prints its usage" out_has "Usage: pict-repo $s"
done
expect "no subcommand is a usage error" 2 "$P"
expect "an unknown subcommand is a usage error" 2 "$P" frobnicate
expect "an unknown option is a usage error" 2 "$P" status --frobnicate
expect "push without JSON is a usage error" 2 "$P" push q
expect "push --priority must be a number" 2 "$P" push q '{}' --priority x
expect "push --run-at must be a time" 2 "$P" push q '{}' --run-at yesterday
expect "work without a command is a usage error" 2 "$P" work q
expect "work with --max-jobs and --until-empty is a usage error" 2 "$P" work q --max-jobs 1 --until-empty -- true
expect "cleanup-hash with bad hex is a usage error" 2 "$P" cleanup-hash xyz
expect "dead retry with a bad id is a usage error" 2 "$P" dead retry not-a-uuid
expect "dead with an unknown action is a usage error" 2 "$P" dead bury

# --- connection errors -------------------------------------------------------
expect "an unreachable server is exit 3" 3 "$P" -d "host=$W/nowhere port=1" maintenance
check "the connection error names SQLSTATE 08001" err_has "08001"
expect "a database without the extension is exit 3" 3 "$P" -d "dbname=pict_repo_tool_noext" status
check "the error names SQLSTATE 42704" err_has "42704"

# --- hashes ------------------------------------------------------------------
if need hash_page hash_count; then
    expect "hashes of an empty repository" 0 "$P" hashes
    check "prints nothing" test -z "$OUT"
    # 250 hashes, several sharing a created_at (the keyset must not skip ties).
    sql "INSERT INTO pict_repo.hashes (hash, identifier, created_at)
         SELECT pg_catalog.decode(pg_catalog.md5(i::text), 'hex'), 'file/' || i,
                '2026-01-01 00:00:00+00'::timestamptz + (i / 3) * interval '1 second'
         FROM pg_catalog.generate_series(1, 250) AS i" >/dev/null
    sql "SELECT pg_catalog.encode(hash, 'hex') || E'\t' ||
                pg_catalog.to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')
         FROM pict_repo.hashes ORDER BY created_at DESC, hash DESC" >"$W/hashes.want"
    expect "hashes with pages of 7" 0 "$P" hashes --page-size 7
    check "prints every hash once, newest first, as the table orders them" \
        cmp -s "$W/out" "$W/hashes.want"
    expect "hashes with the default page size" 0 "$P" hashes
    check "prints 250 lines" test "$(wc -l <"$W/out")" -eq 250
    check "no progress bar when stderr is not a terminal" test ! -s "$W/err"
    expect "hashes --page-size 0 is a usage error" 2 "$P" hashes --page-size 0
    if command -v script >/dev/null; then
        # script(1) gives the tool a terminal as stderr (and stdout, sent to a file).
        script -qec "'$P' hashes --page-size 100 >'$W/tty.out'" /dev/null >"$W/tty.err" 2>&1
        check "a progress bar on stderr when it is a terminal" \
            bash -c 'tr "\r" "\n" <"$0" | grep -q "\] 250/250" && [ "$(wc -l <"$1")" -eq 250 ]' \
            "$W/tty.err" "$W/tty.out"
    else
        skip "script(1) is missing" "a progress bar on a terminal"
    fi
else
    skip "$MISSING" "hashes of an empty repository" "prints nothing" "hashes with pages of 7" \
        "prints every hash in order" "hashes with the default page size" "prints 250 lines" \
        "no progress bar" "hashes --page-size 0" "progress bar on a terminal"
fi

# --- cleanup-hash --------------------------------------------------------------
if need cleanup_hash; then
    sql "INSERT INTO pict_repo.hashes (hash, identifier, motion_identifier)
             VALUES ('\\xc0ffee', 'orig/c0ffee', 'motion/c0ffee');
         INSERT INTO pict_repo.variants (hash, variant, identifier)
             VALUES ('\\xc0ffee', 'thumb', 'variant/thumb'), ('\\xc0ffee', 'x2', 'variant/x2');
         INSERT INTO pict_repo.aliases (alias, hash, token)
             VALUES ('kept.png', '\\xc0ffee', 'tok')" >/dev/null
    expect "cleanup-hash of a hash with an alias" 1 "$P" cleanup-hash c0ffee
    check "names SQLSTATE 55006" err_has "55006"
    check "deletes nothing" test "$(sql "SELECT count(*) FROM pict_repo.hashes WHERE hash = '\\xc0ffee'")" = 1
    expect "cleanup-hash --force" 0 "$P" cleanup-hash '\xc0ffee' --force
    check "prints the identifiers to delete from storage" \
        test "$(sort "$W/out" | tr '\n' ' ')" = "motion/c0ffee orig/c0ffee variant/thumb variant/x2 "
    check "the hash, its variants and its alias are gone" \
        test "$(sql "SELECT (SELECT count(*) FROM pict_repo.hashes WHERE hash = '\\xc0ffee')
                     + (SELECT count(*) FROM pict_repo.variants WHERE hash = '\\xc0ffee')
                     + (SELECT count(*) FROM pict_repo.aliases WHERE alias = 'kept.png')")" = 0
    expect "cleanup-hash of an unknown hash" 1 "$P" cleanup-hash c0ffee
    check "prints nothing on stdout" test -z "$OUT"
else
    skip "$MISSING" "cleanup-hash with an alias" "55006" "deletes nothing" "cleanup-hash --force" \
        "prints the identifiers" "all gone" "cleanup-hash unknown" "prints nothing"
fi

# --- push --------------------------------------------------------------------
if need push_job; then
    expect "push a job" 0 "$P" push tq '{"n": 1}'
    check "prints its id" is_uuid "$OUT"
    check "the job is queued with its JSON" \
        test "$(sql "SELECT job->>'n' FROM pict_repo.job_queue WHERE id = '$OUT'")" = 1
    expect "push with every option" 0 "$P" push tq '{"n": 2}' --unique-key k1 --priority 7 \
        --run-at +1h --max-attempts 3
    id=$OUT
    check "the options are stored" \
        test "$(sql "SELECT unique_key || ',' || priority || ',' || max_attempts || ',' ||
                            (run_at > pg_catalog.now() + interval '50 minutes')
                     FROM pict_repo.job_queue WHERE id = '$id'")" = "k1,7,3,true"
    expect "push a duplicate unique key" 1 "$P" push tq '{"n": 3}' --unique-key k1
    expect "push invalid JSON" 2 "$P" push tq '{"n":'
    check "names SQLSTATE 22P02" err_has "22P02"
    expect "push to an empty queue name" 2 "$P" push "" '{}'
    check "names SQLSTATE 22023" err_has "22023"
    printf '{"l": 1}\n\n{"l": 2}\n{"l": \n{"l": 4}\n' >"$W/lines"
    expect "push - with an invalid line" 2 "$P" push lq - <"$W/lines"
    check "prints one line per job, - for the invalid one" \
        test "$(sed 's/^[0-9a-f-]\{36\}$/id/' "$W/out" | tr '\n' ' ')" = "id id - id "
    check "reports the line number of the invalid line" err_has "line 4: 22P02"
    check "the three valid jobs are queued" \
        test "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'lq'")" = 3
    seq 1 1200 | sed 's/.*/{"i": &}/' >"$W/many"
    expect "push - 1200 lines (3 pipelined batches)" 0 "$P" push mq - <"$W/many"
    check "prints 1200 ids and queues 1200 jobs" \
        test "$(grep -c '^[0-9a-f-]\{36\}$' "$W/out"),$(sql "SELECT count(DISTINCT job) FROM pict_repo.job_queue WHERE queue = 'mq'")" = "1200,1200"
    sql "DELETE FROM pict_repo.job_queue WHERE queue IN ('tq', 'lq', 'mq')" >/dev/null
else
    skip "$MISSING" "push" "id" "json" "push options" "options stored" "duplicate" "invalid JSON" \
        "22P02" "empty queue" "22023" "push -" "lines" "line number" "valid queued" "push 1200" "1200"
fi

# --- work --------------------------------------------------------------------
if need push_job claim_job complete_job complete_and_claim_job fail_job heartbeat_job; then
    for i in 1 2 3; do "$P" push wq "{\"n\": $i}" >/dev/null; done
    "$P" push wq '{"fail": "dead"}' --max-attempts 1 >"$W/dead_id"
    "$P" push wq '{"fail": "retry"}' --max-attempts 2 >"$W/retry_id"
    "$P" push wq '{"fail": "long"}' --max-attempts 1 >"$W/long_id"
    "$P" push wq '{"fail": "bytes"}' --max-attempts 1 >"$W/bytes_id"
    cat >"$W/job.sh" <<'SH'
read -r job
case $job in
    *'"long"'*) i=0; while [ $i -lt 100 ]; do printf '%s\n' "noise line $i ............................................." >&2; i=$((i + 1)); done
                echo "the very end" >&2; exit 1 ;;
    *'"bytes"'*) printf 'bad \377\376 bytes \342\202' >&2; exit 1 ;;
    *fail*) echo "boom on $PICT_REPO_JOB_ID attempt $PICT_REPO_JOB_ATTEMPT" >&2; exit 3 ;;
esac
echo "ran $job in $PICT_REPO_QUEUE"
SH
    expect "work --until-empty" 0 "$P" work wq --until-empty --heartbeat 1 -- sh "$W/job.sh"
    check "runs each good job once with its JSON on stdin" \
        test "$(grep -c '^ran {"n": [123]} in wq$' "$W/out")" = 3
    check "completed jobs leave the queue" \
        test "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'wq' AND job ? 'n'")" = 0
    check "a failing job with no attempts left is dead with the stderr tail as last_error" \
        test "$(sql "SELECT last_error FROM pict_repo.dead_jobs WHERE id = '$(cat "$W/dead_id")'")" \
             = "exit status 3: boom on $(cat "$W/dead_id") attempt 1"
    check "a failing job with attempts left is back to new with last_error" \
        test "$(sql "SELECT status || ',' || attempts || ',' || last_error FROM pict_repo.job_queue
                     WHERE id = '$(cat "$W/retry_id")'")" \
             = "new,1,exit status 3: boom on $(cat "$W/retry_id") attempt 1"
    check "a long stderr is cut to its tail" \
        test "$(sql "SELECT pg_catalog.length(last_error) <= 1600
                            AND last_error LIKE 'exit status 1: %the very end'
                            AND last_error NOT LIKE '%noise line 0 %'
                     FROM pict_repo.dead_jobs WHERE id = '$(cat "$W/long_id")'")" = t
    check "the command's stderr passes through" err_has "boom on"
    check "bytes that are not UTF-8 in stderr become ? in last_error" \
        test "$(sql "SELECT last_error FROM pict_repo.dead_jobs WHERE id = '$(cat "$W/bytes_id")'")" \
             = "exit status 1: bad ?? bytes ??"

    for i in $(seq 1 9); do "$P" push cq "{\"n\": $i}" >/dev/null; done
    expect "work --concurrency 3 --until-empty" 0 \
        "$P" work cq --concurrency 3 --until-empty -- sh -c 'cat >/dev/null; echo "$PICT_REPO_JOB_ID $$" >>'"$W/cq.log"'; sleep 0.2'
    check "runs all 9 jobs exactly once" test "$(sort -u -k1,1 "$W/cq.log" | wc -l),$(wc -l <"$W/cq.log")" = "9,9"
    check "in more than one process" test "$(awk '{print $2}' "$W/cq.log" | sort -u | wc -l)" -gt 1
    check "the queue is empty" test "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'cq'")" = 0

    for i in 1 2 3 4 5 6 7; do "$P" push bq "{\"n\": $i}" >/dev/null; done
    expect "work --batch 3 --until-empty" 0 "$P" work bq --batch 3 --until-empty -- sh -c 'cat >>'"$W/bq.log"
    check "runs all 7 jobs claimed three at a time" \
        test "$(wc -l <"$W/bq.log"),$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'bq'")" = "7,0"

    for i in 1 2 3 4 5; do "$P" push mj "{\"n\": $i}" >/dev/null; done
    expect "work --max-jobs 2" 0 "$P" work mj --max-jobs 2 -- true
    check "runs exactly 2 jobs" test "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'mj'")" = 3
    expect "work --max-jobs 3 --concurrency 2" 0 "$P" work mj --max-jobs 3 --concurrency 2 -- true
    check "runs exactly 3 more" test "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'mj'")" = 0

    expect "work with a command that does not exist" 0 "$P" work nx --until-empty -- /nonexistent/cmd
    "$P" push nx '{}' --max-attempts 1 >"$W/nx_id"
    "$P" work nx --until-empty -- /nonexistent/cmd >/dev/null 2>&1
    check "fails the job with exit status 127" \
        test "$(sql "SELECT last_error LIKE 'exit status 127: %cannot run%' FROM pict_repo.dead_jobs
                     WHERE id = '$(cat "$W/nx_id")'")" = t

    # SIGTERM: the running job finishes and is completed, then exit 0.
    "$P" work sq --heartbeat 0.2 -- sh -c 'cat >/dev/null; sleep 1; echo finished' \
        >"$W/sq.out" 2>"$W/sq.err" &
    wpid=$!
    "$P" push sq '{"slow": true}' >"$W/sq_id"
    for _ in $(seq 1 50); do
        [ "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'sq' AND status = 'running'")" = 1 ] && break
        sleep 0.1
    done
    kill -TERM "$wpid"
    ( sleep 15; kill -KILL "$wpid" 2>/dev/null ) &
    guard=$!
    wait "$wpid"
    src=$?
    kill "$guard" 2>/dev/null
    if [ "$src" = 0 ]; then ok "work stops on SIGTERM (exit 0)"; else nok "work stops on SIGTERM: exit $src"; fi
    check "after finishing the running job" grep -q finished "$W/sq.out"
    check "which is completed" test "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'sq'")" = 0

    # A job taken away (requeued) while its command runs: the command is
    # terminated and the job left alone, neither completed nor failed.
    if need requeue_stale; then
        "$P" push lost '{"lost": true}' >"$W/lost_id"
        # The command would run for 600 s: exit 0 before the guard kills the
        # tool means it was terminated (no timing is assumed on a busy machine).
        "$P" work lost --max-jobs 1 --heartbeat 0.2 -- sh -c 'cat >/dev/null; sleep 600' \
            >"$W/lost.out" 2>"$W/lost.err" &
        wpid=$!
        ( sleep 60; kill -KILL "$wpid" 2>/dev/null ) &
        guard=$!
        wait_running lost 1
        requeue_now lost
        wait "$wpid"
        lrc=$?
        kill "$guard" 2>/dev/null
        if [ "$lrc" = 0 ]; then ok "work terminates the command of a job it lost"
        else nok "work and a lost job: exit $lrc"; fi
        check "and leaves the job to its new owner (new, not failed by the tool)" \
            test "$(sql "SELECT status || ',' || (COALESCE(last_error, '') NOT LIKE 'killed by%'
                                                AND COALESCE(last_error, '') NOT LIKE 'exit status%')
                         FROM pict_repo.job_queue WHERE id = '$(cat "$W/lost_id")'")" = "new,true"
    else
        skip "$MISSING" "work and a lost job" "left alone"
    fi

    # work -v says what became of each job.  The command of each job below
    # waits for a file, so the test can change the job's fate while it runs.
    vgate() { echo "cat >/dev/null; while [ ! -e '$W/$1.go' ]; do sleep 0.1; done; exit ${2:-0}"; }
    # vwork NAME QUEUE [EXIT] [OPTIONS...]: work -v on one job of QUEUE in the background.
    vwork() {
        local name=$1 queue=$2 code=$3; shift 3
        rm -f "$W/$name.go"
        "$P" work "$queue" --max-jobs 1 --heartbeat 600 -v "$@" -- sh -c "$(vgate "$name" "$code")" \
            >"$W/$name.out" 2>"$W/$name.err" &
        wpid=$!
        ( sleep 60; kill -KILL "$wpid" 2>/dev/null ) &
        guard=$!
    }
    vwait() { touch "$W/$1.go"; wait "$wpid"; VRC=$?; kill "$guard" 2>/dev/null; }
    "$P" push vlog '{"v": 1}' >"$W/vlog_id"
    vwork vok vlog 0
    wait_running vlog 1
    vwait vok
    check "work -v logs a completed job as completed" \
        grep -q "job $(cat "$W/vlog_id") completed in [0-9]* ms\$" "$W/vok.err"
    "$P" push vlog '{"v": 2}' >"$W/vlog_id"
    vwork vfail vlog 4
    wait_running vlog 1
    vwait vfail
    check "work -v logs a failed job with its outcome and error" \
        grep -q "job $(cat "$W/vlog_id") failed in [0-9]* ms, retry: exit status 4\$" "$W/vfail.err"
    sql "SELECT pict_repo.cancel_job('$(cat "$W/vlog_id")')" >/dev/null
    # Cancelled while the command runs (no heartbeat comes in between): the
    # completion does not reach the job, and the log says so.
    "$P" push vlog '{"v": 3}' >"$W/vlog_id"
    vwork vcancel vlog 0
    wait_running vlog 1
    sql "SELECT pict_repo.cancel_job('$(cat "$W/vlog_id")')" >/dev/null
    vwait vcancel
    check "work -v: a job cancelled while its command ran is not logged as done" \
        bash -c '! grep -qE "(done|completed) in" "$0"' "$W/vcancel.err"
    check "work -v: it is logged as no longer held, not completed" \
        grep -q "job $(cat "$W/vlog_id") finished in [0-9]* ms, not completed: no longer held by this worker" \
        "$W/vcancel.err"
    # The worker's connection is killed while the command runs: the
    # completion fails, the log says with what, and the job stays running.
    "$P" push vlog '{"v": 4}' >"$W/vlog_id"
    vwork vconn vlog 0
    wait_running vlog 1
    # (every other session of this database is the tool's: its worker and
    # heartbeat connections)
    sql "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity
         WHERE datname = pg_catalog.current_database() AND pid <> pg_catalog.pg_backend_pid()
           AND backend_type = 'client backend'" >/dev/null
    vwait vconn
    check "work -v: a lost connection is logged as a failed completion with its SQLSTATE" \
        grep -q "job $(cat "$W/vlog_id") finished in [0-9]* ms, not completed: 08006: " "$W/vconn.err"
    check "and work exits 3, the job still running on the server" \
        test "$VRC,$(sql "SELECT status FROM pict_repo.job_queue WHERE id = '$(cat "$W/vlog_id")'")" = "3,running"
    sql "SELECT pict_repo.cancel_job('$(cat "$W/vlog_id")')" >/dev/null
else
    skip "$MISSING" "lost job" "left alone" "work -v completed" "work -v failed" \
        "work -v cancelled not done" "work -v no longer held" "work -v connection" "exit 3"
    skip "$MISSING" "work --until-empty" "runs each" "completed" "dead last_error" "retry last_error" \
        "long stderr" "stderr passes" "not UTF-8" "concurrency" "9 once" "processes" "empty" "batch" "batch 7" "max-jobs 2" \
        "2 jobs" "max-jobs 3" "3 more" "nonexistent" "127" "SIGTERM" "finishing" "completed"
fi

# --- dead --------------------------------------------------------------------
if need retry_dead_job fail_job && [ -s "$W/dead_id" ]; then
    dead_id=$(cat "$W/dead_id")
    expect "dead list" 0 "$P" dead list
    check "lists the dead job with its last error" \
        grep -q "^$dead_id	wq	1	[0-9T:.Z-]*	exit status 3: boom on $dead_id attempt 1\$" "$W/out"
    check "the long error is on one line" test "$(wc -l <"$W/out")" -eq 4
    expect "dead list of another queue" 0 "$P" dead list nosuchqueue
    check "is empty" test -z "$OUT"
    expect "dead list --jobs wq" 0 "$P" dead list --jobs wq
    check "adds the job's JSON" grep -q "^$dead_id	.*	{\"fail\": \"dead\"}\$" "$W/out"
    expect "dead retry" 0 "$P" dead retry "$dead_id"
    check "puts the job back in its queue" \
        test "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE id = '$dead_id' AND status = 'new'")" = 1
    expect "dead retry of a job that is not dead" 1 "$P" dead retry "$dead_id"
else
    skip "${MISSING:-no dead job from the work tests}" "dead list" "lists" "one line" "other queue" \
        "empty" "dead list --jobs" "json" "dead retry" "back" "not dead"
fi

# --- text a tenant controls, escaped ----------------------------------------
# A queue name, a job's JSON, a command's stderr (and so a job's last_error),
# an identifier and a server message can hold anything a tenant chose:
# newlines and tabs that forge lines and columns, terminal control sequences
# (ESC ... BEL sets the window title, ESC [2J clears the screen; U+009B is a
# one-character CSI on some terminals), backslashes, bytes that are not
# UTF-8.  Every subcommand prints them escaped: \t \n \r \\ and \xHH for any
# other control character and for bytes that are not UTF-8.
# no_ctl FILE [KEEP]: FILE holds no control byte but newlines (and the
# characters of KEEP, e.g. a tab between columns), and no C1 control.
no_ctl() {
    ! LC_ALL=C tr -d "\n${2:-}" <"$1" | LC_ALL=C grep -qa '[[:cntrl:]]' &&
        ! LC_ALL=C grep -qaP '\xc2[\x80-\x9f]' "$1"
}
if need push_job claim_job fail_job list_dead_jobs queue_stats cleanup_hash; then
    evilq=$'evil\n\tq\033]0;title\007\033[2J\\\xc2\x9b'
    escq='evil\n\tq\x1b]0;title\x07\x1b[2J\\\xc2\x9b'
    "$P" push "$evilq" '{"k": "a\u001b[2Jb\tc\u009bd\\e"}' --max-attempts 1 >"$W/evil_id"
    check "a queue name with controls is a queue like any other" is_uuid "$(cat "$W/evil_id")"
    evil_id=$(cat "$W/evil_id")

    expect "status with that queue" 0 "$P" status
    check "status prints the queue name escaped" grep -qF -- "$escq " "$W/out"
    check "status: no raw control byte on stdout" no_ctl "$W/out"
    check "status: one line per queue (no forged row)" \
        test "$(wc -l <"$W/out")" = "$(( 4 + $(sql "SELECT count(*) FROM pict_repo.queue_stats()") ))"

    # The command writes controls, a backslash, a C1 control and a byte that
    # is not UTF-8 to its stderr, and fails.
    cat >"$W/evil.sh" <<'SH'
cat >/dev/null
printf 'err\ttab\033]0;pwned\007\033[2J back\\slash \302\233 bad \377 end\n' >&2
exit 5
SH
    expect "work on that queue" 0 "$P" work "$evilq" --until-empty -v -- sh "$W/evil.sh"
    check "the command's stderr passes through escaped, line by line" \
        grep -qxF -- 'err\ttab\x1b]0;pwned\x07\x1b[2J back\\slash \xc2\x9b bad \xff end' "$W/err"
    check "work -v logs the outcome with the error escaped" \
        grep -qF -- " ms, dead: exit status 5: err\\ttab\\x1b]0;pwned\\x07\\x1b[2J back\\\\slash \\xc2\\x9b bad ? end" "$W/err"
    check "work: no raw control byte on stderr" no_ctl "$W/err"
    # A character cut between two writes of the command is still one character.
    "$P" push "$evilq" '{"split": true}' >/dev/null
    expect "work with a command that writes a character in two pieces" 0 \
        "$P" work "$evilq" --until-empty -- sh -c "cat >/dev/null; printf '\342\202' >&2; sleep 0.5; printf '\254 euro\n' >&2"
    check "it passes through whole" grep -qx "€ euro" "$W/err"

    expect "dead list with that job" 0 "$P" dead list "$evilq"
    check "dead list: one line, five tab-separated fields" \
        test "$(wc -l <"$W/out"),$(awk -F '\t' '{print NF}' "$W/out")" = "1,5"
    check "dead list: the queue and the error escaped" \
        grep -qxF -- "$evil_id	$escq	1	$(cut -f4 "$W/out")	exit status 5: err\\ttab\\x1b]0;pwned\\x07\\x1b[2J back\\\\slash \\xc2\\x9b bad ? end" "$W/out"
    check "dead list: no raw control byte but the tabs between fields" no_ctl "$W/out" '\t'
    expect "dead list --jobs with that job" 0 "$P" dead list --jobs "$evilq"
    check "dead list --jobs: six fields on one line" \
        test "$(wc -l <"$W/out"),$(awk -F '\t' '{print NF}' "$W/out")" = "1,6"
    check "the JSON is printed as is, C1 controls \\u-escaped" \
        test "$(cut -f6 "$W/out")" = '{"k": "a\u001b[2Jb\tc\u009bd\\e"}'
    check "and is still the job's JSON" \
        test "$(echo "SELECT :'j'::jsonb = job FROM pict_repo.dead_jobs WHERE id = '$evil_id'" |
                psql -qXAt -U "$ADMIN" -v j="$(cut -f6 "$W/out")")" = t
    check "dead list --jobs: no raw control byte but the tabs between fields" no_ctl "$W/out" '\t'

    # An identifier with a newline and an ESC sequence.
    sql "INSERT INTO pict_repo.hashes (hash, identifier)
         VALUES ('\\xe51c', E'orig\nfake\x1b[2J')" >/dev/null
    expect "cleanup-hash of a hash with such an identifier" 0 "$P" cleanup-hash e51c
    check "prints the identifier escaped, on one line" test "$OUT" = 'orig\nfake\x1b[2J'

    # A server message quoting what the tenant sent (22P02's DETAIL).
    expect "push of JSON with an ESC in a bad token" 2 "$P" push q $'{"a": \033[2J}'
    check "the server's DETAIL is printed escaped" grep -qxF 'DETAIL: Token "\x1b" is invalid.' "$W/err"
    check "no raw control byte on stderr" no_ctl "$W/err"
    expect "an unreachable server" 3 "$P" -d "host=$W/nowhere port=1" status
    check "libpq's message of several lines is printed on one (DETAIL)" \
        bash -c '[ "$(wc -l <"$0")" = 2 ] && grep "^DETAIL: " "$0" | grep -qF "\\n\\t"' "$W/err"
    sql "SELECT pict_repo.cancel_job('$evil_id')" >/dev/null
else
    skip "$MISSING" "escaping: queue" "status escaped" "status no ctl" "status rows" "work" \
        "stderr escaped" "-v escaped" "work no ctl" "split work" "split whole" "dead list" "one line" "escaped" "no ctl" \
        "dead list --jobs" "six fields" "json" "json value" "no ctl" "cleanup-hash" "identifier" \
        "push bad json" "detail" "no ctl" "unreachable" "one line"
fi

# --- status and maintenance --------------------------------------------------
if need hash_count queue_length queue_stats; then
    expect "status" 0 "$P" status
    check "prints the counts" bash -c 'grep -q "^hashes: *[0-9]" "$0" && grep -q "^queued jobs: *[0-9]" "$0"' "$W/out"
    check "and a line for the work queue" grep -q "^wq " "$W/out"
else
    skip "$MISSING" "status" "counts" "queue line"
fi
if need run_maintenance; then
    expect "maintenance" 0 "$P" maintenance
    check "prints the five counts" \
        test "$(awk '{print $1}' "$W/out" | tr '\n' ' ')" = "requeued dead expired_uploads expired_locks due_notified "
else
    skip "$MISSING" "maintenance" "five counts"
fi

# --- the file service (list, info, usage, tag, access) -----------------------
. "$(dirname "$0")/media_test.sh"

# --- valgrind ----------------------------------------------------------------
if command -v valgrind >/dev/null; then
    vg() {
        local want=$1; shift
        valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --quiet "$P" "$@" >"$W/out" 2>"$W/err"
        local rc=$?
        if [ "$rc" = "$want" ]; then ok "valgrind: pict-repo $* is clean (exit $want)"
        else nok "valgrind: pict-repo $*: exit $rc, want $want"; grep '^==' "$W/err" | head -n 30; fi
    }
    vg 2 push q
    vg 3 -d "dbname=pict_repo_tool_noext" status
    if need hash_page hash_count; then vg 0 hashes --page-size 50; else skip "$MISSING" "valgrind hashes"; fi
    if need push_job; then vg 0 push vq '{"v": 1}'; printf '{}\n{"\n' >"$W/vg.lines"
        valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --quiet "$P" push vq - <"$W/vg.lines" >"$W/out" 2>"$W/err"
        if [ $? = 2 ]; then ok "valgrind: push - with an invalid line is clean"
        else nok "valgrind: push -"; grep '^==' "$W/err" | head -n 30; fi
    else skip "$MISSING" "valgrind push" "valgrind push -"; fi
    if need queue_stats; then vg 0 status; else skip "$MISSING" "valgrind status"; fi
    if need retry_dead_job fail_job; then vg 0 dead list; else skip "$MISSING" "valgrind dead list"; fi
    if need push_job claim_job complete_job fail_job heartbeat_job complete_and_claim_job; then
        "$P" push vw '{}' >/dev/null
        vg 0 work vw --until-empty --heartbeat 0.1 -- sh -c 'cat >/dev/null; sleep 0.3; exit 1'
    else
        skip "$MISSING" "valgrind work"
    fi
else
    nok "valgrind is missing"
fi

# --- storage tiers: stores, report, tier copy (test/tool/tiers.sh) ------------
. "$(dirname "$0")/tiers.sh"

echo "1..$T"
