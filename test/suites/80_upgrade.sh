# Upgrade path: 1.0 as shipped, filled with data, then ALTER EXTENSION
# UPDATE, compared with a fresh install of the newest version.
#
#  1. the shipped install scripts are unchanged (test/upgrade/frozen.sha256);
#  2. an update path leads from 1.0 to default_version;
#  3. CREATE EXTENSION pict_repo VERSION '1.0' in a fresh database, filled by
#     test/upgrade/fill.sql (a row in every table);
#  4. ALTER EXTENSION pict_repo UPDATE reaches default_version;
#  5. every table has the same rows after the update (test/upgrade/data.sql:
#     count and md5 of the sorted rows, per table), and the storage tier
#     tables the update adds are empty;
#  6. the catalog of the updated database (test/upgrade/catalog.sql: tables,
#     columns, types, defaults, indexes, constraints, function signatures and
#     definitions, privileges) is identical to a fresh install's;
#  7. the API works on the updated data (the storage tiers of 1.3 too).
say "upgrade path"
up_dir=$TMP/upgrade
mkdir -p "$up_dir"
up_p=0
up_f=0
up_check() {                # up_check NAME: count the exit status of the last command
    if [ "$1" -eq 0 ]; then up_p=$((up_p + 1)); else up_f=$((up_f + 1)); echo "not ok - $2"; fi
}
up_newest=$(make -s --no-print-directory -f mk/common.mk print-PR_VERSION)
up_sql() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }

sha256sum --quiet -c test/upgrade/frozen.sha256 >"$up_dir/frozen.log" 2>&1
up_check $? "a shipped install script was edited (ship changes in an update script): $(cat "$up_dir/frozen.log")"

up_sql -c "DROP DATABASE IF EXISTS pict_repo_up_old" -c "DROP DATABASE IF EXISTS pict_repo_up_new" \
    -c "CREATE DATABASE pict_repo_up_old" -c "CREATE DATABASE pict_repo_up_new" >"$up_dir/setup.log" 2>&1
up_check $? "create the databases: $(cat "$up_dir/setup.log")"

