#!/usr/bin/env bash
# The peer section of `make bench` (called by bench/run.sh with the
# cluster's libpq environment and the private server copy in place):
#
#   bash bench/peers/run.sh OUT [--quick]
#
# Installs the Node.js job queues from bench/peers/package-lock.json with
# `npm ci` into a temporary directory, makes PgQ available in the private
# server copy (installing Debian's postgresql-15-pgq3 first when run as
# root and it is missing), runs compare.mjs and appends its section to OUT.
# Whatever cannot be had is skipped with a note in OUT; nothing here is
# needed by `make test`.  The temporary directory is removed on exit.
set -uo pipefail

cd "$(dirname "$0")/../.."
OUT=$1
shift
QUICK=
[ "${1:-}" = "--quick" ] && QUICK=--quick
note() {
    echo "bench/peers: $*" >&2
    printf '## Job queues people use\n\nNot run: %s.\n\n' "$*" >>"$OUT"
}

command -v node >/dev/null && command -v npm >/dev/null || { note "node and npm are not installed"; exit 0; }
[ -x bench/peers/peers ] || make -s -C bench peers/peers >/dev/null || { note "bench/peers/peers does not build"; exit 0; }

WORK=$(mktemp -d /tmp/pict_repo_peers.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT
cp bench/peers/package.json bench/peers/package-lock.json bench/peers/.npmrc \
    bench/peers/compare.mjs bench/peers/drain.mjs "$WORK"/
echo "== peers: npm ci into $WORK"
if ! (cd "$WORK" && npm ci --no-audit --no-fund --loglevel=error >"$WORK/npm.log" 2>&1); then
    tail -5 "$WORK/npm.log" >&2
    note "npm ci of bench/peers/package-lock.json failed"
    exit 0
fi

# PgQ: the private copy was made from the system's server directories, so
# an extension installed on the system afterwards is copied in as well.
NO_PGQ=()
SHAREDIR=$("$PG_CONFIG" --sharedir)
PKG=postgresql-15-pgq3
if [ ! -f "$SHAREDIR/extension/pgq.control" ]; then
    if ! dpkg-query -W -f '${Status}' "$PKG" 2>/dev/null | grep -q "install ok installed"; then
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
            echo "== peers: apt-get install $PKG"
            { DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$PKG" ||
                { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$PKG"; }; } \
                >"$WORK/apt.log" 2>&1 || tail -5 "$WORK/apt.log" >&2
        fi
    fi
    if dpkg-query -W -f '${Status}' "$PKG" 2>/dev/null | grep -q "install ok installed"; then
        dpkg-query -L "$PKG" | while read -r f; do
            case $f in
                */bitcode/*) ;;
                /usr/lib/postgresql/*|/usr/share/postgresql/*)
                    if [ -f "$f" ]; then
                        mkdir -p "$PRIVATE_ROOT$(dirname "$f")" && cp "$f" "$PRIVATE_ROOT$f"
                    fi ;;
            esac
        done
        chmod -R a+rX "$PRIVATE_ROOT"
    fi
fi
[ -f "$SHAREDIR/extension/pgq.control" ] ||
    NO_PGQ=(--no-pgq "$PKG is not installed (run make bench as root to install it)")

node "$WORK/compare.mjs" --out "$OUT" --driver "$PWD/bench/peers/peers" $QUICK "${NO_PGQ[@]}" ||
    { note "the peer comparison failed (see the output above)"; exit 1; }
