/* pict_repo--1.4--1.5.sql: from 1.4 (as shipped, frozen) to 1.5. */

\echo Use "ALTER EXTENSION pict_repo UPDATE TO '1.5'" to load this file. \quit

/*
 * 1.5 comes in sections, one per area; each says what it adds or changes
 * and why every new function that touches a table is SECURITY DEFINER.
 * Every name is schema-qualified and every function pins search_path.
 */

-- ===========================================================================
-- Completions counted in shared memory
-- ===========================================================================

/*
 * With the library preloaded, a completion in the database of the
 * background worker adds to a counter in shared memory when its
 * transaction commits, instead of upserting its queue_stats row (half the
 * work of complete_job); every maintenance pass writes the counters into
 * queue_stats (pict_repo.shared_queue_stats = off goes back to the upsert).
 * queue_stats() and average_time_to_completion() add what shared memory
 * holds, so their figures stay exact; the table itself lags by up to one
 * maintenance_interval, and a crash loses at most that much of the counts
 * (never a job).
 *
 * unflushed_queue_stats: the counts of this database not yet in
 * queue_stats.  Reads no table, so SECURITY INVOKER; STABLE and PARALLEL
 * SAFE like the other reads (a parallel worker sees the same shared memory
 * and the leader's transaction).
 */
CREATE FUNCTION @extschema@.unflushed_queue_stats()
    RETURNS TABLE (queue text, minute timestamptz, completed bigint,
                   wait_time interval, run_time interval)
    LANGUAGE c STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_unflushed_queue_stats';

REVOKE ALL ON FUNCTION @extschema@.unflushed_queue_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.unflushed_queue_stats() TO pict_repo_user;

/*
 * flush_queue_stats: write those counts into queue_stats now, in the
 * caller's transaction (what each maintenance pass does); returns the rows
 * written.  SECURITY DEFINER: it writes queue_stats, which an application
 * role may not touch; C code that pins search_path, names every table and
 * built-in with its schema and passes its values as $n parameters.
 */
CREATE FUNCTION @extschema@.flush_queue_stats()
    RETURNS integer
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_flush_queue_stats';

REVOKE ALL ON FUNCTION @extschema@.flush_queue_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.flush_queue_stats() TO pict_repo_user;

-- Counters left in shared memory by an extension dropped in this database
-- while the server ran belong to its queue_stats, not to this one's: every
-- CREATE EXTENSION runs this script (a C function of this script only).
CREATE FUNCTION @extschema@.discard_queue_stats() RETURNS integer
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_discard_queue_stats';
SELECT @extschema@.discard_queue_stats();
DROP FUNCTION @extschema@.discard_queue_stats();


-- ===========================================================================
-- The job queue's constraints as domains
-- ===========================================================================

/*
 * An UPDATE checks every CHECK constraint of its table, whatever columns
 * it sets, and builds their expressions from their stored text for every
 * execution of a kept plan: on job_queue that was 15% of the work of a
 * claim + complete, for a claim that sets none of queue, attempts' sign or
 * max_attempts.  A domain's check runs only where a value of the domain is
 * assigned, with its expression cached per backend.  The three
 * single-column checks become domains with the same rules and the same
 * constraint names (a violation is still 23514); the check that ties
 * worker to status spans two columns and stays on the table.  The update
 * rewrites job_queue and its indexes, so it holds a lock on it for as long
 * as that takes.
 */
CREATE DOMAIN @extschema@.job_queue_name AS text
    CONSTRAINT job_queue_queue_check
    CHECK (pg_catalog.char_length(VALUE) >= 1 AND pg_catalog.char_length(VALUE) <= 64);
CREATE DOMAIN @extschema@.job_attempts AS integer
    CONSTRAINT job_queue_attempts_check CHECK (VALUE >= 0);
CREATE DOMAIN @extschema@.job_max_attempts AS integer
    CONSTRAINT job_queue_max_attempts_check CHECK (VALUE >= 1);

ALTER TABLE @extschema@.job_queue
    DROP CONSTRAINT job_queue_queue_check,
    DROP CONSTRAINT job_queue_attempts_check,
    DROP CONSTRAINT job_queue_max_attempts_check,
    ALTER COLUMN queue TYPE @extschema@.job_queue_name,
    ALTER COLUMN attempts TYPE @extschema@.job_attempts,
    ALTER COLUMN max_attempts TYPE @extschema@.job_max_attempts;


-- ===========================================================================
-- End of 1.5
-- ===========================================================================
