-- compare_source.sql: the rows of a pict-rs repository filled by fill.sql
-- that import-pict-rs can import, as pict_repo holds them afterwards
-- (compare_target.sql prints the same from pict_repo; the two outputs must
-- be equal).  Hashes as hex of their bytes, times in UTC.
SET timezone = 'UTC';
\pset format unaligned
\pset tuples_only on
\pset fieldsep '|'
CREATE TEMP VIEW ok_hashes AS
    SELECT * FROM hashes
    WHERE hash ~ '^[A-Za-z0-9+/]{52}$' AND char_length(identifier) <= 4096;
\echo hashes
SELECT encode(decode(hash, 'base64'), 'hex'), identifier, coalesce(motion_identifier, '-'),
       coalesce(blurhash, '-'), to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US')
FROM ok_hashes ORDER BY 1;
\echo details
SELECT identifier, json::text FROM details ORDER BY 1;
\echo variants
SELECT encode(decode(hash, 'base64'), 'hex'), variant, identifier,
       coalesce(to_char(accessed, 'YYYY-MM-DD HH24:MI:SS.US'), 'import time')
FROM variants ORDER BY 1, 2;
\echo aliases
SELECT alias, encode(decode(hash, 'base64'), 'hex'), token FROM aliases
WHERE hash IN (SELECT hash FROM ok_hashes) AND char_length(alias) <= 256 ORDER BY 1;
\echo proxies
SELECT url, alias, to_char(accessed, 'YYYY-MM-DD HH24:MI:SS.US') FROM proxies ORDER BY 1;
\echo settings
SELECT key, lower(value) FROM settings WHERE value ~ '^([0-9a-fA-F]{2})*$' ORDER BY 1;
\echo store_migrations
SELECT old_identifier, new_identifier FROM store_migrations ORDER BY 1;
\echo jobs
SELECT id, queue, job::text, coalesce(unique_key, '-'),
       to_char(queue_time, 'YYYY-MM-DD HH24:MI:SS.US'), greatest(retry, 1)
FROM job_queue ORDER BY 1;
