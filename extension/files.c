/*-------------------------------------------------------------------------
 *
 * files.c
 *		Files in use: one stored file is referred to by one row of
 *		pict_repo, so that a file handed back for deletion is never still in
 *		use.
 *
 * An identifier names a stored file.  It may sit in three places (slots):
 * the original of a hash (hashes.identifier), the motion file of a hash
 * (hashes.motion_identifier) and the file of a variant
 * (variants.identifier).  Each write that puts an identifier into a slot
 * checks, once its row is written, that no other slot holds it, and fails
 * with 23505 otherwise; each removal that hands identifiers back for
 * deletion (cleanup_hash, remove_variant) hands back only those no slot
 * holds any more, and keeps the details of the others.  Rows shared before
 * 1.3 (when only originals were compared with each other) are therefore
 * never deleted from under the other row.
 *
 * Both sides first take a transaction lock on the identifier, so two
 * transactions putting one identifier into two slots, or one putting it in
 * while another hands it back, take turns.  They take it after writing
 * their rows (a writer) or after deleting them (a removal), in the order
 * rows, then identifier locks, then details: every function does its row
 * work first, so no two of them can wait for each other in opposite
 * orders.  The check then reads with the latest snapshot, so it sees every
 * committed row whatever the caller's isolation level.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "pict_repo.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

/*
 * The identifier locks are advisory locks of the database, told apart from
 * the ones applications take with pg_advisory_xact_lock() by the last field
 * of the lock tag: those use 1 (one bigint key) or 2 (two int keys); this
 * module uses PR_IDENTIFIER_LOCK_SPACE, so it never waits for an
 * application's lock nor an application for its.  In pg_locks they are
 * advisory locks with objsubid 3.
 */
#define PR_IDENTIFIER_LOCK_SPACE 3

static PrPlan uses_plan;
static PrPlan details_plan;

static const Oid text_only[] = {TEXTOID};

/* Take the transaction lock of an identifier (exclusive, held to commit). */
void
PrLockIdentifier(text *identifier)
{
	bytea	   *digest;
	const unsigned char *d;
	LOCKTAG		tag;

	digest = DatumGetByteaPP(DirectFunctionCall1(sha256_bytea,
												 PointerGetDatum(identifier)));
	d = (const unsigned char *) VARDATA_ANY(digest);
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId,
						 ((uint32) d[0] << 24) | ((uint32) d[1] << 16) |
						 ((uint32) d[2] << 8) | d[3],
						 ((uint32) d[4] << 24) | ((uint32) d[5] << 16) |
						 ((uint32) d[6] << 8) | d[7],
						 PR_IDENTIFIER_LOCK_SPACE);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * Return how many slots (originals, motion files, variant files) hold the
 * identifier, as the latest snapshot sees them: every committed row and
 * this transaction's own.  Must be called inside an SPI connection.
 */
int64
PrIdentifierUses(text *identifier)
{
	Datum		values[1];
	bool		isnull;

	values[0] = PointerGetDatum(identifier);
	if (PrExecLatest(&uses_plan,
					 "SELECT (SELECT pg_catalog.count(*) FROM " PR_SCHEMA ".hashes "
					 "        WHERE " PR_SCHEMA ".text_digest(identifier) = "
					 "              " PR_SCHEMA ".text_digest($1) AND identifier = $1) "
					 "     + (SELECT pg_catalog.count(*) FROM " PR_SCHEMA ".hashes "
					 "        WHERE " PR_SCHEMA ".text_digest(motion_identifier) = "
					 "              " PR_SCHEMA ".text_digest($1) AND motion_identifier = $1) "
					 "     + (SELECT pg_catalog.count(*) FROM " PR_SCHEMA ".variants "
					 "        WHERE " PR_SCHEMA ".text_digest(identifier) = "
					 "              " PR_SCHEMA ".text_digest($1) AND identifier = $1)",
					 1, text_only, values, NULL, 1) != 1)
		elog(ERROR, "counting the uses of an identifier returned no row");
	return DatumGetInt64(PrGetDatum(0, 1, &isnull));
}

/*
 * Lock an identifier that this call has just put into `written` slots, and
 * fail with 23505 naming argument `name` if other slots hold it too.
 */
void
PrClaimIdentifier(text *identifier, int written, const char *name)
{
	int64		uses;

	PrLockIdentifier(identifier);
	uses = PrIdentifierUses(identifier);
	if (uses > written)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("%s is already in use", name),
				 errdetail("Another original, motion file or variant refers to the file \"%s\".",
						   text_to_cstring(identifier)),
				 errhint("Store each file under an identifier of its own.")));
}

/*
 * Lock an identifier that this call has just removed from its slot.  If no
 * slot holds it any more, delete its details and return true: the caller
 * hands the file back for deletion.  Otherwise keep both and return false.
 */
bool
PrReleaseIdentifier(text *identifier)
{
	Datum		values[1];

	PrLockIdentifier(identifier);
	if (PrIdentifierUses(identifier) > 0)
		return false;
	values[0] = PointerGetDatum(identifier);
	PrExec(&details_plan,
		   "DELETE FROM " PR_SCHEMA ".details "
		   "WHERE identifier_digest = " PR_SCHEMA ".text_digest($1) AND identifier = $1",
		   1, text_only, values, NULL, false, 0, SPI_OK_DELETE);
	return true;
}
