/*-------------------------------------------------------------------------
 *
 * report.c
 *		The benchmark's results: one table per section, every row printed as
 *		it is measured, the whole set written as markdown at the end.
 *
 *-------------------------------------------------------------------------
 */
#include <sys/utsname.h>
#include <time.h>

#include "bench.h"
#include "media.h"

/* ---- results ------------------------------------------------------------- */

typedef struct Row
{
	char		section[48];
	char		cells[10][128];
	int			ncells;
} Row;

#define MAX_ROWS 400
static Row rows[MAX_ROWS];
static int nrows;

typedef struct Section
{
	const char *key;
	const char *title;
	const char *intro;
	const char *header[10];
} Section;

static const Section sections[] = {
	{"drain", "Queue drain",
		"N jobs pushed, W processes claim and complete until the queue is empty; timed from the start line "
		"until the last process found the queue empty. N (the jobs column) is 4x for batches of 10 and 10x for "
		"batches of 100, so that each of 32 processes still claims several batches. "
		"Baseline: the seed recipe in plain SQL on its own table (`UPDATE ... WHERE id = (SELECT ... "
		"FOR UPDATE SKIP LOCKED) RETURNING id`, then `DELETE`), prepared statements, same driver. "
		"Commits are counted by the driver; WAL bytes from `pg_current_wal_lsn()`; WAL flushes from `pg_stat_wal.wal_sync`. "
		"Batch variants complete their batch in one statement (`complete_jobs(ids, worker)`, through `pr_complete_jobs`). "
		"Each row is the best of the rounds (3 in `make bench`, 1 in `make bench-quick`); a round runs every variant at every process count, so load from elsewhere hits all of them alike.",
	{"variant", "W", "jobs", "jobs/s", "commits/job", "WAL B/job", "WAL flushes/job", "baseline jobs/s", "baseline WAL B/job", "ratio"}},
	{"targets", "Targets",
		"Each a ratio within this run.",
	{"target", "measured", "goal", "met"}},
	{"sustained", "Sustained drain",
		"Jobs pushed with push_jobs in batches of 10,000, then drained by 4 processes (claim_job of 100, completed in one statement). "
		"Throughput of the first and last 10% of the jobs; dead tuples (pg_stat_user_tables) and sizes when the queue is empty.",
	{"queue", "jobs", "jobs/s", "first 10% jobs/s", "last 10% jobs/s", "last/first", "dead tuples", "table size", "index size"}},
	{"longtx", "Long transaction",
		"The same drain (4 processes) while another session holds a REPEATABLE READ snapshot for the whole run, against the run without it (best of the rounds each).",
	{"queue", "jobs", "jobs/s without", "jobs/s with snapshot", "ratio with/without"}},
	{"push", "Push",
		"4 processes push N jobs. Baseline: plain `INSERT` into the baseline table the same way "
		"(one per statement, one `INSERT ... SELECT unnest($1::jsonb[])` per batch, pipelined single inserts). "
		"With LISTEN: another session listens on pict_repo_queue the whole time. Best of the rounds.",
	{"mode", "LISTEN", "jobs/s", "commits/job", "WAL B/job", "baseline jobs/s", "ratio", "ratio to no LISTEN", "notifications"}},
	{"ingest", "Ingest",
		"4 processes store N uploads (hash, alias with token, details). Baseline: the three calls pict-rs makes "
		"(`create_hash`, `create_alias_with_token`, `relate_details`), one round trip and one commit each.",
	{"mode", "uploads/s", "commits/upload", "WAL B/upload", "baseline uploads/s", "ratio"}},
	{"stream", "Streaming hashes",
		"Every hash through the client with `pr_hash_page` (keyset pages of 10,000, binary) in its own process; peak RSS from wait4(). "
		"Baseline: one plain `SELECT hash, created_at FROM pict_repo.hashes` with libpq (the whole result in memory).",
	{"reader", "hashes", "hashes/s", "peak RSS", "baseline hashes/s", "baseline peak RSS", "ratio (speed)"}},
	{"latency", "Lookups",
		"One process, one call at a time, prepared. Baseline: the same query in plain SQL, prepared.",
	{"call", "rows in table", "calls", "p50", "p99", "baseline p50", "baseline p99", "ratio p99"}},
	MEDIA_SECTIONS
};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

