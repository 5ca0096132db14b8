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

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "media.h"
#include "pict_repo.h"
#include "utils/builtins.h"

/* ingest's extension: this many ASCII letters and digits at most. */
#define PR_EXTENSION_MAX 16

/* How often ingest retries when the existing hash vanishes under it. */
#define PR_INGEST_TRIES 3

static PrPlan create_hash_plan;
static PrPlan create_exists_plan;
static PrPlan create_other_plan;
static PrPlan ingest_insert_plan;
static PrPlan ingest_existing_plan;
static PrPlan ingest_other_plan;
static PrPlan ingest_exists_plan;
static PrPlan ingest_details_plan;
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
static PrPlan cleanup_delete_plan;

static const Oid bytea_only[] = {BYTEAOID};
static const Oid bytea_text[] = {BYTEAOID, TEXTOID};
static const Oid bytea_text_text[] = {BYTEAOID, TEXTOID, TEXTOID};
static const Oid create_hash_types[] = {BYTEAOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
static const Oid text_jsonb[] = {TEXTOID, JSONBOID};
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
 * value) and return whether the hash exists.  For a file column (file
 * true), the file must then be in no other slot (23505).
 */
static Datum
SetHashText(FunctionCallInfo fcinfo, PrPlan *plan, const char *sql,
			const char *name, bool file)
{
	Datum		values[2];
	int			n;

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	values[1] = PointerGetDatum(PrTextArg(fcinfo, 1, name, 1, PR_LONG_MAX));

	PrConnect();
	n = PrExec(plan, sql, 2, bytea_text, values, NULL, false, 0, SPI_OK_UPDATE);
	if (n > 0 && file)
		PrClaimIdentifier((text *) DatumGetPointer(values[1]), 1, name);
	PrFinish();
	PG_RETURN_BOOL(n > 0);
}

/* qsort_arg comparator of text pointers, in byte order. */
static int
CompareTexts(const void *a, const void *b, void *arg)
{
	return DatumGetInt32(DirectFunctionCall2Coll(bttextcmp, C_COLLATION_OID,
												 PointerGetDatum(*(text *const *) a),
												 PointerGetDatum(*(text *const *) b)));
}

/* Fail after PR_INGEST_TRIES rounds of a hash deleted under the caller. */
static void
RaiseDeletedConcurrently(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not store the hash: it was deleted concurrently %d times",
					PR_INGEST_TRIES),
			 errhint("Retry the upload.")));
}

/*
 * Put the two files of a new hash into their slots: lock both identifiers
 * (in one order for every caller, so two calls never wait for each other in
 * opposite orders), then check that no other slot holds either.
 */
static void
ClaimHashFiles(text *identifier, text *motion)
{
	if (motion == NULL)
	{
		PrClaimIdentifier(identifier, 1, "identifier");
		return;
	}
	if (DatumGetInt32(DirectFunctionCall2Coll(bttextcmp, C_COLLATION_OID,
											  PointerGetDatum(identifier),
											  PointerGetDatum(motion))) > 0)
		PrLockIdentifier(motion);
	PrClaimIdentifier(identifier, 1, "identifier");
	PrClaimIdentifier(motion, 1, "motion_identifier");
}

/*
 * After an INSERT of a hash that did nothing: the hash exists (true), or a
 * file of the new hash is another hash's (23505), or the row it conflicted
 * with was deleted meanwhile (false: try again).  Reads with the latest
 * snapshot, which sees the row the INSERT waited for.
 */
static bool
HashConflict(PrPlan *exists_plan, PrPlan *other_plan, Datum *values,
			 const char *nulls)
{
	if (PrExecLatest(exists_plan,
					 "SELECT 1 FROM " PR_SCHEMA ".hashes WHERE hash = $1",
					 1, bytea_only, values, NULL, 1) > 0)
		return true;
	if (PrExecLatest(other_plan,
					 "SELECT 1 FROM " PR_SCHEMA ".hashes "
					 "WHERE (" PR_SCHEMA ".text_digest(identifier) = " PR_SCHEMA ".text_digest($2)"
					 "       AND identifier = $2) "
					 "   OR (" PR_SCHEMA ".text_digest(motion_identifier) = " PR_SCHEMA ".text_digest($2)"
					 "       AND motion_identifier = $2) "
					 "   OR (" PR_SCHEMA ".text_digest(identifier) = " PR_SCHEMA ".text_digest($3)"
					 "       AND identifier = $3) "
					 "   OR (" PR_SCHEMA ".text_digest(motion_identifier) = " PR_SCHEMA ".text_digest($3)"
					 "       AND motion_identifier = $3)",
					 3, bytea_text_text, values, nulls, 1) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("identifier belongs to another hash"),
				 errdetail("The identifier \"%s\" is the original or motion file of another hash.",
						   TextDatumGetCString(values[1]))));
	return false;
}

