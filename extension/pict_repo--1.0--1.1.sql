/* pict_repo--1.0--1.1.sql: from 1.0 (as shipped, frozen) to 1.1. */

\echo Use "ALTER EXTENSION pict_repo UPDATE TO '1.1'" to load this file. \quit

/*
 * 1.1: privileges.  An application connects as a role that is a member of
 * pict_repo_user: it may call the API, and nothing else.
 *
 *  - PUBLIC loses EXECUTE on every function (and never had any privilege on
 *    the tables); pict_repo_user gets USAGE on the schema and EXECUTE on
 *    every function except alias_token, which returns an alias's delete
 *    token: only the extension owner may call it, or a role it is granted to
 *    explicitly.
 *  - Functions that read or write the tables are SECURITY DEFINER, so they
 *    run as the extension owner (who created the extension: a superuser,
 *    the extension is not trusted) and a caller needs no table privileges.
 *    The reason is written above each group below.  This is safe because
 *    every such function is C code that pins search_path to
 *    pg_catalog, pg_temp (set in 1.0), names every table and built-in with
 *    its schema, passes every argument as a $n parameter (never spliced into
 *    SQL), and checks its arguments before touching a row.
 *  - version() and uuid_v7() touch no table and stay SECURITY INVOKER.
 *
 * The role pict_repo_user is cluster-wide: created here if missing (a second
 * database installing the extension reuses it), and left in place by DROP
 * EXTENSION.  It is NOLOGIN: grant it to the application's login role.
 */

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pict_repo_user') THEN
        CREATE ROLE pict_repo_user NOLOGIN;
    END IF;
END
$$;

-- Settings, details, store migration, uploads: they read and write settings,
-- details, store_migrations, hashes, variants and uploads, which an
-- application role may not touch directly (it could otherwise rewrite any
-- identifier or another upload's result).
ALTER FUNCTION @extschema@.set_setting(text, bytea) SECURITY DEFINER;
ALTER FUNCTION @extschema@.get_setting(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.remove_setting(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.relate_details(text, jsonb) SECURITY DEFINER;
ALTER FUNCTION @extschema@.details(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.cleanup_details(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.mark_migrated(text, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.is_migrated(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.is_continuing_migration() SECURITY DEFINER;
ALTER FUNCTION @extschema@.clear_migrations() SECURITY DEFINER;
ALTER FUNCTION @extschema@.migrate_identifier(text, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.create_upload() SECURITY DEFINER;
ALTER FUNCTION @extschema@.complete_upload(uuid, jsonb) SECURITY DEFINER;
ALTER FUNCTION @extschema@.upload_result(uuid) SECURITY DEFINER;
ALTER FUNCTION @extschema@.claim_upload(uuid) SECURITY DEFINER;

-- Hashes and variants: they read and write hashes, variants, aliases,
-- details and variant_locks; ingest and cleanup_hash must change several of
-- them together under the function's own checks and locks.
ALTER FUNCTION @extschema@.create_hash(bytea, text, text, timestamptz) SECURITY DEFINER;
ALTER FUNCTION @extschema@.ingest(bytea, text, jsonb, text, text, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.hash_identifier(bytea) SECURITY DEFINER;
ALTER FUNCTION @extschema@.update_identifier(bytea, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.relate_motion_identifier(bytea, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.motion_identifier(bytea) SECURITY DEFINER;
ALTER FUNCTION @extschema@.relate_blurhash(bytea, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.blurhash(bytea) SECURITY DEFINER;
ALTER FUNCTION @extschema@.hash_count() SECURITY DEFINER;
ALTER FUNCTION @extschema@.hash_page(integer, timestamptz, bytea) SECURITY DEFINER;
ALTER FUNCTION @extschema@.hash_page_by_date(timestamptz, integer) SECURITY DEFINER;
ALTER FUNCTION @extschema@.relate_variant(bytea, text, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.variant_identifier(bytea, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.variants(bytea) SECURITY DEFINER;
ALTER FUNCTION @extschema@.remove_variant(bytea, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.claim_variant_processing(bytea, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.variant_heartbeat(bytea, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.release_variant_processing(bytea, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.cleanup_hash(bytea, boolean) SECURITY DEFINER;

-- Aliases, proxies, access times: they read and write aliases and proxies,
-- whose delete_token column an application role must never SELECT;
-- delete_alias compares the token inside the function so the caller learns
-- only whether it matched.
ALTER FUNCTION @extschema@.create_alias_with_token(text, bytea, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.alias_hash(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.alias_token(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.aliases_for_hash(bytea) SECURITY DEFINER;
ALTER FUNCTION @extschema@.delete_alias(text, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.cleanup_alias(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.relate_url(text, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.related(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.remove_relation(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.touch_alias(text, timestamptz) SECURITY DEFINER;
ALTER FUNCTION @extschema@.alias_accessed_at(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.older_aliases(timestamptz, integer, timestamptz, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.touch_variant(bytea, text, timestamptz) SECURITY DEFINER;
ALTER FUNCTION @extschema@.variant_accessed_at(bytea, text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.older_variants(timestamptz, integer, timestamptz, bytea, text) SECURITY DEFINER;

-- Job queue: they write job_queue, dead_jobs and queue_stats; a worker may
-- only change a job it holds (the worker id checks are in the functions),
-- which table privileges could not express.
ALTER FUNCTION @extschema@.push_job(text, jsonb, text, integer, timestamptz, integer) SECURITY DEFINER;
ALTER FUNCTION @extschema@.push_jobs(text, jsonb[]) SECURITY DEFINER;
ALTER FUNCTION @extschema@.claim_job(text, uuid, integer) SECURITY DEFINER;
ALTER FUNCTION @extschema@.heartbeat_job(uuid, uuid) SECURITY DEFINER;
ALTER FUNCTION @extschema@.complete_job(uuid, uuid) SECURITY DEFINER;
ALTER FUNCTION @extschema@.complete_and_claim_job(uuid, uuid, text, integer) SECURITY DEFINER;
ALTER FUNCTION @extschema@.fail_job(uuid, uuid, text, interval) SECURITY DEFINER;
ALTER FUNCTION @extschema@.requeue_stale(interval) SECURITY DEFINER;
ALTER FUNCTION @extschema@.retry_dead_job(uuid) SECURITY DEFINER;
ALTER FUNCTION @extschema@.cancel_job(uuid) SECURITY DEFINER;
ALTER FUNCTION @extschema@.queue_length(text) SECURITY DEFINER;
ALTER FUNCTION @extschema@.queue_stats() SECURITY DEFINER;
ALTER FUNCTION @extschema@.average_time_to_completion(text, timestamptz, timestamptz) SECURITY DEFINER;

-- Maintenance: run_maintenance requeues, dead-letters and deletes rows of
-- job_queue, dead_jobs, uploads and variant_locks.
ALTER FUNCTION @extschema@.run_maintenance() SECURITY DEFINER;

-- Nobody but the owner reads or writes the tables directly.
REVOKE ALL ON ALL TABLES IN SCHEMA @extschema@ FROM PUBLIC;
-- Functions are EXECUTE-able by PUBLIC by default: only pict_repo_user now.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA @extschema@ FROM PUBLIC;
GRANT USAGE ON SCHEMA @extschema@ TO pict_repo_user;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA @extschema@ TO pict_repo_user;
-- The delete token of an alias: delete_alias(alias, token) checks a token
-- without revealing it; reading it is for the owner (or an explicit grant).
REVOKE EXECUTE ON FUNCTION @extschema@.alias_token(text) FROM pict_repo_user;
