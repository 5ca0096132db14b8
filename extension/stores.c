/*-------------------------------------------------------------------------
 *
 * stores.c
 *		Storage tiers: the stores that hold files, the copies of each hash
 *		they hold, the totals per store and form, and the removal of copies
 *		that never loses the last original of a hash.
 *
 * A store is a directory ('file') or a bucket or prefix ('object',
 * 'archive') with a priority: 0 is the active tier, larger numbers are less
 * accessible.  A copy is one file of a hash in one store, in one form
 * ('original' or a derived form such as webp-1920x1440).  pict-rs's own
 * files (hashes.identifier, motion and variant files) are not copies: they
 * live in pict-rs's store, which is not registered here, and nothing in
 * this file reads or changes them.
 *
 * The rule: a hash keeps at least one copy of form 'original' for as long
 * as it has copies at all.  remove_copy refuses the last one (55000).  Two
 * removers of the last two originals are queued by a lock on the hash row
 * (FOR NO KEY UPDATE: adding a copy takes only KEY SHARE through the
 * foreign key and never waits for it), and the remaining originals are
 * counted with the latest snapshot, so the second remover sees the first
 * one's deletion in every isolation level.  move_copy never lowers the
 * number of originals (it inserts the target before it deletes the
 * source, in one transaction), so it takes no such lock.
 *
 * Totals: every change of copies adds its difference to store_totals in
 * the same transaction (AddTotals), in the row of (store, form, shard)
 * where the shard is the backend's proc array slot modulo 128 (as for
 * queue_stats), so that concurrent writers never wait on each other's
 * totals.  storage_report() and stores() sum the shards: exact for their
 * snapshot, since every total commits with the copy it counts, and no scan
 * of copies.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "pict_repo.h"
#include "queue.h"
#include "storage/itemptr.h"
#include "utils/builtins.h"

/* Store names and form names: 1 to this many characters. */

/* The totals rows a transaction remembers the place of (see AddTotals). */
#define PR_TOTALS_CACHE 8

/* The copy of the arguments (hash, store id, form). */
#define COPY_KEY "store_id = $2 AND hash = $1 AND form = $3"

static PrPlan create_other_plan;
static PrPlan create_plan;
static PrPlan stores_plan;
static PrPlan drop_lock_plan;
static PrPlan drop_used_plan;
static PrPlan drop_plan;
static PrPlan store_id_plan;
static PrPlan store_share_plan;
static PrPlan hash_share_plan;
static PrPlan hash_lock_plan;
static PrPlan copy_exists_plan;
static PrPlan identifier_taken_plan;
static PrPlan add_plan;
static PrPlan copies_plan;
static PrPlan best_plan;
static PrPlan remove_plan;
static PrPlan originals_plan;
static PrPlan move_source_plan;
static PrPlan move_delete_plan;
static PrPlan page_plan;
static PrPlan page_after_plan;
static PrPlan page_form_plan;
static PrPlan page_form_after_plan;
static PrPlan report_plan;
static PrPlan cleanup_plan;
static PrPlan totals_tid_plan;
static PrPlan totals_upsert_plan;

static const Oid text_only[] = {TEXTOID};
static const Oid int4_only[] = {INT4OID};
static const Oid bytea_only[] = {BYTEAOID};
static const Oid text_text[] = {TEXTOID, TEXTOID};
static const Oid bytea_text[] = {BYTEAOID, TEXTOID};
static const Oid create_types[] = {TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTOID};
static const Oid key_types[] = {BYTEAOID, INT4OID, TEXTOID};
static const Oid key_id_types[] = {BYTEAOID, INT4OID, TEXTOID, TEXTOID};
static const Oid add_types[] = {BYTEAOID, INT4OID, TEXTOID, TEXTOID, INT8OID};
static const Oid totals_types[] = {INT4OID, TEXTOID, INT2OID, INT8OID, INT8OID, TIDOID};
static const Oid page_types[] = {INT4OID, INT4OID};
static const Oid page_after_types[] = {INT4OID, INT4OID, BYTEAOID, TEXTOID};
static const Oid page_form_types[] = {INT4OID, INT4OID, TEXTOID};
static const Oid page_form_after_types[] = {INT4OID, INT4OID, TEXTOID, BYTEAOID, TEXTOID};

