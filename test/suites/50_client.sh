# libpictrepo: the C client tests in test/client against the throw-away
# cluster, the same binary under valgrind (memory errors and leaks fail),
# and a program built with `pkg-config --cflags --libs pict-repo` against
# the installed library.  Every connection of the library under test is made
# as pict_repo_app, an application role (a LOGIN member of pict_repo_user
# only, see app_role in test/run.sh); the tests' own set-up and checks of
# table contents use a separate superuser connection (the fourth argument).
say "client library (C)"
client_dir=$TMP/client
mkdir -p "$client_dir"
client_p=0
client_f=0
client_s=0

client_sql() { psql -qX -v ON_ERROR_STOP=1 "$@" >>"$client_dir/setup.log" 2>&1; }

client_setup() {
    client_sql -c "DROP DATABASE IF EXISTS pict_repo_client" &&
    client_sql -c "DROP DATABASE IF EXISTS pict_repo_client_noext" &&
    client_sql -c "DROP DATABASE IF EXISTS pict_repo_client_fake" &&
    client_sql -c "DROP DATABASE IF EXISTS pict_repo_client_read" &&
    client_sql -c "CREATE DATABASE pict_repo_client" &&
    client_sql -c "CREATE DATABASE pict_repo_client_noext" &&
    client_sql -c "CREATE DATABASE pict_repo_client_fake" &&
    client_sql -c "CREATE DATABASE pict_repo_client_read" &&
    client_sql -d pict_repo_client -c "CREATE EXTENSION pict_repo" &&
    client_sql -d pict_repo_client_read -c "CREATE EXTENSION pict_repo" &&
    app_role pict_repo_app >>"$client_dir/setup.log" 2>&1 &&
    # A database that claims another major version.
    client_sql -d pict_repo_client_fake \
        -c "CREATE SCHEMA pict_repo" \
        -c "CREATE FUNCTION pict_repo.version() RETURNS text LANGUAGE sql AS \$\$SELECT '2.0'\$\$" \
        -c "GRANT USAGE ON SCHEMA pict_repo TO pict_repo_user"
}

# fold_tap LOG: add the ok / not ok / SKIP lines of a test run to the counts.
client_fold() {
    local log=$1 p f s
    s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log")
    p=$(( $(grep -cE '^ok [0-9]+' "$log") - s ))
    f=$(grep -cE '^not ok [0-9]+' "$log")
    client_p=$((client_p + p)); client_f=$((client_f + f)); client_s=$((client_s + s))
}

# MAIN NOEXT FAKE as the application role, then ADMIN as the superuser,
# then READ (another repository, the read connection of t_routing.c).
client_args=("user=pict_repo_app dbname=pict_repo_client"
             "user=pict_repo_app dbname=pict_repo_client_noext"
             "user=pict_repo_app dbname=pict_repo_client_fake"
             "user=$PGUSER dbname=pict_repo_client"
             "user=pict_repo_app dbname=pict_repo_client_read")
if ! client_setup; then
    cat "$client_dir/setup.log"
    client_f=$((client_f + 1))
