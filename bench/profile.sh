#!/usr/bin/env bash
# Where the server CPU of a job goes: one client, synchronous_commit = off,
# claim + complete of single jobs through libpictrepo (bench/profile.c), on
# a throw-away cluster from a private server copy (as bench/run.sh).
#
#   bash bench/profile.sh [--jobs N] [--callgrind-jobs N] [--only PART,...]
#                         [--no-perf] [--no-callgrind] [--no-whatif]
#
# PART: timing statements explain index perf callgrind whatif (all of them
# by default; --only callgrind is what comparing two checkouts needs).
#
# Writes bench/results/profile.md (or PROFILE_OUT):
#   1. time per job: the client's clock per call, the backend's CPU time
#      (/proc/PID/stat), the client's CPU time, and a prepared SELECT 1 as
#      the floor of a round trip;
#   2. pg_stat_statements with track = all (every statement the functions
#      run through SPI too): calls, time, buffers and WAL per job;
#   3. EXPLAIN (ANALYZE, BUFFERS) of the kept plans, as generic plans with
#      the settings the extension plans them with;
#   4. the claim index: entries read per claim, dead rows, vacuums;
#   5. perf (cpu-clock samples with DWARF call graphs) of the backend;
#   6. callgrind: instructions per job of the backend (the postmaster runs
#      under valgrind; the driver marks the measured part);
#   7. the two by function (inclusive) and by caller for the GUC work;
#   8. what-if: instructions per job after cuts that need no code change
#      (SECURITY INVOKER without SET search_path; no CHECK constraints; no
#      running/unique_key indexes), cumulative.
# perf and valgrind are Debian's linux-perf and valgrind packages; a part
# whose tool is missing is skipped with a note.  Nothing here is part of
# `make test` or `make bench`; everything is removed on exit.
set -uo pipefail

cd "$(dirname "$0")/.."
OUT=${PROFILE_OUT:-bench/results/profile.md}
N=20000
NCG=2000
PARTS="timing statements explain index perf callgrind whatif"
while [ $# -gt 0 ]; do
    case $1 in
        --jobs) N=$2; shift ;;
        --callgrind-jobs) NCG=$2; shift ;;
        --only) PARTS=${2//,/ }; shift ;;
        --no-perf) PARTS=${PARTS/perf/} ;;
        --no-callgrind) PARTS=${PARTS/callgrind/}; PARTS=${PARTS/whatif/} ;;
        --no-whatif) PARTS=${PARTS/whatif/} ;;
        *) echo "usage: bash bench/profile.sh [--jobs N] [--callgrind-jobs N] [--only PART,...] [--no-perf] [--no-callgrind] [--no-whatif]" >&2
           exit 2 ;;
    esac
    shift
done
want() { [[ " $PARTS " == *" $1 "* ]]; }
die() { echo "profile: $*" >&2; exit 1; }

make -s all >/dev/null || die "the build failed"
make -s -C bench profile >/dev/null || die "bench/profile does not build"

. test/private_server.sh
trap private_server_remove EXIT
private_server_install || die "installing into a private server copy failed"
CLUSTER_CONF=$PRIVATE_ROOT/profile.conf
{
    cat bench/postgresql.conf
    echo "synchronous_commit = off"
    echo "shared_preload_libraries = 'pict_repo,pg_stat_statements'"
    echo "pg_stat_statements.track = none"
    echo "pg_stat_statements.max = 1000"
    echo "track_functions = none"
} >"$CLUSTER_CONF"
. test/cluster.sh
cluster_start pict_repo_profile || die "the cluster did not start"
W=$TMP/profile
as_pg mkdir -p "$W"
chmod 777 "$W"
trap 'stop_valgrind; cluster_stop; private_server_remove' EXIT
export PGDATABASE=pict_repo_bench
psql -qX -d postgres -c "CREATE DATABASE pict_repo_bench" >/dev/null || die "CREATE DATABASE failed"
psql -qX -c "CREATE EXTENSION pict_repo" -c "CREATE EXTENSION pg_stat_statements" >/dev/null ||
    die "CREATE EXTENSION failed"
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }
CLK_TCK=$(getconf CLK_TCK)

