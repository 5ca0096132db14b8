-- data.sql: one line per table of schema pict_repo: its name, row count and
-- the md5 of its rows (as text, sorted).  Compared before and after
-- ALTER EXTENSION ... UPDATE.
--
-- The first run records which tables and columns there are (in schema
-- upgrade_check, outside the extension); every run then reads only those,
-- so that a column or table an update adds (a digest column, new metadata)
-- does not count as a change of the rows that were there.
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS upgrade_check;
CREATE TABLE IF NOT EXISTS upgrade_check.columns AS
SELECT c.relname::text AS tab, c.oid::regclass::text AS qualified,
       string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) AS cols
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'pict_repo'::regnamespace AND c.relkind = 'r'
 GROUP BY c.relname, c.oid;
SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(t::text, ''|'' ORDER BY t::text)), ''-'') FROM (SELECT %s FROM %s) t',
              tab, cols, qualified)
  FROM upgrade_check.columns
 ORDER BY tab
\gexec
