-- Job queue: push, claim, heartbeat, complete, fail, fencing, dead letters,
-- figures, and every error next to its happy path.
SET client_min_messages = warning;
DELETE FROM pict_repo.job_queue;
DELETE FROM pict_repo.dead_jobs;
DELETE FROM pict_repo.queue_stats;

-- uuid_v7: version 7, RFC variant, time-ordered, the current time
SELECT substr(u::text, 15, 1) AS version, substr(u::text, 20, 1) IN ('8', '9', 'a', 'b') AS variant
FROM (SELECT pict_repo.uuid_v7() AS u) s;
SELECT bool_and(a < b) AS increasing
FROM (SELECT u AS a, lead(u) OVER (ORDER BY n) AS b
      FROM (SELECT n, pict_repo.uuid_v7() AS u FROM generate_series(1, 2000) n) s) t
WHERE b IS NOT NULL;
SELECT abs(('x' || substr(replace(pict_repo.uuid_v7()::text, '-', ''), 1, 12))::bit(48)::bigint
           - (extract(epoch FROM clock_timestamp()) * 1000)::bigint) < 1000 AS current_time;

-- push_job: defaults
SELECT pict_repo.push_job('q1', '{"n": 1}') IS NOT NULL AS pushed;
SELECT queue, job, status, worker, priority, attempts, max_attempts, unique_key,
       run_at = queue_time AS runnable_at_push, heartbeat, last_error
FROM pict_repo.job_queue;
-- unique keys: one per queue while the job is in it
SELECT pict_repo.push_job('q1', '{"n": 2}', 'key-a') IS NOT NULL AS pushed;
SELECT pict_repo.push_job('q1', '{"n": 3}', 'key-a') IS NULL AS refused;
SELECT pict_repo.push_job('q2', '{"n": 4}', 'key-a') IS NOT NULL AS other_queue;
-- priority, schedule, attempts
SELECT pict_repo.push_job('q1', '{"n": 5}', NULL, 10) IS NOT NULL AS pushed;
SELECT pict_repo.push_job('q1', '{"n": 6}', NULL, 100, now() + interval '1 hour') IS NOT NULL AS scheduled;
SELECT pict_repo.push_job('q1', '{"n": 7}', NULL, NULL, NULL, NULL) IS NOT NULL AS nulls_are_defaults;
SELECT job, priority, max_attempts FROM pict_repo.job_queue WHERE job = '{"n": 7}';
-- push_jobs: ids in order, time-ordered
SELECT count(*) AS pushed, bool_and(id IS NOT NULL) AS all_ids
FROM pict_repo.push_jobs('q3', ARRAY['{"b": 1}', '{"b": 2}', '{"b": 3}']::jsonb[]) AS id;
SELECT array_agg(job ORDER BY id) AS in_id_order FROM pict_repo.job_queue WHERE queue = 'q3';
SELECT count(*) AS none FROM pict_repo.push_jobs('q3', '{}'::jsonb[]);
SELECT pict_repo.queue_length('q1') AS q1, pict_repo.queue_length('q3') AS q3,
       pict_repo.queue_length('nothing') AS nothing, pict_repo.queue_length() AS all_queues;

-- claim_job: highest priority first, then oldest; scheduled jobs wait
SELECT job, attempt FROM pict_repo.claim_job('q1', '00000000-0000-0000-0000-0000000000a1');
SELECT job, attempt FROM pict_repo.claim_job('q1', '00000000-0000-0000-0000-0000000000a1', 10);
SELECT job, attempt FROM pict_repo.claim_job('q1', '00000000-0000-0000-0000-0000000000a1', 10);
SELECT job, status, worker, attempts, heartbeat IS NOT NULL AS has_heartbeat
FROM pict_repo.job_queue WHERE queue = 'q1' ORDER BY job;
SELECT job, attempt FROM pict_repo.claim_job('nothing', '00000000-0000-0000-0000-0000000000a1');

-- heartbeat_job: only the holder; a HOT update
SELECT id AS j1 FROM pict_repo.job_queue WHERE job = '{"n": 1}' \gset
SELECT pict_repo.heartbeat_job(:'j1', '00000000-0000-0000-0000-0000000000a1') AS holder;
SELECT pict_repo.heartbeat_job(:'j1', '00000000-0000-0000-0000-0000000000b2') AS other_worker;
SELECT pict_repo.heartbeat_job('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-0000000000a1') AS unknown;
SELECT pg_stat_force_next_flush();
SELECT n_tup_hot_upd AS hot_before FROM pg_stat_user_tables WHERE relid = 'pict_repo.job_queue'::regclass \gset
SELECT pict_repo.heartbeat_job(:'j1', '00000000-0000-0000-0000-0000000000a1');
SELECT pict_repo.heartbeat_job(:'j1', '00000000-0000-0000-0000-0000000000a1');
SELECT pict_repo.heartbeat_job(:'j1', '00000000-0000-0000-0000-0000000000a1');
SELECT pict_repo.heartbeat_job(:'j1', '00000000-0000-0000-0000-0000000000a1');
SELECT pict_repo.heartbeat_job(:'j1', '00000000-0000-0000-0000-0000000000a1');
SELECT pg_stat_force_next_flush();
SELECT pg_stat_clear_snapshot();
SELECT n_tup_hot_upd - :hot_before >= 5 AS heartbeats_are_hot
FROM pg_stat_user_tables WHERE relid = 'pict_repo.job_queue'::regclass;

