/*-------------------------------------------------------------------------
 *
 * migrate.c
 *		Store migration: which identifiers were moved to a new store, and
 *		rewriting every reference to a moved identifier at once.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "media.h"
#include "pict_repo.h"
#include "utils/builtins.h"

static PrPlan mark_plan;
static PrPlan is_migrated_plan;
static PrPlan continuing_plan;
static PrPlan clear_plan;
static PrPlan migrate_hash_plan;
static PrPlan migrate_motion_plan;
static PrPlan migrate_variant_plan;
static PrPlan migrate_details_plan;

static const Oid text_text[] = {TEXTOID, TEXTOID};
static const Oid text_only[] = {TEXTOID};

#define MARK_SQL \
	"INSERT INTO " PR_SCHEMA ".store_migrations (old_identifier, new_identifier) " \
	"VALUES ($1, $2) ON CONFLICT DO NOTHING"

/* Read the old and new identifier arguments, which must differ. */
static inline void
GetIdentifierPair(FunctionCallInfo fcinfo, Datum *values)
{
	text	   *old_id = PrTextArg(fcinfo, 0, "old", 1, PR_LONG_MAX);
	text	   *new_id = PrTextArg(fcinfo, 1, "new", 1, PR_LONG_MAX);

	if (VARSIZE_ANY_EXHDR(old_id) == VARSIZE_ANY_EXHDR(new_id) &&
		memcmp(VARDATA_ANY(old_id), VARDATA_ANY(new_id), VARSIZE_ANY_EXHDR(old_id)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("new must differ from old")));
	values[0] = PointerGetDatum(old_id);
	values[1] = PointerGetDatum(new_id);
}

/* Return whether a read-only query finds a row. */
static bool
RowExists(PrPlan *plan, const char *sql, int nargs, const Oid *argtypes,
		  Datum *values)
{
	int			n;

	PrConnect();
	n = PrExec(plan, sql, nargs, argtypes, values, NULL, true, 1, SPI_OK_SELECT);
	PrFinish();
	return n > 0;
}

/*
 * Record that old was migrated to new.  False if old is already recorded or
 * new is already the target of another identifier.
 */
PG_FUNCTION_INFO_V1(pict_repo_mark_migrated);
Datum
pict_repo_mark_migrated(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	int			n;

	PrRequireWritable();

	GetIdentifierPair(fcinfo, values);
	n = PrRun(&mark_plan, MARK_SQL, 2, text_text, values, NULL, SPI_OK_INSERT);
	PG_RETURN_BOOL(n > 0);
}

/* Return whether old was migrated. */
PG_FUNCTION_INFO_V1(pict_repo_is_migrated);
Datum
pict_repo_is_migrated(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "old", 1, PR_LONG_MAX));
	PG_RETURN_BOOL(RowExists(&is_migrated_plan,
							 "SELECT 1 FROM " PR_SCHEMA ".store_migrations "
							 "WHERE old_digest = " PR_SCHEMA ".text_digest($1) "
							 "AND old_identifier = $1",
							 1, text_only, values));
}

/* Return whether a migration was started and not cleared. */
PG_FUNCTION_INFO_V1(pict_repo_is_continuing_migration);
Datum
pict_repo_is_continuing_migration(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(RowExists(&continuing_plan,
							 "SELECT 1 FROM " PR_SCHEMA ".store_migrations LIMIT 1",
							 0, NULL, NULL));
}

/* Forget every recorded migration; returns how many there were. */
PG_FUNCTION_INFO_V1(pict_repo_clear_migrations);
Datum
pict_repo_clear_migrations(PG_FUNCTION_ARGS)
{
	int			n;

	PrRequireWritable();

	n = PrRun(&clear_plan, "DELETE FROM " PR_SCHEMA ".store_migrations",
			  0, NULL, NULL, NULL, SPI_OK_DELETE);
	PG_RETURN_INT64((int64) n);
}

/*
 * Rewrite every reference to old (original, motion and variant files, and
 * details) to new, and record the migration, in one transaction.  Returns the
 * number of rows changed.  If new already has details, old's replace them.
 * 23505 if new is the file of a slot that did not hold old (another
 * original, motion file or variant).
 */
PG_FUNCTION_INFO_V1(pict_repo_migrate_identifier);
Datum
pict_repo_migrate_identifier(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	int			slots = 0;
	int			n;

	PrRequireWritable();

	GetIdentifierPair(fcinfo, values);
	PrConnect();
	slots += PrExec(&migrate_hash_plan,
					"UPDATE " PR_SCHEMA ".hashes SET identifier = $2 "
					"WHERE " PR_SCHEMA ".text_digest(identifier) = " PR_SCHEMA ".text_digest($1) "
					"AND identifier = $1",
					2, text_text, values, NULL, false, 0, SPI_OK_UPDATE);
	slots += PrExec(&migrate_motion_plan,
					"UPDATE " PR_SCHEMA ".hashes SET motion_identifier = $2 "
					"WHERE " PR_SCHEMA ".text_digest(motion_identifier) = " PR_SCHEMA ".text_digest($1) "
					"AND motion_identifier = $1",
					2, text_text, values, NULL, false, 0, SPI_OK_UPDATE);
	slots += PrExec(&migrate_variant_plan,
					"UPDATE " PR_SCHEMA ".variants SET identifier = $2 "
					"WHERE " PR_SCHEMA ".text_digest(identifier) = " PR_SCHEMA ".text_digest($1) "
					"AND identifier = $1",
					2, text_text, values, NULL, false, 0, SPI_OK_UPDATE);
	/* new may be in no slot but the ones that held old. */
	if (slots > 0)
		PrClaimIdentifier((text *) DatumGetPointer(values[1]), slots, "new");
	n = slots;
	n += PrExec(&migrate_details_plan,
				"WITH moved AS (DELETE FROM " PR_SCHEMA ".details "
				"               WHERE identifier_digest = " PR_SCHEMA ".text_digest($1) "
				"               AND identifier = $1 RETURNING details) "
				"INSERT INTO " PR_SCHEMA ".details (identifier, details) "
				"SELECT $2, details FROM moved "
				"ON CONFLICT (identifier_digest) DO UPDATE SET details = EXCLUDED.details",
				2, text_text, values, NULL, false, 0, SPI_OK_INSERT);
	PrExec(&mark_plan, MARK_SQL, 2, text_text, values, NULL, false, 0,
		   SPI_OK_INSERT);
	/* The copies on the aliases of the hash whose original is new now (media.c). */
	{
		Datum		hash;

		if (PrMediaLockOriginal(values[1], &hash))
			PrMediaRefresh(hash);
	}
	PrFinish();
	PG_RETURN_INT32(n);
}
