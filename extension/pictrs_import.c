/*-------------------------------------------------------------------------
 *
 * pictrs_import.c
 *		import_pictrs(kind, rows, dry_run): a batch of rows of one table of
 *		a pict-rs 0.5 repository, written into pict_repo in one statement
 *		(pict-repo import-pict-rs sends them, converted: hashes as hex of
 *		their bytes, times with their offset).
 *
 * Every row is checked as the single-row functions check their arguments
 * (lengths, required values, a parent that must exist, files that must not
 * be shared between hashes and variants), and only the rows that pass are
 * inserted, with ON CONFLICT DO NOTHING, so the import is idempotent: a row
 * already in pict_repo is left alone.  Each input row gets one outcome:
 *
 *	imported	written now
 *	exists		pict_repo already holds the same row (a second run)
 *	new			dry_run only: it would be written
 *	anything else: why it was not written (a bad value, a missing parent,
 *		"conflict: ..." when pict_repo holds the key with other values)
 *
 * Two statements: the first checks and inserts; the second classifies the
 * rows the first did not write (or, with dry_run, every row) against the
 * tables as they are then, so a row a concurrent import wrote meanwhile is
 * "exists", not a puzzle.
 *
 * Lookups of identifiers and URLs go through their digest indexes (1.3):
 * the expression indexes on text_digest() of hashes and variants, and the
 * stored digest keys of details, proxies and store_migrations, each with
 * the equality of the value itself beside it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "media.h"
#include "queue.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"

#define LONG_MAX_S	CppAsString2(PR_LONG_MAX)
#define NAME_MAX_S	CppAsString2(PR_NAME_MAX)
#define HASH_MAX_S	CppAsString2(PR_HASH_MAX)
#define QUEUE_MAX_S	CppAsString2(PR_QUEUE_MAX)

/* The rows of $1, with their position as "ordinality". */
#define ROWS(cols) \
	" FROM ROWS FROM (pg_catalog.jsonb_to_recordset($1) AS (" cols ")) WITH ORDINALITY AS x"

/* A required text of 1..max characters is missing or too long. */
#define BAD_LEN(col, max) \
	" " col " IS NULL OR pg_catalog.char_length(" col ") NOT BETWEEN 1 AND " max " "
/* An optional one is too long or empty. */
#define BAD_OPT_LEN(col, max) \
	" " col " IS NOT NULL AND pg_catalog.char_length(" col ") NOT BETWEEN 1 AND " max " "
#define BAD_HASH(col) \
	" " col " IS NULL OR pg_catalog.octet_length(" col ") NOT BETWEEN 1 AND " HASH_MAX_S " "
/* col = val, served by an index on text_digest(col) (hashes, variants). */
#define SAME(col, val) \
	" (" PR_SCHEMA ".text_digest(" col ") = " PR_SCHEMA ".text_digest(" val ") AND " col " = " val ") "
/* col = val where a stored column digest holds text_digest(col) and is the key. */
#define SAME_KEY(digest, col, val) \
	" (" digest " = " PR_SCHEMA ".text_digest(" val ") AND " col " = " val ") "

/*
 * The two statements of a kind, from its parts:
 *	rows		WITH r AS (the batch, typed, with ord) [, helper CTEs]
 *	same		true when pict_repo holds the row of r as it is ("exists");
 *				tested first, so a second run costs one probe per row
 *	reason		CASE ... END: why the row of r cannot be imported, or NULL
 *	insert		the INSERT of the rows of c whose reason is NULL, returning
 *				the key (and, for jobs, the queue to notify)
 *	joined		how ins matches c
 *	conflict	for a row that is neither the same nor bad: "conflict: ..."
 *				when its key is taken, else "new"
 */
#define WRITE_SQL(rows, same, reason, insert, joined, notify) \
	rows ", " \
	"c AS (SELECT r.*, CASE WHEN " same " THEN 'exists' ELSE " reason " END AS reason FROM r), " \
	"ins AS (" insert ") " \
	"SELECT c.ord, COALESCE(c.reason, CASE WHEN ins.k IS NOT NULL THEN 'imported' END), " \
	notify " FROM c LEFT JOIN ins ON " joined

