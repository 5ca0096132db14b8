#!/usr/bin/env bash
# Make sure the machine has what building and testing pict_repo needs.
# As root, missing Debian packages are installed with apt-get; otherwise the
# script names them and fails.
set -euo pipefail

PGV=15
missing=()

need_pkg() {
    # need_pkg PACKAGE CHECK-COMMAND...
    local pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then
        missing+=("$pkg")
    fi
}

need_pkg gcc                      command -v gcc
need_pkg make                     command -v make
need_pkg libpq-dev                test -f /usr/include/postgresql/libpq-fe.h
need_pkg postgresql-$PGV          test -x /usr/lib/postgresql/$PGV/bin/postgres
need_pkg postgresql-server-dev-$PGV test -f /usr/include/postgresql/$PGV/server/postgres.h
need_pkg postgresql-$PGV-pgtap    test -f /usr/share/postgresql/$PGV/extension/pgtap.control
need_pkg libtap-parser-sourcehandler-pgtap-perl command -v pg_prove
need_pkg libipc-run-perl          perl -MIPC::Run -e 1
need_pkg valgrind                 command -v valgrind
need_pkg pkg-config               command -v pkg-config
need_pkg util-linux               command -v runuser
# test/suites/55_pgbouncer.sh and test/t/006_pg_cron.pl
need_pkg pgbouncer                command -v pgbouncer
need_pkg postgresql-$PGV-cron     test -f /usr/share/postgresql/$PGV/extension/pg_cron.control

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "pict_repo: these Debian packages are missing: ${missing[*]}" >&2
    echo "pict_repo: install them as root (apt-get install ${missing[*]}) or run 'make test' as root" >&2
    exit 1
fi

echo "pict_repo: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A stale package list makes apt-get fail on versions that left the mirror.
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
