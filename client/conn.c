/*-------------------------------------------------------------------------
 *
 * conn.c
 *		libpictrepo: connecting, the version check, errors, prepared
 *		statements, parameters in binary and results packed into one block.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "pr_internal.h"

/* ---- errors ----------------------------------------------------------------- */

/* Return the version of pict_repo.control the library was built from. */
const char *
pr_library_version(void)
{
	return PR_CLIENT_VERSION;
}

/* Reset an error to "no error". */
void
pr_error_clear(pr_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

/* Fill an error found by the library itself. */
void
pri_set_error(pr_error *err, const char *sqlstate, const char *fmt,...)
{
	va_list		ap;

	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", sqlstate);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* Copy one line of libpq text without its trailing newline. */
static void
copy_field(char *dst, size_t size, const char *src)
{
	size_t		len;

	if (!src)
	{
		dst[0] = '\0';
		return;
	}
	snprintf(dst, size, "%s", src);
	len = strlen(dst);
	while (len > 0 && (dst[len - 1] == '\n' || dst[len - 1] == ' '))
		dst[--len] = '\0';
}

/*
 * Fill an error from a failed result (or, with res NULL, from the
 * connection): the server's SQLSTATE, or 08006 when the connection broke.
 */
void
pri_set_result_error(pr_error *err, const PGresult *res, PGconn *pg)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	if (state)
	{
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
		copy_field(err->message, sizeof(err->message),
				   PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
		copy_field(err->detail, sizeof(err->detail),
				   PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
		copy_field(err->hint, sizeof(err->hint),
				   PQresultErrorField(res, PG_DIAG_MESSAGE_HINT));
		return;
	}
	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s",
			 (pg && PQstatus(pg) == CONNECTION_BAD) ? PR_SQLSTATE_CONNECTION_LOST
			 : PR_SQLSTATE_CLIENT);
	copy_field(err->message, sizeof(err->message),
			   res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
			   : pg ? PQerrorMessage(pg) : "unknown error");
	if (err->message[0] == '\0')
		snprintf(err->message, sizeof(err->message), "unexpected result status %s",
				 res ? PQresStatus(PQresultStatus(res)) : "(none)");
}

/* Format an error as "SQLSTATE: message (detail)" into buf. */
const char *
pr_error_format(const pr_error *err, char *buf, size_t buflen)
{
	if (!buf || buflen == 0)
		return buf;
	if (!err || err->sqlstate[0] == '\0')
		snprintf(buf, buflen, "no error");
	else if (err->detail[0])
		snprintf(buf, buflen, "%s: %s (%s)", err->sqlstate, err->message, err->detail);
	else
		snprintf(buf, buflen, "%s: %s", err->sqlstate, err->message);
	return buf;
}

/* Free anything the library returned. */
void
pr_free(void *p)
{
	free(p);
}

void pr_strings_free(pr_strings *p) { free(p); }
void pr_hash_list_free(pr_hash_list *p) { free(p); }
void pr_variant_list_free(pr_variant_list *p) { free(p); }
void pr_ingest_result_free(pr_ingest_result *p) { free(p); }
void pr_alias_access_list_free(pr_alias_access_list *p) { free(p); }
void pr_variant_access_list_free(pr_variant_access_list *p) { free(p); }
void pr_job_list_free(pr_job_list *p) { free(p); }
void pr_uuid_list_free(pr_uuid_list *p) { free(p); }
void pr_queue_stats_list_free(pr_queue_stats_list *p) { free(p); }
void pr_push_results_free(pr_push_results *p) { free(p); }
void pr_ingest_results_free(pr_ingest_results *p) { free(p); }
void pr_dead_job_list_free(pr_dead_job_list *p) { free(p); }

/* ---- uuids and time --------------------------------------------------------- */

/* Format a uuid as 36 lower-case characters. */
void
pr_uuid_format(const pr_uuid *id, char out[PR_UUID_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	int			o = 0;

	for (int i = 0; i < 16; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[id->bytes[i] >> 4];
		out[o++] = hex[id->bytes[i] & 15];
	}
	out[o] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse the 36-character form of a uuid; 0 or -1. */
int
pr_uuid_parse(const char *text, pr_uuid *id)
{
	int			b = 0;

	if (!text || !id || strlen(text) != 36)
		return -1;
	for (int i = 0; i < 36;)
	{
		int			hi,
					lo;

		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (text[i] != '-')
				return -1;
			i++;
			continue;
		}
		hi = hexval(text[i]);
		lo = hexval(text[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		id->bytes[b++] = (uint8_t) (hi << 4 | lo);
		i += 2;
	}
	return 0;
}

/* True for the all-zero uuid. */
bool
pr_uuid_is_nil(const pr_uuid *id)
{
	for (int i = 0; i < 16; i++)
		if (id->bytes[i])
			return false;
	return true;
}

/* Make a random (version 4) uuid; 0 or -1. */
int
pr_uuid_random(pr_uuid *id)
{
	size_t		got = 0;

	while (got < sizeof(id->bytes))
	{
		ssize_t		n = getrandom(id->bytes + got, sizeof(id->bytes) - got, 0);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t) n;
	}
	id->bytes[6] = (id->bytes[6] & 0x0f) | 0x40;
	id->bytes[8] = (id->bytes[8] & 0x3f) | 0x80;
	return 0;
}

/* The client's clock in microseconds since the Unix epoch. */
int64_t
pr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- parameters ------------------------------------------------------------- */

void
pri_params_init(PrParams *p)
{
	memset(p, 0, sizeof(*p));
}

void
pri_params_free(PrParams *p)
{
	free(p->owned);
	p->owned = NULL;
}

static void
put_be32(char *b, uint32_t v)
{
	uint32_t	n = htonl(v);

	memcpy(b, &n, 4);
}

static void
put_be64(char *b, uint64_t v)
{
	put_be32(b, (uint32_t) (v >> 32));
	put_be32(b + 4, (uint32_t) v);
}

static void
pri_pp_null(PrParams *p)
{
	p->values[p->n] = NULL;
	p->lengths[p->n] = 0;
	p->formats[p->n] = 0;
	p->n++;
}

/* Text (and JSON text): text format; NULL is SQL NULL. */
void
pri_pp_text(PrParams *p, const char *s)
{
	if (!s)
	{
		pri_pp_null(p);
		return;
	}
	p->values[p->n] = s;
	p->lengths[p->n] = 0;
	p->formats[p->n] = 0;
	p->n++;
}

/* bytea: binary format; a NULL pointer is SQL NULL. */
void
pri_pp_bytea(PrParams *p, const uint8_t *data, size_t len)
{
	static const char empty[1] = {0};

	if (!data)
	{
		pri_pp_null(p);
		return;
	}
	p->values[p->n] = len ? (const char *) data : empty;
	p->lengths[p->n] = (int) (len > 0x7fffffff ? 0x7fffffff : len);
	p->formats[p->n] = 1;
	p->n++;
}

static void
pri_pp_fixed(PrParams *p, int len)
{
	p->values[p->n] = p->buf[p->n];
	p->lengths[p->n] = len;
	p->formats[p->n] = 1;
	p->n++;
}

void
pri_pp_int4(PrParams *p, int32_t v)
{
	put_be32(p->buf[p->n], (uint32_t) v);
	pri_pp_fixed(p, 4);
}

void
pri_pp_int8(PrParams *p, int64_t v)
{
	put_be64(p->buf[p->n], (uint64_t) v);
	pri_pp_fixed(p, 8);
}

void
pri_pp_bool(PrParams *p, bool v)
{
	p->buf[p->n][0] = v ? 1 : 0;
	pri_pp_fixed(p, 1);
}

/* uuid: 16 bytes binary; a NULL pointer is SQL NULL. */
void
pri_pp_uuid(PrParams *p, const pr_uuid *id)
{
	if (!id)
	{
		pri_pp_null(p);
		return;
	}
	memcpy(p->buf[p->n], id->bytes, 16);
	pri_pp_fixed(p, 16);
}

/* timestamptz: microseconds since 2000-01-01 binary; PR_NO_TIME is NULL. */
void
pri_pp_ts(PrParams *p, int64_t ts)
{
	if (ts == PR_NO_TIME)
	{
		pri_pp_null(p);
		return;
	}
	/* INT64_MAX is 'infinity'; below the range, '-infinity' (no overflow). */
	if (ts == INT64_MAX)
		put_be64(p->buf[p->n], (uint64_t) INT64_MAX);
	else if (ts < INT64_MIN + PR_EPOCH_DIFF_US)
		put_be64(p->buf[p->n], (uint64_t) INT64_MIN);
	else
		put_be64(p->buf[p->n], (uint64_t) (ts - PR_EPOCH_DIFF_US));
	pri_pp_fixed(p, 8);
}

/* interval: (microseconds, days 0, months 0) binary; PR_NO_INTERVAL is NULL. */
void
pri_pp_interval(PrParams *p, int64_t us)
{
	if (us == PR_NO_INTERVAL)
	{
		pri_pp_null(p);
		return;
	}
	put_be64(p->buf[p->n], (uint64_t) us);
	put_be32(p->buf[p->n] + 8, 0);
	put_be32(p->buf[p->n] + 12, 0);
	pri_pp_fixed(p, 16);
}

/*
 * Write the header of a one-dimensional binary array of n elements of type
 * elemtype (none: zero dimensions) at buf; returns where the elements go.
 */
static char *
put_array_header(char *buf, size_t n, uint32_t elemtype)
{
	put_be32(buf, n ? 1 : 0);	/* ndim */
	put_be32(buf + 4, 0);		/* no nulls */
	put_be32(buf + 8, elemtype);
	if (!n)
		return buf + 12;
	put_be32(buf + 12, (uint32_t) n);	/* dimension */
	put_be32(buf + 16, 1);		/* lower bound */
	return buf + 20;
}

/* Add the binary array buf..end as the next parameter; p owns buf from now on. */
static void
add_owned_array(PrParams *p, char *buf, const char *end)
{
	free(p->owned);
	p->owned = buf;
	p->values[p->n] = buf;
	p->lengths[p->n] = (int) (end - buf);
	p->formats[p->n] = 1;
	p->n++;
}

/*
 * An array of strings in the binary array format (one dimension, no
 * nulls), each element the string after `prefix` bytes of version (jsonb's
 * binary format is the version byte 1 and the JSON text; text's is the
 * text).  -1 when an item is NULL, on overflow or out of memory.
 */
static int
pp_string_array(PrParams *p, const char *const *items, size_t n, uint32_t elemtype,
				int prefix)
{
	size_t		size = 20;
	char	   *buf,
			   *w;

	if ((n > 0 && !items) || n > 0x7fffffff)
		return -1;
	for (size_t i = 0; i < n; i++)
	{
		if (!items[i])
			return -1;
		size += 4 + (size_t) prefix + strlen(items[i]);
		if (size > 0x7fffffff)
			return -1;
	}
	buf = malloc(size);
	if (!buf)
		return -1;
	w = put_array_header(buf, n, elemtype);
	for (size_t i = 0; i < n; i++)
	{
		size_t		len = strlen(items[i]);

		put_be32(w, (uint32_t) (len + prefix));
		if (prefix)
			w[4] = 1;
		memcpy(w + 4 + prefix, items[i], len);
		w += 4 + prefix + len;
	}
	add_owned_array(p, buf, w);
	return 0;
}

/* jsonb[] in binary; -1 on a NULL item, overflow or out of memory. */
int
pri_pp_jsonb_array(PrParams *p, const char *const *items, size_t n)
{
	return pp_string_array(p, items, n, PR_JSONBOID, 1);
}

/*
 * text[] in binary (one array parameter per statement, like
 * pri_pp_jsonb_array); -1 on a NULL item, overflow or out of memory.
 */
int
pri_pp_text_array(PrParams *p, const char *const *items, size_t n)
{
	return pp_string_array(p, items, n, PR_TEXTOID, 0);
}

/*
 * Add a uuid[] parameter in binary (one array parameter per statement, like
 * pri_pp_jsonb_array); -1 when ids is NULL with n > 0 or out of memory.
 */
int
pri_pp_uuid_array(PrParams *p, const pr_uuid *ids, size_t n)
{
	size_t		size;
	char	   *buf,
			   *w;

	if ((n > 0 && !ids) || n > (0x7fffffff - 20) / (4 + sizeof(pr_uuid)))
		return -1;			/* the length must fit in an int */
	size = 20 + n * (4 + sizeof(pr_uuid));
	buf = malloc(size);
	if (!buf)
		return -1;
	w = put_array_header(buf, n, PR_UUIDOID);
	for (size_t i = 0; i < n; i++)
	{
		put_be32(w, (uint32_t) sizeof(pr_uuid));
		memcpy(w + 4, ids[i].bytes, sizeof(pr_uuid));
		w += 4 + sizeof(pr_uuid);
	}
	add_owned_array(p, buf, w);
	return 0;
}

/* ---- result values ------------------------------------------------------------ */

static uint32_t
get_be32(const char *b)
{
	uint32_t	n;

	memcpy(&n, b, 4);
	return ntohl(n);
}

static uint64_t
get_be64(const char *b)
{
	return ((uint64_t) get_be32(b) << 32) | get_be32(b + 4);
}

bool
pri_isnull(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col);
}

bool
pri_get_bool(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 1)
		return false;
	return PQgetvalue(res, row, col)[0] != 0;
}

int32_t
pri_get_int4(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 4)
		return 0;
	return (int32_t) get_be32(PQgetvalue(res, row, col));
}

int64_t
pri_get_int8(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 8)
		return 0;
	return (int64_t) get_be64(PQgetvalue(res, row, col));
}

