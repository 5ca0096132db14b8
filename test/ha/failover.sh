#!/usr/bin/env bash
# `make test-ha`: automatic failover with pg_auto_failover.
#
# A monitor and two nodes (pg_autoctl, postgresql-15-auto-failover,
# installed with apt-get when run as root and missing) on 127.0.0.1, as the
# postgres OS user, with the private copy of the server this checkout's
# pict_repo is installed into (test/private_server.sh), pict_repo preloaded
# on both nodes, synchronous replication (pg_auto_failover's default for
# two nodes: synchronous_standby_names = 'ANY 1 (...)').  Under the load of
# test/ha/load.c (pushes and claims through libpictrepo, a multi-host
# conninfo with target_session_attrs=read-write, pr_reconnect on failure),
# the primary is lost whole: its pg_autoctl keeper is killed and its server
# stopped with `pg_ctl stop -m immediate`.  The monitor promotes the other
# node; load.c checks the guarantees (every push that returned there
# exactly once, every claimed job completed or back, the threads resumed
# by themselves, the worker on the new primary) and prints the time to
# recover.  Everything is stopped and removed at the end, also on failure
# (KEEP_TMP=1 keeps the directory with the logs).  Ends with
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

LOAD_SECONDS=${HA_LOAD_SECONDS:-30}
KILL_AFTER=${HA_KILL_AFTER:-8}
DRAIN_SECONDS=${HA_DRAIN_SECONDS:-90}
# shellcheck source=test/counts.sh
. test/counts.sh
started=$(date +%s)

