/*-------------------------------------------------------------------------
 *
 * result.c
 *		libpictrepo: decoding binary result values, and packing the rows of
 *		a result into one allocation the caller frees with pr_free.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "pr_internal.h"

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
