#!/usr/bin/env bash
# `make bench-pictrs`: the pict-rs drop-in's figures, on a throw-away
# cluster from a private copy of the server (as bench/run.sh):
#
#  1. pict-repo import-pict-rs of a pict-rs 0.5 repository
#     (test/pictrs/schema.sql) of N hashes (default 100000), each with one
#     variant, one alias and its details: hashes/s and rows/s, with and
#     without the final check; baseline: the same rows copied by one plain
#     INSERT ... SELECT per table as superuser in the same database (no
#     checks, no batches, one transaction), in the same run.
#  2. The cost of the stale-job check in claims: pgbench, one
#     claim_job + complete_job per transaction, with pict_repo.claim_requeue
#     on (the default) and off, while maintenance runs (the worker is
#     alive), rounds alternating; the ratio of the two.
#
# Writes the section "pict-rs drop-in" of bench/results/latest.md (or
# BENCH_OUT), replacing an earlier one.  PICTRS_HASHES=N changes the size.
set -uo pipefail

cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-bench/results/latest.md}
N=${PICTRS_HASHES:-100000}
ROUNDS=${PICTRS_ROUNDS:-3}
die() { echo "bench-pictrs: $*" >&2; exit 1; }

make -s all >/dev/null || die "the build failed"
. test/private_server.sh
trap private_server_remove EXIT
private_server_install || die "installing into a private server copy failed"
CLUSTER_CONF=bench/postgresql.conf
. test/cluster.sh
cluster_start pict_repo_bench_pictrs || die "the cluster did not start"
trap 'cluster_stop; private_server_remove' EXIT
TOOL=$PWD/client/tool/pict-repo
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

q -d postgres -c "CREATE DATABASE pict_repo_bench" -c "CREATE DATABASE pictrs_bench_source" >/dev/null ||
    die "set-up failed"
q -c "CREATE EXTENSION pict_repo" -d pict_repo_bench >/dev/null || die "CREATE EXTENSION failed"
q -d postgres -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_app')
                  THEN CREATE ROLE bench_app LOGIN; END IF; END\$\$" -c "GRANT pict_repo_user TO bench_app" >/dev/null
q -d pictrs_bench_source -f test/pictrs/schema.sql >/dev/null || die "the pict-rs schema failed"
echo "bench-pictrs: building a pict-rs repository of $N hashes" >&2
q -d pictrs_bench_source -c "
    INSERT INTO hashes (hash, identifier, created_at)
    SELECT encode(sha256(i::text::bytea) || substring(int8send(i) FROM 3) || '\x01'::bytea, 'base64'),
           'files/' || i || '.png', timestamp '2024-01-01' + i * interval '1 second'
    FROM generate_series(1, $N) i;
    INSERT INTO details (identifier, json)
    SELECT 'files/' || i || '.png', jsonb_build_object('width', 640, 'height', 480, 'format', 'png')
    FROM generate_series(1, $N) i;
    INSERT INTO variants (hash, variant, identifier, accessed)
    SELECT h.hash, 'thumbnail.webp', 'variants/' || h.identifier, h.created_at FROM hashes h;
    INSERT INTO aliases (alias, hash, token)
    SELECT md5(h.identifier) || '.png', h.hash, md5(h.hash) FROM hashes h;" -c "VACUUM ANALYZE" >/dev/null || die "filling the source failed"
rows=$((4 * N))

