/* pict_repo--1.3--1.4.sql: from 1.3 (as shipped, frozen) to 1.4. */

\echo Use "ALTER EXTENSION pict_repo UPDATE TO '1.4'" to load this file. \quit

/*
 * 1.4 comes in sections, one per area; each says what it adds or changes
 * and why every new function that touches a table is SECURITY DEFINER.
 * Every name is schema-qualified and every function pins search_path.
 */

-- ===========================================================================
-- Standbys
-- ===========================================================================

/*
 * Every read function is STABLE and runs on a hot standby; every writer
 * fails there with 25006 before doing anything (PrRequireWritable() in C,
 * no SQL change).  The reads are also PARALLEL SAFE, so a query of the
 * caller's that calls one can still use a parallel plan.  PostgreSQL's rules
 * (parallel.sgml): a function is parallel unsafe if it writes, uses
 * sequences, changes the transaction state or makes persistent changes to
 * settings; restricted if it uses temporary tables, cursors, prepared
 * statements or other backend-local state.  These functions:
 *  - run their queries through SPI with read_only = true, so with the
 *    snapshot the worker shares with the leader (they take no snapshot of
 *    their own: PrExecLatest, which takes the latest one and increments
 *    the command counter, is used only by writers);
 *  - keep their plans in the backend that runs them (a worker prepares its
 *    own), which no other process needs to see;
 *  - pin search_path and, for the keyset pages (hash_page,
 *    hash_page_by_date, hash_page_bound, list_dead_jobs), switch planner
 *    settings off for one statement, always with
 *    GUC_ACTION_SAVE, which PostgreSQL allows in parallel mode because the
 *    change is undone when the function returns and no other worker sees it;
 *  - run as the extension owner (SECURITY DEFINER), which a parallel worker
 *    does like the leader.
 * A test runs each of them inside a parallel worker (force_parallel_mode)
 * on a standby: test/t/005_standby.pl.  copies_in_store stays PARALLEL
 * UNSAFE: it looks its store up with a read-write SPI call (StoreId),
 * which takes a new snapshot and bumps the command counter, neither of
 * which a parallel worker may do.
 */