/*
 * timestamptz to microseconds since the Unix epoch; NULL is PR_NO_TIME.
 * 'infinity' (INT64_MAX on the wire) is INT64_MAX, not an overflow.
 */
int64_t
pri_get_ts(const PGresult *res, int row, int col)
{
	int64_t		v;

	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 8)
		return PR_NO_TIME;
	v = (int64_t) get_be64(PQgetvalue(res, row, col));
	if (v > INT64_MAX - PR_EPOCH_DIFF_US)
		return INT64_MAX;
	return v + PR_EPOCH_DIFF_US;
}

void
pri_get_uuid(const PGresult *res, int row, int col, pr_uuid *id)
{
	memset(id, 0, sizeof(*id));
	if (!PQgetisnull(res, row, col) && PQgetlength(res, row, col) == 16)
		memcpy(id->bytes, PQgetvalue(res, row, col), 16);
}

void
pri_get_hash(const PGresult *res, int row, int col, pr_hash *h)
{
	int			len = PQgetlength(res, row, col);

	memset(h, 0, sizeof(*h));
	if (PQgetisnull(res, row, col) || len <= 0)
		return;
	if (len > PR_HASH_MAX)
		len = PR_HASH_MAX;
	memcpy(h->data, PQgetvalue(res, row, col), (size_t) len);
	h->len = (size_t) len;
}

