/*-------------------------------------------------------------------------
 *
 * media.c
 *		The file service: the metadata of an upload (owner, tags, access,
 *		size), the copies of its original's details kept on its alias, the
 *		usage totals, and the calls that read and change them
 *		(media_info, media_exists, set_owner, add_tags, remove_tags,
 *		set_access, rename_alias, usage_report).  Listing is in
 *		media_list.c.
 *
 * The copies.  content_type, width, height, frames and media_bytes of an
 * alias are taken from the details of its hash's original file
 * (ExtractMedia), so that one index can serve a listing filter that mixes
 * them with owner, access or created_at.  They are written under a lock on
 * the hash row: adding an alias holds FOR KEY SHARE on it (ingest,
 * create_alias_with_token) and reads the details after that lock is
 * granted; whoever changes what the copies are made from (relate_details
 * or cleanup_details of the original, update_identifier,
 * migrate_identifier) takes FOR UPDATE and then rewrites the copies of
 * every alias of the hash.  Both read with the latest snapshot, so under
 * REPEATABLE READ too an alias added concurrently is either rewritten or
 * reads the new details itself.
 *
 * The totals.  usage_totals has a row per owner and shard and a row per
 * shard for owner '' (every upload).  Each statement that creates or
 * removes an alias or changes its owner or bytes adds its differences to
 * its own backend's shard in the same statement (PR_MEDIA_TOTALS), so the
 * totals are exact at every commit, and concurrent uploads (of one owner
 * too) never wait for each other's row: no two live backends share a shard.
 * The rows are upserted in owner order, '' first, so two transactions that
 * did share a shard (more than 128 backends) queue on the '' row before
 * they touch any other.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "media.h"
#include "queue.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"

/*
 * How the details of a hash's original and the hash of an original are
 * found: through the digests of the identifiers (the indexes over long
 * identifiers), then the identifiers themselves.
 */
#define PR_DETAILS_OF_ORIGINAL(d, h) \
	d ".identifier_digest = " PR_SCHEMA ".text_digest(" h ".identifier) " \
	"AND " d ".identifier = " h ".identifier"
#define PR_HASH_BY_ORIGINAL(param) \
	PR_SCHEMA ".text_digest(identifier) = " PR_SCHEMA ".text_digest(" param ") " \
	"AND identifier = " param

/*
 * The common table expression "t" that adds the rows of src (owner,
 * uploads, bytes: differences, owner NULL for none) to this backend's
 * shard (parameter shard) of their owners and of owner '' (every upload),
 * in owner order, skipping differences that cancel out.
 */
#define PR_MEDIA_TOTALS(src, shard) \
	"t AS (INSERT INTO " PR_SCHEMA ".usage_totals AS u (owner, shard, uploads, bytes)" \
	"  SELECT v.owner, " shard ", pg_catalog.sum(c.uploads)::pg_catalog.int8," \
	"         pg_catalog.sum(c.bytes)::pg_catalog.int8" \
	"  FROM " src " c, LATERAL (VALUES (''::pg_catalog.text), (c.owner)) v(owner)" \
	"  WHERE v.owner IS NOT NULL" \
	"  GROUP BY v.owner" \
	"  HAVING pg_catalog.sum(c.uploads) <> 0 OR pg_catalog.sum(c.bytes) <> 0" \
	"  ORDER BY v.owner" \
	"  ON CONFLICT (owner, shard) DO UPDATE" \
	"  SET uploads = u.uploads + EXCLUDED.uploads, bytes = u.bytes + EXCLUDED.bytes) "

/*
 * The common table expressions that keep alias_tags equal to the tags of
 * the aliases (pict_repo--1.3--1.4.sql): "name" adds, or removes, a row
 * for each element of the text[] column col of each row of src (which has
 * the columns alias, created_at and content_type of the alias).  The statement that
 * holds them writes the alias rows themselves, so the rows of one alias
 * change only under the lock on it; and its caller locked those rows in an
 * earlier statement, so that it reads alias_tags with a snapshot taken
 * after the lock was granted (one taken before would miss the rows that
 * the transaction it waited for inserted: READ COMMITTED's recheck of a
 * changed row does not show new rows of another table).
 */
#define PR_TAGS_INSERT(name, src, col) \
	name " AS (INSERT INTO " PR_SCHEMA ".alias_tags (tag, created_at, alias, content_type)" \
	"  SELECT x.tag, s.created_at, s.alias, s.content_type" \
	"  FROM " src " s, pg_catalog.unnest(s." col ") x(tag)) "
#define PR_TAGS_DELETE(name, src, col) \
	name " AS (DELETE FROM " PR_SCHEMA ".alias_tags d" \
	"  USING " src " s, pg_catalog.unnest(s." col ") x(tag)" \
	"  WHERE d.tag = x.tag AND d.created_at = s.created_at AND d.alias = s.alias) "

/* Lock the aliases of hash $1, in alias order (see PR_TAGS_INSERT). */
#define PR_LOCK_ALIASES_OF_HASH \
	"SELECT 1 FROM " PR_SCHEMA ".aliases WHERE hash = $1 ORDER BY alias FOR UPDATE"

/* The columns of the copies, in the order of MediaProps. */
#define PR_MEDIA_NPROPS 5

/* The copies of an original's details: content_type, width, height, frames, media_bytes. */
typedef struct MediaProps
{
	Datum		values[PR_MEDIA_NPROPS];
	char		nulls[PR_MEDIA_NPROPS];
} MediaProps;

static const Oid media_prop_types[PR_MEDIA_NPROPS] = {TEXTOID, INT4OID, INT4OID, INT4OID, INT8OID};

static PrPlan insert_plan;
static PrPlan read_details_plan;
static PrPlan delete_alias_plan;
static PrPlan delete_hash_plan;
static PrPlan lock_aliases_of_hash_plan;
static PrPlan lock_tags_plan;
static PrPlan lock_original_plan;
static PrPlan lock_hash_plan;
static PrPlan refresh_plan;
static PrPlan info_plan;
static PrPlan exists_plan;
static PrPlan set_owner_plan;
static PrPlan add_tags_plan;
static PrPlan remove_tags_plan;
static PrPlan set_access_plan;
static PrPlan rename_insert_plan;
static PrPlan rename_proxies_plan;
static PrPlan rename_delete_plan;
static PrPlan usage_plan;
static PrPlan backfill_plan;
static PrPlan backfill_totals_plan;
static PrPlan imported_aliases_plan;
static PrPlan imported_details_plan;
static PrPlan imported_count_plan;

