/*-------------------------------------------------------------------------
 *
 * bench.c
 *		The pict_repo benchmark driver: pict_repo against what a user would
 *		otherwise run, side by side in one run on one cluster.
 *
 * Usage: bench [--quick] [--out FILE]
 *
 * The cluster comes from the libpq environment (PGHOST, PGPORT, ...), with
 * the extension installed in PGDATABASE.  Every scenario forks W processes
 * with one connection each; they connect, wait at a start line in shared
 * memory, run, and write their counts back.  The clock, the WAL position
 * (pg_current_wal_lsn()) and pg_stat_wal are read by the parent right
 * before the start and after the last process has exited.  Every figure is
 * printed as it is measured and the whole set is written as markdown.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pict_repo_client.h"
#include "media.h"

#define MAX_PROCS 64
#define QUEUE "bench"
#define JOB_JSON "{\"op\": \"thumbnail\", \"n\": 1}"

/* ---- scale ----------------------------------------------------------------- */

typedef struct Scale
{
	const char *name;
	long		drain_jobs;		/* jobs per queue drain run */
	long		sustained_jobs; /* the sustained drain */
	long		sustained_base_jobs;	/* its baseline */
	long		longtx_jobs;
	long		push_jobs;
	long		ingest_uploads;
	long		repo_rows;		/* hashes, variants, aliases */
	int			variant_pages;
	int			alias_lookups;
	int			rounds;			/* best of this many runs, interleaved */
} Scale;

static const Scale quick_scale = {"quick", 1000, 50000, 5000, 2000, 2000, 2000, 100000, 300, 3000, 1};
static const Scale full_scale = {"full", 5000, 1000000, 50000, 10000, 10000, 10000, 1000000, 2000, 20000, 3};
static const Scale *scale;

static const int worker_counts[] = {1, 2, 4, 8, 16, 32};
#define N_WORKER_COUNTS 6

/* ---- shared memory between the parent and the processes --------------------- */

typedef struct Shared
{
	volatile int ready;
	volatile int go;
	volatile int stop;
	long		done_total;		/* atomically added to */
	long		done[MAX_PROCS];
	long		commits[MAX_PROCS];
	long		extra[MAX_PROCS];
	double		seconds[MAX_PROCS];	/* when each process finished its work */
	int			failed;
	char		error[512];
} Shared;

static Shared *sh;

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

static void
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
static const char *
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

static const char *
fmt_rate(double v)
{
	if (v >= 100)
		return fmt("%.0f", v);
	return fmt("%.1f", v);
}

static const char *
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

static const char *
fmt_ms(double secs)
{
	return fmt("%.3f ms", secs * 1000);
}

/* ---- helpers ------------------------------------------------------------- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *f,...)
{
	va_list		ap;

	va_start(ap, f);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, f, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static PGconn *
pg_connect(void)
{
	PGconn	   *c = PQconnectdb("");

	if (PQstatus(c) != CONNECTION_OK)
		die("cannot connect: %s", PQerrorMessage(c));
	return c;
}

static void
exec_ok(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		die("%s\n  failed: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

static double
query_num(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);
	double		v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
		die("%s\n  failed: %s", sql, PQerrorMessage(c));
	v = PQgetisnull(r, 0, 0) ? 0 : strtod(PQgetvalue(r, 0, 0), NULL);
	PQclear(r);
	return v;
}

static char *
query_text(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);
	char	   *v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
		die("%s\n  failed: %s", sql, PQerrorMessage(c));
	v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static void
prepare(PGconn *c, const char *name, const char *sql)
{
	PGresult   *r = PQprepare(c, name, sql, 0, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("prepare %s failed: %s", name, PQerrorMessage(c));
	PQclear(r);
}

/* Record an error of a child process and end it. */
static void
child_fail(const char *f,...)
{
	va_list		ap;

	va_start(ap, f);
	if (!__atomic_exchange_n(&sh->failed, 1, __ATOMIC_SEQ_CST))
		vsnprintf(sh->error, sizeof(sh->error), f, ap);
	va_end(ap);
	_exit(1);
}

static PGresult *
run_prepared(PGconn *c, const char *name, int n, const char *const *values,
			 ExecStatusType want)
{
	PGresult   *r = PQexecPrepared(c, name, n, values, NULL, NULL, 0);

	if (PQresultStatus(r) != want)
		child_fail("%s: %s", name, PQerrorMessage(c));
	return r;
}

static pr_conn *
pr_connect_or_fail(void)
{
	pr_error	err;
	pr_conn    *c = pr_connect(NULL, &err);

	if (!c)
		child_fail("pr_connect: %s", err.message);
	return c;
}

