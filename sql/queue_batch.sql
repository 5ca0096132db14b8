-- complete_jobs (1.2): the batch form of complete_job.
\set w1 '00000000-0000-0000-0000-0000000000c1'
\set w2 '00000000-0000-0000-0000-0000000000c2'
SELECT count(*) AS pushed FROM pict_repo.push_jobs('qb', ARRAY(SELECT jsonb_build_object('n', i) FROM generate_series(1, 12) i));
CREATE TEMP TABLE held1 AS SELECT id, job FROM pict_repo.claim_job('qb', :'w1', 5);
CREATE TEMP TABLE held2 AS SELECT id, job FROM pict_repo.claim_job('qb', :'w2', 4);
SELECT (SELECT count(*) FROM held1) AS held_by_w1, (SELECT count(*) FROM held2) AS held_by_w2;
SELECT count(*) AS stats_rows_before FROM pict_repo.queue_stats WHERE queue = 'qb';

-- Only the jobs the worker holds are completed and returned: w1's five,
-- not w2's four, not an unknown id, not a NULL element, each once.
CREATE TEMP TABLE done1 AS
SELECT * FROM pict_repo.complete_jobs(
    ARRAY(SELECT id FROM held1) || ARRAY(SELECT id FROM held2)
    || ARRAY['00000000-0000-0000-0000-000000000001'::uuid, NULL]
    || ARRAY(SELECT id FROM held1 LIMIT 2),
    :'w1') AS id;
SELECT count(*) AS completed, count(DISTINCT id) AS distinct_ids,
       bool_and(id IN (SELECT id FROM held1)) AS all_held_by_w1
FROM done1;
SELECT count(*) AS w1_jobs_left FROM pict_repo.job_queue WHERE id IN (SELECT id FROM held1);
SELECT count(*) AS w2_jobs_still_running FROM pict_repo.job_queue
WHERE id IN (SELECT id FROM held2) AND status = 'running' AND worker = :'w2';
-- counted in queue_stats: five completions, wait and run time summed
SELECT sum(completed) AS completed, sum(failed) AS failed,
       sum(wait_time) >= interval '0' AS wait_summed, sum(run_time) >= interval '0' AS run_summed
FROM pict_repo.queue_stats WHERE queue = 'qb';
SELECT completed FROM pict_repo.queue_stats() WHERE queue = 'qb';

-- again: nothing left to complete
SELECT count(*) AS again FROM pict_repo.complete_jobs(ARRAY(SELECT id FROM held1), :'w1');
-- an empty batch is a no-op
SELECT count(*) AS empty FROM pict_repo.complete_jobs('{}', :'w1');
-- w2 completes its own; the counts add up
SELECT count(*) AS w2_completed FROM pict_repo.complete_jobs(ARRAY(SELECT id FROM held2), :'w2');
SELECT sum(completed) AS completed FROM pict_repo.queue_stats WHERE queue = 'qb';
SELECT pict_repo.queue_length('qb') AS left_in_queue;

-- a requeued job is no longer the stale worker's to complete
CREATE TEMP TABLE held3 AS SELECT id FROM pict_repo.claim_job('qb', :'w1', 2);
UPDATE pict_repo.job_queue SET heartbeat = now() - interval '1 hour' WHERE id IN (SELECT id FROM held3);
SELECT pict_repo.requeue_stale(interval '1 minute') AS requeued;
SELECT count(*) AS stale_completed FROM pict_repo.complete_jobs(ARRAY(SELECT id FROM held3), :'w1');
SELECT count(*) AS back_to_new FROM pict_repo.job_queue WHERE id IN (SELECT id FROM held3) AND status = 'new';

-- a batch in a transaction that rolls back changes nothing
CREATE TEMP TABLE held4 AS SELECT id FROM pict_repo.claim_job('qb', :'w1', 3);
BEGIN;
SELECT count(*) AS completed_in_txn FROM pict_repo.complete_jobs(ARRAY(SELECT id FROM held4), :'w1');
ROLLBACK;
SELECT count(*) AS still_running FROM pict_repo.job_queue
WHERE id IN (SELECT id FROM held4) AND status = 'running';