static const Oid text_only[] = {TEXTOID};
static const Oid bytea_only[] = {BYTEAOID};
static const Oid text_text[] = {TEXTOID, TEXTOID};
static const Oid text_text_int2[] = {TEXTOID, TEXTOID, INT2OID};
static const Oid text_textarray[] = {TEXTOID, TEXTARRAYOID};
static const Oid textarray_text[] = {TEXTARRAYOID, TEXTOID};

/* ---- extracting the copies from details ------------------------------------ */

/* Return whether c may appear in a media type (RFC 6838 restricted-name). */
static inline bool
IsMediaTypeChar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		strchr("!#$&^_.+-", c) != NULL;
}

/* Check one part of a media type: 1 to 127 characters, the first alphanumeric. */
static inline bool
IsMediaTypePart(const char *s, int len)
{
	if (len < 1 || len > 127 || !isalnum((unsigned char) s[0]))
		return false;
	for (int i = 0; i < len; i++)
		if (!IsMediaTypeChar(s[i]))
			return false;
	return true;
}

/* Normalise a media type, or a top-level type with allow_prefix (media.h). */
bool
PrMediaTypeNormalize(const char *s, int len, bool allow_prefix, char **out,
					 bool *is_prefix)
{
	char	   *buf;
	char	   *slash;
	int			start = 0,
				end;

	/* Parameters (";charset=...") and surrounding blanks are not part of it. */
	for (end = 0; end < len && s[end] != ';'; end++)
		;
	while (start < end && (s[start] == ' ' || s[start] == '\t'))
		start++;
	while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	buf = palloc(end - start + 1);
	for (int i = start; i < end; i++)
		buf[i - start] = pg_ascii_tolower((unsigned char) s[i]);
	buf[end - start] = '\0';
	len = end - start;

	slash = memchr(buf, '/', len);
	if (slash == NULL || memchr(slash + 1, '/', len - (slash - buf) - 1) != NULL ||
		!IsMediaTypePart(buf, slash - buf))
		return false;
	*is_prefix = slash == buf + len - 1;
	if (*is_prefix ? !allow_prefix : !IsMediaTypePart(slash + 1, len - (slash - buf) - 1))
		return false;
	*out = buf;
	return true;
}

/* Media types of the formats whose name is not their subtype. */
static const struct
{
	const char *format;
	const char *type;
}			format_types[] =
{
	{"jpg", "image/jpeg"},
	{"tif", "image/tiff"},
	{"svg", "image/svg+xml"},
	{"mp4", "video/mp4"},
	{"m4v", "video/mp4"},
	{"webm", "video/webm"},
	{"mov", "video/quicktime"},
	{"mkv", "video/x-matroska"},
	{"avi", "video/x-msvideo"},
	{"ogv", "video/ogg"},
};

/*
 * Return the media type of a format name ("png" is image/png, "mp4"
 * video/mp4, "image/png" itself), or NULL.
 */
static char *
FormatMediaType(const char *s, int len)
{
	char	   *type;
	bool		is_prefix;
	char		name[32];

	if (memchr(s, '/', len) != NULL)
		return PrMediaTypeNormalize(s, len, false, &type, &is_prefix) ? type : NULL;
	if (len < 1 || len >= (int) sizeof(name))
		return NULL;
	for (int i = 0; i < len; i++)
		name[i] = pg_ascii_tolower((unsigned char) s[i]);
	name[len] = '\0';
	for (size_t i = 0; i < lengthof(format_types); i++)
		if (strcmp(name, format_types[i].format) == 0)
			return pstrdup(format_types[i].type);
	type = psprintf("image/%s", name);
	return PrMediaTypeNormalize(type, strlen(type), false, &type, &is_prefix) ? type : NULL;
}

