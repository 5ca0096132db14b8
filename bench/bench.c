/*-------------------------------------------------------------------------
 *
 * bench.c
 *		The pict_repo benchmark driver: pict_repo against what a user would
 *		otherwise run, side by side in one run on one cluster.
 *
 * Usage: bench [--quick] [--out FILE] [--only FAMILY]
 *
 * The cluster comes from the libpq environment (PGHOST, PGPORT, ...), with
 * the extension installed in PGDATABASE.  Every scenario forks W processes
 * with one connection each; they connect, wait at a start line in shared
 * memory, run, and write their counts back.  The clock, the WAL position
 * (pg_current_wal_lsn()) and pg_stat_wal are read by the parent right
 * before the start and after the last process has exited.  Every figure is
 * printed as it is measured and the whole set is written as markdown.
 *
 * This file holds the scale, the run of W processes and main(); the
 * results table is report.c, and each scenario family has its own file:
 * queue.c (drain, sustained drain, long transaction), push.c, ingest.c,
 * repo.c (streaming and lookups) and media.c (the file service).
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>

#include "bench.h"

const Scale quick_scale = {"quick", 1000, 50000, 5000, 2000, 2000, 2000, 100000, 300, 3000, 1};
static const Scale full_scale = {"full", 5000, 1000000, 50000, 10000, 10000, 10000, 1000000, 2000, 20000, 3};
const Scale *scale;

const int	worker_counts[N_WORKER_COUNTS] = {1, 2, 4, 8, 16, 32};

Shared	   *sh;
PGconn	   *ctl;

void
prepare(PGconn *c, const char *name, const char *sql)
{
	PGresult   *r = PQprepare(c, name, sql, 0, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("prepare %s failed: %s", name, PQerrorMessage(c));
	PQclear(r);
}

PGresult *
run_prepared(PGconn *c, const char *name, int n, const char *const *values,
			 ExecStatusType want)
{
	PGresult   *r = PQexecPrepared(c, name, n, values, NULL, NULL, 0);

	if (PQresultStatus(r) != want)
		child_fail("%s: %s", name, PQerrorMessage(c));
	return r;
}

pr_conn *
pr_connect_or_fail(void)
{
	pr_error	err;
	pr_conn    *c = pr_connect(NULL, &err);

	if (!c)
		child_fail("pr_connect: %s", err.message);
	return c;
}

void
pr_fail(const char *what, const pr_error *err)
{
	char		buf[1200];

	child_fail("%s: %s", what, pr_error_format(err, buf, sizeof(buf)));
}

/* ---- running W processes ---------------------------------------------------- */

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
void
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
		pid_t		pid = spawn_child();

		if (pid == 0)
		{
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
void
wait_start(void)
{
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
		usleep(200);
	if (sh->stop)
		_exit(0);
}

/* In a process: the work is done (the drain found the queue empty). */
void
finish_work(int idx)
{
	sh->seconds[idx] = now_s();
}

void
count_done(int idx, long n)
{
	sh->done[idx] += n;
	__atomic_add_fetch(&sh->done_total, n, __ATOMIC_RELAXED);
}

int
main(int argc, char **argv)
{
	const char *out = "bench/results/latest.md";
	const char *only = NULL;
	double		t0 = now_s();

	driver_init("bench", 1);
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
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	driver_share_failure(&sh->failed, sh->error, sizeof(sh->error));
	ctl = pg_connect();
	exec_ok(ctl, "SET client_min_messages = warning");
	setup_baseline_table();
	printf("pict_repo benchmark, scale %s\n", scale->name);

#define WANT(x) (only == NULL || strcmp(only, x) == 0)
	if (WANT("drain"))
		bench_drain();
	if (WANT("sustained"))
		bench_sustained();
	if (WANT("longtx"))
		bench_longtx();
	if (WANT("push"))
		bench_push();
	if (WANT("ingest"))
		bench_ingest();
	if (WANT("repo"))
		bench_repo();
	if (WANT("media"))
		bench_media();
	write_markdown(out, now_s() - t0);
	PQfinish(ctl);
	return 0;
}
