-- The file service: per-upload metadata (owner, tags, access, size), the
-- copies of the original's details on the alias, media_info, media_exists,
-- set_owner, add_tags, remove_tags, set_access, rename_alias, list_media,
-- usage_report.  Happy paths and errors side by side; after every scenario
-- the usage totals are compared with a GROUP BY of the aliases.
\set VERBOSITY default
SET client_min_messages = warning;
-- A fresh repository: list_media and the totals see only this file's rows.
DROP EXTENSION pict_repo;
CREATE EXTENSION pict_repo;

-- The totals (summed over the shards) equal a GROUP BY of the aliases: per
-- owner, and '' for every upload.
CREATE FUNCTION regress.totals_exact() RETURNS boolean
LANGUAGE sql AS $$
    SELECT coalesce((SELECT jsonb_object_agg(owner, ARRAY[uploads, bytes])
                       FROM (SELECT owner, sum(uploads)::bigint AS uploads, sum(bytes)::bigint AS bytes
                               FROM pict_repo.usage_totals GROUP BY owner
                             HAVING sum(uploads) <> 0 OR sum(bytes) <> 0) t), '{}')
         = coalesce((SELECT jsonb_object_agg(owner, ARRAY[uploads, bytes])
                       FROM (SELECT v.owner, count(*) AS uploads, coalesce(sum(a.bytes), 0) AS bytes
                               FROM pict_repo.aliases a, LATERAL (VALUES (''), (a.owner)) v(owner)
                              WHERE v.owner IS NOT NULL GROUP BY v.owner) t), '{}')
$$;
-- alias_tags holds exactly the tags of the aliases, one row each, with
-- the alias's content_type.
CREATE FUNCTION regress.tags_exact() RETURNS boolean
LANGUAGE sql AS $$
    SELECT NOT EXISTS (SELECT tag, created_at, alias, content_type FROM pict_repo.alias_tags
                       EXCEPT ALL
                       SELECT t, created_at, alias, content_type
                         FROM pict_repo.aliases, unnest(tags) t)
       AND NOT EXISTS (SELECT t, created_at, alias, content_type
                         FROM pict_repo.aliases, unnest(tags) t
                       EXCEPT ALL
                       SELECT tag, created_at, alias, content_type FROM pict_repo.alias_tags)