/* Parse a whole number from 0 to max as numeric_out prints it (media.h). */
bool
PrParseCount(const char *s, int64 max, int64 *out)
{
	int64		v = 0;
	int			i = 0;

	if (!isdigit((unsigned char) s[0]))
		return false;
	for (; isdigit((unsigned char) s[i]); i++)
	{
		int			d = s[i] - '0';

		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (s[i] == '.')
		for (i++; s[i] == '0'; i++)
			;
	if (s[i] != '\0')
		return false;
	*out = v;
	return true;
}

/* Return the value of key in a JSON object, or NULL. */
static JsonbValue *
JsonKey(Jsonb *object, const char *key, JsonbValue *buf)
{
	return getKeyJsonValueFromContainer(&object->root, key, strlen(key), buf);
}

/* Set prop to the whole number under key, 0 to max; NULL otherwise. */
static void
ExtractCount(Jsonb *details, const char *key, int64 max, MediaProps *m, int prop)
{
	JsonbValue	buf;
	JsonbValue *v = JsonKey(details, key, &buf);
	int64		n;

	if (v == NULL || v->type != jbvNumeric ||
		!PrParseCount(DatumGetCString(DirectFunctionCall1(numeric_out,
														NumericGetDatum(v->val.numeric))),
					max, &n))
		return;
	m->values[prop] = media_prop_types[prop] == INT4OID ? Int32GetDatum((int32) n) :
		Int64GetDatum(n);
	m->nulls[prop] = ' ';
}

/*
 * Take the copies from the details of an original: "content_type" (or
 * "format"), "width", "height", "frames" and "bytes".  Anything missing,
 * of another JSON type or out of range is NULL; details are free-form JSON
 * and never rejected here.
 */
static void
ExtractMedia(Jsonb *details, MediaProps *m)
{
	JsonbValue	buf;
	JsonbValue *v;
	char	   *type = NULL;
	bool		is_prefix;

	memset(m->nulls, 'n', sizeof(m->nulls));
	if (details == NULL || !JB_ROOT_IS_OBJECT(details))
		return;

	v = JsonKey(details, "content_type", &buf);
	if (v != NULL && v->type == jbvString)
	{
		if (!PrMediaTypeNormalize(v->val.string.val, v->val.string.len, false,
								  &type, &is_prefix))
			type = NULL;
	}
	else if ((v = JsonKey(details, "format", &buf)) != NULL && v->type == jbvString)
		type = FormatMediaType(v->val.string.val, v->val.string.len);
	if (type != NULL)
	{
		m->values[0] = PointerGetDatum(cstring_to_text(type));
		m->nulls[0] = ' ';
	}
	ExtractCount(details, "width", PG_INT32_MAX, m, 1);
	ExtractCount(details, "height", PG_INT32_MAX, m, 2);
	ExtractCount(details, "frames", PG_INT32_MAX, m, 3);
	ExtractCount(details, "bytes", PG_INT64_MAX, m, 4);
}

/* ---- arguments ------------------------------------------------------------- */

/* Compare two text Datums byte by byte (the order of COLLATE "C"). */
static int
CompareText(const void *a, const void *b)
{
	text	   *x = DatumGetTextPP(*(const Datum *) a);
	text	   *y = DatumGetTextPP(*(const Datum *) b);
	int			xl = VARSIZE_ANY_EXHDR(x),
				yl = VARSIZE_ANY_EXHDR(y);
	int			r = memcmp(VARDATA_ANY(x), VARDATA_ANY(y), Min(xl, yl));

	return r != 0 ? r : (xl > yl) - (xl < yl);
}

/*
 * Return the elements of a text[] argument (one dimension, no NULL), each
 * of minchars to maxchars characters, at most maxitems of them.
 */
static Datum *
TextArrayArg(FunctionCallInfo fcinfo, int argno, const char *name, int maxitems,
			 int minchars, int maxchars, int *nitems)
{
	ArrayType  *arr;
	Datum	   *items;
	bool	   *nulls;

	PrRequireArg(fcinfo, argno, name);
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", name)));
	if (ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) > maxitems)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must have at most %d elements", name, maxitems),
				 errdetail("The array has %d elements.",
						   ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)))));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls, nitems);
	for (int i = 0; i < *nitems; i++)
	{
		text	   *t;
		int			nchars;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not contain NULL", name)));
		t = DatumGetTextPP(items[i]);
		nchars = pg_mbstrlen_with_len(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		if (nchars < minchars || nchars > maxchars)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("each element of %s must be between %d and %d characters",
							name, minchars, maxchars),
					 errdetail("Element %d has %d characters.", i + 1, nchars)));
		items[i] = PointerGetDatum(t);
	}
	return items;
}

/*
 * Return a tags argument (NULL: none if allow_null) checked, sorted and
 * without duplicates.
 */
static ArrayType *
TagsArg(FunctionCallInfo fcinfo, int argno, bool allow_null)
{
	Datum	   *items;
	int			n,
				kept = 0;

	if (allow_null && PG_ARGISNULL(argno))
		return construct_empty_array(TEXTOID);
	items = TextArrayArg(fcinfo, argno, "tags", PR_TAGS_MAX, 1, PR_TAG_MAX, &n);
	qsort(items, n, sizeof(Datum), CompareText);
	for (int i = 0; i < n; i++)
		if (kept == 0 || CompareText(&items[kept - 1], &items[i]) != 0)
			items[kept++] = items[i];
	return construct_array(items, kept, TEXTOID, -1, false, TYPALIGN_INT);
}

/* Return an access argument: "public" or "private" (NULL: "public" if allowed). */
static text *
AccessArg(FunctionCallInfo fcinfo, int argno, bool allow_null)
{
	text	   *t;
	int			len;

	if (allow_null && PG_ARGISNULL(argno))
		return cstring_to_text("public");
	PrRequireArg(fcinfo, argno, "access");
	t = PG_GETARG_TEXT_PP(argno);
	len = VARSIZE_ANY_EXHDR(t);
	if (!((len == 6 && memcmp(VARDATA_ANY(t), "public", 6) == 0) ||
		  (len == 7 && memcmp(VARDATA_ANY(t), "private", 7) == 0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("access must be \"public\" or \"private\"")));
	return t;
}

/* Start an upload without metadata (media.h). */
void
PrUploadInit(PrUpload *upload)
{
	memset(upload, 0, sizeof(*upload));
	upload->tags = construct_empty_array(TEXTOID);
	upload->access = cstring_to_text("public");
	upload->bytes = -1;
}

/* Read ingest's metadata arguments (media.h). */
void
PrUploadMetaArgs(FunctionCallInfo fcinfo, int argno, PrUpload *upload)
{
	/* ingest as created before 1.4 has no metadata arguments. */
	if (PG_NARGS() < argno + 4)
		return;
	upload->owner = PrTextArgOpt(fcinfo, argno, "owner", 1, PR_NAME_MAX);
	upload->tags = TagsArg(fcinfo, argno + 1, true);
	upload->access = AccessArg(fcinfo, argno + 2, true);
	upload->bytes = -1;
	if (!PG_ARGISNULL(argno + 3))
	{
		upload->bytes = PG_GETARG_INT64(argno + 3);
		if (upload->bytes < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bytes must not be negative"),
					 errdetail("The value of bytes is " INT64_FORMAT ".", upload->bytes)));
	}
}

/* ---- statements run inside the caller's SPI connection ---------------------- */

/*
 * Run a writing statement's kept plan with the latest snapshot instead of
 * the transaction's (which under REPEATABLE READ predates the lock the
 * caller just waited for), and check SPI's answer.  Returns SPI_processed.
 * (common.c's PrExecLatest is the same for a read-only query.)
 */
static int
ExecLatest(PrPlan *slot, const char *sql, int nargs, const Oid *argtypes,
		   Datum *values, const char *nulls, int expected)
{
	SPIPlanPtr	plan = PrPlanGet(slot, sql, nargs, argtypes);
	int			rc;

	rc = SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(),
							  InvalidSnapshot, false, true, 0);
	if (rc != expected)
		elog(ERROR, "SPI_execute_snapshot returned %s instead of %s for \"%s\"",
			 SPI_result_code_string(rc), SPI_result_code_string(expected), sql);
	return (int) SPI_processed;
}

