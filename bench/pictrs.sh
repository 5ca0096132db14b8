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
best_import=0; best_import_nv=0; best_base=0
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
        case $mode in
            verify) best_import=$(echo "if ($rate > $best_import) $rate else $best_import" | bc -l) ;;
            noverify) best_import_nv=$(echo "if ($rate > $best_import_nv) $rate else $best_import_nv" | bc -l) ;;
            baseline) best_base=$(echo "if ($rate > $best_base) $rate else $best_base" | bc -l) ;;
        esac
    done
done
q -d postgres -c "DROP DATABASE IF EXISTS pict_repo_bench_t" >/dev/null

# 2. the claim path with and without the stale-job check, the worker alive.
cat >"$TMP/claim.sql" <<'SQL'
SELECT pict_repo.push_job('bench', '{}');
SELECT pict_repo.complete_job(id, '00000000-0000-0000-0000-0000000000bb')
  FROM pict_repo.claim_job('bench', '00000000-0000-0000-0000-0000000000bb');
SQL
claim_on=0; claim_off=0
for r in $(seq 1 "$ROUNDS"); do
    for mode in on off; do
        tps=$(PGOPTIONS="-c pict_repo.claim_requeue=$mode" pgbench -n -M prepared -c 2 -j 2 -T 10 \
                -f "$TMP/claim.sql" pict_repo_bench 2>/dev/null |
              sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)
        [ -n "$tps" ] || die "pgbench failed"
        echo "bench-pictrs: round $r claim_requeue=$mode: $tps tps" >&2
        if [ "$mode" = on ]; then
            claim_on=$(echo "if ($tps > $claim_on) $tps else $claim_on" | bc -l)
        else
            claim_off=$(echo "if ($tps > $claim_off) $tps else $claim_off" | bc -l)
        fi
    done
done

f() { printf '%.0f' "$1"; }
r2() { printf '%.2f' "$1"; }
section=$(cat <<MD
## pict-rs drop-in

Written by \`bench/pictrs.sh\` (\`make bench-pictrs\`) on $(date -u '+%Y-%m-%d %H:%M UTC'), best of $ROUNDS rounds.

**Import** of a pict-rs 0.5 repository of $N hashes, each with one variant, one alias and its details ($rows rows), by \`pict-repo import-pict-rs\` connected as an application role (batches of 5000, one \`import_pictrs\` call and transaction each), into a fresh database each round. Baseline: the same rows loaded by plain SQL as superuser (COPY out of the source, then one \`INSERT ... SELECT\` per table in one transaction: no checks), in the same run. Target: 20,000 hashes/s.

| run | hashes/s | rows/s | ratio to the baseline |
|---|---:|---:|---:|
| baseline: plain INSERT ... SELECT | $(f "$best_base") | $(f "$(echo "$best_base * 4" | bc -l)") | 1.00 |
| import-pict-rs with its check | $(f "$best_import") | $(f "$(echo "$best_import * 4" | bc -l)") | $(r2 "$(echo "$best_import / $best_base" | bc -l)") |
| import-pict-rs --no-verify | $(f "$best_import_nv") | $(f "$(echo "$best_import_nv * 4" | bc -l)") | $(r2 "$(echo "$best_import_nv / $best_base" | bc -l)") |

**Claims and the stale-job check**: pgbench (\`-M prepared -c 2 -j 2 -T 10\`), one push, claim_job and complete_job per transaction, the background worker running maintenance every second, rounds alternating.

| pict_repo.claim_requeue | tps | ratio to off |
|---|---:|---:|
| off (no check) | $(f "$claim_off") | 1.00 |
| on (the default) | $(f "$claim_on") | $(r2 "$(echo "$claim_on / $claim_off" | bc -l)") |
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
