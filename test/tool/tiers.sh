# Tests of the storage tier subcommands of pict-repo (stores, report,
# tier copy, cleanup-hash with stores), sourced by tool_test.sh: it uses its
# helpers (ok, nok, expect, check, sql, need, skip) and its counter.
#
# The tool runs as PGUSER, the application role of tool_test.sh; the
# set-up (hashes, copies of files laid out on disk) and the checks read and
# write the tables through sql(), as the superuser.
#
# Stores live under $W/tiers: two file stores (active, archive), an
# "object" store that is a directory the test's command writes to, and two
# file stores for the kill test.

TW=$W/tiers
rm -rf "$TW"
mkdir -p "$TW"
[ "$(id -u)" -eq 0 ] && chown postgres: "$TW"
tp() { "$P" "$@"; }

# hex of a test hash: 7e, a tag byte, a number on 2 bytes
th() { printf '7e%02x%04x' "$1" "$2"; }

# files_ok STORE: every copy recorded in STORE has its file, of its size.
# Prints the first problem and fails.
files_ok() {
    local path bytes n=0
    while IFS=$'\t' read -r path bytes; do
        n=$((n + 1))
        if [ ! -f "$path" ] || [ "$(stat -c %s "$path")" != "$bytes" ]; then
            echo "# recorded copy without its complete file: $path ($bytes bytes)"; return 1
        fi
    done < <(sql "SELECT s.location || '/' || c.identifier || E'\t' || c.bytes FROM pict_repo.copies c
                  JOIN pict_repo.stores s ON s.id = c.store_id WHERE s.name = '$1'")
    [ "$n" -gt 0 ]
}
# originals_kept TAG: every hash of the tag still has a copy of form original.
originals_kept() {
    test "$(sql "SELECT count(*) FROM pict_repo.hashes h
                 WHERE substr(h.hash, 1, 2) = '\\x7e$(printf %02x "$1")'::bytea
                   AND NOT EXISTS (SELECT 1 FROM pict_repo.copies c
                                   WHERE c.hash = h.hash AND c.form = 'original')")" = 0
}
# lay_out TAG DIR N [MAX]: N files of random content under DIR/tTAG/ (up to
# MAX bytes, default 60000), hashes of the tag (7e TAG NNNN), each recorded
# as the original in store $STORE.
lay_out() {
    local tag=$1 dir=$2/t$1 n=$3 max=${4:-60000}
    mkdir -p "$dir/a" "$dir/b/c"
    # One process writes them all (a fork per file is slow on a busy machine).
    perl -e 'my ($dir, $tag, $n, $max) = @ARGV; srand(1000 * $tag + $n);
             for my $i (1 .. $n) {
                 my $size = ($i * 7919) % $max + 1;
                 my $data = pack("N*", map { int(rand(4294967295)) } 1 .. int($size / 4) + 1);
                 open(my $f, ">", "$dir/" . ($i % 2 ? "b/c" : "a") . "/f$i.bin") or die "$!";
                 print $f substr($data, 0, $size); close($f) or die "$!";
             }' "$dir" "$tag" "$n" "$max"
    sql "INSERT INTO pict_repo.hashes (hash, identifier)
         SELECT decode('7e' || lpad(to_hex($tag), 2, '0') || lpad(to_hex(i), 4, '0'), 'hex'),
                'pictrs/$tag/' || i
         FROM generate_series(1, $n) i" >/dev/null
    sql "SELECT count(pict_repo.add_copy(decode('7e' || lpad(to_hex($tag), 2, '0') || lpad(to_hex(i), 4, '0'), 'hex'),
                '$STORE', 'original',
                't$tag/' || CASE WHEN i % 2 = 0 THEN 'a/' ELSE 'b/c/' END || 'f' || i || '.bin',
                (i * 7919) % $max + 1))
         FROM generate_series(1, $n) i" >/dev/null
}

if ! need create_store stores drop_store add_copy copies remove_copy move_copy copies_in_store \
        storage_report cleanup_hash; then
    skip "$MISSING" "storage tier subcommands"
    return 0 2>/dev/null || exit 0
fi