/* Read the details of a hash's original (latest snapshot) and take the copies. */
static void
ReadMedia(Datum hash, MediaProps *m)
{
	Jsonb	   *details = NULL;
	bool		isnull;

	if (PrExecLatest(&read_details_plan,
					 "SELECT d.details FROM " PR_SCHEMA ".hashes h "
					 "JOIN " PR_SCHEMA ".details d ON " PR_DETAILS_OF_ORIGINAL("d", "h") " "
					 "WHERE h.hash = $1",
					 1, bytea_only, &hash, NULL, 1) > 0)
	{
		Datum		d = PrGetDatum(0, 1, &isnull);

		if (!isnull)
			details = DatumGetJsonbP(d);
	}
	ExtractMedia(details, m);
}

/* Insert an upload's alias with its metadata and copies, and count it (media.h). */
int
PrMediaInsertUpload(const PrUpload *upload)
{
	static const Oid types[] = {TEXTOID, BYTEAOID, TEXTOID, TEXTOID, TEXTOID,
		TEXTARRAYOID, TEXTOID, INT8OID,
	TEXTOID, INT4OID, INT4OID, INT4OID, INT8OID, INT2OID};
	Datum		values[14];
	char		nulls[14];
	MediaProps	m;

	memset(nulls, ' ', sizeof(nulls));
	values[1] = PointerGetDatum(upload->hash);
	if (upload->details != NULL)
		ExtractMedia(upload->details, &m);
	else
		ReadMedia(values[1], &m);

	values[0] = PointerGetDatum(upload->alias);
	nulls[0] = upload->alias ? ' ' : 'n';
	values[2] = PointerGetDatum(upload->token);
	nulls[2] = upload->token ? ' ' : 'n';
	values[3] = PointerGetDatum(upload->extension);
	nulls[3] = upload->extension ? ' ' : 'n';
	values[4] = PointerGetDatum(upload->owner);
	nulls[4] = upload->owner ? ' ' : 'n';
	values[5] = PointerGetDatum(upload->tags);
	values[6] = PointerGetDatum(upload->access);
	values[7] = Int64GetDatum(upload->bytes);
	nulls[7] = upload->bytes >= 0 ? ' ' : 'n';
	memcpy(&values[8], m.values, sizeof(m.values));
	memcpy(&nulls[8], m.nulls, sizeof(m.nulls));
	values[13] = Int16GetDatum(PR_STATS_SHARD());

	return PrExec(&insert_plan,
				  "WITH a AS ("
				  "  INSERT INTO " PR_SCHEMA ".aliases (alias, hash, token, owner, tags, access,"
				  "    upload_bytes, content_type, width, height, frames, media_bytes)"
				  "  VALUES (COALESCE($1, pg_catalog.gen_random_uuid()::pg_catalog.text || '.' || $4),"
				  "          $2, COALESCE($3, pg_catalog.gen_random_uuid()::pg_catalog.text),"
				  "          $5, $6, $7, $8, $9, $10, $11, $12, $13)"
				  "  ON CONFLICT (alias) DO NOTHING"
				  "  RETURNING alias, token, created_at, tags, content_type, owner,"
				  "            1::pg_catalog.int8 AS uploads,"
				  "            COALESCE(bytes, 0) AS bytes), "
				  PR_TAGS_INSERT("g", "a", "tags") ", "
				  PR_MEDIA_TOTALS("a", "$14")
				  "SELECT alias, token FROM a",
				  14, types, values, nulls, false, 0, SPI_OK_SELECT);
}

/* Run a DELETE of aliases (CTE "c" of owner, uploads, bytes) with its totals. */
static int
DeleteCounted(PrPlan *plan, const char *sql, Datum key, Oid keytype)
{
	Datum		values[2];
	Oid			types[2];
	bool		isnull;

	values[0] = key;
	values[1] = Int16GetDatum(PR_STATS_SHARD());
	types[0] = keytype;
	types[1] = INT2OID;
	PrExec(plan, sql, 2, types, values, NULL, false, 0, SPI_OK_SELECT);
	return (int) DatumGetInt64(PrGetDatum(0, 1, &isnull));
}

#define PR_DELETE_COUNTED(where) \
	"WITH c AS (DELETE FROM " PR_SCHEMA ".aliases WHERE " where \
	"           RETURNING alias, created_at, tags, owner, -1::pg_catalog.int8 AS uploads," \
	"                     -COALESCE(bytes, 0) AS bytes), " \
	PR_TAGS_DELETE("g", "c", "tags") ", " \
	PR_MEDIA_TOTALS("c", "$2") \
	"SELECT pg_catalog.count(*) FROM c"

/* Delete an alias and uncount it (media.h). */
int
PrMediaDeleteAlias(Datum alias)
{
	return DeleteCounted(&delete_alias_plan, PR_DELETE_COUNTED("alias = $1"),
						 alias, TEXTOID);
}

/* Delete every alias of a hash and uncount them (media.h). */
int
PrMediaDeleteAliasesOfHash(Datum hash)
{
	/* Locked first, in alias order: see PR_TAGS_INSERT. */
	PrExec(&lock_aliases_of_hash_plan, PR_LOCK_ALIASES_OF_HASH,
		   1, bytea_only, &hash, NULL, false, 0, SPI_OK_SELECT);
	return DeleteCounted(&delete_hash_plan, PR_DELETE_COUNTED("hash = $1"),
						 hash, BYTEAOID);
}

/* Lock the hash whose original is identifier (media.h). */
bool
PrMediaLockOriginal(Datum identifier, Datum *hash)
{
	bool		isnull;

	if (PrExec(&lock_original_plan,
			   "SELECT hash FROM " PR_SCHEMA ".hashes "
			   "WHERE " PR_HASH_BY_ORIGINAL("$1") " FOR UPDATE",
			   1, text_only, &identifier, NULL, false, 0, SPI_OK_SELECT) == 0)
		return false;
	*hash = PointerGetDatum(DatumGetByteaPCopy(PrGetDatum(0, 1, &isnull)));
	return true;
}