static void
pr_fail(const char *what, const pr_error *err)
{
	char		buf[1200];

	child_fail("%s: %s", what, pr_error_format(err, buf, sizeof(buf)));
}

/* ---- running W processes ---------------------------------------------------- */

typedef void (*proc_fn) (int idx, int nprocs, void *arg);

typedef struct RunResult
{
	double		seconds;
	long		done;
	long		commits;
	long		extra;
	double		wal_bytes;
	double		wal_syncs;
	struct rusage rusage[MAX_PROCS];
	double		t10,
				t90;			/* when done_total crossed 10% and 90% of mark */
} RunResult;

static PGconn *ctl;				/* the parent's connection */

static double
wal_lsn(void)
{
	return query_num(ctl, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')");
}

static double
wal_syncs(void)
{
	exec_ok(ctl, "SELECT pg_stat_clear_snapshot()");
	return query_num(ctl, "SELECT wal_sync FROM pg_stat_wal");
}

/*
 * Fork nprocs processes running fn, start them together, wait for them.
 * mark > 0: note the times when mark/10 and 9*mark/10 units were done.
 */
static void
run_procs(int nprocs, proc_fn fn, void *arg, long mark, RunResult *res)
{
	pid_t		pids[MAX_PROCS];
	double		t0,
				lsn0,
				sync0;
	int			alive;

	memset(sh, 0, sizeof(*sh));
	memset(res, 0, sizeof(*res));
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < nprocs; i++)
	{
		pid_t		pid = fork();

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0)
		{
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			fn(i, nprocs, arg);
			_exit(0);
		}
		pids[i] = pid;
	}
	/* Wait for every process to be connected and ready. */
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < nprocs && !sh->failed)
		usleep(1000);
	if (sh->failed)
	{
		sh->stop = 1;
		sh->go = 1;
	}
	lsn0 = wal_lsn();
	sync0 = wal_syncs();
	t0 = now_s();
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	alive = nprocs;
	while (alive > 0)
	{
		int			status;
		struct rusage ru;
		pid_t		pid = wait4(-1, &status, WNOHANG, &ru);

		if (pid > 0)
		{
			for (int i = 0; i < nprocs; i++)
				if (pids[i] == pid)
					res->rusage[i] = ru;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				sh->failed = 1;
			alive--;
			continue;
		}
		if (mark > 0)
		{
			long		d = __atomic_load_n(&sh->done_total, __ATOMIC_SEQ_CST);

			if (res->t10 == 0 && d >= mark / 10)
				res->t10 = now_s() - t0;
			if (res->t90 == 0 && d >= mark - mark / 10)
				res->t90 = now_s() - t0;
		}
		usleep(mark > 0 ? 2000 : 500);
	}
	res->seconds = now_s() - t0;
	/*
	 * A process that marked the end of its work (finish_work) is timed up
	 * to that mark: disconnecting 32 sessions is not part of a drain.
	 */
	{
		double		last = 0;

		for (int i = 0; i < nprocs; i++)
			if (sh->seconds[i] > last)
				last = sh->seconds[i];
		if (last > t0)
			res->seconds = last - t0;
	}
	if (sh->failed)
		die("a benchmark process failed: %s", sh->error[0] ? sh->error : "(exited abnormally)");
	res->wal_bytes = wal_lsn() - lsn0;
	usleep(50000);				/* let the exited backends' statistics land */
	res->wal_syncs = wal_syncs() - sync0;
	for (int i = 0; i < nprocs; i++)
	{
		res->done += sh->done[i];
		res->commits += sh->commits[i];
		res->extra += sh->extra[i];
	}
}

/* In a process: say ready, wait for the start. */
static void
wait_start(void)
{
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
		usleep(200);
	if (sh->stop)
		_exit(0);
}

/* In a process: the work is done (the drain found the queue empty). */
static void
finish_work(int idx)
{
	sh->seconds[idx] = now_s();
}

static void
count_done(int idx, long n)
{
	sh->done[idx] += n;
	__atomic_add_fetch(&sh->done_total, n, __ATOMIC_RELAXED);
}

/* ---- setup ------------------------------------------------------------------ */

static void
setup_baseline_table(void)
{
	exec_ok(ctl,
			"DROP TABLE IF EXISTS public.bench_queue;"
			"CREATE TABLE public.bench_queue ("
			"  id bigserial PRIMARY KEY,"
			"  queue_time timestamptz NOT NULL DEFAULT clock_timestamp(),"
			"  status text NOT NULL DEFAULT 'new',"
			"  worker text,"
			"  job jsonb NOT NULL);"
			"CREATE INDEX bench_queue_status_time_idx ON public.bench_queue (status, queue_time);");
}