# --- help ------------------------------------------------------------------------
expect "pict-repo --help" 0 "$P" --help
check "lists stores, tier and report" bash -c 'grep -q "^  stores " "$0" && grep -q "^  tier " "$0" && grep -q "^  report " "$0"' "$W/out"
for args in "stores --help" "stores add --help" "stores drop --help" "tier --help" "tier copy --help" "report --help"; do
    # shellcheck disable=SC2086
    expect "pict-repo $args" 0 "$P" $args
    check "$args prints its usage" out_has "Usage: pict-repo"
done

# --- stores ------------------------------------------------------------------------
expect "stores add active" 0 tp stores add active --kind file --priority 0 --location "$TW/active"
check "prints the new store's id" bash -c '[[ $0 =~ ^[0-9]+$ ]]' "$OUT"
expect "stores add archive with notes" 0 tp stores add archive --kind file --priority 2 \
    --location "$TW/archive" --notes "$(printf 'disk\t1\nshelf 4')"
expect "stores add of a taken name" 1 tp stores add active --kind file --priority 0 --location "$TW/x"
expect "stores add with another store's location" 1 tp stores add other --kind file --priority 0 --location "$TW/active"
check "names SQLSTATE 23505" err_has 23505
expect "stores add of a file store at a relative path" 2 tp stores add rel --kind file --priority 0 --location rel/dir
check "names SQLSTATE 22023" err_has 22023
expect "stores add with an unknown kind" 2 tp stores add tape --kind tape --priority 0 --location "$TW/t"
expect "stores add with a negative priority" 2 tp stores add neg --kind file --priority -1 --location "$TW/n"
expect "stores add with a priority that is no number" 2 tp stores add neg --kind file --priority x --location "$TW/n"
expect "stores add without --location" 2 tp stores add nol --kind file --priority 0
expect "stores add without a name" 2 tp stores add --kind file --priority 0 --location "$TW/n"
expect "stores add with a 65-character name" 2 tp stores add "$(printf 'n%.0s' $(seq 1 65))" --kind file --priority 0 --location "$TW/n"
expect "stores add with a 4097-character location" 2 tp stores add long --kind object --priority 0 --location "/$(printf 'l%.0s' $(seq 1 4096))"
expect "stores with an unknown action" 2 tp stores rename active
expect "stores drop of an unknown store" 1 tp stores drop nowhere
expect "stores drop without a name" 2 tp stores drop
expect "stores lists them" 0 tp stores
check "one line each, most accessible first, tab-separated with the notes escaped" \
    test "$(cat "$W/out")" = "$(printf 'active\tfile\t0\t0\t0\t%s\t\narchive\tfile\t2\t0\t0\t%s\tdisk\\t1\\nshelf 4' "$TW/active" "$TW/archive")"
sql "SELECT pict_repo.create_store('obj', 'object', 1, '$TW/obj')" >/dev/null

# --- the first files -------------------------------------------------------------------
mkdir -p "$TW/active"
STORE=active lay_out 1 "$TW/active" 40
cp -r "$TW/active" "$TW/orig"
expect "report" 0 tp report
check "a table: header, a line per store and form, the total" \
    bash -c 'head -n 1 "$0" | grep -q "^STORE *KIND *PRIORITY *FORM *COPIES *SIZE$" &&
             grep -q "^active *file *0 *original *40 *[0-9.]* [KM]iB$" "$0" &&
             grep -q "^archive *file *2 *- *0 *0 B$" "$0" && grep -q "^total  *40 " "$0"' "$W/out"