/*
 * Rewrite the copies on the aliases of hash, and the totals, from the
 * details of its original, read with the latest snapshot.  The caller holds
 * a lock on the hash row that keeps its original and details from changing
 * until it commits: FOR UPDATE (PrMediaRefresh), or the FOR KEY SHARE that
 * inserting an alias of it takes (the import of aliases), which conflicts
 * with the FOR UPDATE of every writer of those details.
 */
static void
RefreshLocked(Datum hash)
{
	static const Oid types[] = {BYTEAOID, TEXTOID, INT4OID, INT4OID, INT4OID, INT8OID, INT2OID};
	Datum		values[7];
	char		nulls[7];
	MediaProps	m;

	ReadMedia(hash, &m);

	memset(nulls, ' ', sizeof(nulls));
	values[0] = hash;
	memcpy(&values[1], m.values, sizeof(m.values));
	memcpy(&nulls[1], m.nulls, sizeof(m.nulls));
	values[6] = Int16GetDatum(PR_STATS_SHARD());

	/*
	 * The aliases are locked first, in alias order, so that the rewrite
	 * below reads alias_tags after every add_tags that held one of them
	 * committed (see PR_TAGS_INSERT): their rows of alias_tags get the new
	 * content_type with the aliases.
	 */
	PrExec(&lock_aliases_of_hash_plan, PR_LOCK_ALIASES_OF_HASH,
		   1, bytea_only, &hash, NULL, false, 0, SPI_OK_SELECT);

	/*
	 * s holds each alias's bytes before the change (only this function
	 * changes the copies, under the lock above); a concurrent set_owner
	 * makes the UPDATE re-read the row, and the difference then goes to the
	 * new owner, to whom set_owner moved the old bytes.
	 */
	ExecLatest(&refresh_plan,
			   "WITH s AS (SELECT alias, bytes FROM " PR_SCHEMA ".aliases WHERE hash = $1), "
			   "c AS ("
			   "  UPDATE " PR_SCHEMA ".aliases a"
			   "  SET content_type = $2, width = $3, height = $4, frames = $5, media_bytes = $6"
			   "  FROM s WHERE a.alias = s.alias"
			   "  AND (a.content_type, a.width, a.height, a.frames, a.media_bytes)"
			   "      IS DISTINCT FROM ($2, $3, $4, $5, $6)"
			   "  RETURNING a.alias, a.created_at, a.tags, a.owner, 0::pg_catalog.int8 AS uploads,"
			   "            COALESCE(a.bytes, 0) - COALESCE(s.bytes, 0) AS bytes), "
			   "g AS (UPDATE " PR_SCHEMA ".alias_tags d SET content_type = $2"
			   "  FROM c, pg_catalog.unnest(c.tags) x(tag)"
			   "  WHERE d.tag = x.tag AND d.created_at = c.created_at AND d.alias = c.alias), "
			   PR_MEDIA_TOTALS("c", "$7")
			   "SELECT pg_catalog.count(*) FROM c",
			   7, types, values, nulls, SPI_OK_SELECT);
}

/* Lock a hash and rewrite the copies on its aliases, and the totals (media.h). */
void
PrMediaRefresh(Datum hash)
{
	if (PrExec(&lock_hash_plan,
			   "SELECT 1 FROM " PR_SCHEMA ".hashes WHERE hash = $1 FOR UPDATE",
			   1, bytea_only, &hash, NULL, false, 0, SPI_OK_SELECT) == 0)
		return;
	RefreshLocked(hash);
}

/*
 * The rows of an import_pictrs batch that were imported (outcome
 * "imported"): for aliases, write their copies and count them; for details
 * of an original whose hash has aliases, rewrite those aliases' copies.
 * The import inserts the rows itself (pictrs_import.c), in its own
 * statements; this keeps the file service's columns and totals in step in
 * the same transaction.  Imported aliases have no tags (pict-rs has none),
 * so alias_tags gets no rows here.
 */
