#!/usr/bin/env bash
# bench/tiers.sh OUT [--quick]: the storage tier benchmarks, run by
# bench/run.sh after bench/bench on the same throw-away cluster (PGHOST,
# PGPORT, PGDATABASE set); appends a section "Storage tiers" to OUT.
#
#  1. storage_report() at 1M copies in 3 stores (100,000 in bench-quick),
#     recorded through add_copy() by 2 sessions, against the same totals by
#     a GROUP BY scan of copies in the same run; and whether the two agree.
#  2. pict-repo tier copy between two file stores on local disk, files/s and
#     MB/s with 1, 2 and 4 workers, against `cp -r` of the same files in the
#     same run (and `cp -r` followed by `sync`, the same durability).
set -uo pipefail

cd "$(dirname "$0")/.."
OUT=${1:?bench/tiers.sh OUT [--quick]}
QUICK=${2:-}
TOOL=$PWD/client/tool/pict-repo
die() { echo "bench/tiers.sh: $*" >&2; exit 1; }
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

if [ "$QUICK" = --quick ]; then
    HASHES=33334; REPORTS=200; GROUPBY_CALLS=3
    FILES=300; MAXKB=512
else
    HASHES=333334; REPORTS=500; GROUPBY_CALLS=5
    FILES=2000; MAXKB=512
fi
COPIES=$((3 * HASHES))
[ -x "$TOOL" ] || die "the tool is not built ($TOOL)"
TMPD=$(mktemp -d /tmp/pict_repo_bench_tiers.XXXXXX)
trap 'rm -rf "$TMPD"' EXIT
chmod 755 "$TMPD"

# --- 1. storage_report() against GROUP BY ---------------------------------------
echo "== storage tiers: $COPIES copies in 3 stores"
q -c "SELECT pict_repo.create_store('bench-active', 'object', 0, 's3://bench-active'),
             pict_repo.create_store('bench-online', 'object', 1, 's3://bench-online'),
             pict_repo.create_store('bench-archive', 'archive', 2, 'tape://bench')" >/dev/null ||
    die "create_store failed"
q -c "INSERT INTO pict_repo.hashes (hash, identifier)
      SELECT '\x7b'::bytea || int4send(i), 'bench/tiers/' || i FROM generate_series(1, $HASHES) i" ||
    die "the hashes"
# Every hash: a 1920x1440 WebP online and active, its original in the
# archive; recorded by 2 sessions at once, 10,000 calls per transaction.
fill() {
    local from=$1 to=$2 a
    for ((a = from; a <= to; a += 10000)); do
        q -c "SELECT count(*) FROM (
                SELECT pict_repo.add_copy(h, 'bench-active', 'webp-1920x1440', 'w/' || i || '.webp', 150000 + i % 1000),
                       pict_repo.add_copy(h, 'bench-online', 'webp-640x480', 's/' || i || '.webp', 30000 + i % 100),
                       pict_repo.add_copy(h, 'bench-archive', 'original', 'o/' || i || '.png', 2000000 + i)
                FROM (SELECT i, '\x7b'::bytea || int4send(i) AS h
                      FROM generate_series($a, least($a + 9999, $to)) i) x) y" >/dev/null || return 1
    done
}
t0=$(now)
half=$((HASHES / 2))
fill 1 "$half" & p1=$!
fill $((half + 1)) "$HASHES" & p2=$!
wait "$p1" && wait "$p2" || die "add_copy failed"
fill_s=$(since "$t0")
q -c "VACUUM ANALYZE pict_repo.copies, pict_repo.store_totals" >/dev/null
n=$(q -c "SELECT count(*) FROM pict_repo.copies")
[ "$n" = "$COPIES" ] || die "$n copies recorded instead of $COPIES"
shards=$(q -c "SELECT count(*) FROM pict_repo.store_totals")
# The same totals, both ways, in one snapshot.
exact=$(q -c "SELECT (SELECT array_agg(row(store, form, copies, bytes)::text ORDER BY store, form)
                        FROM pict_repo.storage_report())
                   = (SELECT array_agg(row(s.name, c.form, c.n, c.b)::text ORDER BY s.name, c.form)
                        FROM (SELECT store_id, form, count(*) AS n, sum(bytes)::bigint AS b
                                FROM pict_repo.copies GROUP BY store_id, form) c
                        JOIN pict_repo.stores s ON s.id = c.store_id)")
