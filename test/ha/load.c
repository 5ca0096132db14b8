/*
 * load.c: the load of the failover test (test/ha/failover.sh), through
 * libpictrepo with a multi-host conninfo (target_session_attrs=read-write).
 *
 *   load CONNINFO ADMIN_CONNINFO LOAD_SECONDS DRAIN_SECONDS
 *
 * Two pushers push jobs {"p": P, "seq": N} to queue "ha" and remember
 * every push whose call returned (its commit did); two claimers claim up
 * to 10 jobs at a time and complete them, remembering every completion
 * that returned.  Before the load a "lost worker" claims the 3 jobs of
 * queue "ha-lost" and never completes them (a worker that died with the
 * primary); no client claims that queue again, so only the background
 * worker can requeue them.  Every thread that
 * gets an error meaning the connection or the primary is gone
 * (pr_error_is_disconnect) calls pr_reconnect() until it succeeds and goes
 * on: it notes when its first failed call was and when its first call
 * after that worked.  A call that failed may or may not have been
 * committed: such pushes and completions are "unknown" and are not
 * retried.
 *
 * After LOAD_SECONDS the pushers stop and the claimers drain the queue
 * (stale jobs come back after pict_repo.job_timeout, by the background
 * worker of whichever node is the primary) for at most DRAIN_SECONDS.
 * Then, on ADMIN_CONNINFO (a superuser, same hosts), it checks:
 *   - the queue is empty: every claimed job was completed or came back and
 *     was completed;
 *   - every push that returned was completed (by a completion that
 *     returned, or by one whose result was lost), none twice: each push is
 *     there exactly once;
 *   - the background worker of the new primary requeued the lost worker's
 *     3 jobs (they are runnable again; then they are completed);
 *   - a maintenance worker runs on the primary;
 *   - the threads resumed by themselves (one call worked after the
 *     failure), and the time to recover (first failed call to first call
 *     that worked again, the longest of the threads).
 * Prints "ok - ..." / "not ok - ..." lines and "recovery_ms N".
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pict_repo_client.h"

#define MAX_JOBS 200000
#define PUSHERS 2
#define CLAIMERS 2

static const char *conninfo;
static const char *admin_conninfo;
static int64_t load_end_ms;
static int64_t drain_end_ms;
static atomic_int pushing_done;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pr_uuid pushed[MAX_JOBS];	/* pushes that returned */
static int	npushed;
static int	npush_unknown;
static pr_uuid completed[MAX_JOBS];	/* completions that returned */
static int	ncompleted;
static pr_uuid complete_unknown[MAX_JOBS];	/* completions whose result was lost */
static int	ncomplete_unknown;
static int	nnone;				/* completions of jobs no longer held */
static int	nreconnects;

typedef struct Thread
{
	pthread_t	th;
	int			n;
	pr_conn    *conn;
	int64_t		first_failure_ms;	/* -1: none yet */
	int64_t		recovered_ms;	/* first success after it, -1: none */
	char		error[1100];
} Thread;

static int	passed,
			failed;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
check(int cond, const char *fmt,...)
{
	va_list		ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	cond ? passed++ : failed++;
}

/* A call worked: the end of a failure, if one was going on. */
static void
worked(Thread *t)
{
	if (t->first_failure_ms >= 0 && t->recovered_ms < 0)
		t->recovered_ms = now_ms();
}

/*
 * A call failed.  A disconnect (the primary went away, or the node we are
 * on became a standby): reconnect until it works or the drain ends; true
 * when the thread can go on.
 */
static int
failed_call(Thread *t, const pr_error *err)
{
	pr_error	e;

	if (t->first_failure_ms < 0)
		t->first_failure_ms = now_ms();
	if (!pr_error_is_disconnect(err))
	{
		snprintf(t->error, sizeof(t->error), "%s: %s", err->sqlstate, err->message);
		return 0;
	}
	while (now_ms() < drain_end_ms)
	{
		if (pr_reconnect(t->conn, &e) == PR_OK)
		{
			pthread_mutex_lock(&mu);
			nreconnects++;
			pthread_mutex_unlock(&mu);
			return 1;
		}
		usleep(200000);
	}
	snprintf(t->error, sizeof(t->error), "no reconnect: %s: %s", e.sqlstate, e.message);
	return 0;
}

static void *
pusher(void *arg)
{
	Thread	   *t = arg;
	char		job[64];
	pr_error	err;
	pr_uuid		id;

	/* Until the end of the load, and then until a push after a failure worked. */
	for (int seq = 0; now_ms() < load_end_ms ||
		 (t->first_failure_ms >= 0 && t->recovered_ms < 0 && now_ms() < drain_end_ms); seq++)
	{
		snprintf(job, sizeof(job), "{\"p\": %d, \"seq\": %d}", t->n, seq);
		if (pr_push_job(t->conn, "ha", job, NULL, &id, &err) == PR_OK)
		{
			worked(t);
			pthread_mutex_lock(&mu);
			if (npushed < MAX_JOBS)
				pushed[npushed++] = id;
			pthread_mutex_unlock(&mu);
			continue;
		}
		pthread_mutex_lock(&mu);
		npush_unknown++;
		pthread_mutex_unlock(&mu);
		if (!failed_call(t, &err))
			return NULL;
	}
	return NULL;
}