/* ---- packing ------------------------------------------------------------------ */

#define ALIGN8(x) (((x) + 7) & ~(size_t) 7)

/*
 * Allocate one block for a header, nrows rows and the values of the string
 * columns (plus extra bytes for strings not from res); *rows points at the
 * rows.  The block is zeroed.  NULL (58000) when out of memory.
 */
void *
pri_pack_begin(PrPack *pk, size_t header, size_t rowsize, size_t nrows,
			  size_t extra, const PGresult *res, const int *strcols, int nstrcols,
			  void **rows, pr_error *err)
{
	size_t		size = ALIGN8(header) + ALIGN8(rowsize * nrows) + extra;

	if (res)
		for (size_t r = 0; r < nrows && r < (size_t) PQntuples(res); r++)
			for (int c = 0; c < nstrcols; c++)
				size += (size_t) PQgetlength(res, (int) r, strcols[c]) + 1;
	pk->base = calloc(1, size ? size : 1);
	if (!pk->base)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return NULL;
	}
	if (rows)
		*rows = pk->base + ALIGN8(header);
	pk->strings = pk->base + ALIGN8(header) + ALIGN8(rowsize * nrows);
	return pk->base;
}

/* Copy a text value into the block; NULL for SQL NULL. */
char *
pri_pack_str(PrPack *pk, const PGresult *res, int row, int col)
{
	char	   *s = pk->strings;
	int			len;

	if (PQgetisnull(res, row, col))
		return NULL;
	len = PQgetlength(res, row, col);
	memcpy(s, PQgetvalue(res, row, col), (size_t) len);
	s[len] = '\0';
	pk->strings += len + 1;
	return s;
}