static void
fill_queues(long n, bool ours, bool base)
{
	char		sql[512];

	for (long done = 0; done < n; done += 10000)
	{
		long		k = n - done < 10000 ? n - done : 10000;

		if (ours)
		{
			snprintf(sql, sizeof(sql),
					 "SELECT count(*) FROM pict_repo.push_jobs('" QUEUE "', "
					 "ARRAY(SELECT '" JOB_JSON "'::jsonb FROM generate_series(1, %ld)))", k);
			exec_ok(ctl, sql);
		}
		if (base)
		{
			snprintf(sql, sizeof(sql),
					 "INSERT INTO public.bench_queue (job) "
					 "SELECT '" JOB_JSON "'::jsonb FROM generate_series(1, %ld)", k);
			exec_ok(ctl, sql);
		}
	}
}

/*
 * Empty both queues (TRUNCATE: new, empty files, so no run inherits the
 * bloat or the pending autovacuum of the one before) and checkpoint, so each
 * run starts from the same state and pays the same full-page writes.
 */
static void
reset_queues(void)
{
	exec_ok(ctl, "TRUNCATE pict_repo.job_queue, public.bench_queue");
	exec_ok(ctl, "CHECKPOINT");
}

/* ---- queue drain ------------------------------------------------------------ */

typedef enum Variant
{
	V_BASELINE,
	V_CLAIM_COMPLETE,
	V_COMPLETE_AND_CLAIM,
	V_BATCH10,
	V_BATCH100
} Variant;

static const char *const variant_names[] = {
	"baseline (plain SQL)", "claim_job + complete_job", "complete_and_claim_job",
	"claim_job batch 10", "claim_job batch 100"
};

static void
drain_baseline(int idx)
{
	PGconn	   *c = PQconnectdb("");
	char		worker[32];
	const char *p[1];

	if (PQstatus(c) != CONNECTION_OK)
		child_fail("connect: %s", PQerrorMessage(c));
	prepare(c, "claim",
			"UPDATE public.bench_queue SET status = 'running', worker = $1 "
			"WHERE id = (SELECT id FROM public.bench_queue WHERE status = 'new' "
			"ORDER BY queue_time LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id");
	prepare(c, "done", "DELETE FROM public.bench_queue WHERE id = $1");
	snprintf(worker, sizeof(worker), "w%d", idx);
	wait_start();
	for (;;)
	{
		PGresult   *r;
		char		id[32];

		p[0] = worker;
		r = run_prepared(c, "claim", 1, p, PGRES_TUPLES_OK);
		sh->commits[idx]++;
		if (PQntuples(r) == 0)
		{
			PQclear(r);
			break;
		}
		snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		p[0] = id;
		PQclear(run_prepared(c, "done", 1, p, PGRES_COMMAND_OK));
		sh->commits[idx]++;
		count_done(idx, 1);
	}
	finish_work(idx);
	PQfinish(c);
}

/* Complete a batch of jobs with complete_jobs (one statement, one commit). */
static void
complete_batch(pr_conn *c, const pr_job_list *jobs, const pr_uuid *worker)
{
	pr_uuid    *ids = malloc(jobs->n * sizeof(pr_uuid));
	pr_uuid_list *done = NULL;
	pr_error	err;

	if (!ids)
		child_fail("out of memory");
	for (size_t i = 0; i < jobs->n; i++)
		ids[i] = jobs->rows[i].id;
	if (pr_complete_jobs(c, ids, jobs->n, worker, &done, &err) != PR_OK)
		pr_fail("complete_jobs", &err);
	if (done->n != jobs->n)
		child_fail("complete_jobs completed %zu of %zu jobs", done->n, jobs->n);
	pr_free(done);
	free(ids);
}

