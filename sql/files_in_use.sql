-- A file in use is never handed out for deletion.  An identifier names one
-- stored file and sits in one slot: the original or the motion file of a
-- hash, or the file of a variant.  Every write that would put a file that
-- is in one slot into another (of another hash, or of the same one) is
-- refused with 23505 and changes nothing, for every pair of slots and every
-- function that writes a slot; and where two slots share a file anyway
-- (written before 1.3, or straight into the tables), cleanup_hash and
-- remove_variant keep the file and its details until the last one goes.
SET client_min_messages = warning;
CREATE SCHEMA fu;
CREATE FUNCTION fu.outcome(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    before text := fu.sum();
    res text;
BEGIN
    BEGIN
        EXECUTE sql INTO res;
        res := 'ok ' || coalesce(res, 'NULL');
    EXCEPTION WHEN OTHERS THEN
        res := SQLSTATE;
    END;
    RETURN res || CASE WHEN fu.sum() = before THEN '' ELSE ' (changed)' END;
END
$$;
CREATE FUNCTION fu.sum() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat((SELECT string_agg(h::text, ',' ORDER BY h::text) FROM pict_repo.hashes h),
                      (SELECT string_agg(v::text, ',' ORDER BY v::text) FROM pict_repo.variants v),
                      (SELECT string_agg(d::text, ',' ORDER BY d::text) FROM pict_repo.details d)))
$$;

-- The file F sits in one slot of hash \xf1; every writer of every slot then
-- tries to put F into its slot, of hash \xf2 (which has files of its own)
-- or of a new hash \xf3, or of \xf1 itself.
CREATE TABLE fu.slot (slot text PRIMARY KEY, put text NOT NULL);
INSERT INTO fu.slot VALUES
    ('original', $$SELECT pict_repo.create_hash('\xf1', 'F')$$),
    ('motion',   $$SELECT pict_repo.create_hash('\xf1', 'f1/orig', 'F')$$),
    ('variant',  $$SELECT pict_repo.create_hash('\xf1', 'f1/orig') AND pict_repo.relate_variant('\xf1', 'v', 'F')$$);
CREATE TABLE fu.writer (slot text NOT NULL, writer text NOT NULL, call text NOT NULL,
                        PRIMARY KEY (slot, writer));
INSERT INTO fu.writer VALUES
    ('original', 'create_hash', $$SELECT pict_repo.create_hash('\xf3', 'F')$$),
    ('original', 'ingest (new hash)', $$SELECT alias FROM pict_repo.ingest('\xf3', 'F', '{}', 'png')$$),
    ('original', 'ingest (existing hash: the caller would delete F)',
     $$SELECT alias FROM pict_repo.ingest('\xf2', 'F', '{}', 'png')$$),
    ('original', 'update_identifier', $$SELECT pict_repo.update_identifier('\xf2', 'F')$$),
    ('original', 'update_identifier (same hash)', $$SELECT pict_repo.update_identifier('\xf1', 'F')$$),
    ('original', 'migrate_identifier', $$SELECT pict_repo.migrate_identifier('f2/orig', 'F')$$),
    ('motion', 'create_hash', $$SELECT pict_repo.create_hash('\xf3', 'f3/orig', 'F')$$),
    ('motion', 'relate_motion_identifier', $$SELECT pict_repo.relate_motion_identifier('\xf2', 'F')$$),
    ('motion', 'relate_motion_identifier (same hash)', $$SELECT pict_repo.relate_motion_identifier('\xf1', 'F')$$),
    ('motion', 'migrate_identifier', $$SELECT pict_repo.migrate_identifier('f2/motion', 'F')$$),
    ('variant', 'relate_variant', $$SELECT pict_repo.relate_variant('\xf2', 'w', 'F')$$),
    ('variant', 'relate_variant (same hash)', $$SELECT pict_repo.relate_variant('\xf1', 'w', 'F')$$),
    ('variant', 'migrate_identifier', $$SELECT pict_repo.migrate_identifier('f2/v', 'F')$$);

CREATE TABLE fu.result (held_in text, written_to text, writer text, outcome text);
DO $$
DECLARE
    s record;
    w record;