exec 3>"$OUT.tmp"
out() { printf '%s\n' "$*" >&3; }
VG_PID=

# Fill the queue "profile" with n jobs (and nothing else), then make the
# table's state the same for every run: vacuumed, analyzed, checkpointed.
fill() {
    q -c "TRUNCATE pict_repo.job_queue" >/dev/null
    local left=$1 k
    while [ "$left" -gt 0 ]; do
        k=$((left < 10000 ? left : 10000))
        q -c "SELECT count(*) FROM pict_repo.push_jobs('profile', ARRAY(SELECT '{\"op\": \"thumbnail\", \"n\": 1}'::jsonb FROM generate_series(1, $k)))" >/dev/null ||
            die "push_jobs failed"
        left=$((left - k))
    done
    q -c "VACUUM ANALYZE pict_repo.job_queue" -c "CHECKPOINT" >/dev/null
}

backend_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run MODE N [HOOK_BEFORE] [HOOK_AFTER]: start the driver, wait for its
# warm-up, run the hooks around the measured part; sets RESULT (the
# driver's JSON) and BACKEND_US (backend CPU microseconds per iteration).
run() {
    local mode=$1 n=$2 before=${3:-true} after=${4:-true} pid t0 t1 line cpid rfd wfd
    coproc DRV { exec env ${DRV_ENV:-} bench/profile "$mode" "$n"; }
    cpid=$DRV_PID
    exec {rfd}<&"${DRV[0]}" {wfd}>&"${DRV[1]}"
    eval "exec ${DRV[0]}<&- ${DRV[1]}>&-"
    read -r line <&$rfd || die "the driver did not start"
    pid=${line#pid }
    read -r line <&$rfd || die "the driver's warm-up failed"
    [ "$line" = ready ] || die "driver: $line"
    BACKEND_PID=$pid
    $before
    t0=$(backend_ticks "$pid")
    echo go >&$wfd
    read -r RESULT <&$rfd || die "the driver failed"
    t1=$(backend_ticks "$pid")
    $after
    exec {rfd}<&- {wfd}>&-
    wait "$cpid" 2>/dev/null
    BACKEND_US=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$n" 'BEGIN { printf "%.1f", d / hz / n * 1e6 }')
}
field() { sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p" <<<"$RESULT"; }

header() {
    out "# Where the server CPU of a job goes"
    out ""
    out "Written by \`bench/profile.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
    out ""
    out "| | |"
    out "|---|---|"
    out "| machine | $(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start |"
    out "| PostgreSQL | $(q -c 'SHOW server_version') |"
    out "| pict_repo | $(q -c 'SELECT pict_repo.version()') ($(git rev-parse --short HEAD 2>/dev/null || echo '?')) |"
    out "| settings | bench/postgresql.conf with synchronous_commit = off; pg_stat_statements preloaded (track = none except in its own run) |"
    out "| client | one connection, bench/profile (libpictrepo: prepared statements, binary uuids) |"
    out "| queue | $N jobs waiting at the start of each run (plus the warm-up's 500), job \`{\"op\": \"thumbnail\", \"n\": 1}\` |"
    out ""
}

# ---- 1. time per job ----------------------------------------------------------------
timing() {
    local mode
    echo "== timing"
    out "## Time per job"
    out ""
    out "Client clock per iteration and per call; backend CPU from /proc/PID/stat (utime + stime); client CPU from getrusage. \"SELECT 1\" is one prepared round trip that does nothing: the floor of a call."
    out ""
    out "| path | wall µs / iteration | first call µs | second call µs | backend CPU µs | client CPU µs | wall − backend − client µs |"
    out "|---|---:|---:|---:|---:|---:|---:|"
    for mode in claim-complete complete-claim roundtrip baseline; do
        fill $((N + 1000))
        run "$mode" "$N"
        local wall first second client
        wall=$(field wall_us)
        first=$(field first_call_us)
        second=$(field second_call_us)
        client=$(field client_cpu_us)
        out "| $(label "$mode") | $wall | $first | $second | $BACKEND_US | $client | $(awk -v a="$wall" -v b="$BACKEND_US" -v c="$client" 'BEGIN { printf "%.1f", a - b - c }') |"
        eval "TIMING_${mode//-/_}=$BACKEND_US"
        echo "  $mode: $RESULT backend ${BACKEND_US} us"
    done
    out ""
}
label() {
    case $1 in
        claim-complete) echo "claim_job(1) + complete_job" ;;
        complete-claim) echo "complete_and_claim_job(1)" ;;
        roundtrip) echo "SELECT 1" ;;
        baseline) echo "baseline (plain SQL claim + delete)" ;;
    esac
}