$$;
-- Every page of a filter, lim rows each, through the cursor.
CREATE FUNCTION regress.walk(f jsonb, lim int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    c text := NULL;
    r record;
    n int;
    got text[] := '{}';
BEGIN
    LOOP
        n := 0;
        FOR r IN SELECT alias, cursor FROM pict_repo.list_media(f, lim, c) LOOP
            got := got || r.alias;
            c := r.cursor;
            n := n + 1;
        END LOOP;
        EXIT WHEN n < lim;
    END LOOP;
    RETURN NULLIF(array_to_string(got, ' '), '');
END
$$;
-- One upload as media_info shows it, without the time.
CREATE FUNCTION regress.info(a text) RETURNS text
LANGUAGE sql AS $$
    SELECT format('%s %s owner=%s tags=%s %s type=%s %sx%s bytes=%s file=%s variants=%s',
                  alias, hash, owner, tags, access, content_type, width, height, bytes,
                  identifier, variants)
      FROM pict_repo.media_info(a)
$$;

-- ---- ingest with metadata -------------------------------------------------
SELECT alias, token, hash_created FROM pict_repo.ingest('\xe1', 'media/e1.png',
    '{"width": 640, "height": 480, "frames": 1, "content_type": "Image/PNG; q=1"}', 'png',
    'e1.png', 'tok-e1', 'alice', '{dog,cat,cat}', 'private', 1234);
SELECT regress.info('e1.png');
-- the defaults: no owner, no tags, public, the size from the details
SELECT alias FROM pict_repo.ingest('\xe2', 'media/e2.gif',
    '{"width": 100, "height": 80, "frames": 12, "format": "gif", "bytes": 555}', 'gif', 'e2.gif');
SELECT regress.info('e2.gif');
-- NULL means the default too
SELECT alias FROM pict_repo.ingest('\xe3', 'media/e3.mp4', '{"format": "mp4", "width": 1920.0}',
    'mp4', 'e3.mp4', NULL, NULL, NULL, NULL, NULL);
SELECT regress.info('e3.mp4');
-- a second upload of a hash takes the copies from the stored details
SELECT alias, stored_identifier, hash_created FROM pict_repo.ingest('\xe1', 'media/e1-again.png',
    '{"width": 1}', 'png', 'e1-bob.png', NULL, 'bob', '{sunset}');
SELECT regress.info('e1-bob.png');
SELECT regress.totals_exact();
-- details that are not what they should be give NULL copies, never an error
SELECT alias FROM pict_repo.ingest('\xe4', 'media/e4', '{"width": "640", "height": -1,
    "frames": 1.5, "bytes": 99999999999999999999, "content_type": "png"}', 'bin', 'e4.bin');
SELECT regress.info('e4.bin');
SELECT alias FROM pict_repo.ingest('\xe5', 'media/e5', '[1, 2]', 'bin', 'e5.bin');
SELECT regress.info('e5.bin');
SELECT alias FROM pict_repo.ingest('\xe6', 'media/e6', '{"format": "JPG", "width": 2147483647,
    "height": 2147483648}', 'jpg', 'e6.jpg');
SELECT regress.info('e6.jpg');
SELECT alias FROM pict_repo.ingest('\xe7', 'media/e7', '{"content_type": "image/png/x"}', 'png', 'e7.png');
SELECT regress.info('e7.png');
-- the limits: 64 tags of 64 characters, an owner of 256
SELECT alias FROM pict_repo.ingest('\xe8', 'media/e8', '{}', 'png', 'e8.png', NULL, repeat('o', 256),
    ARRAY(SELECT repeat('t', 63) || chr(64 + i) FROM generate_series(1, 64) i));
SELECT cardinality(tags), length(owner) FROM pict_repo.media_info('e8.png');
-- bad metadata: 22023 naming the argument, nothing written (not even the hash)
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xef', 'media/ef', '{}', 'png', 'ef.png', NULL, '')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xef', 'media/ef', '{}', 'png', 'ef.png', NULL, repeat('o', 257))$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xef', 'media/ef', '{}', 'png', 'ef.png', NULL, 'o', '{a,NULL}')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xef', 'media/ef', '{}', 'png', 'ef.png', NULL, 'o', '{""}')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xef', 'media/ef', '{}', 'png', 'ef.png', NULL, 'o', ARRAY[repeat('t', 65)])$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xef', 'media/ef', '{}', 'png', 'ef.png', NULL, 'o',
    ARRAY(SELECT 't' || i FROM generate_series(1, 65) i))$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xef', 'media/ef', '{}', 'png', 'ef.png', NULL, 'o', '{{a},{b}}')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xef', 'media/ef', '{}', 'png', 'ef.png', NULL, 'o', '{}', 'secret')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xef', 'media/ef', '{}', 'png', 'ef.png', NULL, 'o', '{}', 'PUBLIC')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.ingest('\xef', 'media/ef', '{}', 'png', 'ef.png', NULL, 'o', '{}', 'public', -1)$$);
SELECT pict_repo.hash_identifier('\xef') IS NULL AS nothing_written, pict_repo.media_exists('ef.png');
SELECT regress.totals_exact();

-- ---- create_alias_with_token: copies, no metadata -----------------------------
SELECT pict_repo.create_alias_with_token('e2-b.gif', '\xe2', 'tok');
SELECT regress.info('e2-b.gif');
SELECT pict_repo.create_alias_with_token('e2-b.gif', '\xe2', 'tok') IS NULL AS taken;
SELECT regress.totals_exact();

