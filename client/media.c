/*-------------------------------------------------------------------------
 *
 * media.c
 *		libpictrepo: the file service.  Ingest with metadata, media_info,
 *		media_exists, set_owner, add_tags, remove_tags, set_access,
 *		rename_alias, usage_report, and list_media as pages or as a
 *		stream of pages; the JSON of a listing filter.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pr_internal.h"

#define B PR_BYTEAOID
#define T PR_TEXTOID
#define TA PR_TEXTARRAYOID
#define I4 PR_INT4OID
#define I8 PR_INT8OID
#define J PR_JSONBOID

#define MEDIA_COLUMNS "alias::text, hash::bytea, owner::text, tags::text[], access::text, " \
	"content_type::text, width::integer, height::integer, bytes::bigint, created_at::timestamptz"

static const PrStmt st_ingest_ex = {"pr_ingest_ex",
	"SELECT alias::text, token::text, stored_identifier::text, hash_created::boolean "
	"FROM pict_repo.ingest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
10, {B, T, J, T, T, T, T, TA, T, I8}};
static const PrStmt st_media_info = {"pr_media_info",
	"SELECT " MEDIA_COLUMNS ", identifier::text, variants::integer "
	"FROM pict_repo.media_info($1)",
1, {T}};
static const PrStmt st_media_exists = {"pr_media_exists",
"SELECT pict_repo.media_exists($1)", 1, {T}};
static const PrStmt st_set_owner = {"pr_set_owner",
"SELECT pict_repo.set_owner($1, $2)", 2, {T, T}};
static const PrStmt st_add_tags = {"pr_add_tags",
"SELECT pict_repo.add_tags($1, $2)::text[]", 2, {T, TA}};
static const PrStmt st_remove_tags = {"pr_remove_tags",
"SELECT pict_repo.remove_tags($1, $2)::text[]", 2, {T, TA}};
static const PrStmt st_set_access = {"pr_set_access",
"SELECT pict_repo.set_access($1, $2)::integer", 2, {TA, T}};
static const PrStmt st_rename_alias = {"pr_rename_alias",
"SELECT pict_repo.rename_alias($1, $2, $3)", 3, {T, T, T}};
static const PrStmt st_list_media = {"pr_list_media",
	"SELECT " MEDIA_COLUMNS ", cursor::text "
	"FROM pict_repo.list_media(COALESCE($1, '{}'), COALESCE($2, 100), $3)",
3, {J, I4, T}};
static const PrStmt st_usage_report = {"pr_usage_report",
	"SELECT uploads::bigint, bytes::bigint FROM pict_repo.usage_report($1)",
1, {T}};

void		pr_media_list_free(pr_media_list *p) { free(p); }

/* ---- text[] results ------------------------------------------------------------ */

static uint32_t
be32(const unsigned char *b)
{
	return ((uint32_t) b[0] << 24) | ((uint32_t) b[1] << 16) | ((uint32_t) b[2] << 8) | b[3];
}

/*
 * Walk a text[] value in binary (one dimension or none, no NULL): return
 * the number of elements and add to *size the bytes their strings take
 * with their NULs, or -1 when the value is not such an array.  With
 * items, copy the strings to *strings and point items at them.
 */
static long
text_array_walk(const char *value, int len, size_t *size, char **items, char **strings)
{
	const unsigned char *v = (const unsigned char *) value;
	const unsigned char *end = v + len;
	long		n;

	if (len < 12)
		return -1;
	if (be32(v) == 0)
		return 0;
	if (be32(v) != 1 || len < 20 || be32(v + 12) > 0x7fffffff)
		return -1;
	n = (long) be32(v + 12);
	v += 20;
	for (long i = 0; i < n; i++)
	{
		uint32_t	elen;

		if (end - v < 4 || (elen = be32(v)) > (uint32_t) (end - v - 4))
			return -1;			/* also a NULL element: 0xffffffff */
		if (size)
			*size += elen + 1;
		if (items)
		{
			memcpy(*strings, v + 4, elen);
			(*strings)[elen] = '\0';
			items[i] = *strings;
			*strings += elen + 1;
		}
		v += 4 + elen;
	}
	return n;
}

/* Round an offset in a packed block up to pointer alignment. */
static size_t
align_ptr(size_t off)
{
	return (off + sizeof(char *) - 1) & ~(sizeof(char *) - 1);
}