-- complete_job: only the holder, once; counted in queue_stats
SELECT pict_repo.complete_job(:'j1', '00000000-0000-0000-0000-0000000000b2') AS other_worker;
SELECT pict_repo.complete_job(:'j1', '00000000-0000-0000-0000-0000000000a1') AS holder;
SELECT pict_repo.complete_job(:'j1', '00000000-0000-0000-0000-0000000000a1') AS again;
SELECT count(*) AS left_in_queue FROM pict_repo.job_queue WHERE id = :'j1';
SELECT queue, sum(completed) AS completed, sum(failed) AS failed FROM pict_repo.queue_stats GROUP BY queue;
-- the unique key is free again once its job is done
SELECT id AS ja FROM pict_repo.job_queue WHERE job = '{"n": 2}' \gset
SELECT pict_repo.complete_job(:'ja', '00000000-0000-0000-0000-0000000000a1') AS done;
SELECT pict_repo.push_job('q1', '{"n": 8}', 'key-a') IS NOT NULL AS key_free_again;

-- fail_job: exponential backoff least(2^attempts s, 1 h), retry_in, dead
SELECT id AS j5 FROM pict_repo.job_queue WHERE job = '{"n": 5}' \gset
SELECT pict_repo.fail_job(:'j5', '00000000-0000-0000-0000-0000000000b2', 'x') AS other_worker;
SELECT pict_repo.fail_job(:'j5', '00000000-0000-0000-0000-0000000000a1', 'boom') AS result;
SELECT status, worker, attempts, last_error, round(extract(epoch FROM run_at - now())) AS backoff_s
FROM pict_repo.job_queue WHERE id = :'j5';
SELECT pict_repo.fail_job(:'j5', '00000000-0000-0000-0000-0000000000a1', 'again') AS not_held;
UPDATE pict_repo.job_queue SET run_at = now() - interval '1 s', attempts = 2 WHERE id = :'j5';
SELECT job, attempt FROM pict_repo.claim_job('q1', '00000000-0000-0000-0000-0000000000a1');
SELECT pict_repo.fail_job(:'j5', '00000000-0000-0000-0000-0000000000a1') AS result;
SELECT attempts, last_error, round(extract(epoch FROM run_at - now())) AS backoff_s
FROM pict_repo.job_queue WHERE id = :'j5';
UPDATE pict_repo.job_queue SET run_at = now() - interval '1 s', attempts = 3, max_attempts = 100 WHERE id = :'j5';
SELECT job, attempt FROM pict_repo.claim_job('q1', '00000000-0000-0000-0000-0000000000a1');
SELECT pict_repo.fail_job(:'j5', '00000000-0000-0000-0000-0000000000a1', 'later', interval '10 minutes') AS result;
SELECT round(extract(epoch FROM run_at - now())) AS retry_in_s FROM pict_repo.job_queue WHERE id = :'j5';
UPDATE pict_repo.job_queue SET run_at = now() - interval '1 s', attempts = 40 WHERE id = :'j5';
SELECT job, attempt FROM pict_repo.claim_job('q1', '00000000-0000-0000-0000-0000000000a1');
SELECT pict_repo.fail_job(:'j5', '00000000-0000-0000-0000-0000000000a1') AS result;
SELECT round(extract(epoch FROM run_at - now())) AS capped_s FROM pict_repo.job_queue WHERE id = :'j5';
UPDATE pict_repo.job_queue SET run_at = now() - interval '1 s', max_attempts = 43 WHERE id = :'j5';
SELECT job, attempt FROM pict_repo.claim_job('q1', '00000000-0000-0000-0000-0000000000a1');
SELECT pict_repo.fail_job(:'j5', '00000000-0000-0000-0000-0000000000a1', 'now', interval '0') AS result;
SELECT job, attempt FROM pict_repo.claim_job('q1', '00000000-0000-0000-0000-0000000000a1');
SELECT pict_repo.fail_job(:'j5', '00000000-0000-0000-0000-0000000000a1', 'last straw') AS result;
SELECT count(*) AS in_queue FROM pict_repo.job_queue WHERE id = :'j5';
SELECT queue, job, attempts, max_attempts, last_error, died_at IS NOT NULL AS died
FROM pict_repo.dead_jobs WHERE id = :'j5';
SELECT pict_repo.fail_job('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-0000000000a1') AS unknown;

