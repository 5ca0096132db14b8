-- functions.sql: every function of the extension, found in the catalog (so a
-- function added later is covered without editing this file):
--  - it pins search_path to exactly pg_catalog, pg_temp;
--  - it is SECURITY DEFINER exactly when pg_temp.security_definer below
--    gives the reason for its section (and it is not an exception listed
--    in pg_temp.security_invoker with its own reason);
--  - it is not STRICT (a NULL where a value is required is a 22023 error
--    raised by the C code, not a silent NULL);
--  - its volatility is the one listed below (getters STABLE, writers
--    VOLATILE);
-- and the extension has exactly the functions the README documents, with
-- the argument names, types and defaults and the result the README gives
-- (pg_temp.expected_signatures).

BEGIN;

SET LOCAL client_min_messages = warning;

-- Every function of the README, by section, with its volatility:
-- s = STABLE (a getter), v = VOLATILE (a writer), i = IMMUTABLE.
-- Every function listed here must exist; a function not listed here fails
-- the checks.
CREATE TEMP TABLE expected_functions (
    section     text NOT NULL,
    name        name PRIMARY KEY,
    volatility  "char" NOT NULL CHECK (volatility IN ('s', 'v', 'i'))
);
INSERT INTO expected_functions VALUES
    -- The version compiled into the loaded library cannot change within a
    -- backend, so version() is IMMUTABLE.
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
    -- 1.2: the batch form of complete_job.
    ('job queue', 'complete_jobs', 'v'),
    ('job queue', 'fail_job', 'v'),
    ('job queue', 'requeue_stale', 'v'),
    ('job queue', 'retry_dead_job', 'v'),
    ('job queue', 'cancel_job', 'v'),
    ('job queue', 'queue_length', 's'),
    ('job queue', 'queue_stats', 's'),
    ('job queue', 'average_time_to_completion', 's'),
    -- Job ids are time-ordered UUIDv7 made in C; the generator is a
    -- function too (volatile: every call gives a new id).
    ('job queue', 'uuid_v7', 'v'),

    ('maintenance', 'run_maintenance', 'v');

-- 1.3, by area (each a statement of its own).
-- Hardening: the digest behind the indexes over long identifiers and URLs.
INSERT INTO expected_functions VALUES
    ('internal', 'text_digest', 'i'),
    ('notifications', 'notify_tag', 's');
-- Hardening: dead jobs for the application role.
INSERT INTO expected_functions VALUES
    ('hardening: dead jobs', 'list_dead_jobs', 's');

-- 1.4: the file service.
INSERT INTO expected_functions VALUES
    ('the file service', 'media_info', 's'),
    ('the file service', 'media_exists', 's'),
    ('the file service', 'set_owner', 'v'),
    ('the file service', 'add_tags', 'v'),
    ('the file service', 'remove_tags', 'v'),
    ('the file service', 'set_access', 'v'),
    ('the file service', 'rename_alias', 'v'),
    ('the file service', 'list_media', 's'),
    ('the file service', 'list_media_explain', 's'),
    ('the file service', 'usage_report', 's');

-- 1.4: the job queue: a worker's batch in one call.
INSERT INTO expected_functions VALUES
    ('job queue', 'complete_and_claim_jobs', 'v');

-- 1.3: storage tiers.
INSERT INTO expected_functions VALUES
    ('storage tiers', 'create_store', 'v'),
    ('storage tiers', 'stores', 's'),
    ('storage tiers', 'drop_store', 'v'),
    ('storage tiers', 'add_copy', 'v'),
    ('storage tiers', 'copies', 's'),
    ('storage tiers', 'best_copy', 's'),
    ('storage tiers', 'remove_copy', 'v'),
    ('storage tiers', 'move_copy', 'v'),
    ('storage tiers', 'copies_in_store', 's'),
    ('storage tiers', 'storage_report', 's');

-- 1.3: pict-rs drop-in.
INSERT INTO expected_functions VALUES
    ('hashes and variants', 'hash_created_at', 's'),
    ('hashes and variants', 'hash_page_bound', 's'),
    ('hashes and variants', 'variant_processing', 's'),
    ('job queue', 'abort_job', 'v'),
    ('pict-rs import', 'import_pictrs', 'v');
-- (its reason and signatures follow the tables they go in, below)