/*
 * Decode the text[] in column col of every row of res: check them and
 * return the bytes they need in a packed block (pointers, strings and
 * alignment), or -1 when one is not a text[].
 */
static long
text_arrays_size(const PGresult *res, int col)
{
	size_t		size = 0;

	for (int r = 0; r < PQntuples(res); r++)
	{
		long		n;

		if (PQgetisnull(res, r, col))
			continue;
		n = text_array_walk(PQgetvalue(res, r, col), PQgetlength(res, r, col), &size, NULL, NULL);
		if (n < 0)
			return -1;
		size += sizeof(char *) - 1 + (size_t) n * sizeof(char *);
		if (size > 0x7fffffff)
			return -1;
	}
	return (long) size;
}

/* Copy the text[] of row r, column col, into the packed block. */
static char **
pack_text_array(PrPack *pk, const PGresult *res, int r, int col, size_t *n)
{
	char	  **items;
	char	   *strings;
	long		count;

	*n = 0;
	if (PQgetisnull(res, r, col))
		return NULL;
	count = text_array_walk(PQgetvalue(res, r, col), PQgetlength(res, r, col), NULL, NULL, NULL);
	items = (char **) (pk->base + align_ptr((size_t) (pk->strings - pk->base)));
	strings = (char *) (items + count);
	text_array_walk(PQgetvalue(res, r, col), PQgetlength(res, r, col), NULL, items, &strings);
	pk->strings = strings;
	*n = (size_t) count;
	return items;
}

/*
 * Pack the rows of a media_info or list_media result into one block:
 * MEDIA_COLUMNS, then the cursor (list) or the identifier and the number
 * of variants (info).
 */
static void *
pack_media(PGresult *res, bool info, size_t header, pr_media_row **rows_out,
		   pr_error *err)
{
	static const int strcols[] = {0, 2, 4, 5, 10};
	long		tags_size = text_arrays_size(res, 3);
	PrPack		pk;
	void	   *block;
	void	   *rows;
	int			n = PQntuples(res);

	if (tags_size < 0)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "unexpected result: tags are not a text array");
		return NULL;
	}
	block = pri_pack_begin(&pk, header, sizeof(pr_media_row), (size_t) n, (size_t) tags_size,
						   res, strcols, 5, &rows, err);
	if (!block)
		return NULL;
	*rows_out = rows;
	for (int r = 0; r < n; r++)
	{
		pr_media_row *m = &(*rows_out)[r];

		m->alias = pri_pack_str(&pk, res, r, 0);
		pri_get_hash(res, r, 1, &m->hash);
		m->owner = pri_pack_str(&pk, res, r, 2);
		m->access = pri_pack_str(&pk, res, r, 4);
		m->content_type = pri_pack_str(&pk, res, r, 5);
		m->width = pri_isnull(res, r, 6) ? -1 : pri_get_int4(res, r, 6);
		m->height = pri_isnull(res, r, 7) ? -1 : pri_get_int4(res, r, 7);
		m->bytes = pri_isnull(res, r, 8) ? -1 : pri_get_int8(res, r, 8);
		m->created_at = pri_get_ts(res, r, 9);
		if (info)
		{
			m->identifier = pri_pack_str(&pk, res, r, 10);
			m->variants = pri_get_int4(res, r, 11);
		}
		else
		{
			m->cursor = pri_pack_str(&pk, res, r, 10);
			m->variants = -1;
		}
		m->tags = pack_text_array(&pk, res, r, 3, &m->n_tags);
	}
	return block;
}

/* ---- calls ---------------------------------------------------------------------- */

/* Store a whole upload with its metadata (ingest with owner, tags, access, bytes). */
int
pr_ingest_ex(pr_conn *conn, const pr_ingest_item *item, const pr_upload_meta *meta,
			 pr_ingest_result **result, pr_error *err)
{
	static const pr_upload_meta none = {NULL};
	PrParams	p;

	if (result)
		*result = NULL;
	if (!item)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "item is NULL");
		return PR_ERROR;
	}
	if (!meta)
		meta = &none;
	pri_ingest_params(&p, item);
	pri_pp_text(&p, meta->owner);
	if (meta->n_tags == 0)
		pri_pp_text(&p, NULL);
	else if (pri_pp_text_array(&p, meta->tags, meta->n_tags) != 0)
	{
		pri_params_free(&p);
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "tags must not contain NULL");
		return PR_ERROR;
	}
	pri_pp_text(&p, meta->access);
	if (meta->has_bytes)
		pri_pp_int8(&p, meta->bytes);
	else
		pri_pp_text(&p, NULL);
	return pri_ingest_exec(conn, &st_ingest_ex, &p, result, err);
}

