# Counting checks for the scripts that run outside test/run.sh (make test-ha,
# make package-check), sourced: ok/fail print one TAP-style line and count
# it; finish prints "N passed, N failed" and exits non-zero when a check
# failed or none ran.
passed=0
failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "not ok - $*"; failed=$((failed + 1)); }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
    exit $?
}