elif ! cc -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers -g -O0 -pthread \
        -Iclient -Iinclude $(pkg-config --cflags libpq) -o "$client_dir/test_client" test/client/*.c \
        client/libpictrepo.a $(pkg-config --libs libpq) >"$client_dir/build.log" 2>&1; then
    cat "$client_dir/build.log"
    echo "not ok - the client tests do not build"
    client_f=$((client_f + 1))
else
    # 1. the tests
    "$client_dir/test_client" "${client_args[@]}" >"$client_dir/test.log" 2>&1
    rc=$?
    grep -E '^not ok|^# |SKIP' "$client_dir/test.log" | head -n 60
    client_fold "$client_dir/test.log"
    if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$client_dir/test.log"; then
        echo "not ok - test_client exited with $rc"; tail -n 20 "$client_dir/test.log"
        client_f=$((client_f + 1))
    fi

    # 2. the same binary under valgrind, in fresh databases
    if command -v valgrind >/dev/null && client_setup; then
        valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect --track-fds=no --quiet \
            "$client_dir/test_client" "${client_args[@]}" >"$client_dir/valgrind.log" 2>&1
        vrc=$?
        if [ "$vrc" -eq 99 ]; then
            echo "not ok - valgrind found memory errors or leaks in the client tests"
            grep -E '^==[0-9]+==' "$client_dir/valgrind.log" | head -n 60
            client_f=$((client_f + 1))
        else
            echo "ok - test_client runs clean under valgrind --leak-check=full"
            client_p=$((client_p + 1))
            # Timing checks may be slow under valgrind: report, do not count.
            grep -E '^not ok' "$client_dir/valgrind.log" | sed 's/^/# under valgrind: /' | head -n 20
        fi
    else
        echo "not ok - valgrind is missing"
        client_f=$((client_f + 1))
    fi
fi

# 3. a program built with pkg-config against the installed library
cat >"$client_dir/app.c" <<'CEOF'
#include <stdio.h>
#include <pict_repo_client.h>
int
main(int argc, char **argv)
{
	pr_error	err;
	pr_conn    *c = pr_connect(argc > 1 ? argv[1] : NULL, &err);

	if (!c)
	{
		fprintf(stderr, "%s: %s\n", err.sqlstate, err.message);
		return 1;
	}
	printf("%s %s\n", pr_library_version(), pr_server_version(c));
	pr_finish(c);
	return 0;
}
CEOF
if cc -Wall -Wextra -Werror -o "$client_dir/app" "$client_dir/app.c" \
        $(pkg-config --cflags --libs pict-repo 2>&1) >"$client_dir/app.log" 2>&1 &&
   "$client_dir/app" "user=pict_repo_app dbname=pict_repo_client" >>"$client_dir/app.log" 2>&1; then
    echo "ok - a program built with pkg-config pict-repo connects ($(tail -n 1 "$client_dir/app.log"))"
    client_p=$((client_p + 1))
else
    echo "not ok - a program built with pkg-config pict-repo"; cat "$client_dir/app.log"
    client_f=$((client_f + 1))
fi
# 4. the example program of the README (the first ```c block): it must exist
for readme in README.md; do
    ex=$client_dir/example_$(echo "${readme%.md}" | tr "/" "_").c
    awk '/^```c$/ {on = 1; next} on && /^```$/ {exit} on {print}' "$readme" >"$ex"
    if cc -Wall -Wextra -Werror -o "${ex%.c}" "$ex" $(pkg-config --cflags --libs pict-repo 2>&1) \
            >"${ex%.c}.log" 2>&1 &&
       PGUSER=pict_repo_app PGDATABASE=pict_repo_client "${ex%.c}" >>"${ex%.c}.log" 2>&1; then
        echo "ok - the example program of $readme builds with pkg-config and runs"
        client_p=$((client_p + 1))
    else
        echo "not ok - the example program of $readme"; cat "${ex%.c}.log"
        client_f=$((client_f + 1))
    fi
done
# The README's limits table and include/pict_repo_protocol.h, which the
# client and the server both compile with, say the same: every row's
# constant has the row's bound (the last number outside parentheses), and
# every limit of the header has a row.
limits_check() {
    local hdr=include/pict_repo_protocol.h rows name bound value bad=0 n=0
    rows=$(sed -n '/^| argument | limit | constant |$/,/^$/p' README.md |
           sed -n 's/^| [^|]* | \([^|]*\) | `\(PR_[A-Z_]*\)` |$/\2 \1/p')
    [ -n "$rows" ] || { echo "# no limits table in README.md"; return 1; }
    while read -r name bound; do
        bound=$(printf '%s\n' "$bound" | sed 's/([^)]*)//g' | grep -oE '[0-9]+' | tail -n 1)
        value=$(sed -n "s/^#define $name[[:space:]]*\([0-9]*\).*/\1/p" "$hdr")
        n=$((n + 1))
        if [ -z "$value" ] || [ "$value" != "$bound" ]; then
            echo "# README says $bound for $name, $hdr ${value:-does not define it}"; bad=1
        fi
    done <<<"$rows"
    for name in $(sed -n 's/^#define \(PR_[A-Z_]*_MAX\|PR_DEFAULT_LIM\)[[:space:]].*/\1/p' "$hdr"); do
        grep -q "^$name " <<<"$rows" || { echo "# $name has no row in the README's limits table"; bad=1; }
    done
    [ "$bad" -eq 0 ] && echo "# $n rows"
    return "$bad"
}
if limits_check; then
    echo "ok - the README's limits table matches include/pict_repo_protocol.h"
    client_p=$((client_p + 1))
else
    echo "not ok - the README's limits table matches include/pict_repo_protocol.h"
    client_f=$((client_f + 1))
fi

add_counts "client (C)" "$client_p" "$client_f" "$client_s"