-- Why the functions of a section are SECURITY DEFINER (set in
-- pict_repo--1.0--1.1.sql, which says the same above each group): they read
-- or write tables an application role (pict_repo_user) has no privilege on.
-- A section missing here must not have a SECURITY DEFINER function.
CREATE TEMP TABLE security_definer (
    section     text PRIMARY KEY,
    reason      text NOT NULL CHECK (reason <> '')
);
INSERT INTO security_definer VALUES
    ('settings, details, store migration, uploads',
     'reads and writes settings, details, store_migrations, hashes, variants and uploads'),
    ('hashes and variants',
     'reads and writes hashes, variants, aliases, details and variant_locks'),
    ('aliases, proxies, access times',
     'reads and writes aliases and proxies; the delete tokens must stay unreadable to the caller'),
    ('job queue',
     'writes job_queue, dead_jobs and queue_stats; only the holder of a job may change it'),
    ('maintenance',
     'requeues, dead-letters and deletes rows of job_queue, dead_jobs, uploads and variant_locks'),
    ('hardening: dead jobs',
     'reads dead_jobs, which an application role may not read'),
    -- 1.3: storage tiers.
    ('storage tiers',
     'reads and writes stores, copies and store_totals; the last original of a hash may only go through remove_copy''s check');
-- Functions of those sections that touch no table and stay SECURITY INVOKER.
CREATE TEMP TABLE security_invoker (
    name        name PRIMARY KEY,
    reason      text NOT NULL CHECK (reason <> '')
);
INSERT INTO security_invoker VALUES
    ('uuid_v7', 'makes an id in C; reads no table');
-- The section 'internal' has no SECURITY DEFINER reason: text_digest reads
-- no table (and only the owner may call it).
-- 1.3, by area.
INSERT INTO security_definer VALUES
    ('notifications',
     'reads notify_secret, the key of the notification tags, which must stay the owner''s');

-- Arguments and results as the README documents them: the argument types
-- (to find the function), the argument list as pg_get_function_arguments()
-- prints it (names, types, defaults) and the result as
-- pg_get_function_result() prints it (a TABLE with its column names and
-- types).  A new function adds its row under its section.
CREATE TEMP TABLE expected_signatures (
    ord         serial PRIMARY KEY,
    name        name NOT NULL REFERENCES expected_functions,
    args        text[] NOT NULL,
    arguments   text NOT NULL,
    result      text NOT NULL
);
INSERT INTO expected_signatures (name, args, arguments, result) VALUES
    ('version', '{}', '', 'text'),
    ('set_setting', '{text,bytea}', 'key text, value bytea', 'void'),
    ('get_setting', '{text}', 'key text', 'bytea'),
    ('remove_setting', '{text}', 'key text', 'boolean'),
    -- relate_details has nothing to return.
    ('relate_details', '{text,jsonb}', 'identifier text, details jsonb', 'void'),
    ('details', '{text}', 'identifier text', 'jsonb'),
    ('cleanup_details', '{text}', 'identifier text', 'boolean'),
    ('mark_migrated', '{text,text}', 'old text, new text', 'boolean'),
    ('is_migrated', '{text}', 'old text', 'boolean'),
    ('is_continuing_migration', '{}', '', 'boolean'),
    ('clear_migrations', '{}', '', 'bigint'),
    ('migrate_identifier', '{text,text}', 'old text, new text', 'integer'),
    ('create_upload', '{}', '', 'uuid'),
    ('complete_upload', '{uuid,jsonb}', 'id uuid, result jsonb', 'boolean'),
    ('upload_result', '{uuid}', 'id uuid', 'jsonb'),
    ('claim_upload', '{uuid}', 'id uuid', 'jsonb');