#define CLASSIFY_SQL(rows, same, reason, conflict) \
	rows " " \
	"SELECT r.ord, CASE WHEN " same " THEN 'exists' ELSE COALESCE(" reason ", " conflict ") END," \
	" NULL::text FROM r WHERE $2::integer[] IS NULL OR r.ord = ANY ($2)"

/* ---- hashes ---------------------------------------------------------------- */

#define HASH_ROWS \
	"WITH r AS (SELECT x.ordinality::integer AS ord, pg_catalog.decode(x.h, 'hex') AS hash," \
	"  x.i, x.m, x.b, x.c" \
	ROWS("h text, i text, m text, b text, c timestamptz") "), " \
	"ids AS (SELECT ord, i AS id FROM r UNION ALL SELECT ord, m FROM r WHERE m IS NOT NULL), " \
	"twice AS (SELECT id FROM ids GROUP BY id HAVING pg_catalog.count(DISTINCT ord) > 1)"
#define HASH_SAME \
	"EXISTS (SELECT 1 FROM " PR_SCHEMA ".hashes o WHERE o.hash = r.hash" \
	"        AND o.identifier = r.i AND o.motion_identifier IS NOT DISTINCT FROM r.m)"
#define HASH_REASON \
	"CASE WHEN" BAD_HASH("r.hash") "THEN 'hash must be 1 to " HASH_MAX_S " bytes'" \
	" WHEN" BAD_LEN("r.i", LONG_MAX_S) "THEN 'identifier must be 1 to " LONG_MAX_S " characters'" \
	" WHEN" BAD_OPT_LEN("r.m", LONG_MAX_S) "THEN 'motion identifier must be 1 to " LONG_MAX_S " characters'" \
	" WHEN" BAD_OPT_LEN("r.b", LONG_MAX_S) "THEN 'blurhash must be 1 to " LONG_MAX_S " characters'" \
	" WHEN r.c IS NULL THEN 'created_at is missing'" \
	" WHEN r.i = r.m THEN 'identifier and motion identifier are the same file'" \
	" WHEN r.i IN (SELECT id FROM twice) OR r.m IN (SELECT id FROM twice)" \
	"  THEN 'identifier belongs to another hash of the batch'" \
	" WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".hashes o WHERE" SAME("o.identifier", "r.i") "AND o.hash <> r.hash)" \
	"   OR EXISTS (SELECT 1 FROM " PR_SCHEMA ".hashes o WHERE" SAME("o.motion_identifier", "r.i") "AND o.hash <> r.hash)" \
	"   OR EXISTS (SELECT 1 FROM " PR_SCHEMA ".hashes o WHERE" SAME("o.identifier", "r.m") "AND o.hash <> r.hash)" \
	"   OR EXISTS (SELECT 1 FROM " PR_SCHEMA ".hashes o WHERE" SAME("o.motion_identifier", "r.m") "AND o.hash <> r.hash)" \
	"  THEN 'identifier belongs to another hash'" \
	" WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".variants o WHERE" SAME("o.identifier", "r.i") ")" \
	"   OR EXISTS (SELECT 1 FROM " PR_SCHEMA ".variants o WHERE" SAME("o.identifier", "r.m") ")" \
	"  THEN 'identifier belongs to a variant' END"
#define HASH_CONFLICT \
	"CASE WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".hashes o WHERE o.hash = r.hash)" \
	" THEN 'conflict: the hash is in pict_repo with other files' ELSE 'new' END"

static const char hash_write[] =
WRITE_SQL(HASH_ROWS, HASH_SAME, HASH_REASON,
		  "INSERT INTO " PR_SCHEMA ".hashes (hash, identifier, motion_identifier, blurhash, created_at)"
		  " SELECT hash, i, m, b, c FROM c WHERE reason IS NULL"
		  " ON CONFLICT DO NOTHING RETURNING hash AS k",
		  "ins.k = c.hash", "NULL::text");
static const char hash_classify[] =
CLASSIFY_SQL(HASH_ROWS, HASH_SAME, HASH_REASON, HASH_CONFLICT);

