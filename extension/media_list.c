/*-------------------------------------------------------------------------
 *
 * media_list.c
 *		list_media: uploads newest first, filtered by any combination of
 *		metadata and media properties, keyset paged by an opaque cursor;
 *		and list_media_explain, the plan of the same query.
 *
 * The filter is a JSON object.  Each key present adds one condition, with
 * its value as a $n parameter, to one query over pict_repo.aliases, ordered
 * by (created_at, alias) descending, so that the index that serves the
 * filter is walked backwards and the walk stops after lim rows (README,
 * "Which index serves which filter").
 *
 * Tags are read from pict_repo.alias_tags, whose primary key (tag,
 * created_at, alias) lists the uploads of one tag newest first: with
 * tags_all the query walks the rarest of its tags (each counted up to
 * TAG_COUNT_CAP rows, CountTags) joined to the aliases, which filter the
 * other tags; with tags_any (and no tags_all) it walks each tag and merges
 * the walks (a UNION ALL of one ordered, limited query per tag); an upload
 * with several of the tags is listed only by the walk of the first of them
 * it has.  With an owner too, the tags are walked only when they are rare
 * (under TAG_COUNT_CAP uploads); otherwise the owner index is walked and
 * the tags are checked on aliases.tags (ChooseTagWalk).  With a
 * content_type, the tags are counted by their uploads of that type (or of
 * that top-level type: a range of the column), and when those of the tag
 * walked (tags_all's rarest, or every tag of tags_any) are few (under
 * TAG_COUNT_CAP), the walk is a read of them from alias_tags' index (tag,
 * content_type, created_at, alias), sorted newest first, so that only the
 * page's uploads are looked up; otherwise the tag is walked as without a
 * type, its uploads filtered.
 *
 * The query of each combination of keys is prepared once and kept (up to
 * LIST_PLANS_MAX combinations); it is
 * planned for every call with the call's values (a custom plan), because
 * which index is best depends on them: a range of widths that keeps most
 * uploads is best filtered on the walk of the created_at index, one that
 * keeps few is best read from the width index and sorted.
 *
 * The cursor of a row is base64 of a version byte (1), its created_at as a
 * big-endian 64-bit integer of microseconds and its alias: rows are strictly
 * ordered by (created_at, alias), so a page that starts after the cursor of
 * the previous page's last row neither skips nor repeats a row, whatever
 * shares its created_at, also when that row was deleted meanwhile.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "media.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* Combinations of filter keys whose query is kept for the backend's life. */
#define LIST_PLANS_MAX 64

/* The version byte of a cursor. */
#define CURSOR_VERSION 1

/* Rows of a tag counted when choosing the tag that tags_all walks. */
#define TAG_COUNT_CAP 1000

/* How a filter key's value is checked and bound. */
typedef enum FilterKind
{
	FK_NAME,					/* string, 1 to 256 characters */
	FK_ACCESS,					/* "public" or "private" */
	FK_MEDIA_TYPE,				/* "type/subtype" or "type/" */
	FK_TAGS,					/* array of 1 to 64 tags */
	FK_INT4,					/* whole number, 0 to 2^31 - 1 */
	FK_INT8,					/* whole number, 0 to 2^63 - 1 */
	FK_TIME,					/* string, a timestamptz */
	FK_BOOL						/* true or false */
} FilterKind;

/*
 * The filter keys in the order their conditions are written.  A condition
 * names the parameter with %d; animated has no parameter.
 */
typedef struct FilterKey
{
	const char *name;
	FilterKind	kind;
	Oid			type;
	const char *condition;
} FilterKey;

enum
{
	F_OWNER, F_ACCESS, F_CONTENT_TYPE, F_TAGS_ALL, F_TAGS_ANY,
	F_MIN_WIDTH, F_MAX_WIDTH, F_MIN_HEIGHT, F_MAX_HEIGHT,
	F_MIN_BYTES, F_MAX_BYTES, F_CREATED_AFTER, F_CREATED_BEFORE,
	F_ANIMATED, F_NKEYS
};