-- Hashes and variants.
INSERT INTO expected_signatures (name, args, arguments, result) VALUES
    ('create_hash', '{bytea,text,text,timestamptz}',
     'hash bytea, identifier text, motion_identifier text DEFAULT NULL::text, '
     'created_at timestamp with time zone DEFAULT now()',
     'boolean'),
    ('ingest', '{bytea,text,jsonb,text,text,text}',
     'hash bytea, identifier text, details jsonb, extension text, '
     'declared_alias text DEFAULT NULL::text, declared_token text DEFAULT NULL::text',
     'TABLE(alias text, token text, stored_identifier text, hash_created boolean)'),
    ('hash_identifier', '{bytea}', 'hash bytea', 'text'),
    ('update_identifier', '{bytea,text}', 'hash bytea, identifier text', 'boolean'),
    ('relate_motion_identifier', '{bytea,text}', 'hash bytea, motion_identifier text', 'boolean'),
    ('motion_identifier', '{bytea}', 'hash bytea', 'text'),
    ('relate_blurhash', '{bytea,text}', 'hash bytea, blurhash text', 'boolean'),
    ('blurhash', '{bytea}', 'hash bytea', 'text'),
    ('hash_count', '{}', '', 'bigint'),
    ('hash_page', '{integer,timestamptz,bytea}',
     'lim integer DEFAULT 100, after_created timestamp with time zone DEFAULT NULL::timestamp with time zone, '
     'after_hash bytea DEFAULT NULL::bytea',
     'TABLE(hash bytea, created_at timestamp with time zone)'),
    -- hash_page_by_date returns hash_page's rows, so a caller can go on
    -- with hash_page from its last row.
    ('hash_page_by_date', '{timestamptz,integer}',
     'before timestamp with time zone, lim integer DEFAULT 100',
     'TABLE(hash bytea, created_at timestamp with time zone)'),
    ('relate_variant', '{bytea,text,text}', 'hash bytea, variant text, identifier text', 'boolean'),
    ('variant_identifier', '{bytea,text}', 'hash bytea, variant text', 'text'),
    ('variants', '{bytea}', 'hash bytea', 'TABLE(variant text, identifier text)'),
    ('remove_variant', '{bytea,text}', 'hash bytea, variant text', 'text'),
    ('claim_variant_processing', '{bytea,text}', 'hash bytea, variant text', 'boolean'),
    ('variant_heartbeat', '{bytea,text}', 'hash bytea, variant text', 'boolean'),
    -- Nothing to return: the waiters are told by a notification.
    ('release_variant_processing', '{bytea,text}', 'hash bytea, variant text', 'void'),
    -- 1.3 (storage tiers): each file with its store, NULL for the hash's own.
    ('cleanup_hash', '{bytea,boolean}', 'hash bytea, force boolean DEFAULT false',
     'TABLE(identifier text, store text)');

-- Aliases, proxies, access times.
INSERT INTO expected_signatures (name, args, arguments, result) VALUES
    ('create_alias_with_token', '{text,bytea,text}',
     'alias text, hash bytea, token text DEFAULT NULL::text', 'text'),
    ('alias_hash', '{text}', 'alias text', 'bytea'),
    ('alias_token', '{text}', 'alias text', 'text'),
    ('aliases_for_hash', '{bytea}', 'hash bytea', 'SETOF text'),
    ('delete_alias', '{text,text}', 'alias text, token text', 'TABLE(hash bytea, orphaned boolean)'),
    -- delete_alias without a token, with its result.
    ('cleanup_alias', '{text}', 'alias text', 'TABLE(hash bytea, orphaned boolean)'),
    ('relate_url', '{text,text}', 'url text, alias text', 'boolean'),
    ('related', '{text}', 'url text', 'text'),
    ('remove_relation', '{text}', 'alias text', 'boolean'),
    ('touch_alias', '{text,timestamptz}',
     'alias text, at timestamp with time zone DEFAULT now()', 'boolean'),
    ('alias_accessed_at', '{text}', 'alias text', 'timestamp with time zone'),
    ('older_aliases', '{timestamptz,integer,timestamptz,text}',
     'before timestamp with time zone, lim integer DEFAULT 100, '
     'after_accessed timestamp with time zone DEFAULT NULL::timestamp with time zone, '
     'after_url text DEFAULT NULL::text',
     'TABLE(alias text, url text, accessed timestamp with time zone)'),
    ('touch_variant', '{bytea,text,timestamptz}',
     'hash bytea, variant text, at timestamp with time zone DEFAULT now()', 'boolean'),
    ('variant_accessed_at', '{bytea,text}', 'hash bytea, variant text', 'timestamp with time zone'),
    ('older_variants', '{timestamptz,integer,timestamptz,bytea,text}',
     'before timestamp with time zone, lim integer DEFAULT 100, '
     'after_accessed timestamp with time zone DEFAULT NULL::timestamp with time zone, '
     'after_hash bytea DEFAULT NULL::bytea, after_variant text DEFAULT NULL::text',
     'TABLE(hash bytea, variant text, accessed timestamp with time zone)');

