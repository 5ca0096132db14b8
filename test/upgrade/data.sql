-- data.sql: one line per table of schema pict_repo: its name, row count and
-- the md5 of its rows (as text, sorted).  Compared before and after
-- ALTER EXTENSION ... UPDATE.
SET client_min_messages = warning;
SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(t::text, ''|'' ORDER BY t::text)), ''-'') FROM %s t',
              c.relname, c.oid::regclass)
  FROM pg_class c
 WHERE c.relnamespace = 'pict_repo'::regnamespace AND c.relkind = 'r'
 ORDER BY c.relname
\gexec