# 1. the import, as the application role; a fresh target each round.
import_rows=""
for r in $(seq 1 "$ROUNDS"); do
    for mode in verify noverify baseline; do
        q -d postgres -c "DROP DATABASE IF EXISTS pict_repo_bench_t" -c "CREATE DATABASE pict_repo_bench_t" >/dev/null
        q -d pict_repo_bench_t -c "CREATE EXTENSION pict_repo" >/dev/null
        t0=$(now)
        case $mode in
            verify) "$TOOL" -d "dbname=pict_repo_bench_t user=bench_app" import-pict-rs \
                        dbname=pictrs_bench_source >/dev/null 2>&1 ;;
            noverify) "$TOOL" -d "dbname=pict_repo_bench_t user=bench_app" import-pict-rs \
                        dbname=pictrs_bench_source --no-verify >/dev/null 2>&1 ;;
            baseline)
                # The same rows, copied by plain SQL (the source dumped with
                # COPY and loaded into staging tables, then one INSERT ...
                # SELECT per table): what writing the rows costs at least.
                q -d pictrs_bench_source -c "COPY (SELECT encode(decode(hash, 'base64'), 'hex'), identifier,
                        created_at AT TIME ZONE 'UTC' FROM hashes) TO STDOUT" >"$TMP/h.copy"
                q -d pictrs_bench_source -c "COPY (SELECT identifier, json FROM details) TO STDOUT" >"$TMP/d.copy"
                q -d pictrs_bench_source -c "COPY (SELECT encode(decode(hash, 'base64'), 'hex'), variant,
                        identifier, accessed AT TIME ZONE 'UTC' FROM variants) TO STDOUT" >"$TMP/v.copy"
                q -d pictrs_bench_source -c "COPY (SELECT alias, encode(decode(hash, 'base64'), 'hex'), token
                        FROM aliases) TO STDOUT" >"$TMP/a.copy"
                cat >"$TMP/load.sql" <<SQL
CREATE TEMP TABLE h (h text, i text, c timestamptz);
CREATE TEMP TABLE d (i text, j jsonb);
CREATE TEMP TABLE v (h text, n text, i text, a timestamptz);
CREATE TEMP TABLE a (a text, h text, t text);
\\copy h FROM '$TMP/h.copy'
\\copy d FROM '$TMP/d.copy'
\\copy v FROM '$TMP/v.copy'
\\copy a FROM '$TMP/a.copy'
BEGIN;
INSERT INTO pict_repo.hashes (hash, identifier, created_at) SELECT decode(h, 'hex'), i, c FROM h;
INSERT INTO pict_repo.details SELECT i, j FROM d;
INSERT INTO pict_repo.variants (hash, variant, identifier, accessed) SELECT decode(h, 'hex'), n, i, a FROM v;
INSERT INTO pict_repo.aliases (alias, hash, token) SELECT a, decode(h, 'hex'), t FROM a;
COMMIT;
SQL
                q -d pict_repo_bench_t -f "$TMP/load.sql" >/dev/null ;;
        esac
        t1=$(now)
        got=$(q -d pict_repo_bench_t -c "SELECT count(*) FROM pict_repo.hashes")
        [ "$got" = "$N" ] || die "$mode imported $got of $N hashes"
        rate=$(echo "$N / ($t1 - $t0)" | bc -l)
        echo "bench-pictrs: round $r $mode: $(printf '%.0f' "$rate") hashes/s" >&2
        eval "rate_$mode=$rate"
    done
    import_rows="$import_rows$r $rate_baseline $rate_verify $rate_noverify
"
done
q -d postgres -c "DROP DATABASE IF EXISTS pict_repo_bench_t" >/dev/null

# 2. the claim path with and without the stale-job check, the worker alive.
cat >"$TMP/claim.sql" <<'SQL'
SELECT pict_repo.push_job('bench', '{}');
SELECT pict_repo.complete_job(id, '00000000-0000-0000-0000-0000000000bb')
  FROM pict_repo.claim_job('bench', '00000000-0000-0000-0000-0000000000bb');
SQL
claim_rows=""
for r in $(seq 1 "$ROUNDS"); do
    for mode in off on; do
        tps=$(PGOPTIONS="-c pict_repo.claim_requeue=$mode" pgbench -n -M prepared -c 2 -j 2 -T 10 \
                -f "$TMP/claim.sql" pict_repo_bench 2>/dev/null |
              sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)
        [ -n "$tps" ] || die "pgbench failed"
        echo "bench-pictrs: round $r claim_requeue=$mode: $tps tps" >&2
        eval "tps_$mode=$tps"
    done
    claim_rows="$claim_rows$r $tps_off $tps_on
