#!/usr/bin/env bash
# Tests of pict-repo import-pict-rs, run by test/suites/65_import_pictrs.sh
# against the throw-away cluster (PGHOST, PGPORT, PGUSER: a superuser).
# Prints TAP lines.
#
#   PICT_REPO   the tool binary
#   IMPORT_TMP  a scratch directory
#
# A pict-rs 0.5 repository (test/pictrs/schema.sql, filled by fill.sql) is
# built in a database of its own and imported into pict_repo by the tool
# connected as an application role (a LOGIN member of pict_repo_user); then
# every row is compared (compare_source.sql against compare_target.sql).
set -u
P=${PICT_REPO:?}
W=${IMPORT_TMP:?}
T=0
D=$(dirname "$0")
APP=pict_repo_import_app
export PGOPTIONS='-c client_min_messages=warning'

ok()   { T=$((T + 1)); echo "ok $T - $*"; }
nok()  { T=$((T + 1)); echo "not ok $T - $*"; }
diag() { sed 's/^/#   /' "$W/out" "$W/err" | head -n 20; }
sql()  { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }
run() { "$@" >"$W/out" 2>"$W/err"; RC=$?; }
expect() {
    local desc=$1 want=$2; shift 2
    run "$@"
    if [ "$RC" = "$want" ]; then ok "$desc (exit $want)"; else nok "$desc: exit $RC, want $want"; diag; fi
}
check() {
    local desc=$1; shift
    if "$@"; then ok "$desc"; else nok "$desc"; diag; fi
}
out_has() { grep -qF -- "$1" "$W/out"; }
# same_rows SOURCE_DB TARGET_DB: every importable row of the source is in the target, and nothing else.
same_rows() {
    sql -d "$1" -f "$D/compare_source.sql" >"$W/source.txt" 2>&1 &&
    sql -d "$2" -f "$D/compare_target.sql" >"$W/target.txt" 2>&1 &&
    diff "$W/source.txt" "$W/target.txt" >"$W/rows.diff" ||
    { head -n 20 "$W/rows.diff" | sed 's/^/#   /'; return 1; }
}
target() { echo "dbname=$1 user=$APP"; }

# --- set-up: the source, two targets, the application role -------------------
for db in pictrs_source pictrs_source_schema pict_repo_import pict_repo_import_killed; do
    sql -c "DROP DATABASE IF EXISTS $db" >/dev/null
    sql -c "CREATE DATABASE $db" >/dev/null
done
sql -d pictrs_source -f "$D/schema.sql" -f "$D/fill.sql" >"$W/setup.log" 2>&1 &&
sql -d pictrs_source_schema -c 'CREATE SCHEMA "pict rs"' -c 'SET search_path = "pict rs", public' \
    -f "$D/schema.sql" -f "$D/fill.sql" >>"$W/setup.log" 2>&1 &&
sql -d pict_repo_import -c "CREATE EXTENSION pict_repo" >>"$W/setup.log" 2>&1 &&
sql -d pict_repo_import_killed -c "CREATE EXTENSION pict_repo" >>"$W/setup.log" 2>&1 &&
sql -c "DO \$\$BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP') THEN
                CREATE ROLE $APP LOGIN;
            END IF;
        END\$\$" -c "GRANT pict_repo_user TO $APP" >>"$W/setup.log" 2>&1
if [ $? -ne 0 ]; then nok "set-up"; sed 's/^/#   /' "$W/setup.log"; exit 1; fi
ok "a pict-rs 0.5 repository with $(sql -d pictrs_source -c 'SELECT count(*) FROM hashes') hashes"

# --- usage --------------------------------------------------------------------
expect "import-pict-rs --help" 0 "$P" import-pict-rs --help
check "prints its usage" out_has "Usage: pict-repo import-pict-rs SOURCE"
expect "without SOURCE it is a usage error" 2 "$P" import-pict-rs
expect "a bad --batch-size is a usage error" 2 "$P" import-pict-rs dbname=x --batch-size 0
expect "an unreachable source is exit 3" 3 "$P" -d "$(target pict_repo_import)" \
    import-pict-rs "host=$W/nowhere port=1"
