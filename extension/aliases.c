/*-------------------------------------------------------------------------
 *
 * aliases.c
 *		Aliases of a hash (the names media are served under), their delete
 *		tokens, and the proxied URLs that point at an alias.
 *
 * Locking order (cleanup_hash and ingest must keep it too): a hash row
 * first, then the rows that reference it.  Adding an alias holds a KEY SHARE lock on its hash
 * row (taken explicitly here and again by the foreign key); deleting one
 * takes FOR UPDATE on the hash row, so the deletions of one hash's aliases
 * run one after the other and each sees the ones before it, and a deletion
 * waits for an alias being added to the same hash.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "media.h"
#include "pict_repo.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

static PrPlan create_check_plan;
static PrPlan alias_hash_plan;
static PrPlan alias_token_plan;
static PrPlan aliases_for_hash_plan;
static PrPlan lock_find_plan;
static PrPlan lock_hash_update_plan;
static PrPlan lock_hash_share_plan;
static PrPlan lock_alias_plan;
static PrPlan delete_remaining_plan;
static PrPlan relate_check_plan;
static PrPlan relate_plan;
static PrPlan related_plan;
static PrPlan remove_relation_plan;

static const Oid text_only[] = {TEXTOID};
static const Oid bytea_only[] = {BYTEAOID};
static const Oid text_text[] = {TEXTOID, TEXTOID};

/*
 * Return whether two tokens are equal, in time that depends only on their
 * lengths: every byte of the longer one is compared and the differences are
 * accumulated, so the position of the first difference does not leak.
 */
static inline bool
TokensEqual(text *given, text *stored)
{
	const unsigned char *a = (const unsigned char *) VARDATA_ANY(given);
	const unsigned char *b = (const unsigned char *) VARDATA_ANY(stored);
	int			alen = VARSIZE_ANY_EXHDR(given);
	int			blen = VARSIZE_ANY_EXHDR(stored);
	int			n = Max(alen, blen);
	volatile unsigned int diff = (alen != blen);

	for (int i = 0; i < n; i++)
	{
		unsigned int x = i < alen ? a[i] : 0;
		unsigned int y = i < blen ? b[i] : 0;

		diff |= x ^ y;
	}
	return diff == 0;
}

/* Return whether two bytea values hold the same bytes. */
static inline bool
HashesEqual(bytea *a, bytea *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/*
 * Store an alias of a hash with its delete token (a new random UUID string
 * when none is given) and return the token.  NULL if the alias is taken;
 * 23503 if the hash does not exist.
 */
PG_FUNCTION_INFO_V1(pict_repo_create_alias_with_token);
Datum
pict_repo_create_alias_with_token(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	Datum		result = (Datum) 0;
	bool		isnull = true;
	int			n;
	PrUpload	upload;

	PrRequireWritable();

	PrUploadInit(&upload);
	upload.alias = PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX);
	upload.hash = PrHashArg(fcinfo, 1, "hash");
	upload.token = PrTextArgOpt(fcinfo, 2, "token", 1, PR_NAME_MAX);
	values[0] = PointerGetDatum(upload.alias);
	values[1] = PointerGetDatum(upload.hash);

	PrConnect();

	/*
	 * Lock the hash row the way the foreign key would, so that a concurrent
	 * cleanup_hash or delete_alias of the hash waits for this transaction,
	 * and so an unknown hash gets a plain message.  The foreign key stays
	 * the final guard.
	 */
	n = PrExec(&create_check_plan,
			   "SELECT 1 FROM " PR_SCHEMA ".hashes WHERE hash = $1 FOR KEY SHARE",
			   1, bytea_only, &values[1], NULL, false, 0, SPI_OK_SELECT);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("hash does not exist"),
				 errdetail("An alias can only be created for a stored hash.")));

	/* The alias with no metadata, and its totals (media.c). */
	if (PrMediaInsertUpload(&upload) > 0)
		result = PrCopyResult(0, 2, &isnull);
	PrFinish();
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* Return the hash of an alias, NULL if the alias does not exist. */
PG_FUNCTION_INFO_V1(pict_repo_alias_hash);
Datum
pict_repo_alias_hash(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX));

	return PrLookup(fcinfo, &alias_hash_plan,
					"SELECT hash FROM " PR_SCHEMA ".aliases WHERE alias = $1",
					1, text_only, values, NULL);
}

