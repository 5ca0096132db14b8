-- The pict-rs drop-in (1.3): hash_created_at and pages in both directions
-- from a bound (pict-rs's HashPage), variant_processing, abort_job,
-- relate_details with replace, average_time_to_completion of every queue,
-- and import_pictrs.  Uses its own hashes (\xe5..), queues (pictrs-*) and
-- identifiers (pr/...), and removes them at the end.  The waits
-- (pr_wait_for_variant) and the call sequences of pict-rs are in
-- test/client/t_pictrs.c, the requeue by claims without maintenance in
-- test/t/005_claim_requeue.pl, the tool in test/pictrs/import_test.sh.
SET client_min_messages = warning;

-- ---- hash_created_at ---------------------------------------------------------
SELECT pict_repo.create_hash('\xe501', 'pr/1', NULL, '2031-01-01 00:00:00+00');
SELECT pict_repo.hash_created_at('\xe501');
SELECT pict_repo.hash_created_at('\xe5ff') IS NULL AS unknown_is_null;
SELECT regress.error_of($$SELECT pict_repo.hash_created_at(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.hash_created_at('\x')$$);

-- ---- hash_page_bound -----------------------------------------------------------
-- 40 more hashes after 2031-01-01, in groups of four sharing a created_at.
SELECT count(*) FILTER (WHERE pict_repo.create_hash(
           pg_catalog.decode('e5' || lpad(to_hex(i), 2, '0') || 'aa', 'hex'), 'pr/p' || i, NULL,
           '2031-01-01 00:00:00+00'::timestamptz + (i / 4) * interval '1 second'))
FROM generate_series(2, 41) AS i;
-- The four directions from a bound in the middle of a group of equal times.
SELECT hash, created_at FROM pict_repo.hash_page_bound('2031-01-01 00:00:05+00', '\xe515aa', 3);
SELECT hash, created_at FROM pict_repo.hash_page_bound('2031-01-01 00:00:05+00', '\xe515aa', 3, false, false);
SELECT hash, created_at FROM pict_repo.hash_page_bound('2031-01-01 00:00:05+00', '\xe515aa', 3, true);
SELECT hash, created_at FROM pict_repo.hash_page_bound('2031-01-01 00:00:05+00', '\xe515aa', 3, true, false);
-- A bound that does not exist (deleted, or between two rows).
SELECT hash FROM pict_repo.hash_page_bound('2031-01-01 00:00:05+00', '\xe515', 2);
SELECT hash FROM pict_repo.hash_page_bound('2031-01-01 00:00:05+00', '\xe515', 2, true);
-- Past either end: no rows.
SELECT count(*) FROM pict_repo.hash_page_bound('2031-01-01 00:00:00+00', '\xe501', 5, false, false)
 WHERE hash::text LIKE '\\xe5%';
SELECT count(*) FROM pict_repo.hash_page_bound('infinity', '\xff', 5, true);

-- pict-rs's HashPage: a page is lim rows from the bound (inclusive,
-- older), the extra row names the next page; the previous page starts at
-- the last of lim rows newer than the bound.  Walk every page of the 41
-- hashes with next, then back with prev: the same pages, in reverse.
CREATE TEMP TABLE walked (step int, dir text, page bytea[]);
DO $$
DECLARE
    lim constant int := 3;
    bound_c timestamptz;
    bound_h bytea;
    rows bytea[];
    times timestamptz[];
    step int := 0;
    prev_h bytea;
BEGIN
    -- The newest of ours is the first bound.
    SELECT created_at, hash INTO bound_c, bound_h FROM pict_repo.hashes
     WHERE hash::text LIKE '\\xe5%' ORDER BY created_at DESC, hash DESC LIMIT 1;
    LOOP
        SELECT array_agg(hash ORDER BY ord), array_agg(created_at ORDER BY ord) INTO rows, times
          FROM (SELECT hash, created_at, row_number() OVER () AS ord
                  FROM pict_repo.hash_page_bound(bound_c, bound_h, lim + 1)
                 WHERE hash::text LIKE '\\xe5%') p;
        step := step + 1;
        INSERT INTO walked VALUES (step, 'next', rows[1:lim]);
        EXIT WHEN cardinality(rows) <= lim;
        -- next slug: the extra row; its created_at from hash_created_at
        bound_h := rows[lim + 1];
        bound_c := pict_repo.hash_created_at(bound_h);
    END LOOP;
    -- Now back: prev of the page at bound_h, until the first page.
    LOOP
        SELECT hash INTO prev_h
          FROM (SELECT hash, row_number() OVER () AS ord
                  FROM pict_repo.hash_page_bound(bound_c, bound_h, lim, true, false)) p
         ORDER BY ord DESC LIMIT 1;
        EXIT WHEN prev_h IS NULL OR prev_h::text NOT LIKE '\\xe5%';
        bound_h := prev_h;
        bound_c := pict_repo.hash_created_at(bound_h);
        SELECT array_agg(hash ORDER BY ord) INTO rows
          FROM (SELECT hash, row_number() OVER () AS ord
                  FROM pict_repo.hash_page_bound(bound_c, bound_h, lim)) p;
        step := step - 1;
        INSERT INTO walked VALUES (step, 'prev', rows);
    END LOOP;
END
$$;
SELECT count(*) FILTER (WHERE dir = 'next') AS next_pages,
       count(*) FILTER (WHERE dir = 'prev') AS prev_pages,
       (SELECT sum(cardinality(page)) FROM walked WHERE dir = 'next') AS rows_walked
  FROM walked;
-- Every prev page is the next page of the same step.
SELECT n.step, n.page = p.page AS same_page
  FROM walked n JOIN walked p ON p.step = n.step AND p.dir = 'prev'
 WHERE n.dir = 'next' ORDER BY n.step;
-- And next walked every hash once, newest first.
SELECT (SELECT array_agg(u.h ORDER BY w.step, u.o) FROM walked w, unnest(w.page) WITH ORDINALITY AS u(h, o)
         WHERE w.dir = 'next')
     = (SELECT array_agg(hash ORDER BY created_at DESC, hash DESC) FROM pict_repo.hashes
         WHERE hash::text LIKE '\\xe5%') AS every_hash_once_in_order;

-- errors
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_bound(NULL, '\xe501')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_bound(now(), NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_bound(now(), '\x')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_bound(now(), '\xe501', 0)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_bound(now(), '\xe501', 10001)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_bound(now(), '\xe501', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_bound(now(), '\xe501', 1, NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.hash_page_bound(now(), '\xe501', 1, true, NULL)$$);

-- ---- variant_processing -----------------------------------------------------------
SELECT pict_repo.variant_processing('\xe501', 'thumb');           -- no lock: false
SELECT pict_repo.claim_variant_processing('\xe501', 'thumb');
SELECT pict_repo.variant_processing('\xe501', 'thumb');           -- live lock: true
SELECT pict_repo.variant_processing('\xe501', 'other');           -- another variant: false
-- a lock whose heartbeat is older than lock_timeout is dead: false
UPDATE pict_repo.variant_locks SET heartbeat = heartbeat - interval '1 day'
 WHERE hash = '\xe501' AND variant = 'thumb';
SELECT pict_repo.variant_processing('\xe501', 'thumb');
SELECT pict_repo.claim_variant_processing('\xe501', 'thumb');      -- taken over
SELECT pict_repo.variant_processing('\xe501', 'thumb');
SELECT pict_repo.release_variant_processing('\xe501', 'thumb');
SELECT pict_repo.variant_processing('\xe501', 'thumb');           -- released: false
SELECT pict_repo.variant_processing('\xe5ff', 'thumb');           -- unknown hash: false
SELECT regress.error_of($$SELECT pict_repo.variant_processing(NULL, 'thumb')$$);
SELECT regress.error_of($$SELECT pict_repo.variant_processing('\xe501', '')$$);
SELECT regress.error_of($$SELECT pict_repo.variant_processing('\xe501', repeat('v', 257))$$);

-- ---- relate_details with replace ----------------------------------------------------
SELECT pict_repo.relate_details('pr/1', '{"width": 1}', false);   -- new: written, true
SELECT pict_repo.relate_details('pr/1', '{"width": 2}', false);   -- kept: false
SELECT pict_repo.details('pr/1');
SELECT pict_repo.relate_details('pr/1', '{"width": 3}');          -- replace (default): true
SELECT pict_repo.details('pr/1');
SELECT pict_repo.relate_details('pr/1', '{"width": 4}', true);
SELECT pict_repo.details('pr/1');
SELECT regress.error_of($$SELECT pict_repo.relate_details('pr/1', '{}', NULL)$$);
SELECT pict_repo.details('pr/1');                                  -- unchanged by the error

-- ---- abort_job -------------------------------------------------------------------------
SELECT pict_repo.push_job('pictrs-abort', '{"n": 1}', 'abort-key', 0, NULL, 100) IS NOT NULL AS pushed;
SELECT pict_repo.push_job('pictrs-abort', '{"n": 2}') IS NOT NULL AS pushed;
SELECT attempt FROM pict_repo.claim_job('pictrs-abort', '00000000-0000-0000-0000-0000000000e1');
SELECT attempt FROM pict_repo.claim_job('pictrs-abort', '00000000-0000-0000-0000-0000000000e2');
CREATE TEMP TABLE aj AS
SELECT id, job->>'n' AS n FROM pict_repo.job_queue WHERE queue = 'pictrs-abort';
-- another worker cannot abort it
SELECT pict_repo.abort_job((SELECT id FROM aj WHERE n = '1'), '00000000-0000-0000-0000-0000000000e2');
-- the holder can, whatever attempts are left (99 of 100)
SELECT pict_repo.abort_job((SELECT id FROM aj WHERE n = '1'), '00000000-0000-0000-0000-0000000000e1',
                           'corrupt file');
SELECT pict_repo.abort_job((SELECT id FROM aj WHERE n = '2'), '00000000-0000-0000-0000-0000000000e2');
SELECT d.job->>'n' AS n, d.attempts, d.max_attempts, d.last_error, d.unique_key
  FROM pict_repo.dead_jobs d JOIN aj USING (id) ORDER BY 1;
SELECT count(*) AS left_in_queue FROM pict_repo.job_queue WHERE queue = 'pictrs-abort';
SELECT failed, completed FROM pict_repo.queue_stats() WHERE queue = 'pictrs-abort';
-- a second abort, or an abort of an unknown job: false
SELECT pict_repo.abort_job((SELECT id FROM aj WHERE n = '1'), '00000000-0000-0000-0000-0000000000e1');
SELECT pict_repo.abort_job('00000000-0000-0000-0000-00000000ffff', '00000000-0000-0000-0000-0000000000e1');
-- the unique key is free again
SELECT pict_repo.push_job('pictrs-abort', '{"n": 3}', 'abort-key') IS NOT NULL AS pushed_again;
-- a waiting job is not held: false
SELECT pict_repo.abort_job((SELECT id FROM pict_repo.job_queue WHERE queue = 'pictrs-abort'),
                           '00000000-0000-0000-0000-0000000000e1');
SELECT regress.error_of($$SELECT pict_repo.abort_job(NULL, '00000000-0000-0000-0000-0000000000e1')$$);
SELECT regress.error_of($$SELECT pict_repo.abort_job('00000000-0000-0000-0000-00000000ffff', NULL)$$);

-- ---- average_time_to_completion over every queue ------------------------------------------
INSERT INTO pict_repo.queue_stats (queue, minute, shard, completed, wait_time, run_time) VALUES
    ('pictrs-avg-a', '2031-02-01 00:00:00+00', 0, 1, '1 second', '1 second'),
    ('pictrs-avg-b', '2031-02-01 00:01:00+00', 0, 3, '3 seconds', '9 seconds');
SELECT pict_repo.average_time_to_completion('pictrs-avg-a', '2031-02-01', '2031-02-01 00:05');
SELECT pict_repo.average_time_to_completion('pictrs-avg-b', '2031-02-01', '2031-02-01 00:05');
SELECT pict_repo.average_time_to_completion(NULL, '2031-02-01', '2031-02-01 00:05');  -- (2 + 12) / 4
SELECT pict_repo.average_time_to_completion(NULL, '2031-02-02', '2031-02-03');        -- none: NULL
SELECT regress.error_of($$SELECT pict_repo.average_time_to_completion('', now(), now())$$);
DELETE FROM pict_repo.queue_stats WHERE queue LIKE 'pictrs-avg-%';

-- ---- import_pictrs ---------------------------------------------------------------------------
-- hashes: new, existing, a conflict, bad values, sharing of files
SELECT * FROM pict_repo.import_pictrs('hash', $$[
  {"h": "e5a1", "i": "pr/a1", "m": "pr/a1.mp4", "b": "LEHV", "c": "2031-03-01 00:00:00+00"},
  {"h": "e501", "i": "pr/1", "c": "2031-01-01 00:00:00+00"},
  {"h": "e5a3", "i": "pr/a3", "m": "pr/a3", "c": "2031-03-01 00:00:00+00"},
  {"h": "e5a4", "i": "pr/a4", "c": null},
  {"h": "", "i": "pr/a5", "c": "2031-03-01 00:00:00+00"},
  {"h": "e5a6", "c": "2031-03-01 00:00:00+00"},
  {"h": "e5a7", "i": "pr/twice", "c": "2031-03-01 00:00:00+00"},
  {"h": "e5a8", "i": "pr/a8", "m": "pr/twice", "c": "2031-03-01 00:00:00+00"}
]$$);
SELECT * FROM pict_repo.import_pictrs('hash', $$[
  {"h": "e501", "i": "pr/other", "c": "2031-01-01 00:00:00+00"},
  {"h": "e5a2", "i": "pr/1", "c": "2031-03-01 00:00:00+00"},
  {"h": "e5a9", "i": "pr/a9", "m": "pr/a1.mp4", "c": "2031-03-01 00:00:00+00"}
]$$);
SELECT hash, identifier, motion_identifier, blurhash, created_at FROM pict_repo.hashes
 WHERE hash IN ('\xe5a1', '\xe501') ORDER BY hash;
-- the same batch again: the new row exists now
SELECT * FROM pict_repo.import_pictrs('hash', '[{"h": "e5a1", "i": "pr/a1", "m": "pr/a1.mp4", "c": "2031-03-01"}]');
-- dry run writes nothing
SELECT * FROM pict_repo.import_pictrs('hash', '[{"h": "e5b1", "i": "pr/b1", "c": "2031-03-01"}]', true);
SELECT pict_repo.hash_identifier('\xe5b1') IS NULL AS not_written;
-- variants
SELECT * FROM pict_repo.import_pictrs('variant', $$[
  {"h": "e5a1", "v": "thumb", "i": "pr/a1-thumb", "a": "2031-03-02 00:00:00+00"},
  {"h": "e5a1", "v": "big", "i": "pr/a1-big", "a": null},
  {"h": "e5ee", "v": "thumb", "i": "pr/ee-thumb"},
  {"h": "e5a1", "v": "orig", "i": "pr/a1"},
  {"h": "e5a1", "v": "", "i": "pr/a1-empty"}
]$$);
SELECT * FROM pict_repo.import_pictrs('variant', $$[
  {"h": "e501", "v": "thumb", "i": "pr/a1-thumb"},
  {"h": "e501", "v": "x", "i": "pr/dup"},
  {"h": "e501", "v": "y", "i": "pr/dup"}
]$$);
SELECT * FROM pict_repo.import_pictrs('variant', '[{"h": "e5a1", "v": "thumb", "i": "pr/a1-thumb"},
                                                  {"h": "e5a1", "v": "thumb", "i": "pr/moved"}]', true);
SELECT variant, identifier, accessed = '2031-03-02 00:00:00+00' AS kept_time,
       accessed BETWEEN now() - interval '1 hour' AND now() AS import_time
  FROM pict_repo.variants WHERE hash = '\xe5a1' ORDER BY variant;
-- aliases and proxies
SELECT * FROM pict_repo.import_pictrs('alias', $$[
  {"a": "pr-a1.png", "h": "e5a1", "t": "tok-a1"},
  {"a": "pr-фото.png", "h": "e5a1", "t": "tok-2"},
  {"a": "pr-orphan.png", "h": "e5ee", "t": "tok"},
  {"a": "pr-notoken.png", "h": "e5a1"}
]$$);
SELECT * FROM pict_repo.import_pictrs('alias', '[{"a": "pr-a1.png", "h": "e5a1", "t": "tok-a1"},
                                                {"a": "pr-a1.png", "h": "e5a1", "t": "other"}]');
SELECT * FROM pict_repo.delete_alias('pr-фото.png', 'tok-2');     -- the token works
SELECT * FROM pict_repo.import_pictrs('proxy', $$[
  {"u": "https://pr.example/a1", "a": "pr-a1.png", "t": "2031-03-03 00:00:00+00"},
  {"u": "https://pr.example/none", "a": "pr-none.png"}
]$$);
SELECT pict_repo.related('https://pr.example/a1'), pict_repo.alias_accessed_at('pr-a1.png');
-- details, settings, store migrations
SELECT * FROM pict_repo.import_pictrs('details', '[{"i": "pr/a1", "d": {"width": 5}},
                                                  {"i": "pr/1", "d": {"width": 9}},
                                                  {"i": "pr/nod"}]');
SELECT * FROM pict_repo.import_pictrs('setting', '[{"k": "pr-key", "v": "cafe"}, {"k": "pr-key", "v": "cafe"}]');
SELECT * FROM pict_repo.import_pictrs('setting', '[{"k": "pr-key", "v": "beef"}, {"k": "", "v": "00"}]');
SELECT pict_repo.get_setting('pr-key');
SELECT * FROM pict_repo.import_pictrs('migration', '[{"o": "pr/old1", "n": "pr/new1"}, {"o": "pr/same", "n": "pr/same"}]');
SELECT * FROM pict_repo.import_pictrs('migration', '[{"o": "pr/old1", "n": "pr/new1"}, {"o": "pr/old1", "n": "pr/new2"},
                                                    {"o": "pr/old2", "n": "pr/new1"}]');
-- jobs: imported once, even after they ran
SELECT * FROM pict_repo.import_pictrs('job', $$[
  {"id": "00000000-0000-4000-8000-0000000000e1", "q": "pictrs-import", "j": {"n": 1}, "k": "pr-uk", "t": "2031-03-01", "m": 3},
  {"id": "00000000-0000-4000-8000-0000000000e2", "q": "pictrs-import", "j": {"n": 2}, "k": "pr-uk", "t": "2031-03-01"},
  {"id": "00000000-0000-4000-8000-0000000000e3", "q": "", "j": {"n": 3}},
  {"id": "00000000-0000-4000-8000-0000000000e4", "q": "pictrs-import", "j": {"n": 4}, "m": 0}
]$$);
SELECT id, status, attempts, max_attempts, unique_key, queue_time FROM pict_repo.job_queue
 WHERE queue = 'pictrs-import';
SELECT pict_repo.cancel_job('00000000-0000-4000-8000-0000000000e1');
SELECT * FROM pict_repo.import_pictrs('job', '[{"id": "00000000-0000-4000-8000-0000000000e1", "q": "pictrs-import", "j": {"n": 1}}]');
-- The longest values (4096 characters that do not compress, multibyte ones
-- among them) go through the digest indexes; one character more is refused.
CREATE TEMP TABLE big AS
SELECT string_agg(substr(md5(i::text), 1, 7) || 'é', '') AS v FROM generate_series(1, 512) AS i;
SELECT char_length(v) AS chars, octet_length(v) AS bytes FROM big;
SELECT * FROM pict_repo.import_pictrs('hash', (SELECT jsonb_build_array(
    jsonb_build_object('h', 'e5f1', 'i', v, 'c', '2031-04-01'),
    jsonb_build_object('h', 'e5f2', 'i', v || 'x', 'c', '2031-04-01')) FROM big));
SELECT * FROM pict_repo.import_pictrs('details', (SELECT jsonb_build_array(
    jsonb_build_object('i', v, 'd', '{"big": true}'::jsonb),
    jsonb_build_object('i', v || 'x', 'd', '{"big": true}'::jsonb)) FROM big));
SELECT * FROM pict_repo.import_pictrs('alias', '[{"a": "pr-big.png", "h": "e5f1", "t": "tok"}]');
SELECT * FROM pict_repo.import_pictrs('proxy', (SELECT jsonb_build_array(
    jsonb_build_object('u', v, 'a', 'pr-big.png'),
    jsonb_build_object('u', v || 'x', 'a', 'pr-big.png')) FROM big));
SELECT * FROM pict_repo.import_pictrs('migration', (SELECT jsonb_build_array(
    jsonb_build_object('o', 'pr/' || substr(v, 4), 'n', 'pr-new/' || substr(v, 8)),
    jsonb_build_object('o', v || 'x', 'n', 'pr/x')) FROM big));
-- the same again: found through the digests
SELECT * FROM pict_repo.import_pictrs('hash', (SELECT jsonb_build_array(
    jsonb_build_object('h', 'e5f1', 'i', v, 'c', '2031-04-01')) FROM big), true);
SELECT pict_repo.hash_identifier('\xe5f1') = v AS stored, pict_repo.details(v) AS details,
       pict_repo.related(v) AS related FROM big;

-- errors
SELECT regress.error_of($$SELECT * FROM pict_repo.import_pictrs('hashes', '[]')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.import_pictrs(NULL, '[]')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.import_pictrs('hash', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.import_pictrs('hash', '{"h": "e5"}')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.import_pictrs('hash', '[1]')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.import_pictrs('hash', '[]', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.import_pictrs('hash', '[{"h": "zz", "i": "x", "c": "2031-01-01"}]')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.import_pictrs('hash',
    (SELECT jsonb_agg(jsonb_build_object('h', 'e5')) FROM generate_series(1, 10001)))$$);
SELECT count(*) FROM pict_repo.import_pictrs('hash', '[]');

-- ---- clean up ---------------------------------------------------------------------------------
DELETE FROM pict_repo.job_queue WHERE queue LIKE 'pictrs-%';
DELETE FROM pict_repo.dead_jobs WHERE queue LIKE 'pictrs-%';
DELETE FROM pict_repo.queue_stats WHERE queue LIKE 'pictrs-%';
DELETE FROM pict_repo.imported_jobs;
DELETE FROM pict_repo.settings WHERE key = 'pr-key';
DELETE FROM pict_repo.store_migrations WHERE old_identifier LIKE 'pr/%';
DELETE FROM pict_repo.details WHERE identifier LIKE 'pr/%' OR identifier IN (SELECT v FROM big);
SELECT count(*) FROM pict_repo.hashes h, pict_repo.cleanup_hash(h.hash, true)
 WHERE h.hash::text LIKE '\\xe5%';
