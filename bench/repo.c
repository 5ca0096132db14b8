/*-------------------------------------------------------------------------
 *
 * repo.c
 *		The repository at scale: streaming every hash, and the lookups of
 *		older_variants and alias_hash against plain SQL.
 *
 *-------------------------------------------------------------------------
 */
#include <sys/mman.h>

#include "bench.h"

/* ---- the repository at scale: streaming, older_variants, aliases --------------------- */

static void
fill_repository(long n)
{
	char		sql[1024];

	printf("== repository: filling %ld hashes, variants and aliases\n", n);
	for (long done = 0; done < n; done += 100000)
	{
		long		k = n - done < 100000 ? n - done : 100000;

		snprintf(sql, sizeof(sql),
				 "INSERT INTO pict_repo.hashes (hash, identifier, created_at) "
				 "SELECT sha256(int8send(g)) || '\\x0000000a0000'::bytea || '\\x01'::bytea, "
				 "'orig/' || g, timestamptz '2026-01-01' + g * interval '1 second' "
				 "FROM generate_series(%ld, %ld) g", done + 1, done + k);
		exec_ok(ctl, sql);
		snprintf(sql, sizeof(sql),
				 "INSERT INTO pict_repo.variants (hash, variant, identifier, accessed) "
				 "SELECT sha256(int8send(g)) || '\\x0000000a0000'::bytea || '\\x01'::bytea, "
				 "'thumbnail.webp', 'var/' || g, "
				 "timestamptz '2026-01-01' + (g %% 50000) * interval '1 second' "
				 "FROM generate_series(%ld, %ld) g", done + 1, done + k);
		exec_ok(ctl, sql);
		snprintf(sql, sizeof(sql),
				 "INSERT INTO pict_repo.aliases (alias, hash, token) "
				 "SELECT 'alias-' || g || '.webp', "
				 "sha256(int8send(g)) || '\\x0000000a0000'::bytea || '\\x01'::bytea, md5(g::text) "
				 "FROM generate_series(%ld, %ld) g", done + 1, done + k);
		exec_ok(ctl, sql);
	}
	exec_ok(ctl, "VACUUM ANALYZE pict_repo.hashes, pict_repo.variants, pict_repo.aliases");
}

typedef struct StreamArg
{
	bool		baseline;
	long		limit;			/* stop after this many (0: all) */
} StreamArg;

static void
stream_proc(int idx, int nprocs, void *arg)
{
	const StreamArg *a = arg;
	long		got = 0;

	if (a->baseline)
	{
		PGconn	   *c = PQconnectdb("");
		PGresult   *r;
		char		sql[200];

		if (PQstatus(c) != CONNECTION_OK)
			child_fail("connect: %s", PQerrorMessage(c));
		if (a->limit > 0)
			snprintf(sql, sizeof(sql), "SELECT hash, created_at FROM pict_repo.hashes LIMIT %ld", a->limit);
		else
			snprintf(sql, sizeof(sql), "SELECT hash, created_at FROM pict_repo.hashes");
		wait_start();
		r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			child_fail("baseline select: %s", PQerrorMessage(c));
		for (int i = 0; i < PQntuples(r); i++)
			if (PQgetlength(r, i, 0) > 0)
				got++;
		PQclear(r);
		PQfinish(c);
	}
	else
	{
		pr_conn    *c = pr_connect_or_fail();
		pr_error	err;
		int64_t		after_created = PR_NO_TIME;
		pr_hash		after;

		memset(&after, 0, sizeof(after));
		wait_start();
		for (;;)
		{
			pr_hash_list *page = NULL;
			size_t		n;

			if (pr_hash_page(c, 10000, after_created,
							 after_created == PR_NO_TIME ? NULL : after.data,
							 after_created == PR_NO_TIME ? 0 : after.len, &page, &err) != PR_OK)
				pr_fail("hash_page", &err);
			n = page->n;
			if (n > 0)
			{
				after = page->rows[n - 1].hash;
				after_created = page->rows[n - 1].created_at;
			}
			pr_free(page);
			got += (long) n;
			if (n < 10000 || (a->limit > 0 && got >= a->limit))
				break;
		}
		pr_finish(c);
	}
	sh->done[idx] = got;
}