/* Return the delete token of an alias, NULL if the alias does not exist. */
PG_FUNCTION_INFO_V1(pict_repo_alias_token);
Datum
pict_repo_alias_token(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX));

	return PrLookup(fcinfo, &alias_token_plan,
					"SELECT token FROM " PR_SCHEMA ".aliases WHERE alias = $1",
					1, text_only, values, NULL);
}

/* Return the aliases of a hash in alias order. */
PG_FUNCTION_INFO_V1(pict_repo_aliases_for_hash);
Datum
pict_repo_aliases_for_hash(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));

	return PrReturnRows(fcinfo, &aliases_for_hash_plan,
						"SELECT alias FROM " PR_SCHEMA ".aliases WHERE hash = $1 ORDER BY alias",
						1, bytea_only, values, NULL);
}

/*
 * Return whether the hash still has an alias (0 or 1), as seen by the latest
 * snapshot.  In READ COMMITTED that is what a new statement would see
 * anyway; under REPEATABLE READ or SERIALIZABLE it also counts aliases that
 * other transactions added or deleted after this one's snapshot was taken,
 * as the foreign key checks do, so the answer is right in every isolation
 * level.  The caller holds the lock on the hash row, so every transaction
 * that changes the hash's aliases has either committed or not started.
 */
static int
CountRemaining(Datum hash)
{
	SPIPlanPtr	plan = PrPlanGet(&delete_remaining_plan,
								 "SELECT 1 FROM " PR_SCHEMA ".aliases "
								 "WHERE hash = $1 LIMIT 1",
								 1, bytea_only);
	int			rc;

	rc = SPI_execute_snapshot(plan, &hash, NULL, GetLatestSnapshot(),
							  InvalidSnapshot, false, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_snapshot returned %s while counting aliases",
			 SPI_result_code_string(rc));
	return (int) SPI_processed;
}

/*
 * Lock an alias for a change and check its token (media.h): the hash row
 * first, then the alias row, as the locking order at the top says.
 */
bytea *
PrLockAlias(Datum alias, bool hash_for_update, text *token)
{
	bytea	   *hash;
	bool		isnull;

	/* Which hash to lock. */
	if (PrExec(&lock_find_plan,
			   "SELECT hash FROM " PR_SCHEMA ".aliases WHERE alias = $1",
			   1, text_only, &alias, NULL, false, 0, SPI_OK_SELECT) == 0)
		return NULL;
	hash = DatumGetByteaPCopy(PrGetDatum(0, 1, &isnull));

	for (;;)
	{
		Datum		hash_value = PointerGetDatum(hash);
		bytea	   *current;

		if (hash_for_update)
			PrExec(&lock_hash_update_plan,
				   "SELECT 1 FROM " PR_SCHEMA ".hashes WHERE hash = $1 FOR UPDATE",
				   1, bytea_only, &hash_value, NULL, false, 0, SPI_OK_SELECT);
		else
			PrExec(&lock_hash_share_plan,
				   "SELECT 1 FROM " PR_SCHEMA ".hashes WHERE hash = $1 FOR KEY SHARE",
				   1, bytea_only, &hash_value, NULL, false, 0, SPI_OK_SELECT);

		/* The alias may have gone (or changed hands) while we waited. */
		if (PrExec(&lock_alias_plan,
				   "SELECT hash, token FROM " PR_SCHEMA ".aliases "
				   "WHERE alias = $1 FOR UPDATE",
				   1, text_only, &alias, NULL, false, 0, SPI_OK_SELECT) == 0)
			return NULL;
		current = DatumGetByteaPP(PrGetDatum(0, 1, &isnull));
		if (HashesEqual(current, hash))
			break;
		/* Deleted and created again for another hash: lock that one. */
		hash = DatumGetByteaPCopy(PointerGetDatum(current));
	}

	if (token != NULL &&
		!TokensEqual(token, DatumGetTextPP(PrGetDatum(0, 2, &isnull))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("invalid delete token for alias")));
	return hash;
}

/*
 * Delete an alias (and, by the foreign key's cascade, its proxies) and add
 * the row (hash, orphaned) to the result, orphaned saying that no alias of
 * the hash is left.  With a token, it must match the alias's token (28000
 * otherwise, nothing deleted).  An alias that does not exist adds no row.
 *
 * Two sessions deleting the last two aliases of a hash must not both see
 * the other alias still there, or nobody would clean the hash up.  So the
 * hash row is locked FOR UPDATE before the alias is checked and deleted,
 * which queues the deletions of one hash (and waits for aliases being added
 * to it, which hold a KEY SHARE lock), and the remaining aliases are counted
 * with the latest snapshot (CountRemaining), so they include every
 * deletion and insertion committed before the lock was granted.
 */
