/*-------------------------------------------------------------------------
 *
 * media.c
 *		The file service's benchmark (`--only media`): list_media for every
 *		filter, first page and page 10, against the same call
 *		answered by a sequential scan; usage_report against the GROUP BY
 *		it replaces; ingest with metadata against today's ingest.
 *
 * One of the benchmark's scenario families (bench.h: add_row, fmt,
 * run_procs, ingest_proc, the control connection...); its sections are
 * MEDIA_SECTIONS (media.h), listed in report.c's table of sections.
 *
 *-------------------------------------------------------------------------
 */
#include "bench.h"


typedef struct MediaScale
{
	long		uploads;		/* listed uploads */
	long		owners;
	long		ingest;			/* uploads per ingest run */
	int			calls;			/* timed calls per filter and page */
	int			scan_calls;		/* timed calls of the sequential scan */
	int			usage_calls;
} MediaScale;

static const MediaScale media_quick = {50000, 500, 2000, 50, 3, 200};
static const MediaScale media_full = {1000000, 10000, 10000, 200, 5, 1000};
static const MediaScale *mscale;

/*
 * The file service's indexes of aliases (pict_repo--1.3--1.4.sql).  The
 * tags' table, alias_tags, gets no row from today's ingest (no tags).
 */
static const char *const media_indexes[] = {
	"aliases_created_at_alias_idx", "aliases_owner_created_at_alias_idx",
	"aliases_access_created_at_alias_idx", "aliases_content_type_created_at_alias_idx",
	"aliases_media_type_created_at_alias_idx", "aliases_width_idx",
	"aliases_height_idx", "aliases_bytes_idx", "aliases_animated_created_at_alias_idx",
	"aliases_owner_content_type_created_at_alias_idx"
};
#define N_MEDIA_INDEXES (sizeof(media_indexes) / sizeof(media_indexes[0]))

/* ---- ingest ------------------------------------------------------------------ */

typedef enum MediaIngestMode
{
	MI_TODAY,					/* pr_ingest */
	MI_META,					/* pr_ingest_ex with metadata */
	MI_NO_INDEXES,				/* pr_ingest, the file service's indexes dropped */
	MI_BATCH,					/* pr_ingest_batch, 100 per pipeline */
	MI_BATCH_NO_INDEXES			/* the same, the indexes dropped */
} MediaIngestMode;

static const char *const media_ingest_names[] = {
	"today's ingest() (pr_ingest, no metadata)",
	"ingest() with metadata (pr_ingest_ex)",
	"today's ingest(), the file service's indexes dropped",
	"today's ingest() pipelined, 100 per pipeline (pr_ingest_batch)",
	"today's ingest() pipelined, the file service's indexes dropped"
};
/* The mode each is compared with: the same calls, with the indexes / without. */
static const MediaIngestMode media_ingest_with[] = {MI_TODAY, MI_TODAY, MI_TODAY, MI_BATCH, MI_BATCH};
static const MediaIngestMode media_ingest_without[] = {
	MI_NO_INDEXES, MI_NO_INDEXES, MI_NO_INDEXES, MI_BATCH_NO_INDEXES, MI_BATCH_NO_INDEXES
};

typedef struct MediaIngestArg
{
	MediaIngestMode mode;
	long		per_proc;
	int			run;
} MediaIngestArg;

static void
media_ingest_proc(int idx, int nprocs, void *arg)
{
	const MediaIngestArg *a = arg;
	pr_conn    *c;
	pr_error	err;
	const char *details = "{\"width\": 1920, \"height\": 1080, \"content_type\": \"image/jpeg\"}";

	/* Pipelined: the ingest section's own pipelined batches (bench.c). */
	if (a->mode >= MI_BATCH)
	{
		IngestArg	ia = {I_PIPELINED, a->per_proc, a->run};

		ingest_proc(idx, nprocs, &ia);
		return;
	}
	c = pr_connect_or_fail();
	wait_start();
	for (long i = 0; i < a->per_proc; i++)
	{
		uint8_t		hash[39];
		char		ident[64],
					alias[64],
					owner[32];
		const char *tags[2] = {"cat", i % 2 ? "sunset" : "dog"};
		pr_upload_meta meta = {owner, tags, 2, i % 7 ? "public" : "private", true, 250000 + i};
		pr_ingest_item item = {hash, 39, ident, details, "jpg", alias, NULL};
		pr_ingest_result *res = NULL;
		int			rc;

		make_hash(hash, a->run, idx, i);
		snprintf(ident, sizeof(ident), "media/%d/%d/%ld.jpg", a->run, idx, i);
		snprintf(alias, sizeof(alias), "m%d-%d-%ld.jpg", a->run, idx, i);
		snprintf(owner, sizeof(owner), "user%ld", (i * 7919 + idx) % 1000);
		if (a->mode == MI_META)
			rc = pr_ingest_ex(c, &item, &meta, &res, &err);
		else
			rc = pr_ingest(c, hash, 39, ident, details, "jpg", alias, NULL, &res, &err);
		if (rc != PR_OK)
			pr_fail("ingest", &err);
		pr_free(res);
		count_done(idx, 1);
	}
	pr_finish(c);
}

