-- Durability of the queue's commits.  claim_job and heartbeat_job commit
-- without waiting for the WAL flush (SET LOCAL synchronous_commit = off) when
-- they are the first write of their transaction: a claim or heartbeat lost
-- in a crash only means the job is claimed again.  A push, a completion or a
-- failure made later in the same transaction puts the caller's setting back,
-- and a transaction that wrote before the claim is left alone.  The generic
-- plans of the hot path and the fence without a status test give the same
-- answers as before.
SET client_min_messages = warning;
DELETE FROM pict_repo.job_queue;
SET synchronous_commit = on;
SELECT pict_repo.push_job('durable', '{"n": 1}') IS NOT NULL AS pushed;
SHOW synchronous_commit;

-- a claim alone: asynchronous commit, for this transaction only
BEGIN;
SELECT count(*) AS claimed FROM pict_repo.claim_job('durable', '00000000-0000-0000-0000-0000000000d1');
SHOW synchronous_commit;
COMMIT;
SHOW synchronous_commit;

-- a heartbeat alone: asynchronous; a stale worker's heartbeat is still refused
BEGIN;
SELECT pict_repo.heartbeat_job(id, '00000000-0000-0000-0000-0000000000d1') AS held
FROM pict_repo.job_queue WHERE queue = 'durable';
SHOW synchronous_commit;
COMMIT;
SELECT pict_repo.heartbeat_job(id, '00000000-0000-0000-0000-0000000000d2') AS other_worker
FROM pict_repo.job_queue WHERE queue = 'durable';

-- a push after a claim in the same transaction: durable again
BEGIN;
SELECT pict_repo.push_job('durable', '{"n": 2}') IS NOT NULL AS pushed;
SHOW synchronous_commit;
SELECT count(*) AS claimed FROM pict_repo.claim_job('durable', '00000000-0000-0000-0000-0000000000d1');
SHOW synchronous_commit;
COMMIT;
BEGIN;
SELECT count(*) AS claimed FROM pict_repo.claim_job('durable', '00000000-0000-0000-0000-0000000000d1');
SHOW synchronous_commit;
SELECT pict_repo.push_job('durable', '{"n": 3}') IS NOT NULL AS pushed;
SHOW synchronous_commit;
SELECT count(*) AS pushed_in_batch FROM pict_repo.push_jobs('durable', ARRAY['{"n": 4}'::jsonb]);
SHOW synchronous_commit;
COMMIT;

-- a completion after a claim: durable; a stale worker's completion changes nothing
BEGIN;
SELECT count(*) AS claimed FROM pict_repo.claim_job('durable', '00000000-0000-0000-0000-0000000000d1', 10);
SHOW synchronous_commit;
SELECT pict_repo.complete_job(id, '00000000-0000-0000-0000-0000000000d2') AS stale_worker
FROM pict_repo.job_queue WHERE queue = 'durable' AND job = '{"n": 1}';
SELECT pict_repo.complete_job(id, '00000000-0000-0000-0000-0000000000d1') AS completed
FROM pict_repo.job_queue WHERE queue = 'durable' AND job = '{"n": 1}';
SHOW synchronous_commit;
COMMIT;
-- a failure after a claim: durable
BEGIN;
SELECT count(*) AS claimed FROM pict_repo.claim_job('durable', '00000000-0000-0000-0000-0000000000d1');
SELECT pict_repo.fail_job(id, '00000000-0000-0000-0000-0000000000d1', 'boom', interval '0') AS failed
FROM pict_repo.job_queue WHERE queue = 'durable' AND job = '{"n": 2}';
SHOW synchronous_commit;
COMMIT;
-- complete_and_claim_job completes, so it is durable
BEGIN;
SELECT count(*) AS claimed
FROM pict_repo.job_queue j, pict_repo.complete_and_claim_job(j.id, '00000000-0000-0000-0000-0000000000d1', 'durable')
WHERE j.queue = 'durable' AND j.job = '{"n": 3}';
SHOW synchronous_commit;
COMMIT;

-- a caller's own setting is what comes back
SET synchronous_commit = remote_apply;
BEGIN;
SELECT count(*) AS claimed FROM pict_repo.claim_job('durable', '00000000-0000-0000-0000-0000000000d1');
SHOW synchronous_commit;
SELECT pict_repo.push_job('durable', '{"n": 5}') IS NOT NULL AS pushed;
SHOW synchronous_commit;
ROLLBACK;
SET synchronous_commit = off;
BEGIN;
SELECT pict_repo.push_job('durable', '{"n": 6}') IS NOT NULL AS pushed;
SHOW synchronous_commit;
ROLLBACK;
RESET synchronous_commit;

-- the jobs left: n 1 and n 3 completed, n 2 failed and claimed again by
-- complete_and_claim_job, n 4 still running
SELECT job, status, attempts FROM pict_repo.job_queue WHERE queue = 'durable' ORDER BY job->>'n';

-- the hot path's plans: an id goes through the primary key even when many
-- jobs are running
SELECT count(*) AS pushed FROM pict_repo.push_jobs('plans', ARRAY(SELECT '{}'::jsonb FROM generate_series(1, 300)));
SELECT count(*) AS claimed FROM pict_repo.claim_job('plans', '00000000-0000-0000-0000-0000000000d3', 250);
SELECT count(*) FILTER (WHERE pict_repo.heartbeat_job(id, '00000000-0000-0000-0000-0000000000d3')) AS heartbeats
FROM pict_repo.job_queue WHERE queue = 'plans';
SELECT count(*) FILTER (WHERE pict_repo.complete_job(id, '00000000-0000-0000-0000-0000000000d3')) AS completed
FROM pict_repo.job_queue WHERE queue = 'plans';
SELECT pict_repo.queue_length('plans') AS left;

DELETE FROM pict_repo.job_queue;
DELETE FROM pict_repo.queue_stats;