/* ---- details --------------------------------------------------------------- */

#define DETAILS_ROWS \
	"WITH r AS (SELECT x.ordinality::integer AS ord, x.i, x.d" ROWS("i text, d jsonb") ")"
#define DETAILS_SAME \
	"EXISTS (SELECT 1 FROM " PR_SCHEMA ".details o WHERE" SAME_KEY("o.identifier_digest", "o.identifier", "r.i") \
	"        AND o.details = r.d)"
#define DETAILS_REASON \
	"CASE WHEN" BAD_LEN("r.i", LONG_MAX_S) "THEN 'identifier must be 1 to " LONG_MAX_S " characters'" \
	" WHEN r.d IS NULL THEN 'details are missing' END"
#define DETAILS_CONFLICT \
	"CASE WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".details o WHERE" SAME_KEY("o.identifier_digest", "o.identifier", "r.i") ")" \
	" THEN 'conflict: the identifier has other details in pict_repo' ELSE 'new' END"

static const char details_write[] =
WRITE_SQL(DETAILS_ROWS, DETAILS_SAME, DETAILS_REASON,
		  "INSERT INTO " PR_SCHEMA ".details (identifier, details)"
		  " SELECT i, d FROM c WHERE reason IS NULL"
		  " ON CONFLICT DO NOTHING RETURNING identifier AS k",
		  "ins.k = c.i", "NULL::text");
static const char details_classify[] =
CLASSIFY_SQL(DETAILS_ROWS, DETAILS_SAME, DETAILS_REASON, DETAILS_CONFLICT);

/* ---- variants -------------------------------------------------------------- */

#define VARIANT_ROWS \
	"WITH r AS (SELECT x.ordinality::integer AS ord, pg_catalog.decode(x.h, 'hex') AS hash," \
	"  x.v, x.i, x.a" ROWS("h text, v text, i text, a timestamptz") "), " \
	"twice AS (SELECT i AS id FROM r GROUP BY i HAVING pg_catalog.count(*) > 1)"
#define VARIANT_SAME \
	"EXISTS (SELECT 1 FROM " PR_SCHEMA ".variants o" \
	"        WHERE o.hash = r.hash AND o.variant = r.v AND o.identifier = r.i)"
#define VARIANT_REASON \
	"CASE WHEN" BAD_HASH("r.hash") "THEN 'hash must be 1 to " HASH_MAX_S " bytes'" \
	" WHEN" BAD_LEN("r.v", NAME_MAX_S) "THEN 'variant must be 1 to " NAME_MAX_S " characters'" \
	" WHEN" BAD_LEN("r.i", LONG_MAX_S) "THEN 'identifier must be 1 to " LONG_MAX_S " characters'" \
	" WHEN r.i IN (SELECT id FROM twice) THEN 'identifier belongs to another variant of the batch'" \
	" WHEN NOT EXISTS (SELECT 1 FROM " PR_SCHEMA ".hashes o WHERE o.hash = r.hash)" \
	"  THEN 'its hash is not in pict_repo'" \
	" WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".hashes o WHERE" SAME("o.identifier", "r.i") ")" \
	"   OR EXISTS (SELECT 1 FROM " PR_SCHEMA ".hashes o WHERE" SAME("o.motion_identifier", "r.i") ")" \
	"  THEN 'identifier belongs to a hash'" \
	" WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".variants o WHERE" SAME("o.identifier", "r.i") \
	"              AND (o.hash, o.variant) <> (r.hash, r.v))" \
	"  THEN 'identifier belongs to another variant' END"
#define VARIANT_CONFLICT \
	"CASE WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".variants o WHERE o.hash = r.hash AND o.variant = r.v)" \
	" THEN 'conflict: the variant is in pict_repo with another file' ELSE 'new' END"

static const char variant_write[] =
WRITE_SQL(VARIANT_ROWS, VARIANT_SAME, VARIANT_REASON,
		  "INSERT INTO " PR_SCHEMA ".variants (hash, variant, identifier, accessed)"
		  " SELECT hash, v, i, COALESCE(a, pg_catalog.now()) FROM c WHERE reason IS NULL"
		  " ON CONFLICT DO NOTHING RETURNING hash AS k, variant",
		  "ins.k = c.hash AND ins.variant = c.v", "NULL::text");
