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


-- ===========================================================================
-- The file service
-- ===========================================================================


-- ===========================================================================
-- End of 1.4
-- ===========================================================================
