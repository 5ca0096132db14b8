/* pict_repo--1.0.sql: the schema and the SQL API of pict_repo. */

\echo Use "CREATE EXTENSION pict_repo" to load this file. \quit

/*
 * Conventions of this script:
 *  - every name is qualified (@extschema@ is pict_repo, pg_catalog for
 *    built-ins) and every function pins search_path, so a hostile schema
 *    early in the caller's search_path cannot change what runs;
 *  - functions are not STRICT: a NULL where a value is required is an error
 *    (SQLSTATE 22023) raised by the C code, not a silent NULL result;
 *  - getters are STABLE, writers VOLATILE; nothing is SECURITY DEFINER.
 */

-- ===========================================================================
-- Types and repository tables
-- ===========================================================================

CREATE TYPE @extschema@.job_status AS ENUM ('new', 'running');

CREATE TABLE @extschema@.hashes (
    hash                bytea PRIMARY KEY
                        CHECK (pg_catalog.octet_length(hash) BETWEEN 1 AND 128),
    identifier          text NOT NULL UNIQUE,
    motion_identifier   text UNIQUE,
    blurhash            text,
    created_at          timestamptz NOT NULL DEFAULT pg_catalog.now()
);
-- hash_page and hash_page_by_date walk this index in both directions.
CREATE INDEX hashes_created_at_hash_idx ON @extschema@.hashes (created_at, hash);

CREATE TABLE @extschema@.variants (
    hash        bytea NOT NULL REFERENCES @extschema@.hashes (hash),
    variant     text NOT NULL,
    identifier  text NOT NULL,
    accessed    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (hash, variant)
);
CREATE INDEX variants_accessed_hash_variant_idx
    ON @extschema@.variants (accessed, hash, variant);
-- migrate_identifier finds variant files by identifier.
CREATE INDEX variants_identifier_idx ON @extschema@.variants (identifier);

