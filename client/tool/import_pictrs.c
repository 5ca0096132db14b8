/*-------------------------------------------------------------------------
 *
 * import_pictrs.c
 *		pict-repo import-pict-rs SOURCE: move a pict-rs 0.5 PostgreSQL
 *		repository into pict_repo.
 *
 * SOURCE is a libpq connection string of the pict-rs database; the target
 * is the tool's own connection, on which it calls only
 * pict_repo.import_pictrs() (an application role is enough).
 *
 * The source is read in one REPEATABLE READ READ ONLY transaction, so every
 * table is read from one snapshot (the counts too), in keyset batches on
 * its primary key: hashes, details, variants, aliases, proxies, settings,
 * store migrations and, with --with-jobs, the jobs.  Parents come before
 * children, so a variant or an alias finds its hash.  Each batch is
 * converted (hashes from base64 text to their bytes, setting values from
 * hex, timestamps without time zone read as UTC) and sent as one
 * import_pictrs() call, one transaction of its own on the target.  Two
 * tables that do not depend on each other go side by side, each on its
 * own target connection, and each sends its next batch while the server
 * writes the one before, so the server's two halves and the reading of the
 * source overlap.  Rows
 * already in pict_repo are left alone there, so a second run imports
 * nothing, and a run killed at any moment is finished by running it again.
 *
 * Rows that cannot be imported (a hash that is not the base64 of 39 bytes,
 * a setting that is not hex, an alias whose hash was not imported, a
 * conflict with what pict_repo holds) are listed with the reason at the end
 * and make the exit status 1.  Then every table is read again and checked
 * against pict_repo (import_pictrs with dry_run): each row must be there.
 *
 * Text from the source (aliases, identifiers, URLs, keys) is printed
 * escaped (tool_put, util.c).
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "tool.h"

#define DEFAULT_BATCH	5000
#define MAX_BATCH		10000
#define HASH_BYTES		39		/* pict-rs 0.5: SHA-256, 6 bytes of size, 1 of format */
#define MAX_LISTED		10000	/* rows not imported kept for the final list */

/* One table of the source, in import order. */
typedef struct Table
{
	const char *name;			/* pict-rs table */
	const char *kind;			/* import_pictrs kind */
	const char *key;			/* keyset column, as compared */
	const char *columns;		/* read, in the order build_row expects */
	bool		job;			/* only with --with-jobs */
} Table;

static const Table tables[] = {
	{"hashes", "hash", "hash",
	"hash, identifier, motion_identifier, blurhash, (created_at AT TIME ZONE 'UTC')::text", false},
	{"details", "details", "identifier", "identifier, json::text", false},
	{"variants", "variant", "id",
	"id::text, hash, variant, identifier, (accessed AT TIME ZONE 'UTC')::text", false},
	{"aliases", "alias", "alias", "alias, hash, token", false},
	{"proxies", "proxy", "url", "url, alias, (accessed AT TIME ZONE 'UTC')::text", false},
	{"settings", "setting", "key", "key, value", false},
	{"store_migrations", "migration", "old_identifier", "old_identifier, new_identifier", false},
	{"job_queue", "job", "id",
	"id::text, queue, job::text, unique_key, (queue_time AT TIME ZONE 'UTC')::text, retry", true},
};

#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* Counts of one table. */
typedef struct Counts
{
	int64_t		source;			/* rows in the source snapshot */
	int64_t		read;
	int64_t		imported;		/* or, with --dry-run, would be */
	int64_t		exists;
	int64_t		rejected;
	int64_t		verified;		/* found in pict_repo by the check */
	int64_t		missing;		/* not found by the check */
} Counts;

/* A row that was not imported. */
typedef struct Rejected
{
	const char *table;
	char	   *key;
	char	   *reason;
} Rejected;

/* A growable string. */
typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

/* A sorted list of keys (the rejected hashes and aliases). */
typedef struct KeySet
{
	char	  **keys;
	size_t		n;
	size_t		cap;
	bool		sorted;
} KeySet;

