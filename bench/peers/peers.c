/*-------------------------------------------------------------------------
 *
 * peers.c
 *		The C side of the peer comparison (bench/peers/compare.mjs runs it):
 *		pict_repo through its client's worker loop, and a PgQ consumer.
 *
 * Usage (the database comes from the libpq environment):
 *	peers pict_repo-setup N
 *		push N jobs to the queue "peers" with pr_push_jobs, 10,000 a call
 *	peers pict_repo-drain W BATCH N CAP
 *		fork W processes; each connects, waits at a start line and runs
 *		pr_worker_run(batch_size BATCH, exit_when_idle, default heartbeats)
 *		with a no-op handler until the queue is empty
 *	peers pict_repo-batch-drain W N CAP
 *		fork W processes; each claims 100 jobs at a time with pr_claim_job
 *		and completes them with one pr_complete_jobs, until the queue is
 *		empty (the batch calls without the worker loop, for reference)
 *	peers pgq-setup N C
 *		create the PgQ queue "peers" (ticker_max_count 1), register C
 *		consumers, insert N events 100 to a statement and tick after each
 *		statement (pgq.ticker), so the queue holds N/100 batches of 100
 *	peers pgq-drain C N CAP
 *		fork C consumer processes; each runs next_batch, get_batch_events,
 *		finish_batch in one transaction per batch until it has seen all N
 *		events (every PgQ consumer sees every event)
 *
 * A drain stops handing out jobs CAP seconds after the start line (the
 * worker loop through pr_worker_stop, which hands back the rest of a
 * batch) and prints one JSON line: the time from the first job handed to a
 * handler to the end of the last process's work (for the worker loop: the
 * return of the last pr_worker_run, so after its last completion
 * committed), the jobs handled, the WAL position read right then on the
 * meter connection, and how many transactions the meter made (the caller
 * subtracts them from pg_stat_database.xact_commit).
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pict_repo_client.h"
#include "driver.h"

#define MAX_PROCS 64
#define QUEUE "peers"
#define JOB_JSON "{\"op\": \"thumbnail\", \"n\": 1}"

typedef struct Shared
{
	volatile int ready;
	volatile int go;
	int64_t		first_ns;		/* first job handed to a handler (min) */
	int64_t		deadline_ns;	/* stop handing out jobs after this */
	int64_t		end_ns[MAX_PROCS];	/* when each process finished */
	long		done[MAX_PROCS];
	volatile int failed;
	char		error[512];
} Shared;

static Shared *sh;
static int	my_idx;
static pr_stop *my_stop;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long
parse_count(const char *s, const char *what)
{
	char	   *end;
	long		v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 1)
		die("%s must be a positive number, not \"%s\"", what, s);
	return v;
}

/* ---- processes ---------------------------------------------------------------- */

static void
wait_start(void)
{
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
		usleep(200);
}

