/*-------------------------------------------------------------------------
 *
 * access.c
 *		Access times, kept as pict-rs keeps them: for proxied media on the
 *		proxy rows (one per URL), for variants on the variant rows.  The
 *		older_* functions page through them oldest first with a keyset on
 *		the whole sort key, so rows that share a time are never skipped or
 *		repeated, even when the row of the key was deleted in between.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "pict_repo.h"
#include "utils/builtins.h"

static PrPlan touch_alias_plan;
static PrPlan alias_accessed_plan;
static PrPlan older_aliases_first_plan;
static PrPlan older_aliases_next_plan;
static PrPlan touch_variant_plan;
static PrPlan variant_accessed_plan;
static PrPlan older_variants_first_plan;
static PrPlan older_variants_next_plan;

static const Oid text_only[] = {TEXTOID};
static const Oid text_ts[] = {TEXTOID, TIMESTAMPTZOID};
static const Oid bytea_text[] = {BYTEAOID, TEXTOID};
static const Oid bytea_text_ts[] = {BYTEAOID, TEXTOID, TIMESTAMPTZOID};
static const Oid older_aliases_types[] = {TIMESTAMPTZOID, INT4OID,
TIMESTAMPTZOID, TEXTOID};
static const Oid older_variants_types[] = {TIMESTAMPTZOID, INT4OID,
TIMESTAMPTZOID, BYTEAOID, TEXTOID};

/*
 * Fail with 22023 unless the keyset arguments first..first+count-1 are
 * either all NULL (first page) or all set; returns true when they are set.
 */
static inline bool
KeysetGiven(FunctionCallInfo fcinfo, int first, int count, const char *names)
{
	int			given = 0;

	for (int i = first; i < first + count; i++)
		if (!PG_ARGISNULL(i))
			given++;
	if (given != 0 && given != count)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be all null or all set", names),
				 errhint("Pass the last row of the previous page, or nulls for the first page.")));
	return given == count;
}

/*
 * Set the access time of the proxied media of an alias (default now);
 * false if the alias has no proxy row.
 */
PG_FUNCTION_INFO_V1(pict_repo_touch_alias);
Datum
pict_repo_touch_alias(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	int			n;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX));
	PrRequireArg(fcinfo, 1, "at");
	values[1] = PG_GETARG_DATUM(1);

	n = PrRun(&touch_alias_plan,
			  "UPDATE " PR_SCHEMA ".proxies SET accessed = $2 WHERE alias = $1",
			  2, text_ts, values, NULL, SPI_OK_UPDATE);
	PG_RETURN_BOOL(n > 0);
}

/*
 * Return when the proxied media of an alias was last accessed (the latest
 * of its proxy rows), NULL if it has none.
 */
PG_FUNCTION_INFO_V1(pict_repo_alias_accessed_at);
Datum
pict_repo_alias_accessed_at(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX));

	return PrLookup(fcinfo, &alias_accessed_plan,
					"SELECT pg_catalog.max(accessed) FROM " PR_SCHEMA ".proxies WHERE alias = $1",
					1, text_only, values, NULL);
}

/*
 * Return up to lim proxy rows accessed before a time, oldest first by
 * (accessed, url_digest), strictly after the key (after_accessed, after_url)
 * when it is given: rows with the same access time come in the order of
 * their URLs' digests, which the index holds whatever a URL's length.
 */