int
pr_media_info(pr_conn *conn, const char *alias, pr_media_row **info, pr_error *err)
{
	PrParams	p;
	PGresult   *res;
	pr_media_row *row = NULL;
	void	   *block;

	if (info)
		*info = NULL;
	pri_params_init(&p);
	pri_pp_text(&p, alias);
	res = pri_exec(conn, &st_media_info, &p, 12, err);
	if (!res)
		return PR_ERROR;
	if (PQntuples(res) < 1)
	{
		PQclear(res);
		return PR_NONE;
	}
	/* One row, with the row itself as the block's header. */
	block = pack_media(res, true, 0, &row, err);
	PQclear(res);
	if (!block)
		return PR_ERROR;
	if (info)
		*info = row;
	else
		free(block);
	return PR_OK;
}

int
pr_media_exists(pr_conn *conn, const char *alias, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, alias);
	return pri_exec_bool(conn, &st_media_exists, &p, err);
}

int
pr_set_owner(pr_conn *conn, const char *alias, const char *owner, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, alias);
	pri_pp_text(&p, owner);
	return pri_exec_bool(conn, &st_set_owner, &p, err);
}

/* add_tags or remove_tags: the tags afterwards as a pr_strings. */
static int
change_tags(pr_conn *conn, const PrStmt *stmt, const char *alias,
			const char *const *tags, size_t n_tags, pr_strings **after, pr_error *err)
{
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_strings *list;
	long		size;
	size_t		n;

	if (after)
		*after = NULL;
	pri_params_init(&p);
	pri_pp_text(&p, alias);
	if (pri_pp_text_array(&p, tags, n_tags) != 0)
	{
		pri_params_free(&p);
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "tags must not contain NULL");
		return PR_ERROR;
	}
	res = pri_exec(conn, stmt, &p, 1, err);
	if (!res)
		return PR_ERROR;
	if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0))
	{
		PQclear(res);
		return PR_NONE;
	}
	if ((size = text_arrays_size(res, 0)) < 0)
	{
		PQclear(res);
		pri_set_error(err, PR_SQLSTATE_CLIENT, "unexpected result: tags are not a text array");
		return PR_ERROR;
	}
	list = pri_pack_begin(&pk, sizeof(pr_strings), 0, 0, (size_t) size, NULL, NULL, 0, NULL, err);
	if (!list)
	{
		PQclear(res);
		return PR_ERROR;
	}
	list->items = pack_text_array(&pk, res, 0, 0, &n);
	list->n = n;
	PRI_RETURN_PACKED(res, list, after);
}

int
pr_add_tags(pr_conn *conn, const char *alias, const char *const *tags, size_t n_tags,
			pr_strings **after, pr_error *err)
{
	return change_tags(conn, &st_add_tags, alias, tags, n_tags, after, err);
}

int
pr_remove_tags(pr_conn *conn, const char *alias, const char *const *tags, size_t n_tags,
			   pr_strings **after, pr_error *err)
{
	return change_tags(conn, &st_remove_tags, alias, tags, n_tags, after, err);
}

int
pr_set_access(pr_conn *conn, const char *const *aliases, size_t n_aliases,
			  const char *access, int32_t *changed, pr_error *err)
{
	PrParams	p;

	if (changed)
		*changed = 0;
	pri_params_init(&p);
	if (pri_pp_text_array(&p, aliases, n_aliases) != 0)
	{
		pri_params_free(&p);
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "aliases must not contain NULL");
		return PR_ERROR;
	}
	pri_pp_text(&p, access);
	return pri_exec_int4(conn, &st_set_access, &p, changed, err);
}

int
pr_rename_alias(pr_conn *conn, const char *alias, const char *new_alias,
				const char *token, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, alias);
	pri_pp_text(&p, new_alias);
	pri_pp_text(&p, token);
	return pri_exec_bool(conn, &st_rename_alias, &p, err);
}

