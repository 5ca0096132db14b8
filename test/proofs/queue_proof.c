/*
 * queue_proof.c: proofs that the job queue runs every job exactly once,
 * with worker processes built on libpictrepo.
 *
 *   queue_proof once  [-j JOBS] [-w WORKERS] [-b BATCH] [-q QUEUE]
 *	   WORKERS processes drain JOBS jobs while the parent pushes them.  Each
 *	   job is completed in ONE transaction together with a row in the side
 *	   table proof.done:
 *	       BEGIN; INSERT INTO proof.done ...; SELECT complete_job(...); COMMIT
 *	   (ROLLBACK when complete_job says the job is no longer ours).  Every
 *	   97th job fails its first attempt (fail_job, retry at once), so the
 *	   retry path runs too.  Then it checks: every job completed exactly
 *	   once, none lost, none duplicated, nothing left in the queue.
 *
 *   queue_proof crash [-j JOBS] [-w WORKERS] [-k KILLS] [-q QUEUE]
 *	   Like once, but the parent SIGKILLs a random worker at random moments
 *	   (KILLS times) and starts a new one; a job's work happens inside its
 *	   transaction, so most kills land mid-job.  Claims are recorded in
 *	   proof.claims in the claim's own transaction.  One extra "poison" job
 *	   (max_attempts 3) kills its worker every time it runs.  Needs the
 *	   maintenance worker running in this database with a short
 *	   pict_repo.job_timeout (1s).  Checks: every job completed exactly
 *	   once; a job's completing attempt equals the number of its claims
 *	   (attempts are counted); some jobs needed more than one attempt; the
 *	   poison job is in dead_jobs with attempts = max_attempts = 3.
 *
 * The connection comes from the libpq environment (PGHOST, PGDATABASE...).
 * Built with the benchmark's driver core (bench/driver.c: die, now_s,
 * exec_ok); die() exits with 2, a failed check makes the exit status 1.
 * Output is TAP ("ok N - ..."); the exit status is 0 when all passed.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <pict_repo_client.h>

#include "driver.h"

#define POISON_ATTEMPTS 3
#define MAX_WORKERS 64

static const char *mode;
static long njobs = 100000;
static int nworkers = 8;
static int batch = 10;
static int nkills = 30;
static char queue[65];

static int tests;
static int failures;
static volatile sig_atomic_t stopping;

static void
ok(int cond, const char *fmt,...)
{
	va_list		ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failures++;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static pr_conn *
connect_or_die(void)
{
	pr_error	err;
	pr_conn    *c = pr_connect(NULL, &err);

	if (!c)
		die("connect: %s: %s", err.sqlstate, err.message);
	return c;
}

/* One bigint from a query with the queue as $1. */
static long long
queue_num(PGconn *pg, const char *sql)
{
	const char *params[1] = {queue};
	PGresult   *r = PQexecParams(pg, sql, 1, NULL, params, NULL, NULL, 0);
	long long	v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		die("%s: %s", sql, PQerrorMessage(pg));
	v = PQgetisnull(r, 0, 0) ? -1 : atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* The "n" of a job {"n": 123}; -1 for the poison job. */
static long
job_number(const char *json)
{
	const char *p = strstr(json, "\"n\":");

	if (strstr(json, "\"poison\""))
		return -1;
	if (!p)
		die("unexpected job %s", json);
	return strtol(p + 4, NULL, 10);
}

/* ---- worker processes -------------------------------------------------- */

static void
on_term(int sig)
{
	(void) sig;
	stopping = 1;
}

/*
 * Complete a job together with its proof.done row in one transaction.
 * Returns PR_OK (committed), PR_NONE (no longer ours: rolled back).
 */
static int
complete_in_txn(pr_conn *c, const pr_uuid *worker, const pr_job *job, long n,
				int worker_no, int work_ms)
{
	PGconn	   *pg = pr_pgconn(c);
	char		id[PR_UUID_STRLEN],
				nbuf[32],
				wbuf[32],
				abuf[32];
	const char *params[5] = {queue, id, nbuf, wbuf, abuf};
	PGresult   *r;
	pr_error	err;
	int			rc;

	pr_uuid_format(&job->id, id);
	snprintf(nbuf, sizeof(nbuf), "%ld", n);
	snprintf(wbuf, sizeof(wbuf), "%d", worker_no);
	snprintf(abuf, sizeof(abuf), "%d", (int) job->attempt);

	exec_ok(pg, "BEGIN");
	r = PQexecParams(pg, "INSERT INTO proof.done (queue, job_id, n, worker, attempt) "
					 "VALUES ($1, $2, $3, $4, $5)", 5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("insert: %s", PQerrorMessage(pg));
	PQclear(r);
	if (work_ms > 0)
		sleep_ms(work_ms);		/* the job's work, inside its transaction */
	rc = pr_complete_job(c, &job->id, worker, &err);
	if (rc == PR_ERROR)
		die("complete_job: %s: %s", err.sqlstate, err.message);
	exec_ok(pg, rc == PR_OK ? "COMMIT" : "ROLLBACK");
	return rc;
}

/* Claim up to max jobs; in crash mode record the claims in the same transaction. */
static pr_job_list *
claim(pr_conn *c, const pr_uuid *worker, int max, bool record)
{
	PGconn	   *pg = pr_pgconn(c);
	pr_job_list *jobs = NULL;
	pr_error	err;

	if (record)
		exec_ok(pg, "BEGIN");
	if (pr_claim_job(c, queue, worker, max, &jobs, &err) != PR_OK)
		die("claim_job: %s: %s", err.sqlstate, err.message);
	if (record)
	{
		for (size_t i = 0; i < jobs->n; i++)
		{
			char		id[PR_UUID_STRLEN],
						abuf[32];
			const char *params[3] = {queue, id, abuf};
			PGresult   *r;

			pr_uuid_format(&jobs->rows[i].id, id);
			snprintf(abuf, sizeof(abuf), "%d", (int) jobs->rows[i].attempt);
			r = PQexecParams(pg, "INSERT INTO proof.claims (queue, job_id, attempt) "
							 "VALUES ($1, $2, $3)", 3, NULL, params, NULL, NULL, 0);
			if (PQresultStatus(r) != PGRES_COMMAND_OK)
				die("insert claim: %s", PQerrorMessage(pg));
			PQclear(r);
		}
		exec_ok(pg, "COMMIT");
	}
	return jobs;
}

/* Has the parent closed its end of the pipe (everything pushed)? */
static bool
pushing_done(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	char		b;

	return poll(&p, 1, 0) > 0 && read(fd, &b, 1) == 0;
}

static void
worker_main(int worker_no, int pushed_fd)
{
	pr_conn    *c;
	pr_uuid		worker;
	pr_error	err;
	bool		crash = strcmp(mode, "crash") == 0;
	bool		all_pushed = false;

	signal(SIGTERM, on_term);
	srand((unsigned) getpid() ^ (unsigned) time(NULL));
	c = connect_or_die();
	pr_uuid_random(&worker);

	while (!stopping)
	{
		pr_job_list *jobs = claim(c, &worker, crash ? 1 : batch, crash);

		if (jobs->n == 0)
		{
			int64_t		len = 0;

			pr_free(jobs);
			if (!all_pushed)
				all_pushed = pushed_fd < 0 || pushing_done(pushed_fd);
			/* Nothing waiting or running anywhere, and nothing more to come. */
			if (all_pushed && !crash)
			{
				if (pr_queue_length(c, queue, &len, &err) != PR_OK)
					die("queue_length: %s: %s", err.sqlstate, err.message);
				if (len == 0)
					break;
			}
			if (crash)
			{
				/* Claims must go through the recording transaction: poll. */
				sleep_ms(20);
				continue;
			}
			jobs = NULL;
			if (pr_wait_for_job(c, queue, &worker, batch, 200, NULL, &jobs, &err) == PR_ERROR)
				die("wait_for_job: %s: %s", err.sqlstate, err.message);
			if (!jobs)
				continue;
		}
		for (size_t i = 0; i < jobs->n; i++)
		{
			const pr_job *job = &jobs->rows[i];
			long		n = job_number(job->job);

			if (n < 0)
			{
				/* The poison job: dies with its worker, every time. */
				kill(getpid(), SIGKILL);
				pause();
			}
			if (!crash && n % 97 == 0 && job->attempt == 1)
			{
				pr_fail_outcome o;

				if (pr_fail_job(c, &job->id, &worker, "proof: first attempt fails", 0, &o,
								&err) != PR_OK || o != PR_FAIL_RETRY)
					die("fail_job did not retry: %s %s", err.sqlstate, err.message);
				continue;
			}
			(void) complete_in_txn(c, &worker, job, n, worker_no, crash ? rand() % 8 : 0);
		}
		pr_free(jobs);
	}
	pr_finish(c);
	exit(0);
}

/* ---- the parent ---------------------------------------------------------- */

static void
setup(PGconn *pg)
{
	const char *params[1] = {queue};
	PGresult   *r;

	exec_ok(pg, "SET client_min_messages = warning");
	exec_ok(pg, "CREATE SCHEMA IF NOT EXISTS proof");
	/* No unique constraint: a duplicate completion must be countable. */
	exec_ok(pg, "CREATE TABLE IF NOT EXISTS proof.done (queue text NOT NULL, "
			"job_id uuid NOT NULL, n bigint NOT NULL, worker int NOT NULL, "
			"attempt int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
	exec_ok(pg, "CREATE INDEX IF NOT EXISTS done_queue_n ON proof.done (queue, n)");
	exec_ok(pg, "CREATE TABLE IF NOT EXISTS proof.claims (queue text NOT NULL, "
			"job_id uuid NOT NULL, attempt int NOT NULL)");
	exec_ok(pg, "CREATE INDEX IF NOT EXISTS claims_queue_job ON proof.claims (queue, job_id)");
	r = PQexecParams(pg, "DELETE FROM proof.done WHERE queue = $1", 1, NULL, params, NULL, NULL, 0);
	PQclear(r);
	r = PQexecParams(pg, "DELETE FROM proof.claims WHERE queue = $1", 1, NULL, params, NULL, NULL, 0);
	PQclear(r);
}

static void
push_all(pr_conn *c)
{
	enum
	{
	BATCH = 1000};
	char	  **texts = malloc(BATCH * sizeof(char *));
	char	   *buf = malloc(BATCH * 32);
	pr_error	err;

	if (!texts || !buf)
		die("out of memory");
	for (long first = 1; first <= njobs; first += BATCH)
	{
		size_t		n = 0;
		pr_uuid_list *ids = NULL;

		for (long i = first; i <= njobs && i < first + BATCH; i++, n++)
		{
			texts[n] = buf + n * 32;
			snprintf(texts[n], 32, "{\"n\": %ld}", i);
		}
		if (pr_push_jobs(c, queue, (const char *const *) texts, n, &ids, &err) != PR_OK ||
			ids->n != n)
			die("push_jobs: %s: %s", err.sqlstate, err.message);
		pr_free(ids);
	}
	free(texts);
	free(buf);
}

static pid_t
spawn(int worker_no, int pushed_fd, int close_fd)
{
	pid_t		pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0)
	{
		if (close_fd >= 0)
			close(close_fd);
		worker_main(worker_no, pushed_fd);
	}
	return pid;
}

static void
check_exactly_once(PGconn *pg)
{
	long long	rows = queue_num(pg, "SELECT count(*) FROM proof.done WHERE queue = $1");
	long long	distinct_n = queue_num(pg, "SELECT count(DISTINCT n) FROM proof.done WHERE queue = $1");
	long long	distinct_id = queue_num(pg, "SELECT count(DISTINCT job_id) FROM proof.done WHERE queue = $1");
	long long	dups = queue_num(pg, "SELECT count(*) FROM (SELECT n FROM proof.done WHERE queue = $1 "
								 "GROUP BY n HAVING count(*) > 1) d");
	long long	in_range = queue_num(pg, "SELECT count(DISTINCT n) FROM proof.done WHERE queue = $1");
	long long	lo = queue_num(pg, "SELECT min(n) FROM proof.done WHERE queue = $1");
	long long	hi = queue_num(pg, "SELECT max(n) FROM proof.done WHERE queue = $1");

	ok(rows == njobs, "%lld completions recorded for %ld jobs", rows, njobs);
	ok(dups == 0, "no job completed twice (%lld duplicated)", dups);
	ok(distinct_n == njobs && lo == 1 && hi == njobs && in_range == njobs,
	   "no job lost: every n in 1..%ld completed (%lld distinct, %lld..%lld)", njobs,
	   distinct_n, lo, hi);
	ok(distinct_id == njobs, "%lld distinct job ids completed", distinct_id);
	ok(queue_num(pg, "SELECT pict_repo.queue_length($1)") == 0,
	   "the queue is empty (nothing waiting or running)");
}

static int
run_once(void)
{
	pr_conn    *c = connect_or_die();
	PGconn	   *pg = pr_pgconn(c);
	pid_t		pids[MAX_WORKERS];
	int			fds[2];
	double		t0 = now_s(),
				t_push;
	int			bad_exit = 0;
	long long	failed_first = njobs / 97;

	setup(pg);
	if (pipe(fds) != 0)
		die("pipe: %s", strerror(errno));
	for (int w = 0; w < nworkers; w++)
		pids[w] = spawn(w, fds[0], fds[1]);
	close(fds[0]);
	push_all(c);
	t_push = now_s() - t0;
	close(fds[1]);				/* the workers see EOF: everything is pushed */
	for (int w = 0; w < nworkers; w++)
	{
		int			st;

		if (waitpid(pids[w], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad_exit++;
	}
	printf("# %ld jobs, %d workers: pushed in %.1fs, drained in %.1fs (%.0f jobs/s)\n",
		   njobs, nworkers, t_push, now_s() - t0, njobs / (now_s() - t0));
	ok(bad_exit == 0, "all %d workers exited cleanly", nworkers);
	check_exactly_once(pg);
	ok(queue_num(pg, "SELECT count(*) FROM proof.done WHERE queue = $1 AND n % 97 = 0 "
				 "AND attempt = 2") == failed_first,
	   "the %lld jobs that failed their first attempt completed on the second", failed_first);
	ok(queue_num(pg, "SELECT count(*) FROM proof.done WHERE queue = $1 AND n % 97 <> 0 "
				 "AND attempt <> 1") == 0,
	   "every other job completed on its first attempt");
	ok(queue_num(pg, "SELECT count(DISTINCT worker) FROM proof.done WHERE queue = $1") == nworkers,
	   "all %d workers completed jobs", nworkers);
	ok(queue_num(pg, "SELECT count(*) FROM pict_repo.dead_jobs WHERE queue = $1") == 0,
	   "no dead jobs");
	ok(queue_num(pg, "SELECT completed FROM pict_repo.queue_stats() WHERE queue = $1") == njobs &&
	   queue_num(pg, "SELECT failed FROM pict_repo.queue_stats() WHERE queue = $1") == failed_first,
	   "queue_stats counts %ld completed and %lld failed", njobs, failed_first);
	pr_finish(c);
	return 0;
}

static int
run_crash(void)
{
	pr_conn    *c = connect_or_die();
	PGconn	   *pg = pr_pgconn(c);
	pid_t		pids[MAX_WORKERS];
	pr_uuid		poison;
	pr_push_options popts = {0};
	pr_error	err;
	double		t0 = now_s(),
				next_kill;
	int			kills = 0,
				deaths = 0,
				failed_workers = 0,
				spawned = 0;
	long long	done = 0,
				poison_dead = 0;
	char		poison_id[PR_UUID_STRLEN];

	setup(pg);
	{
		PGresult   *r = PQexec(pg, "SELECT current_setting('pict_repo.job_timeout'), "
							   "current_setting('pict_repo.maintenance_interval')");

		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			die("settings: %s", PQerrorMessage(pg));
		printf("# job_timeout %s, maintenance_interval %s\n",
			   PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
		PQclear(r);
	}
	push_all(c);
	popts.max_attempts = POISON_ATTEMPTS;
	popts.priority = -1;		/* after the others, so it kills fewer of them */
	if (pr_push_job(c, queue, "{\"poison\": true}", &popts, &poison, &err) != PR_OK)
		die("push poison: %s: %s", err.sqlstate, err.message);
	pr_uuid_format(&poison, poison_id);
	for (int w = 0; w < nworkers; w++)
		pids[w] = spawn(spawned++, -1, -1);

	srand((unsigned) getpid());
	next_kill = now_s() + 0.05 + (rand() % 200) / 1000.0;
	while (now_s() - t0 < 120)
	{
		pid_t		pid;
		int			st;

		/* Restart workers that died (the poison job kills them). */
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			for (int w = 0; w < nworkers; w++)
				if (pids[w] == pid)
				{
					if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
						deaths++;
					else
						failed_workers++;
					pids[w] = spawn(spawned++, -1, -1);
				}
		if (kills < nkills && now_s() >= next_kill)
		{
			int			w = rand() % nworkers;

			kill(pids[w], SIGKILL);
			kills++;
			next_kill = now_s() + 0.02 + (rand() % 150) / 1000.0;
		}
		{
			const char *params[1] = {queue};
			PGresult   *r = PQexecParams(pg,
										 "SELECT (SELECT count(*) FROM proof.done WHERE queue = $1), "
										 "(SELECT count(*) FROM pict_repo.dead_jobs WHERE queue = $1)",
										 1, NULL, params, NULL, NULL, 0);

			if (PQresultStatus(r) != PGRES_TUPLES_OK)
				die("progress: %s", PQerrorMessage(pg));
			done = atoll(PQgetvalue(r, 0, 0));
			poison_dead = atoll(PQgetvalue(r, 0, 1));
			PQclear(r);
		}
		if (kills >= nkills && done >= njobs && poison_dead >= 1)
			break;
		sleep_ms(10);
	}
	for (int w = 0; w < nworkers; w++)
		kill(pids[w], SIGTERM);
	for (int w = 0; w < nworkers; w++)
	{
		int			st;

		if (waitpid(pids[w], &st, 0) == pids[w] && WIFEXITED(st) && WEXITSTATUS(st) != 0)
			failed_workers++;
	}

	printf("# %ld jobs, %d workers, %d SIGKILLs by the parent, %d worker deaths seen, "
		   "%d workers started, %.1fs\n",
		   njobs, nworkers, kills, deaths, spawned, now_s() - t0);
	ok(kills == nkills, "%d workers killed with SIGKILL at random moments", kills);
	ok(failed_workers == 0, "no worker failed otherwise (%d did)", failed_workers);
	check_exactly_once(pg);
	ok(queue_num(pg, "SELECT count(*) FROM proof.done d WHERE queue = $1 AND attempt <> "
				 "(SELECT count(*) FROM proof.claims c WHERE c.queue = d.queue AND c.job_id = d.job_id)") == 0,
	   "every job completed on attempt k after exactly k claims (attempts are counted)");
	ok(queue_num(pg, "SELECT count(*) FROM (SELECT job_id FROM proof.claims WHERE queue = $1 "
				 "GROUP BY job_id HAVING count(DISTINCT attempt) <> count(*) "
				 "OR max(attempt) <> count(*)) x") == 0,
	   "the attempts of each job's claims are exactly 1..k");
	{
		long long	retried = queue_num(pg, "SELECT count(*) FROM proof.done WHERE queue = $1 AND attempt > 1");

		ok(retried >= 1, "%lld jobs lost their worker mid-job and were completed by another", retried);
	}
	{
		const char *params[2] = {poison_id, queue};
		PGresult   *r = PQexecParams(pg,
									 "SELECT (SELECT attempts FROM pict_repo.dead_jobs WHERE id = $1), "
									 "(SELECT max_attempts FROM pict_repo.dead_jobs WHERE id = $1), "
									 "(SELECT count(*) FROM pict_repo.job_queue WHERE id = $1), "
									 "(SELECT count(*) FROM proof.claims WHERE queue = $2 AND job_id = $1), "
									 "(SELECT count(*) FROM pict_repo.dead_jobs WHERE queue = $2)",
									 2, NULL, params, NULL, NULL, 0);

		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			die("poison: %s", PQerrorMessage(pg));
		ok(!PQgetisnull(r, 0, 0) && atoi(PQgetvalue(r, 0, 0)) == POISON_ATTEMPTS &&
		   atoi(PQgetvalue(r, 0, 1)) == POISON_ATTEMPTS,
		   "the job that kills its worker every time is in dead_jobs after %d attempts "
		   "(attempts %s)", POISON_ATTEMPTS, PQgetvalue(r, 0, 0));
		ok(atoi(PQgetvalue(r, 0, 2)) == 0 && atoi(PQgetvalue(r, 0, 3)) == POISON_ATTEMPTS,
		   "it left the queue after exactly %d claims (%s)", POISON_ATTEMPTS, PQgetvalue(r, 0, 3));
		ok(atoi(PQgetvalue(r, 0, 4)) == 1, "and it is the only dead job");
		PQclear(r);
	}
	pr_finish(c);
	return 0;
}

int
main(int argc, char **argv)
{
	int			opt;

	driver_init("queue_proof", 2);
	if (argc < 2 || (strcmp(argv[1], "once") != 0 && strcmp(argv[1], "crash") != 0))
	{
		fprintf(stderr, "usage: %s once|crash [-j JOBS] [-w WORKERS] [-b BATCH] [-k KILLS] [-q QUEUE]\n",
				argv[0]);
		return 2;
	}
	mode = argv[1];
	snprintf(queue, sizeof(queue), "proof-%s", mode);
	optind = 2;
	while ((opt = getopt(argc, argv, "j:w:b:k:q:")) != -1)
	{
		switch (opt)
		{
			case 'j':
				njobs = atol(optarg);
				break;
			case 'w':
				nworkers = atoi(optarg);
				break;
			case 'b':
				batch = atoi(optarg);
				break;
			case 'k':
				nkills = atoi(optarg);
				break;
			case 'q':
				snprintf(queue, sizeof(queue), "%s", optarg);
				break;
			default:
				return 2;
		}
	}
	if (njobs < 1 || nworkers < 1 || nworkers > MAX_WORKERS || batch < 1 || nkills < 0)
		die("bad arguments");
	if (strcmp(mode, "once") == 0)
		run_once();
	else
		run_crash();
	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