static const char variant_classify[] =
CLASSIFY_SQL(VARIANT_ROWS, VARIANT_SAME, VARIANT_REASON, VARIANT_CONFLICT);

/* ---- aliases --------------------------------------------------------------- */

#define ALIAS_ROWS \
	"WITH r AS (SELECT x.ordinality::integer AS ord, x.a, pg_catalog.decode(x.h, 'hex') AS hash," \
	"  x.t" ROWS("a text, h text, t text") ")"
#define ALIAS_SAME \
	"EXISTS (SELECT 1 FROM " PR_SCHEMA ".aliases o" \
	"        WHERE o.alias = r.a AND o.hash = r.hash AND o.token = r.t)"
#define ALIAS_REASON \
	"CASE WHEN" BAD_LEN("r.a", NAME_MAX_S) "THEN 'alias must be 1 to " NAME_MAX_S " characters'" \
	" WHEN" BAD_HASH("r.hash") "THEN 'hash must be 1 to " HASH_MAX_S " bytes'" \
	" WHEN" BAD_LEN("r.t", NAME_MAX_S) "THEN 'token must be 1 to " NAME_MAX_S " characters'" \
	" WHEN NOT EXISTS (SELECT 1 FROM " PR_SCHEMA ".hashes o WHERE o.hash = r.hash)" \
	"  THEN 'its hash is not in pict_repo' END"
#define ALIAS_CONFLICT \
	"CASE WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".aliases o WHERE o.alias = r.a)" \
	" THEN 'conflict: the alias is in pict_repo for another hash or token' ELSE 'new' END"

static const char alias_write[] =
WRITE_SQL(ALIAS_ROWS, ALIAS_SAME, ALIAS_REASON,
		  "INSERT INTO " PR_SCHEMA ".aliases (alias, hash, token)"
		  " SELECT a, hash, t FROM c WHERE reason IS NULL"
		  " ON CONFLICT DO NOTHING RETURNING alias AS k",
		  "ins.k = c.a", "NULL::text");
static const char alias_classify[] =
CLASSIFY_SQL(ALIAS_ROWS, ALIAS_SAME, ALIAS_REASON, ALIAS_CONFLICT);

/* ---- proxies --------------------------------------------------------------- */

#define PROXY_ROWS \
	"WITH r AS (SELECT x.ordinality::integer AS ord, x.u, x.a, x.t" \
	ROWS("u text, a text, t timestamptz") ")"
#define PROXY_SAME \
	"EXISTS (SELECT 1 FROM " PR_SCHEMA ".proxies o WHERE" SAME_KEY("o.url_digest", "o.url", "r.u") "AND o.alias = r.a)"
#define PROXY_REASON \
	"CASE WHEN" BAD_LEN("r.u", LONG_MAX_S) "THEN 'url must be 1 to " LONG_MAX_S " characters'" \
	" WHEN" BAD_LEN("r.a", NAME_MAX_S) "THEN 'alias must be 1 to " NAME_MAX_S " characters'" \
	" WHEN NOT EXISTS (SELECT 1 FROM " PR_SCHEMA ".aliases o WHERE o.alias = r.a)" \
	"  THEN 'its alias is not in pict_repo' END"
#define PROXY_CONFLICT \
	"CASE WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".proxies o WHERE" SAME_KEY("o.url_digest", "o.url", "r.u") ")" \
	" THEN 'conflict: the URL is in pict_repo for another alias' ELSE 'new' END"

static const char proxy_write[] =
WRITE_SQL(PROXY_ROWS, PROXY_SAME, PROXY_REASON,
		  "INSERT INTO " PR_SCHEMA ".proxies (url, alias, accessed)"
		  " SELECT u, a, COALESCE(t, pg_catalog.now()) FROM c WHERE reason IS NULL"
		  " ON CONFLICT DO NOTHING RETURNING url AS k",
		  "ins.k = c.u", "NULL::text");
