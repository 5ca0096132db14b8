-- hostile_public.sql: every function keeps its results when a hostile
-- `public` schema defines look-alike functions, operators, aggregates and
-- tables and the caller's search_path puts public first.
--
-- How it works:
--  1. pg_temp.calls lists (call, expected): each call is an SQL expression,
--     its result is the array of its rows as text (a set-returning call gives
--     several elements, NULL is a NULL element, an error is 'ERROR <SQLSTATE>').
--     The list runs three times, in order, so it must leave the database as
--     it found it (remove what it adds).  Everything runs in one transaction,
--     so now() never moves: a call that needs time to have passed moves a
--     stored time back with pg_temp.tap_exec.
--  2. Run "clean": before anything hostile exists.  Comparing this run with
--     `expected` proves the expected values themselves.
--  3. The hostile objects are created in public, and pg_temp.probes proves
--     they are reachable (e.g. unqualified now() returns the fake time), so
--     the test cannot pass vacuously.
--  4. The list runs again under search_path `public, pict_repo` and under
--     `public, pg_catalog, pict_repo`.  The second matters: when pg_catalog is
--     not named in search_path PostgreSQL searches it first, so only
--     look-alikes with a better-matching signature (lower(varchar), an `=`
--     for (varchar, varchar), count(text), ...) can win; naming pg_catalog
--     after public lets every look-alike win, now() and `=` (text, text)
--     included.
--  5. The hostile objects are dropped (they would fool pgTAP itself), and
--     every run is compared with `expected`.
--
-- Adding a function: add its lines to pg_temp.calls below (in the INSERT of
-- its area), e.g.
--     ($$pict_repo.hash_identifier('\x0a0b')$$, ARRAY['tap/orig.png']),
-- Qualify everything in a call that is not the function under test
-- (pg_catalog.repeat, OPERATOR(pg_catalog.=)): the call itself runs under the
-- hostile search_path too.  plan() counts the rows by itself.

BEGIN;

SET LOCAL client_min_messages = warning;
-- Times in the expected results are written in UTC.
SET LOCAL TimeZone = 'UTC';

-- ---------------------------------------------------------------------------
-- Fixtures: rows the functions of other areas would create, inserted
-- directly so migrate_identifier has a hash, motion file and variant to move.
-- ---------------------------------------------------------------------------
INSERT INTO pict_repo.hashes (hash, identifier, motion_identifier, created_at)
VALUES ('\x0a0b', 'tap/orig.png', 'tap/motion.mp4', '2020-01-01 00:00:00+00');
INSERT INTO pict_repo.variants (hash, variant, identifier, accessed)
VALUES ('\x0a0b', 'thumb', 'tap/thumb.png', '2020-01-01 00:00:00+00');