# ---- 2. pg_stat_statements -----------------------------------------------------------
pgss_reset() { q -c "SELECT pg_stat_statements_reset()" >/dev/null; }
statements() {
    echo "== pg_stat_statements"
    out "## pg_stat_statements (track = all)"
    out ""
    out "Every statement of one run of claim_job(1) + complete_job for $N jobs, with the statements the functions run through SPI (toplevel = f). Times are the executor's (planning is not tracked; the kept plans are not planned again). pg_stat_statements itself adds to the times of this run."
    out ""
    fill $((N + 1000))
    DRV_ENV="PGOPTIONS=-cpg_stat_statements.track=all" run claim-complete "$N" pgss_reset true
    out "| statement | toplevel | calls / job | mean µs | µs / job | shared blocks hit / call | WAL records / call | WAL bytes / call |"
    out "|---|---|---:|---:|---:|---:|---:|---:|"
    q -F '|' -c "
        SELECT regexp_replace(left(regexp_replace(query, '\s+', ' ', 'g'), 160), '\|', '\\|', 'g'),
               toplevel, round(calls::numeric / $N, 2), round((mean_exec_time * 1000)::numeric, 1),
               round((total_exec_time * 1000 / $N)::numeric, 1),
               round(shared_blks_hit::numeric / calls, 1), round(wal_records::numeric / calls, 2),
               round(wal_bytes::numeric / calls, 0)
        FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND calls >= $N / 2
        ORDER BY total_exec_time DESC" |
        while IFS='|' read -r query top calls mean per hit rec bytes; do
            out "| \`$query\` | $top | $calls | $mean | $per | $hit | $rec | $bytes |"
        done
    out ""
}

# ---- 3. EXPLAIN of the kept plans ------------------------------------------------------
explain() {
    echo "== explain"
    out "## The kept plans: EXPLAIN (ANALYZE, BUFFERS)"
    out ""
    out "The statements of extension/queue.c, prepared as generic plans with enable_seqscan and enable_bitmapscan off (as ExecHot plans them), run once in a transaction that is rolled back; the queue holds $N jobs and has just been vacuumed, then 2,000 jobs were claimed and completed (so the head of the claim index holds their dead entries, as between two vacuums)."
    out ""
    fill $((N + 3000))
    run claim-complete 2000
    out '```'
    q -v ON_ERROR_STOP=1 >&3 2>&1 <<'EOF'
SET plan_cache_mode = force_generic_plan;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
BEGIN;
PREPARE claim_one(text, uuid) AS
UPDATE pict_repo.job_queue j
   SET status = 'running', worker = $2, heartbeat = pg_catalog.now(),
       run_at = pg_catalog.now(), attempts = j.attempts + 1
 WHERE j.id = (SELECT id FROM pict_repo.job_queue
               WHERE queue = $1 AND status = 'new' AND run_at <= pg_catalog.now()
               ORDER BY priority DESC, run_at, id
               LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING j.id, j.job, j.attempts;
\echo -- claim_job(queue, worker, 1):
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING ON) EXECUTE claim_one('profile', '00000000-0000-0000-0000-00000000000a');
PREPARE complete_one(uuid, uuid, int2) AS
WITH d AS (
  DELETE FROM pict_repo.job_queue WHERE id = $1 AND worker = $2
  RETURNING queue, queue_time, run_at),
s AS (
  INSERT INTO pict_repo.queue_stats AS s (queue, minute, shard, completed, wait_time, run_time)
  SELECT queue, pg_catalog.date_trunc('minute', pg_catalog.now(), 'UTC'), $3, 1,
         GREATEST(run_at - queue_time, interval '0'), GREATEST(pg_catalog.now() - run_at, interval '0')
  FROM d
  ON CONFLICT (queue, minute, shard) DO UPDATE
  SET completed = s.completed + 1, wait_time = s.wait_time + EXCLUDED.wait_time,
      run_time = s.run_time + EXCLUDED.run_time)
SELECT pg_catalog.count(*) FROM d;
SELECT id AS job FROM pict_repo.job_queue WHERE worker = '00000000-0000-0000-0000-00000000000a' \gset
\echo -- complete_job(id, worker):
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING ON) EXECUTE complete_one(:'job', '00000000-0000-0000-0000-00000000000a', 1);
ROLLBACK;
EOF
    out '```'
    out ""
}