static void
drain_ours(int idx, Variant v)
{
	pr_conn    *c = pr_connect_or_fail();
	pr_error	err;
	pr_uuid		worker;
	int			batch = v == V_BATCH10 ? 10 : v == V_BATCH100 ? 100 : 1;

	pr_uuid_random(&worker);
	wait_start();
	if (v == V_COMPLETE_AND_CLAIM)
	{
		pr_job_list *jobs = NULL;
		pr_uuid		last;

		if (pr_claim_job(c, QUEUE, &worker, 1, &jobs, &err) != PR_OK)
			pr_fail("claim_job", &err);
		sh->commits[idx]++;
		while (jobs->n > 0)
		{
			last = jobs->rows[0].id;
			pr_free(jobs);
			jobs = NULL;
			if (pr_complete_and_claim_job(c, &last, &worker, QUEUE, 1, &jobs, &err) != PR_OK)
				pr_fail("complete_and_claim_job", &err);
			sh->commits[idx]++;
			count_done(idx, 1);
		}
		pr_free(jobs);
	}
	else
	{
		for (;;)
		{
			pr_job_list *jobs = NULL;

			if (pr_claim_job(c, QUEUE, &worker, batch, &jobs, &err) != PR_OK)
				pr_fail("claim_job", &err);
			sh->commits[idx]++;
			if (jobs->n == 0)
			{
				pr_free(jobs);
				break;
			}
			if (batch == 1)
			{
				int			rc = pr_complete_job(c, &jobs->rows[0].id, &worker, &err);

				if (rc != PR_OK)
					pr_fail("complete_job", &err);
			}
			else
				complete_batch(c, jobs, &worker);
			sh->commits[idx]++;
			count_done(idx, (long) jobs->n);
			pr_free(jobs);
		}
	}
	finish_work(idx);
	pr_finish(c);
}

static void
drain_proc(int idx, int nprocs, void *arg)
{
	Variant		v = *(Variant *) arg;

	if (v == V_BASELINE)
		drain_baseline(idx);
	else
		drain_ours(idx, v);
}

static void
check_empty(void)
{
	double		left = query_num(ctl, "SELECT (SELECT count(*) FROM pict_repo.job_queue) + "
								 "(SELECT count(*) FROM public.bench_queue)");

	if (left != 0)
		die("a drain left %.0f jobs behind", left);
}

/* Run one drain of n jobs with w processes. */
static void
drain_once(Variant v, int w, long n, RunResult *res)
{
	reset_queues();
	fill_queues(n, v != V_BASELINE, v == V_BASELINE);
	exec_ok(ctl, "VACUUM ANALYZE pict_repo.job_queue, public.bench_queue");
	run_procs(w, drain_proc, &v, n, res);
	if (res->done != n)
		die("%s with %d processes drained %ld of %ld jobs", variant_names[v], w, res->done, n);
	check_empty();
}

static double drain_rate[5][N_WORKER_COUNTS];

typedef struct DrainBest
{
	double		rate;
	double		commits;
	double		wal;
	double		syncs;
} DrainBest;

/*
 * The matrix, rounds times over, interleaved (each round runs every variant
 * at every process count), keeping the best run of each cell: the machine
 * may be busy with other work for a while, and the best of interleaved runs
 * is the figure least disturbed by it.
 */
/*
 * Jobs per drain run: batch variants drain more, so that at 32 processes
 * each process still claims several batches (5,000 jobs are only 50
 * batches of 100 among 32 processes, and such a run measures its start and
 * its tail more than its pace).
 */
static long
drain_jobs(Variant v)
{
	return scale->drain_jobs * (v == V_BATCH100 ? 10 : v == V_BATCH10 ? 4 : 1);
}

static void
bench_drain(void)
{
	static DrainBest best[5][N_WORKER_COUNTS];

	printf("== queue drain: %ld jobs per run (x4 batches of 10, x10 batches of 100), best of %d rounds\n",
		   scale->drain_jobs, scale->rounds);
	for (int round = 0; round < scale->rounds; round++)
		for (int wi = 0; wi < N_WORKER_COUNTS; wi++)
			for (Variant v = V_BASELINE; v <= V_BATCH100; v++)
			{
				RunResult	r;
				double		rate;
				long		n = drain_jobs(v);

				drain_once(v, worker_counts[wi], n, &r);
				rate = n / r.seconds;
				printf("   round %d, %d processes, %s: %.0f jobs/s\n", round + 1,
					   worker_counts[wi], variant_names[v], rate);
				if (rate > best[v][wi].rate)
				{
					best[v][wi].rate = rate;
					best[v][wi].commits = (double) r.commits / n;
					best[v][wi].wal = r.wal_bytes / n;
					best[v][wi].syncs = r.wal_syncs / n;
				}
			}
	for (int wi = 0; wi < N_WORKER_COUNTS; wi++)
	{
		DrainBest  *b = &best[V_BASELINE][wi];

		for (Variant v = V_BASELINE; v <= V_BATCH100; v++)
		{
			DrainBest  *d = &best[v][wi];

			drain_rate[v][wi] = d->rate;
			add_row("drain", 10, variant_names[v], fmt("%d", worker_counts[wi]),
					fmt("%ld", drain_jobs(v)), fmt_rate(d->rate),
					fmt("%.2f", d->commits), fmt("%.0f", d->wal), fmt("%.3f", d->syncs),
					fmt_rate(b->rate), fmt("%.0f", b->wal), fmt("%.2f", d->rate / b->rate));
		}
	}
}