static const FilterKey filter_keys[F_NKEYS] = {
	{"owner", FK_NAME, TEXTOID, "a.owner = $%d"},
	{"access", FK_ACCESS, TEXTOID, "a.access = $%d"},
	{"content_type", FK_MEDIA_TYPE, TEXTOID, "a.content_type = $%d"},
	/* The tags are read through alias_tags (WriteTagQuery). */
	{"tags_all", FK_TAGS, TEXTARRAYOID, NULL},
	{"tags_any", FK_TAGS, TEXTARRAYOID, NULL},
	{"min_width", FK_INT4, INT4OID, "a.width >= $%d"},
	{"max_width", FK_INT4, INT4OID, "a.width <= $%d"},
	{"min_height", FK_INT4, INT4OID, "a.height >= $%d"},
	{"max_height", FK_INT4, INT4OID, "a.height <= $%d"},
	{"min_bytes", FK_INT8, INT8OID, "a.bytes >= $%d"},
	{"max_bytes", FK_INT8, INT8OID, "a.bytes <= $%d"},
	{"created_after", FK_TIME, TIMESTAMPTZOID, "a.created_at > $%d"},
	{"created_before", FK_TIME, TIMESTAMPTZOID, "a.created_at < $%d"},
	{"animated", FK_BOOL, InvalidOid, NULL},
};

/* A content_type ending in "/" is a top-level type: its index expression. */
#define CONDITION_MEDIA_TYPE "pg_catalog.split_part(a.content_type, '/', 1) = $%d"
/* animated: the predicate of aliases_animated_created_at_alias_idx, or not. */
#define CONDITION_ANIMATED "a.frames > 1"
#define CONDITION_NOT_ANIMATED "(a.frames IS NULL OR a.frames <= 1)"

/* Bits of a query's shape beyond the keys present. */
#define SHAPE_MEDIA_TYPE	(1u << F_NKEYS)
#define SHAPE_ANIMATED		(1u << (F_NKEYS + 1))
#define SHAPE_AFTER			(1u << (F_NKEYS + 2))
#define SHAPE_ALL_REST		(1u << (F_NKEYS + 3))	/* tags of tags_all filtered */
#define SHAPE_WALK			(1u << (F_NKEYS + 4))	/* the tags are walked */
#define SHAPE_TYPED			(1u << (F_NKEYS + 5))	/* the walks read one type */
#define SHAPE_ANY_SHIFT		(F_NKEYS + 6)	/* number of tags_any walks */

/* The columns of a row of list_media, before its cursor. */
#define LIST_COLUMNS \
	"a.alias, a.hash, a.owner, a.tags, a.access, a.content_type," \
	" a.width, a.height, a.bytes, a.created_at"
#define LIST_ORDER " ORDER BY a.created_at DESC, a.alias DESC LIMIT $%d"

/* A filter, its cursor and lim, as parameters of the query of its shape. */
typedef struct ListQuery
{
	uint32		shape;
	bool		present[F_NKEYS];
	Datum		value[F_NKEYS];
	bool		animated;
	bool		media_type;		/* content_type is a top-level type */
	bool		has_after;
	Datum		after_created;
	Datum		after_alias;
	int32		lim;
	/* the tags of tags_all and tags_any, without repeats, in their order */
	int			ntags[2];
	Datum		tags[2][PR_TAGS_MAX];
	/* whether the tags are walked (ChooseTagWalk), and which of tags_all */
	bool		walk;
	int			driver;
	/* whether the walks read the rows of one type, with that condition */
	bool		typed;
	char	   *type_cond;
	/* the query */
	StringInfoData sql;
	int			nargs;
	Oid			types[F_NKEYS + 6 + 2 * PR_TAGS_MAX];
	Datum		values[F_NKEYS + 6 + 2 * PR_TAGS_MAX];
} ListQuery;

static struct
{
	uint32		shape;
	SPIPlanPtr	plan;
}			list_plans[LIST_PLANS_MAX];
static int	n_list_plans;

static PrPlan count_plan;
static PrPlan count_type_plan;
static PrPlan count_media_type_plan;

/* ---- the filter ------------------------------------------------------------ */

/* Fail with 22023 about one filter key. */
static void
BadKey(const char *key, const char *must)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("filter key \"%s\" must be %s", key, must)));
}

/* Return the number of characters of a JSON string, within a limit. */
static int
StringChars(const JsonbValue *v, int maxchars)
{
	if (v->val.string.len > maxchars * pg_database_encoding_max_length())
		return maxchars + 1;
	return pg_mbstrlen_with_len(v->val.string.val, v->val.string.len);
}