/*
 * Store a new hash with its original file (and motion file).  False if the
 * hash exists; 23505 if one of its files is in use by another hash or
 * variant.
 *
 * The INSERT does nothing on any conflict: of the hash, or of the unique
 * index of an identifier (ON CONFLICT (hash) would let a concurrent insert
 * of the same identifier raise unique_violation instead of answering).
 * HashConflict then tells which one it was.
 */
PG_FUNCTION_INFO_V1(pict_repo_create_hash);
Datum
pict_repo_create_hash(PG_FUNCTION_ARGS)
{
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	text	   *identifier;
	text	   *motion;
	bool		created = false;
	bool		exists = false;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	identifier = PrTextArg(fcinfo, 1, "identifier", 1, PR_LONG_MAX);
	values[1] = PointerGetDatum(identifier);
	motion = PrTextArgOpt(fcinfo, 2, "motion_identifier", 1, PR_LONG_MAX);
	values[2] = PointerGetDatum(motion);
	if (motion == NULL)
		nulls[2] = 'n';
	PrRequireArg(fcinfo, 3, "created_at");
	values[3] = PG_GETARG_DATUM(3);

	PrConnect();
	for (int tries = 0; tries < PR_INGEST_TRIES && !created && !exists; tries++)
	{
		if (PrExec(&create_hash_plan,
				   "INSERT INTO " PR_SCHEMA ".hashes "
				   "(hash, identifier, motion_identifier, created_at) "
				   "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
				   4, create_hash_types, values, nulls, false, 0, SPI_OK_INSERT) > 0)
			created = true;
		else
			exists = HashConflict(&create_exists_plan, &create_other_plan,
								  values, nulls);
	}
	if (!created && !exists)
		RaiseDeletedConcurrently();
	if (created)
		ClaimHashFiles(identifier, motion);
	PrFinish();
	PG_RETURN_BOOL(created);
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
	Datum		hash_values[3];
	static const char ingest_nulls[3] = {' ', ' ', 'n'};
	Datum		details_values[2];
	PrUpload	upload;
	Datum		out[4];
	bool		out_nulls[4] = {false, false, false, false};
	bool		created = false;
	bool		found = false;

	PrRequireWritable();

	hash = PrHashArg(fcinfo, 0, "hash");
	identifier = PrTextArg(fcinfo, 1, "identifier", 1, PR_LONG_MAX);
	PrRequireArg(fcinfo, 2, "details");
	ext = ExtensionArg(fcinfo, 3);
	declared_alias = PrTextArgOpt(fcinfo, 4, "declared_alias", 1, PR_NAME_MAX);
	declared_token = PrTextArgOpt(fcinfo, 5, "declared_token", 1, PR_NAME_MAX);
	PrUploadInit(&upload);
	PrUploadMetaArgs(fcinfo, 6, &upload);

	PrMaterialize(fcinfo);

	hash_values[0] = PointerGetDatum(hash);
	hash_values[1] = PointerGetDatum(identifier);
	hash_values[2] = (Datum) 0;

	PrConnect();

	/*
	 * Insert the hash, or find and key-share lock the existing one so that a
	 * concurrent cleanup_hash cannot delete it before our alias points at
	 * it.  The INSERT does nothing on any conflict, of the hash or of an
	 * identifier (a concurrent ingest of the same new hash waits in it and
	 * then conflicts with the row it committed).  Should the row it
	 * conflicted with be gone by the next statement (a concurrent
	 * cleanup_hash), try again: the hash is new now.
	 */
	for (int tries = 0; tries < PR_INGEST_TRIES && !found; tries++)
	{
		if (PrExec(&ingest_insert_plan,
				   "INSERT INTO " PR_SCHEMA ".hashes (hash, identifier) "
				   "VALUES ($1, $2) ON CONFLICT DO NOTHING "
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
		else
			(void) HashConflict(&ingest_exists_plan, &ingest_other_plan,
								hash_values, ingest_nulls);
	}
	if (!found)
		RaiseDeletedConcurrently();
	out[2] = PrCopyResult(0, 1, &out_nulls[2]);
	out[3] = BoolGetDatum(created);

	if (created)
	{
		/* The original is ours alone; then its details. */
		ClaimHashFiles(identifier, NULL);
		details_values[0] = PointerGetDatum(identifier);
		details_values[1] = PG_GETARG_DATUM(2);
		PrExec(&ingest_details_plan,
			   "INSERT INTO " PR_SCHEMA ".details (identifier, details) "
			   "VALUES ($1, $2) "
			   "ON CONFLICT (identifier_digest) DO UPDATE SET details = EXCLUDED.details",
			   2, text_jsonb, details_values, NULL, false, 0, SPI_OK_INSERT);
	}
	else if (!DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID, out[2],
													  PointerGetDatum(identifier))))
	{
		/*
		 * The caller will delete the file it "just stored" at identifier:
		 * refuse if that file is in use (another hash's original or motion
		 * file, a variant).
		 */
		PrLockIdentifier(identifier);
		if (PrIdentifierUses(identifier) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("identifier belongs to another hash"),
					 errdetail("The identifier \"%s\" is in use by another original, motion file or variant.",
							   text_to_cstring(identifier)),
					 errhint("Store each file under an identifier of its own.")));
	}

	/*
	 * The alias, with the upload's metadata (media.c): declared or
	 * <uuid>.<extension>; a taken one is an error.
	 */
	upload.alias = declared_alias;
	upload.hash = hash;
	upload.token = declared_token;
	upload.extension = ext;
	upload.details = created ? PG_GETARG_JSONB_P(2) : NULL;
	if (PrMediaInsertUpload(&upload) == 0)
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
	Datum		updated;

	PrRequireWritable();
	updated = SetHashText(fcinfo, &update_identifier_plan,
						  "UPDATE " PR_SCHEMA ".hashes SET identifier = $2 WHERE hash = $1",
						  "identifier", true);

	/* The aliases' copies of the original's details (media.c). */
	if (DatumGetBool(updated))
	{
		PrConnect();
		PrMediaRefresh(PointerGetDatum(PG_GETARG_BYTEA_PP(0)));
		PrFinish();
	}
	return updated;
}

