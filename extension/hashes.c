/*-------------------------------------------------------------------------
 *
 * hashes.c
 *		Hashes: the original file of each upload, its motion file and
 *		blurhash, a whole upload in one call (ingest), keyset pages over all
 *		hashes, and the removal of a hash with everything hanging off it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "pict_repo.h"
#include "utils/builtins.h"
#include "utils/guc.h"

/* ingest's extension: this many ASCII letters and digits at most. */
#define PR_EXTENSION_MAX 16

/* How often ingest retries when the existing hash vanishes under it. */
#define PR_INGEST_TRIES 3

static PrPlan create_hash_plan;
static PrPlan ingest_insert_plan;
static PrPlan ingest_existing_plan;
static PrPlan ingest_other_plan;
static PrPlan ingest_details_plan;
static PrPlan ingest_alias_plan;
static PrPlan hash_identifier_plan;
static PrPlan update_identifier_plan;
static PrPlan relate_motion_plan;
static PrPlan motion_identifier_plan;
static PrPlan relate_blurhash_plan;
static PrPlan blurhash_plan;
static PrPlan hash_count_plan;
static PrPlan page_first_plan;
static PrPlan page_after_plan;
static PrPlan page_by_date_plan;
static PrPlan cleanup_lock_plan;
static PrPlan cleanup_count_plan;
static PrPlan cleanup_aliases_plan;
static PrPlan cleanup_delete_plan;

static const Oid bytea_only[] = {BYTEAOID};
static const Oid bytea_text[] = {BYTEAOID, TEXTOID};
static const Oid create_hash_types[] = {BYTEAOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
static const Oid text_jsonb[] = {TEXTOID, JSONBOID};
static const Oid alias_types[] = {TEXTOID, BYTEAOID, TEXTOID, TEXTOID};
static const Oid int4_only[] = {INT4OID};
static const Oid page_after_types[] = {INT4OID, TIMESTAMPTZOID, BYTEAOID};
static const Oid timestamptz_int4[] = {TIMESTAMPTZOID, INT4OID};

/*
 * Return ingest's extension argument: required, 1 to PR_EXTENSION_MAX ASCII
 * letters and digits, so the generated alias is always a plain file name.
 */
static inline text *
ExtensionArg(FunctionCallInfo fcinfo, int argno)
{
	text	   *ext;
	const char *p;
	int			len;

	PrRequireArg(fcinfo, argno, "extension");
	ext = PG_GETARG_TEXT_PP(argno);
	p = VARDATA_ANY(ext);
	len = VARSIZE_ANY_EXHDR(ext);
	if (len < 1 || len > PR_EXTENSION_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("extension must be between 1 and %d characters",
						PR_EXTENSION_MAX),
				 errdetail("The extension has %d bytes.", len)));
	for (int i = 0; i < len; i++)
	{
		char		c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9')))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("extension must consist of ASCII letters and digits"),
					 errhint("Pass the extension without the dot, for example \"png\".")));
	}
	return ext;
}

/* Run a one-row getter on the hash and return its text result or NULL. */
static Datum
GetHashText(FunctionCallInfo fcinfo, PrPlan *plan, const char *sql)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));

	return PrLookup(fcinfo, plan, sql, 1, bytea_only, values, NULL);
}

/*
 * Run an UPDATE of one text column of the hash (parameters $1 hash, $2 the
 * value) and return whether the hash exists.
 */
static Datum
SetHashText(FunctionCallInfo fcinfo, PrPlan *plan, const char *sql,
			const char *name)
{
	Datum		values[2];
	int			n;

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	values[1] = PointerGetDatum(PrTextArg(fcinfo, 1, name, 1, PR_LONG_MAX));

	n = PrRun(plan, sql, 2, bytea_text, values, NULL, SPI_OK_UPDATE);
	PG_RETURN_BOOL(n > 0);
}

/*
 * Store a new hash with its original file (and motion file).  False if the
 * hash exists; 23505 if the identifier belongs to another hash.
 */