path=$(up_sql -d pict_repo_up_old -c "SELECT path FROM pg_catalog.pg_extension_update_paths('pict_repo')
                                      WHERE source = '1.0' AND target = '$up_newest'" 2>&1)
[ -n "$path" ] || [ "$up_newest" = "1.0" ]
up_check $? "no update path from 1.0 to $up_newest ($path)"

up_sql -d pict_repo_up_old -c "CREATE EXTENSION pict_repo VERSION '1.0'" \
    -f test/upgrade/fill.sql >"$up_dir/fill.log" 2>&1
up_check $? "install 1.0 and fill it: $(tail -n 5 "$up_dir/fill.log")"

up_sql -d pict_repo_up_old -f test/upgrade/data.sql >"$up_dir/data-before.txt" 2>&1
up_sql -d pict_repo_up_old -c "ALTER EXTENSION pict_repo UPDATE" >"$up_dir/update.log" 2>&1
up_check $? "ALTER EXTENSION pict_repo UPDATE: $(cat "$up_dir/update.log")"

v=$(up_sql -d pict_repo_up_old -c "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pict_repo'")
[ "$v" = "$up_newest" ]
up_check $? "after the update the extension is at $v, not $up_newest"

up_sql -d pict_repo_up_old -f test/upgrade/data.sql >"$up_dir/data-after.txt" 2>&1
[ "$(wc -l <"$up_dir/data-before.txt")" -ge 12 ] &&
    diff -u "$up_dir/data-before.txt" "$up_dir/data-after.txt" >"$up_dir/data.diff"
up_check $? "the rows changed in the update: $(head -n 30 "$up_dir/data.diff" "$up_dir/data-before.txt")"
# The storage tiers (1.3) start empty: nothing was stored in tiers before.
got=$(up_sql -d pict_repo_up_old -c "SELECT (SELECT count(*) FROM pict_repo.stores)
                                           + (SELECT count(*) FROM pict_repo.copies)
                                           + (SELECT count(*) FROM pict_repo.store_totals)" 2>&1)
[ "$got" = 0 ]
up_check $? "the storage tier tables are not empty after the update: $got"

# The tables of the pict-rs drop-in (1.3) start empty: no pass recorded
# yet, no job imported.
got=$(up_sql -d pict_repo_up_old -c "SELECT (SELECT count(*) FROM pict_repo.maintenance_state)
                                          + (SELECT count(*) FROM pict_repo.imported_jobs)" 2>&1)
[ "$got" = "0" ]
up_check $? "maintenance_state and imported_jobs after the update: $got"

# The file service (1.4): the new columns and totals of the kept rows.
got=$(up_sql -d pict_repo_up_old -f test/upgrade/media.sql 2>&1)
[ "$got" = "ok" ]
up_check $? "the file service after the update: $got"

up_sql -d pict_repo_up_new -c "CREATE EXTENSION pict_repo" >"$up_dir/new.log" 2>&1
up_check $? "fresh install: $(cat "$up_dir/new.log")"
up_sql -d pict_repo_up_old -f test/upgrade/catalog.sql >"$up_dir/catalog-updated.txt" 2>&1
up_sql -d pict_repo_up_new -f test/upgrade/catalog.sql >"$up_dir/catalog-fresh.txt" 2>&1
[ "$(grep -c '^function ' "$up_dir/catalog-fresh.txt")" -gt 60 ] &&
    diff -u "$up_dir/catalog-updated.txt" "$up_dir/catalog-fresh.txt" >"$up_dir/catalog.diff"
up_check $? "the updated catalog differs from a fresh install's: $(head -n 40 "$up_dir/catalog.diff")"

# The API on the updated data: the alias, its hash and token, the queues,
# the dead job of 1.0 listed by list_dead_jobs (1.3) and retried.
got=$(up_sql -d pict_repo_up_old -c "SELECT pict_repo.alias_hash('one.png') = '\x01'
        AND pict_repo.hash_identifier('\x01') = 'up/1.png'
        AND (SELECT orphaned FROM pict_repo.delete_alias('three.png', 'tok3'))
        AND pict_repo.get_setting('up.key') = '\xdeadbeef'
        AND pict_repo.details('up/1.png') ->> 'width' = '1'
        AND pict_repo.related('https://example.com/one.png') = 'one.png'
        AND pict_repo.is_migrated('up/old.png')
        AND pict_repo.queue_length('up-q') >= 1
        AND pict_repo.retry_dead_job((SELECT id FROM pict_repo.list_dead_jobs('up-dead')))
        AND pict_repo.hash_created_at('\x01') IS NOT NULL
        AND NOT pict_repo.relate_details('up/1.png', '{}', false)" 2>&1)
[ "$got" = "t" ]
up_check $? "the API on the updated data: $got"

# Storage tiers (1.3) on the updated data: copies of hashes stored in 1.0,
# their report, a move, and cleanup_hash returning them with their stores.
got=$(up_sql -d pict_repo_up_old \
    -c "SELECT pict_repo.create_store('up-active', 'file', 0, '/up/active') > 0
               AND pict_repo.create_store('up-archive', 'archive', 2, 'tape://up') > 0" \
    -c "SELECT pict_repo.add_copy('\x01', 'up-active', 'original', 'up/1.png', 10)
               AND pict_repo.add_copy('\x02', 'up-active', 'original', 'up/2.png', 20)" \
    -c "SELECT pict_repo.move_copy('\x01', 'original', 'up-active', 'up-archive', 'up/1.png') = 'up/1.png'" \
    -c "SELECT array_agg(store || ':' || copies || ':' || bytes ORDER BY store) = '{up-active:1:20,up-archive:1:10}'
          FROM pict_repo.storage_report()" \
    -c "SELECT array_agg(identifier || '@' || coalesce(store, '-')) = '{up/2.png@-,up/2.png@up-active}'
          FROM pict_repo.cleanup_hash('\x02', true)" \
    -c "SELECT copies = 0 FROM pict_repo.stores() WHERE name = 'up-active'" 2>&1 | tr '\n' ' ')
[ "$got" = "t t t t t t " ]
up_check $? "the storage tiers on the updated data: $got"

add_counts "upgrade path" "$up_p" "$up_f"