-- Job queue and maintenance.
INSERT INTO expected_signatures (name, args, arguments, result) VALUES
    ('push_job', '{text,jsonb,text,integer,timestamptz,integer}',
     'queue text, job jsonb, unique_key text DEFAULT NULL::text, priority integer DEFAULT 0, '
     'run_at timestamp with time zone DEFAULT NULL::timestamp with time zone, max_attempts integer DEFAULT 5',
     'uuid'),
    ('push_jobs', '{text,jsonb[]}', 'queue text, jobs jsonb[]', 'SETOF uuid'),
    ('claim_job', '{text,uuid,integer}',
     'queue text, worker uuid, max_jobs integer DEFAULT 1',
     'TABLE(id uuid, job jsonb, attempt integer)'),
    -- The types of id and worker are those of the job_queue columns.
    ('heartbeat_job', '{uuid,uuid}', 'id uuid, worker uuid', 'boolean'),
    ('complete_job', '{uuid,uuid}', 'id uuid, worker uuid', 'boolean'),
    ('complete_and_claim_job', '{uuid,uuid,text,integer}',
     'done uuid, worker uuid, queue text, max_jobs integer DEFAULT 1',
     'TABLE(id uuid, job jsonb, attempt integer)'),
    ('complete_jobs', '{uuid[],uuid}', 'ids uuid[], worker uuid', 'SETOF uuid'),
    -- 1.4: the batch form of complete_and_claim_job.
    ('complete_and_claim_jobs', '{uuid[],uuid,text,integer}',
     'done uuid[], worker uuid, queue text, max_jobs integer DEFAULT 1',
     'TABLE(id uuid, job jsonb, attempt integer)'),
    ('fail_job', '{uuid,uuid,text,interval}',
     'id uuid, worker uuid, error text DEFAULT NULL::text, retry_in interval DEFAULT NULL::interval',
     'text'),
    ('requeue_stale', '{interval}', 'timeout interval DEFAULT NULL::interval', 'integer'),
    ('retry_dead_job', '{uuid}', 'id uuid', 'boolean'),
    ('cancel_job', '{uuid}', 'id uuid', 'boolean'),
    -- queue_length(NULL) counts every queue; the type is the column's.
    ('queue_length', '{text}', 'queue text DEFAULT NULL::text', 'bigint'),
    -- The counts are bigint, as count() gives them.
    ('queue_stats', '{}', '',
     'TABLE(queue text, pending bigint, scheduled bigint, running bigint, dead bigint, '
     'completed bigint, failed bigint, avg_wait interval, avg_run interval)'),
    ('average_time_to_completion', '{text,timestamptz,timestamptz}',
     'queue text, since timestamp with time zone, until timestamp with time zone', 'interval'),
    -- The job id generator.
    ('uuid_v7', '{}', '', 'uuid'),
    ('run_maintenance', '{}', '',
     'TABLE(requeued integer, dead integer, expired_uploads integer, expired_locks integer, '
     'due_notified integer)');

-- Hardening: list_dead_jobs (1.3).  The argument is from_queue, not queue:
-- a TABLE column of the result takes that name.
INSERT INTO expected_signatures (name, args, arguments, result) VALUES
    ('list_dead_jobs', '{text,integer,uuid}',
     'from_queue text DEFAULT NULL::text, lim integer DEFAULT 100, after_id uuid DEFAULT NULL::uuid',
     'TABLE(id uuid, queue text, job jsonb, attempts integer, last_error text, '
     'died_at timestamp with time zone)');
