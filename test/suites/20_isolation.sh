# Isolation specs: test/isolation/specs/*.spec against test/isolation/expected.
say "isolation"
iso_tests=$(cd test/isolation/specs 2>/dev/null && ls *.spec 2>/dev/null | sed 's/\.spec$//' | sort)
if [ -n "$iso_tests" ]; then
    "$PGXS_DIR/test/isolation/pg_isolation_regress" --host="$PGHOST" --port="$PGPORT" \
        --user=postgres --inputdir=test/isolation --outputdir="$TMP/isolation" \
        --dbname=pict_repo_isolation --load-extension=pict_repo \
        $iso_tests >"$TMP/isolation.log" 2>&1
    grep -E '^(test|     | *[0-9]+ of)' "$TMP/isolation.log" || true
    p=$(grep -cE '\.\.\. ok' "$TMP/isolation.log")
    f=$(grep -cE '\.\.\. FAILED' "$TMP/isolation.log")
    [ -f "$TMP/isolation/regression.diffs" ] && head -n 200 "$TMP/isolation/regression.diffs"
    [ $((p + f)) -eq 0 ] && { cat "$TMP/isolation.log"; f=1; }
    add_counts isolation "$p" "$f"
    if [ -n "${ACCEPT:-}" ] && [ -d "$TMP/isolation/results" ]; then
        cp "$TMP/isolation/results/"*.out test/isolation/expected/
    fi
fi