static void *
claimer(void *arg)
{
	Thread	   *t = arg;
	pr_uuid		worker;
	pr_error	err;
	pr_job_list *jobs = NULL;
	int64_t		len;

	pr_uuid_random(&worker);
	while (now_ms() < drain_end_ms)
	{
		if (pr_claim_job(t->conn, "ha", &worker, 10, &jobs, &err) != PR_OK)
		{
			if (!failed_call(t, &err))
				return NULL;
			continue;
		}
		worked(t);
		if (jobs->n == 0)
		{
			pr_free(jobs);
			/* Drained: the pushers are done and nothing is left, not even running. */
			if (atomic_load(&pushing_done) &&
				pr_queue_length(t->conn, "ha", &len, &err) == PR_OK && len == 0)
				return NULL;
			usleep(100000);
			continue;
		}
		for (size_t i = 0; i < jobs->n; i++)
		{
			int			rc = pr_complete_job(t->conn, &jobs->rows[i].id, &worker, &err);

			pthread_mutex_lock(&mu);
			if (rc == PR_OK && ncompleted < MAX_JOBS)
				completed[ncompleted++] = jobs->rows[i].id;
			else if (rc == PR_NONE)
				nnone++;
			else if (rc == PR_ERROR && ncomplete_unknown < MAX_JOBS)
				complete_unknown[ncomplete_unknown++] = jobs->rows[i].id;
			pthread_mutex_unlock(&mu);
			if (rc == PR_ERROR)
			{
				/* The rest of the batch comes back after job_timeout. */
				if (!failed_call(t, &err))
				{
					pr_free(jobs);
					return NULL;
				}
				break;
			}
			worked(t);
		}
		pr_free(jobs);
	}
	snprintf(t->error, sizeof(t->error), "the queue was not drained in time");
	return NULL;
}

static int
cmp_uuid(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(pr_uuid));
}

static int
contains(const pr_uuid *sorted, int n, const pr_uuid *id)
{
	return bsearch(id, sorted, (size_t) n, sizeof(pr_uuid), cmp_uuid) != NULL;
}

