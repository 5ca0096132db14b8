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

/*
 * Identifiers and URLs of up to 4,096 characters, whatever their content.
 * A btree entry holds at most about 2,700 bytes, so every index and unique
 * constraint over such a column is now over its text_digest instead:
 *  - hashes: the unique constraints on identifier and motion_identifier
 *    become unique indexes on their digests (so ON CONFLICT DO NOTHING of
 *    ingest and create_hash arbitrates them too);
 *  - variants: the identifier index (migrate_identifier, and the check that
 *    no file is used twice) is over the digest;
 *  - details, store_migrations and proxies, whose primary keys were the
 *    long text, get a stored generated digest column that is the primary
 *    key (and a unique one for store_migrations' new identifier); proxies'
 *    (accessed, url) index becomes (accessed, url_digest), so rows of
 *    older_aliases with the same access time come in the order of their
 *    URLs' digests.
 * Every lookup compares the digest (to use the index) and the value itself.
 */
ALTER TABLE @extschema@.hashes
    DROP CONSTRAINT hashes_identifier_key,
    DROP CONSTRAINT hashes_motion_identifier_key;
CREATE UNIQUE INDEX hashes_identifier_digest_idx
    ON @extschema@.hashes (@extschema@.text_digest(identifier));
CREATE UNIQUE INDEX hashes_motion_identifier_digest_idx
    ON @extschema@.hashes (@extschema@.text_digest(motion_identifier));

DROP INDEX @extschema@.variants_identifier_idx;
CREATE INDEX variants_identifier_digest_idx
    ON @extschema@.variants (@extschema@.text_digest(identifier));

ALTER TABLE @extschema@.details
    DROP CONSTRAINT details_pkey,
    ADD COLUMN identifier_digest bytea NOT NULL
        GENERATED ALWAYS AS (@extschema@.text_digest(identifier)) STORED,
    ADD CONSTRAINT details_pkey PRIMARY KEY (identifier_digest);

ALTER TABLE @extschema@.store_migrations
    DROP CONSTRAINT store_migrations_pkey,
    DROP CONSTRAINT store_migrations_new_identifier_key,
    ADD COLUMN old_digest bytea NOT NULL
        GENERATED ALWAYS AS (@extschema@.text_digest(old_identifier)) STORED,
    ADD COLUMN new_digest bytea NOT NULL
        GENERATED ALWAYS AS (@extschema@.text_digest(new_identifier)) STORED,
    ADD CONSTRAINT store_migrations_pkey PRIMARY KEY (old_digest),
    ADD CONSTRAINT store_migrations_new_digest_key UNIQUE (new_digest);

DROP INDEX @extschema@.proxies_accessed_url_idx;
ALTER TABLE @extschema@.proxies
    DROP CONSTRAINT proxies_pkey,
    ADD COLUMN url_digest bytea NOT NULL
        GENERATED ALWAYS AS (@extschema@.text_digest(url)) STORED,
    ADD CONSTRAINT proxies_pkey PRIMARY KEY (url_digest);
CREATE INDEX proxies_accessed_url_digest_idx
    ON @extschema@.proxies (accessed, url_digest);

/*
 * Notifications carry an opaque tag instead of a queue name, an upload id or
 * a hash and variant name: PostgreSQL has no privileges on channels, and any
 * role that can connect may LISTEN.  The tag is an HMAC keyed with this
 * database's secret, which only the owner can read; notify_tag(channel,
 * key) gives a waiter the tag it waits for.
 *
 * notify_secret is not registered with pg_extension_config_dump: a restored
 * database runs this script again and gets a secret of its own, which is
 * all a secret for wake-ups needs.
 */
CREATE TABLE @extschema@.notify_secret (
    id      integer PRIMARY KEY CHECK (id = 1),
    secret  bytea NOT NULL CHECK (pg_catalog.octet_length(secret) >= 16)
);
INSERT INTO @extschema@.notify_secret (id, secret)
VALUES (1, pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
           OPERATOR(pg_catalog.||) pg_catalog.uuid_send(pg_catalog.gen_random_uuid()));