BEGIN
    FOR s IN SELECT * FROM fu.slot LOOP
        FOR w IN SELECT * FROM fu.writer LOOP
            PERFORM pict_repo.cleanup_hash(h, true) FROM pict_repo.hashes h(h);
            PERFORM pict_repo.relate_details('F', '{"of": "F"}');
            EXECUTE s.put;
            PERFORM pict_repo.create_hash('\xf2', 'f2/orig', 'f2/motion');
            PERFORM pict_repo.relate_variant('\xf2', 'v', 'f2/v');
            INSERT INTO fu.result VALUES (s.slot, w.slot, w.writer, fu.outcome(w.call));
            PERFORM pict_repo.cleanup_hash(h, true) FROM pict_repo.hashes h(h);
        END LOOP;
    END LOOP;
END
$$;
-- Every pair, every writer: 23505, nothing changed.  (The writes to the
-- same slot of the same hash are no sharing and are not tried above.)
SELECT held_in, written_to, writer, outcome FROM fu.result
 WHERE NOT (held_in = 'original' AND writer = 'update_identifier (same hash)')
   AND NOT (held_in = 'motion' AND writer = 'relate_motion_identifier (same hash)')
 ORDER BY held_in, written_to, writer;
SELECT count(*) AS pairs_tried, count(DISTINCT (held_in, written_to)) AS slot_pairs FROM fu.result;
-- Writing a file into the slot that already holds it is no sharing.
SELECT held_in, writer, outcome FROM fu.result
 WHERE (held_in = 'original' AND writer = 'update_identifier (same hash)')
    OR (held_in = 'motion' AND writer = 'relate_motion_identifier (same hash)');

-- Shared files (written straight into the tables, as a database from
-- before 1.3 may have them): every pair of slots of two hashes that the
-- unique indexes allow (two originals or two motion files cannot share).
CREATE TABLE fu.shared (a text, b text, first_cleanup text[], details_kept boolean,
                        second_cleanup text[]);
DO $$
DECLARE
    sa text;
    sb text;
    first text[];
    second text[];
BEGIN
    FOREACH sa IN ARRAY ARRAY['original', 'motion', 'variant'] LOOP
        FOREACH sb IN ARRAY ARRAY['original', 'motion', 'variant'] LOOP
            CONTINUE WHEN sa = sb AND sa <> 'variant';
            INSERT INTO pict_repo.hashes (hash, identifier, motion_identifier) VALUES
                ('\xf1', CASE sa WHEN 'original' THEN 'S' ELSE 'f1/orig' END,
                          CASE sa WHEN 'motion' THEN 'S' END),
                ('\xf2', CASE sb WHEN 'original' THEN 'S' ELSE 'f2/orig' END,
                          CASE sb WHEN 'motion' THEN 'S' END);
            INSERT INTO pict_repo.variants (hash, variant, identifier)
            SELECT h, 'v', 'S' FROM (VALUES ('\xf1'::bytea, sa), ('\xf2', sb)) x(h, slot)
             WHERE slot = 'variant';
            PERFORM pict_repo.relate_details('S', '{"of": "S"}');
            first := ARRAY(SELECT pict_repo.cleanup_hash('\xf2', true));
            INSERT INTO fu.shared VALUES (sa, sb, first, pict_repo.details('S') IS NOT NULL, NULL);
            second := ARRAY(SELECT pict_repo.cleanup_hash('\xf1', true));
            UPDATE fu.shared s SET second_cleanup = second WHERE s.a = sa AND s.b = sb;
        END LOOP;
    END LOOP;
END
$$;
-- The second cleanup of the pair hands S back, never the first.
SELECT a AS slot_of_f1, b AS slot_of_f2, first_cleanup, details_kept, second_cleanup
  FROM fu.shared ORDER BY a, b;
SELECT pict_repo.details('S') AS details_after_both;

-- The details of a shared file stay until the last slot goes.
INSERT INTO pict_repo.hashes (hash, identifier) VALUES ('\xf1', 'T'), ('\xf2', 'f2/orig');
INSERT INTO pict_repo.variants (hash, variant, identifier) VALUES ('\xf2', 'v', 'T');
SELECT pict_repo.relate_details('T', '{"of": "T"}');
SELECT pict_repo.remove_variant('\xf2', 'v') AS removed_variant_hands_back;
SELECT pict_repo.details('T') AS details_kept;
SELECT pict_repo.cleanup_hash('\xf1', true) AS last_slot_hands_back;
SELECT pict_repo.details('T') AS details_gone;
SELECT pict_repo.cleanup_hash('\xf2', true);
DROP SCHEMA fu CASCADE;