/*
 * Where this transaction last wrote each of a few totals rows (its own
 * shard's, so nobody else writes them meanwhile).  Plain static memory:
 * fixed size, reset when the transaction changes.
 */
typedef struct TotalsPlace
{
	int32		store_id;
	char		form[PR_STORE_NAME_MAX * MAX_MULTIBYTE_CHAR_LEN + 1];
	ItemPointerData tid;
} TotalsPlace;

static LocalTransactionId totals_lxid = InvalidLocalTransactionId;
static TotalsPlace totals_places[PR_TOTALS_CACHE];
static int	totals_next;

/* The rows of the copies of a hash that cleanup_hash deleted. */
struct PrCopyFiles
{
	SPITupleTable *rows;		/* (identifier, store), in SPI memory */
	uint64		n;
};

/* Return a store or form name argument: required, 1 to 64 characters. */
static inline text *
NameArg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	return PrTextArg(fcinfo, argno, name, 1, PR_STORE_NAME_MAX);
}

/* Return the bytes argument: required and not negative. */
static inline int64
BytesArg(FunctionCallInfo fcinfo, int argno)
{
	int64		v;

	PrRequireArg(fcinfo, argno, "bytes");
	v = PG_GETARG_INT64(argno);
	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bytes must not be negative"),
				 errdetail("The value of bytes is " INT64_FORMAT ".", v)));
	return v;
}

/* Return the kind argument: 'file', 'object' or 'archive'. */
static inline text *
KindArg(FunctionCallInfo fcinfo, int argno)
{
	text	   *kind = PrTextArg(fcinfo, argno, "kind", 1, PR_STORE_NAME_MAX);
	char	   *k = text_to_cstring(kind);

	if (strcmp(k, "file") != 0 && strcmp(k, "object") != 0 &&
		strcmp(k, "archive") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kind must be 'file', 'object' or 'archive'"),
				 errdetail("The value of kind is \"%s\".", k)));
	return kind;
}

/* True when a text value equals a C string. */
static inline bool
TextIs(text *t, const char *s)
{
	size_t		len = strlen(s);

	return VARSIZE_ANY_EXHDR(t) == len && memcmp(VARDATA_ANY(t), s, len) == 0;
}

/*
 * Add a difference to the totals of a store and form, in this backend's
 * shard, inside the caller's SPI connection.
 *
 * Every call writes a new version of the shard's row.  Within one
 * transaction the old versions cannot be pruned, so an upsert, which looks
 * the row up through its primary key and walks every version the index
 * points to, would cost more with each copy a transaction adds: a
 * transaction adding 200,000 copies took minutes.  So the transaction
 * remembers where it wrote each row last and updates that version by its
 * ctid (a TID scan, no walk); the upsert is only for the first write of a
 * transaction, or when the remembered version is gone (a rolled back
 * savepoint made it invisible: the UPDATE then finds nothing).
 */
static void
AddTotals(int32 store_id, text *form, int64 copies, int64 bytes)
{
	Datum		values[6];
	TotalsPlace *place = NULL;
	char	   *f = text_to_cstring(form);
	bool		isnull;
	int			n = 0;

	if (totals_lxid != MyProc->lxid)
	{
		memset(totals_places, 0, sizeof(totals_places));
		totals_lxid = MyProc->lxid;
	}
	for (int i = 0; i < PR_TOTALS_CACHE; i++)
		if (totals_places[i].store_id == store_id &&
			strcmp(totals_places[i].form, f) == 0 &&
			ItemPointerIsValid(&totals_places[i].tid))
			place = &totals_places[i];

	values[0] = Int32GetDatum(store_id);
	values[1] = PointerGetDatum(form);
	values[2] = Int16GetDatum(PR_STATS_SHARD());
	values[3] = Int64GetDatum(copies);
	values[4] = Int64GetDatum(bytes);
	if (place != NULL)
	{
		values[5] = PointerGetDatum(&place->tid);
		n = PrExec(&totals_tid_plan,
				   "UPDATE " PR_SCHEMA ".store_totals"
				   " SET copies = copies + $4, bytes = bytes + $5"
				   " WHERE ctid = $6 AND store_id = $1 AND form = $2 AND shard = $3"
				   " RETURNING ctid",
				   6, totals_types, values, NULL, false, 0, SPI_OK_UPDATE_RETURNING);
	}
	if (n == 0)
	{
		n = PrExec(&totals_upsert_plan,
				   "INSERT INTO " PR_SCHEMA ".store_totals AS t"
				   " (store_id, form, shard, copies, bytes) VALUES ($1, $2, $3, $4, $5)"
				   " ON CONFLICT (store_id, form, shard) DO UPDATE"
				   " SET copies = t.copies + EXCLUDED.copies, bytes = t.bytes + EXCLUDED.bytes"
				   " RETURNING ctid",
				   5, totals_types, values, NULL, false, 0, SPI_OK_INSERT_RETURNING);
		if (place == NULL)
		{
			place = &totals_places[totals_next++ % PR_TOTALS_CACHE];
			place->store_id = store_id;
			strlcpy(place->form, f, sizeof(place->form));
		}
	}
	if (n != 1)
		elog(ERROR, "store_totals: %d rows written instead of 1", n);
	ItemPointerCopy((ItemPointer) DatumGetPointer(PrGetDatum(0, 1, &isnull)), &place->tid);
	pfree(f);
}

