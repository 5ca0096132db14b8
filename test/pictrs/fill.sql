-- fill.sql: a pict-rs 0.5 repository (test/pictrs/schema.sql) with a few
-- thousand rows and the awkward ones an import meets:
--  - 3000 hashes, in groups of seven sharing one created_at, every third
--    with a motion identifier, every fifth with a blurhash;
--  - details of every original, some with unicode;
--  - one variant per hash, and a second one for every tenth; one variant
--    without an access time (the column is made nullable for it: an older
--    schema or a hand edit leaves such rows);
--  - one alias per hash, unicode ones among them, and a few with a tab, a
--    newline or an escape character in them (printed escaped);
--  - proxies for every twentieth alias;
--  - settings with hex values, one of them not hex (a broken row);
--  - store migrations;
--  - jobs: waiting and running ones, one with a unique key, one whose
--    retry count is used up;
--  - uploads in progress and keyed notifications (skipped by the import);
--  - broken rows: a hash that is not base64 (with an alias on it), a hash
--    whose identifier is longer than pict_repo allows (with an alias on it,
--    whose hash is then missing in pict_repo), and the bad setting.
SET client_min_messages = warning;
ALTER TABLE variants ALTER COLUMN accessed DROP NOT NULL;

-- hash i: SHA-256 of i, 6 bytes of size, 1 byte of format, in base64.
CREATE FUNCTION pg_temp.h(i integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(i::text::bytea) || substring(int8send(1000 + i) FROM 3) || '\x01'::bytea, 'base64')
$$;

INSERT INTO hashes (hash, identifier, motion_identifier, created_at, blurhash)
SELECT pg_temp.h(i), 'files/' || i || '.png',
       CASE WHEN i % 3 = 0 THEN 'motion/' || i || '.mp4' END,
       timestamp '2024-03-01 12:00:00' + (i / 7) * interval '1 second',
       CASE WHEN i % 5 = 0 THEN 'LEHV6nWB2yk8pyo0adR*.7kCMdnj' END
FROM generate_series(1, 3000) AS i;

INSERT INTO details (identifier, json)
SELECT 'files/' || i || '.png',
       jsonb_build_object('width', 640 + i, 'height', 480, 'format', 'png',
                          'note', CASE WHEN i % 100 = 0 THEN 'größe ✓ 日本' END)
FROM generate_series(1, 3000) AS i;

INSERT INTO variants (hash, variant, identifier, accessed)
SELECT pg_temp.h(i), 'thumbnail.webp', 'variants/' || i || '/thumb.webp',
       timestamp '2024-04-01 00:00:00' + i * interval '1 minute'
FROM generate_series(1, 3000) AS i;
INSERT INTO variants (hash, variant, identifier, accessed)
SELECT pg_temp.h(i), 'resize.800.png', 'variants/' || i || '/800.png',
       CASE WHEN i = 10 THEN NULL ELSE timestamp '2024-04-02 00:00:00' END
FROM generate_series(10, 3000, 10) AS i;

INSERT INTO aliases (alias, hash, token)
SELECT CASE WHEN i % 250 = 0 THEN 'фото-日本-' || i || '.png'
            WHEN i = 77 THEN E'tab\there-' || i || '.png'
            WHEN i = 78 THEN E'new\nline-' || i || '.png'
            WHEN i = 79 THEN E'esc\x1b[31m-' || i || '.png'
            ELSE md5(i::text) || '.png' END,
       pg_temp.h(i), 'token-' || i
FROM generate_series(1, 3000) AS i;

INSERT INTO proxies (url, alias, accessed)
SELECT 'https://example.com/images/' || i || '.png', a.alias,
       timestamp '2024-05-01 00:00:00' + i * interval '1 hour'
FROM generate_series(20, 3000, 20) AS i
JOIN aliases a ON a.hash = pg_temp.h(i);

INSERT INTO settings (key, value) VALUES
    ('store-migration-progress', encode('files/1500.png'::bytea, 'hex')),
    ('generator-key', encode('\x00ff10'::bytea, 'hex')),
    ('hex-upper', 'CAFE'),
    ('broken-setting', 'not hex at all');

INSERT INTO store_migrations (old_identifier, new_identifier)
SELECT 'old/' || i || '.png', 'files/' || i || '.png' FROM generate_series(1, 20) AS i;

INSERT INTO job_queue (id, queue, job, worker, status, queue_time, heartbeat, unique_key, retry)
VALUES
    ('00000000-0000-4000-8000-000000000001', 'cleanup', '{"Hash": {"hash": "x"}}', NULL, 'new',
     '2024-06-01 00:00:00', NULL, NULL, 5),
    ('00000000-0000-4000-8000-000000000002', 'process', '{"Generate": {"alias": "a.png"}}',
     'aaaaaaaa-0000-4000-8000-000000000000', 'running', '2024-06-01 00:00:01',
     '2024-06-01 00:00:02', NULL, 3),
    ('00000000-0000-4000-8000-000000000003', 'process', '{"Generate": {"alias": "b.png"}}',
     NULL, 'new', '2024-06-01 00:00:03', NULL, 'generate-b.png-thumb', 5),
    ('00000000-0000-4000-8000-000000000004', 'cleanup', '{"Variant": {}}', NULL, 'new',
     '2024-06-01 00:00:04', NULL, NULL, 0);

INSERT INTO uploads (id, result, created_at) VALUES
    ('00000000-0000-4000-8000-0000000000a1', NULL, '2024-06-01 00:00:00'),
    ('00000000-0000-4000-8000-0000000000a2', '{"Success": {}}', '2024-06-01 00:00:00');
INSERT INTO keyed_notifications (key) VALUES ('generate-x'), ('generate-y');

-- Broken rows.
INSERT INTO hashes (hash, identifier, created_at) VALUES
    ('not base64!', 'files/broken-1.png', '2024-03-02 00:00:00'),
    (pg_temp.h(9001), 'files/' || repeat('x', 5000) || '.png', '2024-03-02 00:00:00');
INSERT INTO aliases (alias, hash, token) VALUES
    ('on-broken-hash.png', 'not base64!', 'tok'),
    ('on-too-long-hash.png', pg_temp.h(9001), 'tok');
-- An alias too long for pict_repo, with a tab in it: listed escaped.
INSERT INTO aliases (alias, hash, token) VALUES
    (E'long\t' || repeat('a', 300) || '.png', pg_temp.h(1), 'tok');
