-- list_dead_jobs (1.3): dead jobs for an application role, oldest job first,
-- in keyset pages on the id, of one queue or of all.
SET client_min_messages = warning;
DELETE FROM pict_repo.dead_jobs;
-- Seven dead jobs in two queues; the ids give the order (UUIDv7 is push order).
INSERT INTO pict_repo.dead_jobs
    (id, queue, job, status, priority, run_at, queue_time, attempts, max_attempts, last_error, died_at)
SELECT ('00000000-0000-7000-8000-00000000000' || i)::uuid,
       CASE WHEN i % 2 = 0 THEN 'dq-even' ELSE 'dq-odd' END,
       pg_catalog.jsonb_build_object('n', i), 'running', 0,
       '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', 3, 3,
       CASE WHEN i = 3 THEN NULL ELSE 'error ' || i END,
       '2026-01-02 00:00:00+00'::timestamptz - i * interval '1 minute'
FROM generate_series(1, 7) AS i;

-- every queue, oldest job first, with the defaults (lim 100, from the start)
SELECT * FROM pict_repo.list_dead_jobs();
-- pages of 3, each strictly after the last id of the previous one
SELECT id, queue FROM pict_repo.list_dead_jobs(NULL, 3);
SELECT id, queue FROM pict_repo.list_dead_jobs(NULL, 3, '00000000-0000-7000-8000-000000000003');
SELECT id, queue FROM pict_repo.list_dead_jobs(NULL, 3, '00000000-0000-7000-8000-000000000006');
SELECT count(*) AS past_the_end FROM pict_repo.list_dead_jobs(NULL, 3, '00000000-0000-7000-8000-000000000007');
-- one queue, in pages of 2; the key need not be a job of that queue
SELECT id, job FROM pict_repo.list_dead_jobs('dq-odd', 2);
SELECT id, job FROM pict_repo.list_dead_jobs('dq-odd', 2, '00000000-0000-7000-8000-000000000003');
SELECT id, job FROM pict_repo.list_dead_jobs('dq-odd', 2, '00000000-0000-7000-8000-000000000004');
SELECT id FROM pict_repo.list_dead_jobs(from_queue => 'dq-even', after_id => '00000000-0000-7000-8000-000000000002');
SELECT count(*) AS unknown_queue FROM pict_repo.list_dead_jobs('no-such-queue');
-- a job that was retried is no longer listed
SELECT pict_repo.retry_dead_job('00000000-0000-7000-8000-000000000005') AS retried;
SELECT id FROM pict_repo.list_dead_jobs('dq-odd');
SELECT pict_repo.cancel_job('00000000-0000-7000-8000-000000000005') AS cancelled;

-- bad input: 22023 naming the argument
SELECT regress.error_of($$SELECT * FROM pict_repo.list_dead_jobs('')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.list_dead_jobs(repeat('q', 65))$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.list_dead_jobs(NULL, 0)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.list_dead_jobs(NULL, 10001)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.list_dead_jobs(NULL, NULL)$$);

-- an application role (a member of pict_repo_user only) lists them, although
-- it may not read the table
CREATE ROLE regress_dead_app;
GRANT pict_repo_user TO regress_dead_app;
GRANT USAGE ON SCHEMA regress TO regress_dead_app;    -- for regress.error_of
SET ROLE regress_dead_app;
SELECT regress.error_of($$SELECT count(*) FROM pict_repo.dead_jobs$$);
SELECT count(*) AS listed, min(queue) AS first_queue FROM pict_repo.list_dead_jobs(NULL, 10);
RESET ROLE;
REVOKE USAGE ON SCHEMA regress FROM regress_dead_app;
DROP ROLE regress_dead_app;
DELETE FROM pict_repo.dead_jobs;