static void
DeleteAlias(FunctionCallInfo fcinfo, text *alias, text *token)
{
	Datum		values[1];
	Datum		result[2];
	bool		result_nulls[2] = {false, false};
	bytea	   *hash;
	int			n;

	values[0] = PointerGetDatum(alias);

	PrMaterialize(fcinfo);
	PrConnect();
	hash = PrLockAlias(values[0], true, token);
	if (hash == NULL)
	{
		PrFinish();
		return;
	}

	PrMediaDeleteAlias(values[0]);	/* and its totals */

	result[0] = PointerGetDatum(hash);
	n = CountRemaining(result[0]);
	result[1] = BoolGetDatum(n == 0);

	/* The tuplestore copies the row, so hash may live in SPI memory. */
	PrPutRow(fcinfo, result, result_nulls);
	PrFinish();
}

/*
 * Delete an alias if the token matches; returns (hash, orphaned), no row for
 * an unknown alias, 28000 for a wrong token.
 */
PG_FUNCTION_INFO_V1(pict_repo_delete_alias);
Datum
pict_repo_delete_alias(PG_FUNCTION_ARGS)
{
	text	   *alias;
	text	   *token;

	PrRequireWritable();
	alias = PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX);
	token = PrTextArg(fcinfo, 1, "token", 1, PR_NAME_MAX);

	DeleteAlias(fcinfo, alias, token);
	return (Datum) 0;
}

/* Delete an alias without checking its token; returns (hash, orphaned). */
PG_FUNCTION_INFO_V1(pict_repo_cleanup_alias);
Datum
pict_repo_cleanup_alias(PG_FUNCTION_ARGS)
{
	text	   *alias;

	PrRequireWritable();
	alias = PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX);

	DeleteAlias(fcinfo, alias, NULL);
	return (Datum) 0;
}

/*
 * Record that a proxied URL is served under an alias.  False if the URL is
 * already related; 23503 if the alias does not exist.
 */
PG_FUNCTION_INFO_V1(pict_repo_relate_url);
Datum
pict_repo_relate_url(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	int			n;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "url", 1, PR_LONG_MAX));
	values[1] = PointerGetDatum(PrTextArg(fcinfo, 1, "alias", 1, PR_NAME_MAX));

	PrConnect();
	/* As in create_alias_with_token: the foreign key's lock, taken first. */
	n = PrExec(&relate_check_plan,
			   "SELECT 1 FROM " PR_SCHEMA ".aliases WHERE alias = $1 FOR KEY SHARE",
			   1, text_only, &values[1], NULL, false, 0, SPI_OK_SELECT);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("alias \"%s\" does not exist",
						text_to_cstring(DatumGetTextPP(values[1])))));
	n = PrExec(&relate_plan,
			   "INSERT INTO " PR_SCHEMA ".proxies (url, alias) VALUES ($1, $2) "
			   "ON CONFLICT (url_digest) DO NOTHING",
			   2, text_text, values, NULL, false, 0, SPI_OK_INSERT);
	PrFinish();
	PG_RETURN_BOOL(n > 0);
}

/* Return the alias a proxied URL is served under, NULL if none. */
PG_FUNCTION_INFO_V1(pict_repo_related);
Datum
pict_repo_related(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "url", 1, PR_LONG_MAX));

	return PrLookup(fcinfo, &related_plan,
					"SELECT alias FROM " PR_SCHEMA ".proxies "
					"WHERE url_digest = " PR_SCHEMA ".text_digest($1) AND url = $1",
					1, text_only, values, NULL);
}

/* Forget every proxied URL of an alias; false if it had none. */
PG_FUNCTION_INFO_V1(pict_repo_remove_relation);
Datum
pict_repo_remove_relation(PG_FUNCTION_ARGS)
{
	Datum		values[1];
	int			n;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX));

	n = PrRun(&remove_relation_plan,
			  "DELETE FROM " PR_SCHEMA ".proxies WHERE alias = $1",
			  1, text_only, values, NULL, SPI_OK_DELETE);
	PG_RETURN_BOOL(n > 0);
}