ALTER FUNCTION @extschema@.alias_accessed_at(alias text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.alias_hash(alias text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.alias_token(alias text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.aliases_for_hash(hash bytea) PARALLEL SAFE;
ALTER FUNCTION @extschema@.average_time_to_completion(queue text, since timestamp with time zone, until timestamp with time zone) PARALLEL SAFE;
ALTER FUNCTION @extschema@.blurhash(hash bytea) PARALLEL SAFE;
ALTER FUNCTION @extschema@.best_copy(hash bytea, form text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.copies(hash bytea) PARALLEL SAFE;
ALTER FUNCTION @extschema@.details(identifier text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.get_setting(key text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.hash_count() PARALLEL SAFE;
ALTER FUNCTION @extschema@.hash_identifier(hash bytea) PARALLEL SAFE;
ALTER FUNCTION @extschema@.hash_page(lim integer, after_created timestamp with time zone, after_hash bytea) PARALLEL SAFE;
ALTER FUNCTION @extschema@.hash_page_by_date(before timestamp with time zone, lim integer) PARALLEL SAFE;
ALTER FUNCTION @extschema@.hash_created_at(hash bytea) PARALLEL SAFE;
ALTER FUNCTION @extschema@.hash_page_bound(bound_created timestamp with time zone, bound_hash bytea, lim integer, newer boolean, inclusive boolean) PARALLEL SAFE;
ALTER FUNCTION @extschema@.is_continuing_migration() PARALLEL SAFE;
ALTER FUNCTION @extschema@.is_migrated(old text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.list_dead_jobs(from_queue text, lim integer, after_id uuid) PARALLEL SAFE;
ALTER FUNCTION @extschema@.motion_identifier(hash bytea) PARALLEL SAFE;
ALTER FUNCTION @extschema@.older_aliases(before timestamp with time zone, lim integer, after_accessed timestamp with time zone, after_url text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.older_variants(before timestamp with time zone, lim integer, after_accessed timestamp with time zone, after_hash bytea, after_variant text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.queue_length(queue text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.queue_stats() PARALLEL SAFE;
ALTER FUNCTION @extschema@.related(url text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.storage_report() PARALLEL SAFE;
ALTER FUNCTION @extschema@.stores() PARALLEL SAFE;
ALTER FUNCTION @extschema@.upload_result(id uuid) PARALLEL SAFE;
ALTER FUNCTION @extschema@.variant_accessed_at(hash bytea, variant text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.variant_processing(hash bytea, variant text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.variant_identifier(hash bytea, variant text) PARALLEL SAFE;
ALTER FUNCTION @extschema@.variants(hash bytea) PARALLEL SAFE;


-- ===========================================================================
-- The file service
-- ===========================================================================

/*
 * Per-upload metadata on the alias (an alias is one upload of a hash):
 *  - owner (1-256 characters, NULL = none), tags (sorted, without
 *    duplicates, at most 64 of 1-64 characters each), access ('public' or
 *    'private') and upload_bytes (the size the uploader gave, NULL = not
 *    given), written by ingest and the functions below;
 *  - content_type, width, height, frames and media_bytes: copies of the
 *    details of the hash's original (extension/media.c, ExtractMedia), kept
 *    on the alias so that one index can serve a filter that mixes them with
 *    owner, access or created_at.  Every function that writes the details of
 *    an original or repoints a hash at another file refreshes them under a
 *    lock on the hash row (see media.c);
 *  - bytes, the upload's size: what the uploader gave, else the "bytes" of
 *    the details.
 * Existing aliases get their copies from the details in this script.
 */
ALTER TABLE @extschema@.aliases
    ADD COLUMN owner text
        CHECK (pg_catalog.char_length(owner) BETWEEN 1 AND 256),
    ADD COLUMN tags text[] NOT NULL DEFAULT '{}'
        CHECK (pg_catalog.cardinality(tags) <= 64),
    ADD COLUMN access text NOT NULL DEFAULT 'public'
        CHECK (access IN ('public', 'private')),
    ADD COLUMN upload_bytes bigint CHECK (upload_bytes >= 0),
    -- "C": a top-level type ("image/") is the range ['image/', 'image0').
    ADD COLUMN content_type text COLLATE pg_catalog."C",
    ADD COLUMN width integer,
    ADD COLUMN height integer,
    ADD COLUMN frames integer,
    ADD COLUMN media_bytes bigint,
    ADD COLUMN bytes bigint
        GENERATED ALWAYS AS (COALESCE(upload_bytes, media_bytes)) STORED;

/*
 * The indexes of list_media (README, "Which index serves which filter").
 * Rows come newest first by (created_at, alias), so every btree index ends
 * with those two columns after an equality column: a filter on that column
 * is a walk of its index that stops after lim rows, and the cursor is a
 * range on the same index.  Ranges of width, height and bytes have their
 * own indexes for the selective ones (the planner walks the created_at
 * index and filters when a range keeps most rows); tags have a table of
 * their own (alias_tags, below).
 */
CREATE INDEX aliases_created_at_alias_idx
    ON @extschema@.aliases (created_at, alias);
CREATE INDEX aliases_owner_created_at_alias_idx
    ON @extschema@.aliases (owner, created_at, alias) WHERE owner IS NOT NULL;
-- An owner's uploads of one type, newest first (or of one top-level type:
-- a range of it, sorted).
CREATE INDEX aliases_owner_content_type_created_at_alias_idx
    ON @extschema@.aliases (owner, content_type, created_at, alias) WHERE owner IS NOT NULL;
CREATE INDEX aliases_access_created_at_alias_idx
    ON @extschema@.aliases (access, created_at, alias);
CREATE INDEX aliases_content_type_created_at_alias_idx
    ON @extschema@.aliases (content_type, created_at, alias);
-- A content_type prefix such as "image/" is its top-level type.
CREATE INDEX aliases_media_type_created_at_alias_idx
    ON @extschema@.aliases (pg_catalog.split_part(content_type, '/', 1), created_at, alias);
CREATE INDEX aliases_width_idx ON @extschema@.aliases (width);
CREATE INDEX aliases_height_idx ON @extschema@.aliases (height);
CREATE INDEX aliases_bytes_idx ON @extschema@.aliases (bytes);
CREATE INDEX aliases_animated_created_at_alias_idx
    ON @extschema@.aliases (created_at, alias) WHERE frames > 1;

/*
 * The tags of every upload again, one row per tag: the uploads of a tag
 * newest first are a walk of the primary key that stops after lim rows,
 * and the cursor is a range on it (a GIN index over aliases.tags only
 * gives the set of every matching upload, fetched and sorted on each
 * call).  Every statement that writes aliases.tags, creates an alias or
 * deletes one writes these rows in the same statement, under the lock it
 * holds on the alias row (media.c): the rows are exactly unnest(tags) of
 * the aliases, each with the alias's content_type, which those statements
 * and every rewrite of the copies (media.c, RefreshLocked) keep equal to
 * aliases.content_type.  No foreign key: the writers keep them, and a key
 * would need one more index to delete by alias.
 */
CREATE TABLE @extschema@.alias_tags (
    -- "C": a tag is only ever looked up by equality; bytes compare fastest.
    tag         text COLLATE pg_catalog."C" NOT NULL,
    created_at  timestamptz NOT NULL,
    alias       text NOT NULL,
    -- as aliases.content_type: a top-level type is a range of it
    content_type text COLLATE pg_catalog."C",
    PRIMARY KEY (tag, created_at, alias)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alias_tags', '');
-- The uploads of a rare tag of one type (or of one top-level type: a
-- range of it): at most the tag's rows, read here and sorted.
CREATE INDEX alias_tags_tag_content_type_created_at_alias_idx
    ON @extschema@.alias_tags (tag, content_type, created_at, alias);

/*
 * Uploads and bytes per owner, for usage_report without reading the
 * aliases.  Every function that creates or removes an alias or changes its
 * owner or bytes adds the difference in the same transaction (media.c,
 * PR_MEDIA_TOTALS), to the row of its owner and to the row of owner '' (all
 * uploads, with or without an owner; an owner has at least 1 character),
 * in its backend's shard (its proc array slot modulo 128, as queue_stats),
 * so concurrent uploads, of one owner too, never wait on each other's row;
 * readers sum the shards.  The updates change no indexed column: HOT
 * updates in the room the fillfactor leaves.
 */
CREATE TABLE @extschema@.usage_totals (
    owner       text NOT NULL,
    shard       smallint NOT NULL,
    uploads     bigint NOT NULL DEFAULT 0,
    bytes       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (owner, shard)
) WITH (fillfactor = 50,
        autovacuum_vacuum_scale_factor = 0.05,
        autovacuum_vacuum_cost_delay = 0);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.usage_totals', '');

-- Existing aliases: their copies of the details and the totals (a C
-- function of this script only, so the extraction has one home).
CREATE FUNCTION @extschema@.media_backfill() RETURNS bigint
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_media_backfill';
SELECT @extschema@.media_backfill();
DROP FUNCTION @extschema@.media_backfill();

/*
 * ingest gains owner, tags, access and bytes.  NULL in any of them means
 * its default (no owner, no tags, public, size unknown), as in the other
 * functions of the file service.
 */
DROP FUNCTION @extschema@.ingest(bytea, text, jsonb, text, text, text);
CREATE FUNCTION @extschema@.ingest(hash bytea, identifier text, details jsonb,
    extension text, declared_alias text DEFAULT NULL, declared_token text DEFAULT NULL,
    owner text DEFAULT NULL, tags text[] DEFAULT '{}', access text DEFAULT 'public',
    bytes bigint DEFAULT NULL)
    RETURNS TABLE(alias text, token text, stored_identifier text, hash_created boolean)
    LANGUAGE c VOLATILE ROWS 1
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_ingest';

/*
 * The functions of the file service (extension/media.c).  Every one reads
 * or writes aliases, alias_tags, hashes, variants, details or usage_totals,
 * which an application role may not touch (aliases hold the delete
 * tokens): they are
 * SECURITY DEFINER, C code that pins search_path, names every table and
 * built-in with its schema and passes its arguments as $n parameters.  The
 * reads (media_info, media_exists, list_media, list_media_explain,
 * usage_report) are PARALLEL SAFE for the reasons given in the Standbys
 * section; the writers fail with 25006 on a standby before anything else.
 */
CREATE FUNCTION @extschema@.media_info(alias text)
    RETURNS TABLE(alias text, hash bytea, owner text, tags text[], access text,
                  content_type text, width integer, height integer, bytes bigint,
                  created_at timestamptz, identifier text, variants integer)
    LANGUAGE c STABLE PARALLEL SAFE ROWS 1
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_media_info';

CREATE FUNCTION @extschema@.media_exists(alias text) RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_media_exists';

CREATE FUNCTION @extschema@.set_owner(alias text, owner text DEFAULT NULL) RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_set_owner';

CREATE FUNCTION @extschema@.add_tags(alias text, tags text[]) RETURNS text[]
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_add_tags';

CREATE FUNCTION @extschema@.remove_tags(alias text, tags text[]) RETURNS text[]
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_remove_tags';

CREATE FUNCTION @extschema@.set_access(aliases text[], access text) RETURNS integer
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_set_access';

CREATE FUNCTION @extschema@.rename_alias(alias text, new_alias text, token text)
    RETURNS boolean
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_rename_alias';

CREATE FUNCTION @extschema@.list_media(filter jsonb DEFAULT '{}', lim integer DEFAULT 100,
                                       after text DEFAULT NULL)
    RETURNS TABLE(alias text, hash bytea, owner text, tags text[], access text,
                  content_type text, width integer, height integer, bytes bigint,
                  created_at timestamptz, cursor text)
    LANGUAGE c STABLE PARALLEL SAFE ROWS 100
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_list_media';

CREATE FUNCTION @extschema@.list_media_explain(filter jsonb DEFAULT '{}',
                                               lim integer DEFAULT 100,
                                               after text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE c STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_list_media_explain';

CREATE FUNCTION @extschema@.usage_report(owner text DEFAULT NULL)
    RETURNS TABLE(owner text, uploads bigint, bytes bigint)
    LANGUAGE c STABLE PARALLEL SAFE ROWS 1
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_usage_report';

ALTER FUNCTION @extschema@.ingest(bytea, text, jsonb, text, text, text, text, text[], text, bigint) SECURITY DEFINER;
ALTER FUNCTION @extschema@.media_info(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.media_exists(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.set_owner(text, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.add_tags(text, text[]) SECURITY DEFINER;
ALTER FUNCTION @extschema@.remove_tags(text, text[]) SECURITY DEFINER;
ALTER FUNCTION @extschema@.set_access(text[], text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.rename_alias(text, text, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.list_media(jsonb, integer, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.list_media_explain(jsonb, integer, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.usage_report(text) SECURITY DEFINER;

REVOKE ALL ON FUNCTION @extschema@.ingest(bytea, text, jsonb, text, text, text, text, text[], text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.media_info(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.media_exists(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.set_owner(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.add_tags(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.remove_tags(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.set_access(text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.rename_alias(text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.list_media(jsonb, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.list_media_explain(jsonb, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.usage_report(text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION @extschema@.ingest(bytea, text, jsonb, text, text, text, text, text[], text, bigint) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.media_info(text) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.media_exists(text) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.set_owner(text, text) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.add_tags(text, text[]) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.remove_tags(text, text[]) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.set_access(text[], text) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.rename_alias(text, text, text) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.list_media(jsonb, integer, text) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.list_media_explain(jsonb, integer, text) TO pict_repo_user;
GRANT EXECUTE ON FUNCTION @extschema@.usage_report(text) TO pict_repo_user;



-- ===========================================================================
-- The job queue: a worker's batch in one call
-- ===========================================================================

/*
 * complete_and_claim_jobs: the batch form of complete_and_claim_job.  The
 * worker loop (pr_worker_run) runs a claimed batch, then completes every
 * job its handler finished and claims the next batch in this one call: one
 * commit and one round trip per batch, instead of one per job.  SECURITY
 * DEFINER for the same reason as complete_jobs and claim_job: it writes
 * job_queue and queue_stats, which an application role may not touch, and
 * a worker may only complete jobs it holds (the worker id check is in the
 * function).  C code that pins search_path, names every table and built-in
 * with its schema and passes its arguments as $n parameters.
 */
CREATE FUNCTION @extschema@.complete_and_claim_jobs(done uuid[], worker uuid, queue text,
                                                    max_jobs integer DEFAULT 1)
    RETURNS TABLE (id uuid, job jsonb, attempt integer)
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pict_repo_complete_and_claim_jobs';

REVOKE ALL ON FUNCTION @extschema@.complete_and_claim_jobs(uuid[], uuid, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.complete_and_claim_jobs(uuid[], uuid, text, integer)
    TO pict_repo_user;


-- ===========================================================================
-- End of 1.4
-- ===========================================================================