/*
 * Return the id of a store by name, or -1 if there is none.  With share,
 * the store row is locked FOR KEY SHARE, as the foreign key of a new copy
 * would: a concurrent drop_store waits for us, or we for it (and then find
 * no store).  Runs inside the caller's SPI connection.
 */
static int32
StoreId(text *name, bool share)
{
	Datum		value = PointerGetDatum(name);
	bool		isnull;

	if (share)
	{
		if (PrExec(&store_share_plan,
				   "SELECT id FROM " PR_SCHEMA ".stores WHERE name = $1 FOR KEY SHARE",
				   1, text_only, &value, NULL, false, 0, SPI_OK_SELECT) == 0)
			return -1;
	}
	else if (PrExec(&store_id_plan,
					"SELECT id FROM " PR_SCHEMA ".stores WHERE name = $1",
					1, text_only, &value, NULL, false, 0, SPI_OK_SELECT) == 0)
		return -1;
	return DatumGetInt32(PrGetDatum(0, 1, &isnull));
}

/* Like StoreId with share, but an unknown store is an error (23503). */
static int32
StoreIdForWrite(text *name)
{
	int32		id = StoreId(name, true);

	if (id < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("store \"%s\" does not exist", text_to_cstring(name)),
				 errhint("Create it with create_store().")));
	return id;
}

/*
 * Fail with 23505 when another copy in the store has the identifier: an
 * identifier names one file of its store.  values: $1 hash, $2 store id,
 * $3 form, $4 identifier.
 */
static void
CheckIdentifierFree(Datum *values, text *identifier, text *store)
{
	if (PrExec(&identifier_taken_plan,
			   "SELECT 1 FROM " PR_SCHEMA ".copies "
			   "WHERE store_id = $2 "
			   "  AND " PR_SCHEMA ".text_digest(identifier) = " PR_SCHEMA ".text_digest($4) "
			   "  AND identifier = $4 AND (hash, form) <> ($1, $3)",
			   4, key_id_types, values, NULL, false, 1, SPI_OK_SELECT) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("identifier belongs to another copy in store \"%s\"",
						text_to_cstring(store)),
				 errdetail("The identifier is \"%s\".", text_to_cstring(identifier)),
				 errhint("Each identifier names one file of its store: choose another.")));
}

/*
 * Register a store; returns its id, NULL if the name is taken.  23505 if
 * another store has the location.  A file store's location is an absolute
 * directory path.
 */