void
PrMediaImported(const char *kind, Datum rows, const Datum *outcomes,
				const bool *known, int n)
{
	static const Oid types[] = {JSONBOID, INT4ARRAYOID};
	bool		aliases = strcmp(kind, "alias") == 0;
	Datum	   *ords;
	int			nords = 0;
	Datum		values[2];
	int			got;
	Datum	   *keys;
	bool		isnull;

	if (!aliases && strcmp(kind, "details") != 0)
		return;
	ords = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		if (known[i] && strcmp(TextDatumGetCString(outcomes[i]), "imported") == 0)
			ords[nords++] = Int32GetDatum(i + 1);
	if (nords == 0)
		return;
	values[0] = rows;
	values[1] = PointerGetDatum(construct_array(ords, nords, INT4OID, sizeof(int32),
												true, TYPALIGN_INT));

	/* The hashes whose aliases need their copies (and, for aliases, counting). */
	if (aliases)
		got = PrExec(&imported_aliases_plan,
					 "SELECT DISTINCT a.hash"
					 "  FROM ROWS FROM (pg_catalog.jsonb_to_recordset($1) AS (a text))"
					 "       WITH ORDINALITY AS x(a, ord)"
					 "  JOIN " PR_SCHEMA ".aliases a ON a.alias = x.a"
					 " WHERE x.ord = ANY ($2) ORDER BY 1",
					 2, types, values, NULL, false, 0, SPI_OK_SELECT);
	else
		got = PrExec(&imported_details_plan,
					 "SELECT DISTINCT h.hash"
					 "  FROM ROWS FROM (pg_catalog.jsonb_to_recordset($1) AS (i text))"
					 "       WITH ORDINALITY AS x(i, ord)"
					 "  JOIN " PR_SCHEMA ".hashes h ON " PR_SCHEMA ".text_digest(h.identifier) = "
					 PR_SCHEMA ".text_digest(x.i) AND h.identifier = x.i"
					 " WHERE x.ord = ANY ($2)"
					 "   AND EXISTS (SELECT 1 FROM " PR_SCHEMA ".aliases a WHERE a.hash = h.hash)"
					 " ORDER BY 1",
					 2, types, values, NULL, false, 0, SPI_OK_SELECT);
	keys = palloc(sizeof(Datum) * Max(got, 1));
	for (int i = 0; i < got; i++)
		keys[i] = PointerGetDatum(DatumGetByteaPCopy(PrGetDatum(i, 1, &isnull)));

	/*
	 * Count the imported aliases first (their bytes are still unknown, 0),
	 * then let the rewrite of the copies add their bytes, as for any alias.
	 */
	if (aliases)
	{
		static const Oid count_types[] = {JSONBOID, INT4ARRAYOID, INT2OID};
		Datum		count_values[3] = {values[0], values[1], Int16GetDatum(PR_STATS_SHARD())};

		PrExec(&imported_count_plan,
			   "WITH c AS (SELECT a.owner, 1::pg_catalog.int8 AS uploads,"
			   "                  COALESCE(a.bytes, 0) AS bytes"
			   "             FROM ROWS FROM (pg_catalog.jsonb_to_recordset($1) AS (a text))"
			   "                  WITH ORDINALITY AS x(a, ord)"
			   "             JOIN " PR_SCHEMA ".aliases a ON a.alias = x.a"
			   "            WHERE x.ord = ANY ($2)), "
			   PR_MEDIA_TOTALS("c", "$3")
			   "SELECT pg_catalog.count(*) FROM c",
			   3, count_types, count_values, NULL, false, 0, SPI_OK_SELECT);
	}

	/*
	 * Imported aliases hold FOR KEY SHARE on their hashes (the foreign key
	 * of the rows this batch inserted), which no writer of the details can
	 * pass: no FOR UPDATE on top, which would wait for the other
	 * importers' and writers' KEY SHARE locks while holding this batch's
	 * (a deadlock with a concurrent import of variants or aliases).  The
	 * details of originals are locked in the order of the hashes.
	 */
	for (int i = 0; i < got; i++)
	{
		if (aliases)
			RefreshLocked(keys[i]);
		else
			PrMediaRefresh(keys[i]);
	}
}

/* ---- the calls of the file service -------------------------------------- */

/*
 * Return one upload with its metadata, its hash's original file and its
 * number of variants; no row for an unknown alias.
 */
PG_FUNCTION_INFO_V1(pict_repo_media_info);
Datum
pict_repo_media_info(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX));

	return PrReturnRows(fcinfo, &info_plan,
						"SELECT a.alias, a.hash, a.owner, a.tags, a.access, a.content_type,"
						"       a.width, a.height, a.bytes, a.created_at, h.identifier,"
						"       (SELECT pg_catalog.count(*)::pg_catalog.int4"
						"        FROM " PR_SCHEMA ".variants v WHERE v.hash = a.hash)"
						"FROM " PR_SCHEMA ".aliases a "
						"JOIN " PR_SCHEMA ".hashes h ON h.hash = a.hash "
						"WHERE a.alias = $1",
						1, text_only, values, NULL);
}

/* Return whether an alias exists. */
PG_FUNCTION_INFO_V1(pict_repo_media_exists);
Datum
pict_repo_media_exists(PG_FUNCTION_ARGS)
{
	Datum		values[1];

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX));

	return PrLookup(fcinfo, &exists_plan,
					"SELECT EXISTS (SELECT 1 FROM " PR_SCHEMA ".aliases WHERE alias = $1)",
					1, text_only, values, NULL);
}

/*
 * Give an upload another owner (NULL: none) and move its upload and bytes
 * in the totals; false for an unknown alias.
 */
PG_FUNCTION_INFO_V1(pict_repo_set_owner);
Datum
pict_repo_set_owner(PG_FUNCTION_ARGS)
{
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		isnull;
	int64		n;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX));
	values[1] = PointerGetDatum(PrTextArgOpt(fcinfo, 1, "owner", 1, PR_NAME_MAX));
	if (values[1] == (Datum) 0)
		nulls[1] = 'n';
	values[2] = Int16GetDatum(PR_STATS_SHARD());

	PrConnect();

	/*
	 * s locks the row first, so old_owner is the owner this change
	 * replaces even when another set_owner committed meanwhile.
	 */
	PrExec(&set_owner_plan,
		   "WITH s AS (SELECT alias, owner FROM " PR_SCHEMA ".aliases"
		   "           WHERE alias = $1 FOR UPDATE), "
		   "w AS (UPDATE " PR_SCHEMA ".aliases a SET owner = $2 FROM s"
		   "      WHERE a.alias = s.alias"
		   "      RETURNING s.owner AS old_owner, a.owner, COALESCE(a.bytes, 0) AS bytes), "
		   "c AS (SELECT x.owner, x.uploads, x.bytes FROM w,"
		   "      LATERAL (VALUES (w.old_owner, -1::pg_catalog.int8, -w.bytes),"
		   "                      (w.owner, 1::pg_catalog.int8, w.bytes)) x(owner, uploads, bytes)"
		   "      WHERE w.old_owner IS DISTINCT FROM w.owner), "
		   PR_MEDIA_TOTALS("c", "$3")
		   "SELECT pg_catalog.count(*) FROM w",
		   3, text_text_int2, values, nulls, false, 0, SPI_OK_SELECT);
	n = DatumGetInt64(PrGetDatum(0, 1, &isnull));
	PrFinish();
	PG_RETURN_BOOL(n > 0);
}

/*
 * The statement of add_tags and remove_tags: n computes the new tags
 * (expression expr over the row's tags a.tags and the given tags $2) from
 * the row locked FOR UPDATE, which is the latest version of it, so
 * concurrent edits of one upload's tags queue on its row and none is lost;
 * m keeps them unless they are too many (then the caller raises 22023),
 * with the tags added and removed; u stores them, and alias_tags gets the
 * same change.
 */