# ---- 4. the claim index ----------------------------------------------------------------
idx_before() {
    q -c "SELECT pg_stat_clear_snapshot()" >/dev/null
    IDX0=$(q -F ' ' -c "SELECT idx_scan, idx_tup_read, idx_tup_fetch FROM pg_stat_user_indexes WHERE indexrelname = 'job_queue_claim_idx'")
    VAC0=$(q -F ' ' -c "SELECT vacuum_count + autovacuum_count FROM pg_stat_user_tables WHERE relname = 'job_queue'")
}
idx_after() {
    sleep 1
    q -c "SELECT pg_stat_clear_snapshot()" >/dev/null
    IDX1=$(q -F ' ' -c "SELECT idx_scan, idx_tup_read, idx_tup_fetch FROM pg_stat_user_indexes WHERE indexrelname = 'job_queue_claim_idx'")
    VAC1=$(q -F ' ' -c "SELECT vacuum_count + autovacuum_count FROM pg_stat_user_tables WHERE relname = 'job_queue'")
    DEAD=$(q -c "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'job_queue'")
}
claim_index() {
    echo "== claim index"
    out "## The claim index during a run"
    out ""
    fill $((N + 1000))
    run claim-complete "$N" idx_before idx_after
    read -r s0 r0 f0 <<<"$IDX0"
    read -r s1 r1 f1 <<<"$IDX1"
    out "claim_job(1) + complete_job, $N jobs: job_queue_claim_idx scanned $((s1 - s0)) times, $(awk -v a=$((r1 - r0)) -v b=$((s1 - s0)) 'BEGIN { printf "%.2f", a / b }') entries read and $(awk -v a=$((f1 - f0)) -v b=$((s1 - s0)) 'BEGIN { printf "%.2f", a / b }') heap rows fetched per scan; $((VAC1 - VAC0)) vacuums of job_queue during the run (the maintenance worker's and autovacuum's); $DEAD dead rows at the end (pg_stat_user_tables)."
    out ""
}

