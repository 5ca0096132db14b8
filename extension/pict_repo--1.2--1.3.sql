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

/*
 * Storage tiers (extension/stores.c).  A store is a place that holds files:
 * a directory ('file'), a bucket or prefix ('object', 'archive'), with a
 * priority (0 = active, larger = less accessible).  A copy says which store
 * holds which identifier (relative to the store's location) of which hash,
 * and in which form: 'original', or a derived form such as webp-1920x1440.
 *
 * pict-rs's own files (hashes.identifier, hashes.motion_identifier,
 * variants.identifier) stay outside this model: they live in the store
 * pict-rs is configured with, which is not registered here, and nothing in
 * this section reads or changes them.  So pict-rs callers work unchanged.
 *
 * The one rule of the model: a hash that has copies keeps at least one copy
 * of form 'original' until cleanup_hash ends it (remove_copy refuses the
 * last one, 55000, also against a concurrent remover).
 *
 * Totals per (store, form) are kept in store_totals, in the same
 * transaction as the copy they count, one row per shard (the backend's
 * proc array slot modulo 128, as queue_stats), so concurrent writers never
 * wait on each other's totals and storage_report() sums a few hundred rows
 * at most instead of scanning copies.
 */
CREATE TABLE @extschema@.stores (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE
                CHECK (pg_catalog.char_length(name) BETWEEN 1 AND 64),
    kind        text NOT NULL CHECK (kind IN ('file', 'object', 'archive')),
    priority    integer NOT NULL CHECK (priority >= 0),
    location    text NOT NULL
                CHECK (pg_catalog.char_length(location) BETWEEN 1 AND 4096),
    notes       text CHECK (pg_catalog.char_length(notes) BETWEEN 1 AND 4096),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
-- Two stores never share a location (their files would be the same files).
-- Locations may have 4,096 characters: unique through their digest.
CREATE UNIQUE INDEX stores_location_digest_idx
    ON @extschema@.stores (@extschema@.text_digest(location));

CREATE TABLE @extschema@.copies (
    hash        bytea NOT NULL REFERENCES @extschema@.hashes (hash),
    store_id    integer NOT NULL REFERENCES @extschema@.stores (id),
    form        text NOT NULL
                CHECK (pg_catalog.char_length(form) BETWEEN 1 AND 64),
    identifier  text NOT NULL
                CHECK (pg_catalog.char_length(identifier) BETWEEN 1 AND 4096),
    bytes       bigint NOT NULL CHECK (bytes >= 0),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- At most one copy per (hash, store, form); copies_in_store walks a
    -- store in (hash, form) order along it.
    PRIMARY KEY (store_id, hash, form)
);
-- An identifier names one file of its store: unique within the store,
-- through its digest (4,096 characters do not fit a btree entry).
CREATE UNIQUE INDEX copies_store_identifier_digest_idx
    ON @extschema@.copies (store_id, @extschema@.text_digest(identifier));
-- copies(), best_copy(), remove_copy() and cleanup_hash() read the copies
-- of one hash (and deleting a hash checks its foreign key through it).
CREATE INDEX copies_hash_form_idx ON @extschema@.copies (hash, form);
-- copies_in_store(store, form) walks one form of a store in hash order.
CREATE INDEX copies_store_form_hash_idx ON @extschema@.copies (store_id, form, hash);

-- Copies and bytes per store, form and shard.  Each writer adds to the row
-- of its own shard; readers sum the shards.  The upserts change no indexed
-- column, so they are HOT updates with the room the fillfactor leaves.
CREATE TABLE @extschema@.store_totals (
    store_id    integer NOT NULL REFERENCES @extschema@.stores (id) ON DELETE CASCADE,
    form        text NOT NULL,
    shard       smallint NOT NULL,
    copies      bigint NOT NULL DEFAULT 0,
    bytes       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, form, shard)
) WITH (fillfactor = 50,
        autovacuum_vacuum_scale_factor = 0.05,
        autovacuum_vacuum_cost_delay = 0);

-- pg_dump keeps stores, copies and their totals (restored together, so the
-- totals stay exact), and the position of the stores' id sequence.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.stores', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.stores_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.copies', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.store_totals', '');
REVOKE ALL ON @extschema@.stores, @extschema@.copies, @extschema@.store_totals FROM PUBLIC;
REVOKE ALL ON SEQUENCE @extschema@.stores_id_seq FROM PUBLIC;