-- 1.5: the completion counters in shared memory.  unflushed_queue_stats
-- reads shared memory only; flush_queue_stats writes queue_stats (the job
-- queue's reason).
INSERT INTO expected_functions VALUES
    ('job queue', 'unflushed_queue_stats', 's'),
    ('job queue', 'flush_queue_stats', 'v');
INSERT INTO security_invoker VALUES
    ('unflushed_queue_stats', 'reads the counters in shared memory; reads no table');
INSERT INTO expected_signatures (name, args, arguments, result) VALUES
    ('unflushed_queue_stats', '{}', '',
     'TABLE(queue text, minute timestamp with time zone, completed bigint, '
     'wait_time interval, run_time interval)'),
    ('flush_queue_stats', '{}', '', 'integer');
-- 1.3: pict-rs drop-in: the reason of its section and its signatures.
INSERT INTO security_definer VALUES
    ('pict-rs import',
     'writes every repository table and imported_jobs, checking every row as the single-row functions do');
INSERT INTO expected_signatures (name, args, arguments, result) VALUES
    ('hash_created_at', '{bytea}', 'hash bytea', 'timestamp with time zone'),
    ('hash_page_bound', '{timestamptz,bytea,integer,boolean,boolean}',
     'bound_created timestamp with time zone, bound_hash bytea, lim integer DEFAULT 100, '
     'newer boolean DEFAULT false, inclusive boolean DEFAULT true',
     'TABLE(hash bytea, created_at timestamp with time zone)'),
    ('variant_processing', '{bytea,text}', 'hash bytea, variant text', 'boolean'),
    ('abort_job', '{uuid,uuid,text}', 'id uuid, worker uuid, error text DEFAULT NULL::text', 'boolean'),
    ('import_pictrs', '{text,jsonb,boolean}', 'kind text, rows jsonb, dry_run boolean DEFAULT false',
     'TABLE(ord integer, outcome text)');
-- relate_details gains replace and tells whether it wrote.
UPDATE expected_signatures
   SET args = '{text,jsonb,boolean}',
       arguments = 'identifier text, details jsonb, replace boolean DEFAULT true',
       result = 'boolean'
 WHERE name = 'relate_details';

-- 1.3: storage tiers.
INSERT INTO expected_signatures (name, args, arguments, result) VALUES
    ('create_store', '{text,text,integer,text,text}',
     'name text, kind text, priority integer, location text, notes text DEFAULT NULL::text', 'integer'),
    ('stores', '{}', '',
     'TABLE(id integer, name text, kind text, priority integer, location text, notes text, '
     'copies bigint, bytes bigint)'),
    ('drop_store', '{text}', 'name text', 'boolean'),
    ('add_copy', '{bytea,text,text,text,bigint}',
     'hash bytea, store text, form text, identifier text, bytes bigint', 'boolean'),
    ('copies', '{bytea}', 'hash bytea',
     'TABLE(store text, kind text, priority integer, form text, identifier text, bytes bigint, '
     'created_at timestamp with time zone)'),
    ('best_copy', '{bytea,text}', 'hash bytea, form text DEFAULT ''original''::text',
     'TABLE(store text, location text, identifier text)'),
    ('remove_copy', '{bytea,text,text}', 'hash bytea, store text, form text', 'text'),
    ('move_copy', '{bytea,text,text,text,text}',
     'hash bytea, form text, from_store text, to_store text, new_identifier text', 'text'),
    ('copies_in_store', '{text,text,integer,bytea,text}',
     'store text, form text DEFAULT NULL::text, lim integer DEFAULT 100, '
     'after_hash bytea DEFAULT NULL::bytea, after_form text DEFAULT NULL::text',
     'TABLE(hash bytea, form text, identifier text, bytes bigint)'),
    ('storage_report', '{}', '',
     'TABLE(store text, kind text, priority integer, form text, copies bigint, bytes bigint)');

-- 1.4: the file service: the reason of its section, its signatures, and
-- ingest's metadata arguments.
INSERT INTO security_definer VALUES
    ('the file service',
     'reads and writes aliases (with their delete tokens), hashes, variants, details and usage_totals');
INSERT INTO expected_signatures (name, args, arguments, result) VALUES
    ('media_info', '{text}', 'alias text',
     'TABLE(alias text, hash bytea, owner text, tags text[], access text, content_type text, '
     'width integer, height integer, bytes bigint, created_at timestamp with time zone, '
     'identifier text, variants integer)'),
    ('media_exists', '{text}', 'alias text', 'boolean'),
    ('set_owner', '{text,text}', 'alias text, owner text DEFAULT NULL::text', 'boolean'),
    ('add_tags', '{text,text[]}', 'alias text, tags text[]', 'text[]'),
    ('remove_tags', '{text,text[]}', 'alias text, tags text[]', 'text[]'),
    ('set_access', '{text[],text}', 'aliases text[], access text', 'integer'),
    ('rename_alias', '{text,text,text}', 'alias text, new_alias text, token text', 'boolean'),
    ('list_media', '{jsonb,integer,text}',
     'filter jsonb DEFAULT ''{}''::jsonb, lim integer DEFAULT 100, after text DEFAULT NULL::text',
     'TABLE(alias text, hash bytea, owner text, tags text[], access text, content_type text, '
     'width integer, height integer, bytes bigint, created_at timestamp with time zone, cursor text)'),
    ('list_media_explain', '{jsonb,integer,text}',
     'filter jsonb DEFAULT ''{}''::jsonb, lim integer DEFAULT 100, after text DEFAULT NULL::text',
     'jsonb'),
    ('usage_report', '{text}', 'owner text DEFAULT NULL::text',
     'TABLE(owner text, uploads bigint, bytes bigint)');
UPDATE expected_signatures
   SET args = '{bytea,text,jsonb,text,text,text,text,text[],text,bigint}',
       arguments = 'hash bytea, identifier text, details jsonb, extension text, '
                   'declared_alias text DEFAULT NULL::text, declared_token text DEFAULT NULL::text, '
                   'owner text DEFAULT NULL::text, tags text[] DEFAULT ''{}''::text[], '
                   'access text DEFAULT ''public''::text, bytes bigint DEFAULT NULL::bigint'
 WHERE name = 'ingest';

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
    + 3 * (SELECT count(*) FROM expected_signatures)::int
);

