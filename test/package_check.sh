#!/usr/bin/env bash
# `make package-check`: build the Debian packages of this checkout with
# dpkg-buildpackage -us -uc -b (in a copy of the sources under /tmp), check
# them with lintian (no errors), install them on this machine, create the
# extension in a fresh cluster of the system's PostgreSQL 15 (as the
# postgres OS user, on a private socket), run a smoke test of the tool and
# of a program built with pkg-config against libpictrepo-dev, then remove
# the packages again (dpkg --purge), whatever happened: the machine is left
# as it was found.  Needs root (it installs packages); installs the build
# dependencies and lintian when they are missing.
#
# Not part of `make test`: it takes a few minutes and, while it runs, puts
# pict_repo into the system's PostgreSQL directories (make test and the
# demo use a private copy of the server and are not affected by it).
set -uo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD

PKGS=(postgresql-15-pict-repo libpictrepo1 libpictrepo-dev pict-repo)
# Removed afterwards too, should they have been installed.
DBGSYM=(postgresql-15-pict-repo-dbgsym libpictrepo1-dbgsym pict-repo-dbgsym)
# shellcheck source=test/counts.sh
. test/counts.sh

if [ "$(id -u)" -ne 0 ]; then
    echo "make package-check installs packages: run it as root" >&2
    fail "run as root"
    finish
fi
for p in "${PKGS[@]}" "${DBGSYM[@]}"; do
    if dpkg -s "$p" >/dev/null 2>&1; then
        echo "$p is already installed: package-check would remove it afterwards; remove it first" >&2
        fail "none of the packages is installed before"
        finish
    fi
done

# Build dependencies (and lintian), installed when missing.
need=()
for p in debhelper dpkg-dev fakeroot lintian libpq-dev pkg-config postgresql-15 postgresql-server-dev-15; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]}" >&2
    # Not installable here (no registry reachable): skipped, not failed.
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq >/dev/null
    if ! timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
        echo "ok - ${need[*]} could not be installed # SKIP"
        echo "0 passed, 0 failed, 1 skipped"
        exit 0
    fi
fi