typedef struct Import
{
	PGconn	   *src;
	pr_conn    *dst;
	pr_conn    *dst2;			/* a second target connection: two tables at once */
	char	   *schema;			/* quoted */
	int			batch;
	bool		dry_run;
	bool		with_jobs;
	bool		verify;
	bool		bar;
	Counts		counts[NTABLES];
	Rejected   *rejected;
	size_t		nrejected;
	size_t		caprejected;
	int64_t		unlisted;
	KeySet		bad_hashes;		/* source hash texts not imported */
	KeySet		bad_aliases;	/* source aliases not imported */
	int64_t		uploads;
	int64_t		notifications;
} Import;

static void
import_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo import-pict-rs SOURCE [OPTIONS]\n"
			"\n"
			"Move a pict-rs 0.5 PostgreSQL repository into pict_repo.  SOURCE is a libpq\n"
			"connection string or URI of the pict-rs database; the target is the\n"
			"tool's own connection (-d or the libpq environment), on which only\n"
			"pict_repo.import_pictrs() is called.\n"
			"\n"
			"Imported: hashes (created_at, motion identifier, blurhash), details,\n"
			"variants with their access times, aliases with their delete tokens,\n"
			"proxies with their access times, settings (hex values decoded), store\n"
			"migrations and, with --with-jobs, the jobs of job_queue (running ones\n"
			"come back as waiting).  Not imported, and counted in the summary:\n"
			"uploads in progress and keyed_notifications (transient locks).\n"
			"\n"
			"The source is read from one snapshot in keyset batches; each batch is one\n"
			"transaction on the target.  Rows already in pict_repo are left alone: a\n"
			"second run imports nothing, and an interrupted run is finished by running\n"
			"it again.  Afterwards every table is read again and each row is looked up\n"
			"in pict_repo.  A summary goes to stdout, with one line per row that could\n"
			"not be imported (not imported<TAB>TABLE<TAB>KEY<TAB>REASON); on a\n"
			"terminal a progress bar is drawn on stderr.\n"
			"\n"
			"Options:\n"
			"  -s, --schema NAME     schema of the pict-rs tables (default public)\n"
			"  -j, --with-jobs       import the jobs of job_queue too\n"
			"  -n, --dry-run         write nothing; report what would be imported\n"
			"  -b, --batch-size N    rows per batch, 1..%d (default %d)\n"
			"      --no-verify       skip the check that every row is in pict_repo\n"
			"  -h, --help            show this help\n"
			"\n"
			"Exit status: 0 every row imported (or already there), 1 some rows could\n"
			"not be imported or the check found rows missing, 2 usage error, 3 server\n"
			"or connection error.\n", MAX_BATCH, DEFAULT_BATCH);
}

/* ---- small helpers --------------------------------------------------------- */

static void *
xrealloc(void *p, size_t n)
{
	void	   *q = realloc(p, n);

	if (!q)
	{
		tool_warn("import-pict-rs: out of memory");
		exit(EXIT_SERVER);
	}
	return q;
}