/* Drop the file service's indexes of aliases; returns the SQL that makes them again. */
static char *
media_drop_indexes(void)
{
	char		names[2048],
				sql[4096];
	size_t		len = 0;
	char	   *defs;

	for (size_t i = 0; i < N_MEDIA_INDEXES; i++)
		len += snprintf(names + len, sizeof(names) - len, "%s'pict_repo.%s'",
						i ? ", " : "", media_indexes[i]);
	snprintf(sql, sizeof(sql),
			 "SELECT string_agg(pg_get_indexdef(c::regclass), '; ') "
			 "FROM unnest(ARRAY[%s]) c", names);
	defs = query_text(ctl, sql);
	snprintf(sql, sizeof(sql), "DROP INDEX %s", names);
	/* The names are quoted for the array: unquote them for DROP INDEX. */
	for (char *p = sql; *p; p++)
		if (*p == '\'')
			*p = ' ';
	exec_ok(ctl, sql);
	return defs;
}

static void
media_bench_ingest(void)
{
	long		n = mscale->ingest;
	int			procs = 4;
	double		rate[5] = {0, 0, 0, 0, 0},
				wal[5] = {0, 0, 0, 0, 0};

	printf("== media ingest: %ld uploads, %d processes, best of %d rounds\n", n, procs, scale->rounds);
	for (int round = 0; round < scale->rounds; round++)
		for (MediaIngestMode m = MI_TODAY; m <= MI_BATCH_NO_INDEXES; m++)
		{
			MediaIngestArg a = {m, n / procs, 100 + round * 5 + (int) m};
			RunResult	r;
			char	   *defs = NULL;
			double		x;

			if (m == MI_NO_INDEXES || m == MI_BATCH_NO_INDEXES)
				defs = media_drop_indexes();
			exec_ok(ctl, "CHECKPOINT");
			run_procs(procs, media_ingest_proc, &a, 0, &r);
			if (defs)
			{
				exec_ok(ctl, defs);
				free(defs);
			}
			x = r.done / r.seconds;
			printf("   round %d, %s: %.0f uploads/s\n", round + 1, media_ingest_names[m], x);
			if (x > rate[m])
			{
				rate[m] = x;
				wal[m] = r.wal_bytes / r.done;
			}
		}
	for (MediaIngestMode m = MI_TODAY; m <= MI_BATCH_NO_INDEXES; m++)
		add_row("media_ingest", 5, media_ingest_names[m], fmt_rate(rate[m]), fmt("%.0f", wal[m]),
				fmt("%.2f", rate[m] / rate[media_ingest_with[m]]),
				fmt("%.2f", rate[m] / rate[media_ingest_without[m]]));
	add_row("targets", 4, "ingest with metadata vs today's ingest, uploads/s (4 processes)",
			fmt("%.0f%%", 100 * (rate[MI_META] / rate[MI_TODAY] - 1)), "within 15%",
			rate[MI_META] >= 0.85 * rate[MI_TODAY] ? "yes" : "**no**");
	add_row("targets", 4, "ingest with metadata vs today's ingest without the file service's indexes",
			fmt("%.0f%%", 100 * (rate[MI_META] / rate[MI_NO_INDEXES] - 1)), "within 15%",
			rate[MI_META] >= 0.85 * rate[MI_NO_INDEXES] ? "yes" : "**no**");
	add_row("targets", 4, "pipelined ingest with the file service's indexes vs without them",
			fmt("%.0f%%", 100 * (rate[MI_BATCH] / rate[MI_BATCH_NO_INDEXES] - 1)), "within 15%",
			rate[MI_BATCH] >= 0.85 * rate[MI_BATCH_NO_INDEXES] ? "yes" : "**no**");
}

