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
