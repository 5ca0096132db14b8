# pg_regress: sql/*.sql against expected/*.out, one test per file.
say "pg_regress"
regress_tests=$(cd sql && ls *.sql 2>/dev/null | sed 's/\.sql$//' | sort)
if [ -n "$regress_tests" ]; then
    "$PGXS_DIR/test/regress/pg_regress" --host="$PGHOST" --port="$PGPORT" \
        --user=postgres --inputdir=. --outputdir="$TMP/regress" \
        --dbname=pict_repo_regress --load-extension=pict_repo \
        $regress_tests >"$TMP/regress.log" 2>&1
    cat "$TMP/regress.log" | grep -E '^(test|     |ok|not ok| *[0-9]+ of)' || true
    p=$(grep -cE '\.\.\. ok' "$TMP/regress.log")
    f=$(grep -cE '\.\.\. FAILED' "$TMP/regress.log")
    if [ -f "$TMP/regress/regression.diffs" ]; then
        head -n 200 "$TMP/regress/regression.diffs"
    fi
    [ $((p + f)) -eq 0 ] && { cat "$TMP/regress.log"; f=1; }
    add_counts pg_regress "$p" "$f"
fi
# Developers: ACCEPT=1 make test copies the new results over expected/ (read
# the diff with git before committing it).
if [ -n "${ACCEPT:-}" ] && [ -d "$TMP/regress/results" ]; then
    cp "$TMP/regress/results/"*.out expected/
fi