if ! command -v pg_autoctl >/dev/null 2>&1 ||
   [ ! -f /usr/share/postgresql/15/extension/pgautofailover.control ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "make test-ha needs postgresql-15-auto-failover (apt-get install postgresql-15-auto-failover), or run it as root" >&2
        echo "ok - pg_auto_failover is not installed # SKIP"
        echo "0 passed, 0 failed, 1 skipped"
        exit 0
    fi
    # Not installable here (no registry reachable): skipped, not failed.
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq >/dev/null
    if ! timeout 600 apt-get install -y -qq --no-install-recommends postgresql-15-auto-failover >/dev/null; then
        echo "ok - postgresql-15-auto-failover could not be installed # SKIP"
        echo "0 passed, 0 failed, 1 skipped"
        exit 0
    fi
fi

make -s COPT=-Werror all >/dev/null || { fail "build"; finish; }
. test/private_server.sh
trap private_server_remove EXIT
private_server_install || { fail "install into a private server copy"; finish; }
PGBIN=$PRIVATE_ROOT/usr/lib/postgresql/15/bin
[ -f "$PRIVATE_ROOT/usr/share/postgresql/15/extension/pgautofailover.control" ] ||
    { fail "pgautofailover in the private server copy"; finish; }

T=$(mktemp -d /tmp/pict_repo_ha.XXXXXX)
chmod 755 "$T"
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres: "$T"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi
# pg_autoctl keeps its configuration and state under XDG_CONFIG_HOME and
# XDG_DATA_HOME: inside the test's directory.
AUTOCTL_ENV=(env HOME="$T" XDG_CONFIG_HOME="$T/config" XDG_DATA_HOME="$T/share"
             XDG_RUNTIME_DIR="$T/run" PATH="$PGBIN:$PATH" PG_CONFIG="$PGBIN/pg_config"
             LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}")
autoctl() { as_pg "${AUTOCTL_ENV[@]}" pg_autoctl "$@"; }

free_port() {
    local p=$((20000 + RANDOM % 20000))
    while ss -ltn 2>/dev/null | grep -q ":$p "; do p=$((p + 1)); done
    echo "$p"
}
P0=$(free_port); P1=$((P0 + 1)); P2=$((P0 + 2))
while ss -ltn 2>/dev/null | grep -qE ":($P1|$P2) "; do P0=$(free_port); P1=$((P0 + 1)); P2=$((P0 + 2)); done

# run_node NAME: `pg_autoctl run` for a node, in a session of its own.
run_node() {
    as_pg "${AUTOCTL_ENV[@]}" setsid pg_autoctl run --pgdata "$T/$1" >"$T/$1.autoctl.log" 2>&1 &
}
# keeper_pids NAME: the pg_autoctl processes of a node (the keeper and its
# services; not its PostgreSQL server), found by the session of the one
# that runs `pg_autoctl run --pgdata DIR`.
keeper_pids() {
    local main sid
    main=$(pgrep -f -x "pg_autoctl run --pgdata $T/$1" | head -n 1)
    [ -n "$main" ] || return 0
    sid=$(ps -o sid= -p "$main" | tr -d ' ')
    [ -n "$sid" ] && ps -o pid=,comm= -s "$sid" | awk '$2 == "pg_autoctl" {print $1}'
}
# stop_node NAME: stop its keeper and its server, whatever state they are in.
stop_node() {
    local pids
    pids=$(keeper_pids "$1")
    if [ -n "$pids" ]; then
        autoctl stop --pgdata "$T/$1" >/dev/null 2>&1
        for _ in $(seq 100); do [ -z "$(keeper_pids "$1")" ] && break; sleep 0.1; done
        for p in $(keeper_pids "$1"); do kill -9 "$p" 2>/dev/null; done
    fi
    if [ -f "$T/$1/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$T/$1" -m immediate -w stop >/dev/null 2>&1
    fi
}
cleanup() {
    for n in node2 node1 monitor; do stop_node "$n"; done
    if [ -z "${KEEP_TMP:-}" ]; then rm -rf "$T"; else echo "kept $T" >&2; fi
    private_server_remove
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# monitor_sql SQL: on the monitor's database.
monitor_sql() { as_pg "$PGBIN/psql" -qXAt -h 127.0.0.1 -p "$P0" -U autoctl_node -d pg_auto_failover -c "$1" 2>/dev/null; }
# wait_state NODE STATES SECONDS: until the monitor reports NODE in one of
# STATES (separated by |).
wait_state() {
    local end=$(( $(date +%s) + $3 ))
    while [ "$(date +%s)" -lt "$end" ]; do
        [[ "|$2|" == *"|$(monitor_sql "SELECT reportedstate FROM pgautofailover.node WHERE nodename = '$1'")|"* ]] &&
            return 0
        sleep 0.2
    done
    return 1
}
node_sql() { as_pg "$PGBIN/psql" -qXAt -h 127.0.0.1 -p "$1" -U postgres -d pict -c "$2"; }

cc -std=gnu11 -Wall -Wextra -Werror -O1 -g -pthread -Iclient -Iinclude $(pkg-config --cflags libpq) \
    -o "$T/load" test/ha/load.c client/libpictrepo.a $(pkg-config --libs libpq) >"$T/load.build.log" 2>&1 ||
    { cat "$T/load.build.log"; fail "test/ha/load.c builds"; finish; }

# --- the monitor ---------------------------------------------------------------
if autoctl create monitor --pgdata "$T/monitor" --pgport "$P0" --hostname 127.0.0.1 \
        --auth trust --no-ssl --pgctl "$PGBIN/pg_ctl" >"$T/monitor.create.log" 2>&1; then
    run_node monitor
    for _ in $(seq 120); do monitor_sql "SELECT 1" >/dev/null && break; sleep 0.5; done
fi
if ! monitor_sql "SELECT 1" >/dev/null; then
    tail -n 30 "$T/monitor.create.log" "$T/monitor.autoctl.log"; fail "the monitor runs"; finish
fi
# Quick health checks: a node is unhealthy after about 5 s without an
# answer, and the monitor waits 8 s (default 30 s) for a lost primary to
# have demoted itself before it promotes the standby; the nodes' keepers
# demote themselves after 5 s (default 20 s) without the monitor and the
# standby (timeout.network_partition_timeout, below), so a primary cut off
# from the others is never written to after the standby is promoted.
as_pg "$PGBIN/psql" -qX -h 127.0.0.1 -p "$P0" -U postgres -d pg_auto_failover \
    -c "ALTER SYSTEM SET pgautofailover.health_check_period = '1s'" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_timeout = '2s'" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 2" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = '500ms'" \
    -c "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = '5s'" \
    -c "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = '8s'" \
    -c "SELECT pg_reload_conf()" >/dev/null
ok "pg_auto_failover monitor on 127.0.0.1:$P0 ($(pg_autoctl --version | head -n 1))"

# --- the nodes ---------------------------------------------------------------
MONITOR_URI="postgres://autoctl_node@127.0.0.1:$P0/pg_auto_failover?sslmode=disable"
# create_node NAME PORT: create, preload pict_repo, run.
create_node() {
    autoctl create postgres --pgdata "$T/$1" --pgport "$2" --hostname 127.0.0.1 --name "$1" \
        --auth trust --no-ssl --pgctl "$PGBIN/pg_ctl" --dbname pict --monitor "$MONITOR_URI" \
        >"$T/$1.create.log" 2>&1 || { tail -n 30 "$T/$1.create.log"; return 1; }
    # pg_basebackup copies postgresql.conf to the secondary: only add once.
    grep -q pict_repo "$T/$1/postgresql.conf" || cat <<EOF | as_pg tee -a "$T/$1/postgresql.conf" >/dev/null
shared_preload_libraries = 'pict_repo'
pict_repo.database = 'pict'
pict_repo.job_timeout = '3s'
pict_repo.maintenance_interval = '200ms'
EOF
    autoctl config set --pgdata "$T/$1" timeout.network_partition_timeout 5 >/dev/null ||
        echo "# could not set timeout.network_partition_timeout on $1" >&2
    run_node "$1"
}
create_node node1 "$P1" && wait_state node1 single 180 ||
    { tail -n 30 "$T/node1.autoctl.log"; fail "node1 runs as a single node"; finish; }
as_pg "$PGBIN/pg_ctl" -D "$T/node1" -w restart -m fast >/dev/null 2>&1 || true
for _ in $(seq 60); do node_sql "$P1" "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
if node_sql "$P1" "CREATE EXTENSION IF NOT EXISTS pict_repo" >/dev/null &&
   node_sql "$P1" "CREATE ROLE pict_repo_app LOGIN" >/dev/null &&
   node_sql "$P1" "GRANT pict_repo_user TO pict_repo_app" >/dev/null; then
    ok "node1 (127.0.0.1:$P1) runs pict_repo $(node_sql "$P1" "SELECT pict_repo.version()")"
else
    fail "CREATE EXTENSION pict_repo on node1"; finish
fi
create_node node2 "$P2" && wait_state node2 secondary 240 && wait_state node1 primary 60 ||
    { tail -n 30 "$T/node2.autoctl.log"; fail "node2 runs as a secondary"; finish; }
sync=$(node_sql "$P1" "SHOW synchronous_standby_names")
[ -n "$sync" ] && ok "node1 is the primary, node2 a synchronous secondary ($sync)" ||
    fail "synchronous replication (synchronous_standby_names is empty)"
node_sql "$P1" "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'" | grep -qx 1 &&
    ok "the maintenance worker runs on node1" || fail "the maintenance worker runs on node1"
node_sql "$P2" "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'" | grep -qx 1 &&
    ok "and waits on node2, the standby" || fail "the maintenance worker waits on node2"

# --- the load and the failover -----------------------------------------------------
HOSTS="host=127.0.0.1,127.0.0.1 port=$P1,$P2 dbname=pict target_session_attrs=read-write connect_timeout=2"
"$T/load" "$HOSTS user=pict_repo_app" "$HOSTS user=postgres" "$LOAD_SECONDS" "$DRAIN_SECONDS" \
    >"$T/load.log" 2>&1 &
load_pid=$!
sleep "$KILL_AFTER"

# The primary is lost whole: its keeper frozen and killed, its server
# stopped with -m immediate (the keeper would otherwise start it again).
keepers=$(keeper_pids node1 | tr '\n' ' ')
[ -n "$keepers" ] || fail "node1's pg_autoctl processes found"
kill -STOP $keepers 2>/dev/null
t_stop=$(date +%s%3N)
as_pg "$PGBIN/pg_ctl" -D "$T/node1" -m immediate -w stop >/dev/null 2>&1 &&
    ok "node1 stopped with pg_ctl stop -m immediate after ${KILL_AFTER} s of load" ||
    fail "pg_ctl stop -m immediate on node1"
kill -KILL $keepers 2>/dev/null
# wait_primary: promoted and taking writes, without a standby to wait for.
if wait_state node2 "wait_primary|primary" 120; then
    t_promoted=$(date +%s%3N)
    ok "the monitor promoted node2 in $(( (t_promoted - t_stop) )) ms ($(monitor_sql "SELECT reportedstate FROM pgautofailover.node WHERE nodename = 'node2'"))"
else
    fail "node2 was promoted"
    monitor_sql "SELECT nodename, reportedstate, goalstate FROM pgautofailover.node"
fi
wait "$load_pid"
load_rc=$?
grep -E '^(ok|not ok|#) ' "$T/load.log"
passed=$((passed + $(grep -c '^ok ' "$T/load.log")))
failed=$((failed + $(grep -c '^not ok ' "$T/load.log")))
[ "$load_rc" -eq 0 ] || [ "$(grep -c '^not ok ' "$T/load.log")" -gt 0 ] ||
    { tail -n 20 "$T/load.log"; fail "load exited with $load_rc"; }
recovery=$(sed -n 's/^recovery_ms //p' "$T/load.log")
echo "# time to recover (client side, first failed call to the first call that worked again): ${recovery:-?} ms"
echo "# test-ha took $(( $(date +%s) - started )) s"
finish