/*
 * Store the motion file of a hash (an animation's still-free version).
 * False if the hash is unknown; 23505 if another hash holds the identifier.
 */
PG_FUNCTION_INFO_V1(pict_repo_relate_motion_identifier);
Datum
pict_repo_relate_motion_identifier(PG_FUNCTION_ARGS)
{
	PrRequireWritable();

	return SetHashText(fcinfo, &relate_motion_plan,
					   "UPDATE " PR_SCHEMA ".hashes SET motion_identifier = $2 "
					   "WHERE hash = $1",
					   "motion_identifier", true);
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
	PrRequireWritable();

	return SetHashText(fcinfo, &relate_blurhash_plan,
					   "UPDATE " PR_SCHEMA ".hashes SET blurhash = $2 WHERE hash = $1",
					   "blurhash", false);
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
 * Return a page of hashes, newest first by (created_at, hash), strictly after
 * the key (after_created, after_hash), or from the newest when both are NULL.
 * A keyset walk of hashes_created_at_hash_idx backwards: no OFFSET, rows with
 * the same created_at are told apart by the hash, and the key row itself
 * need not exist any more.
 *
 * Planned by PrReturnOrderedRows with only ordered index scans: the planner
 * estimates (created_at, hash) < (x, y) from created_at < x alone, so where
 * many rows share one created_at it underestimates the rows and may choose a
 * bitmap scan or a sequential scan plus a sort (it does on small tables),
 * which reads every earlier row of the group for each page.
 */
PG_FUNCTION_INFO_V1(pict_repo_hash_page);
Datum
pict_repo_hash_page(PG_FUNCTION_ARGS)
{
	Datum		values[3];
	bytea	   *after_hash;

	values[0] = Int32GetDatum(PrIntArg(fcinfo, 0, "lim", 1, PR_LIM_MAX));
	after_hash = PrHashArgOpt(fcinfo, 2, "after_hash");
	if (PG_ARGISNULL(1) != (after_hash == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("after_created and after_hash must be given together"),
				 errhint("Pass the created_at and hash of the last row of the previous page, or neither for the first page.")));

	if (after_hash == NULL)
		return PrReturnOrderedRows(fcinfo, &page_first_plan,
								   "SELECT hash, created_at FROM " PR_SCHEMA ".hashes "
								   "ORDER BY created_at DESC, hash DESC LIMIT $1",
								   1, int4_only, values, NULL);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = PointerGetDatum(after_hash);
	return PrReturnOrderedRows(fcinfo, &page_after_plan,
							   "SELECT hash, created_at FROM " PR_SCHEMA ".hashes "
							   "WHERE (created_at, hash) < ($2, $3) "
							   "ORDER BY created_at DESC, hash DESC LIMIT $1",
							   3, page_after_types, values, NULL);
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

	PrRequireArg(fcinfo, 0, "before");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = Int32GetDatum(PrIntArg(fcinfo, 1, "lim", 1, PR_LIM_MAX));

	return PrReturnOrderedRows(fcinfo, &page_by_date_plan,
							   "SELECT hash, created_at FROM " PR_SCHEMA ".hashes "
							   "WHERE created_at < $1 "
							   "ORDER BY created_at DESC, hash DESC LIMIT $2",
							   2, timestamptz_int4, values, NULL);
}

/*
 * Hand back the files a removal took out of their slots: lock every one (in
 * one order for every caller), keep those another slot still holds, and
 * put the others, in the order given, into the result (PrReleaseIdentifier
 * deletes their details).  Must be called inside an SPI connection, with
 * ids copied out of the SPI result they came from.
 */
void
PrHandBackFiles(FunctionCallInfo fcinfo, text **ids, int n)
{
	text	  **sorted = palloc(sizeof(text *) * Max(n, 1));

	memcpy(sorted, ids, sizeof(text *) * n);
	qsort_arg(sorted, n, sizeof(text *), CompareTexts, NULL);
	for (int i = 0; i < n; i++)
		PrLockIdentifier(sorted[i]);
	for (int i = 0; i < n; i++)
	{
		/* (identifier, store): NULL, pict-rs's own store (cleanup_hash, 1.3) */
		Datum		row[2] = {PointerGetDatum(ids[i]), (Datum) 0};
		bool		nulls[2] = {false, true};

		if (PrReleaseIdentifier(ids[i]))
			PrPutRow(fcinfo, row, nulls);
	}
	pfree(sorted);
}

/*
 * Delete a hash with its variants, their details and variant locks, and
 * return every identifier the caller must now delete from storage: the
 * original, the motion file if any, then each variant in variant order
 * (store NULL: pict-rs's store; a file another row still refers to, a
 * sharing made before 1.3, is kept with its details and not returned),
 * then the copies in the storage tiers with the name of their store (see
 * stores.c).
 *
 * If aliases still point at the hash this fails with 55006, unless force,
 * which deletes them (and, by cascade, their proxies) too.  Unknown hash:
 * no rows.
 *
 * The hash row is locked FOR UPDATE first.  Whoever is adding an alias or a
 * variant to it holds a KEY SHARE lock through the foreign key, so we wait
 * for them, and the alias count, taken with the latest snapshot, sees their
 * row also under REPEATABLE READ; whoever comes after us waits for us and
 * then finds the hash gone.  Under REPEATABLE READ, force cannot delete an
 * alias committed after the transaction's snapshot: that is a serialization
 * failure (40001), the caller retries.
 */
PG_FUNCTION_INFO_V1(pict_repo_cleanup_hash);
Datum
pict_repo_cleanup_hash(PG_FUNCTION_ARGS)
{
	Datum		values[1];
	bool		force;
	bool		isnull;
	int64		aliases;
	int			n;
	text	  **ids;
	PrCopyFiles *copies;

	PrRequireWritable();

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

	if (force)
		PrMediaDeleteAliasesOfHash(values[0]);	/* and their totals */
	PrExecLatest(&cleanup_count_plan,
				 "SELECT pg_catalog.count(*) FROM " PR_SCHEMA ".aliases WHERE hash = $1",
				 1, bytea_only, values, NULL, 0);
	aliases = DatumGetInt64(PrGetDatum(0, 1, &isnull));
	if (aliases > 0 && force)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to an alias added concurrently"),
				 errdetail("An alias of the hash was committed after this transaction's snapshot."),
				 errhint("Retry the transaction.")));
	if (aliases > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("hash still has " INT64_FORMAT " aliases", aliases),
				 errdetail("Aliases still point at the hash, so its files are in use."),
				 errhint("Delete the aliases first, or pass force => true to delete them with the hash.")));

	/* The copies in the storage tiers first: they reference the hash. */
	copies = PrDeleteCopies(values[0]);

	/*
	 * One statement for the rows.  The foreign keys are checked at its end,
	 * when the variants and locks are gone too.
	 */
	n = PrExec(&cleanup_delete_plan,
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
			   "      SELECT 2, variant, identifier FROM v) "
			   "SELECT identifier FROM ids ORDER BY ord, variant",
			   1, bytea_only, values, NULL, false, 0, SPI_OK_SELECT);
	ids = palloc(sizeof(text *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		ids[i] = DatumGetTextPCopy(PrGetDatum(i, 1, &isnull));
	PrHandBackFiles(fcinfo, ids, n);
	PrPutCopyFiles(fcinfo, copies);
	PrFinish();
	return (Datum) 0;
}