static const char proxy_classify[] =
CLASSIFY_SQL(PROXY_ROWS, PROXY_SAME, PROXY_REASON, PROXY_CONFLICT);

/* ---- settings -------------------------------------------------------------- */

#define SETTING_ROWS \
	"WITH r AS (SELECT x.ordinality::integer AS ord, x.k, pg_catalog.decode(x.v, 'hex') AS value" \
	ROWS("k text, v text") ")"
#define SETTING_SAME \
	"EXISTS (SELECT 1 FROM " PR_SCHEMA ".settings o WHERE o.key = r.k AND o.value = r.value)"
#define SETTING_REASON \
	"CASE WHEN" BAD_LEN("r.k", NAME_MAX_S) "THEN 'key must be 1 to " NAME_MAX_S " characters'" \
	" WHEN r.value IS NULL THEN 'value is missing' END"
#define SETTING_CONFLICT \
	"CASE WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".settings o WHERE o.key = r.k)" \
	" THEN 'conflict: the setting is in pict_repo with another value' ELSE 'new' END"

static const char setting_write[] =
WRITE_SQL(SETTING_ROWS, SETTING_SAME, SETTING_REASON,
		  "INSERT INTO " PR_SCHEMA ".settings (key, value)"
		  " SELECT k, value FROM c WHERE reason IS NULL"
		  " ON CONFLICT DO NOTHING RETURNING key AS k",
		  "ins.k = c.k", "NULL::text");
static const char setting_classify[] =
CLASSIFY_SQL(SETTING_ROWS, SETTING_SAME, SETTING_REASON, SETTING_CONFLICT);

/* ---- store migrations ------------------------------------------------------- */

#define MIGRATION_ROWS \
	"WITH r AS (SELECT x.ordinality::integer AS ord, x.o, x.n" ROWS("o text, n text") ")"
#define MIGRATION_SAME \
	"EXISTS (SELECT 1 FROM " PR_SCHEMA ".store_migrations m" \
	"        WHERE" SAME_KEY("m.old_digest", "m.old_identifier", "r.o") "AND m.new_identifier = r.n)"
#define MIGRATION_REASON \
	"CASE WHEN" BAD_LEN("r.o", LONG_MAX_S) "THEN 'old identifier must be 1 to " LONG_MAX_S " characters'" \
	" WHEN" BAD_LEN("r.n", LONG_MAX_S) "THEN 'new identifier must be 1 to " LONG_MAX_S " characters'" \
	" WHEN r.o = r.n THEN 'old and new identifier are the same' END"
#define MIGRATION_CONFLICT \
	"CASE WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".store_migrations m WHERE" SAME_KEY("m.old_digest", "m.old_identifier", "r.o") ")" \
	" THEN 'conflict: the old identifier is recorded with another new one'" \
	" WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".store_migrations m WHERE" SAME_KEY("m.new_digest", "m.new_identifier", "r.n") ")" \
	" THEN 'conflict: the new identifier is the target of another migration' ELSE 'new' END"

static const char migration_write[] =
WRITE_SQL(MIGRATION_ROWS, MIGRATION_SAME, MIGRATION_REASON,
		  "INSERT INTO " PR_SCHEMA ".store_migrations (old_identifier, new_identifier)"
		  " SELECT o, n FROM c WHERE reason IS NULL"
		  " ON CONFLICT DO NOTHING RETURNING old_identifier AS k",
		  "ins.k = c.o", "NULL::text");
static const char migration_classify[] =
CLASSIFY_SQL(MIGRATION_ROWS, MIGRATION_SAME, MIGRATION_REASON, MIGRATION_CONFLICT);

/* ---- jobs ------------------------------------------------------------------ */

#define JOB_ROWS \
	"WITH r AS (SELECT x.ordinality::integer AS ord, x.id, x.q, x.j, x.k, x.t, x.m" \
	ROWS("id uuid, q text, j jsonb, k text, t timestamptz, m integer") ")"