static void
target_row(const char *what, double measured, const char *measured_fmt, double goal,
		   const char *goal_text, bool lower_is_better)
{
	bool		met = lower_is_better ? measured <= goal : measured >= goal;

	add_row("targets", 4, what, fmt(measured_fmt, measured), goal_text, met ? "yes" : "**no**");
}

static void
drain_targets(void)
{
	double		m;

	/* single claim + complete >= 1.5x baseline at 1..8 workers: the worst of them */
	m = 1e9;
	for (int wi = 0; wi < 4; wi++)
		if (drain_rate[V_CLAIM_COMPLETE][wi] / drain_rate[V_BASELINE][wi] < m)
			m = drain_rate[V_CLAIM_COMPLETE][wi] / drain_rate[V_BASELINE][wi];
	target_row("claim_job + complete_job vs baseline, worst of 1-8 processes", m, "%.2fx", 1.5, ">= 1.5x", false);
	m = 1e9;
	for (int wi = 0; wi < 4; wi++)
		if (drain_rate[V_COMPLETE_AND_CLAIM][wi] / drain_rate[V_BASELINE][wi] < m)
			m = drain_rate[V_COMPLETE_AND_CLAIM][wi] / drain_rate[V_BASELINE][wi];
	target_row("complete_and_claim_job vs baseline, worst of 1-8 processes", m, "%.2fx", 2.0, ">= 2x", false);
	m = 1e9;
	for (int wi = 0; wi < N_WORKER_COUNTS; wi++)
		if (drain_rate[V_BATCH100][wi] / drain_rate[V_CLAIM_COMPLETE][wi] < m)
			m = drain_rate[V_BATCH100][wi] / drain_rate[V_CLAIM_COMPLETE][wi];
	target_row("batch of 100 vs single claims, worst of 1-32 processes", m, "%.1fx", 10.0, ">= 10x", false);
	for (Variant v = V_CLAIM_COMPLETE; v <= V_BATCH100; v++)
	{
		double		best = 0;

		for (int wi = 0; wi < N_WORKER_COUNTS; wi++)
			if (drain_rate[v][wi] > best)
				best = drain_rate[v][wi];
		target_row(fmt("%s: 32 processes vs the best process count", variant_names[v]),
				   100 * drain_rate[v][N_WORKER_COUNTS - 1] / best, "%.0f%%", 90, ">= 90%", false);
	}
	{
		double		best = 0;

		for (int wi = 0; wi < N_WORKER_COUNTS; wi++)
			if (drain_rate[V_BASELINE][wi] > best)
				best = drain_rate[V_BASELINE][wi];
		add_row("targets", 4, "(baseline: 32 processes vs its best process count)",
				fmt("%.0f%%", 100 * drain_rate[V_BASELINE][N_WORKER_COUNTS - 1] / best), "-", "-");
	}
}

/* ---- sustained drain ---------------------------------------------------------- */

static void
table_stats(const char *rel, double *dead, double *tsize, double *isize)
{
	char		sql[512];

	exec_ok(ctl, "SELECT pg_stat_clear_snapshot()");
	snprintf(sql, sizeof(sql),
			 "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = '%s'::regclass", rel);
	*dead = query_num(ctl, sql);
	snprintf(sql, sizeof(sql), "SELECT pg_table_size('%s')", rel);
	*tsize = query_num(ctl, sql);
	snprintf(sql, sizeof(sql), "SELECT pg_indexes_size('%s')", rel);
	*isize = query_num(ctl, sql);
}

static double sustained_ratio;		/* of the last pict_repo run: the 1M batch drain */

static void
sustained_one(Variant v, long n, const char *label, const char *rel)
{
	RunResult	r;
	double		first,
				last,
				dead,
				tsize,
				isize;

	printf("== sustained drain: %s, %ld jobs\n", label, n);
	reset_queues();
	fill_queues(n, v != V_BASELINE, v == V_BASELINE);
	exec_ok(ctl, "VACUUM ANALYZE pict_repo.job_queue, public.bench_queue");
	run_procs(4, drain_proc, &v, n, &r);
	if (r.done != n)
		die("sustained drain did only %ld of %ld jobs", r.done, n);
	first = (n / 10) / r.t10;
	last = (n / 10) / (r.seconds - r.t90);
	usleep(600000);				/* the statistics of the exited backends */
	table_stats(rel, &dead, &tsize, &isize);
	if (v != V_BASELINE)
		sustained_ratio = last / first;
	add_row("sustained", 9, label, fmt("%ld", n), fmt_rate(n / r.seconds), fmt_rate(first),
			fmt_rate(last), fmt("%.2f", last / first), fmt("%.0f", dead), fmt_bytes(tsize),
			fmt_bytes(isize));
}