PG_FUNCTION_INFO_V1(pict_repo_create_store);
Datum
pict_repo_create_store(PG_FUNCTION_ARGS)
{
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	Datum		name_location[2];
	text	   *name;
	text	   *kind;
	text	   *location;
	text	   *notes;
	Datum		result = (Datum) 0;
	bool		isnull = true;

	PrRequireWritable();
	name = NameArg(fcinfo, 0, "name");
	kind = KindArg(fcinfo, 1);
	values[0] = PointerGetDatum(name);
	values[1] = PointerGetDatum(kind);
	values[2] = Int32GetDatum(PrIntArg(fcinfo, 2, "priority", 0, PG_INT32_MAX));
	location = PrTextArg(fcinfo, 3, "location", 1, PR_LONG_MAX);
	values[3] = PointerGetDatum(location);
	notes = PrTextArgOpt(fcinfo, 4, "notes", 1, PR_LONG_MAX);
	values[4] = PointerGetDatum(notes);
	if (notes == NULL)
		nulls[4] = 'n';
	if (TextIs(kind, "file") && *VARDATA_ANY(location) != '/')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("location of a file store must be an absolute path"),
				 errdetail("The location is \"%s\".", text_to_cstring(location))));

	name_location[0] = values[0];
	name_location[1] = values[3];
	PrConnect();
	if (PrExec(&create_other_plan,
			   "SELECT name FROM " PR_SCHEMA ".stores "
			   "WHERE " PR_SCHEMA ".text_digest(location) = " PR_SCHEMA ".text_digest($2) "
			   "  AND location = $2 AND name <> $1",
			   2, text_text, name_location, NULL, false, 1, SPI_OK_SELECT) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("location belongs to store \"%s\"",
						TextDatumGetCString(PrGetDatum(0, 1, &isnull))),
				 errdetail("The location is \"%s\".", text_to_cstring(location)),
				 errhint("Two stores may not share a location: their files would be the same files.")));
	if (PrExec(&create_plan,
			   "INSERT INTO " PR_SCHEMA ".stores (name, kind, priority, location, notes) "
			   "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING id",
			   5, create_types, values, nulls, false, 0, SPI_OK_INSERT_RETURNING) > 0)
		result = PrGetDatum(0, 1, &isnull);
	PrFinish();
	if (isnull)
		PG_RETURN_NULL();
	return result;
}

/*
 * List the stores, most accessible first, with the copies and bytes each
 * holds (summed from store_totals).
 */
PG_FUNCTION_INFO_V1(pict_repo_stores);
Datum
pict_repo_stores(PG_FUNCTION_ARGS)
{
	return PrReturnRows(fcinfo, &stores_plan,
						"SELECT s.id, s.name, s.kind, s.priority, s.location, s.notes, "
						"       COALESCE(t.copies, 0), COALESCE(t.bytes, 0) "
						"FROM " PR_SCHEMA ".stores s "
						"LEFT JOIN (SELECT store_id, pg_catalog.sum(copies)::bigint AS copies, "
						"                  pg_catalog.sum(bytes)::bigint AS bytes "
						"           FROM " PR_SCHEMA ".store_totals GROUP BY store_id) t "
						"  ON t.store_id = s.id "
						"ORDER BY s.priority, s.name",
						0, NULL, NULL, NULL);
}

/*
 * Remove a store; false if unknown, 55006 while it holds copies.  The store
 * row is locked FOR UPDATE first, so a copy being added to it (which holds
 * KEY SHARE) commits before we look, and the look uses the latest snapshot.
 */
PG_FUNCTION_INFO_V1(pict_repo_drop_store);
Datum
pict_repo_drop_store(PG_FUNCTION_ARGS)
{
	text	   *name;
	Datum		value;
	Datum		id;
	bool		isnull;

	PrRequireWritable();
	name = NameArg(fcinfo, 0, "name");
	value = PointerGetDatum(name);
	PrConnect();
	if (PrExec(&drop_lock_plan,
			   "SELECT id FROM " PR_SCHEMA ".stores WHERE name = $1 FOR UPDATE",
			   1, text_only, &value, NULL, false, 0, SPI_OK_SELECT) == 0)
	{
		PrFinish();
		PG_RETURN_BOOL(false);
	}
	id = PrGetDatum(0, 1, &isnull);
	if (PrExecLatest(&drop_used_plan,
					 "SELECT 1 FROM " PR_SCHEMA ".copies WHERE store_id = $1 LIMIT 1",
					 1, int4_only, &id, NULL, 1) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("store \"%s\" still holds copies", text_to_cstring(name)),
				 errhint("Move or remove its copies first (copies_in_store() lists them).")));
	/* Its totals (all zero now) go with it (ON DELETE CASCADE). */
	PrExec(&drop_plan,
		   "DELETE FROM " PR_SCHEMA ".stores WHERE id = $1",
		   1, int4_only, &id, NULL, false, 0, SPI_OK_DELETE);
	PrFinish();
	PG_RETURN_BOOL(true);
}