-- SECURITY DEFINER: reads notify_secret, which the caller may not read (the
-- secret must stay the owner's, or any role could compute tags).
CREATE FUNCTION @extschema@.notify_tag(channel text, key text)
RETURNS text
AS 'MODULE_PATHNAME', 'pict_repo_notify_tag'
LANGUAGE C STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.notify_tag(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.notify_tag(text, text) TO pict_repo_user;
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

/*
 * What pict-rs 0.5 needs from its repository that 1.2 could not give, and a
 * bulk import of an existing pict-rs PostgreSQL repository.
 *
 * SECURITY DEFINER, as the rest of the API (1.1): every function below reads
 * or writes tables an application role (pict_repo_user) may not touch
 * directly: hashes (hash_created_at, hash_page_bound), variant_locks
 * (variant_processing), job_queue, dead_jobs and queue_stats (abort_job:
 * only the worker holding a job may abort it, which the function checks),
 * details (relate_details), and every repository table plus imported_jobs
 * (import_pictrs, which checks every row as the single-row functions do).
 * They are C code that pins search_path, names every table and built-in
 * with its schema and passes its arguments as $n parameters.
 */

-- When maintenance last ran in this database (run_maintenance() writes it,
-- by the background worker or by hand / pg_cron).  claim_job and
-- complete_and_claim_job read it at most once per maintenance_interval per
-- backend and requeue the stale jobs of their queue themselves when no pass
-- ran for longer than twice the interval.  One row at most; transient state,
-- not dumped.
CREATE TABLE @extschema@.maintenance_state (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_pass   timestamptz NOT NULL
);

-- Jobs brought in by import_pictrs: a job imported once is never imported
-- again, even after it ran and left job_queue.
CREATE TABLE @extschema@.imported_jobs (
    id          uuid PRIMARY KEY,
    imported_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.imported_jobs', '');

CREATE FUNCTION @extschema@.hash_created_at(hash bytea)
    RETURNS timestamptz
    LANGUAGE c STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_hash_created_at';

-- Walks hashes_created_at_hash_idx from a bound, in either direction, and
-- stops after lim rows (see PlanOrderedScan in hashes.c).
CREATE FUNCTION @extschema@.hash_page_bound(bound_created timestamptz, bound_hash bytea,
    lim integer DEFAULT 100, newer boolean DEFAULT false, inclusive boolean DEFAULT true)
    RETURNS TABLE(hash bytea, created_at timestamptz)
    LANGUAGE c STABLE SECURITY DEFINER ROWS 100
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_hash_page_bound';

CREATE FUNCTION @extschema@.variant_processing(hash bytea, variant text)
    RETURNS boolean
    LANGUAGE c STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_variant_processing';

CREATE FUNCTION @extschema@.abort_job(id uuid, worker uuid, error text DEFAULT NULL)
    RETURNS boolean
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_abort_job';

-- relate_details gains "replace" (false: the first write wins, as in
-- pict-rs) and tells whether it wrote.
DROP FUNCTION @extschema@.relate_details(text, jsonb);
CREATE FUNCTION @extschema@.relate_details(identifier text, details jsonb,
    replace boolean DEFAULT true)
    RETURNS boolean
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_relate_details';

CREATE FUNCTION @extschema@.import_pictrs(kind text, rows jsonb, dry_run boolean DEFAULT false)
    RETURNS TABLE(ord integer, outcome text)
    LANGUAGE c VOLATILE SECURITY DEFINER ROWS 1000
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_import_pictrs';

REVOKE ALL ON FUNCTION @extschema@.hash_created_at(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.hash_page_bound(timestamptz, bytea, integer, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.variant_processing(bytea, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.abort_job(uuid, uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.relate_details(text, jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.import_pictrs(text, jsonb, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.hash_created_at(bytea) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.hash_page_bound(timestamptz, bytea, integer, boolean, boolean) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.variant_processing(bytea, text) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.abort_job(uuid, uuid, text) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.relate_details(text, jsonb, boolean) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.import_pictrs(text, jsonb, boolean) TO pict_repo_user;


-- ===========================================================================
-- End of 1.3
-- ===========================================================================