/* Copy a C string into the block (room counted in extra); NULL stays NULL. */
char *
pri_pack_cstr(PrPack *pk, const char *src)
{
	char	   *s = pk->strings;
	size_t		len;

	if (!src)
		return NULL;
	len = strlen(src);
	memcpy(s, src, len + 1);
	pk->strings += len + 1;
	return s;
}

/* A malloc'ed copy of a text value (NUL-terminated); NULL if out of memory. */
char *
pri_strdup_value(const PGresult *res, int row, int col, pr_error *err)
{
	int			len = PQgetlength(res, row, col);
	char	   *s = malloc((size_t) len + 1);

	if (!s)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return NULL;
	}
	memcpy(s, PQgetvalue(res, row, col), (size_t) len);
	s[len] = '\0';
	return s;
}

/*
 * Run a statement and start packing its rows into one block (see
 * pri_pack_begin, the strings of the strcols columns included): returns the
 * block with *res the result to read the rows from, which the caller
 * PQclears, and *rows its first row.  NULL with err filled, and no result
 * left to clear, on failure.
 */
void *
pri_exec_pack(pr_conn *conn, const PrStmt *stmt, PrParams *p, int ncols,
			  PrPack *pk, size_t header, size_t rowsize, const int *strcols,
			  int nstrcols, PGresult **res, void **rows, pr_error *err)
{
	void	   *block;

	*res = pri_exec(conn, stmt, p, ncols, err);
	if (!*res)
		return NULL;
	block = pri_pack_begin(pk, header, rowsize, (size_t) PQntuples(*res), 0, *res,
						   strcols, nstrcols, rows, err);
	if (!block)
	{
		PQclear(*res);
		*res = NULL;
	}
	return block;
}

