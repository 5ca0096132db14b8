/*-------------------------------------------------------------------------
 *
 * profile.c
 *		The one-client driver of bench/profile.sh: claim + complete of single
 *		jobs through libpictrepo, with its backend's pid told first so that
 *		a profiler can attach to it.
 *
 * Usage: profile MODE N
 *	MODE  claim-complete   pr_claim_job(1), then pr_complete_job
 *	      complete-claim   pr_complete_and_claim_job(1) (the worker loop's path)
 *	      roundtrip        a prepared "SELECT 1" (the floor of a round trip)
 *	      baseline         the plain-SQL claim and completion that make bench
 *	                       measures the queue against (BASELINE_* of
 *	                       driver.h), on a table of its own it makes and fills
 *
 * The connection comes from the libpq environment; the queue "profile" must
 * hold enough jobs.  The driver prints "pid <backend pid>", runs 500
 * warm-up iterations (PROFILE_WARMUP: another count; plans made, caches
 * filled), prints "ready" and waits
 * for a line on stdin; then it runs N iterations and prints one line of
 * JSON: wall time per job and per call (client clock) and the client's own
 * CPU time per job (getrusage), and keeps the connection until its stdin
 * ends (the caller reads the backend's CPU time first).  With PROFILE_MARKS
 * set in the environment, the measured part is framed by SELECT pg_sleep(0)
 * and SELECT pg_stat_clear_snapshot(), for callgrind to zero its counts
 * on the first and dump them on the second.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <libpq-fe.h>

#include "pict_repo_client.h"
#include "driver.h"

#define QUEUE "profile"
#define WARMUP 500

typedef enum Mode
{
	M_CLAIM_COMPLETE,
	M_COMPLETE_CLAIM,
	M_ROUNDTRIP,
	M_BASELINE
} Mode;

static pr_conn *conn;
static pr_uuid worker;
static pr_uuid held;			/* complete-claim: the job held */
static double t_first;			/* seconds spent in the first call of an iteration */
static double t_second;

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
fail(const char *what, const pr_error *err)
{
	char		buf[1200];

	fprintf(stderr, "profile: %s: %s\n", what, pr_error_format(err, buf, sizeof(buf)));
	exit(1);
}

/* Run the baseline's prepared statement name with one parameter. */
static PGresult *
baseline_run(const char *name, const char *param, ExecStatusType want)
{
	PGresult   *r = PQexecPrepared(pr_pgconn(conn), name, 1, &param, NULL, NULL, 0);

	if (PQresultStatus(r) != want)
	{
		fprintf(stderr, "profile: baseline %s: %s", name, PQerrorMessage(pr_pgconn(conn)));
		exit(1);
	}
	return r;
}

/* Make and fill the baseline's table with n jobs; prepare its statements. */
static void
baseline_setup(long n)
{
	char		sql[256];
	const char *stmts[] = {BASELINE_DDL, sql, "VACUUM ANALYZE public.bench_queue"};

	snprintf(sql, sizeof(sql),
			 "INSERT INTO public.bench_queue (job) "
			 "SELECT '{\"op\": \"thumbnail\", \"n\": 1}'::jsonb FROM generate_series(1, %ld)", n);
	for (int i = 0; i < 3; i++)
	{
		PGresult   *r = PQexec(pr_pgconn(conn), stmts[i]);

		if (PQresultStatus(r) != PGRES_COMMAND_OK)
		{
			fprintf(stderr, "profile: baseline setup: %s", PQerrorMessage(pr_pgconn(conn)));
			exit(1);
		}
		PQclear(r);
	}
	for (int i = 0; i < 2; i++)
	{
		PGresult   *r = PQprepare(pr_pgconn(conn), i ? "done" : "claim",
								  i ? BASELINE_COMPLETE : BASELINE_CLAIM, 0, NULL);

		if (PQresultStatus(r) != PGRES_COMMAND_OK)
		{
			fprintf(stderr, "profile: baseline prepare: %s", PQerrorMessage(pr_pgconn(conn)));
			exit(1);
		}
		PQclear(r);
	}
}