/*
 * Record that a store holds a copy of a hash in a form.  False if that copy
 * (hash, store, form) is recorded already; 23503 for an unknown hash or
 * store; 23505 if another copy in the store has the identifier.
 */
PG_FUNCTION_INFO_V1(pict_repo_add_copy);
Datum
pict_repo_add_copy(PG_FUNCTION_ARGS)
{
	Datum		values[5];
	text	   *store;
	text	   *form;
	text	   *identifier;
	int64		bytes;
	int32		store_id;
	int			n;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	store = NameArg(fcinfo, 1, "store");
	form = NameArg(fcinfo, 2, "form");
	values[2] = PointerGetDatum(form);
	identifier = PrTextArg(fcinfo, 3, "identifier", 1, PR_LONG_MAX);
	values[3] = PointerGetDatum(identifier);
	bytes = BytesArg(fcinfo, 4);
	values[4] = Int64GetDatum(bytes);

	PrConnect();
	store_id = StoreIdForWrite(store);
	values[1] = Int32GetDatum(store_id);
	if (PrExec(&hash_share_plan,
			   "SELECT 1 FROM " PR_SCHEMA ".hashes WHERE hash = $1 FOR KEY SHARE",
			   1, bytea_only, values, NULL, false, 0, SPI_OK_SELECT) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("hash does not exist")));
	if (PrExec(&copy_exists_plan,
			   "SELECT 1 FROM " PR_SCHEMA ".copies WHERE " COPY_KEY,
			   3, key_types, values, NULL, false, 0, SPI_OK_SELECT) > 0)
	{
		PrFinish();
		PG_RETURN_BOOL(false);
	}
	CheckIdentifierFree(values, identifier, store);

	/*
	 * A concurrent add of the same copy waits in the INSERT and then does
	 * nothing; one of the same identifier fails with 23505 on the index.
	 */
	n = PrExec(&add_plan,
			   "INSERT INTO " PR_SCHEMA ".copies (hash, store_id, form, identifier, bytes) "
			   "VALUES ($1, $2, $3, $4, $5) "
			   "ON CONFLICT (store_id, hash, form) DO NOTHING",
			   5, add_types, values, NULL, false, 0, SPI_OK_INSERT);
	if (n > 0)
		AddTotals(store_id, form, 1, bytes);
	PrFinish();
	PG_RETURN_BOOL(n > 0);
}

/*
 * List the copies of a hash, most accessible first (priority, then store
 * name, then form).  An unknown hash has no rows.
 */
PG_FUNCTION_INFO_V1(pict_repo_copies);
Datum
pict_repo_copies(PG_FUNCTION_ARGS)
{
	Datum		value = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));

	return PrReturnRows(fcinfo, &copies_plan,
						"SELECT s.name, s.kind, s.priority, c.form, c.identifier, c.bytes, c.created_at "
						"FROM " PR_SCHEMA ".copies c JOIN " PR_SCHEMA ".stores s ON s.id = c.store_id "
						"WHERE c.hash = $1 "
						"ORDER BY s.priority, s.name, c.form",
						1, bytea_only, &value, NULL);
}

/*
 * Return where to read a form of a hash from: the copy in the store with
 * the lowest priority number (ties by store name).  No row when there is
 * no such copy.
 */
PG_FUNCTION_INFO_V1(pict_repo_best_copy);
Datum
pict_repo_best_copy(PG_FUNCTION_ARGS)
{
	Datum		values[2];

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	values[1] = PointerGetDatum(NameArg(fcinfo, 1, "form"));

	return PrReturnRows(fcinfo, &best_plan,
						"SELECT s.name, s.location, c.identifier "
						"FROM " PR_SCHEMA ".copies c JOIN " PR_SCHEMA ".stores s ON s.id = c.store_id "
						"WHERE c.hash = $1 AND c.form = $2 "
						"ORDER BY s.priority, s.name LIMIT 1",
						2, bytea_text, values, NULL);
}

/*
 * Forget the copy of a hash in a store and form, and return its identifier
 * for the caller to delete from the store after the commit.  NULL when
 * there is no such copy.  55000 when it is the last original of the hash.
 */
