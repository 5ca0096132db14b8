# The file service's subcommands (list, info, usage, tag, access), sourced by
# tool_test.sh (its helpers, counters and $P, $W).  The tool connects as the
# suite's application role (PGUSER: a LOGIN member of pict_repo_user only,
# checked by tool_test.sh); sql() sets up and reads the tables as the
# superuser.
APP=()

check "the help lists the file service's subcommands" \
    bash -c '"$0" --help | grep -q "^  list " && "$0" --help | grep -q "^  access "' "$P"
for s in list info usage tag access; do
    expect "pict-repo $s --help" 0 "$P" "$s" --help
    check "$s --help prints its usage" out_has "Usage: pict-repo $s"
done
expect "list with a bad --min-width is a usage error" 2 "$P" list --min-width x
expect "list with a negative --max-bytes is a usage error" 2 "$P" list --max-bytes -1
expect "list with a bad --after is a usage error" 2 "$P" list --after yesterday
expect "list with an argument is a usage error" 2 "$P" list alice
expect "info without an alias is a usage error" 2 "$P" info
expect "tag without an alias is a usage error" 2 "$P" tag
expect "tag with a word that is not +TAG or -TAG is a usage error" 2 "$P" tag a.png cat
expect "access with a bad level is a usage error" 2 "$P" access secret a.png
expect "access without an alias is a usage error" 2 "$P" access public