/*
 * Every function below is SECURITY DEFINER: it reads or writes stores,
 * copies and store_totals, which an application role may not touch (it
 * could otherwise delete the last original of a hash, or make the totals
 * lie).  Each is C code that pins search_path, names every table and
 * built-in with its schema, passes its arguments as $n parameters and
 * checks them before touching a row.
 */
CREATE FUNCTION @extschema@.create_store(name text, kind text, priority integer,
                                         location text, notes text DEFAULT NULL)
    RETURNS integer
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_create_store';

CREATE FUNCTION @extschema@.stores()
    RETURNS TABLE(id integer, name text, kind text, priority integer, location text,
                  notes text, copies bigint, bytes bigint)
    LANGUAGE c STABLE SECURITY DEFINER ROWS 10
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_stores';

CREATE FUNCTION @extschema@.drop_store(name text)
    RETURNS boolean
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_drop_store';

CREATE FUNCTION @extschema@.add_copy(hash bytea, store text, form text,
                                     identifier text, bytes bigint)
    RETURNS boolean
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_add_copy';

CREATE FUNCTION @extschema@.copies(hash bytea)
    RETURNS TABLE(store text, kind text, priority integer, form text,
                  identifier text, bytes bigint, created_at timestamptz)
    LANGUAGE c STABLE SECURITY DEFINER ROWS 4
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_copies';

CREATE FUNCTION @extschema@.best_copy(hash bytea, form text DEFAULT 'original')
    RETURNS TABLE(store text, location text, identifier text)
    LANGUAGE c STABLE SECURITY DEFINER ROWS 1
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_best_copy';

CREATE FUNCTION @extschema@.remove_copy(hash bytea, store text, form text)
    RETURNS text
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_remove_copy';

CREATE FUNCTION @extschema@.move_copy(hash bytea, form text, from_store text,
                                      to_store text, new_identifier text)
    RETURNS text
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_move_copy';

CREATE FUNCTION @extschema@.copies_in_store(store text, form text DEFAULT NULL,
                                            lim integer DEFAULT 100,
                                            after_hash bytea DEFAULT NULL,
                                            after_form text DEFAULT NULL)
    RETURNS TABLE(hash bytea, form text, identifier text, bytes bigint)
    LANGUAGE c STABLE SECURITY DEFINER ROWS 100
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_copies_in_store';

CREATE FUNCTION @extschema@.storage_report()
    RETURNS TABLE(store text, kind text, priority integer, form text,
                  copies bigint, bytes bigint)
    LANGUAGE c STABLE SECURITY DEFINER ROWS 10
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_storage_report';

/*
 * cleanup_hash also deletes the copies of the hash and returns each copy's
 * identifier with the name of its store, after the hash's own files (whose
 * store is NULL: pict-rs's store).  The first column is still the
 * identifier, so a caller that reads column 1 keeps working.  SECURITY
 * DEFINER as in 1.1 (it writes hashes, variants, aliases, details,
 * variant_locks and now copies).
 */
DROP FUNCTION @extschema@.cleanup_hash(bytea, boolean);
CREATE FUNCTION @extschema@.cleanup_hash(hash bytea, force boolean DEFAULT false)
    RETURNS TABLE(identifier text, store text)
    LANGUAGE c VOLATILE SECURITY DEFINER ROWS 3
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_cleanup_hash';

-- PUBLIC's EXECUTE goes (PostgreSQL grants it by default; 1.1 revoked it
-- from every function of its day, this does it again for the new ones);
-- pict_repo_user gets the new functions.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA @extschema@ FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.create_store(text, text, integer, text, text),
    @extschema@.stores(),
    @extschema@.drop_store(text),
    @extschema@.add_copy(bytea, text, text, text, bigint),
    @extschema@.copies(bytea),
    @extschema@.best_copy(bytea, text),
    @extschema@.remove_copy(bytea, text, text),
    @extschema@.move_copy(bytea, text, text, text, text),
    @extschema@.copies_in_store(text, text, integer, bytea, text),
    @extschema@.storage_report(),
    @extschema@.cleanup_hash(bytea, boolean)
TO pict_repo_user;


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
