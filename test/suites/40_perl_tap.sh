# Perl TAP tests (PostgreSQL::Test::Cluster) in test/t/*.pl (PICT_REPO names
# the tool for those that run it).  They run their
# own clusters, so they run as the postgres OS user, from a copy of test/ in
# a directory that user can write.
say "Perl TAP"
if ls test/t/*.pl >/dev/null 2>&1; then
    tap_tool=$PWD/client/tool/pict-repo
    rm -rf "$TMP/tap"
    mkdir -p "$TMP/tap"
    cp -r test/t "$TMP/tap/t"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$TMP/tap"
    (cd "$TMP/tap" && as_pg env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE \
        TESTDIR="$TMP/tap" PG_REGRESS="$PGXS_DIR/test/regress/pg_regress" \
        PG_TEST_TIMEOUT_DEFAULT=60 PICT_REPO="$tap_tool" \
        prove -v -I "$PGXS_DIR/test/perl" t/*.pl ) >"$TMP/perl_tap.log" 2>&1
    grep -vE '^\s*ok ' "$TMP/perl_tap.log" | grep -vE '^\s*#' | head -n 80
    p=$(grep -cE '^(.*\.\. )?ok [0-9]+' "$TMP/perl_tap.log")
    f=$(grep -cE '^(.*\.\. )?not ok [0-9]+' "$TMP/perl_tap.log")
    grep -qE '^Result: PASS' "$TMP/perl_tap.log" || [ "$f" -gt 0 ] || f=1
    if [ "$f" -gt 0 ]; then
        grep -E '^\s*#' "$TMP/perl_tap.log" | tail -n 40
    fi
    add_counts "Perl TAP" "$p" "$f"
fi