# Per call, timed inside one server session (no client round trip in either).
read -r report_ms groupby_ms < <(q -c "
    CREATE FUNCTION pg_temp.per_call(sql text, n int) RETURNS float8 LANGUAGE plpgsql AS \$\$
    DECLARE t0 timestamptz; x bigint;
    BEGIN
        EXECUTE sql INTO x;                                     -- warm
        t0 := clock_timestamp();
        FOR i IN 1 .. n LOOP EXECUTE sql INTO x; END LOOP;
        RETURN extract(epoch FROM clock_timestamp() - t0) * 1000 / n;
    END \$\$;
    SELECT pg_temp.per_call('SELECT count(*) FROM pict_repo.storage_report()', $REPORTS) || ' ' ||
           pg_temp.per_call('SELECT count(*) FROM (SELECT s.name, s.kind, s.priority, c.form, count(*), sum(c.bytes)
                                FROM pict_repo.copies c JOIN pict_repo.stores s ON s.id = c.store_id
                                GROUP BY s.name, s.kind, s.priority, c.form) x', $GROUPBY_CALLS)" | tail -n 1)
ratio_report=$(calc "%.0f" "$groupby_ms / $report_ms")
echo "   storage_report ${report_ms} ms, GROUP BY ${groupby_ms} ms, ratio $ratio_report, exact $exact"

# --- 2. tier copy against cp -r ---------------------------------------------------------
echo "== tier copy: $FILES files up to $MAXKB KiB"
mkdir -p "$TMPD/src"
perl -e 'my ($dir, $n, $max) = @ARGV; srand(7);
         for my $i (1 .. $n) {
             my $size = 1024 * (16 + int(rand($max - 16)));
             my $d = sprintf("%s/%02d", $dir, $i % 100);
             mkdir $d;
             my $data = pack("N*", map { int(rand(4294967295)) } 1 .. $size / 4);
             open(my $f, ">", "$d/f$i.jpg") or die "$!"; print $f $data; close($f) or die "$!";
             print "$i\t", sprintf("%02d", $i % 100), "/f$i.jpg\t$size\n";
         }' "$TMPD/src" "$FILES" "$MAXKB" >"$TMPD/files.tsv" || die "writing the files"
total_bytes=$(awk -F'\t' '{ s += $3 } END { print s }' "$TMPD/files.tsv")
q -c "SELECT pict_repo.create_store('bench-src', 'file', 0, '$TMPD/src')" >/dev/null
q -c "INSERT INTO pict_repo.hashes (hash, identifier)
      SELECT '\x7c'::bytea || int4send(i), 'bench/files/' || i FROM generate_series(1, $FILES) i" >/dev/null
q -c "CREATE TEMP TABLE f (i int, identifier text, bytes bigint)" \
  -c "\\copy f FROM '$TMPD/files.tsv'" \
  -c "SELECT count(pict_repo.add_copy('\x7c'::bytea || int4send(i), 'bench-src', 'original', identifier, bytes)) FROM f" \
    >/dev/null || die "recording the files"
mb=$(calc "%.1f" "$total_bytes / 1048576")

# cp -r: the files land in the page cache; then the same plus sync.
sync
t0=$(now); cp -r "$TMPD/src" "$TMPD/cp1" || die "cp -r"; cp_s=$(since "$t0")
t0=$(now); sync; sync_s=$(since "$t0")
cpsync_s=$(calc "%.3f" "$cp_s + $sync_s")
rm -rf "$TMPD/cp1"; sync
echo "   cp -r ${cp_s} s (+ sync ${sync_s} s)"

best_s=""
best_w=""
rows=""
for w in 1 2 4; do
    q -c "SELECT pict_repo.create_store('bench-dst-$w', 'file', 2, '$TMPD/dst$w')" >/dev/null
    sync
    t0=$(now)
    "$TOOL" tier copy --from bench-src --to "bench-dst-$w" --concurrency "$w" 2>"$TMPD/tier$w.err" ||
        { cat "$TMPD/tier$w.err" >&2; die "tier copy failed"; }
    s=$(since "$t0")
    got=$(q -c "SELECT copies FROM pict_repo.stores() WHERE name = 'bench-dst-$w'")
    [ "$got" = "$FILES" ] || die "tier copy recorded $got copies of $FILES"
    cmp -s "$TMPD/src/07/f7.jpg" "$TMPD/dst$w/07/f7.jpg" || die "tier copy: a copy differs"
    echo "   tier copy, $w workers: ${s} s"
    rows+="| pict-repo tier copy, $w worker$( [ "$w" = 1 ] || echo s) | $FILES | $mb MB | $(calc "%.0f" "$FILES / $s") | $(calc "%.1f" "$mb / $s") | $(calc "%.2f" "$cp_s / $s") | $(calc "%.2f" "$cpsync_s / $s") |"$'\n'
    if [ -z "$best_s" ] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
        best_s=$s; best_w=$w
    fi
    rm -rf "$TMPD/dst$w"
done
ratio_cp=$(calc "%.0f" "100 * $cp_s / $best_s")
ratio_cpsync=$(calc "%.0f" "100 * $cpsync_s / $best_s")

# --- the results -----------------------------------------------------------------
{
    echo "## Storage tiers"
    echo
    echo "storage_report() sums the per-shard totals kept with every change of a copy; the baseline is the same report by a GROUP BY scan of \`copies\` (joined to \`stores\`). Both are timed per call inside one server session (a PL/pgSQL loop, $REPORTS and $GROUPBY_CALLS calls), so neither pays a client round trip. The copies were recorded through \`add_copy()\` by 2 sessions at once ($(calc "%.0f" "$COPIES / $fill_s") copies/s), so the totals come from that path; \"exact\" compares the two results in one snapshot."
    echo
    echo "| copies | stores | totals rows | add_copy/s | storage_report() | GROUP BY scan | ratio | exact |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    echo "| $COPIES | 3 | $shards | $(calc "%.0f" "$COPIES / $fill_s") | $(calc "%.3f" "$report_ms") ms | $(calc "%.1f" "$groupby_ms") ms | ${ratio_report}x | $exact |"
    echo
    echo "\`pict-repo tier copy\` between two file stores on the local disk (both under /tmp): $FILES files of 16-$MAXKB KiB in 100 directories, the source in the page cache, every copy made durable (a syncfs of the file system per batch of up to 32 files, before and after the renames) and recorded (\`add_copy\`, one transaction per batch of up to 32 files) before it counts. Baseline: \`cp -r\` of the same directory in the same run, which leaves the data in the page cache; and \`cp -r\` followed by \`sync\`, which writes it out as the tool does. \`sync\` runs before each measurement."
    echo
    echo "| copier | files | size | files/s | MB/s | ratio to cp -r | ratio to cp -r + sync |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    echo "| cp -r | $FILES | $mb MB | $(calc "%.0f" "$FILES / $cp_s") | $(calc "%.1f" "$mb / $cp_s") | 1.00 | - |"
    echo "| cp -r + sync | $FILES | $mb MB | $(calc "%.0f" "$FILES / $cpsync_s") | $(calc "%.1f" "$mb / $cpsync_s") | - | 1.00 |"
    printf '%s' "$rows"
    echo
    echo "| target | measured | goal | met |"
    echo "|---|---:|---:|---:|"
    echo "| storage_report() vs GROUP BY at $COPIES copies | ${ratio_report}x | >= 100x | $(awk -v r="$ratio_report" 'BEGIN { print (r >= 100 ? "yes" : "**no**") }') |"
    echo "| storage_report() equals the GROUP BY | $exact | t | $( [ "$exact" = t ] && echo yes || echo "**no**") |"
    echo "| tier copy (best: $best_w worker$( [ "$best_w" = 1 ] || echo s)) vs cp -r | ${ratio_cp}% | >= 50% | $(awk -v r="$ratio_cp" 'BEGIN { print (r >= 50 ? "yes" : "**no**") }') |"
    echo "| (tier copy (best: $best_w worker$( [ "$best_w" = 1 ] || echo s)) vs cp -r + sync) | ${ratio_cpsync}% | - | - |"
    echo
} >>"$OUT"
echo "== storage tiers: appended to $OUT"