"
done
# The check alone, without commits or rows: 15 times 10,000 claims of an
# empty queue with the check off, then on, in one session; microseconds per
# claim, the minimum and the median of the 15.
micro=$(q -d pict_repo_bench -F ' ' <<'SQL'
CREATE TEMP TABLE t (mode text, us numeric);
DO $$
DECLARE
    t0 timestamptz;
    m text;
BEGIN
    FOR i IN 1..15 LOOP
        FOREACH m IN ARRAY ARRAY['off', 'on'] LOOP
            PERFORM pg_catalog.set_config('pict_repo.claim_requeue', m, false);
            t0 := clock_timestamp();
            PERFORM count(*) FROM generate_series(1, 10000) g,
                    LATERAL pict_repo.claim_job('bench-empty', '00000000-0000-0000-0000-0000000000bb', 1 + 0 * g) c;
            INSERT INTO t VALUES (m, extract(epoch FROM clock_timestamp() - t0) * 1e6 / 10000);
        END LOOP;
    END LOOP;
END
$$;
SELECT mode, round(min(us), 2), round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us)::numeric, 2)
  FROM t GROUP BY mode ORDER BY mode;
SQL
) || die "the claim micro-benchmark failed"
micro_off=$(echo "$micro" | awk '$1 == "off" {print $2 " µs (median " $3 ")"}')
micro_on=$(echo "$micro" | awk '$1 == "on" {print $2 " µs (median " $3 ")"}')

f() { printf '%.0f' "$1"; }
r2() { printf '%.2f' "$1"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
import_table=$(printf '%s' "$import_rows" | while read -r r b v nv; do
    echo "| $r | $(f "$b") | $(f "$v") | $(r2 "$(echo "$v / $b" | bc -l)") | $(f "$nv") | $(r2 "$(echo "$nv / $b" | bc -l)") |"
done)
med_v=$(printf '%s' "$import_rows" | while read -r r b v nv; do echo "$v / $b" | bc -l; done | median)
med_nv=$(printf '%s' "$import_rows" | while read -r r b v nv; do echo "$nv / $b" | bc -l; done | median)
best_v=$(printf '%s' "$import_rows" | awk '{print $3}' | sort -g | tail -n 1)
best_nv=$(printf '%s' "$import_rows" | awk '{print $4}' | sort -g | tail -n 1)
claim_table=$(printf '%s' "$claim_rows" | while read -r r off on; do
    echo "| $r | $(f "$off") | $(f "$on") | $(r2 "$(echo "$on / $off" | bc -l)") |"
done)
med_c=$(printf '%s' "$claim_rows" | while read -r r off on; do echo "$on / $off" | bc -l; done | median)
section=$(cat <<MD
## pict-rs drop-in

Written by \`bench/pictrs.sh\` (\`make bench-pictrs\`) on $(date -u '+%Y-%m-%d %H:%M UTC'), $ROUNDS rounds; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).

**Import** of a pict-rs 0.5 repository of $N hashes, each with one variant, one alias and its details ($rows rows), by \`pict-repo import-pict-rs\` connected as an application role (batches of 5000, two tables at a time on two connections, each batch one \`import_pictrs\` call and transaction), into a fresh database each time. Baseline: the same rows loaded by plain SQL as superuser (COPY out of the source, then one \`INSERT ... SELECT\` per table in one transaction: no checks), measured in the same round after the two imports. Target: 20,000 hashes/s.

| round | baseline hashes/s | import-pict-rs hashes/s | ratio | --no-verify hashes/s | ratio |
|---:|---:|---:|---:|---:|---:|
$import_table

Median ratio to the baseline: $(r2 "$med_v") with the check, $(r2 "$med_nv") without; best rates: $(f "$best_v") and $(f "$best_nv") hashes/s ($(f "$(echo "$best_nv * 4" | bc -l)") rows/s).

**Claims and the stale-job check** (\`pict_repo.claim_requeue\`, the background worker alive and running maintenance every second): pgbench (\`-M prepared -c 2 -j 2 -T 10\`), one push, claim_job and complete_job per transaction, rounds alternating; and the claim alone, 15 times 10,000 claims of an empty queue in one session with the check off and on in turn (no commit, no row), microseconds per claim.

| round | tps, check off | tps, check on | ratio |
|---:|---:|---:|---:|
$claim_table

Median ratio on/off: $(r2 "$med_c"). An empty claim: $micro_off with the check off, $micro_on with it on.
MD
)
mkdir -p "$(dirname "$OUT")"
touch "$OUT"
# Replace an earlier section (up to the next "## " heading or the end).
awk -v new="$section" '
    /^## pict-rs drop-in$/ {skip = 1; next}
    skip && /^## / {skip = 0}
    !skip {print}
    END {print ""; print new}' "$OUT" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
echo "bench-pictrs: written to $OUT" >&2
echo "$section"