-- Run one statement (a fixture change a call cannot make: an UPDATE that
-- moves a time back, a DELETE) and return the number of rows it changed.
-- Its search_path is pinned, so the hostile objects cannot reach it.
CREATE FUNCTION pg_temp.tap_exec(sql text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    n   bigint;
BEGIN
    EXECUTE sql;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$f$;

-- ---------------------------------------------------------------------------
-- The calls and what they return without a hostile schema
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE calls (
    ord         serial PRIMARY KEY,
    call        text NOT NULL,
    expected    text[] NOT NULL
);
INSERT INTO calls (call, expected) VALUES
    -- version: the C module's equals the installed script's
    ($$pict_repo.version()$$,
     ARRAY[(SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pict_repo')]),

    -- settings
    ($$pict_repo.get_setting('tap.key')$$, ARRAY[NULL]),
    ($$pict_repo.set_setting('tap.key', '\x0102')$$, ARRAY['']),
    ($$pict_repo.get_setting('tap.key')$$, ARRAY['\x0102']),
    ($$pict_repo.set_setting('tap.key', '\x03')$$, ARRAY['']),
    ($$pict_repo.get_setting('tap.key')$$, ARRAY['\x03']),
    ($$pict_repo.get_setting('tap.other')$$, ARRAY[NULL]),
    ($$pict_repo.remove_setting('tap.key')$$, ARRAY['true']),
    ($$pict_repo.remove_setting('tap.key')$$, ARRAY['false']),
    ($$pict_repo.get_setting('tap.key')$$, ARRAY[NULL]),
    ($$pict_repo.get_setting(pg_catalog.repeat('k', 256))$$, ARRAY[NULL]),
    ($$pict_repo.get_setting(pg_catalog.repeat('k', 257))$$, ARRAY['ERROR 22023']),
    ($$pict_repo.set_setting('', '\x01')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.set_setting('tap.key', NULL)$$, ARRAY['ERROR 22023']),

    -- details
    ($$pict_repo.relate_details('tap/a.png', '{"width": 640, "height": 480, "format": "png"}')$$, ARRAY['true']),
    ($$pict_repo.details('tap/a.png')$$, ARRAY['{"width": 640, "format": "png", "height": 480}']),
    ($$pict_repo.relate_details('tap/a.png', '{"width": 1}')$$, ARRAY['true']),
    ($$pict_repo.details('tap/a.png')$$, ARRAY['{"width": 1}']),
    ($$pict_repo.details('tap/b.png')$$, ARRAY[NULL]),
    ($$pict_repo.cleanup_details('tap/a.png')$$, ARRAY['true']),
    ($$pict_repo.cleanup_details('tap/a.png')$$, ARRAY['false']),
    ($$pict_repo.details('tap/a.png')$$, ARRAY[NULL]),
    ($$pict_repo.details(NULL)$$, ARRAY['ERROR 22023']),

    -- store migration
    ($$pict_repo.is_continuing_migration()$$, ARRAY['false']),
    ($$pict_repo.is_migrated('tap/x')$$, ARRAY['false']),
    ($$pict_repo.mark_migrated('tap/x', 'tap/y')$$, ARRAY['true']),
    ($$pict_repo.mark_migrated('tap/x', 'tap/y')$$, ARRAY['false']),
    ($$pict_repo.mark_migrated('tap/x2', 'tap/y')$$, ARRAY['false']),
    ($$pict_repo.is_migrated('tap/x')$$, ARRAY['true']),
    ($$pict_repo.is_migrated('tap/y')$$, ARRAY['false']),
    ($$pict_repo.is_continuing_migration()$$, ARRAY['true']),
    ($$pict_repo.clear_migrations()$$, ARRAY['1']),
    ($$pict_repo.is_continuing_migration()$$, ARRAY['false']),
    ($$pict_repo.relate_details('tap/orig.png', '{"w": 1}')$$, ARRAY['true']),
    ($$pict_repo.migrate_identifier('tap/orig.png', 'tap/new.png')$$, ARRAY['2']),
    ($$pict_repo.migrate_identifier('tap/motion.mp4', 'tap/motion2.mp4')$$, ARRAY['1']),
    ($$pict_repo.migrate_identifier('tap/thumb.png', 'tap/thumb2.png')$$, ARRAY['1']),
    ($$pict_repo.migrate_identifier('tap/none', 'tap/none2')$$, ARRAY['0']),
    ($$(SELECT ROW(h.identifier, h.motion_identifier) FROM pict_repo.hashes h)$$,
        ARRAY['(tap/new.png,tap/motion2.mp4)']),
    ($$(SELECT v.identifier FROM pict_repo.variants v)$$, ARRAY['tap/thumb2.png']),
    ($$pict_repo.details('tap/new.png')$$, ARRAY['{"w": 1}']),
    ($$pict_repo.details('tap/orig.png')$$, ARRAY[NULL]),
    ($$pict_repo.is_migrated('tap/orig.png')$$, ARRAY['true']),
    ($$pict_repo.migrate_identifier('tap/a', 'tap/a')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.migrate_identifier('tap/new.png', 'tap/orig.png')$$, ARRAY['2']),
    ($$pict_repo.migrate_identifier('tap/motion2.mp4', 'tap/motion.mp4')$$, ARRAY['1']),
    ($$pict_repo.migrate_identifier('tap/thumb2.png', 'tap/thumb.png')$$, ARRAY['1']),
    ($$pict_repo.cleanup_details('tap/orig.png')$$, ARRAY['true']),
    ($$pict_repo.clear_migrations()$$, ARRAY['7']),

    -- uploads (the id of the upload under test is kept in tap.upload)
    ($$pg_catalog.set_config('tap.upload', pict_repo.create_upload()::text, true) IS NOT NULL$$, ARRAY['true']),
    ($$pg_catalog.current_setting('tap.upload') OPERATOR(pg_catalog.<>) '00000000-0000-0000-0000-000000000000'$$, ARRAY['true']),
    ($$(SELECT u.created_at OPERATOR(pg_catalog.=) pg_catalog.now() FROM pict_repo.uploads u)$$, ARRAY['true']),
    ($$pict_repo.upload_result(pg_catalog.current_setting('tap.upload')::uuid)$$, ARRAY[NULL]),
    ($$pict_repo.claim_upload(pg_catalog.current_setting('tap.upload')::uuid)$$, ARRAY[NULL]),
    ($$pict_repo.complete_upload(pg_catalog.current_setting('tap.upload')::uuid, '{"ok": true}')$$, ARRAY['true']),
    ($$pict_repo.upload_result(pg_catalog.current_setting('tap.upload')::uuid)$$, ARRAY['{"ok": true}']),
    ($$pict_repo.claim_upload(pg_catalog.current_setting('tap.upload')::uuid)$$, ARRAY['{"ok": true}']),
    ($$pict_repo.upload_result(pg_catalog.current_setting('tap.upload')::uuid)$$, ARRAY['ERROR P0002']),
    ($$pict_repo.claim_upload(pg_catalog.current_setting('tap.upload')::uuid)$$, ARRAY['ERROR P0002']),
    ($$pict_repo.complete_upload('00000000-0000-0000-0000-000000000001', '{}')$$, ARRAY['false']),
    ($$pict_repo.upload_result(NULL)$$, ARRAY['ERROR 22023']);

-- Hashes and variants.  The hashes \x0c.. are created and removed here;
-- times are given, never now(), so pages and rows are the same every run.
INSERT INTO calls (call, expected) VALUES
    -- create_hash, hash_count, hash_identifier
    ($$pict_repo.hash_count()$$, ARRAY['1']),
    ($$pict_repo.hash_identifier('\x0a0b')$$, ARRAY['tap/orig.png']),
    ($$pict_repo.hash_identifier('\x0c01')$$, ARRAY[NULL]),
    ($$pict_repo.create_hash('\x0c01', 'tap/c1.png', 'tap/c1.mp4', '2020-01-02 00:00:00+00')$$, ARRAY['true']),
    ($$pict_repo.create_hash('\x0c01', 'tap/other.png')$$, ARRAY['false']),
    ($$pict_repo.create_hash('\x0c02', 'tap/c1.png')$$, ARRAY['ERROR 23505']),
    ($$pict_repo.create_hash('\x0c02', 'tap/c2.png', 'tap/motion.mp4')$$, ARRAY['ERROR 23505']),
    ($$pict_repo.create_hash('\x', 'tap/c2.png')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.create_hash(pg_catalog.decode(pg_catalog.repeat('ab', 129), 'hex'), 'tap/c2.png')$$,
        ARRAY['ERROR 22023']),
    ($$pict_repo.create_hash('\x0c02', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.create_hash('\x0c02', 'tap/c2.png', NULL, NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.create_hash('\x0c02', 'tap/c2.png', NULL, '2020-01-02 00:00:00+00')$$, ARRAY['true']),
    ($$pict_repo.hash_count()$$, ARRAY['3']),
    ($$pict_repo.hash_identifier('\x0c01')$$, ARRAY['tap/c1.png']),
    ($$pict_repo.hash_identifier(NULL)$$, ARRAY['ERROR 22023']),

    -- update_identifier, motion identifiers, blurhash
    ($$pict_repo.update_identifier('\x0c01', 'tap/c1b.png')$$, ARRAY['true']),
    ($$pict_repo.hash_identifier('\x0c01')$$, ARRAY['tap/c1b.png']),
    ($$pict_repo.update_identifier('\x0c01', 'tap/orig.png')$$, ARRAY['ERROR 23505']),
    ($$pict_repo.update_identifier('\x0cff', 'tap/none.png')$$, ARRAY['false']),
    ($$pict_repo.update_identifier('\x0c01', '')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.hash_identifier('\x0c01')$$, ARRAY['tap/c1b.png']),
    ($$pict_repo.motion_identifier('\x0c01')$$, ARRAY['tap/c1.mp4']),
    ($$pict_repo.motion_identifier('\x0c02')$$, ARRAY[NULL]),
    ($$pict_repo.relate_motion_identifier('\x0c02', 'tap/c2.mp4')$$, ARRAY['true']),
    ($$pict_repo.motion_identifier('\x0c02')$$, ARRAY['tap/c2.mp4']),
    ($$pict_repo.relate_motion_identifier('\x0c02', 'tap/motion.mp4')$$, ARRAY['ERROR 23505']),
    ($$pict_repo.relate_motion_identifier('\x0cff', 'tap/none.mp4')$$, ARRAY['false']),
    ($$pict_repo.relate_motion_identifier('\x0c02', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.motion_identifier('\x0c02')$$, ARRAY['tap/c2.mp4']),
    ($$pict_repo.motion_identifier('\x')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.blurhash('\x0c01')$$, ARRAY[NULL]),
    ($$pict_repo.relate_blurhash('\x0c01', 'LEHV6nWB2yk8pyo0adR*.7kCMdnj')$$, ARRAY['true']),
    ($$pict_repo.blurhash('\x0c01')$$, ARRAY['LEHV6nWB2yk8pyo0adR*.7kCMdnj']),
    ($$pict_repo.relate_blurhash('\x0cff', 'LEHV6nWB2yk8pyo0adR*.7kCMdnj')$$, ARRAY['false']),
    ($$pict_repo.relate_blurhash('\x0c01', '')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.blurhash(NULL)$$, ARRAY['ERROR 22023']),

    -- keyset pages: \x0c01 and \x0c02 share created_at, the hash decides
    ($$pict_repo.hash_page()$$,
        ARRAY['("\\x0c02","2020-01-02 00:00:00+00")', '("\\x0c01","2020-01-02 00:00:00+00")',
              '("\\x0a0b","2020-01-01 00:00:00+00")']),
    ($$pict_repo.hash_page(2)$$,
        ARRAY['("\\x0c02","2020-01-02 00:00:00+00")', '("\\x0c01","2020-01-02 00:00:00+00")']),
    ($$pict_repo.hash_page(2, '2020-01-02 00:00:00+00', '\x0c01')$$,
        ARRAY['("\\x0a0b","2020-01-01 00:00:00+00")']),
    ($$pict_repo.hash_page(1, '2020-01-02 00:00:00+00', '\x0c02')$$,
        ARRAY['("\\x0c01","2020-01-02 00:00:00+00")']),
    -- The row of the key need not exist.
    ($$pict_repo.hash_page(10, '2020-01-02 00:00:00+00', '\x0c0f')$$,
        ARRAY['("\\x0c02","2020-01-02 00:00:00+00")', '("\\x0c01","2020-01-02 00:00:00+00")',
              '("\\x0a0b","2020-01-01 00:00:00+00")']),
    ($$pict_repo.hash_page(10, '2020-01-01 00:00:00+00', '\x0a0b')$$, '{}'),
    ($$pict_repo.hash_page(10, '2020-01-02 00:00:00+00', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.hash_page(10, NULL, '\x0c01')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.hash_page(0)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.hash_page(10001)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.hash_page_by_date('2020-01-02 00:00:00+00')$$,
        ARRAY['("\\x0a0b","2020-01-01 00:00:00+00")']),
    ($$pict_repo.hash_page_by_date('2020-01-03 00:00:00+00', 1)$$,
        ARRAY['("\\x0c02","2020-01-02 00:00:00+00")']),
    ($$pict_repo.hash_page_by_date('2020-01-01 00:00:00+00')$$, '{}'),
    ($$pict_repo.hash_page_by_date(NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.hash_page_by_date('2020-01-03 00:00:00+00', NULL)$$, ARRAY['ERROR 22023']),

    -- variants
    ($$pict_repo.relate_variant('\x0c01', 'thumb', 'tap/c1-thumb.png')$$, ARRAY['true']),
    ($$pict_repo.relate_variant('\x0c01', 'thumb', 'tap/c1-other.png')$$, ARRAY['false']),
    ($$pict_repo.relate_variant('\x0cff', 'thumb', 'tap/none.png')$$, ARRAY['ERROR 23503']),
    ($$pict_repo.relate_variant('\x0c01', '', 'tap/c1-empty.png')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.relate_variant('\x0c01', pg_catalog.repeat('v', 257), 'tap/c1-long.png')$$,
        ARRAY['ERROR 22023']),
    ($$pict_repo.relate_variant('\x0c01', 'small', 'tap/c1-small.png')$$, ARRAY['true']),
    ($$pict_repo.variants('\x0c01')$$, ARRAY['(small,tap/c1-small.png)', '(thumb,tap/c1-thumb.png)']),
    ($$pict_repo.variants('\x0cff')$$, '{}'),
    ($$pict_repo.variants(NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.variant_identifier('\x0c01', 'thumb')$$, ARRAY['tap/c1-thumb.png']),
    ($$pict_repo.variant_identifier('\x0c01', 'none')$$, ARRAY[NULL]),
    ($$pict_repo.variant_identifier('\x0c01', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.relate_details('tap/c1-small.png', '{"w": 2}')$$, ARRAY['true']),
    ($$pict_repo.remove_variant('\x0c01', 'small')$$, ARRAY['tap/c1-small.png']),
    ($$pict_repo.details('tap/c1-small.png')$$, ARRAY[NULL]),
    ($$pict_repo.remove_variant('\x0c01', 'small')$$, ARRAY[NULL]),
    ($$pict_repo.remove_variant('\x0c01', '')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.variants('\x0c01')$$, ARRAY['(thumb,tap/c1-thumb.png)']),

    -- variant locks
    ($$pict_repo.claim_variant_processing('\x0c01', 'big')$$, ARRAY['true']),
    ($$pict_repo.claim_variant_processing('\x0c01', 'big')$$, ARRAY['false']),
    ($$pict_repo.claim_variant_processing('\x0c01', 'thumb')$$, ARRAY['false']),
    ($$pict_repo.claim_variant_processing('\x0cff', 'big')$$, ARRAY['false']),
    ($$pict_repo.claim_variant_processing('\x0c01', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.variant_heartbeat('\x0c01', 'big')$$, ARRAY['true']),
    ($$pict_repo.variant_heartbeat('\x0c01', 'other')$$, ARRAY['false']),
    ($$pict_repo.variant_heartbeat(NULL, 'big')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.release_variant_processing('\x0c01', 'big')$$, ARRAY['']),
    ($$pict_repo.variant_heartbeat('\x0c01', 'big')$$, ARRAY['false']),
    ($$pict_repo.release_variant_processing('\x0c01', 'big')$$, ARRAY['']),
    ($$pict_repo.release_variant_processing('\x0c01', '')$$, ARRAY['ERROR 22023']),
    -- Left held: cleanup_hash removes it.
    ($$pict_repo.claim_variant_processing('\x0c01', 'big')$$, ARRAY['true']),

    -- ingest: a new hash with a generated alias and token
    ($$(SELECT i.alias OPERATOR(pg_catalog.~) '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.png$'
               AND i.token OPERATOR(pg_catalog.~) '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
               AND i.alias OPERATOR(pg_catalog.<>) (i.token OPERATOR(pg_catalog.||) '.png')
               AND i.stored_identifier OPERATOR(pg_catalog.=) 'tap/c3.png'
               AND i.hash_created
          FROM pict_repo.ingest('\x0c03', 'tap/c3.png', '{"w": 3}', 'png') i)$$, ARRAY['true']),
    ($$pict_repo.details('tap/c3.png')$$, ARRAY['{"w": 3}']),
    -- the hash exists: keep it (and its details), add a declared alias
    ($$pict_repo.ingest('\x0c03', 'tap/c3-again.png', '{"w": 9}', 'png', 'tap-c3.png', 'tok-c3')$$,
        ARRAY['(tap-c3.png,tok-c3,tap/c3.png,f)']),
    ($$pict_repo.details('tap/c3-again.png')$$, ARRAY[NULL]),
    ($$pict_repo.details('tap/c3.png')$$, ARRAY['{"w": 3}']),
    ($$(SELECT pg_catalog.count(*) FROM pict_repo.aliases_for_hash('\x0c03'))$$, ARRAY['2']),
    -- a taken declared alias, another hash's file: errors that write nothing
    ($$pict_repo.ingest('\x0c04', 'tap/c4.png', '{"w": 4}', 'png', 'tap-c3.png')$$, ARRAY['ERROR 23505']),
    ($$pict_repo.hash_identifier('\x0c04')$$, ARRAY[NULL]),
    ($$pict_repo.ingest('\x0c04', 'tap/c3.png', '{"w": 4}', 'png')$$, ARRAY['ERROR 23505']),
    ($$pict_repo.ingest('\x0c03', 'tap/orig.png', '{"w": 4}', 'png')$$, ARRAY['ERROR 23505']),
    ($$pict_repo.ingest('\x0c04', 'tap/c4.png', '{"w": 4}', '.png')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.ingest('\x0c04', 'tap/c4.png', '{"w": 4}', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.ingest('\x0c04', 'tap/c4.png', NULL, 'png')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.ingest('\x0c04', 'tap/c4.png', '{"w": 4}', 'png', '')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.hash_count()$$, ARRAY['4']),

    -- cleanup_hash
    ($$pict_repo.cleanup_hash('\x0c03')$$, ARRAY['ERROR 55006']),
    ($$pict_repo.hash_identifier('\x0c03')$$, ARRAY['tap/c3.png']),
    ($$pict_repo.cleanup_hash('\x0c03', true)$$, ARRAY['(tap/c3.png,)']),
    ($$pict_repo.alias_hash('tap-c3.png')$$, ARRAY[NULL]),
    ($$pict_repo.details('tap/c3.png')$$, ARRAY[NULL]),
    ($$pict_repo.relate_details('tap/c1-thumb.png', '{"w": 1}')$$, ARRAY['true']),
    ($$pict_repo.cleanup_hash('\x0c01')$$, ARRAY['(tap/c1b.png,)', '(tap/c1.mp4,)', '(tap/c1-thumb.png,)']),
    ($$pict_repo.details('tap/c1-thumb.png')$$, ARRAY[NULL]),
    ($$(SELECT pg_catalog.count(*) FROM pict_repo.variant_locks)$$, ARRAY['0']),
    ($$pict_repo.cleanup_hash('\x0c01')$$, '{}'),
    ($$pict_repo.cleanup_hash('\x0c02', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.cleanup_hash(NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.cleanup_hash('\x0c02', false)$$, ARRAY['(tap/c2.png,)', '(tap/c2.mp4,)']),
    ($$pict_repo.hash_count()$$, ARRAY['1']);

-- 1.3: storage tiers, on a hash \x0e01 created and cleaned up here, in two
-- stores dropped at the end.
INSERT INTO calls (call, expected) VALUES
    ($$pict_repo.create_hash('\x0e01', 'tap/e1.png')$$, ARRAY['true']),
    ($$pict_repo.create_store('tap-a', 'file', 0, '/tap/a') OPERATOR(pg_catalog.>) 0$$, ARRAY['true']),
    ($$pict_repo.create_store('tap-b', 'archive', 2, 'tape://tap-b', 'vault')
       OPERATOR(pg_catalog.>) 0$$, ARRAY['true']),
    ($$pict_repo.create_store('tap-a', 'file', 0, '/tap/a2')$$, ARRAY[NULL]),
    ($$pict_repo.create_store('tap-c', 'file', 0, '/tap/a')$$, ARRAY['ERROR 23505']),
    ($$pict_repo.create_store('tap-c', 'file', 0, 'tap/a')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.add_copy('\x0e01', 'tap-a', 'original', 't/e1.png', 1000)$$, ARRAY['true']),
    ($$pict_repo.add_copy('\x0e01', 'tap-a', 'original', 't/e1-again.png', 1000)$$, ARRAY['false']),
    ($$pict_repo.add_copy('\x0e01', 'tap-a', 'webp-640x480', 't/e1.webp', 100)$$, ARRAY['true']),
    ($$pict_repo.add_copy('\x0e01', 'tap-a', 'gzip-9', 't/e1.png', 900)$$, ARRAY['ERROR 23505']),
    ($$pict_repo.add_copy('\x0eff', 'tap-a', 'original', 't/ff.png', 1)$$, ARRAY['ERROR 23503']),
    ($$pict_repo.add_copy('\x0e01', 'tap-a', 'original', 't/e1.png', -1)$$, ARRAY['ERROR 22023']),
    ($$(SELECT pg_catalog.string_agg(c.store OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) c.form
                                     OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) c.identifier
                                     OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) c.bytes::text, ', ')
          FROM pict_repo.copies('\x0e01') c)$$,
        ARRAY['tap-a original t/e1.png 1000, tap-a webp-640x480 t/e1.webp 100']),
    ($$pict_repo.best_copy('\x0e01')$$, ARRAY['(tap-a,/tap/a,t/e1.png)']),
    ($$pict_repo.best_copy('\x0e01', 'gzip-9')$$, '{}'),
    ($$pict_repo.copies_in_store('tap-a', NULL, 1)$$, ARRAY['("\\x0e01",original,t/e1.png,1000)']),
    ($$pict_repo.copies_in_store('tap-a', NULL, 5, '\x0e01', 'original')$$,
        ARRAY['("\\x0e01",webp-640x480,t/e1.webp,100)']),
    ($$pict_repo.copies_in_store('tap-a', 'webp-640x480')$$, ARRAY['("\\x0e01",webp-640x480,t/e1.webp,100)']),
    ($$pict_repo.copies_in_store('tap-a', NULL, 5, '\x0e01', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.storage_report()$$,
        ARRAY['(tap-a,file,0,original,1,1000)', '(tap-a,file,0,webp-640x480,1,100)', '(tap-b,archive,2,,0,0)']),
    ($$(SELECT pg_catalog.string_agg(s.name OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) s.copies::text
                                     OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) s.bytes::text, ', ')
          FROM pict_repo.stores() s)$$, ARRAY['tap-a 2 1100, tap-b 0 0']),
    ($$pict_repo.remove_copy('\x0e01', 'tap-a', 'original')$$, ARRAY['ERROR 55000']),
    ($$pict_repo.move_copy('\x0e01', 'original', 'tap-a', 'tap-b', 't/b/e1.png')$$, ARRAY['t/e1.png']),
    ($$pict_repo.move_copy('\x0e01', 'original', 'tap-a', 'tap-b', 't/b/e1.png')$$, ARRAY[NULL]),
    ($$pict_repo.move_copy('\x0e01', 'original', 'tap-b', 'tap-b', 't/b/e1.png')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.remove_copy('\x0e01', 'tap-a', 'webp-640x480')$$, ARRAY['t/e1.webp']),
    ($$pict_repo.remove_copy('\x0e01', 'tap-a', 'webp-640x480')$$, ARRAY[NULL]),
    ($$pict_repo.storage_report()$$, ARRAY['(tap-a,file,0,,0,0)', '(tap-b,archive,2,original,1,1000)']),
    ($$pict_repo.drop_store('tap-a')$$, ARRAY['true']),
    ($$pict_repo.drop_store('tap-b')$$, ARRAY['ERROR 55006']),
    ($$pict_repo.cleanup_hash('\x0e01')$$, ARRAY['(tap/e1.png,)', '(t/b/e1.png,tap-b)']),
    ($$pict_repo.drop_store('tap-b')$$, ARRAY['true']),
    ($$pict_repo.storage_report()$$, '{}');

-- Aliases, proxies, access times, on the fixture hash \x0a0b and a hash
-- \x0d01 created and removed here.  The fixture's variant gets its access
-- time back at the end.
INSERT INTO calls (call, expected) VALUES
    -- aliases and their tokens
    ($$pict_repo.create_alias_with_token('tap-a1.png', '\x0a0b', 'tok-a1')$$, ARRAY['tok-a1']),
    ($$pict_repo.create_alias_with_token('tap-a1.png', '\x0a0b', 'tok-other')$$, ARRAY[NULL]),
    ($$pict_repo.create_alias_with_token('tap-a2.png', '\x0a0b')
       OPERATOR(pg_catalog.~) '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'$$,
        ARRAY['true']),
    ($$pict_repo.create_alias_with_token('tap-a3.png', '\x0cff', 'tok-a3')$$, ARRAY['ERROR 23503']),
    ($$pict_repo.create_alias_with_token('', '\x0a0b', 'tok-a3')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.create_alias_with_token(pg_catalog.repeat('a', 257), '\x0a0b')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.create_alias_with_token('tap-a3.png', '\x0a0b', '')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.create_alias_with_token('tap-a3.png', NULL, 'tok-a3')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.alias_hash('tap-a1.png')$$, ARRAY['\x0a0b']),
    ($$pict_repo.alias_hash('tap-a3.png')$$, ARRAY[NULL]),
    ($$pict_repo.alias_hash(NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.alias_token('tap-a1.png')$$, ARRAY['tok-a1']),
    ($$pict_repo.alias_token('tap-a3.png')$$, ARRAY[NULL]),
    ($$pict_repo.alias_token('')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.aliases_for_hash('\x0a0b')$$, ARRAY['tap-a1.png', 'tap-a2.png']),
    ($$pict_repo.aliases_for_hash('\x0cff')$$, '{}'),
    ($$pict_repo.aliases_for_hash('\x')$$, ARRAY['ERROR 22023']),

    -- proxies
    ($$pict_repo.relate_url('https://tap.example/1.png', 'tap-a1.png')$$, ARRAY['true']),
    ($$pict_repo.relate_url('https://tap.example/1.png', 'tap-a2.png')$$, ARRAY['false']),
    ($$pict_repo.relate_url('https://tap.example/2.png', 'tap-a1.png')$$, ARRAY['true']),
    ($$pict_repo.relate_url('https://tap.example/4.png', 'tap-a2.png')$$, ARRAY['true']),
    ($$pict_repo.relate_url('https://tap.example/3.png', 'tap-a3.png')$$, ARRAY['ERROR 23503']),
    ($$pict_repo.relate_url('', 'tap-a1.png')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.relate_url('https://tap.example/3.png', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.related('https://tap.example/1.png')$$, ARRAY['tap-a1.png']),
    ($$pict_repo.related('https://tap.example/3.png')$$, ARRAY[NULL]),
    ($$pict_repo.related(pg_catalog.repeat('u', 4097))$$, ARRAY['ERROR 22023']),

    -- access times of proxied media, oldest first by (accessed, url)
    ($$pict_repo.touch_alias('tap-a1.png', '2020-03-01 00:00:00+00')$$, ARRAY['true']),
    ($$pict_repo.touch_alias('tap-a2.png', '2020-02-01 00:00:00+00')$$, ARRAY['true']),
    ($$pict_repo.touch_alias('tap-a3.png', '2020-02-01 00:00:00+00')$$, ARRAY['false']),
    ($$pict_repo.touch_alias('tap-a1.png', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.touch_alias(NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.alias_accessed_at('tap-a1.png')$$, ARRAY['2020-03-01 00:00:00+00']),
    ($$pict_repo.alias_accessed_at('tap-a3.png')$$, ARRAY[NULL]),
    ($$pict_repo.alias_accessed_at('')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.older_aliases('2020-06-01 00:00:00+00')$$,
        ARRAY['(tap-a2.png,https://tap.example/4.png,"2020-02-01 00:00:00+00")',
              '(tap-a1.png,https://tap.example/1.png,"2020-03-01 00:00:00+00")',
              '(tap-a1.png,https://tap.example/2.png,"2020-03-01 00:00:00+00")']),
    ($$pict_repo.older_aliases('2020-06-01 00:00:00+00', 2)$$,
        ARRAY['(tap-a2.png,https://tap.example/4.png,"2020-02-01 00:00:00+00")',
              '(tap-a1.png,https://tap.example/1.png,"2020-03-01 00:00:00+00")']),
    ($$pict_repo.older_aliases('2020-06-01 00:00:00+00', 2, '2020-03-01 00:00:00+00', 'https://tap.example/1.png')$$,
        ARRAY['(tap-a1.png,https://tap.example/2.png,"2020-03-01 00:00:00+00")']),
    ($$pict_repo.older_aliases('2020-06-01 00:00:00+00', 2, '2020-03-01 00:00:00+00', 'https://tap.example/2.png')$$,
        '{}'),
    ($$pict_repo.older_aliases('2020-03-01 00:00:00+00')$$,
        ARRAY['(tap-a2.png,https://tap.example/4.png,"2020-02-01 00:00:00+00")']),
    ($$pict_repo.older_aliases('2020-06-01 00:00:00+00', 10, '2020-03-01 00:00:00+00', NULL)$$,
        ARRAY['ERROR 22023']),
    ($$pict_repo.older_aliases('2020-06-01 00:00:00+00', 0)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.older_aliases(NULL)$$, ARRAY['ERROR 22023']),

    -- access times of variants, oldest first by (accessed, hash, variant)
    ($$pict_repo.create_hash('\x0d01', 'tap/d1.png', NULL, '2020-01-05 00:00:00+00')$$, ARRAY['true']),
    ($$pict_repo.relate_variant('\x0d01', 'b', 'tap/d1-b.png')$$, ARRAY['true']),
    ($$pict_repo.relate_variant('\x0d01', 'a', 'tap/d1-a.png')$$, ARRAY['true']),
    ($$pict_repo.touch_variant('\x0d01', 'a', '2020-02-01 00:00:00+00')$$, ARRAY['true']),
    ($$pict_repo.touch_variant('\x0d01', 'b', '2020-02-01 00:00:00+00')$$, ARRAY['true']),
    ($$pict_repo.touch_variant('\x0a0b', 'thumb', '2020-04-01 00:00:00+00')$$, ARRAY['true']),
    ($$pict_repo.touch_variant('\x0a0b', 'none', '2020-04-01 00:00:00+00')$$, ARRAY['false']),
    ($$pict_repo.touch_variant('\x0a0b', 'thumb', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.touch_variant('\x0a0b', '')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.variant_accessed_at('\x0a0b', 'thumb')$$, ARRAY['2020-04-01 00:00:00+00']),
    ($$pict_repo.variant_accessed_at('\x0a0b', 'none')$$, ARRAY[NULL]),
    ($$pict_repo.variant_accessed_at(NULL, 'thumb')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.older_variants('2020-06-01 00:00:00+00')$$,
        ARRAY['("\\x0d01",a,"2020-02-01 00:00:00+00")', '("\\x0d01",b,"2020-02-01 00:00:00+00")',
              '("\\x0a0b",thumb,"2020-04-01 00:00:00+00")']),
    ($$pict_repo.older_variants('2020-06-01 00:00:00+00', 1, '2020-02-01 00:00:00+00', '\x0d01', 'a')$$,
        ARRAY['("\\x0d01",b,"2020-02-01 00:00:00+00")']),
    ($$pict_repo.older_variants('2020-06-01 00:00:00+00', 10, '2020-02-01 00:00:00+00', '\x0d01', 'b')$$,
        ARRAY['("\\x0a0b",thumb,"2020-04-01 00:00:00+00")']),
    ($$pict_repo.older_variants('2020-03-01 00:00:00+00')$$,
        ARRAY['("\\x0d01",a,"2020-02-01 00:00:00+00")', '("\\x0d01",b,"2020-02-01 00:00:00+00")']),
    ($$pict_repo.older_variants('2020-06-01 00:00:00+00', 10, '2020-02-01 00:00:00+00', '\x0d01', NULL)$$,
        ARRAY['ERROR 22023']),
    ($$pict_repo.older_variants('2020-06-01 00:00:00+00', 10001)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.older_variants(NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.touch_variant('\x0a0b', 'thumb', '2020-01-01 00:00:00+00')$$, ARRAY['true']),

    -- deleting aliases: a wrong token deletes nothing; proxies go with the alias
    ($$pict_repo.delete_alias('tap-a1.png', 'tok-wrong')$$, ARRAY['ERROR 28000']),
    ($$pict_repo.delete_alias('tap-a1.png', 'tok-a')$$, ARRAY['ERROR 28000']),
    ($$pict_repo.alias_hash('tap-a1.png')$$, ARRAY['\x0a0b']),
    ($$pict_repo.delete_alias('tap-a1.png', 'tok-a1')$$, ARRAY['("\\x0a0b",f)']),
    ($$pict_repo.related('https://tap.example/1.png')$$, ARRAY[NULL]),
    ($$pict_repo.delete_alias('tap-a1.png', 'tok-a1')$$, '{}'),
    ($$pict_repo.delete_alias('tap-a1.png', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.remove_relation('tap-a2.png')$$, ARRAY['true']),
    ($$pict_repo.remove_relation('tap-a2.png')$$, ARRAY['false']),
    ($$pict_repo.remove_relation('')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.related('https://tap.example/4.png')$$, ARRAY[NULL]),
    ($$pict_repo.cleanup_alias('tap-a2.png')$$, ARRAY['("\\x0a0b",t)']),
    ($$pict_repo.cleanup_alias('tap-a2.png')$$, '{}'),
    ($$pict_repo.cleanup_alias(NULL)$$, ARRAY['ERROR 22023']),
    -- an alias that ingest made for an existing hash
    ($$pict_repo.ingest('\x0a0b', 'tap/dup.png', '{}', 'png', 'tap-i1.png', 'tok-i1')$$,
        ARRAY['(tap-i1.png,tok-i1,tap/orig.png,f)']),
    ($$pict_repo.details('tap/dup.png')$$, ARRAY[NULL]),
    ($$pict_repo.cleanup_alias('tap-i1.png')$$, ARRAY['("\\x0a0b",t)']),
    ($$pict_repo.aliases_for_hash('\x0a0b')$$, '{}'),

    -- cleanup_hash of a hash in use, then forced with its aliases and proxies
    ($$pict_repo.create_alias_with_token('tap-d1.png', '\x0d01', 'tok-d1')$$, ARRAY['tok-d1']),
    ($$pict_repo.relate_url('https://tap.example/d1.png', 'tap-d1.png')$$, ARRAY['true']),
    ($$pict_repo.cleanup_hash('\x0d01')$$, ARRAY['ERROR 55006']),
    ($$pict_repo.related('https://tap.example/d1.png')$$, ARRAY['tap-d1.png']),
    ($$pict_repo.cleanup_hash('\x0d01', true)$$, ARRAY['(tap/d1.png,)', '(tap/d1-a.png,)', '(tap/d1-b.png,)']),
    ($$pict_repo.related('https://tap.example/d1.png')$$, ARRAY[NULL]),
    ($$pict_repo.alias_hash('tap-d1.png')$$, ARRAY[NULL]),
    ($$pict_repo.older_aliases('infinity')$$, '{}'),
    ($$pict_repo.older_variants('infinity')$$, ARRAY['("\\x0a0b",thumb,"2020-01-01 00:00:00+00")']),
    ($$pict_repo.hash_count()$$, ARRAY['1']);

-- Job queue and maintenance.  Workers a1 and b2; the ids of the jobs under
-- test are kept in tap.jN.  The whole file is one transaction, so now() is
-- the same in every call: pg_temp.tap_exec moves times back where a call
-- needs time to have passed (a wait, a run, a stale heartbeat, an old upload
-- or lock), which keeps every figure exact.
INSERT INTO calls (call, expected) VALUES
    -- uuid_v7: version 7, RFC variant, increasing, the current time
    ($$pg_catalog.substr(pict_repo.uuid_v7()::text, 15, 1)$$, ARRAY['7']),
    ($$pg_catalog.substr(pict_repo.uuid_v7()::text, 20, 1) OPERATOR(pg_catalog.=) ANY (ARRAY['8', '9', 'a', 'b'])$$,
        ARRAY['true']),
    ($$pg_catalog.set_config('tap.uuid', pict_repo.uuid_v7()::text, true) IS NOT NULL$$, ARRAY['true']),
    ($$pict_repo.uuid_v7() OPERATOR(pg_catalog.>) pg_catalog.current_setting('tap.uuid')::uuid$$, ARRAY['true']),
    ($$pg_catalog.abs(('x' OPERATOR(pg_catalog.||) pg_catalog.substr(pg_catalog.replace(pict_repo.uuid_v7()::text, '-', ''), 1, 12))::bit(48)::bigint
        OPERATOR(pg_catalog.-) (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) OPERATOR(pg_catalog.*) 1000)::bigint)
        OPERATOR(pg_catalog.<) 60000$$, ARRAY['true']),

    -- push_job: ids, unique keys per queue, priority, schedule, bad input
    ($$pict_repo.queue_length()$$, ARRAY['0']),
    ($$pg_catalog.set_config('tap.j1', pict_repo.push_job('tap.q', '{"n": 1}')::text, true) IS NOT NULL$$, ARRAY['true']),
    ($$pg_catalog.set_config('tap.j2', pict_repo.push_job('tap.q', '{"n": 2}', 'tap-key')::text, true) IS NOT NULL$$, ARRAY['true']),
    ($$pict_repo.push_job('tap.q', '{"n": 3}', 'tap-key')$$, ARRAY[NULL]),
    ($$pg_catalog.set_config('tap.j3', pict_repo.push_job('tap.other', '{"n": 3}', 'tap-key')::text, true) IS NOT NULL$$, ARRAY['true']),
    ($$pg_catalog.set_config('tap.j7', pict_repo.push_job('tap.q', '{"n": 7}')::text, true) IS NOT NULL$$, ARRAY['true']),
    ($$pg_catalog.set_config('tap.j4', pict_repo.push_job('tap.q', '{"n": 4}', NULL, 10)::text, true) IS NOT NULL$$, ARRAY['true']),
    ($$pg_catalog.set_config('tap.j5', pict_repo.push_job('tap.q', '{"n": 5}', NULL, 100,
        pg_catalog.now() OPERATOR(pg_catalog.+) interval '1 hour')::text, true) IS NOT NULL$$, ARRAY['true']),
    ($$pg_catalog.current_setting('tap.j1')::uuid OPERATOR(pg_catalog.<) pg_catalog.current_setting('tap.j2')::uuid$$, ARRAY['true']),
    ($$(SELECT ROW(j.queue, j.job, j.status, j.worker, j.priority, j.attempts, j.max_attempts, j.unique_key,
                   j.heartbeat, j.last_error, j.run_at OPERATOR(pg_catalog.=) j.queue_time)
          FROM pict_repo.job_queue j WHERE j.id OPERATOR(pg_catalog.=) pg_catalog.current_setting('tap.j2')::uuid)$$,
        ARRAY['(tap.q,"{""n"": 2}",new,,0,0,5,tap-key,,,t)']),
    ($$pict_repo.push_job(NULL, '{}')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.push_job('', '{}')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.push_job(pg_catalog.repeat('q', 65), '{}')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.push_job('tap.q', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.push_job('tap.q', '{}', '')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.push_job('tap.q', '{}', NULL, 0, NULL, 0)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.queue_length('tap.q')$$, ARRAY['5']),
    ($$pict_repo.queue_length()$$, ARRAY['6']),
    ($$pict_repo.queue_length('tap.none')$$, ARRAY['0']),
    ($$pict_repo.queue_length('')$$, ARRAY['ERROR 22023']),
    -- every job of tap.q was pushed 10 seconds ago
    ($$pg_temp.tap_exec($q$UPDATE pict_repo.job_queue SET queue_time = queue_time - interval '10 seconds'
                          WHERE queue = 'tap.q'$q$)$$, ARRAY['5']),

    -- claim_job: highest priority first, then oldest; scheduled jobs wait
    ($$(SELECT pg_catalog.string_agg(c.job::text OPERATOR(pg_catalog.||) ' #' OPERATOR(pg_catalog.||) c.attempt::text, ', ')
          FROM pict_repo.claim_job('tap.q', '00000000-0000-0000-0000-0000000000a1') c)$$,
        ARRAY['{"n": 4} #1']),
    ($$(SELECT pg_catalog.string_agg(c.job::text OPERATOR(pg_catalog.||) ' #' OPERATOR(pg_catalog.||) c.attempt::text, ', ')
          FROM pict_repo.claim_job('tap.q', '00000000-0000-0000-0000-0000000000a1', 2) c)$$,
        ARRAY['{"n": 1} #1, {"n": 2} #1']),
    ($$(SELECT pg_catalog.count(*) FROM pict_repo.claim_job('tap.none', '00000000-0000-0000-0000-0000000000a1', 10))$$,
        ARRAY['0']),
    ($$pict_repo.claim_job(NULL, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.claim_job('tap.q', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.claim_job('tap.q', '00000000-0000-0000-0000-0000000000a1', 0)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.claim_job('tap.q', '00000000-0000-0000-0000-0000000000a1', 10001)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.queue_length('tap.q')$$, ARRAY['5']),
    -- every running job of tap.q was claimed 4 seconds ago (after a wait
    -- of 6 seconds)
    ($$pg_temp.tap_exec($q$UPDATE pict_repo.job_queue SET run_at = run_at - interval '4 seconds'
                          WHERE queue = 'tap.q' AND status = 'running'$q$)$$, ARRAY['3']),

    -- heartbeat_job and complete_job: only the holder
    ($$pict_repo.heartbeat_job(pg_catalog.current_setting('tap.j1')::uuid, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['true']),
    ($$pict_repo.heartbeat_job(pg_catalog.current_setting('tap.j1')::uuid, '00000000-0000-0000-0000-0000000000b2')$$, ARRAY['false']),
    ($$pict_repo.heartbeat_job(pg_catalog.current_setting('tap.j5')::uuid, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['false']),
    ($$pict_repo.heartbeat_job(NULL, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.heartbeat_job(pg_catalog.current_setting('tap.j1')::uuid, NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.push_job('tap.q', '{"n": 6}', 'tap-key')$$, ARRAY[NULL]),
    ($$pict_repo.complete_job(pg_catalog.current_setting('tap.j1')::uuid, '00000000-0000-0000-0000-0000000000b2')$$, ARRAY['false']),
    ($$pict_repo.complete_job(pg_catalog.current_setting('tap.j1')::uuid, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['true']),
    ($$pict_repo.complete_job(pg_catalog.current_setting('tap.j1')::uuid, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['false']),
    ($$pict_repo.complete_job(NULL, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['ERROR 22023']),
    -- complete_jobs (1.2): only the holder's jobs
    ($$(SELECT pg_catalog.count(*) FROM pict_repo.complete_jobs(ARRAY[pg_catalog.current_setting('tap.j1')::uuid],
                                                                 '00000000-0000-0000-0000-0000000000a1'))$$, ARRAY['0']),
    ($$pict_repo.complete_jobs(NULL, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['ERROR 22023']),

    -- complete_and_claim_job: claim_job's result
    ($$(SELECT pg_catalog.string_agg(c.job::text OPERATOR(pg_catalog.||) ' #' OPERATOR(pg_catalog.||) c.attempt::text, ', ')
          FROM pict_repo.complete_and_claim_job(pg_catalog.current_setting('tap.j2')::uuid,
                                                '00000000-0000-0000-0000-0000000000a1', 'tap.q') c)$$,
        ARRAY['{"n": 7} #1']),
    ($$pict_repo.complete_job(pg_catalog.current_setting('tap.j2')::uuid, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['false']),
    ($$pg_temp.tap_exec($q$UPDATE pict_repo.job_queue SET run_at = run_at - interval '4 seconds'
                          WHERE queue = 'tap.q' AND job = '{"n": 7}'$q$)$$, ARRAY['1']),
    ($$(SELECT pg_catalog.count(*)
          FROM pict_repo.complete_and_claim_job(pg_catalog.current_setting('tap.j7')::uuid,
                                                '00000000-0000-0000-0000-0000000000a1', 'tap.q', 10))$$,
        ARRAY['0']),
    ($$pict_repo.complete_and_claim_job(NULL, '00000000-0000-0000-0000-0000000000a1', 'tap.q')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.complete_and_claim_job(pg_catalog.current_setting('tap.j2')::uuid, '00000000-0000-0000-0000-0000000000a1', '')$$,
        ARRAY['ERROR 22023']),
    ($$pict_repo.complete_and_claim_job(pg_catalog.current_setting('tap.j2')::uuid, '00000000-0000-0000-0000-0000000000a1', 'tap.q', 0)$$,
        ARRAY['ERROR 22023']),
    -- the unique key is free once its job has left the queue
    ($$pg_catalog.set_config('tap.j6', pict_repo.push_job('tap.q', '{"n": 6}', 'tap-key')::text, true) IS NOT NULL$$, ARRAY['true']),

    -- fail_job: backoff of 2^attempts seconds; only the holder
    ($$pict_repo.fail_job(pg_catalog.current_setting('tap.j4')::uuid, '00000000-0000-0000-0000-0000000000b2', 'boom')$$, ARRAY[NULL]),
    ($$pict_repo.fail_job(pg_catalog.current_setting('tap.j4')::uuid, '00000000-0000-0000-0000-0000000000a1', 'boom')$$, ARRAY['retry']),
    ($$(SELECT ROW(j.status, j.worker, j.heartbeat, j.attempts, j.last_error, j.run_at OPERATOR(pg_catalog.-) pg_catalog.now())
          FROM pict_repo.job_queue j WHERE j.id OPERATOR(pg_catalog.=) pg_catalog.current_setting('tap.j4')::uuid)$$,
        ARRAY['(new,,,1,boom,00:00:02)']),
    ($$pict_repo.fail_job(pg_catalog.current_setting('tap.j4')::uuid, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY[NULL]),
    ($$pict_repo.fail_job(NULL, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['ERROR 22023']),
    ($$pict_repo.fail_job(pg_catalog.current_setting('tap.j4')::uuid, '00000000-0000-0000-0000-0000000000a1', NULL, interval '-1 second')$$,
        ARRAY['ERROR 22023']),

    -- queue_stats and average_time_to_completion: three jobs done after a
    -- 6 second wait and a 4 second run, one failed attempt
    ($$pict_repo.queue_stats()$$,
        ARRAY['(tap.other,1,0,0,0,0,0,,)', '(tap.q,1,2,0,0,3,1,00:00:06,00:00:04)']),
    ($$pict_repo.average_time_to_completion('tap.q', pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 hour',
                                            pg_catalog.now() OPERATOR(pg_catalog.+) interval '1 hour')$$,
        ARRAY['00:00:10']),
    ($$pict_repo.average_time_to_completion('tap.q', pg_catalog.now() OPERATOR(pg_catalog.-) interval '2 hours',
                                            pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 hour')$$,
        ARRAY[NULL]),
    ($$pict_repo.average_time_to_completion('tap.other', pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 hour',
                                            pg_catalog.now() OPERATOR(pg_catalog.+) interval '1 hour')$$,
        ARRAY[NULL]),
    ($$pict_repo.average_time_to_completion('tap.q', pg_catalog.now(), pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 second')$$,
        ARRAY['ERROR 22023']),
    -- 1.3: a NULL queue means every queue (nothing two hours ago), and
    -- the times are still checked.
    ($$pict_repo.average_time_to_completion(NULL, pg_catalog.now() OPERATOR(pg_catalog.-) interval '2 hours',
                                            pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 hour')$$,
        ARRAY[NULL]),
    ($$pict_repo.average_time_to_completion(NULL, pg_catalog.now(), pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 second')$$,
        ARRAY['ERROR 22023']),
    ($$pict_repo.average_time_to_completion('tap.q', pg_catalog.now(), NULL)$$, ARRAY['ERROR 22023']),

    -- cancel_job: waiting jobs
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j3')::uuid)$$, ARRAY['true']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j3')::uuid)$$, ARRAY['false']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j4')::uuid)$$, ARRAY['true']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j5')::uuid)$$, ARRAY['true']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j6')::uuid)$$, ARRAY['true']),
    ($$pict_repo.cancel_job(NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.queue_length()$$, ARRAY['0']),

    -- push_jobs: ids in order
    ($$(SELECT pg_catalog.count(*) FROM pict_repo.push_jobs('tap.batch', ARRAY['{"b": 1}', '{"b": 2}', '{"b": 3}']::jsonb[]))$$,
        ARRAY['3']),
    ($$(SELECT pg_catalog.string_agg(j.job::text, ', ' ORDER BY j.id) FROM pict_repo.job_queue j
         WHERE j.queue OPERATOR(pg_catalog.=) 'tap.batch')$$,
        ARRAY['{"b": 1}, {"b": 2}, {"b": 3}']),
    ($$pict_repo.push_jobs('tap.batch', '{}'::jsonb[])$$, '{}'),
    ($$pict_repo.push_jobs('tap.batch', ARRAY['{}', NULL]::jsonb[])$$, ARRAY['ERROR 22023']),
    ($$pict_repo.push_jobs(NULL, ARRAY['{}']::jsonb[])$$, ARRAY['ERROR 22023']),
    ($$pict_repo.push_jobs('tap.batch', NULL)$$, ARRAY['ERROR 22023']),
    ($$pict_repo.queue_length('tap.batch')$$, ARRAY['3']),
    -- claimed and cancelled while running
    ($$(SELECT pg_catalog.string_agg(c.job::text OPERATOR(pg_catalog.||) ' #' OPERATOR(pg_catalog.||) c.attempt::text
                                     OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) pict_repo.cancel_job(c.id)::text, ', ')
          FROM pict_repo.claim_job('tap.batch', '00000000-0000-0000-0000-0000000000a1', 10) c)$$,
        ARRAY['{"b": 1} #1 true, {"b": 2} #1 true, {"b": 3} #1 true']),
    ($$pict_repo.queue_length('tap.batch')$$, ARRAY['0']),

    -- dead letters: used attempts, retry_dead_job, a taken unique key
    ($$pg_catalog.set_config('tap.j8', pict_repo.push_job('tap.fail', '{"f": 1}', 'tap-fkey', 0, NULL, 2)::text, true) IS NOT NULL$$,
        ARRAY['true']),
    ($$(SELECT pg_catalog.string_agg(c.job::text OPERATOR(pg_catalog.||) ' #' OPERATOR(pg_catalog.||) c.attempt::text, ', ')
          FROM pict_repo.claim_job('tap.fail', '00000000-0000-0000-0000-0000000000a1') c)$$,
        ARRAY['{"f": 1} #1']),
    ($$pict_repo.fail_job(pg_catalog.current_setting('tap.j8')::uuid, '00000000-0000-0000-0000-0000000000a1', 'first', interval '0')$$,
        ARRAY['retry']),
    ($$(SELECT pg_catalog.string_agg(c.job::text OPERATOR(pg_catalog.||) ' #' OPERATOR(pg_catalog.||) c.attempt::text, ', ')
          FROM pict_repo.claim_job('tap.fail', '00000000-0000-0000-0000-0000000000a1') c)$$,
        ARRAY['{"f": 1} #2']),
    ($$pict_repo.fail_job(pg_catalog.current_setting('tap.j8')::uuid, '00000000-0000-0000-0000-0000000000a1', 'second')$$,
        ARRAY['dead']),
    ($$pict_repo.queue_length('tap.fail')$$, ARRAY['0']),
    ($$(SELECT ROW(d.queue, d.job, d.attempts, d.max_attempts, d.unique_key, d.last_error, d.died_at OPERATOR(pg_catalog.=) pg_catalog.now())
          FROM pict_repo.dead_jobs d WHERE d.id OPERATOR(pg_catalog.=) pg_catalog.current_setting('tap.j8')::uuid)$$,
        ARRAY['(tap.fail,"{""f"": 1}",2,2,tap-fkey,second,t)']),
    ($$pict_repo.heartbeat_job(pg_catalog.current_setting('tap.j8')::uuid, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['false']),
    ($$pg_catalog.set_config('tap.j9', pict_repo.push_job('tap.fail', '{"f": 2}', 'tap-fkey')::text, true) IS NOT NULL$$,
        ARRAY['true']),
    ($$pict_repo.retry_dead_job(pg_catalog.current_setting('tap.j8')::uuid)$$, ARRAY['false']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j9')::uuid)$$, ARRAY['true']),
    ($$pict_repo.retry_dead_job(pg_catalog.current_setting('tap.j8')::uuid)$$, ARRAY['true']),
    ($$(SELECT ROW(j.status, j.worker, j.attempts, j.max_attempts, j.run_at OPERATOR(pg_catalog.<=) pg_catalog.now())
          FROM pict_repo.job_queue j WHERE j.id OPERATOR(pg_catalog.=) pg_catalog.current_setting('tap.j8')::uuid)$$,
        ARRAY['(new,,0,2,t)']),
    ($$pict_repo.retry_dead_job(pg_catalog.current_setting('tap.j8')::uuid)$$, ARRAY['false']),
    ($$pict_repo.retry_dead_job(NULL)$$, ARRAY['ERROR 22023']),
    -- cancel_job of a running job fences its worker off; of a dead job
    ($$(SELECT pg_catalog.count(*) FROM pict_repo.claim_job('tap.fail', '00000000-0000-0000-0000-0000000000a1'))$$, ARRAY['1']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j8')::uuid)$$, ARRAY['true']),
    ($$pict_repo.complete_job(pg_catalog.current_setting('tap.j8')::uuid, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['false']),
    ($$pg_catalog.set_config('tap.j10', pict_repo.push_job('tap.fail', '{"f": 3}', NULL, 0, NULL, 1)::text, true) IS NOT NULL$$,
        ARRAY['true']),
    ($$(SELECT pg_catalog.string_agg(pict_repo.fail_job(c.id, '00000000-0000-0000-0000-0000000000a1', 'only'), ', ')
          FROM pict_repo.claim_job('tap.fail', '00000000-0000-0000-0000-0000000000a1') c)$$,
        ARRAY['dead']),
    ($$pict_repo.queue_stats()$$, ARRAY['(tap.fail,0,0,0,1,0,3,,)', '(tap.q,0,0,0,0,3,1,00:00:06,00:00:04)']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j10')::uuid)$$, ARRAY['true']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j10')::uuid)$$, ARRAY['false']),

    -- requeue_stale: fresh heartbeats stay; stale ones go back or die
    ($$pg_catalog.set_config('tap.j11', pict_repo.push_job('tap.stale', '{"s": 1}')::text, true) IS NOT NULL$$, ARRAY['true']),
    ($$pg_catalog.set_config('tap.j12', pict_repo.push_job('tap.stale', '{"s": 2}', NULL, 0, NULL, 1)::text, true) IS NOT NULL$$,
        ARRAY['true']),
    ($$(SELECT pg_catalog.count(*) FROM pict_repo.claim_job('tap.stale', '00000000-0000-0000-0000-0000000000a1', 2))$$, ARRAY['2']),
    ($$pict_repo.requeue_stale(interval '1 hour')$$, ARRAY['0']),
    ($$pict_repo.requeue_stale()$$, ARRAY['0']),
    ($$pict_repo.requeue_stale(interval '-1 minute')$$, ARRAY['ERROR 22023']),
    ($$pg_temp.tap_exec($q$UPDATE pict_repo.job_queue SET heartbeat = heartbeat - interval '2 hours'
                          WHERE queue = 'tap.stale'$q$)$$, ARRAY['2']),
    ($$pict_repo.requeue_stale(interval '1 hour')$$, ARRAY['2']),
    ($$(SELECT ROW(j.status, j.worker, j.attempts, j.last_error) FROM pict_repo.job_queue j
         WHERE j.id OPERATOR(pg_catalog.=) pg_catalog.current_setting('tap.j11')::uuid)$$,
        ARRAY['(new,,1,"no heartbeat for 01:00:00")']),
    ($$(SELECT ROW(d.attempts, d.last_error) FROM pict_repo.dead_jobs d
         WHERE d.id OPERATOR(pg_catalog.=) pg_catalog.current_setting('tap.j12')::uuid)$$,
        ARRAY['(1,"no heartbeat for 01:00:00")']),
    ($$pict_repo.heartbeat_job(pg_catalog.current_setting('tap.j11')::uuid, '00000000-0000-0000-0000-0000000000a1')$$, ARRAY['false']),

    -- run_maintenance: a stale job, a stale job out of attempts, an old
    -- upload, a dead variant lock
    ($$pg_catalog.set_config('tap.j13', pict_repo.push_job('tap.stale', '{"s": 3}', NULL, 0, NULL, 1)::text, true) IS NOT NULL$$,
        ARRAY['true']),
    ($$(SELECT pg_catalog.string_agg(c.job::text OPERATOR(pg_catalog.||) ' #' OPERATOR(pg_catalog.||) c.attempt::text, ', ')
          FROM pict_repo.claim_job('tap.stale', '00000000-0000-0000-0000-0000000000b2', 2) c)$$,
        ARRAY['{"s": 1} #2, {"s": 3} #1']),
    ($$pict_repo.run_maintenance()$$, ARRAY['(0,0,0,0,0)']),
    ($$pg_temp.tap_exec($q$UPDATE pict_repo.job_queue SET heartbeat = heartbeat - interval '1 day'
                          WHERE queue = 'tap.stale'$q$)$$, ARRAY['2']),
    ($$pg_catalog.set_config('tap.upload2', pict_repo.create_upload()::text, true) IS NOT NULL$$, ARRAY['true']),
    ($$pg_temp.tap_exec($q$UPDATE pict_repo.uploads SET created_at = created_at - interval '30 days'$q$)$$, ARRAY['1']),
    ($$pict_repo.claim_variant_processing('\x0a0b', 'tap-lock')$$, ARRAY['true']),
    ($$pg_temp.tap_exec($q$UPDATE pict_repo.variant_locks SET heartbeat = heartbeat - interval '1 day'$q$)$$, ARRAY['1']),
    -- The queue of the requeued job is told by the requeue, not counted
    -- again as due (as in the regression test).
    ($$pict_repo.run_maintenance()$$, ARRAY['(1,1,1,1,0)']),
    ($$pict_repo.upload_result(pg_catalog.current_setting('tap.upload2')::uuid)$$, ARRAY['ERROR P0002']),
    ($$pict_repo.variant_heartbeat('\x0a0b', 'tap-lock')$$, ARRAY['false']),
    ($$(SELECT pg_catalog.count(*) FROM pict_repo.dead_jobs d
         WHERE d.id OPERATOR(pg_catalog.=) pg_catalog.current_setting('tap.j13')::uuid)$$, ARRAY['1']),
    ($$pict_repo.run_maintenance()$$, ARRAY['(0,0,0,0,1)']),
    ($$pict_repo.queue_stats()$$,
        ARRAY['(tap.fail,0,0,0,0,0,3,,)', '(tap.q,0,0,0,0,3,1,00:00:06,00:00:04)', '(tap.stale,1,0,0,2,0,4,,)']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j11')::uuid)$$, ARRAY['true']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j12')::uuid)$$, ARRAY['true']),
    ($$pict_repo.cancel_job(pg_catalog.current_setting('tap.j13')::uuid)$$, ARRAY['true']),

    -- leave the figures as they were
    ($$pg_temp.tap_exec($q$DELETE FROM pict_repo.queue_stats WHERE queue LIKE 'tap.%'$q$)$$, ARRAY['3']),
    ($$pict_repo.queue_stats()$$, '{}'),
    ($$pict_repo.queue_length()$$, ARRAY['0']);

-- ---------------------------------------------------------------------------
-- The runner
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE results (
    run         text NOT NULL,
    ord         int NOT NULL,
    got         text[],
    PRIMARY KEY (run, ord)
);

-- Run one SQL expression under a search_path and return its rows as text.
-- Everything here is qualified: this code runs under the hostile path too.
-- The path is set inside the block, so an error (which rolls the block
-- back) restores the caller's path as well.
CREATE FUNCTION pg_temp.run_one(path text, call text) RETURNS text[]
LANGUAGE plpgsql AS $f$
DECLARE
    outer_path  text := pg_catalog.current_setting('search_path');
    query       text := 'SELECT (' OPERATOR(pg_catalog.||) call OPERATOR(pg_catalog.||) ')::text AS v';
    r           record;
    got         text[] := '{}';
BEGIN
    BEGIN
        PERFORM pg_catalog.set_config('search_path', path, true);
        FOR r IN EXECUTE query LOOP
            got := pg_catalog.array_append(got, r.v);
        END LOOP;
        PERFORM pg_catalog.set_config('search_path', outer_path, true);
    EXCEPTION WHEN OTHERS THEN
        got := ARRAY['ERROR ' OPERATOR(pg_catalog.||) SQLSTATE];
    END;
    RETURN got;
END
$f$;

-- Run every call, in order, under a search_path.
CREATE FUNCTION pg_temp.run_calls(run text, path text) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE
    c   record;
BEGIN
    FOR c IN SELECT ord, call FROM pg_temp.calls ORDER BY ord LOOP
        INSERT INTO pg_temp.results VALUES (run, c.ord, pg_temp.run_one(path, c.call));
    END LOOP;
END
$f$;

DO $$ BEGIN PERFORM pg_temp.run_calls('clean', 'pg_catalog, pict_repo'); END $$;

-- ---------------------------------------------------------------------------
-- The hostile schema.  Each object is something an unqualified name inside
-- the extension (or in its SPI queries) could resolve to.  COALESCE, NULLIF,
-- GREATEST, TRIM and EXTRACT are syntax, not functions looked up by name, so
-- they cannot be faked, but NULLIF, IN and CASE use the `=` operator below.
-- ---------------------------------------------------------------------------

-- Time: everything is the year 2000.
CREATE FUNCTION public.now() RETURNS timestamptz
    LANGUAGE sql AS $$SELECT '2000-06-15 12:00:00+00'::timestamptz$$;
CREATE FUNCTION public.clock_timestamp() RETURNS timestamptz
    LANGUAGE sql AS $$SELECT '2000-06-15 12:00:00+00'::timestamptz$$;
CREATE FUNCTION public.statement_timestamp() RETURNS timestamptz
    LANGUAGE sql AS $$SELECT '2000-06-15 12:00:00+00'::timestamptz$$;
CREATE FUNCTION public.transaction_timestamp() RETURNS timestamptz
    LANGUAGE sql AS $$SELECT '2000-06-15 12:00:00+00'::timestamptz$$;

-- Randomness: constant ids and tokens.
CREATE FUNCTION public.gen_random_uuid() RETURNS uuid
    LANGUAGE sql AS $$SELECT '00000000-0000-0000-0000-000000000000'::uuid$$;
CREATE FUNCTION public.random() RETURNS double precision
    LANGUAGE sql AS $$SELECT 0.5::double precision$$;
CREATE FUNCTION public.md5(text) RETURNS text
    LANGUAGE sql AS $$SELECT 'hostile'::text$$;
CREATE FUNCTION public.sha256(bytea) RETURNS bytea
    LANGUAGE sql AS $$SELECT '\x00'::bytea$$;
CREATE FUNCTION public.encode(bytea, text) RETURNS text
    LANGUAGE sql AS $$SELECT 'hostile'::text$$;
CREATE FUNCTION public.decode(text, text) RETURNS bytea
    LANGUAGE sql AS $$SELECT '\x00'::bytea$$;

-- Lengths and case: every limit check would pass or fail at will.
CREATE FUNCTION public.octet_length(bytea) RETURNS integer LANGUAGE sql AS $$SELECT 999$$;
CREATE FUNCTION public.octet_length(text) RETURNS integer LANGUAGE sql AS $$SELECT 999$$;
CREATE FUNCTION public.length(bytea) RETURNS integer LANGUAGE sql AS $$SELECT 999$$;
CREATE FUNCTION public.length(text) RETURNS integer LANGUAGE sql AS $$SELECT 999$$;
CREATE FUNCTION public.length(varchar) RETURNS integer LANGUAGE sql AS $$SELECT 999$$;
CREATE FUNCTION public.char_length(text) RETURNS integer LANGUAGE sql AS $$SELECT 999$$;
CREATE FUNCTION public.character_length(text) RETURNS integer LANGUAGE sql AS $$SELECT 999$$;
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql AS $$SELECT 'hostile'::text$$;
CREATE FUNCTION public.lower(varchar) RETURNS text LANGUAGE sql AS $$SELECT 'hostile'::text$$;
CREATE FUNCTION public.upper(text) RETURNS text LANGUAGE sql AS $$SELECT 'HOSTILE'::text$$;
CREATE FUNCTION public.repeat(text, integer) RETURNS text LANGUAGE sql AS $$SELECT 'hostile'::text$$;
-- Exact signatures beat pg_catalog's variadic "any" ones even when
-- pg_catalog is searched first.
CREATE FUNCTION public.concat(text, text) RETURNS text LANGUAGE sql AS $$SELECT 'hostile'::text$$;
CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE sql AS $$SELECT 'hostile'::text$$;

-- JSON: results and details built or read by SQL would change.
CREATE FUNCTION public.jsonb_build_object(text, integer) RETURNS jsonb
    LANGUAGE sql AS $$SELECT '{"hostile": true}'::jsonb$$;
CREATE FUNCTION public.jsonb_build_object(text, text) RETURNS jsonb
    LANGUAGE sql AS $$SELECT '{"hostile": true}'::jsonb$$;
CREATE FUNCTION public.to_jsonb(text) RETURNS jsonb
    LANGUAGE sql AS $$SELECT '"hostile"'::jsonb$$;
CREATE FUNCTION public.jsonb_typeof(jsonb) RETURNS text
    LANGUAGE sql AS $$SELECT 'hostile'::text$$;

-- Settings and notifications: fail loudly if used.
CREATE FUNCTION public.pg_notify(text, text) RETURNS void
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hostile pg_notify'; END$$;
CREATE FUNCTION public.current_setting(text) RETURNS text
    LANGUAGE sql AS $$SELECT 'hostile'::text$$;
CREATE FUNCTION public.set_config(text, text, boolean) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hostile set_config'; END$$;

-- Aggregates: counts and maxima are made up.
CREATE FUNCTION public.hostile_count_step(bigint) RETURNS bigint
    LANGUAGE sql AS $$SELECT 42::bigint$$;
CREATE FUNCTION public.hostile_count_step(bigint, text) RETURNS bigint
    LANGUAGE sql AS $$SELECT 42::bigint$$;
CREATE AGGREGATE public.count(*) (SFUNC = public.hostile_count_step, STYPE = bigint, INITCOND = '42');
CREATE AGGREGATE public.count(text) (SFUNC = public.hostile_count_step, STYPE = bigint, INITCOND = '42');
CREATE FUNCTION public.hostile_ts_step(timestamptz, timestamptz) RETURNS timestamptz
    LANGUAGE sql AS $$SELECT '2000-06-15 12:00:00+00'::timestamptz$$;
CREATE AGGREGATE public.max(timestamptz) (SFUNC = public.hostile_ts_step, STYPE = timestamptz);
CREATE AGGREGATE public.min(timestamptz) (SFUNC = public.hostile_ts_step, STYPE = timestamptz);
CREATE FUNCTION public.hostile_interval_step(interval, interval) RETURNS interval
    LANGUAGE sql AS $$SELECT interval '99 hours'$$;
CREATE AGGREGATE public.sum(interval) (SFUNC = public.hostile_interval_step, STYPE = interval);
CREATE FUNCTION public.hostile_sum_step(numeric, bigint) RETURNS numeric
    LANGUAGE sql AS $$SELECT 42::numeric$$;
CREATE AGGREGATE public.sum(bigint) (SFUNC = public.hostile_sum_step, STYPE = numeric);

-- Queue arithmetic: minutes, backoff.
CREATE FUNCTION public.date_trunc(text, timestamptz, text) RETURNS timestamptz
    LANGUAGE sql AS $$SELECT '2000-06-15 12:00:00+00'::timestamptz$$;
CREATE FUNCTION public.power(double precision, double precision) RETURNS double precision
    LANGUAGE sql AS $$SELECT 0::double precision$$;

-- Operators: equality always holds, inequality never, time runs backwards.
CREATE FUNCTION public.hostile_true(text, text) RETURNS boolean LANGUAGE sql AS $$SELECT true$$;
CREATE FUNCTION public.hostile_false(text, text) RETURNS boolean LANGUAGE sql AS $$SELECT false$$;
CREATE FUNCTION public.hostile_true(varchar, varchar) RETURNS boolean LANGUAGE sql AS $$SELECT true$$;
CREATE FUNCTION public.hostile_true(bytea, bytea) RETURNS boolean LANGUAGE sql AS $$SELECT true$$;
CREATE FUNCTION public.hostile_true(uuid, uuid) RETURNS boolean LANGUAGE sql AS $$SELECT true$$;
CREATE FUNCTION public.hostile_true(jsonb, jsonb) RETURNS boolean LANGUAGE sql AS $$SELECT true$$;
CREATE FUNCTION public.hostile_before(timestamptz, timestamptz) RETURNS boolean
    LANGUAGE sql AS $$SELECT $1 OPERATOR(pg_catalog.>) $2$$;
CREATE FUNCTION public.hostile_after(timestamptz, timestamptz) RETURNS boolean
    LANGUAGE sql AS $$SELECT $1 OPERATOR(pg_catalog.<) $2$$;
CREATE FUNCTION public.hostile_cat(text, text) RETURNS text LANGUAGE sql AS $$SELECT 'hostile'::text$$;
CREATE FUNCTION public.hostile_cat(jsonb, jsonb) RETURNS jsonb
    LANGUAGE sql AS $$SELECT '{"hostile": true}'::jsonb$$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.hostile_true);
CREATE OPERATOR public.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = public.hostile_false);
CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.hostile_true);
CREATE OPERATOR public.= (LEFTARG = bytea, RIGHTARG = bytea, FUNCTION = public.hostile_true);
CREATE OPERATOR public.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = public.hostile_true);
CREATE OPERATOR public.= (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = public.hostile_true);
CREATE OPERATOR public.< (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.hostile_before);
CREATE OPERATOR public.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.hostile_before);
CREATE OPERATOR public.> (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.hostile_after);
CREATE OPERATOR public.>= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.hostile_after);
CREATE OPERATOR public.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = public.hostile_cat);
CREATE OPERATOR public.|| (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = public.hostile_cat);

-- Tables named like the extension's, for a query that forgot its schema.
CREATE TABLE public.settings (key text, value bytea);
INSERT INTO public.settings VALUES ('tap.key', '\xdead');
CREATE TABLE public.details (identifier text, details jsonb);
INSERT INTO public.details VALUES ('tap/a.png', '{"hostile": true}');
CREATE TABLE public.store_migrations (old_identifier text, new_identifier text);
INSERT INTO public.store_migrations VALUES ('tap/x', 'tap/hostile');
CREATE TABLE public.uploads (id uuid, result jsonb, created_at timestamptz);
CREATE TABLE public.hashes (hash bytea, identifier text, motion_identifier text,
                            blurhash text, created_at timestamptz);
INSERT INTO public.hashes VALUES ('\x0a0b', 'tap/hostile.png', NULL, NULL, '2000-06-15 12:00:00+00');
CREATE TABLE public.variants (hash bytea, variant text, identifier text, accessed timestamptz);
INSERT INTO public.variants VALUES ('\x0a0b', 'thumb', 'tap/hostile-thumb.png', '2000-06-15 12:00:00+00');
CREATE TABLE public.aliases (alias text, hash bytea, token text, created_at timestamptz);
INSERT INTO public.aliases VALUES ('tap-a1.png', '\x0c01', 'hostile', '2000-06-15 12:00:00+00');
CREATE TABLE public.proxies (url text, alias text, accessed timestamptz);
INSERT INTO public.proxies VALUES ('https://tap.example/1.png', 'tap-hostile.png', '2000-06-15 12:00:00+00');
CREATE TABLE public.variant_locks (hash bytea, variant text, heartbeat timestamptz);
INSERT INTO public.variant_locks VALUES ('\x0c01', 'big', '2000-06-15 12:00:00+00');
CREATE TABLE public.job_queue (id uuid, queue text, job jsonb, status text, worker uuid,
                               priority int, run_at timestamptz, queue_time timestamptz,
                               heartbeat timestamptz, attempts int, max_attempts int,
                               unique_key text, last_error text);
INSERT INTO public.job_queue VALUES ('00000000-0000-0000-0000-0000000000ff', 'tap.q', '{"hostile": true}',
    'new', NULL, 1000, '2000-06-15 12:00:00+00', '2000-06-15 12:00:00+00', NULL, 0, 5, 'tap-key', NULL);
CREATE TABLE public.dead_jobs (LIKE public.job_queue, died_at timestamptz);
INSERT INTO public.dead_jobs SELECT j.*, '2000-06-15 12:00:00+00' FROM public.job_queue j;
CREATE TABLE public.queue_stats (queue text, minute timestamptz, shard smallint, completed bigint,
                                 failed bigint, wait_time interval, run_time interval);
INSERT INTO public.queue_stats VALUES ('tap.q', '2000-06-15 12:00:00+00', 0, 1000, 1000, '1 day', '1 day');

-- ---------------------------------------------------------------------------
-- Probes: the hostile objects really are what an unqualified name finds.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE probes (
    ord         serial PRIMARY KEY,
    path        text NOT NULL,
    call        text NOT NULL,
    expected    text[] NOT NULL
);
INSERT INTO probes (path, call, expected)
SELECT p.path, x.call, x.expected
  FROM (VALUES ('public, pg_catalog, pict_repo')) p(path),
       (VALUES
        ($$pg_catalog.date_part('year', now())$$, ARRAY['2000']),
        ($$pg_catalog.date_part('year', clock_timestamp())$$, ARRAY['2000']),
        ($$pg_catalog.date_part('year', statement_timestamp())$$, ARRAY['2000']),
        ($$pg_catalog.date_part('year', transaction_timestamp())$$, ARRAY['2000']),
        ($$gen_random_uuid()$$, ARRAY['00000000-0000-0000-0000-000000000000']),
        ($$random()$$, ARRAY['0.5']),
        ($$md5('a')$$, ARRAY['hostile']),
        ($$sha256('\x01'::bytea)$$, ARRAY['\x00']),
        ($$encode('\x01'::bytea, 'hex')$$, ARRAY['hostile']),
        ($$decode('01', 'hex')$$, ARRAY['\x00']),
        ($$octet_length('\x01'::bytea)$$, ARRAY['999']),
        ($$octet_length('a'::text)$$, ARRAY['999']),
        ($$length('\x01'::bytea)$$, ARRAY['999']),
        ($$length('a'::text)$$, ARRAY['999']),
        ($$char_length('a'::text)$$, ARRAY['999']),
        ($$character_length('a'::text)$$, ARRAY['999']),
        ($$lower('A'::text)$$, ARRAY['hostile']),
        ($$upper('a'::text)$$, ARRAY['HOSTILE']),
        ($$repeat('k', 3)$$, ARRAY['hostile']),
        ($$jsonb_typeof('1'::jsonb)$$, ARRAY['hostile']),
        ($$current_setting('search_path')$$, ARRAY['hostile']),
        ($$set_config('tap.x', 'y', true)$$, ARRAY['ERROR P0001']),
        ($$pg_notify('tap', 'x')$$, ARRAY['ERROR P0001']),
        ($$(SELECT count(*) FROM pg_catalog.generate_series(1, 3))$$, ARRAY['42']),
        ($$(SELECT max(x) FROM (VALUES ('2020-01-01'::timestamptz)) v(x))$$,
            ARRAY[(SELECT '2000-06-15 12:00:00+00'::timestamptz::text)]),
        ($$'a'::text = 'b'::text$$, ARRAY['true']),
        ($$'a'::text <> 'a'::text$$, ARRAY['false']),
        ($$NULLIF('a'::text, 'b'::text)$$, ARRAY[NULL]),
        ($$'\x01'::bytea = '\x02'::bytea$$, ARRAY['true']),
        ($$'00000000-0000-0000-0000-000000000001'::uuid = '00000000-0000-0000-0000-000000000002'::uuid$$, ARRAY['true']),
        ($$'{"a": 1}'::jsonb = '{"a": 2}'::jsonb$$, ARRAY['true']),
        ($$'2020-01-01'::timestamptz < '2000-01-01'::timestamptz$$, ARRAY['true']),
        ($$'2020-01-01'::timestamptz <= '2000-01-01'::timestamptz$$, ARRAY['true']),
        ($$'2000-01-01'::timestamptz > '2020-01-01'::timestamptz$$, ARRAY['true']),
        ($$'2000-01-01'::timestamptz >= '2020-01-01'::timestamptz$$, ARRAY['true']),
        ($$'a'::text || 'b'::text$$, ARRAY['hostile']),
        ($$'{"a": 1}'::jsonb || '{"b": 2}'::jsonb$$, ARRAY['{"hostile": true}']),
        ($$(SELECT sum(x) FROM (VALUES (interval '1 hour')) v(x))$$, ARRAY['99:00:00']),
        ($$(SELECT sum(x) FROM (VALUES (1::bigint)) v(x))$$, ARRAY['42']),
        ($$power(2::double precision, 3::double precision)$$, ARRAY['0']),
        ($$pg_catalog.date_part('year', date_trunc('minute', '2020-01-01'::timestamptz, 'UTC'))$$, ARRAY['2000'])
       ) x(call, expected)
UNION ALL
-- Better-matching signatures and the tables win even when pg_catalog is not
-- named (and so searched first); check them under both paths.
SELECT p.path, x.call, x.expected
  FROM (VALUES ('public, pict_repo'), ('public, pg_catalog, pict_repo')) p(path),
       (VALUES
        ($$lower('A'::varchar)$$, ARRAY['hostile']),
        ($$length('a'::varchar)$$, ARRAY['999']),
        ($$'a'::varchar = 'b'::varchar$$, ARRAY['true']),
        ($$concat('a'::text, 'b'::text)$$, ARRAY['hostile']),
        ($$format('%s'::text, 'b'::text)$$, ARRAY['hostile']),
        ($$jsonb_build_object('a'::text, 1)$$, ARRAY['{"hostile": true}']),
        ($$jsonb_build_object('a'::text, 'b'::text)$$, ARRAY['{"hostile": true}']),
        ($$to_jsonb('a'::text)$$, ARRAY['"hostile"']),
        ($$(SELECT count(x) FROM (VALUES ('a'::text)) v(x))$$, ARRAY['42']),
        ($$(SELECT s.value FROM settings s)$$, ARRAY['\xdead']),
        ($$(SELECT d.details FROM details d)$$, ARRAY['{"hostile": true}']),
        ($$(SELECT m.new_identifier FROM store_migrations m)$$, ARRAY['tap/hostile']),
        ($$(SELECT h.identifier FROM hashes h)$$, ARRAY['tap/hostile.png']),
        ($$(SELECT v.identifier FROM variants v)$$, ARRAY['tap/hostile-thumb.png']),
        ($$(SELECT a.token FROM aliases a)$$, ARRAY['hostile']),
        ($$(SELECT p.alias FROM proxies p)$$, ARRAY['tap-hostile.png']),
        ($$(SELECT l.variant FROM variant_locks l)$$, ARRAY['big']),
        ($$(SELECT j.job FROM job_queue j)$$, ARRAY['{"hostile": true}']),
        ($$(SELECT d.job FROM dead_jobs d)$$, ARRAY['{"hostile": true}']),
        ($$(SELECT s.completed FROM queue_stats s)$$, ARRAY['1000'])
       ) x(call, expected);

CREATE TEMP TABLE probe_results AS
SELECT ord, pg_temp.run_one(path, call) AS got FROM probes;

-- ---------------------------------------------------------------------------
-- The calls under the hostile search paths
-- ---------------------------------------------------------------------------
DO $$ BEGIN PERFORM pg_temp.run_calls('public, pict_repo', 'public, pict_repo'); END $$;
DO $$ BEGIN PERFORM pg_temp.run_calls('public, pg_catalog, pict_repo', 'public, pg_catalog, pict_repo'); END $$;

-- ---------------------------------------------------------------------------
-- Remove the hostile objects (everything in public that is not pgTAP's),
-- then compare.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE hostile_counts AS
SELECT (SELECT count(*) FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'public'::pg_catalog.regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                           WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                             AND d.objid = p.oid AND d.deptype = 'e')) AS functions,
       (SELECT count(*) FROM pg_catalog.pg_operator o
         WHERE o.oprnamespace = 'public'::pg_catalog.regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                           WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
                             AND d.objid = o.oid AND d.deptype = 'e')) AS operators;

DO $$
DECLARE
    o record;
BEGIN
    FOR o IN SELECT c.oid::pg_catalog.regclass AS t FROM pg_catalog.pg_class c
              WHERE c.relnamespace = 'public'::pg_catalog.regnamespace AND c.relkind = 'r'
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                  AND d.objid = c.oid AND d.deptype = 'e') LOOP
        EXECUTE pg_catalog.format('DROP TABLE %s', o.t);
    END LOOP;
    -- Operators go with the functions behind them.
    FOR o IN SELECT p.oid::pg_catalog.regprocedure AS f, p.prokind FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'public'::pg_catalog.regnamespace AND p.prokind <> 'a'
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                  AND d.objid = p.oid AND d.deptype = 'e') LOOP
        EXECUTE pg_catalog.format('DROP FUNCTION %s CASCADE', o.f);
    END LOOP;
END
$$;

SET LOCAL search_path = public, pg_catalog;

SELECT plan(
    3 * (SELECT count(*) FROM pg_temp.calls)::int
    + (SELECT count(*) FROM pg_temp.probes)::int
    + 2
);

SELECT ok((SELECT functions >= 40 AND operators >= 12 FROM pg_temp.hostile_counts),
          'the hostile schema was built (' || (SELECT functions FROM pg_temp.hostile_counts)
          || ' functions and aggregates, ' || (SELECT operators FROM pg_temp.hostile_counts)
          || ' operators)');

SELECT is(r.got, p.expected,
          'reachable under ' || p.path || ': ' || p.call)
  FROM pg_temp.probes p JOIN pg_temp.probe_results r USING (ord)
 ORDER BY p.ord;

-- A call written on several lines is named on one.
SELECT is(r.got, c.expected, r.run || ': ' || regexp_replace(c.call, '\s+', ' ', 'g'))
  FROM pg_temp.calls c
  JOIN pg_temp.results r USING (ord)
 ORDER BY CASE r.run WHEN 'clean' THEN 1 WHEN 'public, pict_repo' THEN 2 ELSE 3 END, c.ord;

SELECT is_empty(
    $$SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p
      WHERE p.pronamespace = 'public'::pg_catalog.regnamespace
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
      UNION ALL
      SELECT o.oid::pg_catalog.regoperator::text FROM pg_catalog.pg_operator o
      WHERE o.oprnamespace = 'public'::pg_catalog.regnamespace
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
                          AND d.objid = o.oid AND d.deptype = 'e')$$,
    'the hostile objects are gone before the results are compared');

SELECT * FROM finish();
ROLLBACK;