if need list_media media_info usage_report add_tags remove_tags set_access ingest; then
    before=$(sql "SELECT uploads || ' ' || bytes FROM pict_repo.usage_report()")
    # 1,201 uploads through ingest: alice's images, some with cat; bob's
    # videos; names and tags with characters that must be escaped.
    sql "SELECT count(*) FROM pg_catalog.generate_series(1, 1200) g,
         LATERAL pict_repo.ingest(pg_catalog.sha256(pg_catalog.int8send(g + 777000)), 'tool-media/' || g,
             pg_catalog.jsonb_build_object('width', g, 'height', g / 2,
                 'content_type', CASE WHEN g % 4 = 0 THEN 'video/mp4' ELSE 'image/png' END,
                 'frames', CASE WHEN g % 10 = 0 THEN 3 ELSE 1 END),
             'png', 'tm-' || pg_catalog.lpad(g::text, 4, '0') || '.png', NULL,
             CASE WHEN g % 4 = 0 THEN 'bob' ELSE 'alice' END,
             CASE WHEN g % 3 = 0 THEN '{cat}'::text[] ELSE '{dog}' END,
             'public', g * 10)" >/dev/null
    sql "SELECT count(*) FROM pict_repo.ingest('\\x7e01', 'tool-media/odd', '{\"content_type\": \"image/png\"}',
             'png', E'tm-odd\\tname\\n.png', 'tok-odd', E'al\\\\ice', ARRAY['a,b', E'c\\\\d', E'e\\tf'])" >/dev/null

    want_sql="SELECT alias FROM pict_repo.aliases WHERE owner = 'alice' AND content_type LIKE 'image/%'
              AND tags @> '{cat}' ORDER BY created_at DESC, alias DESC"
    expect "list --owner alice --type image/ --tag cat (as the application role)" 0 \
        "$P" "${APP[@]}" list --owner alice --type image/ --tag cat
    cut -f1 "$W/out" >"$W/list.aliases"
    sql "$want_sql" >"$W/list.want"
    check "prints exactly the matching uploads, newest first, across pages ($(wc -l <"$W/list.want") rows)" \
        bash -c '[ "$(wc -l <"$0")" -gt 0 ] && cmp -s "$0" "$1"' "$W/list.want" "$W/list.aliases"
    sql "SELECT alias FROM pict_repo.list_media('{\"owner\": \"alice\", \"content_type\": \"image/\", \"tags_all\": [\"cat\"]}', 10000)" \
        >"$W/list.sql"
    check "the same rows as list_media through SQL" cmp -s "$W/list.sql" "$W/list.aliases"
    check "each line has the ten fields" \
        bash -c 'awk -F"\t" "NF != 10 {bad = 1} END {exit bad}" "$0"' "$W/out"
    check "a line holds the upload's hash, owner, access, type, size, time and tags" \
        grep -q "^tm-0003.png	$(sql "SELECT pg_catalog.encode(hash, 'hex') FROM pict_repo.aliases WHERE alias = 'tm-0003.png'")	alice	public	image/png	3	1	30	20[0-9-]*T[0-9:.]*Z	cat\$" "$W/out"
    check "one summary line on stderr when it is not a terminal" \
        bash -c '[ "$(wc -l <"$0")" -eq 1 ] && grep -q "^pict-repo list: [0-9]* uploads in" "$0"' "$W/err"
    # Every alias, escaped as the tool escapes it.
    all_sql=$(cat <<'Q'
SELECT replace(replace(replace(alias, '\', '\\'), E'\t', '\t'), E'\n', '\n')
  FROM pict_repo.aliases ORDER BY created_at DESC, alias DESC
Q
)
    expect "list without a filter" 0 "$P" "${APP[@]}" list
    check "prints every upload once, newest first, across two pages of 1000" \
        bash -c '[ "$(wc -l <"$0")" -gt 1000 ] && cut -f1 "$0" | cmp -s - "$1"' "$W/out" \
        <(sql "$all_sql")
    expect "list --owner bob --animated --min-width 100 --max-width 800" 0 \
        "$P" "${APP[@]}" list --owner bob --animated --min-width 100 --max-width 800
    check "prints what the table holds" \
        test "$(wc -l <"$W/out")" = "$(sql "SELECT count(*) FROM pict_repo.aliases WHERE owner = 'bob'
                                            AND frames > 1 AND width BETWEEN 100 AND 800")"
    expect "list --any-tag cat --any-tag nope --type video/mp4 --min-bytes 5000 --before +1h" 0 \
        "$P" "${APP[@]}" list --any-tag cat --any-tag nope --type video/mp4 --min-bytes 5000 --before +1h
    check "prints what the table holds" \
        test "$(wc -l <"$W/out")" = "$(sql "SELECT count(*) FROM pict_repo.aliases WHERE tags && '{cat,nope}'
                                            AND content_type = 'video/mp4' AND bytes >= 5000")"
    expect "list --limit 5" 0 "$P" "${APP[@]}" list --limit 5
    check "prints 5 uploads" test "$(wc -l <"$W/out")" -eq 5
    expect "list --after 2999-01-01" 0 "$P" "${APP[@]}" list --after 2999-01-01
    check "prints nothing" test -z "$OUT"
    expect "list --owner 'al\\ice' (escaping)" 0 "$P" "${APP[@]}" list --owner 'al\ice'
    check "escapes tab, newline and backslash, and a comma in a tag" \
        test "$OUT" = "$(printf '%s\t%s\t%s' 'tm-odd\tname\n.png' 7e01 'al\\ice')	public	image/png				$(cut -f9 "$W/out")	a\\,b,c\\\\d,e\\tf"
    expect "list --json --owner 'al\\ice'" 0 "$P" "${APP[@]}" list --json --owner 'al\ice'
    check "prints one JSON object with the tenant's text escaped" \
        test "$(echo "SELECT (:'j'::jsonb)->>'alias' = E'tm-odd\\tname\\n.png'
                AND (:'j'::jsonb)->'tags' = '[\"a,b\", \"c\\\\d\", \"e\\tf\"]'::jsonb
                AND (:'j'::jsonb)->'width' = 'null'" | psql -qXAt -v ON_ERROR_STOP=1 -v j="$OUT")" = t
    expect "list --json --owner bob" 0 "$P" "${APP[@]}" list --json --owner bob
    psql -qXAt -v ON_ERROR_STOP=1 -c "CREATE TEMP TABLE j (l text)" \
        -c "\\copy j FROM '$W/out' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" \
        -c "SELECT count(*) FILTER (WHERE pg_catalog.jsonb_typeof(l::jsonb) = 'object'
                                    AND l::jsonb->>'owner' = 'bob') || '/' || count(*) FROM j" \
        >"$W/json.count" 2>&1
    check "one JSON object per line, every one bob's" \
        test "$(cat "$W/json.count")" = "300/300"
    expect "list --type png (the server rejects the filter)" 2 "$P" "${APP[@]}" list --type png
    check "names SQLSTATE 22023 and the key" bash -c 'grep -q 22023 "$0" && grep -q content_type "$0"' "$W/err"
    if command -v script >/dev/null; then
        script -qec "'$P' list --owner alice >'$W/tty.out'" /dev/null >"$W/tty.err" 2>&1
        check "progress on a terminal: done of total, rate, time left" \
            bash -c 'tr "\r" "\n" <"$0" | grep -q "^900/900 uploads, [0-9]*/s, [0-9]* s left" &&
                     [ "$(wc -l <"$1")" -eq 900 ]' "$W/tty.err" "$W/tty.out"
    else
        skip "script(1) is missing" "progress on a terminal"
    fi

    expect "info of an upload" 0 "$P" "${APP[@]}" info tm-0004.png
    check "prints its fields" \
        bash -c 'grep -q "^owner: bob$" "$0" && grep -q "^content_type: video/mp4$" "$0" &&
                 grep -q "^tags: dog$" "$0" && grep -q "^bytes: 40$" "$0" &&
                 grep -q "^identifier: tool-media/4$" "$0" && grep -q "^variants: 0$" "$0"' "$W/out"
    expect "info --json" 0 "$P" "${APP[@]}" info --json tm-0004.png
    check "prints one JSON object" \
        test "$(echo "SELECT (:'j'::jsonb)->>'owner'" | psql -qXAt -v j="$OUT")" = bob
    expect "info of an unknown alias" 1 "$P" "${APP[@]}" info no-such.png
    expect "info of an empty alias" 2 "$P" "${APP[@]}" info ""

    expect "usage --owner alice" 0 "$P" "${APP[@]}" usage --owner alice
    check "prints alice's uploads and bytes" \
        test "$OUT" = "alice	$(sql "SELECT count(*) || E'\t' || sum(bytes) FROM pict_repo.aliases WHERE owner = 'alice'")"
    expect "usage" 0 "$P" "${APP[@]}" usage
    check "prints every upload and their bytes: 1,201 uploads and their bytes more than before" \
        test "$OUT" = "	$(( ${before% *} + 1201 ))	$(( ${before#* } + $(sql "SELECT sum(bytes) FROM pict_repo.aliases WHERE alias LIKE 'tm-%'") ))"
    expect "usage of an owner without uploads" 0 "$P" "${APP[@]}" usage --owner nobody
    check "prints zeros" test "$OUT" = "nobody	0	0"

    expect "tag tm-0001.png +cat +zebra -dog" 0 "$P" "${APP[@]}" tag tm-0001.png +cat +zebra -dog
    check "prints the tags afterwards" test "$OUT" = "cat,zebra"
    check "and they are stored" test "$(sql "SELECT tags FROM pict_repo.aliases WHERE alias = 'tm-0001.png'")" = "{cat,zebra}"
    expect "tag without changes prints the tags" 0 "$P" "${APP[@]}" tag tm-0001.png
    check "prints them" test "$OUT" = "cat,zebra"
    expect "tag of an unknown alias" 1 "$P" "${APP[@]}" tag no-such.png +x
    expect "tag with an empty tag" 2 "$P" "${APP[@]}" tag tm-0001.png +ok +
    check "changes nothing (one transaction)" \
        test "$(sql "SELECT tags FROM pict_repo.aliases WHERE alias = 'tm-0001.png'")" = "{cat,zebra}"

    expect "access private of three aliases, one unknown" 0 "$P" "${APP[@]}" access private tm-0001.png tm-0002.png no-such.png
    check "prints how many changed" test "$OUT" = 2
    printf 'tm-0001.png\n\ntm-0002.png\ntm-0003.png\n' >"$W/access.in"
    expect "access public - (aliases from stdin)" 0 "$P" "${APP[@]}" access public - <"$W/access.in"
    check "prints 2 and they are public" \
        test "$OUT,$(sql "SELECT count(*) FROM pict_repo.aliases WHERE access = 'private'")" = "2,0"

    if command -v valgrind >/dev/null; then
        for args in "list --owner alice --tag cat" "list --json --limit 3" "info tm-0004.png" \
                    "usage --owner alice" "tag tm-0001.png +x -x" "access public tm-0001.png"; do
            # shellcheck disable=SC2086
            valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
                --quiet "$P" "${APP[@]}" $args >"$W/out" 2>"$W/err"
            vrc=$?
            if [ "$vrc" = 0 ]; then ok "valgrind: pict-repo $args is clean"
            else nok "valgrind: pict-repo $args: exit $vrc"; grep '^==' "$W/err" | head -n 30; fi
        done
    else
        nok "valgrind is missing"
    fi
    sql "SELECT count(*) FROM pict_repo.aliases a, pict_repo.cleanup_hash(a.hash, true)
          WHERE a.alias LIKE 'tm-%'" >/dev/null
else
    skip "$MISSING" "the file service in the tool"
fi