PG_FUNCTION_INFO_V1(pict_repo_remove_copy);
Datum
pict_repo_remove_copy(PG_FUNCTION_ARGS)
{
	Datum		values[3];
	text	   *store;
	text	   *form;
	int32		store_id;
	Datum		result = (Datum) 0;
	bool		isnull = true;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	store = NameArg(fcinfo, 1, "store");
	form = NameArg(fcinfo, 2, "form");
	values[2] = PointerGetDatum(form);

	PrConnect();
	store_id = StoreId(store, false);
	if (store_id < 0)
	{
		PrFinish();
		PG_RETURN_NULL();
	}
	values[1] = Int32GetDatum(store_id);

	/*
	 * Queue the removers of originals of this hash (see the top of the
	 * file).  No hash, no copies.
	 */
	if (TextIs(form, "original") &&
		PrExec(&hash_lock_plan,
			   "SELECT 1 FROM " PR_SCHEMA ".hashes WHERE hash = $1 FOR NO KEY UPDATE",
			   1, bytea_only, values, NULL, false, 0, SPI_OK_SELECT) == 0)
	{
		PrFinish();
		PG_RETURN_NULL();
	}

	if (PrExec(&remove_plan,
			   "DELETE FROM " PR_SCHEMA ".copies WHERE " COPY_KEY
			   " RETURNING identifier, bytes",
			   3, key_types, values, NULL, false, 0, SPI_OK_DELETE_RETURNING) > 0)
	{
		bool		bytes_null;
		int64		bytes = DatumGetInt64(PrGetDatum(0, 2, &bytes_null));

		result = PrCopyResult(0, 1, &isnull);
		AddTotals(store_id, form, -1, -bytes);

		if (TextIs(form, "original") &&
			PrExecLatest(&originals_plan,
						 "SELECT 1 FROM " PR_SCHEMA ".copies "
						 "WHERE hash = $1 AND form = 'original' LIMIT 1",
						 1, bytea_only, values, NULL, 1) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot remove the last original of a hash"),
					 errdetail("The copy in store \"%s\" is the only copy of form 'original' left.",
							   text_to_cstring(store)),
					 errhint("Copy the original to another store first (add_copy), or move it (move_copy).")));
	}
	PrFinish();
	if (isnull)
		PG_RETURN_NULL();
	return result;
}

/*
 * Move the copy of a hash in a form from one store to another in one
 * transaction: record it in to_store under new_identifier, forget it in
 * from_store, and return its identifier there for the caller to delete
 * after the commit.  NULL, changing nothing, when from_store has no such
 * copy or to_store has one already.  23503 for an unknown to_store, 23505
 * when another copy in to_store has new_identifier.
 */
PG_FUNCTION_INFO_V1(pict_repo_move_copy);
Datum
pict_repo_move_copy(PG_FUNCTION_ARGS)
{
	Datum		values[5];
	text	   *form;
	text	   *from;
	text	   *to;
	text	   *new_identifier;
	int32		from_id;
	int32		to_id;
	Datum		result;
	int64		bytes;
	bool		isnull;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrHashArg(fcinfo, 0, "hash"));
	form = NameArg(fcinfo, 1, "form");
	values[2] = PointerGetDatum(form);
	from = NameArg(fcinfo, 2, "from_store");
	to = NameArg(fcinfo, 3, "to_store");
	new_identifier = PrTextArg(fcinfo, 4, "new_identifier", 1, PR_LONG_MAX);
	if (VARSIZE_ANY_EXHDR(from) == VARSIZE_ANY_EXHDR(to) &&
		memcmp(VARDATA_ANY(from), VARDATA_ANY(to), VARSIZE_ANY_EXHDR(to)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("from_store and to_store must differ"),
				 errdetail("Both are \"%s\".", text_to_cstring(to))));

	PrConnect();
	to_id = StoreIdForWrite(to);
	from_id = StoreId(from, false);
	if (from_id < 0)
	{
		PrFinish();
		PG_RETURN_NULL();
	}

	/* The source, locked against a concurrent remover or mover. */
	values[1] = Int32GetDatum(from_id);
	if (PrExec(&move_source_plan,
			   "SELECT identifier, bytes FROM " PR_SCHEMA ".copies WHERE " COPY_KEY
			   " FOR UPDATE",
			   3, key_types, values, NULL, false, 0, SPI_OK_SELECT) == 0)
	{
		PrFinish();
		PG_RETURN_NULL();
	}
	result = PrCopyResult(0, 1, &isnull);
	bytes = DatumGetInt64(PrGetDatum(0, 2, &isnull));
	values[4] = Int64GetDatum(bytes);

	/* The target first: the hash never has fewer copies of the form. */
	values[1] = Int32GetDatum(to_id);
	values[3] = PointerGetDatum(new_identifier);
	if (PrExec(&copy_exists_plan,
			   "SELECT 1 FROM " PR_SCHEMA ".copies WHERE " COPY_KEY,
			   3, key_types, values, NULL, false, 0, SPI_OK_SELECT) > 0)
	{
		PrFinish();
		PG_RETURN_NULL();
	}
	CheckIdentifierFree(values, new_identifier, to);
	if (PrExec(&add_plan,
			   "INSERT INTO " PR_SCHEMA ".copies (hash, store_id, form, identifier, bytes) "
			   "VALUES ($1, $2, $3, $4, $5) "
			   "ON CONFLICT (store_id, hash, form) DO NOTHING",
			   5, add_types, values, NULL, false, 0, SPI_OK_INSERT) == 0)
	{
		/* Added concurrently: nothing was written. */
		PrFinish();
		PG_RETURN_NULL();
	}

	/* Then the source, which we hold locked. */
	values[1] = Int32GetDatum(from_id);
	if (PrExec(&move_delete_plan,
			   "DELETE FROM " PR_SCHEMA ".copies WHERE " COPY_KEY,
			   3, key_types, values, NULL, false, 0, SPI_OK_DELETE) != 1)
		elog(ERROR, "the locked source copy was not deleted");
	AddTotals(to_id, form, 1, bytes);
	AddTotals(from_id, form, -1, -bytes);
	PrFinish();
	return result;
}