PG_FUNCTION_INFO_V1(pict_repo_create_hash);
Datum
pict_repo_create_hash(PG_FUNCTION_ARGS)
{
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	text	   *motion;
	int			n;

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	values[1] = PointerGetDatum(PrTextArg(fcinfo, 1, "identifier", 1, PR_LONG_MAX));
	motion = PrTextArgOpt(fcinfo, 2, "motion_identifier", 1, PR_LONG_MAX);
	values[2] = PointerGetDatum(motion);
	if (motion == NULL)
		nulls[2] = 'n';
	PrRequireArg(fcinfo, 3, "created_at");
	values[3] = PG_GETARG_DATUM(3);

	/*
	 * Only a taken hash counts as a conflict: an identifier or motion
	 * identifier held by another hash still raises unique_violation.
	 */
	n = PrRun(&create_hash_plan,
			  "INSERT INTO " PR_SCHEMA ".hashes "
			  "(hash, identifier, motion_identifier, created_at) "
			  "VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING",
			  4, create_hash_types, values, nulls, SPI_OK_INSERT);
	PG_RETURN_BOOL(n > 0);
}

/*
 * Store a whole upload in one transaction: the hash with its original file
 * and details (or, if the hash exists, keep that one), then an alias for it.
 *
 * Returns one row (alias, token, stored_identifier, hash_created).  When
 * hash_created is false and stored_identifier differs from identifier, the
 * caller deletes the file it stored at identifier.  A declared alias that is
 * taken fails with 23505 and nothing is written; so does an identifier that
 * belongs to another hash.
 */
PG_FUNCTION_INFO_V1(pict_repo_ingest);
Datum
pict_repo_ingest(PG_FUNCTION_ARGS)
{
	bytea	   *hash;
	text	   *identifier;
	text	   *ext;
	text	   *declared_alias;
	text	   *declared_token;
	Datum		hash_values[2];
	Datum		details_values[2];
	Datum		alias_values[4];
	char		alias_nulls[4] = {' ', ' ', ' ', ' '};
	Datum		out[4];
	bool		out_nulls[4] = {false, false, false, false};
	bool		created = false;
	bool		found = false;

	hash = PrHashArg(fcinfo, 0, "hash");
	identifier = PrTextArg(fcinfo, 1, "identifier", 1, PR_LONG_MAX);
	PrRequireArg(fcinfo, 2, "details");
	ext = ExtensionArg(fcinfo, 3);
	declared_alias = PrTextArgOpt(fcinfo, 4, "declared_alias", 1, PR_NAME_MAX);
	declared_token = PrTextArgOpt(fcinfo, 5, "declared_token", 1, PR_NAME_MAX);

	PrMaterialize(fcinfo);

	hash_values[0] = PointerGetDatum(hash);
	hash_values[1] = PointerGetDatum(identifier);

	PrConnect();

	/*
	 * Insert the hash, or find and key-share lock the existing one so that a
	 * concurrent cleanup_hash cannot delete it before our alias points at
	 * it.  A concurrent ingest of the same new hash waits in the INSERT and
	 * then finds the row it committed.  Should the existing hash be deleted
	 * between the two statements, try again: it is new now.
	 */
	for (int tries = 0; tries < PR_INGEST_TRIES && !found; tries++)
	{
		if (PrExec(&ingest_insert_plan,
				   "INSERT INTO " PR_SCHEMA ".hashes (hash, identifier) "
				   "VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING "
				   "RETURNING identifier",
				   2, bytea_text, hash_values, NULL, false, 0,
				   SPI_OK_INSERT_RETURNING) > 0)
		{
			created = true;
			found = true;
		}
		else if (PrExec(&ingest_existing_plan,
						"SELECT identifier FROM " PR_SCHEMA ".hashes "
						"WHERE hash = $1 FOR KEY SHARE",
						1, bytea_only, hash_values, NULL, false, 0,
						SPI_OK_SELECT) > 0)
			found = true;
	}
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not ingest the hash: it was deleted concurrently %d times",
						PR_INGEST_TRIES),
				 errhint("Retry the upload.")));
	out[2] = PrCopyResult(0, 1, &out_nulls[2]);
	out[3] = BoolGetDatum(created);

	if (created)
	{
		details_values[0] = PointerGetDatum(identifier);
		details_values[1] = PG_GETARG_DATUM(2);
		PrExec(&ingest_details_plan,
			   "INSERT INTO " PR_SCHEMA ".details (identifier, details) "
			   "VALUES ($1, $2) "
			   "ON CONFLICT (identifier) DO UPDATE SET details = EXCLUDED.details",
			   2, text_jsonb, details_values, NULL, false, 0, SPI_OK_INSERT);
	}
	else if (PrExec(&ingest_other_plan,
					"SELECT 1 FROM " PR_SCHEMA ".hashes "
					"WHERE identifier = $2 AND hash <> $1",
					2, bytea_text, hash_values, NULL, false, 1,
					SPI_OK_SELECT) > 0)
	{
		/*
		 * The caller would delete the file it "just stored" at identifier,
		 * which is another hash's original: refuse.
		 */
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("identifier belongs to another hash"),
				 errdetail("The identifier is \"%s\".", text_to_cstring(identifier))));
	}

	/* The alias: declared or <uuid>.<extension>; a taken one is an error. */
	alias_values[0] = PointerGetDatum(declared_alias);
	if (declared_alias == NULL)
		alias_nulls[0] = 'n';
	alias_values[1] = PointerGetDatum(hash);
	alias_values[2] = PointerGetDatum(declared_token);
	if (declared_token == NULL)
		alias_nulls[2] = 'n';
	alias_values[3] = PointerGetDatum(ext);
	if (PrExec(&ingest_alias_plan,
			   "INSERT INTO " PR_SCHEMA ".aliases (alias, hash, token) "
			   "VALUES (COALESCE($1, pg_catalog.gen_random_uuid()::text || '.' || $4), "
			   "        $2, COALESCE($3, pg_catalog.gen_random_uuid()::text)) "
			   "ON CONFLICT (alias) DO NOTHING RETURNING alias, token",
			   4, alias_types, alias_values, alias_nulls, false, 0,
			   SPI_OK_INSERT_RETURNING) == 0)
	{
		/* Raising rolls back the hash and details written above. */
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("alias \"%s\" is already taken", text_to_cstring(declared_alias)),
				 errhint("Declare another alias, or let ingest generate one.")));
	}
	out[0] = PrCopyResult(0, 1, &out_nulls[0]);
	out[1] = PrCopyResult(0, 2, &out_nulls[1]);
	PrFinish();

	PrPutRow(fcinfo, out, out_nulls);
	return (Datum) 0;
}