#define PR_CHANGE_TAGS(expr) \
	"WITH n AS (SELECT a.alias, a.created_at, a.content_type, a.tags AS old, " expr " AS tags" \
	"           FROM " PR_SCHEMA ".aliases a WHERE a.alias = $1 FOR UPDATE), " \
	"m AS (SELECT n.alias, n.created_at, n.content_type, n.tags," \
	"      ARRAY(SELECT x.t FROM pg_catalog.unnest(n.tags) x(t) WHERE x.t <> ALL (n.old)) AS added," \
	"      ARRAY(SELECT x.t FROM pg_catalog.unnest(n.old) x(t) WHERE x.t <> ALL (n.tags)) AS removed" \
	"      FROM n WHERE pg_catalog.cardinality(n.tags) <= " CppAsString2(PR_TAGS_MAX) "), " \
	"u AS (UPDATE " PR_SCHEMA ".aliases a SET tags = m.tags FROM m WHERE a.alias = m.alias), " \
	PR_TAGS_INSERT("ti", "m", "added") ", " \
	PR_TAGS_DELETE("td", "m", "removed") \
	"SELECT n.tags FROM n"

/*
 * Run PR_CHANGE_TAGS on alias $1 with the tags $2 and return the new tags,
 * NULL for an unknown alias.
 */
static Datum
ChangeTags(FunctionCallInfo fcinfo, PrPlan *plan, const char *sql)
{
	Datum		values[2];
	Datum		result = (Datum) 0;
	bool		isnull = true;

	PrRequireWritable();

	values[0] = PointerGetDatum(PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX));
	values[1] = PointerGetDatum(TagsArg(fcinfo, 1, false));

	PrConnect();
	/* Locked first: see PR_TAGS_INSERT. */
	PrExec(&lock_tags_plan,
		   "SELECT 1 FROM " PR_SCHEMA ".aliases WHERE alias = $1 FOR UPDATE",
		   1, text_only, values, NULL, false, 0, SPI_OK_SELECT);
	if (PrExec(plan, sql, 2, text_textarray, values, NULL, false, 0, SPI_OK_SELECT) > 0)
	{
		ArrayType  *tags;

		result = PrCopyResult(0, 1, &isnull);
		tags = DatumGetArrayTypeP(result);
		if (ArrayGetNItems(ARR_NDIM(tags), ARR_DIMS(tags)) > PR_TAGS_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("tags would give the upload more than %d tags", PR_TAGS_MAX),
					 errdetail("The upload would have %d tags.",
							   ArrayGetNItems(ARR_NDIM(tags), ARR_DIMS(tags)))));
	}
	PrFinish();
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* Add tags to an upload; returns its tags, NULL for an unknown alias. */
PG_FUNCTION_INFO_V1(pict_repo_add_tags);
Datum
pict_repo_add_tags(PG_FUNCTION_ARGS)
{
	return ChangeTags(fcinfo, &add_tags_plan,
					  PR_CHANGE_TAGS("ARRAY(SELECT DISTINCT x.t COLLATE pg_catalog.\"C\""
									 "      FROM pg_catalog.unnest(a.tags || $2) x(t) ORDER BY 1)"));
}

/* Remove tags from an upload; returns its tags, NULL for an unknown alias. */
PG_FUNCTION_INFO_V1(pict_repo_remove_tags);
Datum
pict_repo_remove_tags(PG_FUNCTION_ARGS)
{
	return ChangeTags(fcinfo, &remove_tags_plan,
					  PR_CHANGE_TAGS("ARRAY(SELECT x.t FROM pg_catalog.unnest(a.tags)"
									 "      WITH ORDINALITY x(t, i)"
									 "      WHERE x.t <> ALL ($2) ORDER BY x.i)"));
}

/*
 * Set the access of a pack of uploads; returns how many changed (unknown
 * aliases and those that already had it do not count).
 */
PG_FUNCTION_INFO_V1(pict_repo_set_access);
Datum
pict_repo_set_access(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	int			n;

	PrRequireWritable();

	(void) TextArrayArg(fcinfo, 0, "aliases", PR_LIM_MAX, 1, PR_NAME_MAX, &n);
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PointerGetDatum(AccessArg(fcinfo, 1, false));

	/* The index scan of alias = ANY locks the rows in alias order. */
	n = PrRun(&set_access_plan,
			  "UPDATE " PR_SCHEMA ".aliases SET access = $2"
			  " WHERE alias = ANY ($1) AND access <> $2",
			  2, textarray_text, values, NULL, SPI_OK_UPDATE);
	PG_RETURN_INT32(n);
}

/*
 * Give an upload another name, with its delete token (28000 when wrong).
 * The new alias keeps the token, the creation time, the metadata and the
 * proxied URLs with their access times.  NULL for an unknown alias, false
 * when new_alias is taken.
 *
 * The hash row is locked first (FOR KEY SHARE, as adding an alias does),
 * then the alias row, as in delete_alias; the new alias exists before the
 * old one is deleted, so the hash is never without an alias and a
 * concurrent deletion of its other aliases never reports it orphaned.
 */