# --- tier copy: bad input ----------------------------------------------------------
expect "tier without an action" 2 tp tier
expect "tier with an unknown action" 2 tp tier shuffle
expect "tier copy without --from" 2 tp tier copy --to archive
expect "tier copy without --to" 2 tp tier copy --from active
expect "tier copy within one store" 2 tp tier copy --from active --to active
expect "tier copy from an unknown store" 1 tp tier copy --from nowhere --to archive
check "says which store is unknown" err_has 'no store "nowhere"'
expect "tier copy --limit 0" 2 tp tier copy --from active --to archive --limit 0
expect "tier copy --limit x" 2 tp tier copy --from active --to archive --limit x
expect "tier copy --concurrency 0" 2 tp tier copy --from active --to archive --concurrency 0
expect "tier copy --concurrency 65" 2 tp tier copy --from active --to archive --concurrency 65
expect "tier copy --batch 0" 2 tp tier copy --from active --to archive --batch 0
expect "tier copy --batch 10001" 2 tp tier copy --from active --to archive --batch 10001
expect "tier copy --form ''" 2 tp tier copy --from active --to archive --form ''
expect "tier copy --form of 65 characters" 2 tp tier copy --from active --to archive --form "$(printf 'f%.0s' $(seq 1 65))"
expect "tier copy with an unknown option" 2 tp tier copy --from active --to archive --fast
expect "tier copy with an argument but no --" 2 tp tier copy --from active --to archive cp
expect "tier copy with -- and no command" 2 tp tier copy --from active --to archive --
expect "tier copy from a file store to an object store without a command" 2 tp tier copy --from active --to obj
check "says a command is needed" err_has "needs a command"
check "none of it recorded anything" test "$(sql "SELECT count(*) FROM pict_repo.copies c JOIN pict_repo.stores s
                                                  ON s.id = c.store_id WHERE s.name <> 'active'")" = 0

# --- tier copy between two file stores ----------------------------------------------
expect "tier copy --limit 5" 0 tp tier copy --from active --to archive --form original --limit 5
check "records 5 copies in archive" test "$(sql "SELECT copies FROM pict_repo.stores() WHERE name = 'archive'")" = 5
check "every recorded copy of archive has its file, of its size" files_ok archive
check "one summary line on stderr (not a terminal)" \
    bash -c '[ "$(wc -l <"$0")" = 1 ] && grep -q "^pict-repo: tier copy: 5 copies (.*) copied from active to archive in .*; 0 failed, 0 skipped$" "$0"' "$W/err"
check "the copies are the files, byte for byte" \
    bash -c 'for f in $(cd "$1/archive" && find . -type f); do cmp -s "$1/archive/$f" "$1/orig/$f" || exit 1; done' _ "$TW"

# Identifiers that would leave the store, a copy whose size is not its
# file's, a target file with other content, and a stale temporary file.
sql "INSERT INTO pict_repo.hashes (hash, identifier) VALUES
       ('\\x7e09ff01', 'pictrs/esc1'), ('\\x7e09ff02', 'pictrs/esc2'), ('\\x7e09ff03', 'pictrs/esc3'),
       ('\\x7e09ff04', 'pictrs/size'), ('\\x7e09ff05', 'pictrs/other')" >/dev/null
echo outside >"$TW/outside.bin"
sql "SELECT pict_repo.add_copy('\\x7e09ff01', 'active', 'original', '../outside.bin', 8),
            pict_repo.add_copy('\\x7e09ff02', 'active', 'original', '$TW/outside.bin', 8),
            pict_repo.add_copy('\\x7e09ff03', 'active', 'original', 'a/../../outside.bin', 8)" >/dev/null
mkdir -p "$TW/active/a"
head -c 100 /dev/urandom >"$TW/active/a/size.bin"
sql "SELECT pict_repo.add_copy('\\x7e09ff04', 'active', 'original', 'a/size.bin', 99)" >/dev/null
head -c 100 /dev/urandom >"$TW/active/a/other.bin"
mkdir -p "$TW/archive/a"
echo "someone else's" >"$TW/archive/a/other.bin"
sql "SELECT pict_repo.add_copy('\\x7e09ff05', 'active', 'original', 'a/other.bin', 100)" >/dev/null
mkdir -p "$TW/archive/t1/b/c"
echo "stale temporary file" >"$TW/archive/t1/b/c/.pict-repo-tmp.f39.bin"
expect "tier copy of the rest, with bad copies among them" 1 tp tier copy --from active --to archive --concurrency 3
check "refuses identifiers that leave the store's location, naming them" \
    bash -c 'grep -c "leave the store.s location" "$0" | grep -qx 3 && grep -q "\.\./outside\.bin" "$0"' "$W/err"
check "refuses a copy whose file has another size than recorded" err_has "the source file has 100 bytes, its copy records 99"
check "leaves a target file with other content alone" \
    bash -c 'grep -q "exists with other content" "$0" && [ "$(cat "$1")" = "someone else'"'"'s" ]' "$W/err" "$TW/archive/a/other.bin"
