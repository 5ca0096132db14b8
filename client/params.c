/*-------------------------------------------------------------------------
 *
 * params.c
 *		libpictrepo: the parameters of a statement, encoded in binary as the
 *		server's types receive them (arrays included).
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "pr_internal.h"

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
