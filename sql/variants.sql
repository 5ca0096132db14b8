-- Variants and the locks on their generation: happy paths and errors side
-- by side.  Uses its own hashes (\xd0..) and removes them at the end.  The
-- NOTIFY of release_variant_processing and concurrent claims are tested in
-- test/isolation/specs/variant_claim.spec.
SET client_min_messages = warning;

SELECT pict_repo.create_hash('\xd001', 'v/orig1');
SELECT pict_repo.create_hash('\xd002', 'v/orig2');

-- relate_variant, variant_identifier, variants
SELECT pict_repo.relate_variant('\xd001', 'thumb', 'v/d1-thumb');
SELECT pict_repo.relate_variant('\xd001', 'avatar', 'v/d1-avatar');
SELECT pict_repo.relate_variant('\xd001', 'big', 'v/d1-big');
SELECT pict_repo.relate_variant('\xd002', 'thumb', 'v/d2-thumb');
SELECT pict_repo.relate_variant('\xd001', 'thumb', 'v/d1-thumb-2');  -- exists: false
SELECT pict_repo.variant_identifier('\xd001', 'thumb');               -- unchanged
SELECT pict_repo.variant_identifier('\xd001', 'huge');                -- not generated: NULL
SELECT pict_repo.variant_identifier('\xd0ff', 'thumb');               -- unknown hash: NULL
SELECT * FROM pict_repo.variants('\xd001');                           -- in variant order
SELECT * FROM pict_repo.variants('\xd0ff');                           -- unknown hash: no rows
SELECT accessed > now() - interval '1 hour' AS accessed_set
  FROM pict_repo.variants WHERE hash = '\xd001' AND variant = 'thumb';