static void
bench_sustained(void)
{
	sustained_one(V_BASELINE, scale->sustained_base_jobs, "baseline (plain SQL)", "public.bench_queue");
	sustained_one(V_COMPLETE_AND_CLAIM, scale->sustained_base_jobs, "pict_repo (complete_and_claim_job)", "pict_repo.job_queue");
	sustained_one(V_BATCH100, scale->sustained_jobs, "pict_repo (batch 100)", "pict_repo.job_queue");
	reset_queues();
}

/* ---- long transaction ----------------------------------------------------------- */

static double longtx_ratio;

static void
bench_longtx(void)
{
	long		n = scale->longtx_jobs;

	printf("== long transaction: %ld jobs, 4 processes\n", n);
	for (Variant v = V_BASELINE; v <= V_COMPLETE_AND_CLAIM; v++)
	{
		double		best_a = 1e30,
					best_b = 1e30;

		if (v == V_CLAIM_COMPLETE)
			continue;
		for (int round = 0; round < scale->rounds; round++)
		{
			RunResult	a,
						b;
			PGconn	   *holder;

			drain_once(v, 4, n, &a);
			/* Same state, then a snapshot held open over the whole run. */
			reset_queues();
			fill_queues(n, v != V_BASELINE, v == V_BASELINE);
			exec_ok(ctl, "VACUUM ANALYZE pict_repo.job_queue, public.bench_queue");
			holder = pg_connect();
			exec_ok(holder, "BEGIN ISOLATION LEVEL REPEATABLE READ");
			exec_ok(holder, "SELECT count(*) FROM pg_class");
			run_procs(4, drain_proc, &v, n, &b);
			exec_ok(holder, "COMMIT");
			PQfinish(holder);
			check_empty();
			if (a.seconds < best_a)
				best_a = a.seconds;
			if (b.seconds < best_b)
				best_b = b.seconds;
		}
		if (v != V_BASELINE)
			longtx_ratio = best_a / best_b;
		add_row("longtx", 5, variant_names[v], fmt("%ld", n), fmt_rate(n / best_a),
				fmt_rate(n / best_b), fmt("%.2f", best_a / best_b));
	}
}

/* ---- push ---------------------------------------------------------------------- */

typedef enum PushMode
{
	P_SINGLE,
	P_BATCH,
	P_PIPELINE
} PushMode;

static const char *const push_names[] = {"one job per call", "batches of 100", "pipelined, 100 per pipeline"};

typedef struct PushArg
{
	PushMode	mode;
	bool		baseline;
	long		per_proc;
} PushArg;

static void
push_baseline(int idx, const PushArg *a)
{
	PGconn	   *c = PQconnectdb("");
	const char *p[1];

	if (PQstatus(c) != CONNECTION_OK)
		child_fail("connect: %s", PQerrorMessage(c));
	prepare(c, "push", "INSERT INTO public.bench_queue (job) VALUES ($1) RETURNING id");
	prepare(c, "push_many",
			"INSERT INTO public.bench_queue (job) SELECT unnest($1::jsonb[]) RETURNING id");
	wait_start();
	if (a->mode == P_SINGLE)
	{
		p[0] = JOB_JSON;
		for (long i = 0; i < a->per_proc; i++)
		{
			PQclear(run_prepared(c, "push", 1, p, PGRES_TUPLES_OK));
			sh->commits[idx]++;
			count_done(idx, 1);
		}
	}
	else if (a->mode == P_BATCH)
	{
		size_t		len = 100 * 64 + 4;
		char	   *arr = malloc(len);
		size_t		off = 0;

		arr[off++] = '{';
		for (int i = 0; i < 100; i++)
			off += sprintf(arr + off, "%s\"%s\"", i ? "," : "", "{\\\"op\\\": \\\"thumbnail\\\", \\\"n\\\": 1}");
		arr[off++] = '}';
		arr[off] = 0;
		p[0] = arr;
		for (long i = 0; i < a->per_proc; i += 100)
		{
			PGresult   *r = run_prepared(c, "push_many", 1, p, PGRES_TUPLES_OK);

			if (PQntuples(r) != 100)
				child_fail("baseline batch inserted %d rows", PQntuples(r));
			PQclear(r);
			sh->commits[idx]++;
			count_done(idx, 100);
		}
		free(arr);
	}
	else
	{
		p[0] = JOB_JSON;
		if (!PQenterPipelineMode(c))
			child_fail("pipeline mode: %s", PQerrorMessage(c));
		for (long i = 0; i < a->per_proc; i += 100)
		{
			for (int j = 0; j < 100; j++)
			{
				if (!PQsendQueryPrepared(c, "push", 1, p, NULL, NULL, 0) || !PQpipelineSync(c))
					child_fail("pipeline send: %s", PQerrorMessage(c));
			}
			for (int j = 0; j < 100; j++)
			{
				PGresult   *r;

				while ((r = PQgetResult(c)) != NULL)
				{
					if (PQresultStatus(r) != PGRES_TUPLES_OK)
						child_fail("pipelined insert: %s", PQerrorMessage(c));
					PQclear(r);
				}
				r = PQgetResult(c);
				if (PQresultStatus(r) != PGRES_PIPELINE_SYNC)
					child_fail("pipeline: no sync");
				PQclear(r);
			}
			sh->commits[idx] += 100;
			count_done(idx, 100);
		}
		PQexitPipelineMode(c);
	}
	PQfinish(c);
}