/*
 * Run a statement that returns at most one row and start packing it into a
 * block of size bytes (see pri_pack_begin): PR_OK with *block to fill from
 * *res (the caller PQclears it), PR_NONE when there is no row, PR_ERROR
 * with err filled; in both there is nothing to clear or free.
 */
int
pri_exec_pack_row(pr_conn *conn, const PrStmt *stmt, PrParams *p, int ncols,
				  PrPack *pk, size_t size, const int *strcols, int nstrcols,
				  PGresult **res, void **block, pr_error *err)
{
	*block = NULL;
	*res = pri_exec(conn, stmt, p, ncols, err);
	if (!*res)
		return PR_ERROR;
	if (PQntuples(*res) >= 1)
		*block = pri_pack_begin(pk, size, 0, 1, 0, *res, strcols, nstrcols, NULL, err);
	if (!*block)
	{
		int			rc = PQntuples(*res) >= 1 ? PR_ERROR : PR_NONE;

		PQclear(*res);
		*res = NULL;
		return rc;
	}
	return PR_OK;
}

/* ---- statements ----------------------------------------------------------------- */

/* Prepare a statement on this connection unless it already is. */
int
pri_prepare(pr_conn *conn, const PrStmt *stmt, pr_error *err)
{
	PGresult   *res;

	/* Behind a transaction pooler statements are sent unnamed (exec_on). */
	if (conn->pooling == PR_POOLING_TRANSACTION)
		return PR_OK;
	for (int i = 0; i < conn->nprepared; i++)
		if (conn->prepared[i] == stmt)
			return PR_OK;

	if (conn->nprepared == conn->maxprepared)
	{
		int			max = conn->maxprepared ? conn->maxprepared * 2 : 32;
		const PrStmt **n = realloc(conn->prepared, sizeof(*n) * (size_t) max);

		if (!n)
		{
			pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
			return PR_ERROR;
		}
		conn->prepared = n;
		conn->maxprepared = max;
	}
	res = PQprepare(conn->pg, stmt->name, stmt->sql, stmt->nparams,
					(const Oid *) stmt->types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		pri_set_result_error(err, res, conn->pg);
		PQclear(res);
		return PR_ERROR;
	}
	PQclear(res);
	conn->prepared[conn->nprepared++] = stmt;
	return PR_OK;
}