PG_FUNCTION_INFO_V1(pict_repo_older_aliases);
Datum
pict_repo_older_aliases(PG_FUNCTION_ARGS)
{
	Datum		values[4];
	bool		after;

	PrRequireArg(fcinfo, 0, "before");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = Int32GetDatum(PrIntArg(fcinfo, 1, "lim", 1, PR_LIM_MAX));
	after = KeysetGiven(fcinfo, 2, 2, "after_accessed and after_url");
	if (after)
	{
		values[2] = PG_GETARG_DATUM(2);
		values[3] = PointerGetDatum(PrTextArg(fcinfo, 3, "after_url", 1, PR_LONG_MAX));
	}

	if (after)
		return PrReturnRows(fcinfo, &older_aliases_next_plan,
							"SELECT alias, url, accessed FROM " PR_SCHEMA ".proxies "
							"WHERE accessed < $1 "
							"AND (accessed, url_digest) > ($3, " PR_SCHEMA ".text_digest($4)) "
							"ORDER BY accessed, url_digest LIMIT $2",
							4, older_aliases_types, values, NULL);
	return PrReturnRows(fcinfo, &older_aliases_first_plan,
						"SELECT alias, url, accessed FROM " PR_SCHEMA ".proxies "
						"WHERE accessed < $1 ORDER BY accessed, url_digest LIMIT $2",
						2, older_aliases_types, values, NULL);
}

/* Set the access time of a variant (default now); false if it does not exist. */
PG_FUNCTION_INFO_V1(pict_repo_touch_variant);
Datum
pict_repo_touch_variant(PG_FUNCTION_ARGS)
{
	Datum		values[3];
	int			n;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	values[1] = PointerGetDatum(PrTextArg(fcinfo, 1, "variant", 1, PR_NAME_MAX));
	PrRequireArg(fcinfo, 2, "at");
	values[2] = PG_GETARG_DATUM(2);

	n = PrRun(&touch_variant_plan,
			  "UPDATE " PR_SCHEMA ".variants SET accessed = $3 "
			  "WHERE hash = $1 AND variant = $2",
			  3, bytea_text_ts, values, NULL, SPI_OK_UPDATE);
	PG_RETURN_BOOL(n > 0);
}

/* Return when a variant was last accessed, NULL if it does not exist. */
PG_FUNCTION_INFO_V1(pict_repo_variant_accessed_at);
Datum
pict_repo_variant_accessed_at(PG_FUNCTION_ARGS)
{
	Datum		values[2];

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	values[1] = PointerGetDatum(PrTextArg(fcinfo, 1, "variant", 1, PR_NAME_MAX));

	return PrLookup(fcinfo, &variant_accessed_plan,
					"SELECT accessed FROM " PR_SCHEMA ".variants "
					"WHERE hash = $1 AND variant = $2",
					2, bytea_text, values, NULL);
}

/*
 * Return up to lim variants accessed before a time, oldest first by
 * (accessed, hash, variant), strictly after the key (after_accessed,
 * after_hash, after_variant) when it is given.
 */
PG_FUNCTION_INFO_V1(pict_repo_older_variants);
Datum
pict_repo_older_variants(PG_FUNCTION_ARGS)
{
	Datum		values[5];
	bool		after;

	PrRequireArg(fcinfo, 0, "before");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = Int32GetDatum(PrIntArg(fcinfo, 1, "lim", 1, PR_LIM_MAX));
	after = KeysetGiven(fcinfo, 2, 3, "after_accessed, after_hash and after_variant");
	if (after)
	{
		values[2] = PG_GETARG_DATUM(2);
		values[3] = PointerGetDatum(PrHashArg(fcinfo, 3, "after_hash"));
		values[4] = PointerGetDatum(PrTextArg(fcinfo, 4, "after_variant", 1, PR_NAME_MAX));
	}

	if (after)
		return PrReturnRows(fcinfo, &older_variants_next_plan,
							"SELECT hash, variant, accessed FROM " PR_SCHEMA ".variants "
							"WHERE accessed < $1 AND (accessed, hash, variant) > ($3, $4, $5) "
							"ORDER BY accessed, hash, variant LIMIT $2",
							5, older_variants_types, values, NULL);
	return PrReturnRows(fcinfo, &older_variants_first_plan,
						"SELECT hash, variant, accessed FROM " PR_SCHEMA ".variants "
						"WHERE accessed < $1 ORDER BY accessed, hash, variant LIMIT $2",
						2, older_variants_types, values, NULL);
}