-- complete_and_claim_job: one transaction, claim_job's result
SELECT pict_repo.push_job('q4', '{"c": 1}') IS NOT NULL AS p1, pict_repo.push_job('q4', '{"c": 2}') IS NOT NULL AS p2;
SELECT id AS c1 FROM pict_repo.claim_job('q4', '00000000-0000-0000-0000-0000000000a1') \gset
SELECT job, attempt FROM pict_repo.complete_and_claim_job(:'c1', '00000000-0000-0000-0000-0000000000a1', 'q4');
SELECT count(*) AS c1_left FROM pict_repo.job_queue WHERE id = :'c1';
SELECT job, attempt FROM pict_repo.complete_and_claim_job(:'c1', '00000000-0000-0000-0000-0000000000a1', 'q4', 5);

-- fencing: after a requeue another worker holds the job; the first is told
SELECT pict_repo.push_job('q5', '{"f": 1}') IS NOT NULL AS pushed;
SELECT id AS f1 FROM pict_repo.claim_job('q5', '00000000-0000-0000-0000-0000000000a1') \gset
SELECT pict_repo.requeue_stale(interval '1 hour') AS fresh_heartbeats_stay;
SELECT pict_repo.requeue_stale(interval '0') AS requeued;
SELECT status, worker, last_error LIKE 'no heartbeat for %' AS why FROM pict_repo.job_queue WHERE id = :'f1';
SELECT job, attempt FROM pict_repo.claim_job('q5', '00000000-0000-0000-0000-0000000000b2');
SELECT pict_repo.heartbeat_job(:'f1', '00000000-0000-0000-0000-0000000000a1') AS stale_heartbeat;
SELECT pict_repo.complete_job(:'f1', '00000000-0000-0000-0000-0000000000a1') AS stale_complete;
SELECT pict_repo.fail_job(:'f1', '00000000-0000-0000-0000-0000000000a1') AS stale_fail;
SELECT status, worker FROM pict_repo.job_queue WHERE id = :'f1';
SELECT pict_repo.complete_job(:'f1', '00000000-0000-0000-0000-0000000000b2') AS new_holder;

-- requeue_stale: out of attempts goes to dead_jobs; NULL means job_timeout
SELECT pict_repo.push_job('q6', '{"s": 1}', 'key-s', 0, NULL, 1) IS NOT NULL AS pushed;
SELECT id AS s1 FROM pict_repo.claim_job('q6', '00000000-0000-0000-0000-0000000000a1') \gset
SELECT pict_repo.requeue_stale() AS within_job_timeout;
UPDATE pict_repo.job_queue SET heartbeat = now() - interval '3 minutes' WHERE id = :'s1';
SELECT pict_repo.requeue_stale(NULL) AS past_job_timeout;
SELECT queue, job, attempts, last_error LIKE 'no heartbeat for %' AS why FROM pict_repo.dead_jobs WHERE id = :'s1';
SELECT pict_repo.heartbeat_job(:'s1', '00000000-0000-0000-0000-0000000000a1') AS dead_heartbeat;

-- retry_dead_job: back with fresh attempts, unless its unique key was taken
SELECT pict_repo.push_job('q6', '{"s": 2}', 'key-s') IS NOT NULL AS key_free_after_death;
SELECT pict_repo.retry_dead_job(:'s1') AS key_taken;
SELECT count(*) AS still_dead FROM pict_repo.dead_jobs WHERE id = :'s1';
SELECT pict_repo.cancel_job(id) AS cancelled FROM pict_repo.job_queue WHERE job = '{"s": 2}';
SELECT pict_repo.retry_dead_job(:'s1') AS retried;
SELECT status, attempts, max_attempts, worker, run_at <= now() AS runnable FROM pict_repo.job_queue WHERE id = :'s1';
SELECT pict_repo.retry_dead_job(:'s1') AS not_dead_any_more;

-- cancel_job: waiting, running (its worker is fenced off), dead, unknown
SELECT pict_repo.cancel_job(:'s1') AS waiting;
SELECT pict_repo.push_job('q7', '{"x": 1}') IS NOT NULL AS pushed;
SELECT id AS x1 FROM pict_repo.claim_job('q7', '00000000-0000-0000-0000-0000000000a1') \gset
SELECT pict_repo.cancel_job(:'x1') AS running;
SELECT pict_repo.complete_job(:'x1', '00000000-0000-0000-0000-0000000000a1') AS complete_cancelled;
SELECT pict_repo.cancel_job(:'j5') AS dead;
SELECT pict_repo.cancel_job(:'j5') AS unknown;