check "and records none of them" \
    test "$(sql "SELECT count(*) FROM pict_repo.copies c JOIN pict_repo.stores s ON s.id = c.store_id
                 WHERE s.name = 'archive' AND substr(c.hash, 1, 2) = '\\x7e09'")" = 0
check "nothing written outside the store" test "$(cat "$TW/outside.bin")" = outside
check "copies the 35 others" test "$(sql "SELECT copies FROM pict_repo.stores() WHERE name = 'archive'")" = 40
check "every recorded copy of archive has its file, of its size" files_ok archive
check "a stale temporary file was overwritten and renamed: none is left" \
    test -z "$(find "$TW/archive" -name '.pict-repo-tmp.*')"
check "the copies are the files, byte for byte" \
    bash -c 'for f in $(cd "$1/orig" && find . -type f); do cmp -s "$1/archive/$f" "$1/orig/$f" || exit 1; done' _ "$TW"
for h in 7e09ff01 7e09ff02 7e09ff03 7e09ff04 7e09ff05; do
    sql "SELECT count(*) FROM pict_repo.cleanup_hash('\\x$h')" >/dev/null
done
rm -f "$TW/archive/a/other.bin" "$TW/active/a/other.bin" "$TW/active/a/size.bin"
expect "tier copy again: nothing left to copy" 0 tp tier copy --from active --to archive
check "says 0 copies" err_has "tier copy: 0 copies"

# --- move ----------------------------------------------------------------------------
STORE=active lay_out 2 "$TW/active" 30
cp -r "$TW/active/." "$TW/orig/"
expect "tier copy --move --concurrency 3" 0 tp tier copy --from active --to archive --move --concurrency 3
check "active holds nothing any more (the copies archive held already were only forgotten), archive every copy" \
    test "$(sql "SELECT string_agg(name || '=' || copies, ' ' ORDER BY name) FROM pict_repo.stores()")" = \
         "active=0 archive=70 obj=0"
check "the moved (and forgotten) files are gone from active" test -z "$(find "$TW/active" -type f)"
check "every recorded copy of archive has its file, of its size" files_ok archive
check "the copies are the files, byte for byte" \
    bash -c 'for f in $(cd "$1/orig" && find . -type f); do cmp -s "$1/archive/$f" "$1/orig/$f" || exit 1; done' _ "$TW"
check "every hash kept its original" originals_kept 2
expect "report after the move" 0 tp report
check "shows archive's 70 originals, active empty" \
    bash -c 'grep -q "^archive *file *2 *original *70 " "$0" && grep -q "^active *file *0 *- *0 *0 B$" "$0"' "$W/out"

# --- a command for other kinds of store ------------------------------------------------
# The "object" store is a directory; the command copies into it under a
# name of its own, prints that name, and logs its environment.
cat >"$TW/to_obj.sh" <<'SH'
set -e
log=$(dirname "$0")/cmd.log
echo "$PICT_REPO_ACTION $PICT_REPO_HASH $PICT_REPO_FORM $PICT_REPO_BYTES $PICT_REPO_SRC_STORE $PICT_REPO_SRC_KIND $PICT_REPO_SRC_IDENTIFIER $PICT_REPO_DST_STORE $PICT_REPO_DST_KIND $PICT_REPO_DST_IDENTIFIER" >>"$log"
case $PICT_REPO_ACTION in
copy)
    [ "$PICT_REPO_HASH" = 7e010003 ] && { echo "refusing $PICT_REPO_HASH" >&2; exit 3; }
    mkdir -p "$PICT_REPO_DST_LOCATION/objects"
    cp "$PICT_REPO_SRC_LOCATION/$PICT_REPO_SRC_IDENTIFIER" "$PICT_REPO_DST_LOCATION/objects/$PICT_REPO_HASH.tmp"
    mv "$PICT_REPO_DST_LOCATION/objects/$PICT_REPO_HASH.tmp" "$PICT_REPO_DST_LOCATION/objects/$PICT_REPO_HASH"
    echo "objects/$PICT_REPO_HASH" ;;
delete)
    rm -f "$PICT_REPO_SRC_LOCATION/$PICT_REPO_SRC_IDENTIFIER" ;;
