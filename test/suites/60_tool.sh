# The pict-repo command-line tool: test/tool/tool_test.sh against a fresh
# database of the throw-away cluster.  It prints TAP lines; a check whose
# SQL function is not on the server yet is "ok ... # SKIP", counted as
# skipped.  The tool connects as pict_repo_app, an application role (a
# LOGIN member of pict_repo_user only, see app_role in test/run.sh); the
# checks that set up or read tables connect as the superuser (TOOL_ADMIN).
say "pict-repo tool"
tool_dir=$TMP/tool
mkdir -p "$tool_dir"
[ "$(id -u)" -eq 0 ] && chown postgres: "$tool_dir"
tool_p=0
tool_f=0
tool_s=0
if ! psql -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS pict_repo_tool" \
        -c "DROP DATABASE IF EXISTS pict_repo_tool_noext" \
        -c "CREATE DATABASE pict_repo_tool" -c "CREATE DATABASE pict_repo_tool_noext" \
        >"$tool_dir/setup.log" 2>&1 ||
   ! psql -qX -v ON_ERROR_STOP=1 -d pict_repo_tool -c "CREATE EXTENSION pict_repo" \
        >>"$tool_dir/setup.log" 2>&1 ||
   ! app_role pict_repo_app >>"$tool_dir/setup.log" 2>&1; then
    cat "$tool_dir/setup.log"
    tool_f=1
else
    PICT_REPO=$PWD/client/tool/pict-repo TOOL_TMP=$tool_dir PGDATABASE=pict_repo_tool \
        TOOL_ADMIN=$PGUSER PGUSER=pict_repo_app \
        bash test/tool/tool_test.sh >"$tool_dir/test.log" 2>&1
    rc=$?
    grep -aE '^not ok|^# |SKIP' "$tool_dir/test.log" | head -n 80
    tool_s=$(grep -caE '^ok [0-9]+ .*# SKIP' "$tool_dir/test.log")
    tool_p=$(( $(grep -caE '^ok [0-9]+' "$tool_dir/test.log") - tool_s ))
    tool_f=$(grep -caE '^not ok [0-9]+' "$tool_dir/test.log")
    if [ "$rc" -ne 0 ] && [ "$tool_f" -eq 0 ]; then
        echo "not ok - tool_test.sh exited with $rc"; tail -n 20 "$tool_dir/test.log"
        tool_f=1
    fi
fi
add_counts "pict-repo tool" "$tool_p" "$tool_f" "$tool_s"