/* Parse a timestamptz; 22023 naming the key when it is not one. */
static Datum
ParseTime(const char *key, const char *s)
{
	MemoryContext cxt = CurrentMemoryContext;
	Datum		result = (Datum) 0;

	/*
	 * timestamptz_in raises its own error for a malformed time; it is
	 * replaced by ours at once (and the transaction aborted by it), so no
	 * subtransaction is needed.
	 */
	PG_TRY();
	{
		result = DirectFunctionCall3(timestamptz_in, CStringGetDatum(s),
									 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		BadKey(key, "a time such as \"2026-01-01T00:00:00Z\"");
	}
	PG_END_TRY();
	return result;
}

/* Return whether two texts are equal, byte by byte. */
static bool
TextEqual(Datum a, Datum b)
{
	text	   *x = DatumGetTextPP(a);
	text	   *y = DatumGetTextPP(b);

	return VARSIZE_ANY_EXHDR(x) == VARSIZE_ANY_EXHDR(y) &&
		memcmp(VARDATA_ANY(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(x)) == 0;
}

/*
 * Return the tags of a JSON array value (1 to 64 strings of 1 to 64
 * characters) as a text[], and in items (n of them) without repeats.
 */
static Datum
ParseTags(const char *key, JsonbValue *v, Datum *items, int *nitems)
{
	static const char *must = "an array of 1 to 64 tags of 1 to 64 characters";
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	Datum	   *all = palloc(sizeof(Datum) * PR_TAGS_MAX);
	int			n = 0;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerIsScalar(v->val.binary.data))
		BadKey(key, must);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (elem.type != jbvString || n >= PR_TAGS_MAX)
			BadKey(key, must);
		if (StringChars(&elem, PR_TAG_MAX) < 1 || StringChars(&elem, PR_TAG_MAX) > PR_TAG_MAX)
			BadKey(key, must);
		all[n++] = PointerGetDatum(cstring_to_text_with_len(elem.val.string.val,
															elem.val.string.len));
	}
	if (n == 0)
		BadKey(key, must);
	*nitems = 0;
	for (int i = 0; i < n; i++)
	{
		bool		seen = false;

		for (int j = 0; j < *nitems && !seen; j++)
			seen = TextEqual(all[i], items[j]);
		if (!seen)
			items[(*nitems)++] = all[i];
	}
	return PointerGetDatum(construct_array(all, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Check and keep the value of one filter key. */
static void
ParseKey(ListQuery *q, int k, JsonbValue *v)
{
	const FilterKey *key = &filter_keys[k];
	int64		n;
	char	   *s;
	bool		is_prefix;

	switch (key->kind)
	{
		case FK_NAME:
			if (v->type != jbvString || StringChars(v, PR_NAME_MAX) < 1 ||
				StringChars(v, PR_NAME_MAX) > PR_NAME_MAX)
				BadKey(key->name, "a string of 1 to 256 characters");
			q->value[k] = PointerGetDatum(cstring_to_text_with_len(v->val.string.val,
																   v->val.string.len));
			break;
		case FK_ACCESS:
			if (v->type != jbvString ||
				!((v->val.string.len == 6 && memcmp(v->val.string.val, "public", 6) == 0) ||
				  (v->val.string.len == 7 && memcmp(v->val.string.val, "private", 7) == 0)))
				BadKey(key->name, "\"public\" or \"private\"");
			q->value[k] = PointerGetDatum(cstring_to_text_with_len(v->val.string.val,
																   v->val.string.len));
			break;
		case FK_MEDIA_TYPE:
			if (v->type != jbvString ||
				!PrMediaTypeNormalize(v->val.string.val, v->val.string.len, true, &s, &is_prefix))
				BadKey(key->name, "a media type such as \"image/png\", or a top-level type "
					   "ending in \"/\" such as \"image/\"");
			if (is_prefix)
			{
				s[strlen(s) - 1] = '\0';
				q->media_type = true;
			}
			q->value[k] = PointerGetDatum(cstring_to_text(s));
			break;
		case FK_TAGS:
			q->value[k] = ParseTags(key->name, v, q->tags[k - F_TAGS_ALL],
									&q->ntags[k - F_TAGS_ALL]);
			break;
		case FK_INT4:
		case FK_INT8:
			if (v->type != jbvNumeric ||
				!PrParseCount(DatumGetCString(DirectFunctionCall1(numeric_out,
																  NumericGetDatum(v->val.numeric))),
							  key->kind == FK_INT4 ? PG_INT32_MAX : PG_INT64_MAX, &n))
				BadKey(key->name, key->kind == FK_INT4 ?
					   "a whole number from 0 to 2147483647" :
					   "a whole number from 0 to 9223372036854775807");
			q->value[k] = key->kind == FK_INT4 ? Int32GetDatum((int32) n) : Int64GetDatum(n);
			break;
		case FK_TIME:
			if (v->type != jbvString)
				BadKey(key->name, "a time such as \"2026-01-01T00:00:00Z\"");
			q->value[k] = ParseTime(key->name, pnstrdup(v->val.string.val, v->val.string.len));
			break;
		case FK_BOOL:
			if (v->type != jbvBool)
				BadKey(key->name, "true or false");
			q->animated = v->val.boolean;
			break;
	}
	q->present[k] = true;
}

/* Fail with 22023 when both ends of a range are given and nothing is between them. */
static void
CheckRange(ListQuery *q, int lo, int hi, int cmp)
{
	if (q->present[lo] && q->present[hi] && cmp > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("filter keys \"%s\" and \"%s\" give an empty range",
						filter_keys[lo].name, filter_keys[hi].name)));
}

/* Read the filter argument: every key known, every value of its type. */
static void
ParseFilter(ListQuery *q, Jsonb *filter)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(filter))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("filter must be a JSON object"),
				 errhint("For example {\"owner\": \"alice\", \"content_type\": \"image/\"}.")));
	it = JsonbIteratorInit(&filter->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			int			k;

			for (k = 0; k < F_NKEYS; k++)
				if (strcmp(key, filter_keys[k].name) == 0)
					break;
			if (k == F_NKEYS)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("filter has an unknown key \"%s\"", key),
						 errhint("The keys are owner, access, content_type, tags_all, tags_any, "
								 "min_width, max_width, min_height, max_height, min_bytes, "
								 "max_bytes, created_after, created_before and animated.")));
			ParseKey(q, k, &v);
		}
	}
	CheckRange(q, F_MIN_WIDTH, F_MAX_WIDTH,
			   q->present[F_MIN_WIDTH] && q->present[F_MAX_WIDTH] &&
			   DatumGetInt32(q->value[F_MIN_WIDTH]) > DatumGetInt32(q->value[F_MAX_WIDTH]));
	CheckRange(q, F_MIN_HEIGHT, F_MAX_HEIGHT,
			   q->present[F_MIN_HEIGHT] && q->present[F_MAX_HEIGHT] &&
			   DatumGetInt32(q->value[F_MIN_HEIGHT]) > DatumGetInt32(q->value[F_MAX_HEIGHT]));
	CheckRange(q, F_MIN_BYTES, F_MAX_BYTES,
			   q->present[F_MIN_BYTES] && q->present[F_MAX_BYTES] &&
			   DatumGetInt64(q->value[F_MIN_BYTES]) > DatumGetInt64(q->value[F_MAX_BYTES]));
	/* Both bounds are strict: nothing is after t and before t. */
	CheckRange(q, F_CREATED_AFTER, F_CREATED_BEFORE,
			   q->present[F_CREATED_AFTER] && q->present[F_CREATED_BEFORE] &&
			   DatumGetTimestampTz(q->value[F_CREATED_AFTER]) >=
			   DatumGetTimestampTz(q->value[F_CREATED_BEFORE]));
}

