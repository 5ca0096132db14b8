# pgTAP: test/pgtap/*.sql with pg_prove, one test per assertion.
#
# Counting, per file: "ok" lines pass ("ok ... # SKIP" are skipped); "not ok"
# lines fail, except "not ok ... # TODO" (a known gap, counted as skipped);
# tests that were planned but never ran (the file died half-way) fail, each
# one; a file that printed no plan at all counts as one failure.
say "pgTAP"
if ls test/pgtap/*.sql >/dev/null 2>&1; then
    psql -qX -c "DROP DATABASE IF EXISTS pict_repo_tap" -c "CREATE DATABASE pict_repo_tap" >/dev/null
    psql -qX -d pict_repo_tap -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION pict_repo" >/dev/null
    pg_prove -h "$PGHOST" -p "$PGPORT" -U postgres -d pict_repo_tap --verbose test/pgtap/*.sql >"$TMP/pgtap.log" 2>&1
    grep -vE '^ok ' "$TMP/pgtap.log" | grep -vE '^\s*$' | head -n 100
    read -r p f s < <(awk '
        function close_file() {
            if (file == "") return
            if (planned < 0) { failed++; printf "pgTAP: %s printed no plan\n", file > "/dev/stderr" }
            else if (ran < planned) {
                failed += planned - ran
                printf "pgTAP: %s planned %d tests but ran %d\n", file, planned, ran > "/dev/stderr"
            }
        }
        /^[^ ].*\.sql \.\./ { close_file(); file = $1; planned = -1; ran = 0; next }
        /^1\.\.[0-9]+/ { planned = substr($1, 4) + 0; next }
        /^ok [0-9]+/ { ran++; if ($0 ~ /# [Ss][Kk][Ii][Pp]/) skipped++; else passed++; next }
        /^not ok [0-9]+/ { ran++; if ($0 ~ /# [Tt][Oo][Dd][Oo]/) skipped++; else failed++; next }
        END { close_file(); print passed + 0, failed + 0, skipped + 0 }
    ' "$TMP/pgtap.log")
    # Anything else pg_prove counts as a failure (a bad exit status, a parse
    # error) fails the suite even when every line above was "ok".
    grep -qE '^Result: PASS' "$TMP/pgtap.log" || [ "$f" -gt 0 ] || f=1
    if [ "$s" -gt 0 ]; then add_counts pgTAP "$p" "$f" "$s"; else add_counts pgTAP "$p" "$f"; fi
fi
