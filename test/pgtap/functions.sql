-- functions.sql: every function of the extension, found in the catalog (so a
-- function added later is covered without editing this file):
--  - it pins search_path to exactly pg_catalog, pg_temp;
--  - it is not SECURITY DEFINER;
--  - it is not STRICT (a NULL where a value is required is a 22023 error
--    raised by the C code, not a silent NULL);
--  - its volatility is the one listed below (getters STABLE, writers
--    VOLATILE);
-- and the extension has exactly the functions DESIGN.md names for every
-- section that exists so far, with the argument and result types DESIGN.md
-- gives (checked for the sections written out in pg_temp.expected_signatures).

BEGIN;

SET LOCAL client_min_messages = warning;

-- Every function DESIGN.md names, by section, with its volatility:
-- s = STABLE (a getter), v = VOLATILE (a writer), i = IMMUTABLE.
-- A section counts as present once any of its functions exists; then all of
-- its functions must exist.  A function not listed here fails the checks.
CREATE TEMP TABLE expected_functions (
    section     text NOT NULL,
    name        name PRIMARY KEY,
    volatility  "char" NOT NULL CHECK (volatility IN ('s', 'v', 'i'))
);
INSERT INTO expected_functions VALUES
    -- The version compiled into the loaded library cannot change within a
    -- backend, so version() is IMMUTABLE (DESIGN.md does not say).
    ('version', 'version', 'i'),

    ('settings, details, store migration, uploads', 'set_setting', 'v'),
    ('settings, details, store migration, uploads', 'get_setting', 's'),
    ('settings, details, store migration, uploads', 'remove_setting', 'v'),
    ('settings, details, store migration, uploads', 'relate_details', 'v'),
    ('settings, details, store migration, uploads', 'details', 's'),
    ('settings, details, store migration, uploads', 'cleanup_details', 'v'),
    ('settings, details, store migration, uploads', 'mark_migrated', 'v'),
    ('settings, details, store migration, uploads', 'is_migrated', 's'),
    ('settings, details, store migration, uploads', 'is_continuing_migration', 's'),
    ('settings, details, store migration, uploads', 'clear_migrations', 'v'),
    ('settings, details, store migration, uploads', 'migrate_identifier', 'v'),
    ('settings, details, store migration, uploads', 'create_upload', 'v'),
    ('settings, details, store migration, uploads', 'complete_upload', 'v'),
    ('settings, details, store migration, uploads', 'upload_result', 's'),
    ('settings, details, store migration, uploads', 'claim_upload', 'v'),

    ('hashes and variants', 'create_hash', 'v'),
    ('hashes and variants', 'ingest', 'v'),
    ('hashes and variants', 'hash_identifier', 's'),
    ('hashes and variants', 'update_identifier', 'v'),
    ('hashes and variants', 'relate_motion_identifier', 'v'),
    ('hashes and variants', 'motion_identifier', 's'),
    ('hashes and variants', 'relate_blurhash', 'v'),
    ('hashes and variants', 'blurhash', 's'),
    ('hashes and variants', 'hash_count', 's'),
    ('hashes and variants', 'hash_page', 's'),
    ('hashes and variants', 'hash_page_by_date', 's'),
    ('hashes and variants', 'relate_variant', 'v'),
    ('hashes and variants', 'variant_identifier', 's'),
    ('hashes and variants', 'variants', 's'),
    ('hashes and variants', 'remove_variant', 'v'),
    ('hashes and variants', 'claim_variant_processing', 'v'),
    ('hashes and variants', 'variant_heartbeat', 'v'),
    ('hashes and variants', 'release_variant_processing', 'v'),
    ('hashes and variants', 'cleanup_hash', 'v'),

    ('aliases, proxies, access times', 'create_alias_with_token', 'v'),
    ('aliases, proxies, access times', 'alias_hash', 's'),
    ('aliases, proxies, access times', 'alias_token', 's'),
    ('aliases, proxies, access times', 'aliases_for_hash', 's'),
    ('aliases, proxies, access times', 'delete_alias', 'v'),
    ('aliases, proxies, access times', 'cleanup_alias', 'v'),
    ('aliases, proxies, access times', 'relate_url', 'v'),
    ('aliases, proxies, access times', 'related', 's'),
    ('aliases, proxies, access times', 'remove_relation', 'v'),
    ('aliases, proxies, access times', 'touch_alias', 'v'),
    ('aliases, proxies, access times', 'alias_accessed_at', 's'),
    ('aliases, proxies, access times', 'older_aliases', 's'),
    ('aliases, proxies, access times', 'touch_variant', 'v'),
    ('aliases, proxies, access times', 'variant_accessed_at', 's'),
    ('aliases, proxies, access times', 'older_variants', 's'),

    ('job queue', 'push_job', 'v'),
    ('job queue', 'push_jobs', 'v'),
    ('job queue', 'claim_job', 'v'),
    ('job queue', 'heartbeat_job', 'v'),
    ('job queue', 'complete_job', 'v'),
    ('job queue', 'complete_and_claim_job', 'v'),
    ('job queue', 'fail_job', 'v'),
    ('job queue', 'requeue_stale', 'v'),
    ('job queue', 'retry_dead_job', 'v'),
    ('job queue', 'cancel_job', 'v'),
    ('job queue', 'queue_length', 's'),
    ('job queue', 'queue_stats', 's'),
    ('job queue', 'average_time_to_completion', 's'),
    -- Job ids are time-ordered UUIDv7 made in C; issue 3 exposes the
    -- generator too (volatile: every call gives a new id).
    ('job queue', 'uuid_v7', 'v'),

    ('maintenance', 'run_maintenance', 'v');