void
add_row(const char *section, int ncells,...)
{
	va_list		ap;
	Row		   *r;

	if (nrows >= MAX_ROWS)
		return;
	r = &rows[nrows++];
	snprintf(r->section, sizeof(r->section), "%s", section);
	r->ncells = ncells;
	va_start(ap, ncells);
	for (int i = 0; i < ncells; i++)
		snprintf(r->cells[i], sizeof(r->cells[i]), "%s", va_arg(ap, const char *));
	va_end(ap);
	printf("  [%s]", section);
	for (int i = 0; i < ncells; i++)
		printf(" %s%s", r->cells[i], i + 1 < ncells ? " |" : "");
	printf("\n");
	fflush(stdout);
}

/* Format a number into one of a few rotating static buffers. */
const char *
fmt(const char *f,...)
{
	static char bufs[64][160];
	static int	next;
	char	   *b = bufs[next++ % 64];
	va_list		ap;

	va_start(ap, f);
	vsnprintf(b, 160, f, ap);
	va_end(ap);
	return b;
}

const char *
fmt_rate(double v)
{
	if (v >= 100)
		return fmt("%.0f", v);
	return fmt("%.1f", v);
}

const char *
fmt_bytes(double v)
{
	if (v >= 1024.0 * 1024 * 1024)
		return fmt("%.2f GB", v / (1024.0 * 1024 * 1024));
	if (v >= 1024.0 * 1024)
		return fmt("%.1f MB", v / (1024.0 * 1024));
	if (v >= 1024)
		return fmt("%.1f kB", v / 1024);
	return fmt("%.0f B", v);
}

const char *
fmt_ms(double secs)
{
	return fmt("%.3f ms", secs * 1000);
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

void
percentiles(double *v, int n, double *p50, double *p99)
{
	qsort(v, n, sizeof(double), cmp_double);
	*p50 = v[n / 2];
	*p99 = v[(int) (n * 0.99)];
}

/* ---- report ------------------------------------------------------------------------- */

void
write_markdown(const char *path, double total_secs)
{
	FILE	   *f = fopen(path, "w");
	struct utsname u;
	long		pages = sysconf(_SC_PHYS_PAGES),
				psize = sysconf(_SC_PAGE_SIZE);
	char	   *pgv = query_text(ctl, "SELECT version()");
	char	   *ext = query_text(ctl, "SELECT pict_repo.version()");
	char	   *sc = query_text(ctl, "SHOW synchronous_commit");
	char		when[64];
	time_t		t = time(NULL);

	if (!f)
		die("cannot write %s: %s", path, strerror(errno));
	uname(&u);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&t));
	fprintf(f, "# pict_repo benchmark results\n\n");
	fprintf(f, "Written by `bench/bench` (`make %s`) on %s, in %.0f s.\n\n",
			scale == &quick_scale ? "bench-quick" : "bench", when, total_secs);
	fprintf(f, "| machine | |\n|---|---|\n");
	fprintf(f, "| nproc | %ld |\n", sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(f, "| memory | %.1f GB |\n", (double) pages * psize / (1024.0 * 1024 * 1024));
	fprintf(f, "| kernel | %s %s %s |\n", u.sysname, u.release, u.machine);
	fprintf(f, "| PostgreSQL | %s |\n", pgv);
	fprintf(f, "| pict_repo | %s |\n", ext);
	fprintf(f, "| synchronous_commit | %s (otherwise default settings, module preloaded) |\n", sc);
	fprintf(f, "| scale | %s |\n", scale->name);
	if (getenv("BENCH_SETTINGS") && getenv("BENCH_SETTINGS")[0])
		fprintf(f, "| extra settings (an experiment) | `%s` |\n", getenv("BENCH_SETTINGS"));
	fprintf(f, "\n");
	fprintf(f, "The machine may be shared: compare each figure with the baseline measured in the same run (the ratio), not with other runs.\n\n");
	for (size_t s = 0; s < N_SECTIONS; s++)
	{
		const Section *sec = &sections[s];
		int			ncols = 0;

		while (ncols < 10 && sec->header[ncols])
			ncols++;
		fprintf(f, "## %s\n\n%s\n\n|", sec->title, sec->intro);
		for (int c = 0; c < ncols; c++)
			fprintf(f, " %s |", sec->header[c]);
		fprintf(f, "\n|");
		for (int c = 0; c < ncols; c++)
			fprintf(f, "%s|", c == 0 ? "---" : "---:");
		fprintf(f, "\n");
		for (int i = 0; i < nrows; i++)
		{
			if (strcmp(rows[i].section, sec->key) != 0)
				continue;
			fprintf(f, "|");
			for (int c = 0; c < rows[i].ncells; c++)
				fprintf(f, " %s |", rows[i].cells[c]);
			fprintf(f, "\n");
		}
		fprintf(f, "\n");
	}
	fclose(f);
	printf("wrote %s\n", path);
}