/* Check that a result has the expected number of columns. */
int
pri_check_columns(const PGresult *res, int ncols, pr_error *err)
{
	if (ncols >= 0 && PQnfields(res) != ncols)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT,
					 "unexpected result: %d columns instead of %d",
					 PQnfields(res), ncols);
		return PR_ERROR;
	}
	return PR_OK;
}

/*
 * Run a statement on one connection with binary results: prepared on first
 * use and run with PQexecPrepared, or, behind a pooler in transaction mode,
 * sent with its text each time (an unnamed statement, PQexecParams), since
 * the next transaction may run on another server connection.  Returns the
 * result of a successful query, NULL with err filled otherwise.
 */
static PGresult *
exec_on(pr_conn *conn, const PrStmt *stmt, PrParams *p, int ncols, pr_error *err)
{
	PGresult   *res;
	ExecStatusType st;

	if (conn->pooling == PR_POOLING_TRANSACTION)
		res = PQexecParams(conn->pg, stmt->sql, p->n, (const Oid *) stmt->types,
						   p->values, p->lengths, p->formats, 1);
	else if (pri_prepare(conn, stmt, err) != PR_OK)
		return NULL;
	else
		res = PQexecPrepared(conn->pg, stmt->name, p->n, p->values, p->lengths,
							 p->formats, 1);
	st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
	{
		pri_set_result_error(err, res, conn->pg);
		PQclear(res);
		return NULL;
	}
	if (pri_check_columns(res, ncols, err) != PR_OK)
	{
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * Run a statement with binary results; returns the result of a successful
 * query (the caller PQclears it), NULL with err filled otherwise.  Frees
 * the parameters.  A read goes to the read connection when there is one
 * (routing.c), and to the primary when the read connection is lost.
 */
PGresult *
pri_exec(pr_conn *conn, const PrStmt *stmt, PrParams *p, int ncols, pr_error *err)
{
	PGresult   *res;
	pr_conn    *target;

	if (!conn || !conn->pg)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "connection is NULL");
		pri_params_free(p);
		return NULL;
	}
	target = pri_route(conn, stmt);
	res = exec_on(target, stmt, p, ncols, err);
	if (!res && target != conn && PQstatus(target->pg) == CONNECTION_BAD)
		res = exec_on(conn, stmt, p, ncols, err);
	pri_params_free(p);
	return res;
}

/*
 * Run a statement whose first column is a boolean or a void: PR_OK for true
 * or a void result, PR_NONE for false, NULL or no row.
 */
int
pri_exec_bool(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_error *err)
{
	PGresult   *res = pri_exec(conn, stmt, p, -1, err);
	int			rc = PR_OK;

	if (!res)
		return PR_ERROR;
	if (PQnfields(res) >= 1 && PQftype(res, 0) == PR_BOOLOID)
	{
		if (PQntuples(res) < 1 || !pri_get_bool(res, 0, 0))
			rc = PR_NONE;
	}
	PQclear(res);
	return rc;
}

/*
 * Run a statement returning one value: PR_OK with *res holding it in row 0,
 * column 0 (the caller PQclears it), PR_NONE for no row or a NULL, PR_ERROR
 * with err filled.  *res is NULL unless the answer is PR_OK.
 */
int
pri_exec_value(pr_conn *conn, const PrStmt *stmt, PrParams *p, PGresult **res,
			   pr_error *err)
{
	*res = pri_exec(conn, stmt, p, 1, err);
	if (!*res)
		return PR_ERROR;
	if (PQntuples(*res) >= 1 && !PQgetisnull(*res, 0, 0))
		return PR_OK;
	PQclear(*res);
	*res = NULL;
	return PR_NONE;
}

/* Run a statement returning one text value: PR_OK with a malloc'ed copy or PR_NONE. */
int
pri_exec_text(pr_conn *conn, const PrStmt *stmt, PrParams *p, char **out,
			 pr_error *err)
{
	PGresult   *res;
	int			rc;

	if (out)
		*out = NULL;
	rc = pri_exec_value(conn, stmt, p, &res, err);
	if (rc == PR_OK && out && !(*out = pri_strdup_value(res, 0, 0, err)))
		rc = PR_ERROR;
	PQclear(res);
	return rc;
}