static double stream_rate;
static double stream_rss_small,
			stream_rss_all;

static void
bench_stream(void)
{
	long		total = (long) query_num(ctl, "SELECT count(*) FROM pict_repo.hashes");

	printf("== streaming %ld hashes\n", total);
	for (int pass = 0; pass < 2; pass++)
	{
		long		limit = pass == 0 ? total / 10 : 0;
		StreamArg	ours = {false, limit},
					base = {true, limit};
		RunResult	r,
					b;
		double		rate,
					brate;

		run_procs(1, stream_proc, &base, 0, &b);
		run_procs(1, stream_proc, &ours, 0, &r);
		rate = r.done / r.seconds;
		brate = b.done / b.seconds;
		if (pass == 0)
			stream_rss_small = r.rusage[0].ru_maxrss * 1024.0;
		else
		{
			stream_rate = rate;
			stream_rss_all = r.rusage[0].ru_maxrss * 1024.0;
		}
		add_row("stream", 7, "pr_hash_page, pages of 10,000", fmt("%ld", r.done), fmt_rate(rate),
				fmt_bytes(r.rusage[0].ru_maxrss * 1024.0), fmt_rate(brate),
				fmt_bytes(b.rusage[0].ru_maxrss * 1024.0), fmt("%.2f", rate / brate));
	}
	add_row("targets", 4, fmt("streaming %ld hashes, hashes/s", total), fmt_rate(stream_rate),
			">= 500000", stream_rate >= 500000 ? "yes" : "**no**");
	add_row("targets", 4, "streaming in constant memory: peak RSS, all vs first 10%",
			fmt("%s vs %s", fmt_bytes(stream_rss_all), fmt_bytes(stream_rss_small)),
			"no growth", stream_rss_all <= stream_rss_small * 1.1 + 1024 * 1024 ? "yes" : "**no**");
}

typedef struct LatArg
{
	bool		baseline;
	int			what;			/* 0 older_variants, 1 alias_hash */
	int			calls;
	long		rows;
} LatArg;

static double *lat_out;			/* shared, calls doubles */

