#!/usr/bin/env bash
# `make demo`: an image host's life on pict_repo, narrated.
#
# Builds and installs the extension, libpictrepo and pict-repo, starts a
# throw-away cluster with the module preloaded (demo/postgresql.conf: job
# timeout 3s, maintenance every 500ms), and then, through the tool and a
# small C program on the library (demo/imagehost.c):
#   1. ingests a batch of uploads (hashes, aliases, details) in one pipeline;
#   2. queues processing jobs and runs a pool of three workers;
#   3. kills the worker of a slow job with SIGKILL and watches the
#      background worker hand the job back after the timeout;
#   4. deletes an alias with its token and cleans up its orphaned hash,
#      printing the files to delete from storage;
#   5. prints the queue statistics.
# The cluster is stopped on exit.  Takes about half a minute.
set -uo pipefail

cd "$(dirname "$0")/.."
START=$(date +%s)
BOLD=
PLAIN=
if [ -t 1 ]; then
    BOLD=$(tput bold 2>/dev/null || true)
    PLAIN=$(tput sgr0 2>/dev/null || true)
fi

step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
tell() { printf '   %s\n' "$*"; }
show() { printf '   $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/     /'; return "${PIPESTATUS[0]}"; }
die()  { printf '\ndemo failed: %s\n' "$*" >&2; exit 1; }
sql()  { psql -qXAt -v ON_ERROR_STOP=1 -c "$1"; }