expect "a schema without the pict-rs tables is exit 3" 3 "$P" -d "$(target pict_repo_import)" \
    import-pict-rs dbname=pictrs_source --schema nowhere

# --- dry run --------------------------------------------------------------------
expect "a dry run with rows that cannot be imported" 1 \
    "$P" -d "$(target pict_repo_import)" import-pict-rs dbname=pictrs_source --with-jobs --dry-run
check "says it would import every hash but the two broken ones" \
    grep -qE '^hashes +3002 in the source +3000 to import +0 already there +2 not imported' "$W/out"
check "counts the variants and aliases whose hashes would come first as to import" \
    bash -c 'grep -qE "^variants +3300 in the source +3300 to import" "$0" &&
             grep -qE "^aliases +3003 in the source +3000 to import +0 already there +3 not imported" "$0"' "$W/out"
check "writes nothing" test "$(sql -d pict_repo_import -c 'SELECT pict_repo.hash_count()')" = 0

# --- import ---------------------------------------------------------------------
expect "import with rows that cannot be imported" 1 \
    "$P" -d "$(target pict_repo_import)" import-pict-rs dbname=pictrs_source --with-jobs
cp "$W/out" "$W/first.out"
check "the summary counts every table" \
    bash -c 'for t in hashes details variants aliases proxies settings store_migrations job_queue; do
                 grep -qE "^$t +[0-9]+ in the source" "$0" || exit 1; done' "$W/out"
check "imports 3000 hashes, 3300 variants, 3000 aliases, 150 proxies, 4 jobs" \
    bash -c 'grep -qE "^hashes +3002 in the source +3000 imported" "$0" &&
             grep -qE "^variants +3300 in the source +3300 imported" "$0" &&
             grep -qE "^aliases +3003 in the source +3000 imported" "$0" &&
             grep -qE "^proxies +150 in the source +150 imported" "$0" &&
             grep -qE "^job_queue +4 in the source +4 imported" "$0"' "$W/out"
check "skips the uploads in progress and the notifications, and says so" \
    bash -c 'grep -q "^uploads .*skipped: 2 uploads in progress" "$0" &&
             grep -q "^keyed_notifications skipped: 2 transient" "$0"' "$W/out"
check "lists the hash that is not base64" \
    out_has "$(printf 'not imported\thashes\tnot base64!\thash is not the standard base64 of 39 bytes')"
check "lists the hash whose identifier is too long" \
    grep -qP '^not imported\thashes\t[A-Za-z0-9+/]{52}\tidentifier must be 1 to 4096 characters$' "$W/out"
check "lists the alias whose hash is missing" \
    out_has "$(printf 'not imported\taliases\ton-too-long-hash.png\tits hash is not in pict_repo')"
check "lists the alias on the broken hash" \
    out_has "$(printf 'not imported\taliases\ton-broken-hash.png\tits hash is not the standard base64 of 39 bytes')"
check "lists the setting that is not hex" \
    out_has "$(printf 'not imported\tsettings\tbroken-setting\tvalue is not hex')"
check "prints the alias with a tab escaped, on one line of four columns" \
    bash -c 'grep -q "^not imported	aliases	long\\\\taaaa*\.png	alias must be 1 to 256 characters$" "$0"' "$W/out"
check "lists exactly those six rows" test "$(grep -c '^not imported' "$W/out")" = 6
check "checks every imported row" out_has "check: every imported row is in pict_repo"
check "no progress bar when stderr is not a terminal" test ! -s "$W/err"
check "every row of every table is in pict_repo as it was in pict-rs" same_rows pictrs_source pict_repo_import
check "the running job came back as waiting" \
    test "$(sql -d pict_repo_import -c "SELECT status FROM pict_repo.job_queue
                                         WHERE id = '00000000-0000-4000-8000-000000000002'")" = new
check "its delete token works through the API" \
    test "$(sql -d pict_repo_import -c "SELECT orphaned FROM pict_repo.delete_alias('$(sql -d pictrs_source -c "SELECT alias FROM aliases WHERE token = 'token-5'")', 'token-5')")" = t

