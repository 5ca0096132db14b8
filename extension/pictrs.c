/*-------------------------------------------------------------------------
 *
 * pictrs.c
 *		What pict-rs 0.5 asks of its repository beyond the 1.2 API: the
 *		created_at of a hash and pages of hashes in both directions from a
 *		bound (its /internal/hashes pages with prev and next), and whether a
 *		variant is being generated (so a waiter can tell a failed generator
 *		from one still at work).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "pict_repo.h"
#include "utils/builtins.h"
#include "utils/guc.h"

static PrPlan created_at_plan;
static PrPlan processing_plan;

/* hash_page_bound: [newer][inclusive]. */
static PrPlan bound_plans[2][2];

static const Oid bytea_only[] = {BYTEAOID};
static const Oid bytea_text_float8[] = {BYTEAOID, TEXTOID, FLOAT8OID};
static const Oid bound_types[] = {TIMESTAMPTZOID, BYTEAOID, INT4OID};

/* The page queries, by [newer][inclusive]: the key comparison and the order. */
static const char *const bound_sql[2][2] = {
	{
		"SELECT hash, created_at FROM " PR_SCHEMA ".hashes "
		"WHERE (created_at, hash) < ($1, $2) "
		"ORDER BY created_at DESC, hash DESC LIMIT $3",
		"SELECT hash, created_at FROM " PR_SCHEMA ".hashes "
		"WHERE (created_at, hash) <= ($1, $2) "
		"ORDER BY created_at DESC, hash DESC LIMIT $3"
	},
	{
		"SELECT hash, created_at FROM " PR_SCHEMA ".hashes "
		"WHERE (created_at, hash) > ($1, $2) "
		"ORDER BY created_at, hash LIMIT $3",
		"SELECT hash, created_at FROM " PR_SCHEMA ".hashes "
		"WHERE (created_at, hash) >= ($1, $2) "
		"ORDER BY created_at, hash LIMIT $3"
	}
};

/* Return the created_at of a hash, NULL if it is unknown. */
PG_FUNCTION_INFO_V1(pict_repo_hash_created_at);
Datum
pict_repo_hash_created_at(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));

	return PrLookup(fcinfo, &created_at_plan,
					"SELECT created_at FROM " PR_SCHEMA ".hashes WHERE hash = $1",
					1, bytea_only, values, NULL);
}

/*
 * Return up to lim hashes from the bound (bound_created, bound_hash): with
 * newer false the bound and older rows, newest first (hash_page's order);
 * with newer true the bound and newer rows, oldest first.  inclusive false
 * leaves the bound itself out.  The bound need not exist.  A keyset walk of
 * hashes_created_at_hash_idx in the direction asked, stopped after lim
 * rows (PrReturnOrderedRows), so equal created_at values are told apart
 * by the hash and every page costs lim index entries whatever the table
 * holds.
 */
PG_FUNCTION_INFO_V1(pict_repo_hash_page_bound);
Datum
pict_repo_hash_page_bound(PG_FUNCTION_ARGS)
{
	Datum		values[3];
	bool		newer;
	bool		inclusive;

	PrRequireArg(fcinfo, 0, "bound_created");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PointerGetDatum(PrHashArg(fcinfo, 1, "bound_hash"));
	values[2] = Int32GetDatum(PrIntArg(fcinfo, 2, "lim", 1, PR_LIM_MAX));
	PrRequireArg(fcinfo, 3, "newer");
	newer = PG_GETARG_BOOL(3);
	PrRequireArg(fcinfo, 4, "inclusive");
	inclusive = PG_GETARG_BOOL(4);

	return PrReturnOrderedRows(fcinfo, &bound_plans[newer][inclusive],
							   bound_sql[newer][inclusive], 3, bound_types, values, NULL);
}

/*
 * Return whether someone holds a live lock on generating a variant (one
 * whose heartbeat is younger than pict_repo.lock_timeout): true while it is
 * being generated, false once the lock was released, died or never was.
 */
PG_FUNCTION_INFO_V1(pict_repo_variant_processing);
Datum
pict_repo_variant_processing(PG_FUNCTION_ARGS)
{
	Datum		values[3];

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	values[1] = PointerGetDatum(PrTextArg(fcinfo, 1, "variant", 1, PR_NAME_MAX));
	values[2] = Float8GetDatum((double) pict_repo_lock_timeout);

	return PrLookup(fcinfo, &processing_plan,
					"SELECT EXISTS (SELECT 1 FROM " PR_SCHEMA ".variant_locks "
					"WHERE hash = $1 AND variant = $2 "
					"AND heartbeat > pg_catalog.clock_timestamp() "
					"                - pg_catalog.make_interval(secs => $3))",
					3, bytea_text_float8, values, NULL);
}
