# pgTAP: test/pgtap/*.sql with pg_prove, one test per assertion.
say "pgTAP"
if ls test/pgtap/*.sql >/dev/null 2>&1; then
    psql -qX -c "DROP DATABASE IF EXISTS pict_repo_tap" -c "CREATE DATABASE pict_repo_tap" >/dev/null
    psql -qX -d pict_repo_tap -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION pict_repo" >/dev/null
    pg_prove -h "$PGHOST" -p "$PGPORT" -U postgres -d pict_repo_tap --verbose test/pgtap/*.sql >"$TMP/pgtap.log" 2>&1
    grep -vE '^ok ' "$TMP/pgtap.log" | grep -vE '^\s*$' | head -n 100
    p=$(grep -cE '^ok ' "$TMP/pgtap.log")
    f=$(grep -cE '^not ok ' "$TMP/pgtap.log")
    # A file that dies before its plan is met has no "not ok" line; count it.
    grep -qE '^Result: PASS' "$TMP/pgtap.log" || [ "$f" -gt 0 ] || f=1
    add_counts pgTAP "$p" "$f"
fi
