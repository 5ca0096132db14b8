-- The extension as a whole, run last: DROP EXTENSION removes every object,
-- CREATE EXTENSION works again, and plans kept by this backend survive it.
SET client_min_messages = warning;

SELECT pict_repo.set_setting('before-drop', '\x01');      -- keeps plans in this backend
SELECT count(*) > 0 AS has_objects
  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON d.refobjid = e.oid
 WHERE e.extname = 'pict_repo' AND d.deptype = 'e';

DROP EXTENSION pict_repo;
-- PostgreSQL creates the schema named by the control file before the script
-- runs and never makes it a member of the extension, so it stays, empty.
SELECT (SELECT count(*) FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'pict_repo'::regnamespace) AS relations,
       (SELECT count(*) FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'pict_repo'::regnamespace) AS functions,
       (SELECT count(*) FROM pg_catalog.pg_type t
         WHERE t.typnamespace = 'pict_repo'::regnamespace) AS types,
       (SELECT count(*) FROM pg_catalog.pg_operator o
         WHERE o.oprnamespace = 'pict_repo'::regnamespace) AS operators;
SELECT count(*) AS job_status_types FROM pg_catalog.pg_type WHERE typname = 'job_status';

CREATE EXTENSION pict_repo;
SELECT count(*) > 0 AS tables_back FROM pg_catalog.pg_class
 WHERE relnamespace = 'pict_repo'::regnamespace AND relkind = 'r';
SELECT pict_repo.get_setting('before-drop');               -- a new, empty repository
SELECT pict_repo.set_setting('after-create', '\x02');      -- kept plan revalidated
SELECT pict_repo.get_setting('after-create');
SELECT pict_repo.version() = extversion AS version_matches
  FROM pg_catalog.pg_extension WHERE extname = 'pict_repo';