CREATE TABLE @extschema@.aliases (
    alias       text PRIMARY KEY,
    hash        bytea NOT NULL REFERENCES @extschema@.hashes (hash),
    token       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
-- aliases_for_hash reads the aliases of one hash in alias order.
CREATE INDEX aliases_hash_alias_idx ON @extschema@.aliases (hash, alias);

CREATE TABLE @extschema@.proxies (
    url         text PRIMARY KEY,
    alias       text NOT NULL REFERENCES @extschema@.aliases (alias) ON DELETE CASCADE,
    accessed    timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX proxies_alias_idx ON @extschema@.proxies (alias);
CREATE INDEX proxies_accessed_url_idx ON @extschema@.proxies (accessed, url);

CREATE TABLE @extschema@.settings (
    key     text PRIMARY KEY,
    value   bytea NOT NULL
);

CREATE TABLE @extschema@.details (
    identifier  text PRIMARY KEY,
    details     jsonb NOT NULL
);

CREATE TABLE @extschema@.store_migrations (
    old_identifier  text PRIMARY KEY,
    new_identifier  text NOT NULL UNIQUE
);

CREATE TABLE @extschema@.uploads (
    id          uuid PRIMARY KEY,
    result      jsonb,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
-- Expiry of abandoned uploads reads the oldest first.
CREATE INDEX uploads_created_at_idx ON @extschema@.uploads (created_at);

-- Who is generating a variant right now.  A lock may exist before its
-- variant does, so it references the hash, not the variant.
CREATE TABLE @extschema@.variant_locks (
    hash        bytea NOT NULL REFERENCES @extschema@.hashes (hash) ON DELETE CASCADE,
    variant     text NOT NULL,
    heartbeat   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (hash, variant)
);
-- Expiry of dead locks reads the oldest heartbeats first.
CREATE INDEX variant_locks_heartbeat_idx ON @extschema@.variant_locks (heartbeat);

-- pg_dump keeps the rows of the tables that hold user data (one call per
-- statement: two in one statement fail with "tuple already updated by self").
SELECT pg_catalog.pg_extension_config_dump('@extschema@.hashes', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.variants', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.aliases', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.proxies', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.settings', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.details', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.store_migrations', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.uploads', '');

-- ===========================================================================
-- Version
-- ===========================================================================

CREATE FUNCTION @extschema@.version() RETURNS text
    LANGUAGE c IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_version';

-- ===========================================================================
-- Settings, details, store migration, uploads
-- ===========================================================================

CREATE FUNCTION @extschema@.set_setting(key text, value bytea) RETURNS void
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_set_setting';

CREATE FUNCTION @extschema@.get_setting(key text) RETURNS bytea
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_get_setting';

CREATE FUNCTION @extschema@.remove_setting(key text) RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_remove_setting';

CREATE FUNCTION @extschema@.relate_details(identifier text, details jsonb) RETURNS void
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_relate_details';

CREATE FUNCTION @extschema@.details(identifier text) RETURNS jsonb
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_details';

CREATE FUNCTION @extschema@.cleanup_details(identifier text) RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_cleanup_details';

CREATE FUNCTION @extschema@.mark_migrated(old text, new text)
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_mark_migrated';

CREATE FUNCTION @extschema@.is_migrated(old text) RETURNS boolean
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_is_migrated';

CREATE FUNCTION @extschema@.is_continuing_migration() RETURNS boolean
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_is_continuing_migration';

CREATE FUNCTION @extschema@.clear_migrations() RETURNS bigint
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_clear_migrations';

CREATE FUNCTION @extschema@.migrate_identifier(old text, new text)
    RETURNS integer
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_migrate_identifier';

CREATE FUNCTION @extschema@.create_upload() RETURNS uuid
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_create_upload';

CREATE FUNCTION @extschema@.complete_upload(id uuid, result jsonb) RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_complete_upload';

CREATE FUNCTION @extschema@.upload_result(id uuid) RETURNS jsonb
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_upload_result';

CREATE FUNCTION @extschema@.claim_upload(id uuid) RETURNS jsonb
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_claim_upload';

-- ===========================================================================
-- Hashes and variants (extension/hashes.c, extension/variants.c)
-- ===========================================================================

CREATE FUNCTION @extschema@.create_hash(hash bytea, identifier text,
    motion_identifier text DEFAULT NULL, created_at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_create_hash';

CREATE FUNCTION @extschema@.ingest(hash bytea, identifier text, details jsonb,
    extension text, declared_alias text DEFAULT NULL, declared_token text DEFAULT NULL)
    RETURNS TABLE(alias text, token text, stored_identifier text, hash_created boolean)
    LANGUAGE c VOLATILE ROWS 1
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_ingest';

CREATE FUNCTION @extschema@.hash_identifier(hash bytea)
    RETURNS text
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_hash_identifier';

CREATE FUNCTION @extschema@.update_identifier(hash bytea, identifier text)
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_update_identifier';

CREATE FUNCTION @extschema@.relate_motion_identifier(hash bytea, motion_identifier text)
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_relate_motion_identifier';

CREATE FUNCTION @extschema@.motion_identifier(hash bytea)
    RETURNS text
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_motion_identifier';

CREATE FUNCTION @extschema@.relate_blurhash(hash bytea, blurhash text)
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_relate_blurhash';

CREATE FUNCTION @extschema@.blurhash(hash bytea)
    RETURNS text
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_blurhash';

CREATE FUNCTION @extschema@.hash_count()
    RETURNS bigint
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_hash_count';

-- hash_page and hash_page_by_date always walk hashes_created_at_hash_idx
-- backwards and stop after lim rows (see PlanOrderedScan in hashes.c).
CREATE FUNCTION @extschema@.hash_page(lim integer DEFAULT 100,
    after_created timestamptz DEFAULT NULL, after_hash bytea DEFAULT NULL)
    RETURNS TABLE(hash bytea, created_at timestamptz)
    LANGUAGE c STABLE ROWS 100
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_hash_page';

CREATE FUNCTION @extschema@.hash_page_by_date(before timestamptz, lim integer DEFAULT 100)
    RETURNS TABLE(hash bytea, created_at timestamptz)
    LANGUAGE c STABLE ROWS 100
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_hash_page_by_date';

CREATE FUNCTION @extschema@.cleanup_hash(hash bytea, force boolean DEFAULT false)
    RETURNS SETOF text
    LANGUAGE c VOLATILE ROWS 3
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_cleanup_hash';

CREATE FUNCTION @extschema@.relate_variant(hash bytea, variant text, identifier text)
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_relate_variant';

CREATE FUNCTION @extschema@.variant_identifier(hash bytea, variant text)
    RETURNS text
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_variant_identifier';

CREATE FUNCTION @extschema@.variants(hash bytea)
    RETURNS TABLE(variant text, identifier text)
    LANGUAGE c STABLE ROWS 10
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_variants';

CREATE FUNCTION @extschema@.remove_variant(hash bytea, variant text)
    RETURNS text
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_remove_variant';

CREATE FUNCTION @extschema@.claim_variant_processing(hash bytea, variant text)
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_claim_variant_processing';

CREATE FUNCTION @extschema@.variant_heartbeat(hash bytea, variant text)
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_variant_heartbeat';

CREATE FUNCTION @extschema@.release_variant_processing(hash bytea, variant text)
    RETURNS void
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_release_variant_processing';


-- END hashes and variants

-- ===========================================================================
-- Aliases, proxies, access times (extension/aliases.c, extension/access.c)
-- ===========================================================================

CREATE FUNCTION @extschema@.create_alias_with_token(alias text, hash bytea, token text DEFAULT NULL)
    RETURNS text
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_create_alias_with_token';

CREATE FUNCTION @extschema@.alias_hash(alias text) RETURNS bytea
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_alias_hash';

CREATE FUNCTION @extschema@.alias_token(alias text) RETURNS text
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_alias_token';

CREATE FUNCTION @extschema@.aliases_for_hash(hash bytea) RETURNS SETOF text
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_aliases_for_hash';

CREATE FUNCTION @extschema@.delete_alias(alias text, token text)
    RETURNS TABLE (hash bytea, orphaned boolean)
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_delete_alias';

CREATE FUNCTION @extschema@.cleanup_alias(alias text)
    RETURNS TABLE (hash bytea, orphaned boolean)
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_cleanup_alias';

CREATE FUNCTION @extschema@.relate_url(url text, alias text) RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_relate_url';

CREATE FUNCTION @extschema@.related(url text) RETURNS text
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_related';

CREATE FUNCTION @extschema@.remove_relation(alias text) RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_remove_relation';

CREATE FUNCTION @extschema@.touch_alias(alias text, at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_touch_alias';

CREATE FUNCTION @extschema@.alias_accessed_at(alias text) RETURNS timestamptz
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_alias_accessed_at';

CREATE FUNCTION @extschema@.older_aliases(before timestamptz, lim integer DEFAULT 100,
                                          after_accessed timestamptz DEFAULT NULL,
                                          after_url text DEFAULT NULL)
    RETURNS TABLE (alias text, url text, accessed timestamptz)
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_older_aliases';

CREATE FUNCTION @extschema@.touch_variant(hash bytea, variant text,
                                          at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_touch_variant';

CREATE FUNCTION @extschema@.variant_accessed_at(hash bytea, variant text) RETURNS timestamptz
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_variant_accessed_at';

CREATE FUNCTION @extschema@.older_variants(before timestamptz, lim integer DEFAULT 100,
                                           after_accessed timestamptz DEFAULT NULL,
                                           after_hash bytea DEFAULT NULL,
                                           after_variant text DEFAULT NULL)
    RETURNS TABLE (hash bytea, variant text, accessed timestamptz)
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_older_variants';

-- END aliases, proxies, access times

-- ===========================================================================
-- Job queue and maintenance (extension/queue.c, extension/maintenance.c)
-- ===========================================================================

-- Jobs waiting or running.  A heartbeat only sets "heartbeat", which no index
-- holds, so it is a HOT update; the free space left by the fillfactor keeps
-- the new row version on its page.  Many short-lived rows: vacuum early and
-- without cost delay so the table and its indexes stay small.
CREATE TABLE @extschema@.job_queue (
    id              uuid PRIMARY KEY,
    queue           text NOT NULL
                    CHECK (pg_catalog.char_length(queue) BETWEEN 1 AND 64),
    job             jsonb NOT NULL,
    status          @extschema@.job_status NOT NULL DEFAULT 'new',
    worker          uuid,
    priority        integer NOT NULL DEFAULT 0,
    run_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    queue_time      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    heartbeat       timestamptz,
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts    integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    unique_key      text,
    last_error      text,
    CHECK ((status = 'running') = (worker IS NOT NULL))
) WITH (fillfactor = 70,
        autovacuum_vacuum_scale_factor = 0.01,
        autovacuum_vacuum_threshold = 500,
        autovacuum_vacuum_insert_scale_factor = 0.05,
        autovacuum_analyze_scale_factor = 0.02,
        autovacuum_vacuum_cost_delay = 0);
-- claim_job reads only runnable rows of one queue, in claiming order.
CREATE INDEX job_queue_claim_idx
    ON @extschema@.job_queue (queue, priority DESC, run_at, id)
    WHERE status = 'new';
-- requeue_stale and the running counts read only the running rows.  The
-- heartbeat is deliberately not in it: heartbeats must stay HOT updates.
CREATE INDEX job_queue_running_idx
    ON @extschema@.job_queue (queue)
    WHERE status = 'running';
-- At most one job per queue and unique key while it is in the queue; jobs
-- without a key take no room in it.
CREATE UNIQUE INDEX job_queue_unique_key_idx
    ON @extschema@.job_queue (queue, unique_key)
    WHERE unique_key IS NOT NULL;

-- Jobs that used up their attempts (fail_job, requeue_stale), as they were
-- when they died.
CREATE TABLE @extschema@.dead_jobs (
    id              uuid PRIMARY KEY,
    queue           text NOT NULL,
    job             jsonb NOT NULL,
    status          @extschema@.job_status NOT NULL,
    worker          uuid,
    priority        integer NOT NULL,
    run_at          timestamptz NOT NULL,
    queue_time      timestamptz NOT NULL,
    heartbeat       timestamptz,
    attempts        integer NOT NULL,
    max_attempts    integer NOT NULL,
    unique_key      text,
    last_error      text,
    died_at         timestamptz NOT NULL DEFAULT pg_catalog.now()
);
-- queue_stats counts the dead jobs of each queue; listing is newest last.
CREATE INDEX dead_jobs_queue_died_at_idx ON @extschema@.dead_jobs (queue, died_at);

-- Finished attempts per queue and minute (UTC).  Each backend adds to the row
-- of its own shard (its pid modulo 16), so concurrent workers do not queue on
-- one row lock; readers sum the shards.  The upserts change no indexed
-- column, so they are HOT updates with the room the fillfactor leaves.
CREATE TABLE @extschema@.queue_stats (
    queue       text NOT NULL,
    minute      timestamptz NOT NULL,
    shard       smallint NOT NULL,
    completed   bigint NOT NULL DEFAULT 0,
    failed      bigint NOT NULL DEFAULT 0,
    wait_time   interval NOT NULL DEFAULT '0',
    run_time    interval NOT NULL DEFAULT '0',
    PRIMARY KEY (queue, minute, shard)
) WITH (fillfactor = 50,
        autovacuum_vacuum_scale_factor = 0.05,
        autovacuum_vacuum_cost_delay = 0);
-- queue_stats() reads the last day; maintenance drops rows past retention.
CREATE INDEX queue_stats_minute_idx ON @extschema@.queue_stats (minute);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.job_queue', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.dead_jobs', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.queue_stats', '');

CREATE FUNCTION @extschema@.uuid_v7() RETURNS uuid
    LANGUAGE c VOLATILE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_uuid_v7';

CREATE FUNCTION @extschema@.push_job(queue text, job jsonb,
                                     unique_key text DEFAULT NULL,
                                     priority integer DEFAULT 0,
                                     run_at timestamptz DEFAULT NULL,
                                     max_attempts integer DEFAULT 5)
    RETURNS uuid
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_push_job';

CREATE FUNCTION @extschema@.push_jobs(queue text, jobs jsonb[])
    RETURNS SETOF uuid
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_push_jobs';

CREATE FUNCTION @extschema@.claim_job(queue text, worker uuid, max_jobs integer DEFAULT 1)
    RETURNS TABLE (id uuid, job jsonb, attempt integer)
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_claim_job';

CREATE FUNCTION @extschema@.heartbeat_job(id uuid, worker uuid) RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_heartbeat_job';

CREATE FUNCTION @extschema@.complete_job(id uuid, worker uuid) RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_complete_job';

CREATE FUNCTION @extschema@.complete_and_claim_job(done uuid, worker uuid, queue text,
                                                   max_jobs integer DEFAULT 1)
    RETURNS TABLE (id uuid, job jsonb, attempt integer)
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_complete_and_claim_job';

CREATE FUNCTION @extschema@.fail_job(id uuid, worker uuid, error text DEFAULT NULL,
                                     retry_in interval DEFAULT NULL)
    RETURNS text
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_fail_job';

CREATE FUNCTION @extschema@.requeue_stale(timeout interval DEFAULT NULL) RETURNS integer
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_requeue_stale';

CREATE FUNCTION @extschema@.retry_dead_job(id uuid) RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_retry_dead_job';

CREATE FUNCTION @extschema@.cancel_job(id uuid) RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_cancel_job';

CREATE FUNCTION @extschema@.queue_length(queue text DEFAULT NULL) RETURNS bigint
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_queue_length';

CREATE FUNCTION @extschema@.queue_stats()
    RETURNS TABLE (queue text, pending bigint, scheduled bigint, running bigint,
                   dead bigint, completed bigint, failed bigint,
                   avg_wait interval, avg_run interval)
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_queue_stats';

CREATE FUNCTION @extschema@.average_time_to_completion(queue text, since timestamptz,
                                                       until timestamptz)
    RETURNS interval
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_average_time_to_completion';

CREATE FUNCTION @extschema@.run_maintenance()
    RETURNS TABLE (requeued integer, dead integer, expired_uploads integer,
                   expired_locks integer, due_notified integer)
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_run_maintenance';

-- END job queue and maintenance
