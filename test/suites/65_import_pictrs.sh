# pict-repo import-pict-rs: test/pictrs/import_test.sh builds a pict-rs 0.5
# repository in databases of the throw-away cluster, imports it as an
# application role, kills an import halfway and runs it again, and compares
# every row.  It prints TAP lines.
say "import from pict-rs"
import_dir=$TMP/import_pictrs
mkdir -p "$import_dir"
PICT_REPO=$PWD/client/tool/pict-repo IMPORT_TMP=$import_dir \
    bash test/pictrs/import_test.sh >"$import_dir/test.log" 2>&1
rc=$?
grep -E '^not ok|^# |SKIP' "$import_dir/test.log" | head -n 60
import_s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$import_dir/test.log")
import_p=$(( $(grep -cE '^ok [0-9]+' "$import_dir/test.log") - import_s ))
import_f=$(grep -cE '^not ok [0-9]+' "$import_dir/test.log")
if [ "$rc" -ne 0 ] && [ "$import_f" -eq 0 ]; then
    echo "not ok - import_test.sh exited with $rc"; tail -n 20 "$import_dir/test.log"
    import_f=1
fi
add_counts "import from pict-rs" "$import_p" "$import_f" "$import_s"
