/*-------------------------------------------------------------------------
 *
 * settings.c
 *		Settings, media details and the version of the module.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "media.h"
#include "pict_repo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

static PrPlan set_setting_plan;
static PrPlan get_setting_plan;
static PrPlan remove_setting_plan;
static PrPlan relate_details_plan;
static PrPlan keep_details_plan;
static PrPlan details_plan;
static PrPlan cleanup_details_plan;

static const Oid text_bytea[] = {TEXTOID, BYTEAOID};
static const Oid text_jsonb[] = {TEXTOID, JSONBOID};
static const Oid text_only[] = {TEXTOID};

/* Return the version of the C module; the client compares it with the SQL's. */
PG_FUNCTION_INFO_V1(pict_repo_version);
Datum
pict_repo_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(PICT_REPO_VERSION));
}

/* Store a setting, replacing its old value. */
PG_FUNCTION_INFO_V1(pict_repo_set_setting);
Datum
pict_repo_set_setting(PG_FUNCTION_ARGS)
{
	Datum		values[2];

	PrRequireWritable();

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "key", 1, PR_NAME_MAX));
	PrRequireArg(fcinfo, 1, "value");
	values[1] = PG_GETARG_DATUM(1);

	PrRun(&set_setting_plan,
		  "INSERT INTO " PR_SCHEMA ".settings (key, value) VALUES ($1, $2) "
		  "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
		  2, text_bytea, values, NULL, SPI_OK_INSERT);
	PG_RETURN_VOID();
}

/* Return the value of a setting, NULL if it is not set. */
PG_FUNCTION_INFO_V1(pict_repo_get_setting);
Datum
pict_repo_get_setting(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "key", 1, PR_NAME_MAX));

	return PrLookup(fcinfo, &get_setting_plan,
					"SELECT value FROM " PR_SCHEMA ".settings WHERE key = $1",
					1, text_only, values, NULL);
}

/* Remove a setting; false if it was not set. */
PG_FUNCTION_INFO_V1(pict_repo_remove_setting);
Datum
pict_repo_remove_setting(PG_FUNCTION_ARGS)
{
	Datum		values[1];
	int			n;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "key", 1, PR_NAME_MAX));

	n = PrRun(&remove_setting_plan,
			  "DELETE FROM " PR_SCHEMA ".settings WHERE key = $1",
			  1, text_only, values, NULL, SPI_OK_DELETE);
	PG_RETURN_BOOL(n > 0);
}

/*
 * Store the details of a stored file.  With replace (the default) earlier
 * details are replaced; without, existing details are kept (the first write
 * wins, as in pict-rs).  Returns whether it wrote.  The 1.0-1.2 SQL
 * declaration passes two arguments and returns void: replace, then.
 */
PG_FUNCTION_INFO_V1(pict_repo_relate_details);
Datum
pict_repo_relate_details(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	bool		replace = true;
	int			n;
	Datum		hash;
	bool		original;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "identifier", 1, PR_LONG_MAX));
	PrRequireArg(fcinfo, 1, "details");
	values[1] = PG_GETARG_DATUM(1);
	if (PG_NARGS() > 2)
	{
		PrRequireArg(fcinfo, 2, "replace");
		replace = PG_GETARG_BOOL(2);
	}

	PrConnect();
	/* The original of a hash: its aliases carry copies (media.c). */
	original = PrMediaLockOriginal(values[0], &hash);
	if (replace)
		n = PrExec(&relate_details_plan,
				   "INSERT INTO " PR_SCHEMA ".details (identifier, details) VALUES ($1, $2) "
				   "ON CONFLICT (identifier_digest) DO UPDATE SET details = EXCLUDED.details",
				   2, text_jsonb, values, NULL, false, 0, SPI_OK_INSERT);
	else
		n = PrExec(&keep_details_plan,
				   "INSERT INTO " PR_SCHEMA ".details (identifier, details) VALUES ($1, $2) "
				   "ON CONFLICT (identifier_digest) DO NOTHING",
				   2, text_jsonb, values, NULL, false, 0, SPI_OK_INSERT);
	if (original && n > 0)
		PrMediaRefresh(hash);
	PrFinish();
	PG_RETURN_BOOL(n > 0);
}

/* Return the details of a stored file, NULL if there are none. */
PG_FUNCTION_INFO_V1(pict_repo_details);
Datum
pict_repo_details(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "identifier", 1, PR_LONG_MAX));

	return PrLookup(fcinfo, &details_plan,
					"SELECT details FROM " PR_SCHEMA ".details "
					"WHERE identifier_digest = " PR_SCHEMA ".text_digest($1) AND identifier = $1",
					1, text_only, values, NULL);
}

/* Remove the details of a stored file; false if there were none. */
PG_FUNCTION_INFO_V1(pict_repo_cleanup_details);
Datum
pict_repo_cleanup_details(PG_FUNCTION_ARGS)
{
	Datum		values[1];
	Datum		hash;
	bool		original;
	int			n;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "identifier", 1, PR_LONG_MAX));

	PrConnect();
	/* As in relate_details: the copies of an original's aliases go too. */
	original = PrMediaLockOriginal(values[0], &hash);
	n = PrExec(&cleanup_details_plan,
			   "DELETE FROM " PR_SCHEMA ".details "
			   "WHERE identifier_digest = " PR_SCHEMA ".text_digest($1) AND identifier = $1",
			   1, text_only, values, NULL, false, 0, SPI_OK_DELETE);
	if (original && n > 0)
		PrMediaRefresh(hash);
	PrFinish();
	PG_RETURN_BOOL(n > 0);
}