static void
mark_first(void)
{
	int64_t		t = now_ns();
	int64_t		cur = __atomic_load_n(&sh->first_ns, __ATOMIC_SEQ_CST);

	while ((cur == 0 || t < cur) &&
		   !__atomic_compare_exchange_n(&sh->first_ns, &cur, t, false,
										__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
}

typedef void (*proc_fn) (int idx, long arg1, long arg2);

/*
 * Fork n processes running fn, release them together once all are
 * connected, wait for them; then print the result line.
 */
static void
run_procs(int n, proc_fn fn, long arg1, long arg2, long expect, long cap)
{
	pid_t		pids[MAX_PROCS];
	PGconn	   *meter = pg_connect();
	int			meter_xacts = 0;
	int64_t		last = 0;
	long		done = 0;
	char	   *lsn;
	int			failed = 0;

	sh = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	driver_share_failure(&sh->failed, sh->error, sizeof(sh->error));
	memset(sh, 0, sizeof(*sh));
	fflush(stdout);
	for (int i = 0; i < n; i++)
	{
		pid_t		pid = spawn_child();

		if (pid == 0)
		{
			my_idx = i;
			fn(i, arg1, arg2);
			sh->end_ns[i] = now_ns();
			_exit(0);
		}
		pids[i] = pid;
	}
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < n && !sh->failed)
		usleep(1000);
	sh->deadline_ns = now_ns() + (int64_t) cap * 1000000000;
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < n; i++)
	{
		int			status;

		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	if (failed || sh->failed)
		die("a process failed: %s", sh->error[0] ? sh->error : "(exited abnormally)");
	lsn = query_text(meter, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')");
	meter_xacts++;
	PQfinish(meter);
	for (int i = 0; i < n; i++)
	{
		done += sh->done[i];
		if (sh->end_ns[i] > last)
			last = sh->end_ns[i];
	}
	if (done > expect || (done < expect && last < sh->deadline_ns))
		die("the processes handled %ld jobs, not %ld", done, expect);
	if (sh->first_ns == 0)
		die("no job was handled");
	printf("{\"seconds\": %.6f, \"jobs\": %ld, \"capped\": %s, \"lsn_end\": %s, \"meter_xacts\": %d}\n",
		   (last - sh->first_ns) / 1e9, done, done < expect ? "true" : "false", lsn, meter_xacts);
	free(lsn);
}

/* ---- pict_repo: the client's worker loop ----------------------------------------- */

static int
noop_handler(pr_job_ctx *ctx, const pr_job *job, void *user_data)
{
	if (sh->first_ns == 0)
		mark_first();
	sh->done[my_idx]++;
	if (now_ns() > sh->deadline_ns)
		pr_worker_stop(my_stop);
	return 0;
}

static void
pict_repo_worker(int idx, long batch, long unused)
{
	pr_error	err;
	pr_conn    *c = pr_connect(NULL, &err);
	pr_worker_options o;
	char		buf[1200];

	if (!c)
		child_fail("pr_connect: %s", err.message);
	if (!(my_stop = pr_stop_new(&err)))
		child_fail("pr_stop_new: %s", err.message);
	memset(&o, 0, sizeof(o));
	o.batch_size = (int) batch;
	o.handler = noop_handler;
	o.exit_when_idle = true;
	o.stop = my_stop;
	wait_start();
	if (pr_worker_run(c, QUEUE, &o, &err) != PR_OK)
		child_fail("pr_worker_run: %s", pr_error_format(&err, buf, sizeof(buf)));
	sh->end_ns[idx] = now_ns();
	pr_finish(c);
	_exit(0);
}

static void
pict_repo_batch_worker(int idx, long unused1, long unused2)
{
	pr_error	err;
	pr_conn    *c = pr_connect(NULL, &err);
	pr_uuid		worker;
	pr_uuid	   *ids = malloc(100 * sizeof(pr_uuid));
	char		buf[1200];

	if (!c || !ids)
		child_fail("pr_connect: %s", c ? "out of memory" : err.message);
	pr_uuid_random(&worker);
	wait_start();
	while (now_ns() <= sh->deadline_ns)
	{
		pr_job_list *jobs = NULL;
		pr_uuid_list *done = NULL;

		if (pr_claim_job(c, QUEUE, &worker, 100, &jobs, &err) != PR_OK)
			child_fail("claim_job: %s", pr_error_format(&err, buf, sizeof(buf)));
		if (jobs->n == 0)
		{
			pr_free(jobs);
			break;
		}
		if (sh->first_ns == 0)
			mark_first();
		for (size_t i = 0; i < jobs->n; i++)
			ids[i] = jobs->rows[i].id;
		if (pr_complete_jobs(c, ids, jobs->n, &worker, &done, &err) != PR_OK)
			child_fail("complete_jobs: %s", pr_error_format(&err, buf, sizeof(buf)));
		if (done->n != jobs->n)
			child_fail("complete_jobs completed %zu of %zu jobs", done->n, jobs->n);
		sh->done[idx] += (long) jobs->n;
		pr_free(done);
		pr_free(jobs);
	}
	sh->end_ns[idx] = now_ns();
	free(ids);
	pr_finish(c);
	_exit(0);
}

static void
pict_repo_setup(long n)
{
	pr_error	err;
	pr_conn    *c = pr_connect(NULL, &err);
	const char **jobs;
	char		buf[1200];

	if (!c)
		die("pr_connect: %s", err.message);
	jobs = malloc(10000 * sizeof(char *));
	if (!jobs)
		die("out of memory");
	for (int i = 0; i < 10000; i++)
		jobs[i] = JOB_JSON;
	for (long done = 0; done < n; done += 10000)
	{
		size_t		k = n - done < 10000 ? (size_t) (n - done) : 10000;
		pr_uuid_list *ids = NULL;

		if (pr_push_jobs(c, QUEUE, jobs, k, &ids, &err) != PR_OK)
			die("push_jobs: %s", pr_error_format(&err, buf, sizeof(buf)));
		if (ids->n != k)
			die("push_jobs pushed %zu of %zu jobs", ids->n, k);
		pr_free(ids);
	}
	free(jobs);
	pr_finish(c);
}

/* ---- PgQ ---------------------------------------------------------------------------- */

/* In a child: run a prepared statement (or, name NULL, the SQL in values[0]). */
static PGresult *
child_exec(PGconn *c, const char *name, int n, const char *const *values, ExecStatusType want)
{
	PGresult   *r = name ? PQexecPrepared(c, name, n, values, NULL, NULL, 0) : PQexec(c, values[0]);

	if (PQresultStatus(r) != want)
		child_fail("%s: %s", name ? name : values[0], PQerrorMessage(c));
	return r;
}

static void
child_prepare(PGconn *c, const char *name, const char *sql)
{
	PGresult   *r = PQprepare(c, name, sql, 0, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		child_fail("prepare %s: %s", name, PQerrorMessage(c));
	PQclear(r);
}

static void
pgq_consumer(int idx, long n_events, long unused)
{
	PGconn	   *c = PQconnectdb("");
	char		consumer[32];
	long		seen = 0;
	const char *begin[] = {"BEGIN"};
	const char *commit[] = {"COMMIT"};

	if (PQstatus(c) != CONNECTION_OK)
		child_fail("cannot connect: %s", PQerrorMessage(c));
	snprintf(consumer, sizeof(consumer), "c%d", idx + 1);
	child_prepare(c, "nb", "SELECT pgq.next_batch($1, $2)");
	child_prepare(c, "ev", "SELECT ev_id, ev_type, ev_data FROM pgq.get_batch_events($1)");
	child_prepare(c, "fb", "SELECT pgq.finish_batch($1)");
	wait_start();
	while (seen < n_events && now_ns() <= sh->deadline_ns)
	{
		const char *p[2] = {QUEUE, consumer};
		PGresult   *r;
		char		batch[32];
		int			nev;

		PQclear(child_exec(c, NULL, 0, begin, PGRES_COMMAND_OK));
		r = child_exec(c, "nb", 2, p, PGRES_TUPLES_OK);
		if (PQgetisnull(r, 0, 0))
			child_fail("consumer %s: no batch after %ld of %ld events", consumer, seen, n_events);
		snprintf(batch, sizeof(batch), "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		p[0] = batch;
		r = child_exec(c, "ev", 1, p, PGRES_TUPLES_OK);
		nev = PQntuples(r);
		if (nev > 0 && sh->first_ns == 0)
			mark_first();
		/* The no-op handler: look at each event once. */
		for (int i = 0; i < nev; i++)
			if (PQgetlength(r, i, 2) == 0)
				child_fail("an event without data");
		PQclear(r);
		PQclear(child_exec(c, "fb", 1, p, PGRES_TUPLES_OK));
		PQclear(child_exec(c, NULL, 0, commit, PGRES_COMMAND_OK));
		seen += nev;
		sh->done[idx] += nev;
	}
	sh->end_ns[idx] = now_ns();
	PQfinish(c);
	_exit(0);
}

static void
pgq_setup(long n, long consumers)
{
	PGconn	   *c = pg_connect();
	char		sql[256];

	exec_ok(c, "CREATE EXTENSION IF NOT EXISTS pgq");
	exec_ok(c, "SELECT pgq.create_queue('" QUEUE "')");
	/* pgq.ticker() then ticks whenever there is a new event. */
	exec_ok(c, "SELECT pgq.set_queue_config('" QUEUE "', 'ticker_max_count', '1')");
	for (long i = 1; i <= consumers; i++)
	{
		snprintf(sql, sizeof(sql), "SELECT pgq.register_consumer('" QUEUE "', 'c%ld')", i);
		exec_ok(c, sql);
	}
	for (long done = 0; done < n; done += 100)
	{
		long		k = n - done < 100 ? n - done : 100;
		char	   *tick;

		snprintf(sql, sizeof(sql),
				 "SELECT count(pgq.insert_event('" QUEUE "', 'job', '" JOB_JSON "')) "
				 "FROM generate_series(1, %ld)", k);
		exec_ok(c, sql);
		/* A batch ends at a tick: one after every statement of 100. */
		tick = query_text(c, "SELECT pgq.ticker('" QUEUE "')");
		if (tick[0] == '\0')
			die("pgq.ticker made no tick after %ld events", done + k);
		free(tick);
	}
	PQfinish(c);
}

/* ---- main ------------------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	driver_init("peers", 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "pict_repo-setup") == 0)
		pict_repo_setup(parse_count(argv[2], "N"));
	else if (argc == 6 && strcmp(argv[1], "pict_repo-drain") == 0)
	{
		long		w = parse_count(argv[2], "W");
		long		batch = parse_count(argv[3], "BATCH");
		long		n = parse_count(argv[4], "N");

		if (w > MAX_PROCS)
			die("at most %d processes", MAX_PROCS);
		run_procs((int) w, pict_repo_worker, batch, 0, n, parse_count(argv[5], "CAP"));
	}
	else if (argc == 5 && strcmp(argv[1], "pict_repo-batch-drain") == 0)
	{
		long		w = parse_count(argv[2], "W");
		long		n = parse_count(argv[3], "N");

		if (w > MAX_PROCS)
			die("at most %d processes", MAX_PROCS);
		run_procs((int) w, pict_repo_batch_worker, 0, 0, n, parse_count(argv[4], "CAP"));
	}
	else if (argc == 4 && strcmp(argv[1], "pgq-setup") == 0)
		pgq_setup(parse_count(argv[2], "N"), parse_count(argv[3], "C"));
	else if (argc == 5 && strcmp(argv[1], "pgq-drain") == 0)
	{
		long		cn = parse_count(argv[2], "C");
		long		n = parse_count(argv[3], "N");

		if (cn > MAX_PROCS)
			die("at most %d consumers", MAX_PROCS);
		run_procs((int) cn, pgq_consumer, n, 0, n * cn, parse_count(argv[4], "CAP"));
	}
	else
	{
		fprintf(stderr,
				"usage: peers pict_repo-setup N | pict_repo-drain W BATCH N CAP |\n"
				"             pict_repo-batch-drain W N CAP |\n"
				"             pgq-setup N C | pgq-drain C N CAP\n");
		return 2;
	}
	return 0;
}
