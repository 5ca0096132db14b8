-- Store migration and uploads: happy paths and errors side by side.
SET client_min_messages = warning;

-- a small repository to migrate
INSERT INTO pict_repo.hashes (hash, identifier, motion_identifier)
VALUES ('\x01', 'old/orig', 'old/motion'), ('\x02', 'old/other', NULL);
INSERT INTO pict_repo.variants (hash, variant, identifier)
VALUES ('\x01', 'thumb', 'old/thumb'), ('\x02', 'thumb', 'old/orig2-thumb');
SELECT pict_repo.relate_details('old/orig', '{"width": 1}');
SELECT pict_repo.relate_details('old/thumb', '{"width": 2}');

-- mark_migrated / is_migrated / is_continuing_migration
SELECT pict_repo.is_continuing_migration();
SELECT pict_repo.is_migrated('old/other');
SELECT pict_repo.mark_migrated('old/other', 'new/other');
SELECT pict_repo.mark_migrated('old/other', 'new/other2');   -- already marked: false
SELECT pict_repo.mark_migrated('old/x', 'new/other');        -- target taken: false
SELECT pict_repo.is_migrated('old/other');
SELECT pict_repo.is_continuing_migration();

-- migrate_identifier rewrites every reference and marks it
SELECT pict_repo.migrate_identifier('old/orig', 'new/orig');       -- hash + details
SELECT pict_repo.migrate_identifier('old/motion', 'new/motion');   -- motion
SELECT pict_repo.migrate_identifier('old/thumb', 'new/thumb');     -- variant + details
SELECT pict_repo.migrate_identifier('old/nothing', 'new/nothing'); -- nothing refers to it
SELECT hash, identifier, motion_identifier FROM pict_repo.hashes ORDER BY hash;
SELECT hash, variant, identifier FROM pict_repo.variants ORDER BY hash, variant;
SELECT identifier, details FROM pict_repo.details ORDER BY identifier;
SELECT old_identifier, new_identifier FROM pict_repo.store_migrations ORDER BY 1;
-- details of the target are replaced by the migrated ones
SELECT pict_repo.relate_details('a', '{"from": "a"}');
SELECT pict_repo.relate_details('b', '{"from": "b"}');
SELECT pict_repo.migrate_identifier('a', 'b');
SELECT identifier, details FROM pict_repo.details WHERE identifier IN ('a', 'b');
-- an identifier that another hash holds: 23505, nothing changed
SELECT regress.error_of($$SELECT pict_repo.migrate_identifier('new/orig', 'old/other')$$);
SELECT hash, identifier FROM pict_repo.hashes ORDER BY hash;
SELECT pict_repo.is_migrated('new/orig');

-- errors
SELECT regress.error_of($$SELECT pict_repo.mark_migrated(NULL, 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.mark_migrated('x', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.mark_migrated('', 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.mark_migrated('x', repeat('y', 4097))$$);
SELECT regress.error_of($$SELECT pict_repo.mark_migrated('x', 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.is_migrated(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.migrate_identifier(NULL, 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.migrate_identifier('x', '')$$);
SELECT regress.error_of($$SELECT pict_repo.migrate_identifier('x', 'x')$$);

-- clear_migrations
SELECT pict_repo.clear_migrations();
SELECT pict_repo.clear_migrations();
SELECT pict_repo.is_continuing_migration();

-- uploads: create, pending, complete, claim (the NOTIFY is tested by the
-- client's wait tests, where the payload can be compared)
CREATE TEMP TABLE up AS SELECT pict_repo.create_upload() AS id;
SELECT pict_repo.upload_result(id) FROM up;                       -- pending: NULL
SELECT pict_repo.claim_upload(id) FROM up;                        -- pending: NULL, kept
SELECT count(*) FROM pict_repo.uploads;
SELECT pict_repo.complete_upload(id, '{"alias": "a.png"}') FROM up;
SELECT pict_repo.upload_result(id) FROM up;
SELECT pict_repo.claim_upload(id) FROM up;
SELECT count(*) FROM pict_repo.uploads;
SELECT replace(regress.error_of(format('SELECT pict_repo.upload_result(%L)', id)), id::text, '<id>') FROM up;  -- claimed
SELECT replace(regress.error_of(format('SELECT pict_repo.claim_upload(%L)', id)), id::text, '<id>') FROM up;
SELECT pict_repo.complete_upload(id, '{}') FROM up;               -- unknown: false
SELECT pict_repo.create_upload() <> pict_repo.create_upload() AS ids_differ;

-- uploads: errors
SELECT regress.error_of($$SELECT pict_repo.upload_result(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.upload_result('00000000-0000-0000-0000-000000000000')$$);
SELECT regress.error_of($$SELECT pict_repo.claim_upload(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.complete_upload(NULL, '{}')$$);
SELECT regress.error_of($$SELECT pict_repo.complete_upload(pict_repo.create_upload(), NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.complete_upload(pict_repo.create_upload(), '{bad')$$);
