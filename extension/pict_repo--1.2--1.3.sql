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


-- ===========================================================================
-- End of 1.3
-- ===========================================================================
