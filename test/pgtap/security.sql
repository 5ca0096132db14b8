-- security.sql: the privileges of an application role (see docs-security.md).
--
-- An application logs in as a role that is a member of pict_repo_user.  It
-- can call the API (the functions that touch tables are SECURITY DEFINER),
-- cannot read or write a table directly, and cannot call alias_token, the
-- one function that returns a delete token.  A role that is not a member of
-- pict_repo_user can call nothing.  The catalog checks cover every function
-- and table of the extension, found in pg_depend, so a new one is covered
-- without editing this file.
--
-- Everything runs in one transaction that is rolled back, the test roles
-- included.

BEGIN;

SET LOCAL client_min_messages = warning;

CREATE ROLE tap_app LOGIN;
GRANT pict_repo_user TO tap_app;
CREATE ROLE tap_stranger LOGIN;

-- The extension's functions and tables, from the catalog.
CREATE TEMP TABLE ext_functions AS
SELECT p.oid, p.proname AS name, p.oid::pg_catalog.regprocedure::text AS signature,
       p.prosecdef, p.proowner
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_depend d
    ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e
    ON d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = e.oid
 WHERE e.extname = 'pict_repo';
CREATE TEMP TABLE ext_tables AS
SELECT c.oid, c.oid::pg_catalog.regclass::text AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_depend d
    ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e
    ON d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = e.oid
 WHERE e.extname = 'pict_repo' AND c.relkind IN ('r', 'p', 'v', 'm', 'S');
GRANT SELECT ON ext_functions, ext_tables TO PUBLIC;