int
pr_list_media(pr_conn *conn, const char *filter_json, int lim, const char *after,
			  pr_media_list **page, pr_error *err)
{
	PrParams	p;
	PGresult   *res;
	pr_media_list *list;
	pr_media_row *rows = NULL;

	if (page)
		*page = NULL;
	pri_params_init(&p);
	pri_pp_text(&p, filter_json);
	if (lim == 0)
		pri_pp_text(&p, NULL);
	else
		pri_pp_int4(&p, lim);
	pri_pp_text(&p, after);
	res = pri_exec(conn, &st_list_media, &p, 11, err);
	if (!res)
		return PR_ERROR;
	list = pack_media(res, false, sizeof(pr_media_list), &rows, err);
	if (!list)
	{
		PQclear(res);
		return PR_ERROR;
	}
	list->n = (size_t) PQntuples(res);
	list->rows = rows;
	PRI_RETURN_PACKED(res, list, page);
}

int
pr_usage_report(pr_conn *conn, const char *owner, int64_t *uploads, int64_t *bytes,
				pr_error *err)
{
	PrParams	p;
	PGresult   *res;

	if (uploads)
		*uploads = 0;
	if (bytes)
		*bytes = 0;
	pri_params_init(&p);
	pri_pp_text(&p, owner);
	res = pri_exec(conn, &st_usage_report, &p, 2, err);
	if (!res)
		return PR_ERROR;
	if (PQntuples(res) >= 1)
	{
		if (uploads)
			*uploads = pri_get_int8(res, 0, 0);
		if (bytes)
			*bytes = pri_get_int8(res, 0, 1);
	}
	PQclear(res);
	return PR_OK;
}

/* ---- the stream of pages ---------------------------------------------------------- */

struct pr_media_stream
{
	pr_conn    *conn;
	char	   *filter_json;	/* NULL: {} */
	int			page_size;
	char	   *after;			/* the cursor of the last row so far */
	bool		done;
};

pr_media_stream *
pr_media_stream_new(pr_conn *conn, const char *filter_json, int page_size, pr_error *err)
{
	pr_media_stream *s = calloc(1, sizeof(*s));

	if (!s || (filter_json && !(s->filter_json = strdup(filter_json))))
	{
		free(s);
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return NULL;
	}
	s->conn = conn;
	s->page_size = page_size > 0 ? page_size : 100;
	return s;
}

int
pr_media_stream_next(pr_media_stream *s, pr_media_list **page, pr_error *err)
{
	pr_media_list *p = NULL;
	char	   *after;

	if (page)
		*page = NULL;
	if (!s)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "stream is NULL");
		return PR_ERROR;
	}
	if (s->done)
		return PR_NONE;
	if (pr_list_media(s->conn, s->filter_json, s->page_size, s->after, &p, err) != PR_OK)
		return PR_ERROR;
	if (p->n == 0)
	{
		s->done = true;
		free(p);
		return PR_NONE;
	}
	if (!(after = strdup(p->rows[p->n - 1].cursor ? p->rows[p->n - 1].cursor : "")))
	{
		free(p);
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return PR_ERROR;
	}
	free(s->after);
	s->after = after;
	/* A short page is the last one: no need to ask for an empty one. */
	if (p->n < (size_t) s->page_size)
		s->done = true;
	if (page)
		*page = p;
	else
		free(p);
	return PR_OK;
}

void
pr_media_stream_free(pr_media_stream *s)
{
	if (!s)
		return;
	free(s->filter_json);
	free(s->after);
	free(s);
}

/* ---- the JSON of a filter ------------------------------------------------------- */

/* A growing string; ok false once out of memory. */
typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		ok;
} Buf;

