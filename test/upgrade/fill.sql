-- fill.sql: fill a 1.0 repository with a row in every table (run as the
-- superuser, ON_ERROR_STOP).  The rows are written straight into the
-- tables, as the 1.0 functions wrote them: the library installed is the
-- newest, which serves the newest SQL and need not serve 1.0's.
SET client_min_messages = warning;

-- hashes, details, variants, aliases, proxies, access times, locks
INSERT INTO pict_repo.hashes (hash, identifier, motion_identifier, blurhash, created_at) VALUES
    ('\x01', 'up/1.png', 'up/1.mp4', 'LEHV6nWB2yk8', '2020-01-01 00:00:00+00'),
    ('\x02', 'up/2.png', NULL, NULL, '2020-01-02 00:00:00+00'),
    ('\x03', 'up/3.png', NULL, NULL, '2020-01-03 00:00:00+00');
INSERT INTO pict_repo.details (identifier, details) VALUES
    ('up/1.png', '{"width": 1, "height": 1}'),
    ('up/3.png', '{"width": 3}');
INSERT INTO pict_repo.variants (hash, variant, identifier, accessed) VALUES
    ('\x01', 'thumb', 'up/1-thumb.png', '2021-01-01 00:00:00+00'),
    ('\x01', 'big', 'up/1-big.png', '2020-06-01 00:00:00+00');
INSERT INTO pict_repo.aliases (alias, hash, token, created_at) VALUES
    ('one.png', '\x01', 'tok1', '2020-01-01 00:00:00+00'),
    ('two.png', '\x02', 'tok2', '2020-01-02 00:00:00+00'),
    ('three.png', '\x03', 'tok3', '2020-01-03 00:00:00+00');
INSERT INTO pict_repo.proxies (url, alias, accessed) VALUES
    ('https://example.com/one.png', 'one.png', '2021-01-01 00:00:00+00');
INSERT INTO pict_repo.variant_locks (hash, variant, heartbeat) VALUES
    ('\x02', 'thumb', now());

-- settings, store migration, uploads
INSERT INTO pict_repo.settings (key, value) VALUES ('up.key', '\xdeadbeef');
INSERT INTO pict_repo.store_migrations (old_identifier, new_identifier)
VALUES ('up/old.png', 'up/new.png');
INSERT INTO pict_repo.uploads (id, result) VALUES
    ('00000000-0000-4000-8000-0000000000a1', NULL),
    ('00000000-0000-4000-8000-0000000000a2', '{"alias": "one.png"}');

-- jobs: queued, scheduled, running, dead, and their statistics
INSERT INTO pict_repo.job_queue (id, queue, job, status, worker, priority, run_at,
                                 queue_time, heartbeat, attempts, max_attempts, unique_key)
VALUES
    ('01000000-0000-7000-8000-000000000001', 'up-q', '{"n": 1}', 'new', NULL, 0,
     '2020-01-01 00:00:00+00', '2020-01-01 00:00:00+00', NULL, 0, 5, NULL),
    ('01000000-0000-7000-8000-000000000002', 'up-q', '{"n": 2}', 'new', NULL, 5,
     '2999-01-01 00:00:00+00', '2020-01-01 00:00:00+00', NULL, 0, 5, 'key-2'),
    ('01000000-0000-7000-8000-000000000003', 'up-run', '{"n": 3}', 'running',
     '00000000-0000-0000-0000-0000000000aa', 0, '2020-01-01 00:00:00+00',
     '2020-01-01 00:00:00+00', now(), 1, 5, NULL);
INSERT INTO pict_repo.dead_jobs (id, queue, job, status, worker, priority, run_at, queue_time,
                                 heartbeat, attempts, max_attempts, unique_key, last_error,
                                 died_at)
VALUES ('01000000-0000-7000-8000-000000000004', 'up-dead', '{"n": 4}', 'running',
        '00000000-0000-0000-0000-0000000000bb', 0, '2020-01-01 00:00:00+00',
        '2020-01-01 00:00:00+00', now(), 1, 1, NULL, 'boom', now());
INSERT INTO pict_repo.queue_stats (queue, minute, shard, completed, failed, wait_time, run_time)
VALUES ('up-done', date_trunc('minute', now()), 3, 1, 0, interval '1 s', interval '2 s'),
       ('up-dead', date_trunc('minute', now()), 3, 0, 1, interval '0', interval '0');

-- Every table of the extension has a row now.
DO $$
DECLARE
    t   regclass;
    n   bigint;
BEGIN
    FOR t IN SELECT c.oid FROM pg_class c
              WHERE c.relnamespace = 'pict_repo'::regnamespace AND c.relkind = 'r'
    LOOP
        EXECUTE format('SELECT count(*) FROM %s', t) INTO n;
        IF n = 0 THEN
            RAISE EXCEPTION 'fill.sql left % empty', t;
        END IF;
    END LOOP;
END
$$;