# --- the second run ----------------------------------------------------------------
expect "a second run (the deleted alias aside)" 1 \
    "$P" -d "$(target pict_repo_import)" import-pict-rs dbname=pictrs_source --with-jobs
check "imports only the alias deleted meanwhile and says everything else was there" \
    grep -qE '^aliases +3003 in the source +1 imported +2999 already there' "$W/out"
expect "a third run" 1 "$P" -d "$(target pict_repo_import)" import-pict-rs dbname=pictrs_source --with-jobs
check "imports nothing and says so" \
    bash -c 'grep -q "^nothing imported: every row that can be imported is already in pict_repo" "$0" &&
             ! grep -qE " [1-9][0-9]* imported " "$0"' "$W/out"
check "a job that ran is not imported again" bash -c '
    psql -qXAt -d pict_repo_import -c "SELECT pict_repo.cancel_job('"'"'00000000-0000-4000-8000-000000000001'"'"')" >/dev/null &&
    "$0" -d "$1" import-pict-rs dbname=pictrs_source --with-jobs >"$2" 2>&1
    grep -qE "^job_queue +4 in the source +0 imported +4 already there" "$2"' "$P" "$(target pict_repo_import)" "$W/third.out"
check "the rows are still those of pict-rs" bash -c '
    psql -qXAt -d pict_repo_import -c "SELECT count(*) FROM pict_repo.hashes" | grep -qx 3000'

# --- --schema ----------------------------------------------------------------------
expect "--schema with a quoted name, into the same target" 1 \
    "$P" -d "$(target pict_repo_import)" import-pict-rs dbname=pictrs_source_schema --schema "pict rs"
check "finds every row already there" grep -qE '^hashes +3002 in the source +0 imported +3000 already there' "$W/out"

# --- killed halfway, then run again ------------------------------------------------
"$P" -d "$(target pict_repo_import_killed)" import-pict-rs dbname=pictrs_source --with-jobs \
    --batch-size 25 >"$W/killed.out" 2>&1 &
pid=$!
n=0
for _ in $(seq 1 600); do
    n=$(sql -d pict_repo_import_killed -c "SELECT pict_repo.hash_count()")
    [ "$n" -ge 500 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
# The batch in flight may still commit after its client died: wait until
# the import's backend is gone before counting.
for _ in $(seq 1 300); do
    [ "$(sql -c "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = 'pict_repo_import_killed' AND usename = '$APP'")" = 0 ] && break
    sleep 0.1
done
killed_at=$(sql -d pict_repo_import_killed -c "SELECT pict_repo.hash_count()")
check "SIGKILL once some batches committed ($killed_at of 3000 hashes in)" \
    test "$killed_at" -ge 500 -a "$killed_at" -lt 3000
expect "the run after the kill" 1 \
    "$P" -d "$(target pict_repo_import_killed)" import-pict-rs dbname=pictrs_source --with-jobs
check "imports what was left and checks every row" \
    bash -c 'grep -qE "^hashes +3002 in the source +$((3000 - $1)) imported +$1 already there" "$0" &&
             grep -q "check: every imported row is in pict_repo" "$0"' "$W/out" "$killed_at"
check "every row of every table is in pict_repo as it was in pict-rs" \
    same_rows pictrs_source pict_repo_import_killed

# --- a progress bar on a terminal ----------------------------------------------------
if command -v script >/dev/null; then
    script -qec "'$P' -d '$(target pict_repo_import)' import-pict-rs dbname=pictrs_source --batch-size 500 >'$W/tty.out'" \
        /dev/null >"$W/tty.err" 2>&1
    check "a progress bar with rate and ETA on a terminal" \
        bash -c 'tr "\r" "\n" <"$0" | grep -qE "import +hashes +\[#+ *\] [0-9]+/3002 [0-9]+ rows/s (ETA|[0-9.]+s)"' "$W/tty.err"
else
    ok "a progress bar on a terminal # SKIP script(1) is missing"
fi

for db in pictrs_source pictrs_source_schema pict_repo_import pict_repo_import_killed; do
    sql -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done
sql -c "DROP ROLE IF EXISTS $APP" >/dev/null 2>&1
echo "1..$T"
