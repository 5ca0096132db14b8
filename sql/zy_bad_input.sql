-- Bad input, generated from the catalog: every function of the extension
-- (pg_proc members of pict_repo through pg_depend), every argument, called
-- with valid sample values except for one bad value in that argument: NULL,
-- empty and oversized strings, empty and oversized bytea, malformed JSON,
-- zero, negative and oversized limits, unknown and malformed ids, a wrong
-- token, infinite times, negative intervals.  A function added later is
-- covered without anyone listing it here: its rows appear in the output.
--
-- Each case runs in a subtransaction that is rolled back afterwards, so all
-- start from the same fixture; inside it the checksum of every table of the
-- extension is taken before and after the call and the tables that changed
-- are listed in brackets.  Then the checks: only documented SQLSTATEs, a
-- 22023 message names its argument, a conflict result (false, NULL, no
-- rows) or an error changed nothing, and every table is as it was.
SET client_min_messages = warning;
-- A fresh repository, so the output depends on nothing earlier files left.
DROP EXTENSION pict_repo;
CREATE EXTENSION pict_repo;
CREATE SCHEMA bad;

-- ---- the fixture ----------------------------------------------------------
CREATE TABLE bad.fx (name text PRIMARY KEY, val text NOT NULL);
SELECT pict_repo.create_hash('\xb0', 'bad/orig', 'bad/motion', '2024-01-01 00:00:00+00');
SELECT pict_repo.create_alias_with_token('bad.png', '\xb0', 'bad-token');
SELECT pict_repo.relate_variant('\xb0', 'thumb', 'bad/thumb');
SELECT pict_repo.relate_url('https://bad.example/a', 'bad.png');
SELECT pict_repo.relate_details('bad/orig', '{"width": 1}');
SELECT pict_repo.set_setting('bad-key', '\x01');
SELECT pict_repo.create_store('bad-store', 'file', 0, '/bad/store') > 0;
SELECT pict_repo.create_store('bad-archive', 'archive', 2, 'tape://bad') > 0;
SELECT pict_repo.add_copy('\xb0', 'bad-store', 'original', 'bad/copy', 1);
SELECT pict_repo.add_copy('\xb0', 'bad-archive', 'gzip-9', 'bad/arch', 1);
INSERT INTO bad.fx VALUES
    ('worker', '00000000-0000-0000-0000-0000000000b1'),
    ('upload', pict_repo.create_upload()::text),
    ('job', pict_repo.push_job('bad-q', '{"n": 1}')::text),
    ('dead', pict_repo.push_job('bad-dead', '{"n": 2}', NULL, 0, NULL, 1)::text);
SELECT count(*) FROM pict_repo.claim_job('bad-q', '00000000-0000-0000-0000-0000000000b1');
SELECT count(*) FROM pict_repo.claim_job('bad-dead', '00000000-0000-0000-0000-0000000000b1');
SELECT pict_repo.fail_job((SELECT val::uuid FROM bad.fx WHERE name = 'dead'),
                          '00000000-0000-0000-0000-0000000000b1', 'fixture');

