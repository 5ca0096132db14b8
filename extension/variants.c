/*-------------------------------------------------------------------------
 *
 * variants.c
 *		Variants of a hash (resized or converted files generated on demand)
 *		and the locks that make sure only one process generates each.
 *
 * A lock is a row of variant_locks with a heartbeat.  It is live while its
 * heartbeat is younger than pict_repo.lock_timeout; a dead lock may be taken
 * over.  Heartbeats use clock_timestamp(), not now(), so that a claim made
 * late in a long transaction is not born dead.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "pict_repo.h"
#include "utils/builtins.h"

static PrPlan relate_variant_plan;
static PrPlan variant_identifier_plan;
static PrPlan variants_plan;
static PrPlan remove_variant_plan;
static PrPlan claim_plan;
static PrPlan heartbeat_plan;
static PrPlan release_plan;

static const Oid bytea_only[] = {BYTEAOID};
static const Oid bytea_text[] = {BYTEAOID, TEXTOID};
static const Oid bytea_text_text[] = {BYTEAOID, TEXTOID, TEXTOID};
static const Oid claim_types[] = {BYTEAOID, TEXTOID, FLOAT8OID};

/* Read the (hash, variant) arguments into values[0] and values[1]. */
static inline void
GetVariantKey(FunctionCallInfo fcinfo, Datum *values)
{
	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	values[1] = PointerGetDatum(PrTextArg(fcinfo, 1, "variant", 1, PR_NAME_MAX));
}

/*
 * Store the file of a variant.  False if the variant exists already; 23503
 * if the hash is unknown; 23505 if the file is in use by another original,
 * motion file or variant.
 */
PG_FUNCTION_INFO_V1(pict_repo_relate_variant);
Datum
pict_repo_relate_variant(PG_FUNCTION_ARGS)
{
	Datum		values[3];
	int			n;

	PrRequireWritable();

	GetVariantKey(fcinfo, values);
	values[2] = PointerGetDatum(PrTextArg(fcinfo, 2, "identifier", 1, PR_LONG_MAX));

	PrConnect();
	n = PrExec(&relate_variant_plan,
			   "INSERT INTO " PR_SCHEMA ".variants (hash, variant, identifier) "
			   "VALUES ($1, $2, $3) ON CONFLICT (hash, variant) DO NOTHING",
			   3, bytea_text_text, values, NULL, false, 0, SPI_OK_INSERT);
	if (n > 0)
		PrClaimIdentifier((text *) DatumGetPointer(values[2]), 1, "identifier");
	PrFinish();
	PG_RETURN_BOOL(n > 0);
}

/* Return the file of a variant, NULL if it was not generated. */
PG_FUNCTION_INFO_V1(pict_repo_variant_identifier);
Datum
pict_repo_variant_identifier(PG_FUNCTION_ARGS)
{
	Datum		values[2];

	GetVariantKey(fcinfo, values);

	return PrLookup(fcinfo, &variant_identifier_plan,
					"SELECT identifier FROM " PR_SCHEMA ".variants "
					"WHERE hash = $1 AND variant = $2",
					2, bytea_text, values, NULL);
}

/* Return every variant of a hash with its file, in variant order. */
PG_FUNCTION_INFO_V1(pict_repo_variants);
Datum
pict_repo_variants(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));

	return PrReturnRows(fcinfo, &variants_plan,
						"SELECT variant, identifier FROM " PR_SCHEMA ".variants "
						"WHERE hash = $1 ORDER BY variant",
						1, bytea_only, values, NULL);
}

/*
 * Forget a variant and return its file, which the caller deletes from
 * storage; its details and its lock go too.  NULL if there was no such
 * variant (a lock on a variant being generated is then left alone), or if
 * another row still refers to its file (a sharing made before 1.3): the
 * file and its details are then kept.
 */
