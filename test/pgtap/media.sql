-- media.sql: the file service as an application role sees it.  A member of
-- pict_repo_user (and nothing else) can call every function of the file
-- service, cannot read or write the new columns or usage_totals directly,
-- and the columns keep what the functions promise: tags sorted without
-- duplicates, bytes generated from the given size or the details, access
-- one of two values, totals equal to the aliases.  (The shape of the new
-- table, columns and indexes is in schema.sql; privileges of every
-- function and table, found in the catalog, in security.sql.)

BEGIN;

SET LOCAL client_min_messages = warning;

CREATE ROLE tap_media_app LOGIN;
GRANT pict_repo_user TO tap_media_app;

SELECT plan(40);

-- ---------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------
SELECT ok(pg_catalog.has_function_privilege('tap_media_app', p.oid, 'EXECUTE'),
          'the application role may call ' || p.oid::pg_catalog.regprocedure::text)
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace = 'pict_repo'::pg_catalog.regnamespace
   AND p.proname IN ('media_info', 'media_exists', 'set_owner', 'add_tags', 'remove_tags',
                     'set_access', 'rename_alias', 'list_media', 'list_media_explain',
                     'usage_report', 'ingest')
 ORDER BY p.proname;
SELECT ok(NOT pg_catalog.has_table_privilege('tap_media_app', t,
                                             'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'),
          'the application role has no privilege on ' || t)
  FROM unnest(ARRAY['pict_repo.usage_totals', 'pict_repo.alias_tags']) t;
SELECT ok(NOT pg_catalog.has_column_privilege('tap_media_app', 'pict_repo.aliases', c, 'SELECT, UPDATE'),
          'the application role cannot read or write aliases.' || c)
  FROM unnest(ARRAY['owner', 'tags', 'access', 'bytes']) c;

-- ---------------------------------------------------------------------------
-- The application role uses the file service
-- ---------------------------------------------------------------------------
SET LOCAL ROLE tap_media_app;

SELECT is((SELECT alias FROM pict_repo.ingest('\x7a01', 'tap/media.png',
               '{"width": 800, "height": 600, "content_type": "image/png", "bytes": 4000}',
               'png', 'tap-media.png', 'tap-token', 'tap-owner', '{b,a,b}', 'private')),
          'tap-media.png', 'the app ingests an upload with metadata');
SELECT is((SELECT ARRAY[owner, access, content_type, width::text, bytes::text] || tags
             FROM pict_repo.media_info('tap-media.png')),
          ARRAY['tap-owner', 'private', 'image/png', '800', '4000', 'a', 'b'],
          'the app reads it with media_info (tags sorted, without duplicates)');
SELECT ok(pict_repo.media_exists('tap-media.png'), 'media_exists');
SELECT is(pict_repo.add_tags('tap-media.png', '{c}'), '{a,b,c}'::text[], 'add_tags');
SELECT is(pict_repo.remove_tags('tap-media.png', '{a}'), '{b,c}'::text[], 'remove_tags');
SELECT is(pict_repo.set_access('{tap-media.png}', 'public'), 1, 'set_access');
SELECT ok(pict_repo.set_owner('tap-media.png', 'tap-other'), 'set_owner');
SELECT is((SELECT array_agg(alias) FROM pict_repo.list_media('{"owner": "tap-other", "content_type": "image/"}')),
          '{tap-media.png}'::text[], 'list_media');
SELECT is(pg_catalog.jsonb_typeof(pict_repo.list_media_explain('{"owner": "tap-other"}')), 'array',
          'list_media_explain');
SELECT is((SELECT ARRAY[uploads, bytes] FROM pict_repo.usage_report('tap-other')),
          ARRAY[1, 4000]::bigint[], 'usage_report of an owner');
SELECT ok(pict_repo.rename_alias('tap-media.png', 'tap-renamed.png', 'tap-token'), 'rename_alias');
SELECT throws_ok($$SELECT owner FROM pict_repo.aliases$$, '42501', NULL,
                 'the app cannot read the owners from the table');
SELECT throws_ok($$UPDATE pict_repo.aliases SET tags = '{}'$$, '42501', NULL,
                 'the app cannot change tags in the table');
SELECT throws_ok($$SELECT * FROM pict_repo.usage_totals$$, '42501', NULL,
                 'the app cannot read usage_totals');
SELECT throws_ok($$UPDATE pict_repo.usage_totals SET uploads = 0$$, '42501', NULL,
                 'the app cannot change usage_totals');
SELECT throws_ok($$SELECT * FROM pict_repo.alias_tags$$, '42501', NULL,
                 'the app cannot read alias_tags');
RESET ROLE;

-- ---------------------------------------------------------------------------
-- What the columns hold
-- ---------------------------------------------------------------------------
SELECT is((SELECT ARRAY[upload_bytes, media_bytes, bytes] FROM pict_repo.aliases
            WHERE alias = 'tap-renamed.png'),
          ARRAY[NULL, 4000, 4000]::bigint[], 'bytes comes from the details when none was given');
SELECT lives_ok($$SELECT pict_repo.ingest('\x7a01', 'tap/x', '{}', 'png', 'tap-sized.png',
                                           NULL, NULL, NULL, NULL, 17)$$,
                'an upload of the same hash with its size');
SELECT is((SELECT bytes FROM pict_repo.aliases WHERE alias = 'tap-sized.png'), 17::bigint,
          'and from the size given to ingest otherwise');
SELECT throws_ok($$UPDATE pict_repo.aliases SET access = 'secret' WHERE alias = 'tap-sized.png'$$,
                 '23514', NULL, 'access is public or private (a CHECK constraint too)');
SELECT throws_ok($$UPDATE pict_repo.aliases SET bytes = 1 WHERE alias = 'tap-sized.png'$$,
                 '428C9', NULL, 'bytes is generated');
SELECT is((SELECT pg_catalog.sum(uploads)::bigint FROM pict_repo.usage_totals WHERE owner = ''),
          (SELECT pg_catalog.count(*) FROM pict_repo.aliases), 'the totals count every alias');
SELECT set_eq($$SELECT tag, created_at, alias, content_type FROM pict_repo.alias_tags$$,
              $$SELECT t, created_at, alias, content_type
                  FROM pict_repo.aliases, pg_catalog.unnest(tags) t$$,
              'alias_tags holds the tags of every alias, one row each, with its content_type');

SELECT * FROM finish();
ROLLBACK;