-- Argument and result types as DESIGN.md gives them (argument names are not
-- compared).  Add the rows of a section when it lands.
CREATE TEMP TABLE expected_signatures (
    ord         serial PRIMARY KEY,
    name        name NOT NULL REFERENCES expected_functions,
    args        text[] NOT NULL,
    result      text NOT NULL
);
INSERT INTO expected_signatures (name, args, result) VALUES
    ('version', '{}', 'text'),
    ('set_setting', '{text,bytea}', 'void'),
    ('get_setting', '{text}', 'bytea'),
    ('remove_setting', '{text}', 'boolean'),
    ('relate_details', '{text,jsonb}', 'void'),
    ('details', '{text}', 'jsonb'),
    ('cleanup_details', '{text}', 'boolean'),
    ('mark_migrated', '{text,text}', 'boolean'),
    ('is_migrated', '{text}', 'boolean'),
    ('is_continuing_migration', '{}', 'boolean'),
    ('clear_migrations', '{}', 'bigint'),
    ('migrate_identifier', '{text,text}', 'integer'),
    ('create_upload', '{}', 'uuid'),
    ('complete_upload', '{uuid,jsonb}', 'boolean'),
    ('upload_result', '{uuid}', 'jsonb'),
    ('claim_upload', '{uuid}', 'jsonb');
    -- Hashes and variants: add rows here.
    -- Aliases, proxies, access times: add rows here.
    -- Job queue and maintenance: add rows here.

-- The functions of the extension, from the catalog.
CREATE TEMP TABLE actual_functions AS
SELECT p.oid, p.proname AS name,
       p.oid::pg_catalog.regprocedure::text AS signature,
       p.proconfig, p.prosecdef, p.proisstrict, p.provolatile
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_depend d
    ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
   AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e
    ON d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = e.oid
 WHERE e.extname = 'pict_repo';

SELECT plan(
    2
    + 4 * (SELECT count(*) FROM actual_functions)::int
    + 2 * (SELECT count(*) FROM expected_signatures)::int
);

-- ---------------------------------------------------------------------------
-- Every function of the extension, whatever its name
-- ---------------------------------------------------------------------------
SELECT is(proconfig, ARRAY['search_path=pg_catalog, pg_temp'],
          signature || ' pins search_path to pg_catalog, pg_temp (and sets nothing else)')
  FROM actual_functions ORDER BY signature;
SELECT is(prosecdef, false, signature || ' is not SECURITY DEFINER')
  FROM actual_functions ORDER BY signature;
SELECT is(proisstrict, false, signature || ' is not STRICT')
  FROM actual_functions ORDER BY signature;
SELECT is(a.provolatile, x.volatility,
          a.signature || ' is ' || CASE x.volatility WHEN 's' THEN 'STABLE (a getter)'
                                                     WHEN 'v' THEN 'VOLATILE (a writer)'
                                                     WHEN 'i' THEN 'IMMUTABLE'
                                                     ELSE 'listed in DESIGN.md' END)
  FROM actual_functions a LEFT JOIN expected_functions x USING (name)
 ORDER BY a.signature;

-- ---------------------------------------------------------------------------
-- The set of functions
-- ---------------------------------------------------------------------------
-- Exactly the functions of the present sections, each once (no overloads).
SELECT bag_eq(
    $$SELECT name FROM pg_temp.actual_functions$$,
    $$SELECT x.name FROM pg_temp.expected_functions x
      WHERE x.section IN (SELECT f.section FROM pg_temp.expected_functions f
                          JOIN pg_temp.actual_functions a USING (name))$$,
    'the extension has exactly the functions DESIGN.md names for its present sections, each once');

-- Nothing in the schema that is not part of the extension.
SELECT is_empty(
    $$SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p
      WHERE p.pronamespace = 'pict_repo'::pg_catalog.regnamespace
        AND p.oid NOT IN (SELECT oid FROM pg_temp.actual_functions)$$,
    'every function in schema pict_repo belongs to the extension');

-- ---------------------------------------------------------------------------
-- Argument and result types
-- ---------------------------------------------------------------------------
SELECT has_function('pict_repo', name, args,
                    'pict_repo.' || name || '(' || array_to_string(args, ', ') || ') exists')
  FROM expected_signatures ORDER BY ord;
SELECT function_returns('pict_repo', name, args, result,
                        'pict_repo.' || name || '(' || array_to_string(args, ', ') || ') returns ' || result)
  FROM expected_signatures ORDER BY ord;

SELECT * FROM finish();
ROLLBACK;