WORK=$(mktemp -d /tmp/pict_repo_pkg.XXXXXX)
chmod 755 "$WORK"
DATA=""
PGBIN=/usr/lib/postgresql/15/bin
as_pg() { runuser -u postgres -- "$@"; }
cleanup() {
    if [ -n "$DATA" ] && [ -f "$DATA/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1
    fi
    local installed=()
    for p in "${DBGSYM[@]}" "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 && installed+=("$p"); done
    if [ ${#installed[@]} -gt 0 ]; then
        dpkg --purge "${installed[@]}" >"$WORK/purge.log" 2>&1 || cat "$WORK/purge.log" >&2
    fi
    [ -z "${KEEP_TMP:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres

# 1. build, in a copy of the sources (tracked and new files, no build output)
mkdir -p "$WORK/src/pict-repo-1"
(cd "$SRC" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$WORK/src/pict-repo-1/") ||
    { fail "copy the sources"; finish; }
start=$(date +%s)
if (cd "$WORK/src/pict-repo-1" && dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; then
    ok "dpkg-buildpackage -us -uc -b builds $(cd "$WORK/src" && ls ./*.deb | sed 's|^\./||' | tr '\n' ' ')in $(( $(date +%s) - start )) s"
else
    tail -n 40 "$WORK/build.log"
    fail "dpkg-buildpackage -us -uc -b"
    finish
fi
for p in "${PKGS[@]}"; do
    ls "$WORK/src/${p}"_*.deb >/dev/null 2>&1 && ok "package $p built" || fail "package $p built"
done

# 2. lintian: no errors (warnings are listed)
changes=$(ls "$WORK"/src/*.changes)
lintian --fail-on error "$changes" >"$WORK/lintian.log" 2>&1
lrc=$?
grep -E '^[EW]: ' "$WORK/lintian.log" | head -n 30
if [ "$lrc" -eq 0 ] && ! grep -q '^E: ' "$WORK/lintian.log"; then
    ok "lintian finds no error ($(grep -c '^W: ' "$WORK/lintian.log") warnings)"
else
    fail "lintian finds errors"
fi

# 3. install them here
debs=()
for p in "${PKGS[@]}"; do debs+=("$(ls "$WORK"/src/"${p}"_*.deb)"); done
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${debs[@]}" >"$WORK/install.log" 2>&1; then
    ok "the packages install"
else
    tail -n 20 "$WORK/install.log"
    fail "the packages install"
    finish
fi
for f in /usr/lib/postgresql/15/lib/pict_repo.so /usr/share/postgresql/15/extension/pict_repo.control \
         /usr/bin/pict-repo /usr/share/man/man1/pict-repo.1.gz /usr/include/pict_repo_client.h \
         /usr/include/pict_repo_protocol.h; do
    [ -e "$f" ] && ok "$f is installed" || fail "$f is installed"
done
zcat /usr/share/man/man1/pict-repo.1.gz | grep -q '^\.TH PICT-REPO 1 ' &&
    ok "the man page of pict-repo is pict-repo(1)" || fail "the man page of pict-repo is pict-repo(1)"

# 4. a fresh cluster of the system's server, the packaged extension in it
DATA=$WORK/data
chown postgres: "$WORK"
PORT=$((40000 + RANDOM % 10000))
while ss -ltn 2>/dev/null | grep -q ":$PORT "; do PORT=$((PORT + 1)); done
as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C -N >"$WORK/initdb.log" 2>&1 &&
{
    echo "port = $PORT"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$WORK'"
    echo "shared_preload_libraries = 'pict_repo'"
    echo "pict_repo.job_timeout = '1s'"
    echo "pict_repo.maintenance_interval = '200ms'"
} >>"$DATA/postgresql.conf" &&
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -w start >/dev/null ||
    { cat "$WORK/initdb.log" "$WORK/server.log" 2>/dev/null; fail "a fresh cluster starts"; finish; }
export PGHOST=$WORK PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
if psql -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pict_repo' \
        -c 'CREATE ROLE pkg_app LOGIN' -c 'GRANT pict_repo_user TO pkg_app' >"$WORK/sql.log" 2>&1 &&
   [ "$(psql -qXAt -c 'SELECT pict_repo.version()')" = "$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" pict_repo.control)" ]; then
    ok "CREATE EXTENSION pict_repo from the package, version $(psql -qXAt -c 'SELECT pict_repo.version()')"
else
    cat "$WORK/sql.log"; fail "CREATE EXTENSION pict_repo from the package"
fi
psql -qXAt -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'" |
    grep -qx 1 && ok "the maintenance worker of the packaged library runs" || fail "the maintenance worker runs"

# 5. the tool (as an application role): push, work, status, --prometheus
tool() { /usr/bin/pict-repo -d "user=pkg_app dbname=postgres" "$@"; }
id=$(tool push pkg-q '{"n": 1}' 2>"$WORK/tool.err")
[ -n "$id" ] && ok "pict-repo push ($id)" || { cat "$WORK/tool.err"; fail "pict-repo push"; }
if tool work pkg-q -e -- cat >"$WORK/work.out" 2>>"$WORK/tool.err" && grep -q '"n": 1' "$WORK/work.out"; then
    ok "pict-repo work runs the job"
else
    cat "$WORK/tool.err"; fail "pict-repo work runs the job"
fi
tool status >"$WORK/status.out" 2>>"$WORK/tool.err" && grep -q '^server version: ' "$WORK/status.out" &&
    ok "pict-repo status" || fail "pict-repo status"
tool status --prometheus 2>>"$WORK/tool.err" | grep -q '^pict_repo_queued_jobs 0$' &&
    ok "pict-repo status --prometheus" || fail "pict-repo status --prometheus"

# 6. a program against libpictrepo-dev, found with pkg-config
cat >"$WORK/app.c" <<'CEOF'
#include <stdio.h>
#include <pict_repo_client.h>
int
main(void)
{
	pr_error	err;
	pr_conn    *c = pr_connect(NULL, &err);

	if (!c)
	{
		fprintf(stderr, "%s: %s\n", err.sqlstate, err.message);
		return 1;
	}
	printf("%s\n", pr_server_version(c));
	pr_finish(c);
	return 0;
}
CEOF
# A libpictrepo.so.1 installed by hand under /usr/local (make install) is
# found first by the dynamic loader: look for the packaged one first.
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
[ -e /usr/local/lib/libpictrepo.so.1 ] &&
    echo "# note: /usr/local/lib/libpictrepo.so.1 (a make install) shadows the package's; the program is run with LD_LIBRARY_PATH=/usr/lib/$MA"
if cc -o "$WORK/app" "$WORK/app.c" $(pkg-config --cflags --libs pict-repo) >"$WORK/app.log" 2>&1 &&
   PGUSER=pkg_app LD_LIBRARY_PATH=/usr/lib/$MA "$WORK/app" >>"$WORK/app.log" 2>&1 &&
   LD_LIBRARY_PATH=/usr/lib/$MA ldd "$WORK/app" >"$WORK/ldd.log" 2>&1 &&
   grep -qE "libpictrepo\.so\.1 => (/usr)?/lib/$MA/libpictrepo\.so\.1" "$WORK/ldd.log" &&
   [ "$(tail -n 1 "$WORK/app.log")" = "$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" pict_repo.control)" ]; then
    ok "a program built with pkg-config pict-repo links the packaged libpictrepo.so.1 and connects"
else
    cat "$WORK/app.log" "$WORK/ldd.log" 2>/dev/null; fail "a program built with pkg-config pict-repo"
fi

# 7. remove them: nothing of them is left
as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1
if dpkg --purge "${PKGS[@]}" >"$WORK/purge.log" 2>&1; then
    left=0
    for f in /usr/lib/postgresql/15/lib/pict_repo.so /usr/share/postgresql/15/extension/pict_repo.control \
             /usr/bin/pict-repo /usr/share/man/man1/pict-repo.1.gz /usr/include/pict_repo_client.h \
             /usr/include/pict_repo_protocol.h; do
        [ -e "$f" ] && left=1
    done
    [ "$left" -eq 0 ] && ok "dpkg --purge removes them and their files" || fail "files left after dpkg --purge"
else
    cat "$WORK/purge.log"; fail "dpkg --purge"
fi
finish
