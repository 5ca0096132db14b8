# pgbouncer in transaction pooling mode, on loopback in front of the
# throw-away cluster (pgbouncer is installed by test/deps.sh when run as
# root): the client's C tests (the same binary as 50_client.sh, with
# PICT_REPO_POOLING=transaction: unnamed statements, waits that poll) and
# the tool (push, a pipelined push from stdin, work with two workers,
# status, hashes, dead list, maintenance) through it.  The checks of what a
# session holds (prepared statements, LISTEN, a terminated backend) are
# skipped there (tap_pooled() in test/client).
say "pgbouncer (transaction pooling)"
pgb_p=0
pgb_f=0
pgb_s=0
pgb_dir=$TMP/pgbouncer

pgb_stop() {
    if [ -f "$pgb_dir/pgbouncer.pid" ]; then
        local pid
        pid=$(cat "$pgb_dir/pgbouncer.pid")
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
        rm -f "$pgb_dir/pgbouncer.pid"
    fi
}

pgb_ok() { echo "ok - $*"; pgb_p=$((pgb_p + 1)); }
pgb_fail() { echo "not ok - $*"; pgb_f=$((pgb_f + 1)); }

if ! command -v pgbouncer >/dev/null 2>&1; then
    echo "ok - pgbouncer is not installed (apt-get install pgbouncer, or run make test as root) # SKIP"
    pgb_s=1
elif [ ! -x "${client_dir:-}/test_client" ]; then
    pgb_fail "the client tests were not built (50_client.sh)"
else
    mkdir -p "$pgb_dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$pgb_dir"
    pgb_port=$((PGPORT + 1))
    while ss -ltn 2>/dev/null | grep -q ":$pgb_port "; do pgb_port=$((pgb_port + 1)); done
    # trust: the cluster trusts local connections; the users must be listed.
    printf '"pict_repo_app" ""\n"%s" ""\n' "$PGUSER" >"$pgb_dir/users.txt"
    cat >"$pgb_dir/pgbouncer.ini" <<EOF
