/*-------------------------------------------------------------------------
 *
 * ingest.c
 *		The ingest benchmark: ingest() one call at a time and pipelined,
 *		against the three calls pict-rs makes per upload.
 *
 *-------------------------------------------------------------------------
 */
#include "bench.h"

/* ---- ingest ---------------------------------------------------------------------- */

static const char *const ingest_names[] = {
	"baseline: create_hash + create_alias_with_token + relate_details",
	"ingest(), one call at a time", "ingest() pipelined, 100 per pipeline"
};

void
make_hash(uint8_t *h, int run, int proc, long i)
{
	/* 39 bytes like pict-rs: a digest-like prefix, a size and a format byte */
	uint64_t	x = ((uint64_t) run << 48) ^ ((uint64_t) proc << 40) ^ (uint64_t) i;

	for (int k = 0; k < 4; k++)
	{
		uint64_t	y = x * 0x9E3779B97F4A7C15ULL + k * 0xD1B54A32D192ED03ULL;

		y ^= y >> 29;
		memcpy(h + 8 * k, &y, 8);
	}
	memcpy(h + 32, &x, 6);
	h[38] = 1;
}

void
ingest_proc(int idx, int nprocs, void *arg)
{
	const IngestArg *a = arg;
	pr_conn    *c = pr_connect_or_fail();
	pr_error	err;
	uint8_t		hashes[100][39];
	char		idents[100][64];
	char		aliases[100][64];
	const char *details = "{\"width\": 640, \"height\": 480, \"format\": \"webp\"}";

	wait_start();
	for (long i = 0; i < a->per_proc; i += 100)
	{
		int			k = a->per_proc - i < 100 ? (int) (a->per_proc - i) : 100;

		for (int j = 0; j < k; j++)
		{
			make_hash(hashes[j], a->run, idx, i + j);
			snprintf(idents[j], sizeof(idents[j]), "files/%d/%d/%ld.webp", a->run, idx, i + j);
			snprintf(aliases[j], sizeof(aliases[j]), "a%d-%d-%ld.webp", a->run, idx, i + j);
		}
		if (a->mode == I_THREE_CALLS)
		{
			for (int j = 0; j < k; j++)
			{
				char	   *token = NULL;

				if (pr_create_hash(c, hashes[j], 39, idents[j], NULL, PR_NO_TIME, &err) != PR_OK)
					pr_fail("create_hash", &err);
				if (pr_create_alias_with_token(c, aliases[j], hashes[j], 39, NULL, &token, &err) != PR_OK)
					pr_fail("create_alias_with_token", &err);
				pr_free(token);
				if (pr_relate_details(c, idents[j], details, &err) == PR_ERROR)
					pr_fail("relate_details", &err);
				sh->commits[idx] += 3;
				count_done(idx, 1);
			}
		}
		else if (a->mode == I_INGEST)
		{
			for (int j = 0; j < k; j++)
			{
				pr_ingest_result *res = NULL;

				if (pr_ingest(c, hashes[j], 39, idents[j], details, "webp", aliases[j], NULL,
							  &res, &err) != PR_OK)
					pr_fail("ingest", &err);
				pr_free(res);
				sh->commits[idx]++;
				count_done(idx, 1);
			}
		}
		else
		{
			pr_ingest_item items[100];
			pr_ingest_results *res = NULL;

			for (int j = 0; j < k; j++)
			{
				memset(&items[j], 0, sizeof(items[j]));
				items[j].hash = hashes[j];
				items[j].hash_len = 39;
				items[j].identifier = idents[j];
				items[j].details_json = details;
				items[j].extension = "webp";
				items[j].declared_alias = aliases[j];
			}
			if (pr_ingest_batch(c, items, k, &res, &err) != PR_OK)
				pr_fail("ingest_batch", &err);
			pr_free(res);
			sh->commits[idx]++;	/* a batch that succeeds is one transaction */
			count_done(idx, k);
		}
	}
	pr_finish(c);
}

void
bench_ingest(void)
{
	long		n = scale->ingest_uploads;
	int			procs = 4;
	double		rate[3] = {0, 0, 0},
				commits[3] = {0, 0, 0},
				wal[3] = {0, 0, 0};

	printf("== ingest: %ld uploads, %d processes, best of %d rounds\n", n, procs, scale->rounds);
	for (int round = 0; round < scale->rounds; round++)
		for (IngestMode m = I_THREE_CALLS; m <= I_PIPELINED; m++)
		{
			IngestArg	a = {m, n / procs, 1 + round * 3 + (int) m};
			RunResult	r;
			double		x;

			exec_ok(ctl, "CHECKPOINT");
			run_procs(procs, ingest_proc, &a, 0, &r);
			x = r.done / r.seconds;
			printf("   round %d, %s: %.0f uploads/s\n", round + 1, ingest_names[m], x);
			if (x > rate[m])
			{
				rate[m] = x;
				commits[m] = (double) r.commits / r.done;
				wal[m] = r.wal_bytes / r.done;
			}
		}
	for (IngestMode m = I_THREE_CALLS; m <= I_PIPELINED; m++)
		add_row("ingest", 6, ingest_names[m], fmt_rate(rate[m]), fmt("%.2f", commits[m]),
				fmt("%.0f", wal[m]), fmt_rate(rate[0]), fmt("%.2f", rate[m] / rate[0]));
	add_row("targets", 4, "pipelined ingest, uploads/s (4 processes)", fmt_rate(rate[I_PIPELINED]),
			">= 20000", rate[I_PIPELINED] >= 20000 ? "yes" : "**no**");
}
