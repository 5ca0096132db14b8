/* pict_repo--1.1--1.2.sql: from 1.1 (as shipped, frozen) to 1.2. */

\echo Use "ALTER EXTENSION pict_repo UPDATE TO '1.2'" to load this file. \quit

/*
 * 1.2: complete_jobs, the batch form of complete_job for workers that claim
 * many jobs at a time (claim_job with max_jobs > 1): one statement deletes
 * every job of the batch the worker still holds and adds them to
 * queue_stats with one upsert per queue.
 *
 * SECURITY DEFINER for the same reason as complete_job (1.1): it writes
 * job_queue and queue_stats, which an application role may not touch, and
 * a worker may only complete jobs it holds (the worker id check is in the
 * function).  It is C code that pins search_path, names every table and
 * built-in with its schema and passes its arguments as $n parameters.
 *
 * Also in 1.2, without a change here: the shard of a queue_stats row is the
 * backend's slot in the proc array modulo 128, no longer its pid modulo 16
 * (the comment on queue_stats in the 1.0 script says pid), so that no two
 * live backends add to the same row; readers sum the shards as before.
 */
CREATE FUNCTION @extschema@.complete_jobs(ids uuid[], worker uuid)
    RETURNS SETOF uuid
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_complete_jobs';

REVOKE ALL ON FUNCTION @extschema@.complete_jobs(uuid[], uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.complete_jobs(uuid[], uuid) TO pict_repo_user;