static void
push_ours(int idx, const PushArg *a)
{
	pr_conn    *c = pr_connect_or_fail();
	pr_error	err;
	const char *jobs[100];
	pr_push_item items[100];

	for (int i = 0; i < 100; i++)
	{
		jobs[i] = JOB_JSON;
		memset(&items[i], 0, sizeof(items[i]));
		items[i].queue = QUEUE;
		items[i].job_json = JOB_JSON;
	}
	wait_start();
	if (a->mode == P_SINGLE)
	{
		for (long i = 0; i < a->per_proc; i++)
		{
			pr_uuid		id;

			if (pr_push_job(c, QUEUE, JOB_JSON, NULL, &id, &err) != PR_OK)
				pr_fail("push_job", &err);
			sh->commits[idx]++;
			count_done(idx, 1);
		}
	}
	else
	{
		for (long i = 0; i < a->per_proc; i += 100)
		{
			if (a->mode == P_BATCH)
			{
				pr_uuid_list *ids = NULL;

				if (pr_push_jobs(c, QUEUE, jobs, 100, &ids, &err) != PR_OK || ids->n != 100)
					pr_fail("push_jobs", &err);
				pr_free(ids);
				sh->commits[idx]++;
			}
			else
			{
				pr_push_results *res = NULL;

				if (pr_push_jobs_pipelined(c, items, 100, &res, &err) != PR_OK)
					pr_fail("push_jobs_pipelined", &err);
				pr_free(res);
				sh->commits[idx]++;	/* a batch that succeeds is one transaction */
			}
			count_done(idx, 100);
		}
	}
	pr_finish(c);
}

static void
push_proc(int idx, int nprocs, void *arg)
{
	const PushArg *a = arg;

	if (a->baseline)
		push_baseline(idx, a);
	else
		push_ours(idx, a);
}

/* A LISTENing session in its own process; returns its pid. */
static pid_t
start_listener(int *count_fd)
{
	int			fds[2];
	pid_t		pid;

	if (pipe(fds) != 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0)
	{
		PGconn	   *c = pg_connect();
		long		got = 0;
		int			sock = PQsocket(c);

		close(fds[0]);
		exec_ok(c, "LISTEN pict_repo_queue");
		if (write(fds[1], &got, sizeof(got)) != sizeof(got))
			_exit(1);
		while (!sh->stop)
		{
			fd_set		rf;
			struct timeval tv = {0, 20000};
			PGnotify   *nfy;

			FD_ZERO(&rf);
			FD_SET(sock, &rf);
			if (select(sock + 1, &rf, NULL, NULL, &tv) < 0 && errno != EINTR)
				break;
			PQconsumeInput(c);
			while ((nfy = PQnotifies(c)) != NULL)
			{
				got++;
				PQfreemem(nfy);
			}
		}
		if (write(fds[1], &got, sizeof(got)) != sizeof(got))
			_exit(1);
		PQfinish(c);
		_exit(0);
	}
	close(fds[1]);
	{
		long		ready;

		if (read(fds[0], &ready, sizeof(ready)) != sizeof(ready))
			die("the listener did not start");
	}
	*count_fd = fds[0];
	return pid;
}