-- ---- media_info and media_exists ---------------------------------------------
SELECT pict_repo.relate_variant('\xe1', 'thumb', 'media/e1-thumb.webp');
SELECT regress.info('e1.png');
SELECT count(*) FROM pict_repo.media_info('nope.png');          -- unknown: no row
SELECT pict_repo.media_exists('e1.png'), pict_repo.media_exists('nope.png');
SELECT regress.error_of($$SELECT * FROM pict_repo.media_info(NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.media_info('')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.media_info(repeat('a', 257))$$);
SELECT regress.error_of($$SELECT pict_repo.media_exists(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.media_exists(repeat('a', 257))$$);

-- ---- set_owner ----------------------------------------------------------------
SELECT pict_repo.set_owner('e2.gif', 'carol');
SELECT * FROM pict_repo.usage_report('carol');
SELECT pict_repo.set_owner('e2.gif', 'alice');                 -- moves upload and bytes
SELECT * FROM pict_repo.usage_report('carol');
SELECT * FROM pict_repo.usage_report('alice');
SELECT pict_repo.set_owner('e2.gif', 'alice');                 -- the same owner: still true
SELECT pict_repo.set_owner('e2.gif');                          -- no owner
SELECT pict_repo.set_owner('e2.gif', NULL);
SELECT owner IS NULL AS no_owner FROM pict_repo.media_info('e2.gif');
SELECT pict_repo.set_owner('nope.png', 'alice');               -- unknown: false
SELECT regress.error_of($$SELECT pict_repo.set_owner(NULL, 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.set_owner('e2.gif', '')$$);
SELECT regress.error_of($$SELECT pict_repo.set_owner('e2.gif', repeat('o', 257))$$);
SELECT regress.totals_exact();

-- ---- add_tags and remove_tags -------------------------------------------------
SELECT pict_repo.add_tags('e1.png', '{zebra,ant,cat,Cat}');   -- sorted (bytes), no duplicates
SELECT pict_repo.add_tags('e1.png', '{}');                    -- no change
SELECT pict_repo.remove_tags('e1.png', '{cat,nothere}');
SELECT pict_repo.remove_tags('e1.png', '{ant,Cat,dog,zebra}');
SELECT pict_repo.add_tags('nope.png', '{x}') IS NULL AS unknown,
       pict_repo.remove_tags('nope.png', '{x}') IS NULL AS unknown;
SELECT pict_repo.add_tags('e1.png', ARRAY['é', 'e', 'z']);
-- at most 64 on one upload: e8.png has 64
SELECT regress.error_of($$SELECT pict_repo.add_tags('e8.png', '{one-more}')$$);
SELECT cardinality(tags) FROM pict_repo.media_info('e8.png');
SELECT cardinality(pict_repo.add_tags('e8.png', ARRAY[repeat('t', 63) || 'A']));  -- already there
SELECT regress.error_of($$SELECT pict_repo.add_tags('e1.png', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.add_tags(NULL, '{x}')$$);
SELECT regress.error_of($$SELECT pict_repo.add_tags('e1.png', '{NULL}')$$);
SELECT regress.error_of($$SELECT pict_repo.add_tags('e1.png', ARRAY[repeat('x', 65)])$$);
SELECT regress.error_of($$SELECT pict_repo.remove_tags('e1.png', '{""}')$$);
SELECT regress.error_of($$SELECT pict_repo.remove_tags('e1.png', NULL)$$);
SELECT regress.tags_exact();

-- ---- set_access -----------------------------------------------------------------
SELECT pict_repo.set_access('{e1.png,e2.gif,e3.mp4,nope.png}', 'private');   -- e1 is private already
SELECT pict_repo.set_access('{e1.png,e2.gif,e3.mp4}', 'private');            -- nothing changes
SELECT pict_repo.set_access('{e2.gif,e3.mp4,e2.gif}', 'public');
SELECT pict_repo.set_access('{}', 'public');
SELECT alias, access FROM pict_repo.aliases WHERE alias IN ('e1.png', 'e2.gif', 'e3.mp4') ORDER BY alias;
SELECT regress.error_of($$SELECT pict_repo.set_access('{e1.png}', 'secret')$$);
SELECT regress.error_of($$SELECT pict_repo.set_access('{e1.png}', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.set_access(NULL, 'public')$$);
SELECT regress.error_of($$SELECT pict_repo.set_access('{e1.png,NULL}', 'public')$$);
SELECT regress.error_of($$SELECT pict_repo.set_access(ARRAY[''], 'public')$$);
SELECT regress.error_of($$SELECT pict_repo.set_access(ARRAY(SELECT 'a' || i FROM generate_series(1, 10001) i), 'public')$$);
SELECT access FROM pict_repo.media_info('e1.png');             -- errors changed nothing

-- ---- the copies follow the original's details ------------------------------------
SELECT pict_repo.relate_details('media/e1.png', '{"width": 10, "height": 20, "bytes": 99, "format": "webp"}');
SELECT regress.info('e1.png'), regress.info('e1-bob.png');    -- e1.png keeps the size it was given
-- alias_tags has the new type of e1.png's tags
SELECT tag, content_type FROM pict_repo.alias_tags WHERE alias = 'e1.png' ORDER BY tag;
SELECT regress.totals_exact(), regress.tags_exact();
SELECT pict_repo.relate_details('media/e1-thumb.webp', '{"width": 1}');   -- a variant's: no change
SELECT regress.info('e1-bob.png');
SELECT pict_repo.cleanup_details('media/e1.png');
SELECT regress.info('e1-bob.png');
SELECT regress.totals_exact(), regress.tags_exact();
SELECT pict_repo.relate_details('media/e1-other.png', '{"width": 7, "bytes": 7}');
SELECT pict_repo.update_identifier('\xe1', 'media/e1-other.png');
SELECT regress.info('e1-bob.png');
SELECT regress.totals_exact(), regress.tags_exact();
SELECT pict_repo.migrate_identifier('media/e1-other.png', 'store2/e1.png');
SELECT regress.info('e1-bob.png');
SELECT pict_repo.relate_details('store2/e1.png', '{"width": 8, "bytes": 8}');
SELECT regress.info('e1-bob.png');
SELECT regress.totals_exact(), regress.tags_exact();

-- ---- rename_alias -------------------------------------------------------------------
SELECT pict_repo.relate_url('https://example.com/e1', 'e1.png');
SELECT pict_repo.touch_alias('e1.png', '2026-02-03 04:05:06+00');
SELECT created_at AS e1_created FROM pict_repo.media_info('e1.png') \gset
SELECT regress.error_of($$SELECT pict_repo.rename_alias('e1.png', 'e1-renamed.png', 'wrong')$$);
SELECT pict_repo.media_exists('e1.png') AS still_there;
SELECT pict_repo.rename_alias('e1.png', 'e2.gif', 'tok-e1');            -- taken: false
SELECT pict_repo.rename_alias('nope.png', 'x.png', 'tok') IS NULL AS unknown;
SELECT pict_repo.rename_alias('e1.png', 'e1-renamed.png', 'tok-e1');
SELECT pict_repo.media_exists('e1.png') AS old_exists, regress.info('e1-renamed.png');
SELECT created_at = :'e1_created' AS same_created_at FROM pict_repo.media_info('e1-renamed.png');
SELECT pict_repo.related('https://example.com/e1'), pict_repo.alias_accessed_at('e1-renamed.png');
SELECT regress.totals_exact();
SELECT regress.error_of($$SELECT pict_repo.rename_alias('e1-renamed.png', 'e1-renamed.png', 'tok-e1')$$);
SELECT regress.error_of($$SELECT pict_repo.rename_alias(NULL, 'x', 'tok')$$);
SELECT regress.error_of($$SELECT pict_repo.rename_alias('e1-renamed.png', '', 'tok')$$);
SELECT regress.error_of($$SELECT pict_repo.rename_alias('e1-renamed.png', repeat('x', 257), 'tok')$$);
SELECT regress.error_of($$SELECT pict_repo.rename_alias('e1-renamed.png', 'x', NULL)$$);
SELECT regress.tags_exact();
-- the token goes with it
SELECT orphaned FROM pict_repo.delete_alias('e1-renamed.png', 'tok-e1');
SELECT regress.totals_exact(), regress.tags_exact();

-- ---- usage_report -------------------------------------------------------------------
SELECT * FROM pict_repo.usage_report();
SELECT * FROM pict_repo.usage_report(NULL);
SELECT * FROM pict_repo.usage_report('bob');
SELECT * FROM pict_repo.usage_report('nobody');                 -- one row of zeros
SELECT regress.error_of($$SELECT * FROM pict_repo.usage_report('')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.usage_report(repeat('o', 257))$$);

-- ---- list_media ---------------------------------------------------------------------
-- A fresh set: 12 uploads in one transaction share one created_at, so the
-- pages are told apart by the alias alone.
SELECT count(*) FROM (SELECT pict_repo.cleanup_hash(hash, true) FROM pict_repo.hashes) c;
BEGIN;
SELECT count(*) FROM generate_series(1, 12) i, LATERAL pict_repo.ingest('\xd0' || set_byte('\x00', 0, i), 'list/' || i,
    jsonb_build_object('width', i * 100, 'height', i * 50, 'frames', CASE WHEN i % 4 = 0 THEN 8 ELSE 1 END,
                       'content_type', CASE WHEN i % 3 = 0 THEN 'video/mp4' WHEN i % 3 = 1 THEN 'image/png'
                                            ELSE 'image/webp' END,
                       'bytes', i * 1000),
    'png', format('l%s.png', lpad(i::text, 2, '0')), NULL,
    CASE WHEN i % 2 = 0 THEN 'alice' ELSE 'bob' END,
    CASE WHEN i % 5 = 0 THEN '{cat,dog}'::text[] WHEN i % 5 = 1 THEN '{cat}' ELSE '{}' END,
    CASE WHEN i > 9 THEN 'private' ELSE 'public' END);
COMMIT;
SELECT regress.totals_exact(), regress.tags_exact();
-- every row once, newest first, by pages of 5 through the cursor
CREATE TEMP TABLE walk (page int, alias text, cursor text);
DO $$
DECLARE
    c text := NULL;
    p int := 0;
    n int;
BEGIN
    LOOP
        p := p + 1;
        INSERT INTO walk SELECT p, alias, cursor FROM pict_repo.list_media('{}', 5, c);
        GET DIAGNOSTICS n = ROW_COUNT;
        EXIT WHEN n < 5;
        SELECT cursor INTO c FROM walk WHERE page = p ORDER BY alias LIMIT 1;
    END LOOP;
END
$$;
SELECT page, string_agg(alias, ' ' ORDER BY alias DESC) FROM walk GROUP BY page ORDER BY page;
-- the cursor of a deleted row still works
SELECT cursor AS c5 FROM walk WHERE alias = 'l08.png' \gset
SELECT count(*) FROM pict_repo.cleanup_alias('l08.png');
SELECT regress.tags_exact();
SELECT string_agg(alias, ' ') FROM pict_repo.list_media('{}', 3, :'c5');
-- each key
SELECT f, (SELECT string_agg(alias, ' ') FROM pict_repo.list_media(f::jsonb, 100)) AS aliases
  FROM unnest(ARRAY[
    '{"owner": "alice"}', '{"owner": "nobody"}', '{"access": "private"}', '{"access": "public"}',
    '{"content_type": "image/png"}', '{"content_type": "IMAGE/"}', '{"content_type": "video/"}',
    '{"content_type": "audio/"}', '{"tags_all": ["cat"]}', '{"tags_all": ["cat", "dog"]}',
    '{"tags_any": ["dog", "bird"]}', '{"tags_any": ["bird"]}', '{"min_width": 1000}',
    '{"max_width": 300}', '{"min_height": 500, "max_height": 550}', '{"min_bytes": 11000}',
    '{"max_bytes": 2000}', '{"animated": true}', '{"animated": false}',
    '{"owner": "alice", "content_type": "image/"}', '{"owner": "bob", "tags_all": ["cat"]}',
    '{"tags_any": ["cat"], "content_type": "video/mp4"}', '{"access": "private", "min_width": 1100}',
    '{"created_after": "2000-01-01T00:00:00Z"}', '{"created_before": "2000-01-01T00:00:00Z"}',
    '{"created_after": "2000-01-01", "created_before": "2999-01-01", "owner": "bob", "max_width": 500}']) f;
-- the cursor pages a filter too
SELECT string_agg(alias, ' ') FROM pict_repo.list_media('{"owner": "bob"}', 2);
SELECT cursor AS cb FROM pict_repo.list_media('{"owner": "bob"}', 2) ORDER BY alias LIMIT 1 \gset
SELECT string_agg(alias, ' ') FROM pict_repo.list_media('{"owner": "bob"}', 2, :'cb');
-- the walks of alias_tags page one row at a time; an upload with several
-- of the tags of tags_any comes once
SELECT f, regress.walk(f::jsonb, 1) AS pages,
       regress.walk(f::jsonb, 1) IS NOT DISTINCT FROM
       (SELECT string_agg(alias, ' ') FROM pict_repo.list_media(f::jsonb, 100)) AS same
  FROM unnest(ARRAY[
    '{"tags_all": ["cat"]}', '{"tags_all": ["dog", "cat"]}', '{"tags_all": ["cat", "dog", "cat"]}',
    '{"tags_any": ["dog", "cat"]}', '{"tags_any": ["cat", "dog", "cat"], "owner": "alice"}',
    '{"tags_any": ["bird", "dog"], "tags_all": ["cat"]}', '{"tags_all": ["cat", "bird"]}',
    '{"tags_all": ["cat"], "owner": "bob"}', '{"tags_any": ["dog", "cat"], "owner": "alice"}']) f;
-- NULL arguments mean the defaults
SELECT count(*) FROM pict_repo.list_media(NULL, NULL, NULL);
-- bad filters: 22023 naming the key
SELECT regress.error_of(format('SELECT * FROM pict_repo.list_media(%L)', f))
  FROM unnest(ARRAY[
    '[]', '"owner"', '{"colour": "red"}', '{"owner": 1}', '{"owner": ""}', '{"owner": null}',
    '{"access": "secret"}', '{"content_type": "png"}', '{"content_type": "image/png/"}',
    '{"content_type": "/png"}', '{"content_type": 5}', '{"tags_all": "cat"}', '{"tags_all": []}',
    '{"tags_any": [1]}', '{"tags_any": [""]}', '{"tags_all": [["cat"]]}',
    '{"min_width": -1}', '{"min_width": 1.5}', '{"max_width": "10"}', '{"min_height": 2147483648}',
    '{"max_bytes": 9223372036854775808}', '{"created_after": "yesterday-ish"}',
    '{"created_before": 20260101}', '{"animated": "yes"}', '{"min_width": 10, "max_width": 9}',
    '{"min_height": 10, "max_height": 9}', '{"min_bytes": 10, "max_bytes": 9}',
    '{"created_after": "2026-01-01", "created_before": "2026-01-01"}']) f;
SELECT regress.error_of($$SELECT * FROM pict_repo.list_media('{}', 0)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.list_media('{}', 10001)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.list_media('{}', 10, 'not a cursor!')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.list_media('{}', 10, 'AgAAAAAAAAAAeA==')$$);   -- version 2
SELECT regress.error_of($$SELECT * FROM pict_repo.list_media('{}', 10, 'AQAAAAAAAAAA')$$);       -- no alias
SELECT regress.error_of($$SELECT * FROM pict_repo.list_media('{}', 10, '')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.list_media('{"owner": 1}', 10)$$) =
       regress.error_of($$SELECT pict_repo.list_media_explain('{"owner": 1}', 10)$$) AS explain_checks_the_same;
-- list_media_explain: the plan as EXPLAIN (FORMAT JSON) gives it
SELECT jsonb_typeof(pict_repo.list_media_explain()), 
       pict_repo.list_media_explain('{"owner": "alice"}', 10) -> 0 -> 'Plan' ->> 'Node Type' AS top;
SELECT regress.totals_exact();

-- ---- what import_pictrs brings in gets its copies and is counted ---------------------
SELECT pict_repo.create_hash('\xd0ff', 'imp/orig.png');
SELECT ord, outcome FROM pict_repo.import_pictrs('alias',
    '[{"a": "imported.png", "h": "d0ff", "t": "tok-imp"}, {"a": "l03.png", "h": "d003", "t": "x"}]');
SELECT regress.info('imported.png');
SELECT regress.totals_exact();
SELECT ord, outcome FROM pict_repo.import_pictrs('details',
    '[{"i": "imp/orig.png", "d": {"width": 5, "height": 6, "content_type": "image/gif", "bytes": 77}}]');
SELECT regress.info('imported.png');
SELECT regress.totals_exact();
SELECT count(*) FROM pict_repo.import_pictrs('alias', '[{"a": "imported.png", "h": "d0ff", "t": "tok-imp"}]');
SELECT regress.totals_exact();   -- an alias already there is not counted again
SELECT regress.tags_exact();

-- ---- removing uploads keeps the totals -----------------------------------------------
SELECT count(*) FROM pict_repo.delete_alias('l01.png', pict_repo.alias_token('l01.png'));
SELECT count(*) FROM pict_repo.cleanup_hash('\xd002', true);
SELECT regress.totals_exact(), regress.tags_exact();
SELECT * FROM pict_repo.usage_report();
SELECT count(*) FROM (SELECT pict_repo.cleanup_hash(hash, true) FROM pict_repo.hashes) c;
SELECT * FROM pict_repo.usage_report();
SELECT regress.totals_exact(), regress.tags_exact();
SELECT count(*) FROM pict_repo.alias_tags;
DROP FUNCTION regress.totals_exact(), regress.tags_exact(), regress.walk(jsonb, int), regress.info(text);
