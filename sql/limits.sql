-- Limits the indexes can keep: identifiers, motion identifiers and URLs of
-- up to 4,096 characters are storable whatever their content, also when
-- they do not compress (a btree entry holds at most about 2,700 bytes;
-- these values have 12 kB), in every function that stores one; one
-- character more is 22023 naming the argument.
SET client_min_messages = warning;
CREATE SCHEMA lim;
CREATE FUNCTION lim.error_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- n CJK ideographs chosen by md5 (three bytes each in UTF-8); a different
-- seed gives a different value.
CREATE FUNCTION lim.big(seed text, n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(chr(19968 + ('x' || substr(md5(seed || i), 1, 4))::bit(16)::int % 20000), ''
                      ORDER BY i)
      FROM generate_series(1, n) i
$$;
SELECT octet_length(lim.big('a', 4096)) AS bytes,
       octet_length(lim.big('a', 4096)::bytea) > 2704 AS over_a_btree_entry,
       pg_column_size(lim.big('a', 4096)) > 2704 AS does_not_compress;

-- create_hash: the original and the motion file at the limit
SELECT pict_repo.create_hash('\xc001', lim.big('orig', 4096), lim.big('motion', 4096));
SELECT pict_repo.hash_identifier('\xc001') = lim.big('orig', 4096) AS identifier_kept,
       pict_repo.motion_identifier('\xc001') = lim.big('motion', 4096) AS motion_kept;
-- the same long file for another hash is still refused
SELECT lim.error_of($$SELECT pict_repo.create_hash('\xc002', lim.big('orig', 4096))$$);
SELECT lim.error_of($$SELECT pict_repo.create_hash('\xc002', lim.big('orig', 4097))$$);
SELECT lim.error_of($$SELECT pict_repo.create_hash('\xc002', 'c/2', lim.big('m', 4097))$$);

-- ingest: a new hash with a long original, and its details
SELECT hash_created, stored_identifier = lim.big('ingest', 4096) AS stored
  FROM pict_repo.ingest('\xc003', lim.big('ingest', 4096), '{"width": 1}', 'png', 'c3.png');
SELECT pict_repo.details(lim.big('ingest', 4096));
SELECT lim.error_of($$SELECT * FROM pict_repo.ingest('\xc004', lim.big('i', 4097), '{}', 'png')$$);

-- relate_variant
SELECT pict_repo.relate_variant('\xc001', 'thumb', lim.big('variant', 4096));
SELECT pict_repo.variant_identifier('\xc001', 'thumb') = lim.big('variant', 4096) AS variant_kept;
SELECT lim.error_of($$SELECT pict_repo.relate_variant('\xc001', 'big', lim.big('v', 4097))$$);

-- relate_motion_identifier, update_identifier
SELECT pict_repo.relate_motion_identifier('\xc003', lim.big('motion3', 4096));
SELECT pict_repo.update_identifier('\xc003', lim.big('orig3', 4096));
SELECT lim.error_of($$SELECT pict_repo.relate_motion_identifier('\xc003', lim.big('m', 4097))$$);
SELECT lim.error_of($$SELECT pict_repo.update_identifier('\xc003', lim.big('o', 4097))$$);

-- relate_url and related, twice the same long URL
SELECT pict_repo.relate_url(lim.big('url', 4096), 'c3.png');
SELECT pict_repo.relate_url(lim.big('url', 4096), 'c3.png');
SELECT pict_repo.related(lim.big('url', 4096));
SELECT count(*) FROM pict_repo.older_aliases('infinity', 10, '-infinity', lim.big('url', 4096));
SELECT lim.error_of($$SELECT pict_repo.relate_url(lim.big('u', 4097), 'c3.png')$$);

-- relate_details, replaced
SELECT pict_repo.relate_details(lim.big('details', 4096), '{"n": 1}');
SELECT pict_repo.relate_details(lim.big('details', 4096), '{"n": 2}');
SELECT pict_repo.details(lim.big('details', 4096));
SELECT lim.error_of($$SELECT pict_repo.relate_details(lim.big('d', 4097), '{}')$$);

-- mark_migrated, is_migrated, migrate_identifier
SELECT pict_repo.mark_migrated(lim.big('old', 4096), lim.big('new', 4096));
SELECT pict_repo.mark_migrated(lim.big('old', 4096), lim.big('new2', 4096));
SELECT pict_repo.mark_migrated(lim.big('old2', 4096), lim.big('new', 4096));
SELECT pict_repo.is_migrated(lim.big('old', 4096));
SELECT pict_repo.migrate_identifier(lim.big('orig3', 4096), lim.big('moved3', 4096));
SELECT pict_repo.hash_identifier('\xc003') = lim.big('moved3', 4096) AS migrated;
SELECT lim.error_of($$SELECT pict_repo.mark_migrated(lim.big('o', 4097), 'x')$$);

-- and everything comes back out for deletion
SELECT count(*) AS files FROM pict_repo.cleanup_hash('\xc001', true);
SELECT count(*) AS files FROM pict_repo.cleanup_hash('\xc003', true);
SELECT pict_repo.clear_migrations();
-- (update_identifier leaves the details of the file it replaced)
SELECT pict_repo.cleanup_details(lim.big('ingest', 4096)),
       pict_repo.cleanup_details(lim.big('details', 4096));
SELECT count(*) AS details_left FROM pict_repo.details;
DROP SCHEMA lim CASCADE;