static void
bench_push(void)
{
	long		n = scale->push_jobs;
	int			procs = 4;

	printf("== push: %ld jobs, %d processes, best of %d rounds\n", n, procs, scale->rounds);
	for (PushMode m = P_SINGLE; m <= P_PIPELINE; m++)
	{
		/* config 0: baseline, 1: pict_repo, 2: pict_repo with a listener */
		double		rate[3] = {0, 0, 0},
					commits[3] = {0, 0, 0},
					wal[3] = {0, 0, 0};
		long		notes_best = 0;

		for (int round = 0; round < scale->rounds; round++)
			for (int cfg = 0; cfg < 3; cfg++)
			{
				PushArg		a = {m, cfg == 0, n / procs};
				RunResult	r;
				pid_t		lpid = 0;
				int			lfd = -1;
				long		notes = 0;
				double		x;

				reset_queues();
				if (cfg == 2)
					lpid = start_listener(&lfd);
				run_procs(procs, push_proc, &a, 0, &r);
				if (cfg == 2)
				{
					sh->stop = 1;
					if (read(lfd, &notes, sizeof(notes)) != sizeof(notes))
						notes = -1;
					close(lfd);
					waitpid(lpid, NULL, 0);
				}
				x = r.done / r.seconds;
				printf("   round %d, %s, %s: %.0f jobs/s\n", round + 1, push_names[m],
					   cfg == 0 ? "baseline" : cfg == 1 ? "pict_repo" : "pict_repo + LISTEN", x);
				if (x > rate[cfg])
				{
					rate[cfg] = x;
					commits[cfg] = (double) r.commits / r.done;
					wal[cfg] = r.wal_bytes / r.done;
					if (cfg == 2)
						notes_best = notes;
				}
			}
		for (int cfg = 1; cfg < 3; cfg++)
			add_row("push", 9, push_names[m], cfg == 2 ? "yes" : "no", fmt_rate(rate[cfg]),
					fmt("%.2f", commits[cfg]), fmt("%.0f", wal[cfg]),
					fmt_rate(rate[0]), fmt("%.2f", rate[cfg] / rate[0]),
					cfg == 2 ? fmt("%.2f", rate[2] / rate[1]) : "1.00",
					cfg == 2 ? fmt("%ld", notes_best) : "-");
	}
}

/* ---- ingest ---------------------------------------------------------------------- */

typedef enum IngestMode
{
	I_THREE_CALLS,
	I_INGEST,
	I_PIPELINED
} IngestMode;

static const char *const ingest_names[] = {
	"baseline: create_hash + create_alias_with_token + relate_details",
	"ingest(), one call at a time", "ingest() pipelined, 100 per pipeline"
};

typedef struct IngestArg
{
	IngestMode	mode;
	long		per_proc;
	int			run;
} IngestArg;

static void
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

static void
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

static void
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

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static void
percentiles(double *v, int n, double *p50, double *p99)
{
	qsort(v, n, sizeof(double), cmp_double);
	*p50 = v[n / 2];
	*p99 = v[(int) (n * 0.99)];
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

#include "media.c"

/* ---- report ------------------------------------------------------------------------- */

static void
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

int
main(int argc, char **argv)
{
	const char *out = "bench/results/latest.md";
	const char *only = NULL;
	double		t0 = now_s();

	scale = &full_scale;
	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--quick") == 0)
			scale = &quick_scale;
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else
		{
			fprintf(stderr, "usage: bench [--quick] [--out FILE] [--only drain|sustained|longtx|push|ingest|repo|media]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	lat_out = mmap(NULL, sizeof(double) * 100000, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || lat_out == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	ctl = pg_connect();
	exec_ok(ctl, "SET client_min_messages = warning");
	setup_baseline_table();
	printf("pict_repo benchmark, scale %s\n", scale->name);

#define WANT(x) (only == NULL || strcmp(only, x) == 0)
	if (WANT("drain"))
	{
		bench_drain();
		drain_targets();
	}
	if (WANT("sustained"))
	{
		bench_sustained();
		add_row("targets", 4, "sustained drain of the most jobs (batch 100): last 10% vs first 10%", fmt("%.0f%%", 100 * sustained_ratio),
				">= 80%", sustained_ratio >= 0.8 ? "yes" : "**no**");
	}
	if (WANT("longtx"))
	{
		bench_longtx();
		add_row("targets", 4, "long transaction: cost (complete_and_claim_job, 4 processes)",
				fmt("%.0f%%", 100 * (1 - longtx_ratio)), "<= 10%", longtx_ratio >= 0.9 ? "yes" : "**no**");
	}
	if (WANT("push"))
		bench_push();
	if (WANT("ingest"))
		bench_ingest();
	if (WANT("repo"))
	{
		fill_repository(scale->repo_rows);
		bench_stream();
		bench_latency();
	}
	if (WANT("media"))
		bench_media();
	write_markdown(out, now_s() - t0);
	PQfinish(ctl);
	return 0;
}