-- ---- sample values and bad values -----------------------------------------
-- n characters that do not compress: CJK ideographs picked by an md5 chain,
-- three bytes each in UTF-8 (4,096 of them: 12 kB, far over what a btree
-- entry holds).
CREATE FUNCTION bad.incompressible(n int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(chr(19968 + ('x' || substr(md5(i::text), 1, 4))::bit(16)::int % 20000), ''
                      ORDER BY i)
      FROM generate_series(1, n) i
$$;

-- A valid value for an argument: by function and name, by name and type,
-- then by type (NULL in a column = any).
CREATE TABLE bad.sample (fn text, arg text, typ text, expr text NOT NULL);
INSERT INTO bad.sample VALUES
    (NULL, 'hash', 'bytea', $$'\xb0'::bytea$$),
    (NULL, 'after_hash', 'bytea', $$'\xb0'::bytea$$),
    (NULL, NULL, 'bytea', $$'\x01'::bytea$$),
    (NULL, 'alias', 'text', $$'bad.png'$$),
    (NULL, 'token', 'text', $$'bad-token'$$),
    (NULL, 'declared_alias', 'text', $$'bad-new.png'$$),
    (NULL, 'declared_token', 'text', $$'new-token'$$),
    (NULL, 'identifier', 'text', $$'bad/orig'$$),
    (NULL, 'motion_identifier', 'text', $$'bad/motion'$$),
    (NULL, 'blurhash', 'text', $$'LEHV6nWB2yk8pyo0adR*.7kCMdnj'$$),
    (NULL, 'variant', 'text', $$'thumb'$$),
    (NULL, 'after_variant', 'text', $$'thumb'$$),
    (NULL, 'url', 'text', $$'https://bad.example/a'$$),
    (NULL, 'after_url', 'text', $$'https://bad.example/a'$$),
    (NULL, 'key', 'text', $$'bad-key'$$),
    (NULL, 'old', 'text', $$'bad/orig'$$),
    (NULL, 'new', 'text', $$'bad/new'$$),
    (NULL, 'queue', 'text', $$'bad-q'$$),
    (NULL, 'from_queue', 'text', $$'bad-dead'$$),
    (NULL, 'unique_key', 'text', $$'bad-unique'$$),
    (NULL, 'error', 'text', $$'bad error'$$),
    (NULL, 'extension', 'text', $$'png'$$),
    -- relate_variant: a file of its own (the fixture's files are in use).
    ('relate_variant', 'identifier', 'text', $$'bad/thumb2'$$),
    (NULL, 'channel', 'text', $$'pict_repo_queue'$$),
    ('notify_tag', 'key', 'text', $$'bad-q'$$),
    ('create_store', 'name', 'text', $$'bad-store'$$),
    ('drop_store', 'name', 'text', $$'bad-store'$$),
    (NULL, 'kind', 'text', $$'file'$$),
    (NULL, 'location', 'text', $$'/bad/other'$$),
    (NULL, 'notes', 'text', $$'bad notes'$$),
    (NULL, 'store', 'text', $$'bad-store'$$),
    (NULL, 'from_store', 'text', $$'bad-store'$$),
    (NULL, 'to_store', 'text', $$'bad-archive'$$),
    (NULL, 'form', 'text', $$'original'$$),
    (NULL, 'after_form', 'text', $$'original'$$),
    (NULL, 'new_identifier', 'text', $$'bad/new-copy'$$),
    (NULL, 'bytes', 'bigint', '1'),
    -- the file service
    (NULL, 'owner', 'text', $$'bad-owner'$$),
    (NULL, 'access', 'text', $$'private'$$),
    (NULL, 'new_alias', 'text', $$'bad-renamed.png'$$),
    (NULL, 'after', 'text', $$(SELECT cursor FROM pict_repo.list_media('{}', 1))$$),
    (NULL, 'filter', 'jsonb', $$'{"owner": "bad-owner"}'::jsonb$$),
    ('set_access', 'aliases', 'text[]', $$ARRAY['bad.png']$$),
    (NULL, NULL, 'text[]', $$ARRAY['bad-tag']$$),
    (NULL, NULL, 'bigint', '10'),
    (NULL, NULL, 'text', $$'x'$$),
    (NULL, NULL, 'jsonb', $$'{"a": 1}'::jsonb$$),
    (NULL, NULL, 'jsonb[]', $$ARRAY['{"a": 1}']::jsonb[]$$),
    (NULL, NULL, 'uuid[]', $$ARRAY[(SELECT val::uuid FROM bad.fx WHERE name = 'job')]$$),
    (NULL, 'worker', 'uuid', $$(SELECT val::uuid FROM bad.fx WHERE name = 'worker')$$),
    ('complete_upload', 'id', 'uuid', $$(SELECT val::uuid FROM bad.fx WHERE name = 'upload')$$),
    ('upload_result', 'id', 'uuid', $$(SELECT val::uuid FROM bad.fx WHERE name = 'upload')$$),
    ('claim_upload', 'id', 'uuid', $$(SELECT val::uuid FROM bad.fx WHERE name = 'upload')$$),
    ('retry_dead_job', 'id', 'uuid', $$(SELECT val::uuid FROM bad.fx WHERE name = 'dead')$$),
    ('list_dead_jobs', 'after_id', 'uuid', $$'00000000-0000-0000-0000-000000000000'::uuid$$),
    (NULL, NULL, 'uuid', $$(SELECT val::uuid FROM bad.fx WHERE name = 'job')$$),
    (NULL, 'priority', 'integer', '0'),
    (NULL, 'max_attempts', 'integer', '5'),
    (NULL, NULL, 'integer', '1'),
    (NULL, 'since', 'timestamp with time zone', $$now() - interval '1 hour'$$),
    (NULL, 'after_created', 'timestamp with time zone', $$'2024-01-01 00:00:00+00'::timestamptz$$),
    (NULL, NULL, 'timestamp with time zone', 'now()'),
    (NULL, NULL, 'interval', $$interval '1 minute'$$),
    (NULL, NULL, 'boolean', 'false');

-- 1.3, pict-rs drop-in: a batch of one valid row, and the bound of a page.
INSERT INTO bad.sample VALUES
    ('import_pictrs', 'kind', 'text', $$'hash'$$),
    ('import_pictrs', 'rows', 'jsonb',
     $$'[{"h": "b1", "i": "bad/import", "c": "2024-01-01 00:00:00+00"}]'::jsonb$$),
    (NULL, 'bound_hash', 'bytea', $$'\xb0'::bytea$$),
    (NULL, 'bound_created', 'timestamp with time zone', $$'2024-01-01 00:00:00+00'::timestamptz$$);

-- Bad values: by type, plus some by argument name.
CREATE TABLE bad.value (arg text, typ text, label text, expr text NOT NULL, ord int);
INSERT INTO bad.value VALUES
    (NULL, 'text', 'NULL', 'NULL::text', 1),
    (NULL, 'text', 'empty', $$''$$, 2),
    (NULL, 'text', 'oversized', 'repeat(''x'', 5000)', 3),
    ('token', 'text', 'wrong token', $$'not-the-token'$$, 4),
    ('extension', 'text', 'not alphanumeric', $$'p/ng'$$, 4),
    ('queue', 'text', '65 characters', 'repeat(''q'', 65)', 4),
    ('from_queue', 'text', '65 characters', 'repeat(''q'', 65)', 4),
    ('alias', 'text', '257 characters', 'repeat(''a'', 257)', 4),
    ('identifier', 'text', '4097 characters', 'repeat(''i'', 4097)', 4),
    -- The longest allowed value that does not compress (4,096 characters,
    -- three bytes each in UTF-8) must be storable, and one character more
    -- is 22023, for every argument of up to 4,096 characters.
    ('identifier', 'text', '4096 incompressible', 'bad.incompressible(4096)', 6),
    ('identifier', 'text', '4097 incompressible', 'bad.incompressible(4097)', 7),
    ('motion_identifier', 'text', '4096 incompressible', 'bad.incompressible(4096)', 6),
    ('motion_identifier', 'text', '4097 incompressible', 'bad.incompressible(4097)', 7),
    ('blurhash', 'text', '4096 incompressible', 'bad.incompressible(4096)', 6),
    ('blurhash', 'text', '4097 incompressible', 'bad.incompressible(4097)', 7),
    ('url', 'text', '4096 incompressible', 'bad.incompressible(4096)', 6),
    ('url', 'text', '4097 incompressible', 'bad.incompressible(4097)', 7),
    ('after_url', 'text', '4096 incompressible', 'bad.incompressible(4096)', 6),
    ('after_url', 'text', '4097 incompressible', 'bad.incompressible(4097)', 7),
    ('old', 'text', '4096 incompressible', 'bad.incompressible(4096)', 6),
    ('old', 'text', '4097 incompressible', 'bad.incompressible(4097)', 7),
    ('new', 'text', '4096 incompressible', 'bad.incompressible(4096)', 6),
    ('new', 'text', '4097 incompressible', 'bad.incompressible(4097)', 7),
    ('alias', 'text', 'unknown', $$'no-such.png'$$, 5),
    ('identifier', 'text', 'unknown', $$'no/such'$$, 5),
    ('old', 'text', 'unknown', $$'no/such'$$, 5),
    ('url', 'text', 'unknown', $$'https://no.example/such'$$, 5),
    ('variant', 'text', 'unknown', $$'no-such'$$, 5),
    ('key', 'text', 'unknown', $$'no-such'$$, 5),
    ('kind', 'text', 'not a kind', $$'tape'$$, 4),
    ('location', 'text', 'relative path', $$'bad/relative'$$, 4),
    ('location', 'text', '4097 characters', '''/'' || repeat(''l'', 4096)', 4),
    ('store', 'text', '65 characters', 'repeat(''s'', 65)', 4),
    ('store', 'text', 'unknown', $$'no-such-store'$$, 5),
    ('from_store', 'text', 'unknown', $$'no-such-store'$$, 5),
    ('from_store', 'text', 'same as to_store', $$'bad-archive'$$, 5),
    ('to_store', 'text', 'unknown', $$'no-such-store'$$, 5),
    ('form', 'text', '65 characters', 'repeat(''f'', 65)', 4),
    ('form', 'text', 'unknown', $$'no-such-form'$$, 5),
    ('new_identifier', 'text', 'taken in the store', $$'bad/arch'$$, 5),
    (NULL, 'bigint', 'NULL', 'NULL::bigint', 1),
    (NULL, 'bigint', 'negative', '-1', 2),
    ('queue', 'text', 'unknown', $$'no-such'$$, 5),
    ('from_queue', 'text', 'unknown', $$'no-such'$$, 5),
    ('access', 'text', 'not an access', $$'secret'$$, 4),
    ('after', 'text', 'not a cursor', $$'bm90IGEgY3Vyc29y'$$, 4),
    (NULL, 'text[]', 'NULL', 'NULL::text[]', 1),
    (NULL, 'text[]', 'empty', $$'{}'::text[]$$, 2),
    (NULL, 'text[]', 'NULL element', 'ARRAY[NULL]::text[]', 3),
    (NULL, 'text[]', 'oversized element', $$ARRAY[repeat('x', 300)]$$, 4),
    (NULL, 'text[]', '10001 elements', $$ARRAY(SELECT 'x' || i FROM generate_series(1, 10001) i)$$, 5),
    ('filter', 'jsonb', 'unknown key', $$'{"colour": "red"}'::jsonb$$, 3),
    ('filter', 'jsonb', 'not an object', $$'[1]'::jsonb$$, 3),
    ('filter', 'jsonb', 'empty range', $$'{"min_width": 2, "max_width": 1}'::jsonb$$, 3),
    (NULL, 'bytea', 'NULL', 'NULL::bytea', 1),
    (NULL, 'bytea', 'empty', $$'\x'::bytea$$, 2),
    (NULL, 'bytea', '129 bytes', $$decode(repeat('ab', 129), 'hex')$$, 3),
    ('hash', 'bytea', 'unknown', $$'\xdead'::bytea$$, 4),
    (NULL, 'jsonb', 'NULL', 'NULL::jsonb', 1),
    (NULL, 'jsonb', 'malformed', $$'{"a":'::jsonb$$, 2),
    (NULL, 'jsonb[]', 'NULL', 'NULL::jsonb[]', 1),
    (NULL, 'jsonb[]', 'empty', $$'{}'::jsonb[]$$, 2),
    (NULL, 'jsonb[]', 'NULL element', 'ARRAY[NULL]::jsonb[]', 3),
    (NULL, 'jsonb[]', 'malformed', $$ARRAY['{"a":']::jsonb[]$$, 4),
    (NULL, 'jsonb[]', '10001 jobs', $$ARRAY(SELECT '{}'::jsonb FROM generate_series(1, 10001))$$, 5),
    (NULL, 'uuid[]', 'NULL', 'NULL::uuid[]', 1),
    (NULL, 'uuid[]', 'empty', $$'{}'::uuid[]$$, 2),
    (NULL, 'uuid[]', 'NULL element', 'ARRAY[NULL]::uuid[]', 3),
    (NULL, 'uuid[]', '10001 ids', 'ARRAY(SELECT gen_random_uuid() FROM generate_series(1, 10001))', 4),
    (NULL, 'integer', 'NULL', 'NULL::integer', 1),
    (NULL, 'integer', 'zero', '0', 2),
    (NULL, 'integer', 'negative', '-1', 3),
    (NULL, 'integer', '10001', '10001', 4),
    (NULL, 'uuid', 'NULL', 'NULL::uuid', 1),
    (NULL, 'uuid', 'unknown', $$'00000000-0000-0000-0000-00000000dead'::uuid$$, 2),
    (NULL, 'uuid', 'malformed', $$'not-a-uuid'::uuid$$, 3),
    (NULL, 'timestamp with time zone', 'NULL', 'NULL::timestamptz', 1),
    (NULL, 'timestamp with time zone', 'infinity', $$'infinity'::timestamptz$$, 2),
    (NULL, 'timestamp with time zone', '-infinity', $$'-infinity'::timestamptz$$, 3),
    (NULL, 'interval', 'NULL', 'NULL::interval', 1),
    (NULL, 'interval', 'negative', $$interval '-1 second'$$, 2),
    (NULL, 'interval', '1000000 years', $$interval '1000000 years'$$, 3),
    (NULL, 'boolean', 'NULL', 'NULL::boolean', 1);
-- 1.3, pict-rs drop-in.
INSERT INTO bad.value VALUES
    ('kind', 'text', 'unknown', $$'no-such'$$, 5),
    ('rows', 'jsonb', 'not an array', $$'{"a": 1}'::jsonb$$, 3),
    ('rows', 'jsonb', 'not objects', $$'[1]'::jsonb$$, 4);

-- ---- the machinery --------------------------------------------------------
-- The functions under test: members of the extension.
CREATE VIEW bad.funcs AS
SELECT p.oid, p.proname::text AS fn, p.proretset OR p.prorettype = 'pg_catalog.record'::regtype AS rows,
       p.prorettype = 'pg_catalog.void'::regtype AS void,
       coalesce(p.proargnames[1:p.pronargs], '{}') AS argnames,
       ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, i)
             ORDER BY i) AS argtypes
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
  JOIN pg_catalog.pg_extension e ON d.refclassid = 'pg_catalog.pg_extension'::regclass
                                AND d.refobjid = e.oid
 WHERE e.extname = 'pict_repo' AND d.deptype = 'e' AND p.prokind = 'f';

CREATE FUNCTION bad.sample_of(f text, a text, t text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT expr FROM bad.sample
     WHERE (fn = f OR fn IS NULL) AND (arg = a OR arg IS NULL) AND typ = t
     ORDER BY fn IS NULL, arg IS NULL LIMIT 1
$$;

-- md5 of each table of the extension, its rows in order.
CREATE FUNCTION bad.sums() RETURNS TABLE (tab text, sum text)
LANGUAGE plpgsql AS $$
DECLARE
    r regclass;
BEGIN
    FOR r IN SELECT c.oid::regclass FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass
                                          AND d.objid = c.oid AND d.deptype = 'e'
               JOIN pg_catalog.pg_extension e ON d.refobjid = e.oid AND e.extname = 'pict_repo'
              WHERE c.relkind = 'r' ORDER BY c.relname
    LOOP
        tab := r::text;
        EXECUTE format('SELECT md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) FROM %s t',
                       '|', '', r) INTO sum;
        RETURN NEXT;
    END LOOP;
END
$$;

CREATE FUNCTION bad.changed(before jsonb) RETURNS text
LANGUAGE sql AS $$
    SELECT coalesce(string_agg(replace(s.tab, 'pict_repo.', ''), ',' ORDER BY s.tab), '')
      FROM bad.sums() s WHERE before ->> s.tab IS DISTINCT FROM s.sum
$$;

-- One call: the outcome ('ok ' || result, or the SQLSTATE), the tables it
-- changed, the error message; rolled back in every case.
CREATE FUNCTION bad.run(call text, rows boolean, void boolean,
                        OUT outcome text, OUT changed text, OUT message text)
LANGUAGE plpgsql AS $$
DECLARE
    before jsonb := (SELECT jsonb_object_agg(tab, sum) FROM bad.sums());
    res text;
BEGIN
    BEGIN
        BEGIN
            IF rows THEN
                EXECUTE 'SELECT count(*)::text FROM ' || call INTO res;
                outcome := 'ok ' || res || ' rows';
            ELSE
                EXECUTE 'SELECT (' || call || ')::text' INTO res;
                outcome := 'ok ' || CASE WHEN void THEN 'void'
                                         WHEN res IS NULL THEN 'NULL'
                                         WHEN res IN ('true', 'false') THEN res
                                         ELSE 'value' END;
            END IF;
            changed := bad.changed(before);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS outcome = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
            changed := bad.changed(before);
        END;
        RAISE SQLSTATE 'ZZ001';         -- undo whatever the call did
    EXCEPTION WHEN SQLSTATE 'ZZ001' THEN
        NULL;
    END;
END
$$;

CREATE TABLE bad.result (fn text, argno int, arg text, typ text, label text, ord int,
                         outcome text, changed text, message text);

CREATE TEMP TABLE sums_before AS SELECT * FROM bad.sums();

-- Every function with valid samples (argno 0), then each argument with each
-- of its bad values.
DO $$
DECLARE
    f record;
    v record;
    n int;
    vals text[];
    r record;
BEGIN
    FOR f IN SELECT * FROM bad.funcs ORDER BY fn LOOP
        n := coalesce(array_length(f.argtypes, 1), 0);
        vals := ARRAY(SELECT bad.sample_of(f.fn, f.argnames[i], f.argtypes[i])
                        FROM generate_series(1, n) i ORDER BY i);
        IF array_position(vals, NULL) IS NOT NULL THEN
            RAISE EXCEPTION 'no sample value for an argument of %(%)', f.fn, f.argtypes;
        END IF;
        r := bad.run(format('pict_repo.%I(%s)', f.fn, array_to_string(vals, ', ')), f.rows, f.void);
        INSERT INTO bad.result VALUES (f.fn, 0, '', '', 'valid', 0, r.outcome, r.changed, r.message);
        FOR i IN 1 .. n LOOP
            FOR v IN SELECT * FROM bad.value
                      WHERE typ = f.argtypes[i] AND (arg IS NULL OR arg = f.argnames[i])
                      ORDER BY ord, label LOOP
                r := bad.run(format('pict_repo.%I(%s)', f.fn,
                                    array_to_string(vals[1:i-1] || v.expr || vals[i+1:n], ', ')),
                             f.rows, f.void);
                INSERT INTO bad.result VALUES (f.fn, i, f.argnames[i], f.argtypes[i], v.label, v.ord,
                                               r.outcome, r.changed, r.message);
            END LOOP;
        END LOOP;
    END LOOP;
END
$$;


-- ---- the results ----------------------------------------------------------
-- One line per function and argument: each bad value and what it gave
-- (an SQLSTATE, or ok and the result), with the tables it changed.
SELECT fn, CASE WHEN argno = 0 THEN '(valid)' ELSE arg || ' ' || typ END AS argument,
       string_agg(CASE WHEN argno = 0 THEN '' ELSE label || ': ' END || outcome
                  || CASE WHEN changed <> '' THEN ' [' || changed || ']' ELSE '' END,
                  ', ' ORDER BY ord, label) AS outcomes
  FROM bad.result
 GROUP BY fn, argno, arg, typ
 ORDER BY fn, argno;

-- ---- the checks -----------------------------------------------------------
-- Every function of the extension was called, each argument with at least
-- one bad value.
SELECT (SELECT count(*) FROM bad.funcs) AS functions,
       (SELECT count(DISTINCT fn) FROM bad.result) AS functions_called,
       (SELECT count(*) FROM bad.funcs f, unnest(f.argtypes) t) AS arguments,
       (SELECT count(DISTINCT (fn, argno)) FROM bad.result WHERE argno > 0) AS arguments_tried,
       (SELECT count(*) FROM bad.result WHERE argno > 0) AS bad_calls;

-- Only documented SQLSTATEs (README, "SQLSTATEs"); nothing internal.
SELECT fn, arg, label, outcome, message FROM bad.result
 WHERE outcome NOT LIKE 'ok%'
   AND outcome NOT IN ('22023', '22P02', '23503', '23505', '28000', '55000', '55006', 'P0002')
 ORDER BY fn, argno, ord;

-- A 22023 names the argument it is about.
SELECT fn, arg, label, message FROM bad.result
 WHERE outcome = '22023' AND position(arg IN message) = 0
 ORDER BY fn, argno, ord;

-- A NULL is accepted only where the argument has a DEFAULT (and then means
-- that default, or "all" for queue_length): a required argument never
-- silently becomes something.
-- (text_digest, the digest behind indexes over long values, is no API: it
-- gives NULL for NULL, as an index over a nullable column needs.)
SELECT r.fn, r.arg, r.outcome, r.changed
  FROM bad.result r JOIN bad.funcs b ON b.fn = r.fn
  JOIN pg_catalog.pg_proc f ON f.oid = b.oid
 WHERE r.label = 'NULL' AND r.outcome LIKE 'ok%'
   AND r.argno <= f.pronargs - f.pronargdefaults
   AND r.fn <> 'text_digest'
   -- 1.3: average_time_to_completion(NULL, ...) covers every queue (a
   -- leading argument cannot take a DEFAULT before since and until).
   AND NOT (r.fn = 'average_time_to_completion' AND r.arg = 'queue')
 ORDER BY r.fn, r.argno;

-- An error, or a conflict result (false, NULL, no rows), changed nothing.
-- (complete_and_claim_job's and complete_and_claim_jobs's rows are the next
-- jobs: they may complete some and find none to claim.)
SELECT fn, arg, label, outcome, changed FROM bad.result
 WHERE changed <> ''
   AND (outcome NOT LIKE 'ok%' OR outcome IN ('ok false', 'ok NULL')
        OR (outcome = 'ok 0 rows'
            AND fn NOT IN ('complete_and_claim_job', 'complete_and_claim_jobs')))
 ORDER BY fn, argno, ord;

-- The backend is alive and every table is as the fixture left it.
SELECT count(*) AS tables,
       count(*) FILTER (WHERE a.sum = b.sum) AS unchanged
  FROM bad.sums() a FULL JOIN sums_before b USING (tab);

DROP SCHEMA bad CASCADE;