/* ---- the listed uploads --------------------------------------------------------- */

/* A uniform number in [0, 1) from row g and draw k, the same on every run. */
#define MEDIA_U(k) "((pg_catalog.hashint8(g * 16 + " #k ") & 1048575)::float8 / 1048576)"

static void
media_fill(void)
{
	char		sql[4096];
	long		n = mscale->uploads;

	printf("== media: filling %ld uploads of %ld owners\n", n, mscale->owners);
	exec_ok(ctl, "TRUNCATE pict_repo.proxies, pict_repo.aliases, pict_repo.variants, "
			"pict_repo.variant_locks, pict_repo.details, pict_repo.usage_totals, pict_repo.alias_tags, "
			"pict_repo.copies, "
			"pict_repo.store_totals, pict_repo.hashes");
	for (long done = 0; done < n; done += 100000)
	{
		long		k = n - done < 100000 ? n - done : 100000;

		snprintf(sql, sizeof(sql),
				 "INSERT INTO pict_repo.hashes (hash, identifier, created_at) "
				 "SELECT sha256(int8send(g)), 'media/' || g, timestamptz '2024-01-01' + g * interval '1 minute' "
				 "FROM generate_series(%ld, %ld) g", done + 1, done + k);
		exec_ok(ctl, sql);
		snprintf(sql, sizeof(sql),
				 "INSERT INTO pict_repo.aliases (alias, hash, token, created_at, owner, tags, access,"
				 "  content_type, width, height, frames, media_bytes) "
				 "SELECT 'm' || g || '.' || split_part(ct, '/', 2), sha256(int8send(g)), md5(g::text),"
				 "  timestamptz '2024-01-01' + (g / 3) * interval '3 minutes',"
				 "  'user' || floor(%ld * u1 * u1)::int,"
				 "  ARRAY(SELECT DISTINCT CASE t WHEN 0 THEN 'cat' WHEN 1 THEN 'dog' WHEN 2 THEN 'sunset'"
				 "                               WHEN 3 THEN 'meme' WHEN 4 THEN 'food' ELSE 'tag' || t END"
				 "                          COLLATE \"C\""
				 "        FROM (VALUES (0, u3), (1, u4), (2, u5)) v(j, x),"
				 "             LATERAL (SELECT floor(200 * x * x * x)::int AS t) z"
				 "        WHERE v.j < g %% 4 ORDER BY 1),"
				 "  CASE WHEN u9 < 0.15 THEN 'private' ELSE 'public' END,"
				 "  ct, w, (w * (0.5 + 0.5 * u7))::int,"
				 "  CASE WHEN ct IN ('image/gif', 'video/mp4', 'video/webm') THEN 2 + g %% 50 ELSE 1 END,"
				 "  (w * w * (0.5 + 0.5 * u7) * (0.1 + 0.4 * u8))::bigint "
				 "FROM (SELECT g, u1, u3, u4, u5, u7, u8, u9,"
				 "             CASE WHEN u2 < 0.55 THEN 'image/jpeg' WHEN u2 < 0.75 THEN 'image/png'"
				 "                  WHEN u2 < 0.85 THEN 'image/webp' WHEN u2 < 0.90 THEN 'image/gif'"
				 "                  WHEN u2 < 0.93 THEN 'image/avif' WHEN u2 < 0.98 THEN 'video/mp4'"
				 "                  ELSE 'video/webm' END AS ct,"
				 "             200 + floor(5800 * u6 * u6)::int AS w"
				 "      FROM (SELECT g, " MEDIA_U(1) " u1, " MEDIA_U(2) " u2, " MEDIA_U(3) " u3, "
				 MEDIA_U(4) " u4, " MEDIA_U(5) " u5, " MEDIA_U(6) " u6, " MEDIA_U(7) " u7, "
				 MEDIA_U(8) " u8, " MEDIA_U(9) " u9"
				 "            FROM generate_series(%ld, %ld) g) r) s",
				 mscale->owners, done + 1, done + k);
		exec_ok(ctl, sql);
	}
	exec_ok(ctl, "INSERT INTO pict_repo.usage_totals (owner, shard, uploads, bytes) "
			"SELECT v.owner, 0, count(*), coalesce(sum(a.bytes), 0) FROM pict_repo.aliases a, "
			"LATERAL (VALUES (''), (a.owner)) v(owner) WHERE v.owner IS NOT NULL GROUP BY v.owner");
	exec_ok(ctl, "INSERT INTO pict_repo.alias_tags (tag, created_at, alias, content_type) "
			"SELECT t, created_at, alias, content_type FROM pict_repo.aliases, unnest(tags) t");
	exec_ok(ctl, "VACUUM ANALYZE pict_repo.hashes, pict_repo.aliases, pict_repo.alias_tags, "
			"pict_repo.usage_totals");
}

