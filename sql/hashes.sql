-- Hashes: create, ingest, getters and setters, keyset pages and cleanup,
-- happy paths and errors side by side.  Every test file shares one database,
-- so this one uses its own hashes (\xa0.., \xb0.., \xc0.., \xf0..), compares
-- counts rather than absolute numbers, and removes what it created.
SET client_min_messages = warning;

CREATE TEMP TABLE base AS SELECT pict_repo.hash_count() AS n;

-- create_hash
SELECT pict_repo.create_hash('\xa001', 'orig/a1');
SELECT pict_repo.create_hash('\xa001', 'orig/other');                 -- exists: false
SELECT pict_repo.create_hash('\xa002', 'orig/a2', 'motion/a2', '2020-01-02 03:04:05+00');
SELECT pict_repo.create_hash('\xa002', 'orig/a1');                    -- hash taken first: false
SELECT pict_repo.create_hash(hash => '\xa003', identifier => 'orig/a3',
                             created_at => '2021-06-07 08:09:10+00'); -- named, no motion
SELECT hash, identifier, motion_identifier, blurhash, created_at
  FROM pict_repo.hashes WHERE hash IN ('\xa002', '\xa003') ORDER BY hash;
SELECT created_at > now() - interval '1 hour' AS defaults_to_now
  FROM pict_repo.hashes WHERE hash = '\xa001';
SELECT pict_repo.hash_count() - n AS new_hashes FROM base;