/* Run a statement returning one bigint: PR_OK with it, or PR_NONE and 0. */
int
pri_exec_int8(pr_conn *conn, const PrStmt *stmt, PrParams *p, int64_t *out,
			 pr_error *err)
{
	PGresult   *res;
	int			rc = pri_exec_value(conn, stmt, p, &res, err);

	if (out)
		*out = rc == PR_OK ? pri_get_int8(res, 0, 0) : 0;
	PQclear(res);
	return rc;
}

/* Run a statement returning one integer: PR_OK with it, or PR_NONE and 0. */
int
pri_exec_int4(pr_conn *conn, const PrStmt *stmt, PrParams *p, int32_t *out,
			 pr_error *err)
{
	PGresult   *res;
	int			rc = pri_exec_value(conn, stmt, p, &res, err);

	if (out)
		*out = rc == PR_OK ? pri_get_int4(res, 0, 0) : 0;
	PQclear(res);
	return rc;
}

/* Run a statement returning one timestamp: PR_OK with it, or PR_NONE and PR_NO_TIME. */
int
pri_exec_ts(pr_conn *conn, const PrStmt *stmt, PrParams *p, int64_t *out,
		   pr_error *err)
{
	PGresult   *res;
	int			rc = pri_exec_value(conn, stmt, p, &res, err);

	if (out)
		*out = rc == PR_OK ? pri_get_ts(res, 0, 0) : PR_NO_TIME;
	PQclear(res);
	return rc;
}

/* Run a statement returning one uuid: PR_OK with it, or PR_NONE and all zeros. */
int
pri_exec_uuid(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_uuid *out,
			  pr_error *err)
{
	PGresult   *res;
	int			rc;

	if (out)
		memset(out, 0, sizeof(*out));
	rc = pri_exec_value(conn, stmt, p, &res, err);
	if (rc == PR_OK && out)
		pri_get_uuid(res, 0, 0, out);
	PQclear(res);
	return rc;
}