static void
latency_proc(int idx, int nprocs, void *arg)
{
	const LatArg *a = arg;
	pr_conn    *c = pr_connect_or_fail();
	PGconn	   *pg = pr_pgconn(c);
	pr_error	err;
	unsigned	seed = 12345;

	prepare(pg, "ov_first",
			"SELECT hash, variant, accessed FROM pict_repo.variants WHERE accessed < $1 "
			"ORDER BY accessed, hash, variant LIMIT 100");
	prepare(pg, "ov_next",
			"SELECT hash, variant, accessed FROM pict_repo.variants WHERE accessed < $1 "
			"AND (accessed, hash, variant) > ($2, $3, $4) ORDER BY accessed, hash, variant LIMIT 100");
	prepare(pg, "alias", "SELECT hash FROM pict_repo.aliases WHERE alias = $1");
	wait_start();
	if (a->what == 0)
	{
		int64_t		before = pr_now();
		int64_t		after_acc = PR_NO_TIME;
		pr_hash		after_hash;
		char		after_var[300] = "";
		char	   *b_after[3] = {NULL, NULL, NULL};

		for (int i = 0; i < a->calls; i++)
		{
			double		t0 = now_s();

			if (!a->baseline)
			{
				pr_variant_access_list *page = NULL;

				if (pr_older_variants(c, before, 100, after_acc,
									  after_acc == PR_NO_TIME ? NULL : after_hash.data,
									  after_acc == PR_NO_TIME ? 0 : after_hash.len,
									  after_acc == PR_NO_TIME ? NULL : after_var, &page, &err) != PR_OK)
					pr_fail("older_variants", &err);
				lat_out[i] = now_s() - t0;
				if (page->n == 0)
					child_fail("older_variants: an empty page");
				after_acc = page->rows[page->n - 1].accessed;
				after_hash = page->rows[page->n - 1].hash;
				snprintf(after_var, sizeof(after_var), "%s", page->rows[page->n - 1].variant);
				pr_free(page);
			}
			else
			{
				const char *p[4];
				PGresult   *r;
				int			nt;

				p[0] = "now";
				if (b_after[0] == NULL)
					r = run_prepared(pg, "ov_first", 1, p, PGRES_TUPLES_OK);
				else
				{
					p[1] = b_after[0];
					p[2] = b_after[1];
					p[3] = b_after[2];
					r = run_prepared(pg, "ov_next", 4, p, PGRES_TUPLES_OK);
				}
				lat_out[i] = now_s() - t0;
				nt = PQntuples(r);
				if (nt == 0)
					child_fail("baseline older_variants: an empty page");
				for (int k = 0; k < 3; k++)
				{
					free(b_after[k]);
					b_after[k] = strdup(PQgetvalue(r, nt - 1, k == 0 ? 2 : k == 1 ? 0 : 1));
				}
				PQclear(r);
			}
		}
	}
	else
	{
		for (int i = 0; i < a->calls; i++)
		{
			char		alias[64];
			double		t0;

			snprintf(alias, sizeof(alias), "alias-%ld.webp", 1 + (long) (rand_r(&seed) % a->rows));
			t0 = now_s();
			if (!a->baseline)
			{
				pr_hash		h;

				if (pr_alias_hash(c, alias, &h, &err) != PR_OK)
					pr_fail("alias_hash", &err);
			}
			else
			{
				const char *p[1] = {alias};
				PGresult   *r = run_prepared(pg, "alias", 1, p, PGRES_TUPLES_OK);

				if (PQntuples(r) != 1)
					child_fail("baseline alias lookup found nothing");
				PQclear(r);
			}
			lat_out[i] = now_s() - t0;
		}
	}
	pr_finish(c);
}

static double older_p99;

static void
bench_latency(void)
{
	long		nrows = scale->repo_rows;

	if (lat_out == NULL)
	{
		lat_out = mmap(NULL, sizeof(double) * 100000, PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (lat_out == MAP_FAILED)
			die("mmap: %s", strerror(errno));
	}

	for (int what = 0; what <= 1; what++)
	{
		int			calls = what == 0 ? scale->variant_pages : scale->alias_lookups;
		double		p50[2],
					p99[2];

		printf("== %s: %d calls\n", what == 0 ? "older_variants" : "alias_hash", calls);
		for (int b = 1; b >= 0; b--)
		{
			LatArg		a = {b == 1, what, calls, nrows};
			RunResult	r;

			run_procs(1, latency_proc, &a, 0, &r);
			percentiles(lat_out, calls, &p50[b], &p99[b]);
		}
		if (what == 0)
			older_p99 = p99[0];
		add_row("latency", 8, what == 0 ? "older_variants pages of 100, walking from the oldest" : "alias_hash (random aliases)",
				fmt("%ld", nrows), fmt("%d", calls), fmt_ms(p50[0]), fmt_ms(p99[0]), fmt_ms(p50[1]),
				fmt_ms(p99[1]), fmt("%.2f", p99[1] / p99[0]));
	}
	add_row("targets", 4, fmt("older_variants p99 at %ld variants", nrows), fmt_ms(older_p99), "< 5 ms",
			older_p99 < 0.005 ? "yes" : "**no**");
}

/* Fill the repository, then stream it and time the lookups. */
void
bench_repo(void)
{
	fill_repository(scale->repo_rows);
	bench_stream();
	bench_latency();
}
