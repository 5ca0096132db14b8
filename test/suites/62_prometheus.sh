# pict-repo status --prometheus: every line of its output is checked against
# the text exposition format's grammar (test/tool/prometheus_check.pl), the
# values against the database, and a queue name with a double quote, a
# backslash and a newline is escaped in its label as the format says, and
# the README's table of metrics names every family with its type.
say "pict-repo status --prometheus"
prom_p=0
prom_f=0
prom_dir=$TMP/prometheus
mkdir -p "$prom_dir"
prom_ok() { echo "ok - $*"; prom_p=$((prom_p + 1)); }
prom_fail() { echo "not ok - $*"; prom_f=$((prom_f + 1)); }
prom_sql() { psql -qXAt -v ON_ERROR_STOP=1 -d pict_repo_prom "$@"; }

if ! psql -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS pict_repo_prom" \
        -c "CREATE DATABASE pict_repo_prom" >"$prom_dir/setup.log" 2>&1 ||
   ! prom_sql -c "CREATE EXTENSION pict_repo" >>"$prom_dir/setup.log" 2>&1 ||
   ! app_role pict_repo_app >>"$prom_dir/setup.log" 2>&1 ||
   ! prom_sql >>"$prom_dir/setup.log" 2>&1 <<'SQL'
SELECT pict_repo.create_hash('\xaa01', 'prom/1', NULL, now());
SELECT pict_repo.create_hash('\xaa02', 'prom/2', NULL, now());
SELECT pict_repo.push_job('prom-a', '{}') FROM generate_series(1, 3);
SELECT pict_repo.push_job('prom-a', '{}', NULL, 0, now() + interval '1 hour');
SELECT pict_repo.push_job(E'q"b\\s\nl', '{}');
SELECT count(*) FROM pict_repo.claim_job('prom-a', '00000000-0000-0000-0000-0000000000d1');
SQL
then
    cat "$prom_dir/setup.log"
    prom_fail "set-up"
else
    out=$prom_dir/metrics.txt
    if client/tool/pict-repo -d "user=pict_repo_app dbname=pict_repo_prom" status --prometheus \
            >"$out" 2>"$prom_dir/err"; then
        prom_ok "status --prometheus exits 0"
    else
        prom_fail "status --prometheus exits 0"; cat "$prom_dir/err"
    fi
    if perl test/tool/prometheus_check.pl "$out" >"$prom_dir/samples" 2>"$prom_dir/check.err"; then
        prom_ok "every one of its $(wc -l <"$out") lines follows the text format's grammar (HELP, TYPE before samples, escapes)"
    else
        prom_fail "the output follows the text format's grammar"; cat "$prom_dir/check.err"
    fi
    expect() {
        if grep -qxF "$1" "$prom_dir/samples"; then prom_ok "$2: $1"; else prom_fail "$2: $1"; cat "$out"; fi
    }
    expect "pict_repo_hashes $(prom_sql -c 'SELECT pict_repo.hash_count()')" "hash count"
    expect "pict_repo_queued_jobs $(prom_sql -c 'SELECT pict_repo.queue_length(NULL)')" "queued jobs"
    expect 'pict_repo_queue_pending_jobs{queue="prom-a"} 2' "pending jobs of a queue"
    expect 'pict_repo_queue_scheduled_jobs{queue="prom-a"} 1' "scheduled jobs"
    expect 'pict_repo_queue_running_jobs{queue="prom-a"} 1' "running jobs"
    expect "pict_repo_info{version=\"$(prom_sql -c 'SELECT pict_repo.version()')\",library=\"$(client/tool/pict-repo --version | cut -d' ' -f2)\"} 1" "versions"
    # The raw line: quote, backslash and newline escaped as \", \\ and \n.
    if grep -qxF 'pict_repo_queue_pending_jobs{queue="q\"b\\s\nl"} 1' "$out"; then
        prom_ok 'a queue name with a quote, a backslash and a newline is escaped in its label'
    else
        prom_fail 'a queue name with a quote, a backslash and a newline is escaped'; grep -a queue_pending "$out"
    fi
    n_types=$(grep -c '^# TYPE pict_repo_[a-z_]* gauge$' "$out")
    n_help=$(grep -c '^# HELP pict_repo_' "$out")
    if [ "$n_types" -eq 11 ] && [ "$n_help" -eq 11 ]; then
        prom_ok "11 metric families, each with HELP and TYPE gauge"
    else
        prom_fail "11 metric families with HELP and TYPE gauge ($n_types TYPE, $n_help HELP)"
    fi
    # The README's table names exactly these families, with their types.
    documented=$(sed -n 's/^| `\(pict_repo_[a-z_]*\)` | \([a-z]*\) |.*/\1 \2/p' README.md | sort)
    printed=$(sed -n 's/^# TYPE \(pict_repo_[a-z_]*\) \([a-z]*\)$/\1 \2/p' "$out" | sort)
    if [ -n "$printed" ] && [ "$documented" = "$printed" ]; then
        prom_ok "the README's table documents every metric family and its type, and no other"
    else
        prom_fail "the README's table and the output's families differ"
        diff <(echo "$documented") <(echo "$printed")
    fi
    # The checker itself rejects what the format forbids.
    printf '# TYPE x gauge\nx{queue="a"b"} 1\n' >"$prom_dir/bad1"
    printf 'x 1\n' >"$prom_dir/bad2"
    printf '# TYPE x gauge\nx{queue="a\\qb"} 1\n' >"$prom_dir/bad3"
    if ! perl test/tool/prometheus_check.pl "$prom_dir/bad1" >/dev/null 2>&1 &&
       ! perl test/tool/prometheus_check.pl "$prom_dir/bad2" >/dev/null 2>&1 &&
       ! perl test/tool/prometheus_check.pl "$prom_dir/bad3" >/dev/null 2>&1; then
        prom_ok "the checker rejects a raw quote, a sample without TYPE, an unknown escape"
    else
        prom_fail "the checker rejects what the format forbids"
    fi
fi
add_counts "status --prometheus" "$prom_p" "$prom_f"
