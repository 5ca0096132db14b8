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

-- END job queue and maintenance