-- Run one statement as the current role; 'ok' or 'ERROR <SQLSTATE>'.
CREATE FUNCTION pg_temp.try(sql text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE;
END
$f$;
GRANT EXECUTE ON FUNCTION pg_temp.try(text) TO PUBLIC;

SELECT plan(
    25
    + 7     -- storage tiers
    + 2 * (SELECT count(*) FROM ext_functions)::int
    + 2 * (SELECT count(*) FROM ext_tables)::int
);

-- ---------------------------------------------------------------------------
-- The catalog: every function and table
-- ---------------------------------------------------------------------------
-- Not granted: alias_token (the delete tokens stay secret) and text_digest
-- (the digest behind indexes over long values, not part of the API).
SELECT is(pg_catalog.has_function_privilege('pict_repo_user', oid, 'EXECUTE'),
          name NOT IN ('alias_token', 'text_digest'),
          signature || CASE WHEN name IN ('alias_token', 'text_digest') THEN ' is not'
                            ELSE ' is' END
                    || ' executable by pict_repo_user')
  FROM ext_functions ORDER BY signature;
-- No EXECUTE for PUBLIC (grantee 0 in the ACL), whatever the default ACL.
SELECT is((SELECT count(*) FROM pg_catalog.pg_proc p,
                  pg_catalog.aclexplode(COALESCE(p.proacl,
                                        pg_catalog.acldefault('f', p.proowner))) a
            WHERE p.oid = f.oid AND a.grantee = 0),
          0::bigint, f.signature || ' is not executable by PUBLIC')
  FROM ext_functions f ORDER BY f.signature;
SELECT ok(NOT pg_catalog.has_table_privilege('pict_repo_user', oid,
                  'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'),
          name || ': pict_repo_user has no privilege on it')
  FROM ext_tables ORDER BY name;
SELECT is((SELECT count(*) FROM pg_catalog.pg_class c,
                  pg_catalog.aclexplode(COALESCE(c.relacl,
                                        pg_catalog.acldefault('r', c.relowner))) a
            WHERE c.oid = t.oid AND a.grantee = 0),
          0::bigint, t.name || ': PUBLIC has no privilege on it')
  FROM ext_tables t ORDER BY t.name;

SELECT ok(pg_catalog.has_schema_privilege('pict_repo_user', 'pict_repo', 'USAGE'),
          'pict_repo_user may use schema pict_repo');
SELECT ok(NOT pg_catalog.has_schema_privilege('pict_repo_user', 'pict_repo', 'CREATE'),
          'pict_repo_user may not create objects in schema pict_repo');
SELECT is((SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = 'pict_repo_user'),
          false, 'pict_repo_user is NOLOGIN');
-- A SECURITY DEFINER function runs as its owner: that must be the owner of
-- the extension, and nobody else may own one.
SELECT is_empty(
    $$SELECT f.signature FROM pg_temp.ext_functions f, pg_catalog.pg_extension e
       WHERE e.extname = 'pict_repo' AND f.prosecdef AND f.proowner <> e.extowner$$,
    'every SECURITY DEFINER function is owned by the extension owner');

-- ---------------------------------------------------------------------------
-- The application role uses the API
-- ---------------------------------------------------------------------------
SET LOCAL ROLE tap_app;

SELECT is(pict_repo.create_hash('\x5ec0', 'sec/orig.png'), true,
          'the app creates a hash');
SELECT is(pict_repo.create_alias_with_token('sec-alias', '\x5ec0', 'sec-token'), 'sec-token',
          'the app creates an alias with its token');
SELECT is(pict_repo.alias_hash('sec-alias'), '\x5ec0'::bytea, 'the app reads an alias');
-- The classic trap of SECURITY DEFINER: the caller's own temporary objects.
-- The app may create temporary tables (TEMP is granted to PUBLIC on a
-- database), and pg_temp is in every function's search_path; tables of the
-- same names, first in the caller's search_path, change nothing, because
-- every query of the functions names pict_repo.x.
CREATE TEMP TABLE hashes (hash bytea, identifier text, motion_identifier text,
                          blurhash text, created_at timestamptz);
INSERT INTO pg_temp.hashes VALUES ('\x5ec0', 'evil/temp.png', NULL, NULL, now());
CREATE TEMP TABLE aliases (alias text, hash bytea, token text, created_at timestamptz);
INSERT INTO pg_temp.aliases VALUES ('sec-alias', '\xee', 'evil', now());
SET LOCAL search_path = pg_temp, public, pict_repo, pg_catalog;
SELECT is(pict_repo.hash_identifier('\x5ec0'), 'sec/orig.png',
          'a temporary hashes table of the caller does not shadow pict_repo.hashes');
SELECT is(pict_repo.alias_hash('sec-alias'), '\x5ec0'::bytea,
          'a temporary aliases table of the caller does not shadow pict_repo.aliases');
SELECT is(pict_repo.hash_count(), 1::bigint,
          'hash_count counts pict_repo.hashes, not the temporary table');
RESET search_path;
DROP TABLE pg_temp.hashes, pg_temp.aliases;

SELECT is((SELECT count(*) FROM pict_repo.ingest('\x5ec1', 'sec/two.png', '{}', 'png')),
          1::bigint, 'the app ingests an upload');
SELECT isnt(pict_repo.push_job('sec-q', '{"n": 1}'), NULL, 'the app pushes a job');
SELECT is((SELECT pg_catalog.count(*) FROM pict_repo.claim_job('sec-q',
               '00000000-0000-0000-0000-000000000001')),
          1::bigint, 'the app claims the job');
SELECT is(pict_repo.queue_length('sec-q'), 1::bigint, 'the app reads the queue length');
SELECT pict_repo.push_job('sec-dead', '{}', NULL, 0, NULL, 1) AS sec_dead_id \gset
SELECT pict_repo.claim_job('sec-dead', '00000000-0000-0000-0000-000000000002') IS NOT NULL AS claimed \gset
SELECT pict_repo.fail_job(:'sec_dead_id', '00000000-0000-0000-0000-000000000002', 'sec-error') AS failed \gset
SELECT is((SELECT pg_catalog.array_agg(d.queue || ':' || d.last_error)
             FROM pict_repo.list_dead_jobs('sec-dead') AS d),
          ARRAY['sec-dead:sec-error'],
          'the app lists dead jobs (list_dead_jobs, 1.3)');
SELECT is(pg_temp.try($$SELECT pict_repo.set_setting('sec.key', '\x01')$$), 'ok',
          'the app writes a setting');
SELECT is((SELECT pg_catalog.count(*) FROM pict_repo.delete_alias('sec-alias', 'sec-token')),
          1::bigint, 'the app deletes an alias with its token');

-- Storage tiers (1.3): stores, copies, the report; never the last original.
SELECT isnt(pict_repo.create_store('sec-active', 'file', 0, '/sec/active'), NULL,
            'the app registers a store');
SELECT is(pict_repo.add_copy('\x5ec0', 'sec-active', 'original', 'sec/a.png', 10), true,
          'the app records a copy');
SELECT is((SELECT copies FROM pict_repo.storage_report() WHERE store = 'sec-active'), 1::bigint,
          'the app reads the storage report');
SELECT is(pg_temp.try($$SELECT pict_repo.remove_copy('\x5ec0', 'sec-active', 'original')$$),
          'ERROR 55000', 'the app cannot remove the last original of a hash');
SELECT is(pg_temp.try($$DELETE FROM pict_repo.copies$$),
          'ERROR 42501', 'the app cannot delete copies behind the functions'' backs');
SELECT is(pg_temp.try($$UPDATE pict_repo.store_totals SET copies = 0$$),
          'ERROR 42501', 'the app cannot change the totals of the storage report');
SELECT is(pg_temp.try($$SELECT pg_catalog.nextval('pict_repo.stores_id_seq')$$),
          'ERROR 42501', 'the app cannot use the sequence of store ids');

-- ---------------------------------------------------------------------------
-- ... and nothing else
-- ---------------------------------------------------------------------------
SELECT is(pg_temp.try($$SELECT pict_repo.alias_token(pg_catalog.min(alias))
                          FROM pict_repo.ingest('\x5ec2', 'sec/3.png', '{}', 'png')$$),
          'ERROR 42501', 'the app cannot call alias_token');
SELECT is(pg_temp.try($$SELECT token FROM pict_repo.aliases$$),
          'ERROR 42501', 'the app cannot read the delete tokens from the table');
SELECT is(pg_temp.try($$INSERT INTO pict_repo.hashes (hash, identifier) VALUES ('\x01', 'x')$$),
          'ERROR 42501', 'the app cannot insert into a table');
SELECT is(pg_temp.try($$UPDATE pict_repo.job_queue SET attempts = 0$$),
          'ERROR 42501', 'the app cannot update a table');
SELECT is(pg_temp.try($$DELETE FROM pict_repo.settings$$),
          'ERROR 42501', 'the app cannot delete from a table');
SELECT is(pg_temp.try($$TRUNCATE pict_repo.dead_jobs$$),
          'ERROR 42501', 'the app cannot truncate a table');

-- A role that is not a member of pict_repo_user reaches nothing.
RESET ROLE;
SET LOCAL ROLE tap_stranger;
SELECT is(pg_temp.try($$SELECT pict_repo.hash_count()$$), 'ERROR 42501',
          'a role without pict_repo_user cannot call the API');
SELECT is(pg_temp.try($$SELECT pict_repo.version()$$), 'ERROR 42501',
          'a role without pict_repo_user cannot even call version()');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