# ---- 5./6. the breakdown by function -------------------------------------------------------
# The functions whose inclusive cost is reported (PostgreSQL's exported
# symbols and pict_repo's; the server binary is stripped, so static
# functions are only seen inside these), with what they stand for.
FUNCS="PostgresMain|the backend, all of it
secure_read|reading the next message, with the wait for it (epoll)
secure_write|sending the results
StartTransactionCommand|starting the transaction of each call
PortalRun|running the top-level statement (SELECT ... FROM claim_job(...))
fmgr_security_definer|calling the SECURITY DEFINER + SET search_path functions, all of it
ProcessGUCArray|  SET search_path on entry to each function
pict_repo_claim_job|  claim_job
pict_repo_complete_job|  complete_job
SPI_connect|    SPI_connect
SPI_finish|    SPI_finish
SPI_execute_plan|    the statements inside (SPI_execute_plan)
GetCachedPlan|      plan cache check and locks of the kept plans
standard_ExecutorStart|      executor start-up (both levels)
ExecOpenIndices|        opening the indexes of the changed tables
BuildIndexInfo|          building their IndexInfo (per statement)
standard_ExecutorEnd|      executor shut-down (both levels)
index_getnext_slot|      index scans: the claim index walk, primary-key lookups
heap_hot_search_buffer|      heap visits of index entries
heap_lock_tuple|      FOR UPDATE SKIP LOCKED
heap_update|      heap_update (the claim)
heap_delete|      heap_delete (the completion)
ExecInsertIndexTuples|      index entries of new row versions
_bt_doinsert|        btree inserts
ExecCheckIndexConstraints|      ON CONFLICT: looking for the queue_stats row
ExecConstraints|      CHECK constraints of job_queue
stringToNode|      parsing stored expressions (the CHECK constraints, per statement)
XLogInsert|WAL records
set_config_option|every GUC assignment (search_path, ExecHot's planner settings, synchronous_commit)
AtEOXact_GUC|GUC nest levels unwound (ExecHot, function exit, transaction end)
CommitTransactionCommand|commit
XLogSetAsyncXactLSN|  waking the WAL writer after an asynchronous commit
LockAcquireExtended|heavyweight locks taken (relations, indexes)
LockReleaseAll|locks released at commit
hash_search_with_hash_value|hash table lookups (locks, caches)
AllocSetContextCreateInternal|memory contexts created
MemoryContextDelete|memory contexts deleted"
# Edges caller>callee reported separately (the GUC work by who asks for it).
EDGES="ExecHot>set_config_option|  set_config_option by ExecHot (enable_seqscan, enable_bitmapscan off around each statement)
ExecHot>AtEOXact_GUC|  AtEOXact_GUC by ExecHot (putting them back)
ExecHot>NewGUCNestLevel|  NewGUCNestLevel by ExecHot
fmgr_security_definer>ProcessGUCArray|  search_path set on entry
fmgr_security_definer>AtEOXact_GUC|  search_path put back on exit"

# perf script output -> "function<TAB>share of samples" for FUNCS and EDGES
# (a sample counts once for a function however often it is on the stack;
# an edge counts when the callee's caller frame is the named caller).
perf_shares() {
    perf script -i "$W/perf.data" -F ip,sym 2>/dev/null | awk -v funcs="$(cut -d'|' -f1 <<<"$FUNCS" | tr '\n' ',')" \
        -v edges="$(cut -d'|' -f1 <<<"$EDGES" | tr '\n' ',')" '
        BEGIN {
            n = split(funcs, f, ","); for (i = 1; i <= n; i++) if (f[i] != "") want[f[i]] = 1
            n = split(edges, e, ","); for (i = 1; i <= n; i++) if (e[i] != "") wantedge[e[i]] = 1
        }
        function flush() {
            if (depth == 0) return
            total++
            for (i = 1; i <= depth; i++) {
                if ((fr[i] in want) && !((fr[i]) in seen)) { seen[fr[i]] = 1; cnt[fr[i]]++ }
                if (i < depth) {
                    k = fr[i + 1] ">" fr[i]
                    if ((k in wantedge) && !(k in seen)) { seen[k] = 1; cnt[k]++ }
                }
            }
            for (k in seen) delete seen[k]
            depth = 0
        }
        /^[ \t]*$/ { flush(); next }
        { sym = $2; sub(/\+0x[0-9a-f]+$/, "", sym); fr[++depth] = sym }
        END { flush(); for (k in cnt) printf "%s\t%.6f\n", k, cnt[k] / total; printf "TOTAL\t%d\n", total }'
}

# callgrind dump -> "function<TAB>inclusive Ir" for every function, and
# "caller>callee<TAB>Ir" for every call edge (recursion through the
# executor makes the inclusive cost of the executor's own entry points
# count nested statements twice; the functions in FUNCS are not recursive
# except as noted).
cg_costs() {
    awk '
        function fname(s,   id, rest) {
            s = substr(s, index(s, "=") + 1)
            if (match(s, /^\([0-9]+\)/)) {
                id = substr(s, 2, RLENGTH - 2); rest = substr(s, RLENGTH + 1); sub(/^ /, "", rest)
                if (rest != "") names[id] = rest
                return names[id]
            }
            return s
        }
        /^fn=/ { cur = fname($0); next }
        /^cfn=/ { callee = fname($0); next }
        /^calls=/ { incall = 1; next }
        /^[0-9+*-]/ {
            c = $NF
            if (incall) { if (callee != cur) { edge[cur ">" callee] += c; incl[cur] += c }; incall = 0 }
            else { self[cur] += c; incl[cur] += c; total += c }
            next
        }
        END {
            for (k in incl) printf "%s\t%d\n", k, incl[k]
            for (k in edge) printf "%s\t%d\n", k, edge[k]
            printf "TOTAL\t%d\n", total
        }' "$1"
}

perf_start() {
    perf record -q -e cpu-clock -F 1000 --call-graph dwarf,8192 -p "$BACKEND_PID" -o "$W/perf.data" >/dev/null 2>&1 &
    PERF_PID=$!
    sleep 1
}
perf_stop() {
    kill -INT "$PERF_PID" 2>/dev/null
    wait "$PERF_PID" 2>/dev/null
}
PERF_TABLE=
perf_part() {
    echo "== perf"
    if ! command -v perf >/dev/null; then
        PERF_NOTE="perf is not installed (Debian package linux-perf): no perf column."
        return
    fi
    fill $((N + 1000))
    TIMING_US=$TIMING_claim_complete
    run claim-complete "$N" perf_start perf_stop
    PERF_US=$BACKEND_US
    PERF_TABLE=$W/perf.tsv
    perf_shares >"$PERF_TABLE"
    PERF_NOTE="perf: cpu-clock samples at 1 kHz with DWARF call graphs of the backend only, $N jobs of claim_job(1) + complete_job ($(awk -F'\t' '$1 == "TOTAL" { print $2 }' "$PERF_TABLE") samples; backend CPU ${PERF_US} µs per job under perf against ${TIMING_US} µs without: the unwinding costs time of its own). The µs column applies the share to the ${TIMING_US} µs measured without perf. This machine's perf has no hardware counters (cycles, instructions)."
}

# ---- 6. callgrind ------------------------------------------------------------------------------
start_valgrind() {
    as_pg pg_ctl -D "$PGDATA_DIR" -m fast -w stop >/dev/null
    # Every process is instrumented; the driver's backend zeroes its counts
    # when it enters pg_sleep and dumps them when it enters
    # pg_stat_clear_snapshot (PROFILE_MARKS: the statements around the
    # measured part).  Forked backends cannot be reached by callgrind_control.
    as_pg valgrind --tool=callgrind --trace-children=no \
        --zero-before=pg_sleep --dump-before=pg_stat_clear_snapshot \
        --callgrind-out-file="$W/cg.%p" \
        "$(command -v postgres)" -D "$PGDATA_DIR" >"$W/valgrind.log" 2>&1 &
    VG_PID=$!
    for _ in $(seq 1 300); do
        pg_isready -q -t 60 && break
        sleep 1
    done
    pg_isready -q -t 60 || die "the server did not start under valgrind"
}
stop_valgrind() {
    if [ -n "$VG_PID" ]; then
        as_pg pg_ctl -D "$PGDATA_DIR" -m fast -w -t 600 stop >/dev/null 2>&1
        wait "$VG_PID" 2>/dev/null
        VG_PID=
    fi
}
# cg_run MODE N: instructions per iteration of the backend (CG_PER); the
# costs by function and edge in $W/cg.MODE.tsv.
claim_idx_reads() {
    q -c "SELECT idx_scan || ' ' || idx_tup_read FROM pg_stat_user_indexes WHERE indexrelname = 'job_queue_claim_idx'"
}
cg_run() {
    local f s0 r0 s1 r1
    fill $(($2 + 1000))
    read -r s0 r0 <<<"$(claim_idx_reads)"
    DRV_ENV="PROFILE_MARKS=1 PROFILE_WARMUP=100 ${CG_ENV:-}" run "$1" "$2"
    sleep 1
    read -r s1 r1 <<<"$(claim_idx_reads)"
    CG_ENTRIES=-
    [ "$1" != roundtrip ] && [ "$1" != baseline ] &&
        CG_ENTRIES=$(awk -v a=$((r1 - r0)) -v b=$((s1 - s0)) 'BEGIN { printf "%.1f", b ? a / b : 0 }')
    f=$(ls -t "$W"/cg."$BACKEND_PID".[0-9]* 2>/dev/null | head -1)
    [ -n "$f" ] || die "no callgrind dump of backend $BACKEND_PID"
    cg_costs "$f" >"$W/cg.$1.tsv"
    rm -f "$W"/cg.[0-9]*
    CG_PER=$(awk -F'\t' -v n="$2" '$1 == "TOTAL" { printf "%.0f", $2 / n }' "$W/cg.$1.tsv")
}
CG_TABLE=
callgrind_part() {
    echo "== callgrind"
    if ! command -v valgrind >/dev/null; then
        CG_NOTE="valgrind is not installed: no callgrind column."
        return
    fi
    start_valgrind
    out "## callgrind: instructions per job"
    out ""
    out "The postmaster runs under callgrind; the driver's backend is counted from the end of the warm-up for $NCG iterations (zeroed on entering pg_sleep, dumped on entering pg_stat_clear_snapshot, which the driver calls around the measured part). Instruction counts do not depend on the machine's load (compare them between variants); µs per instruction is taken from the timing run (same code, no valgrind)."
    out ""
    out "| path | instructions / iteration | claim index entries read / claim | backend CPU µs (timing run) | ns / instruction |"
    out "|---|---:|---:|---:|---:|"
    local mode t
    for mode in roundtrip baseline claim-complete complete-claim; do
        cg_run "$mode" "$NCG"
        eval "t=\${TIMING_${mode//-/_}:-0}"
        out "| $(label "$mode") | $CG_PER | $CG_ENTRIES | $([ "$t" = 0 ] && echo - || echo "$t") | $(awk -v a="$t" -v b="$CG_PER" 'BEGIN { if (a > 0) printf "%.3f", a * 1000 / b; else printf "-" }') |"
        eval "CGE_${mode//-/_}=$CG_ENTRIES"
        eval "CG_${mode//-/_}=$CG_PER"
    done
    out ""
    CG_TABLE=$W/cg.claim-complete.tsv
    CG_NOTE="callgrind: inclusive instructions per job of the backend, $NCG jobs of claim_job(1) + complete_job ($CG_claim_complete instructions per job in all). Functions the executor reaches again through SPI count once per level (standard_ExecutorStart and standard_ExecutorEnd cover both the top-level statement and the statements inside)."
}

# ---- 7. the breakdown ---------------------------------------------------------------------------
breakdown() {
    echo "== breakdown"
    out "## Breakdown by function (claim_job(1) + complete_job)"
    out ""
    out "Inclusive: a function's share includes everything it calls, so the rows overlap (indented rows are inside the row above them)."
    [ -n "${PERF_NOTE:-}" ] && out "$PERF_NOTE"
    [ -n "${CG_NOTE:-}" ] && out "$CG_NOTE"
    out ""
    out "| function | what it is | perf share | perf µs / job | instructions / job | instruction share |"
    out "|---|---|---:|---:|---:|---:|"
    local key what ps pu ci cs
    while IFS='|' read -r key what; do
        ps=-; pu=-; ci=-; cs=-
        if [ -n "$PERF_TABLE" ]; then
            ps=$(awk -F'\t' -v k="$key" '$1 == k { printf "%.1f%%", 100 * $2 }' "$PERF_TABLE")
            pu=$(awk -F'\t' -v k="$key" -v us="$TIMING_US" '$1 == k { printf "%.1f", $2 * us }' "$PERF_TABLE")
        fi
        if [ -n "$CG_TABLE" ]; then
            ci=$(awk -F'\t' -v k="$key" -v n="$NCG" '$1 == k { printf "%.0f", $2 / n }' "$CG_TABLE")
            cs=$(awk -F'\t' -v k="$key" '$1 == "TOTAL" { t = $2 } $1 == k { v = $2 } END { if (v != "") printf "%.1f%%", 100 * v / t }' "$CG_TABLE")
        fi
        out "| \`${key//>/ → }\` | $what | ${ps:-0} | ${pu:-0} | ${ci:-0} | ${cs:-0} |"
    done <<<"$FUNCS
$EDGES"
    out ""
}

# ---- 8. what-if ------------------------------------------------------------------------------
whatif_row() {
    cg_run claim-complete "$NCG"
    local a=$CG_PER e=$CG_ENTRIES
    cg_run complete-claim "$NCG"
    out "| $1 | $a | $(awk -v a="$a" -v b="$CG_claim_complete" 'BEGIN { printf "%+.0f (%+.1f%%)", a - b, 100 * (a - b) / b }') | $e | $CG_PER | $(awk -v a="$CG_PER" -v b="$CG_complete_claim" 'BEGIN { printf "%+.0f (%+.1f%%)", a - b, 100 * (a - b) / b }') |"
}
drop_checks() {
    q -c "DO \$\$ DECLARE c name; BEGIN
            FOR c IN SELECT conname FROM pg_constraint
                     WHERE conrelid = 'pict_repo.job_queue'::regclass AND contype = 'c'
                       AND pg_get_constraintdef(oid) $1 '%worker IS NOT NULL%' LOOP
              EXECUTE format('ALTER TABLE pict_repo.job_queue DROP CONSTRAINT %I', c);
            END LOOP; END \$\$" >/dev/null || die "dropping CHECK constraints failed"
}
# The single-column checks of job_queue: domains since 1.5 (CHECK
# constraints of the table before; drop_checks "NOT LIKE" drops those).
drop_domain_checks() {
    q -c "DO \$\$ DECLARE r record; BEGIN
            FOR r IN SELECT t.typname, c.conname FROM pg_constraint c
                     JOIN pg_type t ON t.oid = c.contypid
                     WHERE t.typnamespace = 'pict_repo'::regnamespace AND c.contype = 'c' LOOP
              EXECUTE format('ALTER DOMAIN pict_repo.%I DROP CONSTRAINT %I', r.typname, r.conname);
            END LOOP; END \$\$" >/dev/null || die "dropping the domains' checks failed"
}
whatif_part() {
    echo "== what-if"
    out "## What-if: cuts that need no code change"
    out ""
    out "callgrind runs as above ($NCG iterations each), against the figures above (claim_job(1) + complete_job: $CG_claim_complete, complete_and_claim_job(1): $CG_complete_claim instructions per job). The first row changes only the session's synchronous_commit; the others are applied to the profiling cluster one after the other (each includes the rows above it)."
    out ""
    out "| cut | claim_job(1) + complete_job: instructions / job | change | claim index entries read / claim | complete_and_claim_job(1): instructions / job | change |"
    out "|---|---:|---:|---:|---:|---:|"
    CG_ENV="PGOPTIONS=-csynchronous_commit=on" whatif_row "synchronous_commit = on (not a cut: the completions' WAL flush lets the claims' hint bits be set, so scans can kill the claim index entries of claimed jobs)"
    q -c "ALTER FUNCTION pict_repo.claim_job(text, uuid, integer) RESET search_path" \
      -c "ALTER FUNCTION pict_repo.claim_job(text, uuid, integer) SECURITY INVOKER" \
      -c "ALTER FUNCTION pict_repo.complete_job(uuid, uuid) RESET search_path" \
      -c "ALTER FUNCTION pict_repo.complete_job(uuid, uuid) SECURITY INVOKER" \
      -c "ALTER FUNCTION pict_repo.complete_and_claim_job(uuid, uuid, text, integer) RESET search_path" \
      -c "ALTER FUNCTION pict_repo.complete_and_claim_job(uuid, uuid, text, integer) SECURITY INVOKER" >/dev/null ||
        die "ALTER FUNCTION failed"
    whatif_row "SECURITY INVOKER, no SET search_path (claim_job, complete_job, complete_and_claim_job)"
    drop_checks "NOT LIKE"
    drop_domain_checks
    whatif_row "+ no checks of queue length, attempts and max_attempts (the domains' constraints; CHECK constraints of job_queue before 1.5)"
    drop_checks "LIKE"
    whatif_row "+ no CHECK ((status = 'running') = (worker IS NOT NULL))"
    q -c "DROP INDEX pict_repo.job_queue_running_idx" -c "DROP INDEX pict_repo.job_queue_unique_key_idx" >/dev/null ||
        die "dropping the indexes failed"
    whatif_row "+ no job_queue_running_idx and job_queue_unique_key_idx"
    out ""
}

header
want timing && timing
want statements && statements
want explain && explain
want index && claim_index
want perf && perf_part
want callgrind && callgrind_part
breakdown
if [ -n "$VG_PID" ]; then
    want whatif && whatif_part
    stop_valgrind
fi
exec 3>&-
mv "$OUT.tmp" "$OUT"
echo "profile: wrote $OUT"
