/* pict_repo--1.2--1.3.sql: from 1.2 (as shipped, frozen) to 1.3. */

\echo Use "ALTER EXTENSION pict_repo UPDATE TO '1.3'" to load this file. \quit

/*
 * 1.3 comes in sections, one per area; each says what it adds or changes
 * and why every new function that touches a table is SECURITY DEFINER.
 * Every name is schema-qualified and every function pins search_path.
 */

-- ===========================================================================
-- Hardening
-- ===========================================================================

/*
 * text_digest(value): the SHA-256 of a text value, for unique indexes and
 * lookups over identifiers and URLs of up to 4,096 characters, which a
 * btree index cannot hold when they do not compress.  It touches no table,
 * so it is SECURITY INVOKER.  It is not part of the API: only the owner
 * (and so every SECURITY DEFINER function, which runs as the owner) may
 * call it, which is all an index expression needs.
 */
CREATE FUNCTION @extschema@.text_digest(value text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pict_repo_text_digest'
LANGUAGE C IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.text_digest(text) FROM PUBLIC;

-- Hardening: dead jobs for the application role, push_jobs' cap
--
-- list_dead_jobs(from_queue, lim, after_id): the dead jobs, oldest job first,
-- in keyset pages on the id.  Until 1.3 the client read the table dead_jobs
-- itself, which an application role may not do (42501).  It reads
-- dead_jobs, which pict_repo_user has no privilege on, so it is SECURITY
-- DEFINER like every function of the job queue.  The argument is not named
-- queue: a TABLE result column of that name takes it.
CREATE FUNCTION @extschema@.list_dead_jobs(from_queue text DEFAULT NULL,
                                           lim integer DEFAULT 100,
                                           after_id uuid DEFAULT NULL)
RETURNS TABLE(id uuid, queue text, job jsonb, attempts integer,
              last_error text, died_at timestamptz)
AS 'MODULE_PATHNAME', 'pict_repo_list_dead_jobs'
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.list_dead_jobs(text, integer, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.list_dead_jobs(text, integer, uuid) TO pict_repo_user;

-- The pages of one queue walk (queue, id) (planned without sorts): with
-- only (queue, died_at), every page would read and sort every dead job of
-- the queue, or walk the primary key over the jobs of every other queue.
CREATE INDEX dead_jobs_queue_id_idx ON @extschema@.dead_jobs (queue, id);

-- push_jobs takes at most 10,000 jobs, like complete_jobs (checked in C:
-- the signature is unchanged).


-- ===========================================================================
-- The file service: owners, tags, access, media_info, filtered listing
-- ===========================================================================


-- ===========================================================================
-- Storage tiers: stores and copies
-- ===========================================================================


-- ===========================================================================
-- pict-rs drop-in
-- ===========================================================================


-- ===========================================================================
-- End of 1.3
-- ===========================================================================