/* Return the identifier of the original file of a hash, NULL if unknown. */
PG_FUNCTION_INFO_V1(pict_repo_hash_identifier);
Datum
pict_repo_hash_identifier(PG_FUNCTION_ARGS)
{
	return GetHashText(fcinfo, &hash_identifier_plan,
					   "SELECT identifier FROM " PR_SCHEMA ".hashes WHERE hash = $1");
}

/*
 * Point a hash at another original file.  False if the hash is unknown;
 * 23505 if the identifier belongs to another hash.
 */
PG_FUNCTION_INFO_V1(pict_repo_update_identifier);
Datum
pict_repo_update_identifier(PG_FUNCTION_ARGS)
{
	return SetHashText(fcinfo, &update_identifier_plan,
					   "UPDATE " PR_SCHEMA ".hashes SET identifier = $2 WHERE hash = $1",
					   "identifier");
}

/*
 * Store the motion file of a hash (an animation's still-free version).
 * False if the hash is unknown; 23505 if another hash holds the identifier.
 */
PG_FUNCTION_INFO_V1(pict_repo_relate_motion_identifier);
Datum
pict_repo_relate_motion_identifier(PG_FUNCTION_ARGS)
{
	return SetHashText(fcinfo, &relate_motion_plan,
					   "UPDATE " PR_SCHEMA ".hashes SET motion_identifier = $2 "
					   "WHERE hash = $1",
					   "motion_identifier");
}

/* Return the motion file of a hash, NULL if it has none or is unknown. */
PG_FUNCTION_INFO_V1(pict_repo_motion_identifier);
Datum
pict_repo_motion_identifier(PG_FUNCTION_ARGS)
{
	return GetHashText(fcinfo, &motion_identifier_plan,
					   "SELECT motion_identifier FROM " PR_SCHEMA ".hashes WHERE hash = $1");
}

