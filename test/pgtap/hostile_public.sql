-- hostile_public.sql: every function keeps its results when a hostile
-- `public` schema defines look-alike functions, operators, aggregates and
-- tables and the caller's search_path puts public first.
--
-- How it works:
--  1. pg_temp.calls lists (call, expected): each call is an SQL expression,
--     its result is the array of its rows as text (a set-returning call gives
--     several elements, NULL is a NULL element, an error is 'ERROR <SQLSTATE>').
--     The list runs three times, in order, so it must leave the database as
--     it found it (remove what it adds).
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
-- Adding a function: add its lines to pg_temp.calls below (in the section of
-- its area), e.g.
--     ($$pict_repo.hash_identifier('\x0a0b')$$, ARRAY['tap/orig.png']),
-- Qualify everything in a call that is not the function under test
-- (pg_catalog.repeat, OPERATOR(pg_catalog.=)): the call itself runs under the
-- hostile search_path too.  plan() counts the rows by itself.

BEGIN;

SET LOCAL client_min_messages = warning;

-- ---------------------------------------------------------------------------
-- Fixtures: rows the functions of other areas would create, inserted
-- directly so migrate_identifier has a hash, motion file and variant to move.
-- ---------------------------------------------------------------------------
INSERT INTO pict_repo.hashes (hash, identifier, motion_identifier, created_at)
VALUES ('\x0a0b', 'tap/orig.png', 'tap/motion.mp4', '2020-01-01 00:00:00+00');
INSERT INTO pict_repo.variants (hash, variant, identifier, accessed)
VALUES ('\x0a0b', 'thumb', 'tap/thumb.png', '2020-01-01 00:00:00+00');

-- ---------------------------------------------------------------------------
-- The calls and what they return without a hostile schema
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE calls (
    ord         serial PRIMARY KEY,
    call        text NOT NULL,
    expected    text[] NOT NULL
);
INSERT INTO calls (call, expected) VALUES
    -- version
    ($$pict_repo.version()$$, ARRAY['1.0']),

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
    ($$pict_repo.relate_details('tap/a.png', '{"width": 640, "height": 480, "format": "png"}')$$, ARRAY['']),
    ($$pict_repo.details('tap/a.png')$$, ARRAY['{"width": 640, "format": "png", "height": 480}']),
    ($$pict_repo.relate_details('tap/a.png', '{"width": 1}')$$, ARRAY['']),
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
    ($$pict_repo.relate_details('tap/orig.png', '{"w": 1}')$$, ARRAY['']),
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

    -- Hashes and variants: add calls here.
    -- Aliases, proxies, access times: add calls here.
    -- Job queue and maintenance: add calls here.

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
CREATE TABLE public.aliases (alias text, hash bytea, token text, created_at timestamptz);
CREATE TABLE public.proxies (url text, alias text, accessed timestamptz);

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
        ($$'{"a": 1}'::jsonb || '{"b": 2}'::jsonb$$, ARRAY['{"hostile": true}'])
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
        ($$(SELECT h.identifier FROM hashes h)$$, ARRAY['tap/hostile.png'])
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

SELECT is(r.got, c.expected, r.run || ': ' || c.call)
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