PG_FUNCTION_INFO_V1(pict_repo_rename_alias);
Datum
pict_repo_rename_alias(PG_FUNCTION_ARGS)
{
	text	   *alias;
	text	   *new_alias;
	text	   *token;
	Datum		values[2];

	PrRequireWritable();
	alias = PrTextArg(fcinfo, 0, "alias", 1, PR_NAME_MAX);
	new_alias = PrTextArg(fcinfo, 1, "new_alias", 1, PR_NAME_MAX);
	token = PrTextArg(fcinfo, 2, "token", 1, PR_NAME_MAX);

	if (VARSIZE_ANY_EXHDR(alias) == VARSIZE_ANY_EXHDR(new_alias) &&
		memcmp(VARDATA_ANY(alias), VARDATA_ANY(new_alias), VARSIZE_ANY_EXHDR(alias)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("new_alias must differ from alias")));
	values[0] = PointerGetDatum(alias);
	values[1] = PointerGetDatum(new_alias);

	PrConnect();
	if (PrLockAlias(values[0], false, token) == NULL)
	{
		PrFinish();
		PG_RETURN_NULL();
	}

	if (PrExec(&rename_insert_plan,
			   "WITH a AS ("
			   "  INSERT INTO " PR_SCHEMA ".aliases (alias, hash, token, created_at, owner, tags,"
			   "    access, upload_bytes, content_type, width, height, frames, media_bytes)"
			   "  SELECT $2, hash, token, created_at, owner, tags, access, upload_bytes,"
			   "         content_type, width, height, frames, media_bytes"
			   "    FROM " PR_SCHEMA ".aliases WHERE alias = $1"
			   "  ON CONFLICT (alias) DO NOTHING RETURNING alias, created_at, tags, content_type), "
			   PR_TAGS_INSERT("g", "a", "tags")
			   "SELECT 1 FROM a",
			   2, text_text, values, NULL, false, 0, SPI_OK_SELECT) == 0)
	{
		PrFinish();
		PG_RETURN_BOOL(false);
	}
	PrExec(&rename_proxies_plan,
		   "UPDATE " PR_SCHEMA ".proxies SET alias = $2 WHERE alias = $1",
		   2, text_text, values, NULL, false, 0, SPI_OK_UPDATE);
	/* Same owner and bytes under the new name: the totals do not change. */
	PrExec(&rename_delete_plan,
		   "WITH c AS (DELETE FROM " PR_SCHEMA ".aliases WHERE alias = $1"
		   "           RETURNING alias, created_at, tags), "
		   PR_TAGS_DELETE("g", "c", "tags")
		   "SELECT 1 FROM c",
		   1, text_only, values, NULL, false, 0, SPI_OK_SELECT);
	PrFinish();
	PG_RETURN_BOOL(true);
}

/*
 * Return the uploads and bytes of an owner, or of every upload when owner
 * is NULL: one row, from the totals (no upload is read).
 */
PG_FUNCTION_INFO_V1(pict_repo_usage_report);
Datum
pict_repo_usage_report(PG_FUNCTION_ARGS)
{
	Datum		values[1];
	char		nulls[1] = {' '};

	values[0] = PointerGetDatum(PrTextArgOpt(fcinfo, 0, "owner", 1, PR_NAME_MAX));
	if (values[0] == (Datum) 0)
		nulls[0] = 'n';

	return PrReturnRows(fcinfo, &usage_plan,
						"SELECT $1, COALESCE(pg_catalog.sum(uploads), 0)::pg_catalog.int8,"
						"       COALESCE(pg_catalog.sum(bytes), 0)::pg_catalog.int8"
						"  FROM " PR_SCHEMA ".usage_totals WHERE owner = COALESCE($1, '')",
						1, text_only, values, nulls);
}

/*
 * Fill the copies of existing aliases from their originals' details and
 * the totals from the aliases: run once by the 1.3 to 1.4 update script
 * (and on the empty tables of a fresh install), then dropped.  Returns the
 * number of aliases whose copies were written.
 */
PG_FUNCTION_INFO_V1(pict_repo_media_backfill);
Datum
pict_repo_media_backfill(PG_FUNCTION_ARGS)
{
	static const Oid types[] = {BYTEAOID, TEXTOID, INT4OID, INT4OID, INT4OID, INT8OID};
	SPIPlanPtr	scan;
	Portal		portal;
	int64		written = 0;
	MemoryContext batch_cxt;

	PrConnect();
	batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "media backfill",
									  ALLOCSET_DEFAULT_SIZES);
	scan = SPI_prepare("SELECT h.hash, d.details FROM " PR_SCHEMA ".hashes h"
					   " JOIN " PR_SCHEMA ".details d ON " PR_DETAILS_OF_ORIGINAL("d", "h")
					   " WHERE EXISTS (SELECT 1 FROM " PR_SCHEMA ".aliases a WHERE a.hash = h.hash)",
					   0, NULL);
	if (scan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, scan, NULL, NULL, false);
	for (;;)
	{
		int			n;
		Datum	   *hashes;
		MediaProps *props;
		MemoryContext old;

		SPI_cursor_fetch(portal, true, 1000);
		n = (int) SPI_processed;
		if (n == 0)
			break;
		MemoryContextReset(batch_cxt);
		old = MemoryContextSwitchTo(batch_cxt);
		hashes = palloc(sizeof(Datum) * n);
		props = palloc(sizeof(MediaProps) * n);
		for (int i = 0; i < n; i++)
		{
			bool		isnull;

			hashes[i] = PointerGetDatum(DatumGetByteaPCopy(PrGetDatum(i, 1, &isnull)));
			ExtractMedia(DatumGetJsonbP(PrGetDatum(i, 2, &isnull)), &props[i]);
		}
		MemoryContextSwitchTo(old);
		SPI_freetuptable(SPI_tuptable);
		/*
		 * Tags are new in 1.4: every alias has none yet, and alias_tags,
		 * no rows to give the content_type.
		 */
		for (int i = 0; i < n; i++)
		{
			Datum		values[6];
			char		nulls[6];

			values[0] = hashes[i];
			nulls[0] = ' ';
			memcpy(&values[1], props[i].values, sizeof(props[i].values));
			memcpy(&nulls[1], props[i].nulls, sizeof(props[i].nulls));
			written += PrExec(&backfill_plan,
							  "UPDATE " PR_SCHEMA ".aliases SET content_type = $2, width = $3,"
							  " height = $4, frames = $5, media_bytes = $6 WHERE hash = $1",
							  6, types, values, nulls, false, 0, SPI_OK_UPDATE);
		}
	}
	SPI_cursor_close(portal);
	PrExec(&backfill_totals_plan,
		   "INSERT INTO " PR_SCHEMA ".usage_totals (owner, shard, uploads, bytes) "
		   "SELECT v.owner, 0, pg_catalog.count(*), COALESCE(pg_catalog.sum(a.bytes), 0)"
		   "  FROM " PR_SCHEMA ".aliases a,"
		   "       LATERAL (VALUES (''::pg_catalog.text), (a.owner)) v(owner)"
		   " WHERE v.owner IS NOT NULL GROUP BY v.owner",
		   0, NULL, NULL, NULL, false, 0, SPI_OK_INSERT);
	PrFinish();
	PG_RETURN_INT64(written);
}