# Wait up to $1 seconds for the shell condition $2.
wait_for() {
    local deadline=$(( $(date +%s) + $1 ))
    until eval "$2"; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

step "Building and installing pict_repo, libpictrepo and pict-repo"
# The installed module is shared with test runs of other checkouts.
exec 9>/tmp/pict_repo_test.lock
flock -w 120 9 || tell "(another run holds /tmp/pict_repo_test.lock; going on anyway)"
make -s all >/dev/null || die "the build failed"
make -s install >/dev/null || die "make install failed (run make demo as root)"
PICT_REPO=${PREFIX:-/usr/local}/bin/pict-repo
[ -x "$PICT_REPO" ] || PICT_REPO=$PWD/client/tool/pict-repo
tell "installed; the tool is $PICT_REPO"

step "Starting a throw-away PostgreSQL with the pict_repo background worker"
CLUSTER_CONF=demo/postgresql.conf
. test/cluster.sh
cluster_start pict_repo_demo || die "the cluster did not start"
export PGDATABASE=pict_repo_demo
psql -qX -d postgres -c "CREATE DATABASE pict_repo_demo" >/dev/null || die "CREATE DATABASE failed"
sql "CREATE EXTENSION pict_repo" >/dev/null || die "CREATE EXTENSION failed"
tell "cluster in $TMP, port $PGPORT; extension pict_repo $(sql 'SELECT pict_repo.version()') created"
# The demo needs the hash, alias and queue functions.
for f in ingest hash_count hash_page cleanup_hash delete_alias push_job claim_job \
         heartbeat_job complete_job complete_and_claim_job fail_job queue_stats \
         queue_length run_maintenance; do
    [ "$(sql "SELECT count(*) FROM pg_catalog.pg_proc WHERE proname = '$f'
              AND pronamespace = 'pict_repo'::regnamespace")" != 0 ] ||
        die "this build of the extension has no pict_repo.$f(), which the demo needs"
done
tell "settings: job_timeout $(sql 'SHOW pict_repo.job_timeout'), maintenance every $(sql 'SHOW pict_repo.maintenance_interval')"

BIN=$TMP/bin
mkdir -p "$BIN"
# The image host: a small C program built with pkg-config against the
# installed library, exactly as an application would be.
if ! cc -Wall -Wextra -o "$BIN/imagehost" demo/imagehost.c \
        $(pkg-config --cflags --libs pict-repo) 2>"$TMP/cc.log"; then
    cat "$TMP/cc.log" >&2
    die "demo/imagehost.c does not build with pkg-config pict-repo"
fi

# --- 1. uploads --------------------------------------------------------------
step "1. Twelve pictures are uploaded; the thirteenth is the first one again"
tell "imagehost sends the thirteen ingest() calls in one libpq pipeline"
tell "(pr_ingest_batch): each creates the hash with its details and an alias."
"$BIN/imagehost" ingest 12 >"$TMP/uploads" || { cat "$TMP/uploads"; die "ingest failed"; }
printf '     %-42s %-10s %s\n' "alias" "hash" "stored identifier"
while IFS=$'\t' read -r alias token hash created ident; do
    printf '     %-42s %-10s %s\n' "$alias" "${created}" "$ident"
done <"$TMP/uploads"
dup=$(tail -n 1 "$TMP/uploads" | cut -f5)
tell "The last upload had a known hash: it got its own alias but the stored"
tell "identifier is the first upload's ($dup), so the host deletes the file it"
tell "just wrote.  Repository now: $(sql 'SELECT pict_repo.hash_count()') hashes, $(sql 'SELECT count(*) FROM pict_repo.aliases') aliases."
tell "The newest hashes, streamed in keyset pages by the tool:"
show "$PICT_REPO" hashes --page-size 5 | head -n 4

# --- 2. jobs and workers ---------------------------------------------------------
step "2. Processing jobs go to the queue 'process'; three workers take them"
{
    while IFS=$'\t' read -r alias token hash created ident; do
        [ "$created" = new ] && printf '{"op": "thumbnail", "alias": "%s"}\n' "$alias"
    done <"$TMP/uploads"
    echo '{"op": "transcode", "alias": "cat.png", "slow": true}'
    echo '{"op": "thumbnail", "alias": "corrupt.png", "corrupt": true}'
} >"$TMP/jobs"
"$PICT_REPO" push process - --max-attempts 3 <"$TMP/jobs" >"$TMP/job_ids" || die "push failed"
tell "pushed $(wc -l <"$TMP/job_ids") jobs with one pipeline (pict-repo push process -):"
tell "a thumbnail per picture, a slow transcode, and a thumbnail of a corrupt file."

# The job command: gets the job's JSON on stdin.  The slow job sleeps on its
# first attempt (we kill its worker then); the corrupt one fails.
cat >"$BIN/process.sh" <<'SH'
job=$(cat)
case $job in
    *'"slow": true'*)
        if [ "$PICT_REPO_JOB_ATTEMPT" = 1 ]; then
            echo "$PPID" >"$DEMO_TMP/slow.pid"
            echo "worker $PPID: transcoding cat.png (slow, attempt 1)"
            sleep 5
            # Orphaned when its worker was killed: nobody waits for the result.
            kill -0 "$PPID" 2>/dev/null || exit 1
        fi
        echo "worker $PPID: transcoded cat.png on attempt $PICT_REPO_JOB_ATTEMPT" ;;
    *corrupt*)
        echo "corrupt.png: not a PNG file (bad signature)" >&2
        exit 1 ;;
    *)
        sleep 0.2
        echo "worker $PPID: thumbnail of $(printf '%s' "$job" | sed 's/.*"alias": "\([^"]*\)".*/\1/') done" ;;
esac
SH
tell "\$ pict-repo work process --concurrency 3 --heartbeat 1 --retry-in 1 -- sh process.sh"
DEMO_TMP=$TMP "$PICT_REPO" work process --concurrency 3 --heartbeat 1 --retry-in 1 \
    -- sh "$BIN/process.sh" > >(sed -u 's/^/     /') 2> >(sed -u 's/^/     (stderr) /') &
POOL=$!

# --- 3. a worker dies ------------------------------------------------------------
wait_for 15 '[ -s "$TMP/slow.pid" ]' || die "the slow job never started"
VICTIM=$(cat "$TMP/slow.pid")
sleep 1
step "3. The worker process $VICTIM is killed with SIGKILL in the middle of the slow job"
kill -KILL "$VICTIM"
tell "It cannot answer or clean up: the job stays 'running' and its heartbeat stops."
sleep 0.3
tell "job_queue now: $(sql "SELECT status || ', attempt ' || attempts FROM pict_repo.job_queue WHERE job ? 'slow'")"
tell "The pool starts a replacement worker; the background worker inside the"
tell "server requeues the job once its heartbeat is older than job_timeout (3s)."
wait_for 30 '[ "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE job ? '"'slow'"'")" = 0 ]' ||
    die "the killed worker's job did not come back"
tell "The job came back and another worker finished it on attempt 2."
grep -E 'pict_repo.*(requeue|stale)' "$TMP/server.log" | tail -n 2 | sed 's/^/     server log: /'

wait_for 30 '[ "$(sql "SELECT count(*) FROM pict_repo.job_queue WHERE queue = '"'process'"'")" = 0 ]' ||
    die "the queue did not drain"
tell "The queue is empty; the pool is stopped with SIGTERM (it finishes running jobs first)."
kill -TERM "$POOL"
wait "$POOL" || die "the worker pool exited with $?"
sleep 0.2
tell "The corrupt file failed three times and is now a dead job:"
show "$PICT_REPO" dead list process

# --- 4. deletion -------------------------------------------------------------------
step "4. The owner of cat.png deletes it with its delete token"
tell "A wrong token is refused (SQLSTATE 28000):"
show "$BIN/imagehost" delete cat.png not-the-token
tell "The right token:"
out=$("$BIN/imagehost" delete cat.png cat-secret) || die "delete_alias failed"
tell "$out"
hash=${out%% *}
if [[ $out != *orphaned ]]; then
    tell "(the hash still has aliases: the re-upload of the same picture)"
    tell "Its last alias is deleted too:"
    again=$(awk -F'\t' -v h="$hash" '$3 == h && $1 != "cat.png" {print $1 "\t" $2}' "$TMP/uploads" | tail -n 1)
    out=$("$BIN/imagehost" delete "${again%%$'\t'*}" "${again#*$'\t'}") || die "delete_alias failed"
    tell "$out"
fi
tell "No alias points at the hash any more: clean it up and get the files to delete."
show "$PICT_REPO" cleanup-hash "$hash" || die "cleanup-hash failed"
tell "Repository now: $(sql 'SELECT pict_repo.hash_count()') hashes, $(sql 'SELECT count(*) FROM pict_repo.aliases') aliases."

# --- 5. statistics ------------------------------------------------------------------
step "5. Queue statistics"
show "$PICT_REPO" status

step "Done in $(( $(date +%s) - START ))s; stopping the cluster"
exit 0