int
main(int argc, char **argv)
{
	Thread		threads[PUSHERS + CLAIMERS];
	pr_error	err;
	pr_conn    *lost,
			   *admin;
	pr_uuid		lost_worker;
	pr_uuid		lost_ids[3];
	pr_job_list *jobs = NULL;
	int64_t		start,
				recovery = -1;
	int			missing = 0,
				twice = 0,
				resumed = 0,
				lost_done = 0;

	if (argc != 5)
	{
		fprintf(stderr, "usage: %s CONNINFO ADMIN_CONNINFO LOAD_SECONDS DRAIN_SECONDS\n", argv[0]);
		return 2;
	}
	conninfo = argv[1];
	admin_conninfo = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The lost worker: 3 jobs claimed, never completed. */
	lost = pr_connect(conninfo, &err);
	if (!lost)
	{
		fprintf(stderr, "connect: %s: %s\n", err.sqlstate, err.message);
		return 2;
	}
	for (int i = 0; i < 3; i++)
		pr_push_job(lost, "ha-lost", "{\"lost\": true}", NULL, NULL, &err);
	pr_uuid_random(&lost_worker);
	if (pr_claim_job(lost, "ha-lost", &lost_worker, 3, &jobs, &err) != PR_OK || jobs->n != 3)
	{
		fprintf(stderr, "the lost worker's claim: %s\n", err.message);
		return 2;
	}
	for (int i = 0; i < 3; i++)
		lost_ids[i] = jobs->rows[i].id;
	pr_free(jobs);
	/* Its claims are relaxed commits: make them durable before the failover. */
	PQclear(PQexec(pr_pgconn(lost), "SELECT pg_catalog.txid_current()"));
	pr_finish(lost);

	start = now_ms();
	load_end_ms = start + atoi(argv[3]) * 1000;
	drain_end_ms = load_end_ms + atoi(argv[4]) * 1000;
	for (int i = 0; i < PUSHERS + CLAIMERS; i++)
	{
		Thread	   *t = &threads[i];

		memset(t, 0, sizeof(*t));
		t->n = i;
		t->first_failure_ms = -1;
		t->recovered_ms = -1;
		t->conn = pr_connect(conninfo, &err);
		if (!t->conn)
		{
			fprintf(stderr, "connect: %s: %s\n", err.sqlstate, err.message);
			return 2;
		}
		pthread_create(&t->th, NULL, i < PUSHERS ? pusher : claimer, t);
	}
	printf("# load started\n");
	for (int i = 0; i < PUSHERS; i++)
		pthread_join(threads[i].th, NULL);
	atomic_store(&pushing_done, 1);
	printf("# pushing stopped after %.1f s; draining\n", (double) (now_ms() - start) / 1000);
	for (int i = PUSHERS; i < PUSHERS + CLAIMERS; i++)
		pthread_join(threads[i].th, NULL);
	printf("# drained after %.1f s\n", (double) (now_ms() - start) / 1000);

	for (int i = 0; i < PUSHERS + CLAIMERS; i++)
	{
		Thread	   *t = &threads[i];

		if (t->error[0])
			printf("# thread %d: %s\n", i, t->error);
		if (t->first_failure_ms >= 0 && t->recovered_ms >= 0)
		{
			resumed++;
			if (t->recovered_ms - t->first_failure_ms > recovery)
				recovery = t->recovered_ms - t->first_failure_ms;
		}
		pr_finish(t->conn);
	}
	printf("# %d pushes returned, %d pushes failed (unknown), %d completions returned, "
		   "%d completions failed (unknown), %d no longer held, %d reconnects\n",
		   npushed, npush_unknown, ncompleted, ncomplete_unknown, nnone, nreconnects);
	check(npushed > 100, "the load pushed %d jobs", npushed);
	check(resumed == PUSHERS + CLAIMERS,
		  "every thread met the failover and resumed by itself (%d of %d)",
		  resumed, PUSHERS + CLAIMERS);

	qsort(completed, (size_t) ncompleted, sizeof(pr_uuid), cmp_uuid);
	qsort(complete_unknown, (size_t) ncomplete_unknown, sizeof(pr_uuid), cmp_uuid);
	for (int i = 1; i < ncompleted; i++)
		if (memcmp(&completed[i], &completed[i - 1], sizeof(pr_uuid)) == 0)
			twice++;
	for (int i = 0; i < npushed; i++)
		if (!contains(completed, ncompleted, &pushed[i]) &&
			!contains(complete_unknown, ncomplete_unknown, &pushed[i]))
			missing++;
	check(missing == 0, "every push that returned was completed (%d missing)", missing);
	check(twice == 0, "no job was completed twice (%d)", twice);

	admin = pr_connect(admin_conninfo, &err);
	if (!admin)
	{
		check(0, "admin connection: %s", err.message);
		return 1;
	}
	/* Only the new primary's background worker requeues queue ha-lost. */
	{
		int64_t		until = now_ms() + 60000;
		pr_uuid		w;

		while (now_ms() < until)
		{
			PGresult   *r = PQexec(pr_pgconn(admin),
								   "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'ha-lost'"
								   " AND status = 'new' AND worker IS NULL");

			lost_done = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : -1;
			PQclear(r);
			if (lost_done == 3)
				break;
			usleep(200000);
		}
		check(lost_done == 3,
			  "the new primary's background worker requeued the lost worker's 3 jobs (%d)", lost_done);
		pr_uuid_random(&w);
		lost_done = 0;
		if (pr_claim_job(admin, "ha-lost", &w, 3, &jobs, &err) == PR_OK)
		{
			for (size_t i = 0; i < jobs->n; i++)
				for (int k = 0; k < 3; k++)
					if (memcmp(&jobs->rows[i].id, &lost_ids[k], sizeof(pr_uuid)) == 0 &&
						pr_complete_job(admin, &jobs->rows[i].id, &w, &err) == PR_OK)
						lost_done++;
			pr_free(jobs);
		}
		check(lost_done == 3, "and they are claimed and completed (%d)", lost_done);
	}
	{
		PGresult   *r = PQexec(pr_pgconn(admin),
							   "SELECT (SELECT count(*) FROM pict_repo.job_queue WHERE queue LIKE 'ha%'),"
							   " (SELECT count(*) FROM pict_repo.dead_jobs WHERE queue LIKE 'ha%'),"
							   " (SELECT count(*) FROM pg_catalog.pg_stat_activity"
							   "   WHERE backend_type = 'pict_repo maintenance'),"
							   " pg_catalog.inet_server_port()");

		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		{
			check(strcmp(PQgetvalue(r, 0, 0), "0") == 0 && strcmp(PQgetvalue(r, 0, 1), "0") == 0,
				  "the queue is empty and nothing is dead: every claimed job was completed or came back (%s left)",
				  PQgetvalue(r, 0, 0));
			check(strcmp(PQgetvalue(r, 0, 2), "1") == 0,
				  "the maintenance worker runs on the primary (port %s)", PQgetvalue(r, 0, 3));
		}
		else
			check(0, "admin query: %s", PQerrorMessage(pr_pgconn(admin)));
		PQclear(r);
	}
	pr_finish(admin);
	printf("recovery_ms %lld\n", (long long) recovery);
	printf("# %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