-- queue_stats and average_time_to_completion
SELECT pict_repo.push_job('q8', '{"d": 1}', NULL, 0, NULL, 1) IS NOT NULL AS pushed;
SELECT pict_repo.fail_job(id, '00000000-0000-0000-0000-0000000000a1') AS result
FROM pict_repo.claim_job('q8', '00000000-0000-0000-0000-0000000000a1');
SELECT queue, pending, scheduled, running, dead, completed, failed,
       avg_wait >= interval '0' AS has_wait, avg_run >= interval '0' AS has_run
FROM pict_repo.queue_stats();
SELECT pict_repo.average_time_to_completion('q1', now() - interval '1 hour', now() + interval '1 minute') >= interval '0' AS q1_average;
SELECT pict_repo.average_time_to_completion('q1', now() - interval '2 hours', now() - interval '1 hour') AS before_any;
SELECT pict_repo.average_time_to_completion('q8', now() - interval '1 hour', now() + interval '1 minute') AS none_completed;

-- errors: 22023 naming the argument, nothing changed
SELECT count(*) AS jobs_before FROM pict_repo.job_queue \gset
SELECT regress.error_of($$SELECT pict_repo.push_job(NULL, '{}')$$);
SELECT regress.error_of($$SELECT pict_repo.push_job('', '{}')$$);
SELECT regress.error_of($$SELECT pict_repo.push_job(repeat('q', 65), '{}')$$);
SELECT regress.error_of($$SELECT pict_repo.push_job(repeat('q', 64), '{}')$$);
SELECT regress.error_of($$SELECT pict_repo.push_job('q', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.push_job('q', '{}', '')$$);
SELECT regress.error_of($$SELECT pict_repo.push_job('q', '{}', repeat('k', 513))$$);
SELECT regress.error_of($$SELECT pict_repo.push_job('q', '{}', NULL, 0, NULL, 0)$$);
SELECT regress.error_of($$SELECT pict_repo.push_jobs(NULL, ARRAY['{}']::jsonb[])$$);
SELECT regress.error_of($$SELECT pict_repo.push_jobs('q', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.push_jobs('q', ARRAY['{}', NULL]::jsonb[])$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.claim_job(NULL, '00000000-0000-0000-0000-0000000000a1')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.claim_job('q', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.claim_job('q', '00000000-0000-0000-0000-0000000000a1', 0)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.claim_job('q', '00000000-0000-0000-0000-0000000000a1', 10001)$$);
SELECT regress.error_of($$SELECT pict_repo.heartbeat_job(NULL, '00000000-0000-0000-0000-0000000000a1')$$);
SELECT regress.error_of($$SELECT pict_repo.heartbeat_job('00000000-0000-0000-0000-0000000000a1', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.complete_job(NULL, '00000000-0000-0000-0000-0000000000a1')$$);
SELECT regress.error_of($$SELECT pict_repo.complete_job('00000000-0000-0000-0000-0000000000a1', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.complete_and_claim_job(NULL, '00000000-0000-0000-0000-0000000000a1', 'q')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.complete_and_claim_job('00000000-0000-0000-0000-0000000000a1', NULL, 'q')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.complete_and_claim_job('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000a1', '')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.complete_and_claim_job('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000a1', 'q', 0)$$);
SELECT regress.error_of($$SELECT pict_repo.fail_job(NULL, '00000000-0000-0000-0000-0000000000a1')$$);
SELECT regress.error_of($$SELECT pict_repo.fail_job('00000000-0000-0000-0000-0000000000a1', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.fail_job('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000a1', NULL, interval '-1 s')$$);
SELECT regress.error_of($$SELECT pict_repo.requeue_stale(interval '-1 minute')$$);
SELECT regress.error_of($$SELECT pict_repo.retry_dead_job(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.cancel_job(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.queue_length('')$$);
SELECT regress.error_of($$SELECT pict_repo.queue_length(repeat('q', 65))$$);
-- 1.3: a NULL queue means every queue (sql/pictrs.sql), no error.
SELECT regress.error_of($$SELECT pict_repo.average_time_to_completion(NULL, now(), now())$$);
SELECT regress.error_of($$SELECT pict_repo.average_time_to_completion('q', NULL, now())$$);
SELECT regress.error_of($$SELECT pict_repo.average_time_to_completion('q', now(), NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.average_time_to_completion('q', now(), now() - interval '1 s')$$);
SELECT count(*) - :jobs_before AS one_more_from_the_64_character_queue FROM pict_repo.job_queue;