PG_FUNCTION_INFO_V1(pict_repo_remove_variant);
Datum
pict_repo_remove_variant(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	Datum		result = (Datum) 0;
	bool		isnull = true;

	PrRequireWritable();

	GetVariantKey(fcinfo, values);

	PrConnect();
	if (PrExec(&remove_variant_plan,
			   "WITH v AS (DELETE FROM " PR_SCHEMA ".variants "
			   "           WHERE hash = $1 AND variant = $2 RETURNING identifier), "
			   "     l AS (DELETE FROM " PR_SCHEMA ".variant_locks x USING v "
			   "           WHERE x.hash = $1 AND x.variant = $2) "
			   "SELECT identifier FROM v",
			   2, bytea_text, values, NULL, false, 0, SPI_OK_SELECT) > 0)
	{
		text	   *identifier = DatumGetTextPCopy(PrGetDatum(0, 1, &isnull));

		if (PrReleaseIdentifier(identifier))
		{
			result = PointerGetDatum(SPI_palloc(VARSIZE_ANY(identifier)));
			memcpy(DatumGetPointer(result), identifier, VARSIZE_ANY(identifier));
			isnull = false;
		}
		else
			isnull = true;
	}
	PrFinish();
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/*
 * Claim the generation of a variant: true if the caller may generate it,
 * because the hash exists, the variant does not, and nobody holds a live
 * lock on it.  The caller then keeps the lock alive with variant_heartbeat
 * and ends with release_variant_processing.
 *
 * One statement decides: the insert of the lock row either succeeds, or
 * meets the existing lock and takes it over only if it is dead.  Two
 * concurrent claimers serialise on the lock row's unique index, and the
 * second sees the first one's fresh heartbeat.  The hash row is key-share
 * locked so a concurrent cleanup_hash makes this false rather than an error.
 */
PG_FUNCTION_INFO_V1(pict_repo_claim_variant_processing);
Datum
pict_repo_claim_variant_processing(PG_FUNCTION_ARGS)
{
	Datum		values[3];
	int			n;

	PrRequireWritable();

	GetVariantKey(fcinfo, values);
	values[2] = Float8GetDatum((double) pict_repo_lock_timeout);

	n = PrRun(&claim_plan,
			  "INSERT INTO " PR_SCHEMA ".variant_locks AS l (hash, variant, heartbeat) "
			  "SELECT h.hash, $2, pg_catalog.clock_timestamp() "
			  "FROM " PR_SCHEMA ".hashes h "
			  "WHERE h.hash = $1 "
			  "AND NOT EXISTS (SELECT 1 FROM " PR_SCHEMA ".variants v "
			  "                WHERE v.hash = $1 AND v.variant = $2) "
			  "FOR KEY SHARE OF h "
			  "ON CONFLICT (hash, variant) DO UPDATE SET heartbeat = EXCLUDED.heartbeat "
			  "WHERE l.heartbeat <= pg_catalog.clock_timestamp() "
			  "                     - pg_catalog.make_interval(secs => $3) "
			  "RETURNING 1",
			  3, claim_types, values, NULL, SPI_OK_INSERT_RETURNING);
	PG_RETURN_BOOL(n > 0);
}

/*
 * Keep a variant lock alive.  False if there is no lock (it was released,
 * or expired and was removed): stop generating.
 */
PG_FUNCTION_INFO_V1(pict_repo_variant_heartbeat);
Datum
pict_repo_variant_heartbeat(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	int			n;

	PrRequireWritable();

	GetVariantKey(fcinfo, values);

	n = PrRun(&heartbeat_plan,
			  "UPDATE " PR_SCHEMA ".variant_locks "
			  "SET heartbeat = pg_catalog.clock_timestamp() "
			  "WHERE hash = $1 AND variant = $2",
			  2, bytea_text, values, NULL, SPI_OK_UPDATE);
	PG_RETURN_BOOL(n > 0);
}

/*
 * Release a variant lock and tell the waiters on channel pict_repo_variant
 * (notify.c).  The notification is sent (at commit) even if there was no
 * lock, so a waiter always rechecks the variant.
 */
PG_FUNCTION_INFO_V1(pict_repo_release_variant_processing);
Datum
pict_repo_release_variant_processing(PG_FUNCTION_ARGS)
{
	Datum		values[2];

	PrRequireWritable();

	GetVariantKey(fcinfo, values);

	PrRun(&release_plan,
		  "DELETE FROM " PR_SCHEMA ".variant_locks WHERE hash = $1 AND variant = $2",
		  2, bytea_text, values, NULL, SPI_OK_DELETE);
	PrNotifyVariant(values[0], values[1]);
	PG_RETURN_VOID();
}