esac
SH
expect "tier copy -- COMMAND to an object store (one copy fails)" 1 \
    tp tier copy --from archive --to obj --limit 10 --concurrency 2 -- sh "$TW/to_obj.sh"
check "the failing one is named with the command's exit status" err_has "7e010003 original .*exit status 3"
check "records the others under the identifier the command printed" \
    test "$(sql "SELECT count(*) || ' ' || bool_and(c.identifier = 'objects/' || encode(c.hash, 'hex'))
                 FROM pict_repo.copies c JOIN pict_repo.stores s ON s.id = c.store_id WHERE s.name = 'obj'")" = "9 true"
check "the command saw the source, the target and the proposed identifier in its environment" \
    bash -c 'grep -q "^copy 7e01[0-9a-f]* original [0-9]* archive file t1/[ab]/.*f[0-9]*\.bin obj object t1/[ab]/.*f[0-9]*\.bin$" "$0"' "$TW/cmd.log"
check "every recorded copy of obj has its file, of its size" files_ok obj
: >"$TW/cmd.log"
expect "tier copy --move -- COMMAND: the command also deletes the moved files" 0 \
    tp tier copy --from obj --to active --move -- sh -c 'case $PICT_REPO_ACTION in
        copy) mkdir -p "$PICT_REPO_DST_LOCATION/back" && cp "$PICT_REPO_SRC_LOCATION/$PICT_REPO_SRC_IDENTIFIER" "$PICT_REPO_DST_LOCATION/back/$PICT_REPO_HASH.bin" && echo "back/$PICT_REPO_HASH.bin" ;;
        delete) rm "$PICT_REPO_SRC_LOCATION/$PICT_REPO_SRC_IDENTIFIER" ;; esac'
check "obj is empty, in the table and on disk" \
    bash -c '[ "$(find "$0/obj" -type f | wc -l)" = 0 ]' "$TW" &&
    test "$(sql "SELECT copies FROM pict_repo.stores() WHERE name = 'obj'")" = 0
check "every recorded copy of active has its file, of its size" files_ok active
expect "a command that prints an identifier leaving a file store is refused" 1 \
    tp tier copy --from archive --to active --limit 1 -- sh -c 'echo ../escaped.bin'
check "names the identifier" err_has "escaped.bin would leave"
check "and records nothing outside" test ! -e "$TW/escaped.bin"

# --- cleanup-hash prints every file with its store ----------------------------------
h=$(th 2 2)
sql "SELECT pict_repo.add_copy('\\x$h', 'active', 'webp-640x480', 'w/$h.webp', 10)" >/dev/null
expect "cleanup-hash of a hash with copies in two stores" 0 tp cleanup-hash "$h"
check "prints the hash's own file, then each copy, a tab and its store" \
    test "$(cat "$W/out")" = "$(printf 'pictrs/2/2\nw/%s.webp\tactive\nt2/a/f2.bin\tarchive' "$h")"
check "its copies are gone from the report" \
    test "$(sql "SELECT copies FROM pict_repo.stores() WHERE name = 'archive'")" = 69
sql "SELECT pict_repo.create_store(E'odd\\tname', 'object', 7, '/odd')" >/dev/null
sql "SELECT pict_repo.add_copy('\\x$(th 2 4)', E'odd\\tname', 'original', E'odd\\nid', 1)" >/dev/null
expect "cleanup-hash escapes identifiers and store names" 0 tp cleanup-hash "$(th 2 4)"
check "tabs and newlines come out as \\t and \\n" grep -qF 'odd\nid	odd\tname' "$W/out"
expect "report escapes store names" 0 tp report
check "one line for the store with a tab in its name" grep -q '^odd\\tname ' "$W/out"
sql "SELECT pict_repo.drop_store(E'odd\\tname')" >/dev/null

# --- a progress bar on a terminal ---------------------------------------------------
if command -v script >/dev/null; then
    STORE=active lay_out 3 "$TW/active" 12
    script -qec "'$P' tier copy --from active --to archive --form original" /dev/null \
        >"$W/tty.err" 2>&1
    check "a progress bar on a terminal: copies and bytes of the total, rate, ETA" \
        bash -c 'tr "\r" "\n" <"$0" | grep -q "\] 12/12 copies, .*/.*, .* copies/s, .*/s, ETA 0:00:00"' "$W/tty.err"