/* ---- the cursor ------------------------------------------------------------ */

/* Return the cursor of a row. */
static text *
EncodeCursor(TimestampTz created_at, text *alias)
{
	int			alen = VARSIZE_ANY_EXHDR(alias);
	int			len = 1 + 8 + alen;
	char	   *raw = palloc(len);
	uint64		t = (uint64) created_at;
	int			enclen = pg_b64_enc_len(len);
	char	   *enc = palloc(enclen);
	int			n;

	raw[0] = CURSOR_VERSION;
	for (int i = 0; i < 8; i++)
		raw[1 + i] = (char) (t >> (56 - 8 * i));
	memcpy(raw + 9, VARDATA_ANY(alias), alen);
	n = pg_b64_encode(raw, len, enc, enclen);
	if (n < 0)
		elog(ERROR, "could not encode a cursor");
	return cstring_to_text_with_len(enc, n);
}

/* Read the after argument into the keyset of q; 22023 when it is not a cursor. */
static void
DecodeCursor(ListQuery *q, text *after)
{
	int			len = VARSIZE_ANY_EXHDR(after);
	int			rawlen = pg_b64_dec_len(len);
	char	   *raw = palloc(rawlen + 1);
	int			n = pg_b64_decode(VARDATA_ANY(after), len, raw, rawlen);
	uint64		t = 0;
	int			nchars;

	if (n < 10 || raw[0] != CURSOR_VERSION ||
		!pg_verifymbstr(raw + 9, n - 9, true) ||
		(nchars = pg_mbstrlen_with_len(raw + 9, n - 9)) < 1 || nchars > PR_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("after is not a cursor of list_media"),
				 errhint("Pass the cursor of the last row of the previous page, or NULL for the first page.")));
	for (int i = 0; i < 8; i++)
		t = (t << 8) | (unsigned char) raw[1 + i];
	q->has_after = true;
	q->after_created = TimestampTzGetDatum((TimestampTz) t);
	q->after_alias = PointerGetDatum(cstring_to_text_with_len(raw + 9, n - 9));
}