-- ---------------------------------------------------------------------------
-- Every function of the extension, whatever its name
-- ---------------------------------------------------------------------------
SELECT is(proconfig, ARRAY['search_path=pg_catalog, pg_temp'],
          signature || ' pins search_path to pg_catalog, pg_temp (and sets nothing else)')
  FROM actual_functions ORDER BY signature;
SELECT is(a.prosecdef,
          d.reason IS NOT NULL AND a.name NOT IN (SELECT name FROM security_invoker),
          a.signature || CASE WHEN d.reason IS NOT NULL
                               AND a.name NOT IN (SELECT name FROM security_invoker)
                              THEN ' is SECURITY DEFINER: ' || d.reason
                              ELSE ' is not SECURITY DEFINER' END)
  FROM actual_functions a
  LEFT JOIN expected_functions x USING (name)
  LEFT JOIN security_definer d ON d.section = x.section
 ORDER BY a.signature;
SELECT is(proisstrict, false, signature || ' is not STRICT')
  FROM actual_functions ORDER BY signature;
SELECT is(a.provolatile, x.volatility,
          a.signature || ' is ' || CASE x.volatility WHEN 's' THEN 'STABLE (a getter)'
                                                     WHEN 'v' THEN 'VOLATILE (a writer)'
                                                     WHEN 'i' THEN 'IMMUTABLE'
                                                     ELSE 'listed in functions.sql' END)
  FROM actual_functions a LEFT JOIN expected_functions x USING (name)
 ORDER BY a.signature;

-- ---------------------------------------------------------------------------
-- The set of functions
-- ---------------------------------------------------------------------------
-- Exactly the functions listed here, each once (no overloads).
SELECT bag_eq(
    $$SELECT name FROM pg_temp.actual_functions$$,
    $$SELECT x.name FROM pg_temp.expected_functions x$$,
    'the extension has exactly the functions listed in expected_functions, each once');

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
SELECT is(pg_catalog.pg_get_function_arguments(
              pg_catalog.to_regprocedure('pict_repo.' || name || '(' || array_to_string(args, ',') || ')')),
          arguments,
          'pict_repo.' || name || '(' || array_to_string(args, ', ') || ') takes (' || arguments || ')')
  FROM expected_signatures ORDER BY ord;
SELECT is(pg_catalog.pg_get_function_result(
              pg_catalog.to_regprocedure('pict_repo.' || name || '(' || array_to_string(args, ',') || ')')),
          result,
          'pict_repo.' || name || '(' || array_to_string(args, ', ') || ') returns ' || result)
  FROM expected_signatures ORDER BY ord;

SELECT * FROM finish();
ROLLBACK;