/* Time calls of list_media; page 10 after the cursor given (NULL: the first page). */
static void
media_time(pr_conn *c, const char *filter, const char *after, int calls,
		   double *p50, double *p99)
{
	double	   *t = malloc(sizeof(double) * calls);
	pr_error	err;

	if (!t)
		die("out of memory");
	for (int i = 0; i < calls; i++)
	{
		pr_media_list *page = NULL;
		double		t0 = now_s();

		if (pr_list_media(c, filter, 100, after, &page, &err) != PR_OK)
			die("list_media %s: %s", filter, err.message);
		t[i] = now_s() - t0;
		pr_free(page);
	}
	percentiles(t, calls, p50, p99);
	free(t);
}

/*
 * Time a query over the aliases that answers a filter's first page the way
 * list_media did before the tags' table: a sequential scan with the
 * filter, sorted.  With index scans off, list_media's walk of a tag is a
 * nested loop that scans the aliases once per row of the tag, not a
 * sequential scan of the table; this is the scan the walk replaces.
 */
static void
media_time_scan_sql(pr_conn *c, const char *where, int calls, double *p50, double *p99)
{
	double	   *t = malloc(sizeof(double) * calls);
	char		sql[512];

	if (!t)
		die("out of memory");
	snprintf(sql, sizeof(sql),
			 "SELECT alias, hash, owner, tags, access, content_type, width, height, bytes, created_at"
			 " FROM pict_repo.aliases WHERE %s ORDER BY created_at DESC, alias DESC LIMIT 100", where);
	for (int i = 0; i < calls; i++)
	{
		double		t0 = now_s();

		exec_ok(pr_pgconn(c), sql);
		t[i] = now_s() - t0;
	}
	percentiles(t, calls, p50, p99);
	free(t);
}

/* The cursor of the last row of page 9 (NULL when there are fewer pages). */
static char *
media_page9(pr_conn *c, const char *filter)
{
	char	   *after = NULL;
	pr_error	err;

	for (int p = 1; p <= 9; p++)
	{
		pr_media_list *page = NULL;

		if (pr_list_media(c, filter, 100, after, &page, &err) != PR_OK)
			die("list_media %s: %s", filter, err.message);
		free(after);
		after = page->n == 100 ? strdup(page->rows[99].cursor) : NULL;
		pr_free(page);
		if (!after)
			return NULL;
	}
	return after;
}

/* The number of uploads a filter matches, by walking it in pages of 10,000. */
static long
media_count(pr_conn *c, const char *filter)
{
	pr_media_stream *s;
	pr_media_list *page = NULL;
	pr_error	err;
	long		n = 0;
	int			rc;

	if (!(s = pr_media_stream_new(c, filter, 10000, &err)))
		die("stream: %s", err.message);
	while ((rc = pr_media_stream_next(s, &page, &err)) == PR_OK)
	{
		n += (long) page->n;
		pr_free(page);
		page = NULL;
	}
	if (rc == PR_ERROR)
		die("list_media %s: %s", filter, err.message);
	pr_media_stream_free(s);
	return n;
}