/*
 * Return a page of the copies in a store (of one form, or all), in
 * (hash, form) order, strictly after the key (after_hash, after_form) of
 * the last row of the previous page; both NULL for the first page.  An
 * unknown store has no rows.
 */
PG_FUNCTION_INFO_V1(pict_repo_copies_in_store);
Datum
pict_repo_copies_in_store(PG_FUNCTION_ARGS)
{
	Datum		values[5];
	text	   *store = NameArg(fcinfo, 0, "store");
	text	   *form = PrTextArgOpt(fcinfo, 1, "form", 1, PR_STORE_NAME_MAX);
	bytea	   *after_hash;
	text	   *after_form;
	int32		store_id;

	values[1] = Int32GetDatum(PrIntArg(fcinfo, 2, "lim", 1, PR_LIM_MAX));
	after_hash = PrHashArgOpt(fcinfo, 3, "after_hash");
	after_form = PrTextArgOpt(fcinfo, 4, "after_form", 1, PR_STORE_NAME_MAX);
	if ((after_hash == NULL) != (after_form == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("after_hash and after_form must be given together"),
				 errhint("Pass the hash and form of the last row of the previous page, or neither for the first page.")));

	PrMaterialize(fcinfo);
	PrConnect();
	store_id = StoreId(store, false);
	if (store_id < 0)
	{
		PrFinish();
		return (Datum) 0;
	}
	values[0] = Int32GetDatum(store_id);

	/*
	 * Each page is one range scan: of the primary key (store_id, hash, form)
	 * for every form, of (store_id, form, hash) for one form, where the key
	 * is hash >= after_hash, the one row of that hash left out unless the
	 * key's form sorts before the form.
	 */
	if (form == NULL && after_hash == NULL)
		PrExec(&page_plan,
			   "SELECT hash, form, identifier, bytes FROM " PR_SCHEMA ".copies "
			   "WHERE store_id = $1 ORDER BY hash, form LIMIT $2",
			   2, page_types, values, NULL, true, 0, SPI_OK_SELECT);
	else if (form == NULL)
	{
		values[2] = PointerGetDatum(after_hash);
		values[3] = PointerGetDatum(after_form);
		PrExec(&page_after_plan,
			   "SELECT hash, form, identifier, bytes FROM " PR_SCHEMA ".copies "
			   "WHERE store_id = $1 AND (hash, form) > ($3, $4) "
			   "ORDER BY hash, form LIMIT $2",
			   4, page_after_types, values, NULL, true, 0, SPI_OK_SELECT);
	}
	else if (after_hash == NULL)
	{
		values[2] = PointerGetDatum(form);
		PrExec(&page_form_plan,
			   "SELECT hash, form, identifier, bytes FROM " PR_SCHEMA ".copies "
			   "WHERE store_id = $1 AND form = $3 ORDER BY hash LIMIT $2",
			   3, page_form_types, values, NULL, true, 0, SPI_OK_SELECT);
	}
	else
	{
		values[2] = PointerGetDatum(form);
		values[3] = PointerGetDatum(after_hash);
		values[4] = PointerGetDatum(after_form);
		PrExec(&page_form_after_plan,
			   "SELECT hash, form, identifier, bytes FROM " PR_SCHEMA ".copies "
			   "WHERE store_id = $1 AND form = $3 AND hash >= $4 "
			   "  AND (hash > $4 OR form > $5) "
			   "ORDER BY hash LIMIT $2",
			   5, page_form_after_types, values, NULL, true, 0, SPI_OK_SELECT);
	}
	PrPutRows(fcinfo);
	PrFinish();
	return (Datum) 0;
}