static void
buf_add(Buf *b, const char *s, size_t n)
{
	if (!b->ok)
		return;
	if (b->len + n + 1 > b->cap)
	{
		size_t		cap = (b->cap ? b->cap * 2 : 256) + n;
		char	   *d = realloc(b->data, cap);

		if (!d)
		{
			b->ok = false;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
buf_str(Buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void
buf_json_string(Buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	for (const unsigned char *c = (const unsigned char *) s; *c; c++)
	{
		char		esc[8];

		if (*c == '"' || *c == '\\')
		{
			esc[0] = '\\';
			esc[1] = (char) *c;
			buf_add(b, esc, 2);
		}
		else if (*c < 0x20 || *c == 0x7f)
		{
			snprintf(esc, sizeof(esc), "\\u%04x", *c);
			buf_add(b, esc, 6);
		}
		else
			buf_add(b, (const char *) c, 1);
	}
	buf_add(b, "\"", 1);
}

/* Start a key: a comma after the first, then "key": */
static void
buf_key(Buf *b, const char *key)
{
	if (b->len > 1)
		buf_add(b, ", ", 2);
	buf_json_string(b, key);
	buf_add(b, ": ", 2);
}

static void
buf_tags(Buf *b, const char *key, const char *const *tags, size_t n)
{
	buf_key(b, key);
	buf_add(b, "[", 1);
	for (size_t i = 0; i < n; i++)
	{
		if (i > 0)
			buf_add(b, ", ", 2);
		buf_json_string(b, tags[i]);
	}
	buf_add(b, "]", 1);
}

static void
buf_count(Buf *b, const char *key, int64_t v)
{
	char		num[32];

	if (v < 0)
		return;
	buf_key(b, key);
	snprintf(num, sizeof(num), "%lld", (long long) v);
	buf_str(b, num);
}

/* A time as ISO 8601 UTC with microseconds; INT64_MAX is "infinity". */
static void
buf_time(Buf *b, const char *key, int64_t us)
{
	char		out[64];
	time_t		secs;
	int64_t		frac;
	struct tm	tm;

	if (us == PR_NO_TIME)
		return;
	buf_key(b, key);
	if (us == INT64_MAX)
	{
		buf_str(b, "\"infinity\"");
		return;
	}
	secs = (time_t) (us / 1000000);
	frac = us % 1000000;
	if (frac < 0)
	{
		frac += 1000000;
		secs--;
	}
	if (!gmtime_r(&secs, &tm))
	{
		buf_str(b, "\"-infinity\"");
		return;
	}
	snprintf(out, sizeof(out), "\"%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ\"",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (long long) frac);
	buf_str(b, out);
}

void
pr_media_filter_init(pr_media_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->min_width = f->max_width = f->min_height = f->max_height = -1;
	f->min_bytes = f->max_bytes = -1;
	f->created_after = f->created_before = PR_NO_TIME;
	f->animated = -1;
}

int
pr_media_filter_json(const pr_media_filter *f, char **json, pr_error *err)
{
	Buf			b = {NULL, 0, 0, true};

	*json = NULL;
	for (size_t i = 0; f && i < f->n_tags_all; i++)
		if (!f->tags_all || !f->tags_all[i])
		{
			pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "tags_all must not contain NULL");
			return PR_ERROR;
		}
	for (size_t i = 0; f && i < f->n_tags_any; i++)
		if (!f->tags_any || !f->tags_any[i])
		{
			pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "tags_any must not contain NULL");
			return PR_ERROR;
		}
	buf_add(&b, "{", 1);
	if (f)
	{
		if (f->owner)
		{
			buf_key(&b, "owner");
			buf_json_string(&b, f->owner);
		}
		if (f->access)
		{
			buf_key(&b, "access");
			buf_json_string(&b, f->access);
		}
		if (f->content_type)
		{
			buf_key(&b, "content_type");
			buf_json_string(&b, f->content_type);
		}
		if (f->n_tags_all > 0)
			buf_tags(&b, "tags_all", f->tags_all, f->n_tags_all);
		if (f->n_tags_any > 0)
			buf_tags(&b, "tags_any", f->tags_any, f->n_tags_any);
		buf_count(&b, "min_width", f->min_width);
		buf_count(&b, "max_width", f->max_width);
		buf_count(&b, "min_height", f->min_height);
		buf_count(&b, "max_height", f->max_height);
		buf_count(&b, "min_bytes", f->min_bytes);
		buf_count(&b, "max_bytes", f->max_bytes);
		buf_time(&b, "created_after", f->created_after);
		buf_time(&b, "created_before", f->created_before);
		if (f->animated >= 0)
		{
			buf_key(&b, "animated");
			buf_str(&b, f->animated ? "true" : "false");
		}
	}
	buf_add(&b, "}", 1);
	if (!b.ok)
	{
		free(b.data);
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return PR_ERROR;
	}
	*json = b.data;
	return PR_OK;
}