-- create_hash: conflicts on the file are errors, and change nothing
SELECT regress.error_of($$SELECT pict_repo.create_hash('\xa004', 'orig/a1')$$);
SELECT regress.error_of($$SELECT pict_repo.create_hash('\xa004', 'orig/a4', 'motion/a2')$$);
-- create_hash: bad arguments
SELECT regress.error_of($$SELECT pict_repo.create_hash(NULL, 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.create_hash('\x', 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.create_hash(decode(repeat('ab', 129), 'hex'), 'x')$$);
SELECT pict_repo.create_hash(decode(repeat('ab', 128), 'hex'), 'orig/128');  -- 128 bytes: fine
SELECT regress.error_of($$SELECT pict_repo.create_hash('\xa004', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.create_hash('\xa004', '')$$);
SELECT regress.error_of($$SELECT pict_repo.create_hash('\xa004', repeat('x', 4097))$$);
SELECT regress.error_of($$SELECT pict_repo.create_hash('\xa004', 'x', '')$$);
SELECT regress.error_of($$SELECT pict_repo.create_hash('\xa004', 'x', repeat('m', 4097))$$);
SELECT regress.error_of($$SELECT pict_repo.create_hash('\xa004', 'x', NULL, NULL)$$);
SELECT pict_repo.hash_identifier('\xa004');                            -- never created
SELECT pict_repo.hash_count() - n AS new_hashes FROM base;

-- hash_identifier, update_identifier
SELECT pict_repo.hash_identifier('\xa001');
SELECT pict_repo.hash_identifier('\xa0ff');                            -- unknown: NULL
SELECT pict_repo.update_identifier('\xa001', 'orig/a1-moved');
SELECT pict_repo.hash_identifier('\xa001');
SELECT pict_repo.update_identifier('\xa001', 'orig/a1-moved');         -- same again: true
SELECT pict_repo.update_identifier('\xa0ff', 'orig/nothing');          -- unknown: false
SELECT regress.error_of($$SELECT pict_repo.update_identifier('\xa001', 'orig/a2')$$);
SELECT pict_repo.hash_identifier('\xa001');                            -- unchanged
SELECT regress.error_of($$SELECT pict_repo.hash_identifier(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.hash_identifier('\x')$$);
SELECT regress.error_of($$SELECT pict_repo.update_identifier(NULL, 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.update_identifier('\xa001', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.update_identifier('\xa001', '')$$);
SELECT regress.error_of($$SELECT pict_repo.update_identifier('\xa001', repeat('x', 4097))$$);

-- motion identifiers
SELECT pict_repo.motion_identifier('\xa002');
SELECT pict_repo.motion_identifier('\xa001');                          -- none: NULL
SELECT pict_repo.motion_identifier('\xa0ff');                          -- unknown: NULL
SELECT pict_repo.relate_motion_identifier('\xa001', 'motion/a1');
SELECT pict_repo.motion_identifier('\xa001');
SELECT pict_repo.relate_motion_identifier('\xa001', 'motion/a1b');     -- replaces
SELECT pict_repo.motion_identifier('\xa001');
SELECT pict_repo.relate_motion_identifier('\xa0ff', 'motion/x');       -- unknown: false
SELECT regress.error_of($$SELECT pict_repo.relate_motion_identifier('\xa001', 'motion/a2')$$);
SELECT pict_repo.motion_identifier('\xa001');                          -- unchanged
SELECT regress.error_of($$SELECT pict_repo.relate_motion_identifier(NULL, 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_motion_identifier('\xa001', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.relate_motion_identifier('\xa001', '')$$);
SELECT regress.error_of($$SELECT pict_repo.motion_identifier(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.motion_identifier(decode(repeat('ab', 129), 'hex'))$$);

-- blurhash
SELECT pict_repo.blurhash('\xa001');                                   -- none: NULL
SELECT pict_repo.relate_blurhash('\xa001', 'LEHV6nWB2yk8pyo0adR*.7kCMdnj');
SELECT pict_repo.blurhash('\xa001');
SELECT pict_repo.relate_blurhash('\xa001', 'L00000fQfQfQfQfQfQfQfQfQfQfQ');  -- replaces
SELECT pict_repo.blurhash('\xa001');
SELECT pict_repo.relate_blurhash('\xa0ff', 'x');                        -- unknown: false
SELECT pict_repo.blurhash('\xa0ff');
SELECT regress.error_of($$SELECT pict_repo.relate_blurhash(NULL, 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_blurhash('\xa001', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.relate_blurhash('\xa001', '')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_blurhash('\xa001', repeat('b', 4097))$$);
SELECT regress.error_of($$SELECT pict_repo.blurhash(NULL)$$);
SELECT pict_repo.blurhash('\xa001');                                   -- unchanged

-- ingest: a new hash with a generated alias and token
CREATE TEMP TABLE counts AS
SELECT (SELECT count(*) FROM pict_repo.hashes) AS hashes,
       (SELECT count(*) FROM pict_repo.aliases) AS aliases,
       (SELECT count(*) FROM pict_repo.details) AS details;
CREATE TEMP TABLE ing AS
SELECT * FROM pict_repo.ingest('\xb001', 'files/b1', '{"width": 1}', 'png');
SELECT alias ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.png$' AS alias_is_uuid_png,
       token ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' AS token_is_uuid,
       stored_identifier, hash_created
  FROM ing;
SELECT a.hash, a.token = i.token AS token_stored
  FROM pict_repo.aliases a JOIN ing i USING (alias);
SELECT pict_repo.hash_identifier('\xb001'), pict_repo.details('files/b1');
-- the hash exists: kept with its identifier and details, a declared alias and token
SELECT * FROM pict_repo.ingest('\xb001', 'files/b1-again', '{"width": 2}', 'png',
                               'mine.png', 'my-token');
SELECT pict_repo.hash_identifier('\xb001'), pict_repo.details('files/b1'),
       pict_repo.details('files/b1-again');
SELECT alias, hash, token FROM pict_repo.aliases WHERE alias = 'mine.png';
-- the same file again (stored_identifier = identifier: nothing to delete)
SELECT alias ~ '\.webp$' AS generated, token <> '' AS has_token,
       stored_identifier, hash_created
  FROM pict_repo.ingest('\xb001', 'files/b1', '{}', 'webp');
-- a declared alias with a generated token, on a new hash
SELECT alias, token ~ '^[0-9a-f-]{36}$' AS token_generated, stored_identifier, hash_created
  FROM pict_repo.ingest('\xb002', 'files/b2', '{"width": 3}', 'GIF', 'declared.gif');
SELECT (SELECT count(*) FROM pict_repo.hashes) - hashes AS hashes,
       (SELECT count(*) FROM pict_repo.aliases) - aliases AS aliases,
       (SELECT count(*) FROM pict_repo.details) - details AS details
  FROM counts;
-- a taken declared alias: 23505 and nothing written, not even the new hash
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'files/b3', '{"width": 4}', 'png', 'mine.png')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb001', 'files/b1-x', '{}', 'png', 'declared.gif')$$);
SELECT pict_repo.hash_identifier('\xb003'), pict_repo.details('files/b3');
SELECT alias, hash, token = 'my-token' AS declared_token
  FROM pict_repo.aliases WHERE alias IN ('mine.png', 'declared.gif') ORDER BY alias;
-- an identifier that belongs to another hash: 23505, nothing written
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'files/b1', '{}', 'png')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb001', 'files/b2', '{}', 'png')$$);
-- bad arguments
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest(NULL, 'f', '{}', 'png')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\x', 'f', '{}', 'png')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', NULL, '{}', 'png')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', '', '{}', 'png')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', repeat('f', 4097), '{}', 'png')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', NULL, 'png')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', '{}', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', '{}', '')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', '{}', 'abcdefghijklmnopq')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', '{}', '.png')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', '{}', 'p/ng')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', '{}', 'pñg')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', '{}', 'png', '')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', '{}', 'png', repeat('a', 257))$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', '{}', 'png', 'a.png', '')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xb003', 'f', '{}', 'png', 'a.png', repeat('t', 257))$$);
SELECT (SELECT count(*) FROM pict_repo.hashes) - hashes AS hashes,      -- errors wrote nothing
       (SELECT count(*) FROM pict_repo.aliases) - aliases AS aliases,
       (SELECT count(*) FROM pict_repo.details) - details AS details
  FROM counts;

-- hash_page: 300 hashes that share one created_at, between newer and older
-- ones, all in the future so that they come before any other test's rows
INSERT INTO pict_repo.hashes (hash, identifier, created_at)
SELECT '\xc0'::bytea || int4send(i), 'page/' || i, '2999-01-01 00:00:00+00'
  FROM generate_series(1, 300) i;
INSERT INTO pict_repo.hashes (hash, identifier, created_at)
SELECT '\xc1'::bytea || int4send(i), 'page/newer/' || i, '2999-01-01 00:00:00+00'::timestamptz + i * interval '1 second'
  FROM generate_series(1, 5) i;
INSERT INTO pict_repo.hashes (hash, identifier, created_at)
SELECT '\xc2'::bytea || int4send(i), 'page/older/' || i, '2998-12-31 00:00:00+00'
  FROM generate_series(1, 5) i;
ANALYZE pict_repo.hashes;
-- the first page: the newest first, ties broken by the hash, descending
SELECT * FROM pict_repo.hash_page(7);
-- the next page starts strictly after the last row of this one
SELECT * FROM pict_repo.hash_page(3, '2999-01-01 00:00:00+00', '\xc00000012c');
-- walk every hash in pages of 7 and compare with the table, in order
CREATE FUNCTION pg_temp.walk(lim int) RETURNS TABLE(n bigint, hash bytea, created_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    last_created timestamptz;
    last_hash bytea;
    got int;
    r record;
BEGIN
    n := 0;
    LOOP
        got := 0;
        FOR r IN SELECT * FROM pict_repo.hash_page(lim, last_created, last_hash) LOOP
            n := n + 1;
            got := got + 1;
            hash := r.hash;
            created_at := r.created_at;
            last_hash := r.hash;
            last_created := r.created_at;
            RETURN NEXT;
        END LOOP;
        EXIT WHEN got < lim;
    END LOOP;
END
$$;
CREATE TEMP TABLE walked AS SELECT * FROM pg_temp.walk(7);
SELECT (SELECT count(*) FROM walked) = (SELECT count(*) FROM pict_repo.hashes) AS all_rows,
       (SELECT count(DISTINCT hash) FROM walked) = (SELECT count(*) FROM walked) AS no_repeats,
       NOT EXISTS (SELECT FROM pict_repo.hashes h WHERE NOT EXISTS
                    (SELECT FROM walked w WHERE w.hash = h.hash)) AS none_skipped,
       NOT EXISTS (SELECT FROM walked w
                     JOIN (SELECT hash, row_number() OVER (ORDER BY created_at DESC, hash DESC) AS n
                             FROM pict_repo.hashes) t USING (hash)
                    WHERE w.n <> t.n) AS in_order;
-- a page size that divides the count exactly still ends (with an empty page)
SELECT count(*) = (SELECT count(*) FROM pict_repo.hashes) AS all_rows
  FROM pg_temp.walk((SELECT count(*)::int FROM pict_repo.hashes));
-- the key row of a page may be deleted before the next page is asked for
SELECT * FROM pict_repo.hash_page(3, '2999-01-01 00:00:00+00', '\xc000000100');
DELETE FROM pict_repo.hashes WHERE hash = '\xc000000100';
SELECT * FROM pict_repo.hash_page(3, '2999-01-01 00:00:00+00', '\xc000000100');
SELECT * FROM pict_repo.hash_page(3, '2999-01-01 00:00:00+00', '\xc000000101');
-- a key between existing rows (never stored) works the same
SELECT * FROM pict_repo.hash_page(2, '2999-01-01 00:00:00.5+00', '\x00');
-- hash_page_by_date: the newest rows older than a date
SELECT * FROM pict_repo.hash_page_by_date('2999-01-01 00:00:00+00', 3);
SELECT * FROM pict_repo.hash_page_by_date('2999-01-01 00:00:01+00', 2);
SELECT count(*) FROM pict_repo.hash_page_by_date('2999-01-01 00:00:01+00'); -- default lim 100
SELECT count(*) FROM pict_repo.hash_page();                                -- default lim 100
-- the pages walk the (created_at, hash) index backwards and stop after lim
-- rows: the plans of the functions' queries under the settings that the
-- functions use while planning them (PlanOrderedScan in hashes.c)
BEGIN;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SET LOCAL enable_sort = off;
EXPLAIN (COSTS OFF) SELECT hash, created_at FROM pict_repo.hashes
 WHERE (created_at, hash) < ('2999-01-01 00:00:00+00', '\xc000000100')
 ORDER BY created_at DESC, hash DESC LIMIT 7;
EXPLAIN (COSTS OFF) SELECT hash, created_at FROM pict_repo.hashes
 WHERE created_at < '2999-01-01 00:00:00+00'
 ORDER BY created_at DESC, hash DESC LIMIT 7;
EXPLAIN (COSTS OFF) SELECT hash, created_at FROM pict_repo.hashes
 ORDER BY created_at DESC, hash DESC LIMIT 7;
COMMIT;
-- and the functions themselves: no sequential scan, and only about lim index
-- entries read per page although some 300 rows come before each key
-- (statistics are not flushed inside a transaction block, so the
-- differences are exact); the caller's settings are left as they were
BEGIN;
CREATE TEMP TABLE scans AS
SELECT pg_stat_get_xact_numscans('pict_repo.hashes_created_at_hash_idx'::regclass) AS index_scans,
       pg_stat_get_xact_tuples_returned('pict_repo.hashes_created_at_hash_idx'::regclass) AS index_entries,
       pg_stat_get_xact_numscans('pict_repo.hashes'::regclass) AS seq_scans;
SELECT count(*) FROM pict_repo.hash_page(7, '2999-01-01 00:00:00+00', '\xc000000100');
SELECT count(*) FROM pict_repo.hash_page_by_date('2999-01-01 00:00:01+00', 7);
SELECT count(*) FROM pict_repo.hash_page(7);
SELECT pg_stat_get_xact_numscans('pict_repo.hashes_created_at_hash_idx'::regclass) - index_scans >= 3 AS index_scans,
       pg_stat_get_xact_tuples_returned('pict_repo.hashes_created_at_hash_idx'::regclass) - index_entries < 60 AS few_entries_read,
       pg_stat_get_xact_numscans('pict_repo.hashes'::regclass) - seq_scans AS seq_scans
  FROM scans;
COMMIT;
SHOW enable_seqscan;
-- hash_page: errors
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page(NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page(0)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page(10001)$$);
SELECT count(*) = (SELECT count(*) FROM pict_repo.hashes) AS all_rows
  FROM pict_repo.hash_page(10000);                                         -- the maximum
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page(5, now(), NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page(5, NULL, '\xc0')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page(5, now(), '\x')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_by_date(NULL, 5)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_by_date(now(), NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_by_date(now(), 0)$$);
DELETE FROM pict_repo.hashes WHERE created_at >= '2998-12-31 00:00:00+00';

-- cleanup_hash: a hash with a motion file, variants, details and a lock
SELECT pict_repo.create_hash('\xf001', 'orig/f1', 'motion/f1');
SELECT pict_repo.relate_variant('\xf001', 'thumb', 'var/f1-thumb');
SELECT pict_repo.relate_variant('\xf001', 'avatar', 'var/f1-avatar');
SELECT pict_repo.relate_details(i, '{"width": 1}')
  FROM unnest(ARRAY['orig/f1', 'motion/f1', 'var/f1-thumb', 'var/f1-avatar', 'orig/keep']) i;
SELECT pict_repo.claim_variant_processing('\xf001', 'big');
SELECT * FROM pict_repo.cleanup_hash('\xf001');       -- original, motion, variants by name
SELECT (SELECT count(*) FROM pict_repo.hashes WHERE hash = '\xf001') AS hashes,
       (SELECT count(*) FROM pict_repo.variants WHERE hash = '\xf001') AS variants,
       (SELECT count(*) FROM pict_repo.variant_locks WHERE hash = '\xf001') AS locks,
       (SELECT array_agg(identifier ORDER BY identifier) FROM pict_repo.details
         WHERE identifier IN ('orig/f1', 'motion/f1', 'var/f1-thumb', 'var/f1-avatar', 'orig/keep')) AS details_left;
SELECT * FROM pict_repo.cleanup_hash('\xf001');       -- gone: no rows
SELECT * FROM pict_repo.cleanup_hash('\xf0ff');       -- unknown: no rows
-- a hash that aliases still point at: 55006 and nothing changes, unless force
SELECT pict_repo.create_hash('\xf002', 'orig/f2');
SELECT pict_repo.relate_variant('\xf002', 'thumb', 'var/f2-thumb');
INSERT INTO pict_repo.aliases (alias, hash, token)
VALUES ('f2-a.png', '\xf002', 't1'), ('f2-b.png', '\xf002', 't2');
INSERT INTO pict_repo.proxies (url, alias) VALUES ('https://example.com/f2.png', 'f2-a.png');
SELECT regress.error_of($$SELECT * FROM pict_repo.cleanup_hash('\xf002')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.cleanup_hash('\xf002', false)$$);
SELECT pict_repo.hash_identifier('\xf002'), pict_repo.variant_identifier('\xf002', 'thumb'),
       (SELECT count(*) FROM pict_repo.aliases WHERE hash = '\xf002') AS aliases,
       (SELECT count(*) FROM pict_repo.proxies WHERE alias = 'f2-a.png') AS proxies;
SELECT * FROM pict_repo.cleanup_hash('\xf002', force => true);
SELECT (SELECT count(*) FROM pict_repo.hashes WHERE hash = '\xf002') AS hashes,
       (SELECT count(*) FROM pict_repo.variants WHERE hash = '\xf002') AS variants,
       (SELECT count(*) FROM pict_repo.aliases WHERE hash = '\xf002') AS aliases,
       (SELECT count(*) FROM pict_repo.proxies WHERE alias = 'f2-a.png') AS proxies;
-- force on a hash without aliases is a plain cleanup
SELECT pict_repo.create_hash('\xf003', 'orig/f3');
SELECT * FROM pict_repo.cleanup_hash('\xf003', true);
-- cleanup_hash: errors
SELECT regress.error_of($$SELECT * FROM pict_repo.cleanup_hash(NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.cleanup_hash('\x')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.cleanup_hash('\xa001', NULL)$$);
SELECT pict_repo.hash_identifier('\xa001');                          -- still there

-- leave the database as it was
SELECT count(*) > 0 AS cleaned FROM (
  SELECT pict_repo.cleanup_hash(hash, true) FROM pict_repo.hashes
   WHERE hash IN ('\xa001', '\xa002', '\xa003', '\xb001', '\xb002')
      OR hash = decode(repeat('ab', 128), 'hex')) c;
SELECT pict_repo.cleanup_details('orig/keep');
SELECT pict_repo.hash_count() - n AS new_hashes FROM base;