/*
 * Return the copies and bytes of every store and form, most accessible
 * store first, summed from store_totals (no scan of copies).  A store that
 * holds nothing has one row with form NULL and zeros.
 */
PG_FUNCTION_INFO_V1(pict_repo_storage_report);
Datum
pict_repo_storage_report(PG_FUNCTION_ARGS)
{
	return PrReturnRows(fcinfo, &report_plan,
						"SELECT s.name, s.kind, s.priority, t.form, "
						"       COALESCE(t.copies, 0), COALESCE(t.bytes, 0) "
						"FROM " PR_SCHEMA ".stores s "
						"LEFT JOIN (SELECT store_id, form, pg_catalog.sum(copies)::bigint AS copies, "
						"                  pg_catalog.sum(bytes)::bigint AS bytes "
						"           FROM " PR_SCHEMA ".store_totals GROUP BY store_id, form "
						"           HAVING pg_catalog.sum(copies) <> 0) t "
						"  ON t.store_id = s.id "
						"ORDER BY s.priority, s.name, t.form",
						0, NULL, NULL, NULL);
}

/*
 * For cleanup_hash, inside its SPI connection and after it locked the hash
 * row: delete every copy of the hash, take them off the totals, and return
 * their (identifier, store name) rows, most accessible store first, for
 * PrPutCopyFiles to add to the result.  Each identifier is unique within
 * its store, so no other row names the file.
 */
PrCopyFiles *
PrDeleteCopies(Datum hash)
{
	PrCopyFiles *files = palloc(sizeof(PrCopyFiles));

	files->n = PrExec(&cleanup_plan,
					  "WITH d AS ("
					  "  DELETE FROM " PR_SCHEMA ".copies WHERE hash = $1"
					  "  RETURNING store_id, form, identifier, bytes) "
					  "SELECT d.identifier, s.name, d.store_id, d.form, d.bytes FROM d "
					  "JOIN " PR_SCHEMA ".stores s ON s.id = d.store_id "
					  "ORDER BY s.priority, s.name, d.form",
					  1, bytea_only, &hash, NULL, false, 0, SPI_OK_SELECT);
	files->rows = SPI_tuptable;
	for (uint64 i = 0; i < files->n; i++)
	{
		HeapTuple	row = files->rows->vals[i];
		TupleDesc	desc = files->rows->tupdesc;
		bool		isnull;
		int32		store_id = DatumGetInt32(SPI_getbinval(row, desc, 3, &isnull));
		text	   *form = DatumGetTextPP(SPI_getbinval(row, desc, 4, &isnull));
		int64		bytes = DatumGetInt64(SPI_getbinval(row, desc, 5, &isnull));

		AddTotals(store_id, form, -1, -bytes);
	}
	return files;
}

/* Add the rows of PrDeleteCopies to the result of cleanup_hash. */
void
PrPutCopyFiles(FunctionCallInfo fcinfo, PrCopyFiles *files)
{
	for (uint64 i = 0; i < files->n; i++)
	{
		Datum		row[2];
		bool		nulls[2];

		row[0] = SPI_getbinval(files->rows->vals[i], files->rows->tupdesc, 1, &nulls[0]);
		row[1] = SPI_getbinval(files->rows->vals[i], files->rows->tupdesc, 2, &nulls[1]);
		PrPutRow(fcinfo, row, nulls);
	}
}