-- bad input: 22023, nothing changed
SELECT regress.error_of($$SELECT pict_repo.complete_jobs(NULL, '00000000-0000-0000-0000-0000000000c1')$$);
SELECT regress.error_of($$SELECT pict_repo.complete_jobs(ARRAY(SELECT id FROM held4), NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.complete_jobs(ARRAY(SELECT gen_random_uuid() FROM generate_series(1, 10001)), '00000000-0000-0000-0000-0000000000c1')$$);
SELECT count(*) AS still_running FROM pict_repo.job_queue
WHERE id IN (SELECT id FROM held4) AND status = 'running';
SELECT count(*) AS completed FROM pict_repo.complete_jobs(ARRAY(SELECT id FROM held4), :'w1');

-- after a claim in the same transaction the batch completion is durable again
SELECT count(*) AS pushed FROM pict_repo.push_jobs('qb', ARRAY['{"n": 13}', '{"n": 14}']::jsonb[]);
SET synchronous_commit = on;
BEGIN;
SELECT array_agg(id) AS h5 FROM pict_repo.claim_job('qb', :'w1', 2) \gset
SHOW synchronous_commit;
SELECT count(*) AS completed FROM pict_repo.complete_jobs(:'h5', :'w1');
SHOW synchronous_commit;
COMMIT;
SELECT pict_repo.queue_length('qb') AS left_in_queue;

-- push_jobs takes at most 10,000 jobs, like complete_jobs: one more is 22023
-- naming jobs and pushes nothing; a NULL element is 22023 too
SELECT count(*) AS jobs_before FROM pict_repo.job_queue \gset
SELECT count(*) AS pushed_max
FROM pict_repo.push_jobs('qcap', ARRAY(SELECT '{}'::jsonb FROM generate_series(1, 10000)));
SELECT regress.error_of($$SELECT pict_repo.push_jobs('qcap', ARRAY(SELECT '{}'::jsonb FROM generate_series(1, 10001)))$$);
SELECT regress.error_of($$SELECT pict_repo.push_jobs('qcap', ARRAY['{}', NULL, '{}']::jsonb[])$$);
SELECT count(*) - :jobs_before AS added FROM pict_repo.job_queue;
SELECT pict_repo.queue_length('qcap') AS qcap;
DELETE FROM pict_repo.job_queue WHERE queue = 'qcap';

-- complete_and_claim_jobs (1.4): a worker's batch completed and the next one
-- claimed in one call: only the jobs the worker holds are completed (each
-- once), then up to max_jobs are claimed, as claim_job would.
SELECT count(*) AS pushed FROM pict_repo.push_jobs('qcc', ARRAY(SELECT jsonb_build_object('n', i) FROM generate_series(1, 7) i));
CREATE TEMP TABLE cc1 AS SELECT id, job FROM pict_repo.claim_job('qcc', :'w1', 3);
CREATE TEMP TABLE cc2 AS SELECT id, job FROM pict_repo.claim_job('qcc', :'w2', 1);
SELECT sum(completed) IS NULL AS no_stats_yet FROM pict_repo.queue_stats WHERE queue = 'qcc';
CREATE TEMP TABLE cc3 AS
SELECT id, job, attempt FROM pict_repo.complete_and_claim_jobs(
    ARRAY(SELECT id FROM cc1) || ARRAY(SELECT id FROM cc2)
    || ARRAY['00000000-0000-0000-0000-000000000001'::uuid, NULL]
    || ARRAY(SELECT id FROM cc1 LIMIT 1),
    :'w1', 'qcc', 2);
SELECT job, attempt FROM cc3 ORDER BY job->>'n';
SELECT count(*) AS w1_completed_left FROM pict_repo.job_queue WHERE id IN (SELECT id FROM cc1);
SELECT count(*) AS w2_still_running FROM pict_repo.job_queue
WHERE id IN (SELECT id FROM cc2) AND status = 'running' AND worker = :'w2';
SELECT count(*) AS w1_running FROM pict_repo.job_queue WHERE queue = 'qcc' AND worker = :'w1';
SELECT sum(completed) AS completed FROM pict_repo.queue_stats WHERE queue = 'qcc';
-- nothing done: a claim alone
SELECT count(*) AS claimed FROM pict_repo.complete_and_claim_jobs('{}', :'w1', 'qcc', 10);
-- what it claimed, it completes; an empty queue claims nothing
SELECT count(*) AS claimed FROM pict_repo.complete_and_claim_jobs(
    ARRAY(SELECT id FROM pict_repo.job_queue WHERE queue = 'qcc' AND worker = :'w1'), :'w1', 'qcc', 10);
SELECT sum(completed) AS completed FROM pict_repo.queue_stats WHERE queue = 'qcc';
SELECT pict_repo.queue_length('qcc') AS left_in_queue;
-- bad input: 22023 naming the argument, nothing changed
SELECT regress.error_of($$SELECT * FROM pict_repo.complete_and_claim_jobs(NULL, '00000000-0000-0000-0000-0000000000c1', 'qcc')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.complete_and_claim_jobs(ARRAY(SELECT id FROM cc2), NULL, 'qcc')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.complete_and_claim_jobs(ARRAY(SELECT id FROM cc2), '00000000-0000-0000-0000-0000000000c2', '')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.complete_and_claim_jobs(ARRAY(SELECT id FROM cc2), '00000000-0000-0000-0000-0000000000c2', 'qcc', 0)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.complete_and_claim_jobs(ARRAY(SELECT gen_random_uuid() FROM generate_series(1, 10001)), '00000000-0000-0000-0000-0000000000c2', 'qcc')$$);
SELECT count(*) AS w2_still_running FROM pict_repo.job_queue
WHERE id IN (SELECT id FROM cc2) AND status = 'running' AND worker = :'w2';
SELECT count(*) AS completed FROM pict_repo.complete_jobs(ARRAY(SELECT id FROM cc2), :'w2');