/* A job imported once is "exists" for ever, even after it ran. */
#define JOB_SAME \
	"EXISTS (SELECT 1 FROM " PR_SCHEMA ".imported_jobs o WHERE o.id = r.id)"
#define JOB_REASON \
	"CASE WHEN r.id IS NULL THEN 'id is missing'" \
	" WHEN" BAD_LEN("r.q", QUEUE_MAX_S) "THEN 'queue must be 1 to " QUEUE_MAX_S " characters'" \
	" WHEN r.j IS NULL THEN 'job is missing'" \
	" WHEN" BAD_OPT_LEN("r.k", "512") "THEN 'unique key must be 1 to 512 characters'" \
	" WHEN r.m < 1 THEN 'max_attempts must be at least 1' END"
#define JOB_CONFLICT \
	"CASE WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".job_queue o WHERE o.id = r.id)" \
	"        OR EXISTS (SELECT 1 FROM " PR_SCHEMA ".dead_jobs o WHERE o.id = r.id)" \
	" THEN 'conflict: a job with this id is in pict_repo'" \
	" WHEN EXISTS (SELECT 1 FROM " PR_SCHEMA ".job_queue o WHERE o.queue = r.q AND o.unique_key = r.k)" \
	" THEN 'conflict: its unique key is taken by a job in the queue' ELSE 'new' END"

/* The third column names the queue of an imported job, to notify. */
static const char job_write[] =
WRITE_SQL(JOB_ROWS, JOB_SAME, JOB_REASON,
		  "INSERT INTO " PR_SCHEMA ".job_queue (id, queue, job, unique_key, queue_time, max_attempts)"
		  " SELECT id, q, j, k, COALESCE(t, pg_catalog.now()), COALESCE(m, 5) FROM c"
		  " WHERE reason IS NULL"
		  " ON CONFLICT DO NOTHING RETURNING id AS k, queue), "
		  "rec AS (INSERT INTO " PR_SCHEMA ".imported_jobs (id) SELECT k FROM ins",
		  "ins.k = c.id", "ins.queue");
static const char job_classify[] =
CLASSIFY_SQL(JOB_ROWS, JOB_SAME, JOB_REASON, JOB_CONFLICT);

/* ---- the function ----------------------------------------------------------- */

typedef struct ImportKind
{
	const char *name;
	const char *write_sql;
	const char *classify_sql;
} ImportKind;

static const ImportKind kinds[] = {
	{"hash", hash_write, hash_classify},
	{"details", details_write, details_classify},
	{"variant", variant_write, variant_classify},
	{"alias", alias_write, alias_classify},
	{"proxy", proxy_write, proxy_classify},
	{"setting", setting_write, setting_classify},
	{"migration", migration_write, migration_classify},
	{"job", job_write, job_classify},
};

#define NKINDS lengthof(kinds)

static PrPlan write_plans[NKINDS];
static PrPlan classify_plans[NKINDS];

static const Oid write_types[] = {JSONBOID};
static const Oid classify_types[] = {JSONBOID, INT4ARRAYOID};

/*
 * Plan the next statements for index probes, until AtEOXact_GUC(true,
 * <the returned nest level>) (or the end of the transaction) restores the
 * settings: without sequential scans, whatever the size of the tables when
 * the plan was made (a scan of a whole table, which the planner picks while
 * it is small, would read all of it for every batch), and without JIT (the
 * statements are big, so compiling them would cost seconds per batch once
 * a disabled path inflates their cost).
 */
static int
PlanImport(void)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("enable_seqscan", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("jit", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

/* Whether a jsonb value is an array whose elements are all objects. */
static bool
IsArrayOfObjects(Jsonb *jb)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		return false;
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_ELEM &&
			!(v.type == jbvBinary && JsonContainerIsObject(v.val.binary.data)))
			return false;
	}
	return true;
}

/* Return the index in kinds of argument argno; 22023 for an unknown kind. */
static int
KindArg(FunctionCallInfo fcinfo, int argno)
{
	char	   *name = text_to_cstring(PrTextArg(fcinfo, argno, "kind", 1, 32));

	for (int k = 0; k < (int) NKINDS; k++)
		if (strcmp(name, kinds[k].name) == 0)
			return k;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("kind must be one of hash, details, variant, alias, proxy, setting, migration, job"),
			 errdetail("The kind is \"%s\".", name)));
	return -1;					/* not reached */
}

