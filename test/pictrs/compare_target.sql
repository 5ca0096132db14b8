-- compare_target.sql: pict_repo's rows in the form of compare_source.sql.
-- A variant without an access time in pict-rs got the time of the import.
SET timezone = 'UTC';
\pset format unaligned
\pset tuples_only on
\pset fieldsep '|'
\echo hashes
SELECT encode(hash, 'hex'), identifier, coalesce(motion_identifier, '-'),
       coalesce(blurhash, '-'), to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US')
FROM pict_repo.hashes ORDER BY 1;
\echo details
SELECT identifier, details::text FROM pict_repo.details ORDER BY 1;
\echo variants
SELECT encode(hash, 'hex'), variant, identifier,
       CASE WHEN accessed > now() - interval '1 day' THEN 'import time'
            ELSE to_char(accessed, 'YYYY-MM-DD HH24:MI:SS.US') END
FROM pict_repo.variants ORDER BY 1, 2;
\echo aliases
SELECT alias, encode(hash, 'hex'), token FROM pict_repo.aliases ORDER BY 1;
\echo proxies
SELECT url, alias, to_char(accessed, 'YYYY-MM-DD HH24:MI:SS.US') FROM pict_repo.proxies ORDER BY 1;
\echo settings
SELECT key, encode(value, 'hex') FROM pict_repo.settings ORDER BY 1;
\echo store_migrations
SELECT old_identifier, new_identifier FROM pict_repo.store_migrations ORDER BY 1;
\echo jobs
SELECT id, queue, job::text, coalesce(unique_key, '-'),
       to_char(queue_time, 'YYYY-MM-DD HH24:MI:SS.US'), max_attempts
FROM pict_repo.job_queue WHERE status = 'new' AND attempts = 0 ORDER BY 1;