static void
one(Mode m)
{
	pr_error	err;
	pr_job_list *jobs = NULL;
	double		t0 = now_s(),
				t1;

	switch (m)
	{
		case M_CLAIM_COMPLETE:
			if (pr_claim_job(conn, QUEUE, &worker, 1, &jobs, &err) != PR_OK)
				fail("claim_job", &err);
			if (jobs->n != 1)
			{
				fprintf(stderr, "profile: the queue ran empty\n");
				exit(1);
			}
			t1 = now_s();
			if (pr_complete_job(conn, &jobs->rows[0].id, &worker, &err) != PR_OK)
				fail("complete_job", &err);
			t_first += t1 - t0;
			t_second += now_s() - t1;
			break;
		case M_COMPLETE_CLAIM:
			if (pr_complete_and_claim_job(conn, &held, &worker, QUEUE, 1, &jobs, &err) != PR_OK)
				fail("complete_and_claim_job", &err);
			if (jobs->n != 1)
			{
				fprintf(stderr, "profile: the queue ran empty\n");
				exit(1);
			}
			held = jobs->rows[0].id;
			t_first += now_s() - t0;
			break;
		case M_BASELINE:
			{
				PGresult   *r = baseline_run("claim", "w1", PGRES_TUPLES_OK);
				char		id[32];

				if (PQntuples(r) != 1)
				{
					fprintf(stderr, "profile: the baseline's queue ran empty\n");
					exit(1);
				}
				snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
				PQclear(r);
				t1 = now_s();
				PQclear(baseline_run("done", id, PGRES_COMMAND_OK));
				t_first += t1 - t0;
				t_second += now_s() - t1;
			}
			break;
		case M_ROUNDTRIP:
			{
				PGresult   *r = PQexecPrepared(pr_pgconn(conn), "one", 0, NULL, NULL, NULL, 0);

				if (PQresultStatus(r) != PGRES_TUPLES_OK)
				{
					fprintf(stderr, "profile: SELECT 1: %s", PQerrorMessage(pr_pgconn(conn)));
					exit(1);
				}
				PQclear(r);
				t_first += now_s() - t0;
			}
			break;
	}
	pr_free(jobs);
}

int
main(int argc, char **argv)
{
	Mode		m;
	long		n;
	pr_error	err;
	PGresult   *r;
	char		line[64];
	double		w0,
				c0,
				wall,
				cpu;

	if (argc != 3 || (n = atol(argv[2])) < 1)
	{
		fprintf(stderr, "usage: profile claim-complete|complete-claim|roundtrip|baseline N\n");
		return 2;
	}
	if (strcmp(argv[1], "claim-complete") == 0)
		m = M_CLAIM_COMPLETE;
	else if (strcmp(argv[1], "complete-claim") == 0)
		m = M_COMPLETE_CLAIM;
	else if (strcmp(argv[1], "roundtrip") == 0)
		m = M_ROUNDTRIP;
	else if (strcmp(argv[1], "baseline") == 0)
		m = M_BASELINE;
	else
	{
		fprintf(stderr, "profile: unknown mode %s\n", argv[1]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!(conn = pr_connect(NULL, &err)))
		fail("connect", &err);
	pr_uuid_random(&worker);
	r = PQprepare(pr_pgconn(conn), "one", "SELECT 1", 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
	{
		fprintf(stderr, "profile: prepare: %s", PQerrorMessage(pr_pgconn(conn)));
		return 1;
	}
	PQclear(r);
	r = PQexec(pr_pgconn(conn), "SELECT pg_backend_pid()");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
	{
		fprintf(stderr, "profile: pg_backend_pid: %s", PQerrorMessage(pr_pgconn(conn)));
		return 1;
	}
	printf("pid %s\n", PQgetvalue(r, 0, 0));
	PQclear(r);

	if (m == M_BASELINE)
		baseline_setup(n + (getenv("PROFILE_WARMUP") ? atol(getenv("PROFILE_WARMUP")) : WARMUP) + 100);
	if (m == M_COMPLETE_CLAIM)
	{
		pr_job_list *jobs = NULL;

		if (pr_claim_job(conn, QUEUE, &worker, 1, &jobs, &err) != PR_OK || jobs->n != 1)
			fail("claim_job", &err);
		held = jobs->rows[0].id;
		pr_free(jobs);
	}
	for (long i = 0, w = getenv("PROFILE_WARMUP") ? atol(getenv("PROFILE_WARMUP")) : WARMUP; i < w; i++)
		one(m);
	printf("ready\n");
	if (!fgets(line, sizeof(line), stdin))
		return 1;

	/* Marks for callgrind (--zero-before=pg_sleep, --dump-before=pg_stat_clear_snapshot). */
	if (getenv("PROFILE_MARKS"))
		PQclear(PQexec(pr_pgconn(conn), "SELECT pg_sleep(0)"));
	t_first = t_second = 0;
	w0 = now_s();
	c0 = cpu_s();
	for (long i = 0; i < n; i++)
		one(m);
	wall = now_s() - w0;
	cpu = cpu_s() - c0;
	if (getenv("PROFILE_MARKS"))
		PQclear(PQexec(pr_pgconn(conn), "SELECT pg_stat_clear_snapshot()"));
	printf("{\"mode\": \"%s\", \"jobs\": %ld, \"wall_us\": %.2f, \"first_call_us\": %.2f, "
		   "\"second_call_us\": %.2f, \"client_cpu_us\": %.2f}\n",
		   argv[1], n, wall / n * 1e6, t_first / n * 1e6, t_second / n * 1e6, cpu / n * 1e6);
	/* Keep the backend until the caller has read its CPU time. */
	(void) fgets(line, sizeof(line), stdin);
	pr_finish(conn);
	return 0;
}
