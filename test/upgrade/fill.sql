-- fill.sql: fill a 1.0 repository with a row in every table, through the
-- 1.0 API where it has a call for it (run as the superuser, ON_ERROR_STOP).
SET client_min_messages = warning;

-- hashes, details, variants, aliases, proxies, access times
SELECT pict_repo.create_hash('\x01', 'up/1.png', 'up/1.mp4', '2020-01-01 00:00:00+00');
SELECT pict_repo.create_hash('\x02', 'up/2.png', NULL, '2020-01-02 00:00:00+00');
SELECT count(*) FROM pict_repo.ingest('\x03', 'up/3.png', '{"width": 3}', 'png', 'three.png', 'tok3');
SELECT pict_repo.relate_blurhash('\x01', 'LEHV6nWB2yk8');
SELECT pict_repo.relate_details('up/1.png', '{"width": 1, "height": 1}');
SELECT pict_repo.relate_variant('\x01', 'thumb', 'up/1-thumb.png');
SELECT pict_repo.relate_variant('\x01', 'big', 'up/1-big.png');
SELECT pict_repo.touch_variant('\x01', 'thumb', '2021-01-01 00:00:00+00');
SELECT pict_repo.create_alias_with_token('one.png', '\x01', 'tok1');
SELECT pict_repo.create_alias_with_token('two.png', '\x02', 'tok2');
SELECT pict_repo.relate_url('https://example.com/one.png', 'one.png');
SELECT pict_repo.touch_alias('one.png', '2021-01-01 00:00:00+00');
SELECT pict_repo.claim_variant_processing('\x02', 'thumb');

-- settings, store migration, uploads
SELECT pict_repo.set_setting('up.key', '\xdeadbeef');
SELECT pict_repo.mark_migrated('up/old.png', 'up/new.png');
SELECT pict_repo.create_upload() IS NOT NULL;
SELECT pict_repo.complete_upload(pict_repo.create_upload(), '{"alias": "one.png"}');

-- jobs: queued, scheduled, running, dead, and their statistics
SELECT pict_repo.push_job('up-q', '{"n": 1}');
SELECT pict_repo.push_job('up-q', '{"n": 2}', 'key-2', 5, '2999-01-01 00:00:00+00');
SELECT pict_repo.push_job('up-run', '{"n": 3}');
SELECT count(*) FROM pict_repo.claim_job('up-run', '00000000-0000-0000-0000-0000000000aa');
SELECT pict_repo.push_job('up-dead', '{"n": 4}', NULL, 0, NULL, 1);
SELECT pict_repo.fail_job(id, '00000000-0000-0000-0000-0000000000bb', 'boom')
  FROM pict_repo.claim_job('up-dead', '00000000-0000-0000-0000-0000000000bb');
SELECT pict_repo.push_job('up-done', '{"n": 5}');
SELECT pict_repo.complete_job(id, '00000000-0000-0000-0000-0000000000cc')
  FROM pict_repo.claim_job('up-done', '00000000-0000-0000-0000-0000000000cc');

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