/*
 * Import a batch of rows of one kind (dry_run: only tell what would
 * happen); returns one (ord, outcome) per input row, in input order.
 */
PG_FUNCTION_INFO_V1(pict_repo_import_pictrs);
Datum
pict_repo_import_pictrs(PG_FUNCTION_ARGS)
{
	int			k;
	Jsonb	   *rows;
	bool		dry_run;
	int			n;
	Datum	   *outcomes;
	bool	   *known;
	Datum	   *ask;
	int			nask = 0;
	Datum		values[2];
	char		nulls[2] = {' ', ' '};
	int			nestlevel;

	PrRequireWritable();
	k = KindArg(fcinfo, 0);
	PrRequireArg(fcinfo, 1, "rows");
	rows = PG_GETARG_JSONB_P(1);
	if (!IsArrayOfObjects(rows))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rows must be a JSON array of objects")));
	n = (int) JB_ROOT_COUNT(rows);
	if (n > PR_LIM_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rows must not hold more than %d rows", PR_LIM_MAX),
				 errdetail("rows holds %d.", n)));
	PrRequireArg(fcinfo, 2, "dry_run");
	dry_run = PG_GETARG_BOOL(2);

	PrMaterialize(fcinfo);
	if (n == 0)
		PG_RETURN_NULL();
	outcomes = palloc0(sizeof(Datum) * n);
	known = palloc0(sizeof(bool) * n);
	ask = palloc(sizeof(Datum) * n);
	values[0] = JsonbPGetDatum(rows);

	PrConnect();

	nestlevel = PlanImport();
	if (!dry_run)
	{
		int			got = PrExec(&write_plans[k], kinds[k].write_sql, 1, write_types,
								 values, NULL, false, 0, SPI_OK_SELECT);

		for (int row = 0; row < got; row++)
		{
			bool		isnull;
			int			ord = DatumGetInt32(PrGetDatum(row, 1, &isnull));
			Datum		queue;

			if (ord < 1 || ord > n)
				elog(ERROR, "import_pictrs: row %d out of range", ord);
			outcomes[ord - 1] = PrCopyResult(row, 2, &isnull);
			known[ord - 1] = !isnull;
			queue = PrGetDatum(row, 3, &isnull);
			if (!isnull)
				PrNotifyQueue(queue);
		}
		for (int i = 0; i < n; i++)
			if (!known[i])
				ask[nask++] = Int32GetDatum(i + 1);
		/* The file service's copies and totals of what came in (media.c). */
		PrMediaImported(kinds[k].name, values[0], outcomes, known, n);
	}

	if (dry_run || nask > 0)
	{
		int			got;

		if (dry_run)
			nulls[1] = 'n';
		else
			values[1] = PointerGetDatum(construct_array(ask, nask, INT4OID, sizeof(int32),
														true, TYPALIGN_INT));
		got = PrExec(&classify_plans[k], kinds[k].classify_sql, 2, classify_types,
					 values, nulls, false, 0, SPI_OK_SELECT);
		for (int row = 0; row < got; row++)
		{
			bool		isnull;
			int			ord = DatumGetInt32(PrGetDatum(row, 1, &isnull));

			if (ord < 1 || ord > n)
				elog(ERROR, "import_pictrs: row %d out of range", ord);
			outcomes[ord - 1] = PrCopyResult(row, 2, &isnull);
			known[ord - 1] = !isnull;
		}
	}
	AtEOXact_GUC(true, nestlevel);
	PrFinish();

	for (int i = 0; i < n; i++)
	{
		Datum		out[2];
		bool		out_nulls[2] = {false, false};

		out[0] = Int32GetDatum(i + 1);
		out[1] = known[i] ? outcomes[i] : CStringGetTextDatum("not imported: changed concurrently");
		PrPutRow(fcinfo, out, out_nulls);
	}
	PG_RETURN_NULL();
}