/* The time frac of the way through the uploads, as ISO 8601 UTC. */
static void
media_time_text(double frac, char *buf, size_t len)
{
	time_t		t = (time_t) (1704067200 + frac * mscale->uploads * 60);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
media_bench_list(void)
{
	char		typical[32],
				largest[32],
				recent[32],
				early[32],
				half[32],
				f[64][160];
	const char *scan_where[64] = {NULL};
	int			nf = 0;
	pr_conn    *c;
	pr_error	err;
	double		worst_p99 = 0,
				worst_ratio = 1e18;
	const char *worst_p99_filter = "",
			   *worst_ratio_filter = "";

	/* Upload g was created about g minutes after 2024-01-01 (media_fill). */
	media_time_text(0.92, recent, sizeof(recent));
	media_time_text(0.05, early, sizeof(early));
	media_time_text(0.50, half, sizeof(half));
	snprintf(typical, sizeof(typical), "user%ld", mscale->owners / 4);
	snprintf(largest, sizeof(largest), "user0");
#define F(...) snprintf(f[nf++], sizeof(f[0]), __VA_ARGS__)
/* The scan of a filter whose tags list_media walks (media_time_scan_sql). */
#define S(where) (scan_where[nf - 1] = (where))
	F("{}");
	F("{\"owner\": \"%s\"}", typical);
	F("{\"owner\": \"%s\"}", largest);
	F("{\"access\": \"private\"}");
	F("{\"content_type\": \"image/png\"}");
	F("{\"content_type\": \"video/\"}");
	F("{\"tags_all\": [\"cat\"]}");
	S("tags @> '{cat}'");
	F("{\"tags_all\": [\"tag150\"]}");
	S("tags @> '{tag150}'");
	F("{\"tags_any\": [\"meme\", \"tag199\"]}");
	S("tags && '{meme,tag199}'");
	F("{\"min_width\": 4000}");
	F("{\"max_width\": 300}");
	F("{\"min_height\": 2500}");
	F("{\"max_height\": 200}");
	F("{\"min_bytes\": 5000000}");
	F("{\"max_bytes\": 20000}");
	F("{\"created_after\": \"%s\"}", recent);
	F("{\"created_before\": \"%s\"}", early);
	F("{\"animated\": true}");
	F("{\"owner\": \"%s\", \"content_type\": \"image/\"}", typical);
	F("{\"owner\": \"%s\", \"content_type\": \"video/mp4\"}", largest);
	F("{\"owner\": \"%s\", \"created_after\": \"%s\"}", typical, half);
	F("{\"owner\": \"%s\", \"tags_all\": [\"cat\"]}", largest);
	F("{\"tags_any\": [\"dog\", \"food\"], \"content_type\": \"image/png\"}");
	S("tags && '{dog,food}' AND content_type = 'image/png'");
	F("{\"tags_any\": [\"tag150\"], \"content_type\": \"video/\"}");
	S("tags && '{tag150}' AND split_part(content_type, '/', 1) = 'video'");
	F("{\"access\": \"private\", \"min_width\": 3000}");
#undef F
#undef S

	c = pr_connect(NULL, &err);
	if (!c)
		die("pr_connect: %s", err.message);
	printf("== media: list_media, %d filters, %d calls per page\n", nf, mscale->calls);
	for (int i = 0; i < nf; i++)
	{
		double		p50,
					p99,
					p50_10 = 0,
					p99_10 = 0,
					s50,
					s99,
					s50_10 = 0,
					ratio;
		char	   *after;
		long		rows = media_count(c, f[i]);

		media_time(c, f[i], NULL, mscale->calls, &p50, &p99);
		after = media_page9(c, f[i]);
		if (after)
			media_time(c, f[i], after, mscale->calls, &p50_10, &p99_10);
		exec_ok(pr_pgconn(c), "SET enable_indexscan = off");
		exec_ok(pr_pgconn(c), "SET enable_bitmapscan = off");
		exec_ok(pr_pgconn(c), "SET enable_indexonlyscan = off");
		if (scan_where[i])
			media_time_scan_sql(c, scan_where[i], mscale->scan_calls, &s50, &s99);
		else
			media_time(c, f[i], NULL, mscale->scan_calls, &s50, &s99);
		if (after && !scan_where[i])
			media_time(c, f[i], after, mscale->scan_calls, &s50_10, &s99);
		exec_ok(pr_pgconn(c), "RESET enable_indexscan");
		exec_ok(pr_pgconn(c), "RESET enable_bitmapscan");
		exec_ok(pr_pgconn(c), "RESET enable_indexonlyscan");
		ratio = s50 / p50;
		add_row("media", 9, fmt("`%s`", f[i]), fmt("%ld", rows), fmt_ms(p50), fmt_ms(p99),
				after ? fmt_ms(p50_10) : "-", after ? fmt_ms(p99_10) : "-", fmt_ms(s50),
				after && !scan_where[i] ? fmt_ms(s50_10) : "-", fmt("%.0f", ratio));
		if (p99 > worst_p99 || p99_10 > worst_p99)
		{
			worst_p99 = p99 > p99_10 ? p99 : p99_10;
			worst_p99_filter = f[i];
		}
		if (ratio < worst_ratio)
		{
			worst_ratio = ratio;
			worst_ratio_filter = f[i];
		}
		free(after);
	}
	add_row("targets", 4, fmt("list_media p99 at %ld uploads, the slowest filter and page (`%s`)",
							  mscale->uploads, worst_p99_filter),
			fmt_ms(worst_p99), "< 5 ms", worst_p99 < 0.005 ? "yes" : "**no**");
	add_row("targets", 4, fmt("list_media vs a sequential scan, p50, the smallest ratio (`%s`)",
							  worst_ratio_filter),
			fmt("%.0fx", worst_ratio), ">= 100x", worst_ratio >= 100 ? "yes" : "**no**");
	pr_finish(c);
}

/* ---- usage_report --------------------------------------------------------------- */

/* Time calls of usage_report (owner NULL: every upload) or of its GROUP BY. */
static void
media_time_usage(pr_conn *c, const char *owner, bool group_by, int calls, double *p50,
				 double *p99)
{
	double	   *t = malloc(sizeof(double) * calls);
	PGconn	   *pg = pr_pgconn(c);
	pr_error	err;

	if (!t)
		die("out of memory");
	for (int i = 0; i < calls; i++)
	{
		int64_t		uploads,
					bytes;
		double		t0 = now_s();

		if (!group_by)
		{
			if (pr_usage_report(c, owner, &uploads, &bytes, &err) != PR_OK)
				die("usage_report: %s", err.message);
		}
		else
		{
			const char *p[1] = {owner};
			PGresult   *r = PQexecPrepared(pg, owner ? "media_group_owner" : "media_group_all",
										   owner ? 1 : 0, p, NULL, NULL, 0);

			if (PQresultStatus(r) != PGRES_TUPLES_OK)
				die("GROUP BY: %s", PQerrorMessage(pg));
			PQclear(r);
		}
		t[i] = now_s() - t0;
	}
	percentiles(t, calls, p50, p99);
	free(t);
}

static void
media_bench_usage(void)
{
	pr_error	err;
	pr_conn    *c = pr_connect(NULL, &err);
	char		largest[] = "user0";
	int			base_calls = mscale->usage_calls < 20 ? mscale->usage_calls : 20;
	double		exact = query_num(ctl,
								  "SELECT count(*) FROM (SELECT owner, sum(uploads), sum(bytes) FROM pict_repo.usage_totals "
								  "GROUP BY owner EXCEPT SELECT v.owner, count(*), sum(coalesce(a.bytes, 0)) "
								  "FROM pict_repo.aliases a, LATERAL (VALUES (''), (a.owner)) v(owner) "
								  "WHERE v.owner IS NOT NULL GROUP BY v.owner) x");

	if (!c)
		die("pr_connect: %s", err.message);
	if (exact != 0)
		die("usage_totals differ from the aliases in %.0f owners", exact);
	prepare(pr_pgconn(c), "media_group_all",
			"SELECT count(*), coalesce(sum(bytes), 0) FROM pict_repo.aliases");
	{
		PGresult   *r = PQprepare(pr_pgconn(c), "media_group_owner",
								  "SELECT count(*), coalesce(sum(bytes), 0) FROM pict_repo.aliases "
								  "WHERE owner = $1", 1, NULL);

		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			die("prepare: %s", PQerrorMessage(pr_pgconn(c)));
		PQclear(r);
	}
	printf("== media: usage_report, %d calls\n", mscale->usage_calls);
	for (int owner = 0; owner <= 1; owner++)
	{
		double		p50,
					p99,
					b50,
					b99;
		const char *o = owner ? largest : NULL;

		media_time_usage(c, o, false, mscale->usage_calls, &p50, &p99);
		media_time_usage(c, o, true, owner ? mscale->usage_calls : base_calls, &b50, &b99);
		add_row("media_usage", 7,
				owner ? fmt("usage_report('%s'), the largest owner", largest) :
				fmt("usage_report(), all %ld uploads", mscale->uploads),
				fmt("%d", mscale->usage_calls), fmt_ms(p50), fmt_ms(p99), fmt_ms(b50), fmt_ms(b99),
				fmt("%.0f", b50 / p50));
	}
	pr_finish(c);
}

/* ---- the section ------------------------------------------------------------------- */

void
bench_media(void)
{
	mscale = scale == &quick_scale ? &media_quick : &media_full;
	media_bench_ingest();
	media_fill();
	media_bench_list();
	media_bench_usage();
}