static char *
xstrdup(const char *s)
{
	size_t		n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

static void
buf_reserve(Buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	while (b->len + more + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 65536;
	b->data = xrealloc(b->data, b->cap);
}

static void
buf_put(Buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
buf_str(Buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* Append s as a JSON string (or null). */
static void
buf_json(Buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (!s)
	{
		buf_str(b, "null");
		return;
	}
	buf_reserve(b, strlen(s) * 6 + 2);
	b->data[b->len++] = '"';
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '"' || *p == '\\')
		{
			b->data[b->len++] = '\\';
			b->data[b->len++] = (char) *p;
		}
		else if (*p < 0x20)
		{
			memcpy(b->data + b->len, "\\u00", 4);
			b->len += 4;
			b->data[b->len++] = hex[*p >> 4];
			b->data[b->len++] = hex[*p & 15];
		}
		else
			b->data[b->len++] = (char) *p;
	}
	b->data[b->len++] = '"';
	b->data[b->len] = '\0';
}

/* Append "key":value, value a JSON string of s (or null). */
static void
buf_field(Buf *b, bool first, const char *key, const char *s)
{
	if (!first)
		buf_str(b, ",");
	buf_str(b, "\"");
	buf_str(b, key);
	buf_str(b, "\":");
	buf_json(b, s);
}

/* Decode strict standard base64 (with padding); the length, or -1. */
static int
base64_decode(const char *s, uint8_t *out, size_t outmax)
{
	size_t		n = strlen(s);
	size_t		o = 0;
	uint32_t	acc = 0;
	int			bits = 0;
	size_t		pad = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
	{
		char		c = s[i];
		int			v;

		if (c == '=')
		{
			if (i < n - 2)
				return -1;
			pad++;
			continue;
		}
		if (pad)
			return -1;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else
			return -1;
		acc = (acc << 6) | (uint32_t) v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			if (o >= outmax)
				return -1;
			out[o++] = (uint8_t) (acc >> bits);
		}
	}
	/* Unused bits of the last character must be zero (one encoding only). */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (int) o;
}

/* Append the hex of a pict-rs hash text; false if it is not base64 of 39 bytes. */
static bool
buf_hash_hex(Buf *b, const char *base64)
{
	uint8_t		bytes[HASH_BYTES + 3];
	char		hex[2 * sizeof(bytes) + 1];

	if (base64_decode(base64, bytes, sizeof(bytes)) != HASH_BYTES)
		return false;
	format_hex(bytes, HASH_BYTES, hex);
	buf_json(b, hex);
	return true;
}

/* Whether s is an even number of hex digits. */
static bool
is_hex(const char *s)
{
	size_t		n = strspn(s, "0123456789abcdefABCDEF");

	return s[n] == '\0' && n % 2 == 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
keyset_add(KeySet *ks, const char *key)
{
	if (ks->n == ks->cap)
	{
		ks->cap = ks->cap ? ks->cap * 2 : 64;
		ks->keys = xrealloc(ks->keys, ks->cap * sizeof(char *));
	}
	ks->keys[ks->n++] = xstrdup(key);
	ks->sorted = false;
}

static bool
keyset_has(KeySet *ks, const char *key)
{
	if (ks->n == 0)
		return false;
	if (!ks->sorted)
	{
		qsort(ks->keys, ks->n, sizeof(char *), cmp_str);
		ks->sorted = true;
	}
	return bsearch(&key, ks->keys, ks->n, sizeof(char *), cmp_str) != NULL;
}

static void
keyset_free(KeySet *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		free(ks->keys[i]);
	free(ks->keys);
}

/* Record a row that was not imported. */
static void
reject(Import *im, int t, const char *key, const char *reason)
{
	im->counts[t].rejected++;
	if (strcmp(tables[t].name, "hashes") == 0)
		keyset_add(&im->bad_hashes, key);
	else if (strcmp(tables[t].name, "aliases") == 0)
		keyset_add(&im->bad_aliases, key);
	if (im->nrejected >= MAX_LISTED)
	{
		im->unlisted++;
		return;
	}
	if (im->nrejected == im->caprejected)
	{
		im->caprejected = im->caprejected ? im->caprejected * 2 : 64;
		im->rejected = xrealloc(im->rejected, im->caprejected * sizeof(Rejected));
	}
	im->rejected[im->nrejected].table = tables[t].name;
	im->rejected[im->nrejected].key = xstrdup(key);
	im->rejected[im->nrejected].reason = xstrdup(reason);
	im->nrejected++;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Draw the progress of one table on stderr: done of total, rate, ETA. */
static void
progress(const char *what, const char *table, int64_t done, int64_t total,
		 int64_t started, bool final)
{
	const int	width = 30;
	int64_t		ms = now_ms() - started;
	double		rate = ms > 0 ? (double) done * 1000.0 / (double) ms : 0;
	int			filled;
	char		eta[32];

	if (total < done)
		total = done;
	filled = total > 0 ? (int) (done * width / total) : width;
	if (final)
		snprintf(eta, sizeof(eta), "%.1fs", (double) ms / 1000.0);
	else if (rate > 0)
		snprintf(eta, sizeof(eta), "ETA %.0fs", (double) (total - done) / rate);
	else
		snprintf(eta, sizeof(eta), "ETA ?");
	fprintf(stderr, "\r%-6s %-16s [%.*s%*s] %lld/%lld %.0f rows/s %s\033[K", what, table,
			filled, "##############################", width - filled, "",
			(long long) done, (long long) total, rate, eta);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* ---- the source ------------------------------------------------------------ */

/* Run a query on the source; NULL (after a message) on error. */
static PGresult *
src_query(Import *im, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res = PQexecParams(im->src, sql, nparams, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		fprintf(stderr, "pict-repo: import-pict-rs: source: %s: %s",
				state ? state : "08006", PQerrorMessage(im->src));
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Count the rows of a source table into *n; false on error. */
static bool
src_count(Import *im, const char *table, int64_t *n)
{
	char		sql[256];
	PGresult   *res;

	snprintf(sql, sizeof(sql), "SELECT pg_catalog.count(*) FROM %s.%s", im->schema, table);
	if (!(res = src_query(im, sql, 0, NULL)))
		return false;
	*n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return true;
}

/* ---- one batch --------------------------------------------------------------- */

/* What a batch row stands for: its key, and the parent it needs. */
typedef struct BatchRow
{
	int			src_row;		/* row of the source result */
	const char *parent;			/* hash text (variants, aliases) or alias (proxies) */
} BatchRow;

/*
 * Append the JSON object of source row r of table t to b; NULL when the row
 * is fine, or why it cannot be imported.  *parent is set to the key of the
 * row it hangs off, if any.
 */
static const char *
build_row(Buf *b, int t, PGresult *res, int r, const char **parent)
{
#define V(c) (PQgetisnull(res, r, (c)) ? NULL : PQgetvalue(res, r, (c)))
	const char *kind = tables[t].kind;

	*parent = NULL;
	buf_str(b, "{");
	if (strcmp(kind, "hash") == 0)
	{
		buf_str(b, "\"h\":");
		if (!V(0) || !buf_hash_hex(b, V(0)))
			return "hash is not the standard base64 of 39 bytes";
		buf_field(b, false, "i", V(1));
		buf_field(b, false, "m", V(2));
		buf_field(b, false, "b", V(3));
		buf_field(b, false, "c", V(4));
	}
	else if (strcmp(kind, "details") == 0)
	{
		buf_field(b, true, "i", V(0));
		buf_str(b, ",\"d\":");
		buf_str(b, V(1) ? V(1) : "null");
	}
	else if (strcmp(kind, "variant") == 0)
	{
		*parent = V(1);
		buf_str(b, "\"h\":");
		if (!V(1) || !buf_hash_hex(b, V(1)))
			return "its hash is not the standard base64 of 39 bytes";
		buf_field(b, false, "v", V(2));
		buf_field(b, false, "i", V(3));
		buf_field(b, false, "a", V(4));
	}
	else if (strcmp(kind, "alias") == 0)
	{
		*parent = V(1);
		buf_field(b, true, "a", V(0));
		buf_str(b, ",\"h\":");
		if (!V(1) || !buf_hash_hex(b, V(1)))
			return "its hash is not the standard base64 of 39 bytes";
		buf_field(b, false, "t", V(2));
	}
	else if (strcmp(kind, "proxy") == 0)
	{
		*parent = V(1);
		buf_field(b, true, "u", V(0));
		buf_field(b, false, "a", V(1));
		buf_field(b, false, "t", V(2));
	}
	else if (strcmp(kind, "setting") == 0)
	{
		if (!V(1) || !is_hex(V(1)))
			return "value is not hex";
		buf_field(b, true, "k", V(0));
		buf_field(b, false, "v", V(1));
	}
	else if (strcmp(kind, "migration") == 0)
	{
		buf_field(b, true, "o", V(0));
		buf_field(b, false, "n", V(1));
	}
	else
	{
		/* pict-rs's retry is the attempts a job has; at least one here. */
		const char *retry_text = V(5);
		long		retry = retry_text ? strtol(retry_text, NULL, 10) : 5;
		char		attempts[24];

		snprintf(attempts, sizeof(attempts), "%ld", retry < 1 ? 1 : retry);
		buf_field(b, true, "id", V(0));
		buf_field(b, false, "q", V(1));
		buf_str(b, ",\"j\":");
		buf_str(b, V(2) ? V(2) : "null");
		buf_field(b, false, "k", V(3));
		buf_field(b, false, "t", V(4));
		buf_str(b, ",\"m\":");
		buf_str(b, attempts);
	}
	buf_str(b, "}");
	return NULL;
#undef V
}

/* One batch: the source rows, the JSON sent for them, and which row is which. */
typedef struct Batch
{
	PGresult   *src;			/* the rows read from the source */
	Buf			json;
	BatchRow   *rows;			/* rows[i]: the source row of JSON element i */
	int			sent;			/* JSON elements */
	bool		in_flight;		/* sent, its outcomes not read yet */
} Batch;

/*
 * Turn the source rows of b into the JSON of one import_pictrs batch; rows
 * that cannot be sent are rejected here (not when verifying: they were).
 */
static void
build_batch(Import *im, int t, Batch *b, bool verify)
{
	int			n = PQntuples(b->src);

	b->sent = 0;
	b->json.len = 0;
	buf_str(&b->json, "[");
	for (int r = 0; r < n; r++)
	{
		size_t		mark = b->json.len;
		const char *parent;
		const char *why;

		if (b->sent > 0)
			buf_str(&b->json, ",");
		why = build_row(&b->json, t, b->src, r, &parent);
		if (why)
		{
			b->json.len = mark;
			b->json.data[mark] = '\0';
			if (!verify)
				reject(im, t, PQgetvalue(b->src, r, 0), why);
			continue;
		}
		b->rows[b->sent].src_row = r;
		b->rows[b->sent].parent = parent;
		b->sent++;
	}
	buf_str(&b->json, "]");
}

/*
 * Read the outcomes of the batch in flight and count them; verify: a dry
 * run that checks the rows are in pict_repo.  Returns EXIT_OK or the exit
 * code of an error.
 */
static int
collect_batch(Import *im, pr_conn *conn, int t, Batch *b, bool verify)
{
	Counts	   *c = &im->counts[t];
	pr_strings *outcomes = NULL;
	pr_error	err;

	b->in_flight = false;

	/*
	 * A batch that lost a deadlock or a serialization conflict with another
	 * writer of the target was rolled back whole: send it again (a batch is
	 * idempotent), a few times.
	 */
	for (int attempt = 1; pr_import_pictrs_receive(conn, &outcomes, &err) != PR_OK; attempt++)
	{
		if (attempt == 5 || (strcmp(err.sqlstate, "40P01") != 0 &&
							 strcmp(err.sqlstate, "40001") != 0))
			return tool_fail("import_pictrs", &err);
		if (pr_import_pictrs_send(conn, tables[t].kind, b->json.data,
								  im->dry_run || verify, &err) != PR_OK)
			return tool_fail("import_pictrs", &err);
	}
	if (outcomes->n != (size_t) b->sent)
	{
		tool_warn("import-pict-rs: import_pictrs returned %zu outcomes for %d rows",
				  outcomes->n, b->sent);
		pr_free(outcomes);
		return EXIT_SERVER;
	}
	for (int i = 0; i < b->sent; i++)
	{
		const char *o = outcomes->items[i];
		const char *key = PQgetvalue(b->src, b->rows[i].src_row, 0);
		bool		dependency = strcmp(o, "its hash is not in pict_repo") == 0 ||
			strcmp(o, "its alias is not in pict_repo") == 0;

		/*
		 * A dry run writes no parent, so a child whose parent would be
		 * imported looks orphaned; the source's foreign keys say the parent
		 * exists there, so it is new unless its parent was rejected.
		 */
		if (im->dry_run && !verify && dependency && b->rows[i].parent &&
			!keyset_has(strcmp(tables[t].kind, "proxy") == 0 ? &im->bad_aliases
						: &im->bad_hashes, b->rows[i].parent))
			o = "new";
		if (verify)
		{
			if (strcmp(o, "exists") == 0)
				c->verified++;
			else if (strcmp(o, "new") == 0)
				c->missing++;
		}
		else if (strcmp(o, "imported") == 0 || strcmp(o, "new") == 0)
			c->imported++;
		else if (strcmp(o, "exists") == 0)
			c->exists++;
		else
			reject(im, t, key, o);
	}
	pr_free(outcomes);
	return EXIT_OK;
}

/*
 * A table being walked in keyset batches on one target connection.  Two
 * batches take turns: while the server writes one, the next is read from
 * the source and converted.
 */
typedef struct Lane
{
	int			t;				/* the table */
	pr_conn    *conn;			/* its target connection */
	char		first[512];		/* the first batch's query */
	char		next[512];		/* the next batches' query, after $1 */
	Batch		batches[2];
	Batch	   *prev;			/* the batch sent last */
	int			turn;
	char	   *last;			/* the keyset column of the last row read */
	bool		more;			/* the source may hold more rows */
	bool		done;
	int64_t		rows;			/* read so far */
	int64_t		started;
} Lane;

static void
lane_start(Import *im, Lane *l, int t, pr_conn *conn)
{
	const Table *tb = &tables[t];
	bool		is_uuid = strcmp(tb->key, "id") == 0;

	memset(l, 0, sizeof(*l));
	l->t = t;
	l->conn = conn;
	l->more = true;
	l->started = now_ms();
	for (int i = 0; i < 2; i++)
		l->batches[i].rows = xrealloc(NULL, sizeof(BatchRow) * (size_t) im->batch);
	snprintf(l->first, sizeof(l->first), "SELECT %s FROM %s.%s ORDER BY %s LIMIT %d",
			 tb->columns, im->schema, tb->name, tb->key, im->batch);
	snprintf(l->next, sizeof(l->next),
			 "SELECT %s FROM %s.%s WHERE %s > $1%s ORDER BY %s LIMIT %d",
			 tb->columns, im->schema, tb->name, tb->key, is_uuid ? "::uuid" : "",
			 tb->key, im->batch);
}

/* Free a lane; a batch still in flight (after an error) is read and dropped. */
static void
lane_end(Lane *l)
{
	for (int i = 0; i < 2; i++)
	{
		if (l->batches[i].in_flight)
		{
			pr_strings *o = NULL;

			(void) pr_import_pictrs_receive(l->conn, &o, NULL);
			pr_free(o);
		}
		PQclear(l->batches[i].src);
		free(l->batches[i].json.data);
		free(l->batches[i].rows);
	}
	free(l->last);
}

/*
 * One turn of a lane: read and convert the next batch, read the outcomes
 * of the one in flight, send the new one.  Sets l->done after the last.
 */
static int
lane_step(Import *im, Lane *l, bool verify)
{
	const Table *tb = &tables[l->t];
	Batch	   *b = &l->batches[l->turn];
	bool		fresh = false;
	int			rc;

	if (l->more)
	{
		const char *params[1] = {l->last};
		int			n;

		PQclear(b->src);
		b->src = src_query(im, l->last ? l->next : l->first, l->last ? 1 : 0, params);
		if (!b->src)
			return EXIT_SERVER;
		n = PQntuples(b->src);
		if (!verify)
			im->counts[l->t].read += n;
		if (n > 0)
		{
			/* The keyset column is the first one read, as text. */
			free(l->last);
			l->last = xstrdup(PQgetvalue(b->src, n - 1, 0));
		}
		l->more = n == im->batch;
		l->rows += n;
		build_batch(im, l->t, b, verify);
		fresh = true;
	}
	if (l->prev && l->prev->in_flight &&
		(rc = collect_batch(im, l->conn, l->t, l->prev, verify)) != EXIT_OK)
		return rc;
	if (fresh && b->sent > 0)
	{
		pr_error	err;

		if (pr_import_pictrs_send(l->conn, tb->kind, b->json.data, im->dry_run || verify,
								  &err) != PR_OK)
			return tool_fail("import_pictrs", &err);
		b->in_flight = true;
	}
	l->prev = b;
	l->turn ^= 1;
	if (!l->more && !b->in_flight)
		l->done = true;
	return EXIT_OK;
}

/*
 * Walk tables t1 and t2 (-1: none) side by side, each on its own target
 * connection, turn by turn; verify: the checking pass.  The two never
 * depend on each other (see pairs in cmd_import_pictrs).
 */
static int
walk_tables(Import *im, int t1, int t2, bool verify)
{
	const char *what = verify ? "check" : (im->dry_run ? "dry" : "import");
	Lane		lanes[2];
	int			nlanes = 0;
	int			rc = EXIT_OK;

	lane_start(im, &lanes[nlanes++], t1, im->dst);
	if (t2 >= 0)
		lane_start(im, &lanes[nlanes++], t2, im->dst2);
	for (bool busy = true; busy && rc == EXIT_OK;)
	{
		busy = false;
		for (int i = 0; i < nlanes && rc == EXIT_OK; i++)
		{
			Lane	   *l = &lanes[i];

			if (l->done)
				continue;
			rc = lane_step(im, l, verify);
			if (rc != EXIT_OK)
				break;
			if (im->bar)
				progress(what, tables[l->t].name, l->rows, im->counts[l->t].source,
						 l->started, l->done);
			busy |= !l->done;
		}
	}
	for (int i = 0; i < nlanes; i++)
		lane_end(&lanes[i]);
	return rc;
}

/* ---- the command -------------------------------------------------------------- */

/* Print the summary and the rows not imported; returns the exit code. */
static int
report(Import *im)
{
	int64_t		imported = 0,
				rejected = 0,
				missing = 0;
	bool		counts_ok = true;

	printf("%s pict-rs repository into pict_repo%s\n",
		   im->dry_run ? "dry run: importing a" : "imported a",
		   im->dry_run ? " (nothing written)" : "");
	for (size_t t = 0; t < NTABLES; t++)
	{
		Counts	   *c = &im->counts[t];

		if (tables[t].job && !im->with_jobs)
		{
			printf("%-17s skipped: %lld jobs (import them with --with-jobs)\n",
				   tables[t].name, (long long) c->source);
			continue;
		}
		printf("%-17s %9lld in the source %9lld %s %9lld already there %6lld not imported",
			   tables[t].name, (long long) c->source, (long long) c->imported,
			   im->dry_run ? "to import" : "imported ", (long long) c->exists,
			   (long long) c->rejected);
		if (im->verify && !im->dry_run)
			printf("   check: %lld of %lld in pict_repo", (long long) c->verified,
				   (long long) (c->source - c->rejected));
		printf("\n");
		if (c->read != c->source ||
			c->imported + c->exists + c->rejected != c->source)
			counts_ok = false;
		imported += c->imported;
		rejected += c->rejected;
		missing += c->missing;
		if (im->verify && !im->dry_run && c->verified != c->source - c->rejected)
			missing += (c->source - c->rejected) - c->verified - c->missing;
	}
	printf("%-17s skipped: %lld uploads in progress (not imported)\n", "uploads",
		   (long long) im->uploads);
	printf("%-17s skipped: %lld transient variant locks (not imported)\n",
		   "keyed_notifications", (long long) im->notifications);
	for (size_t i = 0; i < im->nrejected; i++)
	{
		fputs("not imported\t", stdout);
		fputs(im->rejected[i].table, stdout);
		fputc('\t', stdout);
		tool_put(stdout, im->rejected[i].key);
		fputc('\t', stdout);
		tool_put(stdout, im->rejected[i].reason);
		fputc('\n', stdout);
	}
	if (im->unlisted > 0)
		printf("not imported\t...\t%lld more rows not listed\n", (long long) im->unlisted);
	if (imported == 0)
		printf("nothing %s: every row that can be imported is already in pict_repo\n",
			   im->dry_run ? "to import" : "imported");
	if (!counts_ok)
		printf("counts do not add up: the source changed while it was read?\n");
	if (missing > 0)
		printf("check failed: %lld rows are not in pict_repo\n", (long long) missing);
	else if (im->verify && !im->dry_run)
		printf("check: every imported row is in pict_repo\n");
	if (ferror(stdout) || fflush(stdout) != 0)
		return EXIT_SERVER;
	return (rejected > 0 || missing > 0 || !counts_ok) ? EXIT_NOTHING : EXIT_OK;
}

/* Open the source connection and its snapshot; false (after a message) on error. */
static bool
open_source(Import *im, const char *conninfo, const char *schema)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[] = {conninfo, "pict-repo import-pict-rs", NULL};
	PGresult   *res;
	char	   *quoted;

	im->src = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(im->src) != CONNECTION_OK)
	{
		fprintf(stderr, "pict-repo: import-pict-rs: cannot connect to the source: 08001: %s",
				PQerrorMessage(im->src));
		return false;
	}
	quoted = PQescapeIdentifier(im->src, schema, strlen(schema));
	if (!quoted)
	{
		fprintf(stderr, "pict-repo: import-pict-rs: %s", PQerrorMessage(im->src));
		return false;
	}
	im->schema = xstrdup(quoted);
	PQfreemem(quoted);
	if (PQsetClientEncoding(im->src, "UTF8") != 0)
	{
		fprintf(stderr, "pict-repo: import-pict-rs: source: %s", PQerrorMessage(im->src));
		return false;
	}
	/* One snapshot for the whole run: the counts and every batch agree. */
	if (!(res = src_query(im, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL)))
		return false;
	PQclear(res);
	if (!(res = src_query(im, "SET LOCAL search_path = pg_catalog", 0, NULL)))
		return false;
	PQclear(res);
	return true;
}

int
cmd_import_pictrs(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"schema", required_argument, NULL, 's'},
		{"with-jobs", no_argument, NULL, 'j'},
		{"dry-run", no_argument, NULL, 'n'},
		{"batch-size", required_argument, NULL, 'b'},
		{"no-verify", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	Import		im;
	const char *schema = "public";
	const char *source;
	long		batch = DEFAULT_BATCH;
	int			c;
	int			rc = EXIT_OK;

	memset(&im, 0, sizeof(im));
	im.verify = true;
	while ((c = getopt_long(argc, argv, "s:jnb:h", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 's':
				schema = optarg;
				break;
			case 'j':
				im.with_jobs = true;
				break;
			case 'n':
				im.dry_run = true;
				break;
			case 'b':
				if (!parse_int(optarg, 1, MAX_BATCH, &batch))
					return tool_usage_error("import-pict-rs", "--batch-size must be 1..%d",
											MAX_BATCH);
				break;
			case 'V':
				im.verify = false;
				break;
			case 'h':
				import_usage(stdout);
				return EXIT_OK;
			default:
				return tool_usage_error("import-pict-rs", "unknown option");
		}
	}
	if (optind >= argc)
		return tool_usage_error("import-pict-rs", "no SOURCE given");
	if (optind + 1 != argc)
		return tool_usage_error("import-pict-rs", "unexpected argument \"%s\"", argv[optind + 1]);
	if (schema[0] == '\0')
		return tool_usage_error("import-pict-rs", "--schema must not be empty");
	source = argv[optind];
	im.batch = (int) batch;
	im.bar = isatty(STDERR_FILENO);

	if (!(im.dst = tool_connect(&rc)))
		return rc;
	if (!(im.dst2 = tool_connect(&rc)))
	{
		pr_finish(im.dst);
		return rc;
	}
	if (PQsetClientEncoding(pr_pgconn(im.dst), "UTF8") != 0 ||
		PQsetClientEncoding(pr_pgconn(im.dst2), "UTF8") != 0)
	{
		tool_warn("import-pict-rs: %s", PQerrorMessage(pr_pgconn(im.dst)));
		pr_finish(im.dst);
		pr_finish(im.dst2);
		return EXIT_SERVER;
	}
	if (!open_source(&im, source, schema))
		rc = EXIT_SERVER;
	for (size_t t = 0; rc == EXIT_OK && t < NTABLES; t++)
		if (!src_count(&im, tables[t].name, &im.counts[t].source))
			rc = EXIT_SERVER;
	if (rc == EXIT_OK &&
		(!src_count(&im, "uploads", &im.uploads) ||
		 !src_count(&im, "keyed_notifications", &im.notifications)))
		rc = EXIT_SERVER;
	/*
	 * Two tables at a time, each on its own connection, in pairs that
	 * never depend on each other and come after their parents: hashes and
	 * details; variants and aliases (their hashes are in); proxies (their
	 * aliases are in) and settings; store migrations and jobs.
	 */
	for (int pass = 0; pass < 2 && rc == EXIT_OK; pass++)
	{
		bool		verify = pass == 1;

		if (verify && (!im.verify || im.dry_run))
			break;
		for (size_t t = 0; rc == EXIT_OK && t < NTABLES; t += 2)
		{
			int			t2 = t + 1 < NTABLES &&
				(!tables[t + 1].job || im.with_jobs) ? (int) t + 1 : -1;

			rc = walk_tables(&im, (int) t, t2, verify);
		}
	}
	if (rc == EXIT_OK)
		rc = report(&im);

	for (size_t i = 0; i < im.nrejected; i++)
	{
		free(im.rejected[i].key);
		free(im.rejected[i].reason);
	}
	free(im.rejected);
	keyset_free(&im.bad_hashes);
	keyset_free(&im.bad_aliases);
	free(im.schema);
	if (im.src)
		PQfinish(im.src);
	pr_finish(im.dst);
	pr_finish(im.dst2);
	return rc;
}