-- an unknown hash is a foreign key violation, and writes nothing
SELECT regress.error_of($$SELECT pict_repo.relate_variant('\xd0ff', 'thumb', 'v/x')$$);
-- errors
SELECT regress.error_of($$SELECT pict_repo.relate_variant(NULL, 'thumb', 'v/x')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_variant('\x', 'thumb', 'v/x')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_variant('\xd001', NULL, 'v/x')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_variant('\xd001', '', 'v/x')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_variant('\xd001', repeat('v', 257), 'v/x')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_variant('\xd001', 'new', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.relate_variant('\xd001', 'new', '')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_variant('\xd001', 'new', repeat('i', 4097))$$);
SELECT pict_repo.relate_variant('\xd002', repeat('v', 256), 'v/long');  -- 256 characters: fine
SELECT regress.error_of($$SELECT pict_repo.variant_identifier(NULL, 'thumb')$$);
SELECT regress.error_of($$SELECT pict_repo.variant_identifier('\xd001', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.variant_identifier('\xd001', '')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.variants(NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.variants(decode(repeat('ab', 129), 'hex'))$$);
SELECT count(*) FROM pict_repo.variants WHERE hash IN ('\xd001', '\xd002');

-- remove_variant: returns the file to delete, drops its details and its lock
SELECT pict_repo.relate_details('v/d1-big', '{"width": 1000}');
SELECT pict_repo.relate_details('v/d1-thumb', '{"width": 100}');
INSERT INTO pict_repo.variant_locks (hash, variant) VALUES ('\xd001', 'big');
SELECT pict_repo.remove_variant('\xd001', 'big');
SELECT pict_repo.variant_identifier('\xd001', 'big'),
       pict_repo.details('v/d1-big'),
       pict_repo.details('v/d1-thumb'),
       (SELECT count(*) FROM pict_repo.variant_locks WHERE hash = '\xd001') AS locks;
SELECT pict_repo.remove_variant('\xd001', 'big');                    -- gone: NULL
SELECT pict_repo.remove_variant('\xd0ff', 'big');                    -- unknown hash: NULL
-- a lock on a variant that does not exist (being generated) is left alone
INSERT INTO pict_repo.variant_locks (hash, variant) VALUES ('\xd001', 'huge');
SELECT pict_repo.remove_variant('\xd001', 'huge');
SELECT variant FROM pict_repo.variant_locks WHERE hash = '\xd001';
DELETE FROM pict_repo.variant_locks WHERE hash = '\xd001';
SELECT * FROM pict_repo.variants('\xd001');
SELECT regress.error_of($$SELECT pict_repo.remove_variant(NULL, 'thumb')$$);
SELECT regress.error_of($$SELECT pict_repo.remove_variant('\xd001', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.remove_variant('\xd001', repeat('v', 257))$$);
SELECT pict_repo.variant_identifier('\xd001', 'thumb');             -- errors removed nothing

-- claim_variant_processing: the first caller may generate, the next may not
SELECT pict_repo.claim_variant_processing('\xd001', 'big');
SELECT pict_repo.claim_variant_processing('\xd001', 'big');          -- live lock: false
SELECT heartbeat > now() - interval '1 hour' AS heartbeat_set
  FROM pict_repo.variant_locks WHERE hash = '\xd001' AND variant = 'big';
SELECT pict_repo.claim_variant_processing('\xd001', 'thumb');        -- generated already: false
SELECT pict_repo.claim_variant_processing('\xd0ff', 'big');          -- unknown hash: false
SELECT pict_repo.claim_variant_processing('\xd002', 'big');          -- same variant, other hash
SELECT hash, variant FROM pict_repo.variant_locks
 WHERE hash IN ('\xd001', '\xd002', '\xd0ff') ORDER BY hash, variant;
-- variant_heartbeat keeps it alive
UPDATE pict_repo.variant_locks SET heartbeat = heartbeat - interval '100 seconds'
 WHERE hash = '\xd001' AND variant = 'big';
SELECT pict_repo.variant_heartbeat('\xd001', 'big');
SELECT heartbeat > clock_timestamp() - interval '10 seconds' AS refreshed
  FROM pict_repo.variant_locks WHERE hash = '\xd001' AND variant = 'big';
SELECT pict_repo.variant_heartbeat('\xd001', 'huge');                -- no lock: false
SELECT pict_repo.variant_heartbeat('\xd0ff', 'big');                 -- unknown hash: false
-- a lock without heartbeat for longer than pict_repo.lock_timeout is dead
-- and taken over; the timeout comes from the setting (default 2min)
UPDATE pict_repo.variant_locks SET heartbeat = clock_timestamp() - interval '90 seconds'
 WHERE hash = '\xd001' AND variant = 'big';
SELECT pict_repo.claim_variant_processing('\xd001', 'big');          -- 90s < 2min: live
SET pict_repo.lock_timeout = '1min';
SELECT pict_repo.claim_variant_processing('\xd001', 'big');          -- 90s > 1min: dead
SELECT heartbeat > clock_timestamp() - interval '10 seconds' AS taken_over
  FROM pict_repo.variant_locks WHERE hash = '\xd001' AND variant = 'big';
SELECT pict_repo.claim_variant_processing('\xd001', 'big');          -- and live again
RESET pict_repo.lock_timeout;
-- release_variant_processing removes the lock (whether or not one exists)
SELECT pict_repo.release_variant_processing('\xd001', 'big');
SELECT count(*) FROM pict_repo.variant_locks WHERE hash = '\xd001';
SELECT pict_repo.variant_heartbeat('\xd001', 'big');                 -- released: false
SELECT pict_repo.release_variant_processing('\xd001', 'big');
SELECT pict_repo.release_variant_processing('\xd0ff', 'big');
-- the usual round: claim, generate, relate, release; then nobody may claim
SELECT pict_repo.claim_variant_processing('\xd001', 'big');
SELECT pict_repo.relate_variant('\xd001', 'big', 'v/d1-big-2');
SELECT pict_repo.release_variant_processing('\xd001', 'big');
SELECT pict_repo.claim_variant_processing('\xd001', 'big');
-- a dead lock on a variant that exists meanwhile is not taken over
INSERT INTO pict_repo.variant_locks (hash, variant, heartbeat)
VALUES ('\xd001', 'avatar', now() - interval '1 day');
SELECT pict_repo.claim_variant_processing('\xd001', 'avatar');
DELETE FROM pict_repo.variant_locks WHERE hash = '\xd001' AND variant = 'avatar';
-- errors, each changing nothing
SELECT regress.error_of($$SELECT pict_repo.claim_variant_processing(NULL, 'big')$$);
SELECT regress.error_of($$SELECT pict_repo.claim_variant_processing('\x', 'big')$$);
SELECT regress.error_of($$SELECT pict_repo.claim_variant_processing('\xd001', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.claim_variant_processing('\xd001', '')$$);
SELECT regress.error_of($$SELECT pict_repo.claim_variant_processing('\xd001', repeat('v', 257))$$);
SELECT regress.error_of($$SELECT pict_repo.variant_heartbeat(NULL, 'big')$$);
SELECT regress.error_of($$SELECT pict_repo.variant_heartbeat('\xd002', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.release_variant_processing(NULL, 'big')$$);
SELECT regress.error_of($$SELECT pict_repo.release_variant_processing('\xd002', '')$$);
SELECT hash, variant FROM pict_repo.variant_locks
 WHERE hash IN ('\xd001', '\xd002') ORDER BY hash, variant;

-- leave the database as it was
SELECT * FROM pict_repo.cleanup_hash('\xd001');
SELECT * FROM pict_repo.cleanup_hash('\xd002');
SELECT count(*) FROM pict_repo.variant_locks WHERE hash IN ('\xd001', '\xd002');
