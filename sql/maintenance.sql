-- run_maintenance: one pass of what the background worker does (the worker
-- itself runs in another database: see test/t/001_worker.pl).
SET client_min_messages = warning;
DELETE FROM pict_repo.job_queue;
DELETE FROM pict_repo.dead_jobs;
DELETE FROM pict_repo.queue_stats;
DELETE FROM pict_repo.uploads;
SET pict_repo.job_timeout = '2min';
SET pict_repo.upload_ttl = '1h';
SET pict_repo.lock_timeout = '1min';
SHOW pict_repo.job_timeout;
SHOW pict_repo.upload_ttl;
SHOW pict_repo.maintenance_interval;

-- nothing to do
SELECT * FROM pict_repo.run_maintenance();

-- a stale job, a stale job out of attempts, a live job, a scheduled job
SELECT pict_repo.push_job('m1', '{"m": 1}') IS NOT NULL AS p1,
       pict_repo.push_job('m1', '{"m": 2}', NULL, 0, NULL, 1) IS NOT NULL AS p2,
       pict_repo.push_job('m1', '{"m": 3}') IS NOT NULL AS p3,
       pict_repo.push_job('m2', '{"m": 4}', NULL, 0, now() + interval '1 hour') IS NOT NULL AS p4;
SELECT count(*) AS claimed FROM pict_repo.claim_job('m1', '00000000-0000-0000-0000-0000000000a1', 3);
UPDATE pict_repo.job_queue SET heartbeat = now() - interval '5 minutes' WHERE job IN ('{"m": 1}', '{"m": 2}');
-- an expired and a fresh upload
INSERT INTO pict_repo.uploads (id, created_at) VALUES
    ('00000000-0000-0000-0000-00000000000a', now() - interval '2 hours'),
    ('00000000-0000-0000-0000-00000000000b', now());
-- a dead and a live variant lock
INSERT INTO pict_repo.hashes (hash, identifier) VALUES ('\xabcd', 'maint/orig');
INSERT INTO pict_repo.variant_locks (hash, variant, heartbeat) VALUES
    ('\xabcd', 'thumb', now() - interval '2 minutes'),
    ('\xabcd', 'large', now());

SELECT * FROM pict_repo.run_maintenance();
SELECT job, status, worker IS NULL AS released FROM pict_repo.job_queue ORDER BY job;
SELECT job FROM pict_repo.dead_jobs;
SELECT id FROM pict_repo.uploads ORDER BY id;
SELECT variant FROM pict_repo.variant_locks ORDER BY variant;
-- a second pass changes nothing; m1 still holds a runnable job, so it is told again
SELECT * FROM pict_repo.run_maintenance();
-- the scheduled job falls due
UPDATE pict_repo.job_queue SET run_at = now() - interval '1 s' WHERE job = '{"m": 4}';
SELECT * FROM pict_repo.run_maintenance();

-- old statistics are dropped
INSERT INTO pict_repo.queue_stats (queue, minute, shard, completed)
VALUES ('m1', now() - interval '8 days', 0, 1), ('m1', now() - interval '1 day', 0, 1);
SELECT * FROM pict_repo.run_maintenance();
SELECT count(*) FILTER (WHERE minute < now() - interval '7 days') AS past_retention,
       count(*) FILTER (WHERE minute < now() - interval '12 hours') AS kept
FROM pict_repo.queue_stats;

-- settings: units and ranges
SELECT regress.error_of($$SET pict_repo.job_timeout = '0'$$);
SELECT regress.error_of($$SET pict_repo.upload_ttl = '-1s'$$);
SELECT regress.error_of($$SET pict_repo.maintenance_interval = '1s'$$);
SELECT regress.error_of($$SET pict_repo.nonsense = 1$$);

DELETE FROM pict_repo.variant_locks;
DELETE FROM pict_repo.hashes WHERE hash = '\xabcd';
DELETE FROM pict_repo.job_queue;
DELETE FROM pict_repo.dead_jobs;
DELETE FROM pict_repo.uploads;