[databases]
* = host=$PGHOST port=$PGPORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pgb_port
unix_socket_dir = $pgb_dir
auth_type = trust
auth_file = $pgb_dir/users.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 100
logfile = $pgb_dir/pgbouncer.log
pidfile = $pgb_dir/pgbouncer.pid
EOF
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$pgb_dir"
    trap 'pgb_stop; cluster_stop; private_server_remove' EXIT
    pgb_version=$(pgbouncer --version | head -n 1)
    if ! as_pg pgbouncer -d "$pgb_dir/pgbouncer.ini" >"$pgb_dir/start.log" 2>&1; then
        cat "$pgb_dir/start.log"
        pgb_fail "pgbouncer starts"
    else
        for _ in $(seq 50); do [ -S "$pgb_dir/.s.PGSQL.$pgb_port" ] && break; sleep 0.1; done
        pgb_ok "$pgb_version runs in transaction pooling mode on 127.0.0.1:$pgb_port"
        pgb="host=127.0.0.1 port=$pgb_port user=pict_repo_app"

        # 1. the client's C tests through it
        if client_setup; then
            PICT_REPO_POOLING=transaction "$client_dir/test_client" \
                "$pgb dbname=pict_repo_client" "$pgb dbname=pict_repo_client_noext" \
                "$pgb dbname=pict_repo_client_fake" "user=$PGUSER dbname=pict_repo_client" \
                "$pgb dbname=pict_repo_client_read" >"$pgb_dir/client.log" 2>&1
            grep -E '^not ok|^# |SKIP' "$pgb_dir/client.log" | head -n 40
            s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$pgb_dir/client.log")
            pgb_s=$((pgb_s + s))
            pgb_p=$((pgb_p + $(grep -cE '^ok [0-9]+' "$pgb_dir/client.log") - s))
            pgb_f=$((pgb_f + $(grep -cE '^not ok [0-9]+' "$pgb_dir/client.log")))
            grep -qE '^# [0-9]+ passed' "$pgb_dir/client.log" ||
                pgb_fail "test_client through pgbouncer did not finish"
        else
            pgb_fail "client databases set up"
        fi

        # 2. the tool through it
        tool=(client/tool/pict-repo -d "$pgb dbname=pict_repo_client" --pooling transaction)
        direct() { psql -qXAt -d pict_repo_client -c "$1"; }
        if "${tool[@]}" push pgb-q '{"n": 0}' >"$pgb_dir/push1.out" 2>"$pgb_dir/tool.err" &&
           [ "$(direct "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'pgb-q'")" = 1 ]; then
            pgb_ok "pict-repo push through pgbouncer"
        else
            pgb_fail "pict-repo push through pgbouncer"; cat "$pgb_dir/tool.err"
        fi
        seq 1 600 | sed 's/.*/{"n": &}/' >"$pgb_dir/jobs.txt"
        if "${tool[@]}" push pgb-q - <"$pgb_dir/jobs.txt" >"$pgb_dir/push.out" 2>"$pgb_dir/tool.err" &&
           [ "$(grep -vc '^-$' "$pgb_dir/push.out")" = 600 ] &&
           [ "$(direct "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'pgb-q'")" = 601 ]; then
            pgb_ok "pict-repo push - (pipelined batches of 500) through pgbouncer: 600 jobs"
        else
            pgb_fail "pict-repo push - through pgbouncer"; cat "$pgb_dir/tool.err"
        fi
        if "${tool[@]}" status >"$pgb_dir/status.out" 2>"$pgb_dir/tool.err" &&
           grep -qE '^pgb-q +601 ' "$pgb_dir/status.out"; then
            pgb_ok "pict-repo status through pgbouncer"
        else
            pgb_fail "pict-repo status through pgbouncer"; cat "$pgb_dir/status.out" "$pgb_dir/tool.err"
        fi
        # Two workers, a command that fails the job with n = 7 for good.
        if timeout 120 "${tool[@]}" work pgb-q -c 2 -b 10 -e -- \
                sh -c 'grep -q "\"n\": 7}" && exit 1; cat >/dev/null' \
                >"$pgb_dir/work.out" 2>"$pgb_dir/work.err" &&
           [ "$(direct "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'pgb-q' AND status <> 'new'")" = 0 ] &&
           [ "$(direct "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'pgb-q'")" = 1 ]; then
            pgb_ok "pict-repo work -c 2 -b 10 -e through pgbouncer: 600 jobs completed, the failing one left for a retry"
        else
            pgb_fail "pict-repo work through pgbouncer"; tail -n 20 "$pgb_dir/work.err"
            direct "SELECT status, count(*) FROM pict_repo.job_queue WHERE queue = 'pgb-q' GROUP BY 1"
        fi
        # A worker waiting on an empty queue (no LISTEN): a job pushed later
        # is claimed by a poll.
        "${tool[@]}" work pgb-wait -n 1 -- cat >"$pgb_dir/wait.out" 2>"$pgb_dir/wait.err" &
        wpid=$!
        sleep 1
        "${tool[@]}" push pgb-wait '{"late": 1}' >/dev/null 2>>"$pgb_dir/wait.err"
        for _ in $(seq 100); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
        if ! kill -0 "$wpid" 2>/dev/null && wait "$wpid" && grep -q '"late": 1' "$pgb_dir/wait.out"; then
            pgb_ok "pict-repo work waiting through pgbouncer polls and gets a job pushed later"
        else
            kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
            pgb_fail "pict-repo work waiting through pgbouncer"; cat "$pgb_dir/wait.err"
        fi
        direct "SELECT pict_repo.create_hash('\\xbb01', 'pgb/a', NULL, now())" >/dev/null
        if "${tool[@]}" hashes >"$pgb_dir/hashes.out" 2>"$pgb_dir/tool.err" &&
           grep -q '^bb01' "$pgb_dir/hashes.out" &&
           "${tool[@]}" dead list >/dev/null 2>>"$pgb_dir/tool.err" &&
           "${tool[@]}" maintenance >/dev/null 2>>"$pgb_dir/tool.err"; then
            pgb_ok "pict-repo hashes, dead list, maintenance through pgbouncer"
        else
            pgb_fail "pict-repo hashes, dead list, maintenance through pgbouncer"; cat "$pgb_dir/tool.err"
        fi
        if grep -qiE 'prepared statement .* does not exist|already exists' "$pgb_dir"/*.log "$pgb_dir"/*.err 2>/dev/null; then
            pgb_fail "no prepared statement error anywhere"
        fi
    fi
    pgb_stop
    trap 'cluster_stop; private_server_remove' EXIT
fi
add_counts "pgbouncer" "$pgb_p" "$pgb_f" "$pgb_s"