/* Store the blurhash of a hash; false if the hash is unknown. */
PG_FUNCTION_INFO_V1(pict_repo_relate_blurhash);
Datum
pict_repo_relate_blurhash(PG_FUNCTION_ARGS)
{
	return SetHashText(fcinfo, &relate_blurhash_plan,
					   "UPDATE " PR_SCHEMA ".hashes SET blurhash = $2 WHERE hash = $1",
					   "blurhash");
}

/* Return the blurhash of a hash, NULL if it has none or is unknown. */
PG_FUNCTION_INFO_V1(pict_repo_blurhash);
Datum
pict_repo_blurhash(PG_FUNCTION_ARGS)
{
	return GetHashText(fcinfo, &blurhash_plan,
					   "SELECT blurhash FROM " PR_SCHEMA ".hashes WHERE hash = $1");
}

/* Return the number of hashes. */
PG_FUNCTION_INFO_V1(pict_repo_hash_count);
Datum
pict_repo_hash_count(PG_FUNCTION_ARGS)
{
	return PrLookup(fcinfo, &hash_count_plan,
					"SELECT pg_catalog.count(*) FROM " PR_SCHEMA ".hashes",
					0, NULL, NULL, NULL);
}

/*
 * Leave the planner only ordered index scans for the statement planned next,
 * until AtEOXact_GUC(true, <the returned nest level>) (or the end of the
 * transaction, on error) restores the settings.
 *
 * The page queries are best served by walking hashes_created_at_hash_idx
 * backwards and stopping after lim rows, whatever the data.  But the planner
 * estimates (created_at, hash) < (x, y) from created_at < x alone, so where
 * many rows share one created_at it underestimates the rows and may choose a
 * bitmap scan or a sequential scan plus a sort (it does on small tables),
 * which reads every earlier row of the group for each page.  This is what a
 * SET clause on the function would do, kept here so that the functions pin
 * nothing but search_path.
 */