/* ---- the query ------------------------------------------------------------- */

/* Add parameter value of type to the query; returns its number. */
static int
AddParam(ListQuery *q, Oid type, Datum value)
{
	q->types[q->nargs] = type;
	q->values[q->nargs] = value;
	return ++q->nargs;
}

/*
 * With an owner, a top-level type is also written as the range of
 * content_type it covers, ['image/', 'image0') (the column is COLLATE "C"),
 * so that aliases_owner_content_type_created_at_alias_idx can read just the
 * owner's uploads of that type when they are few among the owner's; and
 * so on alias_tags (r "t") for a typed walk.
 */
static void
AddTypeRange(ListQuery *q, StringInfo conds, const char *r)
{
	char	   *type = text_to_cstring(DatumGetTextPP(q->value[F_CONTENT_TYPE]));
	int			lo = AddParam(q, TEXTOID, PointerGetDatum(cstring_to_text(psprintf("%s/", type))));
	int			hi = AddParam(q, TEXTOID, PointerGetDatum(cstring_to_text(psprintf("%s0", type))));

	appendStringInfo(conds, " AND %s.content_type >= $%d AND %s.content_type < $%d",
					 r, lo, r, hi);
}

/* Return a text[] of n tags. */
static Datum
TagArray(Datum *tags, int n)
{
	return PointerGetDatum(construct_array(tags, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * The query of CountTags: the rows of each tag of $1 in alias_tags, up to
 * TAG_COUNT_CAP, that meet cond (on x).
 */
#define COUNT_TAGS(cond) \
	"SELECT (SELECT pg_catalog.count(*) FROM (SELECT 1 FROM " PR_SCHEMA ".alias_tags x" \
	"         WHERE x.tag = u.tag" cond " LIMIT " CppAsString2(TAG_COUNT_CAP) ") c)" \
	"  FROM pg_catalog.unnest($1) WITH ORDINALITY u(tag, i) ORDER BY u.i"

/*
 * Count the uploads of each tag of tags_all (which = 0) or tags_any (1),
 * each up to TAG_COUNT_CAP, into counts: with a content_type, only those
 * of that type (one index-only read of the type's index per tag), which
 * are the rows a typed walk reads.  Called inside SPI.
 */
static void
CountTags(ListQuery *q, int which, int64 *counts)
{
	Oid			types[] = {TEXTARRAYOID, TEXTOID, TEXTOID};
	Datum		values[3];
	int			n;
	bool		isnull;

	values[0] = TagArray(q->tags[which], q->ntags[which]);
	values[1] = q->value[F_CONTENT_TYPE];
	if (!q->present[F_CONTENT_TYPE])
		n = PrExec(&count_plan, COUNT_TAGS(""),
				   1, types, values, NULL, true, 0, SPI_OK_SELECT);
	else if (!q->media_type)
		n = PrExec(&count_type_plan, COUNT_TAGS(" AND x.content_type = $2"),
				   2, types, values, NULL, true, 0, SPI_OK_SELECT);
	else
	{
		char	   *type = text_to_cstring(DatumGetTextPP(q->value[F_CONTENT_TYPE]));

		/* A top-level type: the range of AddTypeRange. */
		values[1] = PointerGetDatum(cstring_to_text(psprintf("%s/", type)));
		values[2] = PointerGetDatum(cstring_to_text(psprintf("%s0", type)));
		n = PrExec(&count_media_type_plan,
				   COUNT_TAGS(" AND x.content_type >= $2 AND x.content_type < $3"),
				   3, types, values, NULL, true, 0, SPI_OK_SELECT);
	}
	if (n != q->ntags[which])
		elog(ERROR, "counting the uploads of %d tags gave %d rows", q->ntags[which], n);
	for (int i = 0; i < n; i++)
		counts[i] = DatumGetInt64(PrGetDatum(i, 1, &isnull));
}

/*
 * Decide how a filter with tags is read (see the top): set q->walk, and
 * q->driver, the tag of tags_all to walk, and q->typed.  Called inside SPI.
 */
static void
ChooseTagWalk(ListQuery *q)
{
	int64		counts[PR_TAGS_MAX];
	int64		fewest = 0;
	int64		most = 0;
	int			which = q->present[F_TAGS_ALL] ? 0 : 1;

	q->walk = true;
	/* The tags are counted only when a choice depends on it. */
	if (!(q->present[F_OWNER] || q->present[F_CONTENT_TYPE] ||
		  (which == 0 && q->ntags[0] > 1)))
		return;
	CountTags(q, which, counts);
	if (which == 0)
	{
		/* tags_all: its rarest tag is walked. */
		for (int i = 1; i < q->ntags[0]; i++)
			if (counts[i] < counts[q->driver])
				q->driver = i;
		fewest = most = counts[q->driver];
	}
	else
	{
		/* tags_any: every tag is walked. */
		for (int i = 0; i < q->ntags[1]; i++)
		{
			fewest += counts[i];
			most = Max(most, counts[i]);
		}
	}
	/* An owner's uploads: walked by the owner index unless the tags are rare. */
	if (q->present[F_OWNER] && fewest >= TAG_COUNT_CAP)
		q->walk = false;
	/* One type of uploads: read from the type's rows of each tag walked. */
	q->typed = q->walk && q->present[F_CONTENT_TYPE] && most < TAG_COUNT_CAP;
}

/* The columns of a row read through the walk of a tag (t.created_at = a.created_at). */
#define WALK_COLUMNS \
	"a.alias, a.hash, a.owner, a.tags, a.access, a.content_type," \
	" a.width, a.height, a.bytes, t.created_at"

/*
 * The walk of one tag: its rows of alias_tags newest first, each upload
 * looked up by its alias and checked (conditions %s) in a subquery per row
 * (LIMIT 1: alias is the key of aliases; the LIMIT keeps the subquery a
 * lookup per row of the walk rather than a join the planner may turn
 * into a scan of aliases).  The walk stops when lim uploads passed.
 */
#define WALK_FROM \
	" FROM " PR_SCHEMA ".alias_tags t," \
	" LATERAL (SELECT * FROM " PR_SCHEMA ".aliases a WHERE a.alias = t.alias%s LIMIT 1) a" \
	" WHERE t.tag = $%d%s"
#define WALK_ORDER " ORDER BY t.created_at DESC, t.alias DESC LIMIT $%d"

/*
 * The typed walk of one tag: its rows of one type (conditions %s, then the
 * cursor's), read from alias_tags_tag_content_type_created_at_alias_idx
 * and sorted newest first (a subquery with ORDER BY is planned on its own:
 * all its rows, at most the tag's), each upload looked up as above until
 * lim passed.
 */
#define TYPED_FROM \
	" FROM (SELECT t.created_at, t.alias FROM " PR_SCHEMA ".alias_tags t" \
	"       WHERE t.tag = $%d%s%s ORDER BY t.created_at DESC, t.alias DESC) t," \
	" LATERAL (SELECT * FROM " PR_SCHEMA ".aliases a WHERE a.alias = t.alias%s LIMIT 1) a"

/* Write the walk of one tag (WALK_FROM or TYPED_FROM) into q->sql. */
static void
WriteWalk(ListQuery *q, const char *conds, const char *tconds, Datum tag, int lim)
{
	int			p = AddParam(q, TEXTOID, tag);

	if (q->typed)
		appendStringInfo(&q->sql, "SELECT " WALK_COLUMNS TYPED_FROM WALK_ORDER,
						 p, q->type_cond, tconds, conds, lim);
	else
		appendStringInfo(&q->sql, "SELECT " WALK_COLUMNS WALK_FROM WALK_ORDER,
						 conds, p, tconds, lim);
}

/*
 * Write the query of a filter with tags (see the top) into q->sql, with
 * conds, the conditions on the aliases, tconds, those on the walk (the
 * cursor), and the parameter of lim.
 */
static void
WriteTagQuery(ListQuery *q, const char *conds, const char *tconds, int lim)
{
	/* The walk of one tag: tags_all's, or tags_any's only tag. */
	if (q->present[F_TAGS_ALL] || q->ntags[1] == 1)
	{
		Datum		tag = q->present[F_TAGS_ALL] ? q->tags[0][q->driver] : q->tags[1][0];

		WriteWalk(q, conds, tconds, tag, lim);
		return;
	}

	/*
	 * The walks of the tags of tags_any, merged: walk j lists the uploads
	 * that have tag j and none of the tags before it.
	 */
	q->shape |= (uint32) q->ntags[1] << SHAPE_ANY_SHIFT;
	appendStringInfoString(&q->sql, "SELECT * FROM (");
	for (int j = 0; j < q->ntags[1]; j++)
	{
		char	   *walk_conds = (char *) conds;

		if (j > 0)
			walk_conds = psprintf("%s AND NOT (a.tags && $%d)", conds,
								  AddParam(q, TEXTARRAYOID, TagArray(q->tags[1], j)));
		appendStringInfoString(&q->sql, j > 0 ? " UNION ALL (" : "(");
		WriteWalk(q, walk_conds, tconds, q->tags[1][j], lim);
		appendStringInfoChar(&q->sql, ')');
	}
	appendStringInfo(&q->sql, ") a" LIST_ORDER, lim);
}

/* Read the arguments (filter, lim, after). */
static void
ReadArgs(FunctionCallInfo fcinfo, ListQuery *q)
{
	memset(q, 0, sizeof(*q));
	if (!PG_ARGISNULL(0))
		ParseFilter(q, PG_GETARG_JSONB_P(0));
	q->lim = PG_ARGISNULL(1) ? 100 : PrIntArg(fcinfo, 1, "lim", 1, PR_LIM_MAX);
	if (!PG_ARGISNULL(2))
		DecodeCursor(q, PrTextArg(fcinfo, 2, "after", 1, 2048));
}

/*
 * Write the query of the arguments' shape with its parameters.  Called
 * inside SPI: with tags, ChooseTagWalk may count them first.
 */
static void
BuildQuery(ListQuery *q)
{
	StringInfoData conds;
	StringInfoData tconds;
	bool		tagged = q->present[F_TAGS_ALL] || q->present[F_TAGS_ANY];
	int			lim;

	if (tagged)
		ChooseTagWalk(q);
	initStringInfo(&conds);
	initStringInfo(&tconds);
	initStringInfo(&q->sql);
	for (int k = 0; k < F_NKEYS; k++)
	{
		if (!q->present[k])
			continue;
		q->shape |= 1u << k;
		if (k == F_TAGS_ALL || k == F_TAGS_ANY)
			continue;
		appendStringInfoString(&conds, " AND ");
		if (k == F_ANIMATED)
		{
			if (q->animated)
				q->shape |= SHAPE_ANIMATED;
			appendStringInfoString(&conds, q->animated ? CONDITION_ANIMATED : CONDITION_NOT_ANIMATED);
			continue;
		}
		if (k == F_CONTENT_TYPE && q->media_type)
			q->shape |= SHAPE_MEDIA_TYPE;
		appendStringInfo(&conds,
						 k == F_CONTENT_TYPE && q->media_type ? CONDITION_MEDIA_TYPE :
						 filter_keys[k].condition,
						 AddParam(q, filter_keys[k].type, q->value[k]));
		if (k == F_CONTENT_TYPE && q->media_type && q->present[F_OWNER])
			AddTypeRange(q, &conds, "a");
	}

	/* A typed walk's condition on alias_tags.content_type. */
	if (q->typed)
	{
		StringInfoData tc;

		initStringInfo(&tc);
		if (q->media_type)
			AddTypeRange(q, &tc, "t");
		else
			appendStringInfo(&tc, " AND t.content_type = $%d",
							 AddParam(q, TEXTOID, q->value[F_CONTENT_TYPE]));
		q->type_cond = tc.data;
		q->shape |= SHAPE_TYPED;
	}

	/*
	 * The tags that no walk reads are checked on the aliases: with a walk,
	 * tags_all's others and tags_any beside tags_all; without, all of them.
	 */
	if (q->present[F_TAGS_ALL] && (!q->walk || q->ntags[0] > 1))
	{
		Datum		others[PR_TAGS_MAX];
		int			n = 0;

		for (int i = 0; i < q->ntags[0]; i++)
			if (!q->walk || i != q->driver)
				others[n++] = q->tags[0][i];
		appendStringInfo(&conds, " AND a.tags @> $%d",
						 AddParam(q, TEXTARRAYOID, TagArray(others, n)));
		q->shape |= SHAPE_ALL_REST;
	}
	if (q->present[F_TAGS_ANY] && (!q->walk || q->present[F_TAGS_ALL]))
		appendStringInfo(&conds, " AND a.tags && $%d",
						 AddParam(q, TEXTARRAYOID, q->value[F_TAGS_ANY]));
	if (tagged && q->walk)
		q->shape |= SHAPE_WALK;

	if (q->has_after)
	{
		const char *r = tagged && q->walk ? "t" : "a";
		int			c = AddParam(q, TIMESTAMPTZOID, q->after_created);
		int			a = AddParam(q, TEXTOID, q->after_alias);

		/* On the index walked: alias_tags' with a walk of tags. */
		q->shape |= SHAPE_AFTER;
		appendStringInfo(tagged && q->walk ? &tconds : &conds,
						 " AND (%s.created_at, %s.alias) < ($%d, $%d)", r, r, c, a);
	}
	lim = AddParam(q, INT4OID, Int32GetDatum(q->lim));
	if (tagged && q->walk)
		WriteTagQuery(q, conds.data, tconds.data, lim);
	else
		appendStringInfo(&q->sql, "SELECT " LIST_COLUMNS " FROM " PR_SCHEMA ".aliases a WHERE true%s"
						 LIST_ORDER, conds.data, lim);
}

/*
 * Return the kept plan of the query's shape, preparing it on first use.
 * CURSOR_OPT_CUSTOM_PLAN: planned with each call's values (see the top).
 */
static SPIPlanPtr
ListPlan(ListQuery *q)
{
	SPIPlanPtr	plan;

	for (int i = 0; i < n_list_plans; i++)
		if (list_plans[i].shape == q->shape)
			return list_plans[i].plan;
	plan = SPI_prepare_cursor(q->sql.data, q->nargs, q->types,
							  CURSOR_OPT_CUSTOM_PLAN | CURSOR_OPT_PARALLEL_OK);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare_cursor failed for \"%s\": %s", q->sql.data,
			 SPI_result_code_string(SPI_result));
	/* Past the limit the plan is not kept: SPI_finish frees it. */
	if (n_list_plans < LIST_PLANS_MAX)
	{
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed for \"%s\"", q->sql.data);
		list_plans[n_list_plans].shape = q->shape;
		list_plans[n_list_plans].plan = plan;
		n_list_plans++;
	}
	return plan;
}

/*
 * Return a page of uploads matching a filter, newest first by (created_at,
 * alias), after the cursor of the previous page's last row; each row with
 * its own cursor.
 */
PG_FUNCTION_INFO_V1(pict_repo_list_media);
Datum
pict_repo_list_media(PG_FUNCTION_ARGS)
{
	ListQuery	q;
	int			rc;
	Datum		values[11];
	bool		nulls[11];

	ReadArgs(fcinfo, &q);

	PrMaterialize(fcinfo);
	PrConnect();
	BuildQuery(&q);
	rc = SPI_execute_plan(ListPlan(&q), q.values, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan returned %s for \"%s\"",
			 SPI_result_code_string(rc), q.sql.data);
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		for (int col = 0; col < 10; col++)
			values[col] = PrGetDatum((int) row, col + 1, &nulls[col]);
		values[10] = PointerGetDatum(EncodeCursor(DatumGetTimestampTz(values[9]),
												  DatumGetTextPP(values[0])));
		nulls[10] = false;
		PrPutRow(fcinfo, values, nulls);
	}
	PrFinish();
	return (Datum) 0;
}

/*
 * Return the plan list_media would run for these arguments, as EXPLAIN
 * (FORMAT JSON) prints it: planned the same way, with the same values.
 */
PG_FUNCTION_INFO_V1(pict_repo_list_media_explain);
Datum
pict_repo_list_media_explain(PG_FUNCTION_ARGS)
{
	ListQuery	q;
	StringInfoData sql;
	int			rc;
	char	   *plan;

	ReadArgs(fcinfo, &q);

	/* read_only false: SPI refuses EXPLAIN as a read-only statement. */
	PrConnect();
	BuildQuery(&q);
	initStringInfo(&sql);
	appendStringInfo(&sql, "EXPLAIN (FORMAT JSON) %s", q.sql.data);
	rc = SPI_execute_with_args(sql.data, q.nargs, q.types, q.values, NULL, false, 0);
	if ((rc != SPI_OK_UTILITY && rc != SPI_OK_SELECT) || SPI_processed != 1)
		elog(ERROR, "EXPLAIN of list_media returned %s", SPI_result_code_string(rc));
	/* Copied out of SPI's memory, which SPI_finish frees. */
	plan = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	plan = strcpy(SPI_palloc(strlen(plan) + 1), plan);
	PrFinish();
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(plan)));
}