else
    skip "script(1) is missing" "a progress bar on a terminal"
fi

# --- killed halfway with SIGKILL, then run again ---------------------------------------
# 1000 small files moved by 2 workers; the tool is killed once 100 copies are
# recorded in the target.  Then every recorded copy (either store) has its
# complete file and every hash an original; a second run finishes the rest,
# leaving every file in the target byte for byte and no temporary file.
sql "SELECT pict_repo.create_store('kill-a', 'file', 0, '$TW/kill-a'),
            pict_repo.create_store('kill-b', 'file', 2, '$TW/kill-b')" >/dev/null
mkdir -p "$TW/kill-a"
STORE=kill-a lay_out 4 "$TW/kill-a" 1000 4000
cp -r "$TW/kill-a" "$TW/kill-orig"
# The tool itself in the background (not a function: its pid is the tool's).
"$P" tier copy --from kill-a --to kill-b --move --concurrency 2 >"$W/kill.out" 2>"$W/kill.err" &
kpid=$!
recorded=0
for _ in $(seq 1 1000); do
    recorded=$(sql "SELECT copies FROM pict_repo.stores() WHERE name = 'kill-b'")
    [ "$recorded" -ge 100 ] && break
    kill -0 "$kpid" 2>/dev/null || break
    sleep 0.02
done
kill -KILL "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
krc=$?
if [ "$krc" = 137 ] && [ "$recorded" -ge 100 ] && [ "$recorded" -lt 1000 ]; then
    ok "tier copy --move killed with SIGKILL halfway ($recorded of 1000 recorded when the kill was sent)"
else
    nok "tier copy was not killed halfway: exit $krc, $recorded recorded"
fi
left=$(sql "SELECT copies FROM pict_repo.stores() WHERE name = 'kill-b'")
check "after the kill: every copy recorded in the target has its complete file ($left)" files_ok kill-b
check "after the kill: every copy recorded in the source has its complete file" files_ok kill-a
check "after the kill: no original was lost" originals_kept 4
check "after the kill: 1000 originals recorded in all" \
    test "$(sql "SELECT count(*) FROM pict_repo.copies WHERE substr(hash, 1, 2) = '\\x7e04'")" = 1000
expect "tier copy --move again" 0 tp tier copy --from kill-a --to kill-b --move --concurrency 2
check "finishes the rest: 1000 in the target, none in the source" \
    test "$(sql "SELECT string_agg(name || '=' || copies, ' ' ORDER BY name) FROM pict_repo.stores()
                 WHERE name LIKE 'kill-%'")" = "kill-a=0 kill-b=1000"
check "every copy recorded in the target has its complete file" files_ok kill-b
check "the target's files are the originals, byte for byte" \
    bash -c 'for f in $(cd "$1/kill-orig" && find . -type f); do cmp -s "$1/kill-b/$f" "$1/kill-orig/$f" || exit 1; done' _ "$TW"
check "no temporary file is left in the target" test -z "$(find "$TW/kill-b" -name '.pict-repo-tmp.*')"
# A source file whose move committed just before the kill may be left
# behind (recorded nowhere): at most one batch per worker, and each is the
# same file as its copy.
check "source files left behind by the kill: at most 2 batches of 32, each a copy of its target" \
    bash -c 'n=0; for f in $(cd "$1/kill-a" && find . -type f); do n=$((n + 1));
                 cmp -s "$1/kill-a/$f" "$1/kill-b/$f" || exit 1; done; [ "$n" -le 64 ]' _ "$TW"

# --- valgrind --------------------------------------------------------------------------
# vg() is tool_test.sh's (defined when valgrind is there).  stores, report
# and cleanup-hash call library functions that test/suites/50_client.sh runs
# under valgrind; these are the tool's own threads, files and children.
if command -v valgrind >/dev/null; then
    STORE=active lay_out 5 "$TW/active" 4
    vg 0 tier copy --from active --to archive --move --concurrency 2
    vg 0 tier copy --from archive --to obj --limit 1 -- sh -c 'echo "vg/$PICT_REPO_HASH"'
else
    nok "valgrind is missing"
fi