static int
PlanOrderedScan(void)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("enable_seqscan", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("enable_bitmapscan", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("enable_sort", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

/*
 * Return a page of hashes, newest first by (created_at, hash), strictly after
 * the key (after_created, after_hash), or from the newest when both are NULL.
 * A keyset walk of hashes_created_at_hash_idx backwards: no OFFSET, rows with
 * the same created_at are told apart by the hash, and the key row itself
 * need not exist any more.
 */
PG_FUNCTION_INFO_V1(pict_repo_hash_page);
Datum
pict_repo_hash_page(PG_FUNCTION_ARGS)
{
	Datum		values[3];
	bytea	   *after_hash;
	int			nestlevel;

	values[0] = Int32GetDatum(PrIntArg(fcinfo, 0, "lim", 1, PR_LIM_MAX));
	after_hash = PrHashArgOpt(fcinfo, 2, "after_hash");
	if (PG_ARGISNULL(1) != (after_hash == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("after_created and after_hash must be given together"),
				 errhint("Pass the created_at and hash of the last row of the previous page, or neither for the first page.")));

	PrMaterialize(fcinfo);
	PrConnect();
	nestlevel = PlanOrderedScan();
	if (after_hash == NULL)
		PrExec(&page_first_plan,
			   "SELECT hash, created_at FROM " PR_SCHEMA ".hashes "
			   "ORDER BY created_at DESC, hash DESC LIMIT $1",
			   1, int4_only, values, NULL, true, 0, SPI_OK_SELECT);
	else
	{
		values[1] = PG_GETARG_DATUM(1);
		values[2] = PointerGetDatum(after_hash);
		PrExec(&page_after_plan,
			   "SELECT hash, created_at FROM " PR_SCHEMA ".hashes "
			   "WHERE (created_at, hash) < ($2, $3) "
			   "ORDER BY created_at DESC, hash DESC LIMIT $1",
			   3, page_after_types, values, NULL, true, 0, SPI_OK_SELECT);
	}
	AtEOXact_GUC(true, nestlevel);
	PrPutRows(fcinfo);
	PrFinish();
	return (Datum) 0;
}

/*
 * Return the newest hashes created before a date, newest first by
 * (created_at, hash); continue with hash_page from the last row.
 */
PG_FUNCTION_INFO_V1(pict_repo_hash_page_by_date);
Datum
pict_repo_hash_page_by_date(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	int			nestlevel;

	PrRequireArg(fcinfo, 0, "before");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = Int32GetDatum(PrIntArg(fcinfo, 1, "lim", 1, PR_LIM_MAX));

	PrMaterialize(fcinfo);
	PrConnect();
	nestlevel = PlanOrderedScan();
	PrExec(&page_by_date_plan,
		   "SELECT hash, created_at FROM " PR_SCHEMA ".hashes "
		   "WHERE created_at < $1 "
		   "ORDER BY created_at DESC, hash DESC LIMIT $2",
		   2, timestamptz_int4, values, NULL, true, 0, SPI_OK_SELECT);
	AtEOXact_GUC(true, nestlevel);
	PrPutRows(fcinfo);
	PrFinish();
	return (Datum) 0;
}

/*
 * Delete a hash with its variants, their details and variant locks, and
 * return every identifier the caller must now delete from storage: the
 * original, the motion file if any, then each variant in variant order.
 *
 * If aliases still point at the hash this fails with 55006, unless force,
 * which deletes them (and, by cascade, their proxies) too.  Unknown hash:
 * no rows.
 *
 * The hash row is locked FOR UPDATE first.  Whoever is adding an alias or a
 * variant to it holds a KEY SHARE lock through the foreign key, so we wait
 * for them and the alias count (a fresh snapshot: SPI is not read-only here)
 * sees their row; whoever comes after us waits for us and then finds the
 * hash gone.
 */
PG_FUNCTION_INFO_V1(pict_repo_cleanup_hash);
Datum
pict_repo_cleanup_hash(PG_FUNCTION_ARGS)
{
	Datum		values[1];
	bool		force;

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	PrRequireArg(fcinfo, 1, "force");
	force = PG_GETARG_BOOL(1);

	PrMaterialize(fcinfo);
	PrConnect();
	if (PrExec(&cleanup_lock_plan,
			   "SELECT 1 FROM " PR_SCHEMA ".hashes WHERE hash = $1 FOR UPDATE",
			   1, bytea_only, values, NULL, false, 0, SPI_OK_SELECT) == 0)
	{
		PrFinish();
		return (Datum) 0;
	}

	if (!force)
	{
		bool		isnull;
		int64		aliases;

		PrExec(&cleanup_count_plan,
			   "SELECT pg_catalog.count(*) FROM " PR_SCHEMA ".aliases WHERE hash = $1",
			   1, bytea_only, values, NULL, false, 0, SPI_OK_SELECT);
		aliases = DatumGetInt64(PrGetDatum(0, 1, &isnull));
		if (aliases > 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_IN_USE),
					 errmsg("hash still has " INT64_FORMAT " aliases", aliases),
					 errdetail("Aliases still point at the hash, so its files are in use."),
					 errhint("Delete the aliases first, or pass force => true to delete them with the hash.")));
	}
	else
		PrExec(&cleanup_aliases_plan,
			   "DELETE FROM " PR_SCHEMA ".aliases WHERE hash = $1",
			   1, bytea_only, values, NULL, false, 0, SPI_OK_DELETE);

	/*
	 * One statement for the rest.  The foreign keys are checked at its end,
	 * when the variants and locks are gone too.
	 */
	PrExec(&cleanup_delete_plan,
		   "WITH l AS (DELETE FROM " PR_SCHEMA ".variant_locks WHERE hash = $1), "
		   "v AS (DELETE FROM " PR_SCHEMA ".variants WHERE hash = $1 "
		   "      RETURNING variant, identifier), "
		   "h AS (DELETE FROM " PR_SCHEMA ".hashes WHERE hash = $1 "
		   "      RETURNING identifier, motion_identifier), "
		   "ids (ord, variant, identifier) AS ("
		   "      SELECT 0, NULL::text, identifier FROM h "
		   "      UNION ALL "
		   "      SELECT 1, NULL, motion_identifier FROM h "
		   "      WHERE motion_identifier IS NOT NULL "
		   "      UNION ALL "
		   "      SELECT 2, variant, identifier FROM v), "
		   "d AS (DELETE FROM " PR_SCHEMA ".details x USING ids "
		   "      WHERE x.identifier = ids.identifier) "
		   "SELECT identifier FROM ids ORDER BY ord, variant",
		   1, bytea_only, values, NULL, false, 0, SPI_OK_SELECT);
	PrPutRows(fcinfo);
	PrFinish();
	return (Datum) 0;
}
