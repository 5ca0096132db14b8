# A private copy of the PostgreSQL server with this checkout's build of
# pict_repo installed into it; sourced by test/run.sh and bench/run.sh.
#
#   private_server_install   copy the server's bin, lib and share directories
#                            under a new temporary directory PRIVATE_ROOT,
#                            `make install DESTDIR=$PRIVATE_ROOT` into it (the
#                            extension, libpictrepo, its header and pkg-config
#                            file, the tool), and point PG_CONFIG, PATH,
#                            PKG_CONFIG_PATH and LD_LIBRARY_PATH at the copy
#   private_server_remove    remove PRIVATE_ROOT (unless KEEP_TMP is set)
#
# Why: the server's library and share directories are shared by every
# checkout on the machine.  Installing there would let one checkout's test
# run load another's pict_repo.so half-way through, so runs would have to
# take turns.  PostgreSQL finds its library and share directories relative
# to its binaries, so a copy is a server of its own: runs from several
# checkouts (and a long benchmark) go on side by side, and nothing outside
# the temporary directory is written.

SYS_PG_CONFIG=${PG_CONFIG:-$(make -s --no-print-directory -f "$(dirname "${BASH_SOURCE[0]}")/../mk/common.mk" print-PG_CONFIG)}

private_server_install() {
    local sys_bindir sys_pkglibdir sys_sharedir d
    sys_bindir=$("$SYS_PG_CONFIG" --bindir)
    sys_pkglibdir=$("$SYS_PG_CONFIG" --pkglibdir)
    sys_sharedir=$("$SYS_PG_CONFIG" --sharedir)

    PRIVATE_ROOT=$(mktemp -d /tmp/pict_repo_pg.XXXXXX) || return 1
    chmod 755 "$PRIVATE_ROOT"
    for d in "$sys_bindir" "$sys_pkglibdir" "$sys_sharedir"; do
        mkdir -p "$PRIVATE_ROOT$d"
        (cd "$d" && tar cf - --exclude=./bitcode .) | (cd "$PRIVATE_ROOT$d" && tar xf -) || {
            echo "cannot copy $d into $PRIVATE_ROOT" >&2
            return 1
        }
    done
    if ! make -s install DESTDIR="$PRIVATE_ROOT" PG_CONFIG="$SYS_PG_CONFIG" \
            >"$PRIVATE_ROOT/install.log" 2>&1; then
        cat "$PRIVATE_ROOT/install.log" >&2
        return 1
    fi
    # pict-repo.pc of the copy names the copy's directories.
    sed -i "s|/usr/local|$PRIVATE_ROOT/usr/local|g" "$PRIVATE_ROOT/usr/local/lib/pkgconfig/pict-repo.pc"
    chmod -R a+rX "$PRIVATE_ROOT"

    export PRIVATE_ROOT
    export PG_CONFIG=$PRIVATE_ROOT$sys_bindir/pg_config
    export PATH="$PRIVATE_ROOT$sys_bindir:$PATH"
    export PKG_CONFIG_PATH=$PRIVATE_ROOT/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
    export LD_LIBRARY_PATH=$PRIVATE_ROOT/usr/local/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    # The copy must really be a server of its own.
    if [ "$("$PG_CONFIG" --pkglibdir)" != "$PRIVATE_ROOT$sys_pkglibdir" ]; then
        echo "the private server copy is not relocatable ($("$PG_CONFIG" --pkglibdir))" >&2
        return 1
    fi
}

private_server_remove() {
    if [ -n "${PRIVATE_ROOT:-}" ] && [ -d "$PRIVATE_ROOT" ] && [ -z "${KEEP_TMP:-}" ]; then
        rm -rf "$PRIVATE_ROOT"
    fi
}