/* Run a statement returning a set of text: PR_OK with the list (maybe empty). */
int
pri_exec_strings(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_strings **out,
				pr_error *err)
{
	static const int strcols[] = {0};
	PGresult   *res;
	PrPack		pk;
	pr_strings *list;
	void	   *rows;
	int			n;

	if (out)
		*out = NULL;
	list = pri_exec_pack(conn, stmt, p, 1, &pk, sizeof(pr_strings), sizeof(char *),
						 strcols, 1, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->items = rows;
	for (int i = 0; i < n; i++)
		list->items[i] = pri_pack_str(&pk, res, i, 0);
	PRI_RETURN_PACKED(res, list, out);
}

/* ---- connecting ------------------------------------------------------------------ */

static const PrStmt st_search_path = {
	"pr_search_path", "SELECT pg_catalog.set_config('search_path', '', false)", 0, {0}
};
static const PrStmt st_version = {
	"pr_version", "SELECT pict_repo.version()::text", 0, {0}
};

/* The major version: the digits before the first dot. */
static long
major_of(const char *v)
{
	char	   *end;
	long		m;

	if (!v)
		return -1;
	errno = 0;
	m = strtol(v, &end, 10);
	if (end == v || errno != 0 || (*end != '.' && *end != '\0'))
		return -1;
	return m;
}

/* Check a server version against the library's major version. */
int
pr_check_version_compat(const char *server_version, pr_error *err)
{
	long		lib = major_of(PR_CLIENT_VERSION);
	long		srv = major_of(server_version);

	if (srv < 0 || srv != lib)
	{
		pri_set_error(err, PR_SQLSTATE_VERSION_MISMATCH,
					 "pict_repo version %s in the database is not compatible with libpictrepo %s",
					 server_version ? server_version : "(null)", PR_CLIENT_VERSION);
		if (err)
		{
			snprintf(err->detail, sizeof(err->detail),
					 "The major versions must match.");
			snprintf(err->hint, sizeof(err->hint),
					 "Update the extension (ALTER EXTENSION pict_repo UPDATE) or use a libpictrepo of the same major version.");
		}
		return PR_ERROR;
	}
	return PR_OK;
}

/* Connect with the pooling mode of the environment (routing.c). */
pr_conn *
pr_connect(const char *conninfo, pr_error *err)
{
	return pri_connect(conninfo, pri_pooling_default(), err);
}

/*
 * Connect, pin search_path, check the extension and its version.  pooling
 * is PR_POOLING_SESSION or PR_POOLING_TRANSACTION.
 */
pr_conn *
pri_connect(const char *conninfo, int pooling, pr_error *err)
{
	const char *keywords[4];
	const char *values[4];
	int			k = 0;
	pr_conn    *conn;
	PGresult   *res;
	PrParams	p;
	char		dbname[256];

	pr_error_clear(err);
	conn = calloc(1, sizeof(*conn));
	if (!conn)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return NULL;
	}
	conn->pooling = pooling;
	conn->poll_interval_ms = PR_DEFAULT_POLL_INTERVAL_MS;
	conn->conninfo = strdup(conninfo ? conninfo : "");
	if (!conn->conninfo)
	{
		free(conn);
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return NULL;
	}
	keywords[k] = "fallback_application_name";
	values[k++] = "pict-repo";
	if (conninfo && conninfo[0])
	{
		keywords[k] = "dbname";
		values[k++] = conninfo;
	}
	keywords[k] = NULL;
	values[k] = NULL;

	conn->pg = PQconnectdbParams(keywords, values, 1);
	if (!conn->pg || PQstatus(conn->pg) != CONNECTION_OK)
	{
		pri_set_error(err, PR_SQLSTATE_CONNECTION, "cannot connect to the database");
		if (err && conn->pg)
			copy_field(err->detail, sizeof(err->detail), PQerrorMessage(conn->pg));
		pr_finish(conn);
		return NULL;
	}

	pri_params_init(&p);
	res = pri_exec(conn, &st_search_path, &p, -1, err);
	if (!res)
	{
		pr_finish(conn);
		return NULL;
	}
	PQclear(res);

	snprintf(dbname, sizeof(dbname), "%s", PQdb(conn->pg) ? PQdb(conn->pg) : "");
	pri_params_init(&p);
	res = pri_exec(conn, &st_version, &p, 1, err);
	if (!res)
	{
		/* No schema pict_repo, or no version() in it: not installed. */
		if (err && (strcmp(err->sqlstate, "3F000") == 0 ||
					strcmp(err->sqlstate, "42883") == 0))
		{
			pri_set_error(err, PR_SQLSTATE_NOT_INSTALLED,
						 "extension \"pict_repo\" is not installed in database \"%s\"",
						 dbname);
			snprintf(err->hint, sizeof(err->hint),
					 "Run CREATE EXTENSION pict_repo; in that database.");
		}
		pr_finish(conn);
		return NULL;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
	{
		PQclear(res);
		pri_set_error(err, PR_SQLSTATE_VERSION_MISMATCH,
					 "pict_repo.version() returned no version");
		pr_finish(conn);
		return NULL;
	}
	snprintf(conn->server_version, sizeof(conn->server_version), "%.*s",
			 PQgetlength(res, 0, 0), PQgetvalue(res, 0, 0));
	PQclear(res);
	if (pr_check_version_compat(conn->server_version, err) != PR_OK)
	{
		pr_finish(conn);
		return NULL;
	}
	return conn;
}

/* Close the connection and free it. */
void
pr_finish(pr_conn *conn)
{
	if (!conn)
		return;
	if (conn->pg)
		PQfinish(conn->pg);
	pr_finish(conn->read);
	free(conn->prepared);
	free(conn->conninfo);
	free(conn);
}

const char *
pr_server_version(const pr_conn *conn)
{
	return conn ? conn->server_version : NULL;
}

struct pg_conn *
pr_pgconn(pr_conn *conn)
{
	return conn ? conn->pg : NULL;
}

/* Call pict_repo.version(). */
int
pr_version(pr_conn *conn, char **version, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	return pri_exec_text(conn, &st_version, &p, version, err);
}
