/*-------------------------------------------------------------------------
 *
 * worker.c
 *		libpictrepo: the worker loop (claim, run the handler, heartbeat,
 *		complete or fail, wait with LISTEN when idle).
 *
 * The handler runs in the caller's thread on the caller's connection.
 * Heartbeats come from a helper thread with a second connection (opened
 * with the same conninfo at its first heartbeat, so a worker whose jobs
 * finish within an interval never opens it) that wakes every heartbeat
 * interval and calls
 * heartbeat_job for each job of the current batch not yet finished; the
 * job list is shared under a mutex, and the thread waits on a condition
 * variable, so stopping it is immediate.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pr_internal.h"

#define DEFAULT_HEARTBEAT_MS 30000

/* A job of the current batch as the heartbeat thread sees it. */
typedef struct HbJob
{
	pr_uuid		id;
	bool		active;			/* claimed and not yet finished */
	bool		lost;			/* heartbeat_job said it is no longer ours */
} HbJob;

typedef struct Heartbeat
{
	pthread_t	thread;
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	bool		quit;
	pr_conn    *conn;			/* the thread's own connection, NULL until needed */
	char	   *conninfo;		/* the worker's, for opening it */
	int			pooling;
	int			interval_ms;
	pr_uuid		worker;
	HbJob	   *jobs;
	size_t		njobs;
	size_t		maxjobs;
	int			failures;		/* heartbeat calls that failed with an error */
} Heartbeat;

struct pr_job_ctx
{
	pr_conn    *conn;
	Heartbeat  *hb;				/* NULL without a heartbeat thread */
	size_t		slot;			/* this job's index in hb->jobs */
	const pr_job *job;
	pr_uuid		worker;
	pr_stop    *stop;
	bool		lost;			/* set by pr_job_heartbeat */
	char		error[2048];
	int64_t		retry_in;
	bool		finished;		/* the handler completed or failed the job */
	bool		finish_failed;	/* ... and that call failed: finish_err */
	pr_error	finish_err;
};

/* ---- the heartbeat thread ---------------------------------------------------------- */

static void *
heartbeat_main(void *arg)
{
	Heartbeat  *hb = arg;
	pr_uuid    *ids = NULL;
	size_t	   *slots = NULL;
	size_t		cap = 0;

	pthread_mutex_lock(&hb->mutex);
	while (!hb->quit)
	{
		struct timespec until;
		size_t		n = 0;
		int			rc = 0;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += hb->interval_ms / 1000;
		until.tv_nsec += (long) (hb->interval_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000)
		{
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		while (!hb->quit && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&hb->cond, &hb->mutex, &until);
		if (hb->quit)
			break;

		/* Copy the live jobs, then heartbeat without holding the lock. */
		if (cap < hb->njobs)
		{
			pr_uuid    *ni = realloc(ids, hb->njobs * sizeof(*ids));
			size_t	   *ns;

			if (ni)
				ids = ni;
			ns = realloc(slots, hb->njobs * sizeof(*slots));
			if (ns)
				slots = ns;
			if (ni && ns)
				cap = hb->njobs;
		}
		for (size_t i = 0; i < hb->njobs && i < cap; i++)
			if (hb->jobs[i].active && !hb->jobs[i].lost)
			{
				ids[n] = hb->jobs[i].id;
				slots[n++] = i;
			}
		pthread_mutex_unlock(&hb->mutex);

		/*
		 * The connection is opened for the first heartbeat: a worker whose
		 * jobs all finish within an interval never needs it.  A failure to
		 * connect counts as a failed heartbeat of each job, tried again at
		 * the next interval.
		 */
		if (n > 0 && !hb->conn)
		{
			pr_error	e;

			hb->conn = pri_connect(hb->conninfo, hb->pooling, &e);
		}
		for (size_t i = 0; i < n; i++)
		{
			pr_error	e;
			int			r = hb->conn ? pr_heartbeat_job(hb->conn, &ids[i], &hb->worker, &e)
				: PR_ERROR;

			pthread_mutex_lock(&hb->mutex);
			if (r == PR_NONE && slots[i] < hb->njobs &&
				memcmp(&hb->jobs[slots[i]].id, &ids[i], sizeof(pr_uuid)) == 0)
				hb->jobs[slots[i]].lost = true;
			if (r == PR_ERROR)
				hb->failures++;
			pthread_mutex_unlock(&hb->mutex);
		}
		pthread_mutex_lock(&hb->mutex);
	}
	pthread_mutex_unlock(&hb->mutex);
	free(ids);
	free(slots);
	return NULL;
}

static Heartbeat *
heartbeat_start(pr_conn *conn, const pr_uuid *worker, int interval_ms, pr_error *err)
{
	Heartbeat  *hb = calloc(1, sizeof(*hb));
	pthread_condattr_t attr;

	if (!hb)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return NULL;
	}
	hb->conninfo = strdup(conn->conninfo ? conn->conninfo : "");
	if (!hb->conninfo)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		free(hb);
		return NULL;
	}
	hb->pooling = conn->pooling;
	hb->interval_ms = interval_ms;
	hb->worker = *worker;
	pthread_mutex_init(&hb->mutex, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&hb->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&hb->thread, NULL, heartbeat_main, hb) != 0)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "cannot start the heartbeat thread");
		pthread_cond_destroy(&hb->cond);
		pthread_mutex_destroy(&hb->mutex);
		free(hb->conninfo);
		free(hb);
		return NULL;
	}
	return hb;
}

static void
heartbeat_stop(Heartbeat *hb)
{
	if (!hb)
		return;
	pthread_mutex_lock(&hb->mutex);
	hb->quit = true;
	pthread_cond_signal(&hb->cond);
	pthread_mutex_unlock(&hb->mutex);
	pthread_join(hb->thread, NULL);
	pthread_cond_destroy(&hb->cond);
	pthread_mutex_destroy(&hb->mutex);
	pr_finish(hb->conn);
	free(hb->conninfo);
	free(hb->jobs);
	free(hb);
}

/* Give the heartbeat thread a new batch, every job active (NULL: none). */
static int
heartbeat_set_batch(Heartbeat *hb, const pr_job_list *jobs, pr_error *err)
{
	int			rc = PR_OK;

	if (!hb)
		return PR_OK;
	pthread_mutex_lock(&hb->mutex);
	if (!jobs)
		hb->njobs = 0;			/* none: the batch is finished */
	else if (hb->maxjobs < jobs->n)
	{
		HbJob	   *n = realloc(hb->jobs, jobs->n * sizeof(*n));

		if (!n)
		{
			pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
			rc = PR_ERROR;
		}
		else
		{
			hb->jobs = n;
			hb->maxjobs = jobs->n;
		}
	}
	if (rc == PR_OK && jobs)
	{
		for (size_t i = 0; i < jobs->n; i++)
		{
			hb->jobs[i].id = jobs->rows[i].id;
			hb->jobs[i].active = true;
			hb->jobs[i].lost = false;
		}
		hb->njobs = jobs->n;
	}
	pthread_mutex_unlock(&hb->mutex);
	return rc;
}

/* Mark a job finished; returns whether a heartbeat found it lost. */
static bool
heartbeat_finish(Heartbeat *hb, size_t slot)
{
	bool		lost = false;

	if (!hb)
		return false;
	pthread_mutex_lock(&hb->mutex);
	if (slot < hb->njobs)
	{
		hb->jobs[slot].active = false;
		lost = hb->jobs[slot].lost;
	}
	pthread_mutex_unlock(&hb->mutex);
	return lost;
}

/* ---- for the handler ---------------------------------------------------------------- */

/* Mark the job finished by the handler's own call, which returned rc. */
static int
FinishedBy(pr_job_ctx *ctx, int rc, pr_error *err)
{
	ctx->finished = true;
	ctx->finish_failed = rc == PR_ERROR;
	if (err)
		*err = ctx->finish_err;
	return rc;
}

/* Set the error text fail_job will record. */
void
pr_job_set_error(pr_job_ctx *ctx, const char *fmt,...)
{
	va_list		ap;

	if (!ctx)
		return;
	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
}

void
pr_job_set_retry_in(pr_job_ctx *ctx, int64_t retry_in)
{
	if (ctx)
		ctx->retry_in = retry_in;
}

/* True once a heartbeat found that the job is no longer held by this worker. */
bool
pr_job_lost(pr_job_ctx *ctx)
{
	bool		lost;

	if (!ctx)
		return false;
	lost = ctx->lost;
	if (ctx->hb)
	{
		pthread_mutex_lock(&ctx->hb->mutex);
		if (ctx->slot < ctx->hb->njobs && ctx->hb->jobs[ctx->slot].lost)
			lost = true;
		pthread_mutex_unlock(&ctx->hb->mutex);
	}
	return lost;
}

bool
pr_job_stop_requested(pr_job_ctx *ctx)
{
	return ctx && pr_stop_requested(ctx->stop);
}

/* Heartbeat the job from the handler, on the worker's connection. */
int
pr_job_heartbeat(pr_job_ctx *ctx, pr_error *err)
{
	int			rc;

	if (!ctx)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "job context is NULL");
		return PR_ERROR;
	}
	rc = pr_heartbeat_job(ctx->conn, &ctx->job->id, &ctx->worker, err);
	if (rc == PR_NONE)
		ctx->lost = true;
	return rc;
}

/*
 * Complete the job now, from the handler, and learn whether that reached
 * it: PR_OK completed, PR_NONE no longer held by this worker (requeued,
 * cancelled), PR_ERROR the call failed (*err; the loop then returns
 * PR_ERROR with it).  The loop leaves a job finished this way alone.
 */
int
pr_job_complete(pr_job_ctx *ctx, pr_error *err)
{
	int			rc;

	if (!ctx || ctx->finished)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT,
					  ctx ? "the job is already finished" : "job context is NULL");
		return PR_ERROR;
	}
	rc = pr_complete_job(ctx->conn, &ctx->job->id, &ctx->worker, &ctx->finish_err);
	return FinishedBy(ctx, rc, err);
}

/*
 * Fail the job now, from the handler, with the error text and retry_in set
 * by pr_job_set_error and pr_job_set_retry_in: PR_OK with *outcome retry or
 * dead, PR_NONE no longer held, PR_ERROR as pr_job_complete.
 */
int
pr_job_fail(pr_job_ctx *ctx, pr_fail_outcome *outcome, pr_error *err)
{
	int			rc;

	if (outcome)
		*outcome = PR_FAIL_NOT_HELD;
	if (!ctx || ctx->finished)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT,
					  ctx ? "the job is already finished" : "job context is NULL");
		return PR_ERROR;
	}
	rc = pr_fail_job(ctx->conn, &ctx->job->id, &ctx->worker,
					 ctx->error[0] ? ctx->error : "job handler failed",
					 ctx->retry_in, outcome, &ctx->finish_err);
	return FinishedBy(ctx, rc, err);
}

pr_conn *
pr_job_conn(pr_job_ctx *ctx)
{
	return ctx ? ctx->conn : NULL;
}

const pr_uuid *
pr_job_worker(pr_job_ctx *ctx)
{
	return ctx ? &ctx->worker : NULL;
}

/* ---- the loop ------------------------------------------------------------------------ */

/* Hand back claimed jobs that were not started: fail them for an immediate retry. */
static int
hand_back(pr_conn *conn, const pr_job_list *jobs, size_t from, const pr_uuid *worker,
		  pr_error *err)
{
	for (size_t i = from; i < jobs->n; i++)
		if (pr_fail_job(conn, &jobs->rows[i].id, worker,
						"worker stopped before running the job", 0, NULL,
						err) == PR_ERROR)
			return PR_ERROR;
	return PR_OK;
}

/* Whether the server has complete_and_claim_jobs (1.4 and later). */
static bool
server_completes_batches(const pr_conn *conn)
{
	const char *v = pr_server_version(conn);
	char	   *end;
	long		major,
				minor = 0;

	if (!v)
		return false;
	major = strtol(v, &end, 10);
	if (*end == '.')
		minor = strtol(end + 1, NULL, 10);
	return major > 1 || (major == 1 && minor >= 4);
}

/*
 * Complete the n jobs of done, and with queue claim the next batch into
 * *next (NULL queue: no claim): one call of complete_and_claim_jobs, or
 * with a server before 1.4 complete_job per job and claim_job.
 */
static int
finish_batch(pr_conn *conn, const pr_uuid *done, size_t n, const pr_uuid *worker,
			 const char *queue, int batch, pr_job_list **next, pr_error *err)
{
	if (server_completes_batches(conn))
	{
		pr_job_list *got = NULL;
		int			rc;

		if (!queue && n == 0)
			return PR_OK;
		if (!queue)
			return pr_complete_jobs(conn, done, n, worker, NULL, err) == PR_ERROR
				? PR_ERROR : PR_OK;
		rc = pr_complete_and_claim_jobs(conn, done, n, worker, queue, batch, &got, err);
		*next = got;
		return rc == PR_ERROR ? PR_ERROR : PR_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (pr_complete_job(conn, &done[i], worker, err) == PR_ERROR)
			return PR_ERROR;
	return queue ? pr_claim_job(conn, queue, worker, batch, next, err) : PR_OK;
}

/* Whether the loop is to end: stopped, or max_jobs run. */
static bool
loop_over(const pr_worker_options *opts, int64_t done)
{
	return pr_stop_requested(opts->stop) ||
		(opts->max_jobs > 0 && done >= opts->max_jobs);
}

/*
 * Claim, run, heartbeat, complete or fail, until stopped.  The jobs of a
 * batch whose handler returned 0 are completed together after the batch,
 * in the same call that claims the next one (complete_and_claim_jobs): one
 * commit and one round trip per batch.  Until then the heartbeat thread
 * keeps beating for them.
 */
int
pr_worker_run(pr_conn *conn, const char *queue, const pr_worker_options *opts,
			  pr_error *err)
{
	pr_uuid		worker;
	int			batch;
	int			interval;
	Heartbeat  *hb = NULL;
	pr_job_list *jobs = NULL;
	pr_uuid    *done_ids = NULL;
	size_t		ndone = 0;
	int64_t		done = 0;
	int			rc = PR_OK;

	pr_error_clear(err);
	if (!conn || !opts || !opts->handler)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT,
					 "connection, options and handler must not be NULL");
		return PR_ERROR;
	}
	batch = opts->batch_size > 0 ? opts->batch_size : 1;
	interval = opts->heartbeat_interval_ms == 0 ? DEFAULT_HEARTBEAT_MS
		: opts->heartbeat_interval_ms;
	worker = opts->worker;
	if (pr_uuid_is_nil(&worker) && pr_uuid_random(&worker) != 0)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "cannot make a worker id");
		return PR_ERROR;
	}
	if (!(done_ids = malloc((size_t) batch * sizeof(*done_ids))))
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return PR_ERROR;
	}
	if (interval > 0 && !(hb = heartbeat_start(conn, &worker, interval, err)))
	{
		free(done_ids);
		return PR_ERROR;
	}

	if (!loop_over(opts, done) &&
		pr_claim_job(conn, queue, &worker, batch, &jobs, err) != PR_OK)
		rc = PR_ERROR;
	while (rc == PR_OK && !loop_over(opts, done))
	{
		size_t		i;

		if (jobs->n == 0)
		{
			free(jobs);
			jobs = NULL;
			if (opts->exit_when_idle)
				break;
			rc = pr_wait_for_job(conn, queue, &worker, batch, -1, opts->stop,
								 &jobs, err);
			if (rc == PR_ERROR)
				break;
			rc = PR_OK;
			if (!jobs)
				break;			/* stopped */
			continue;
		}
		if (heartbeat_set_batch(hb, jobs, err) != PR_OK)
		{
			rc = PR_ERROR;
			break;
		}

		ndone = 0;
		for (i = 0; i < jobs->n && !loop_over(opts, done); i++)
		{
			pr_job_ctx	ctx;
			int			hrc;

			memset(&ctx, 0, sizeof(ctx));
			ctx.conn = conn;
			ctx.hb = hb;
			ctx.slot = i;
			ctx.job = &jobs->rows[i];
			ctx.worker = worker;
			ctx.stop = opts->stop;
			ctx.retry_in = opts->retry_in == 0 ? PR_NO_INTERVAL : opts->retry_in;

			hrc = opts->handler(&ctx, &jobs->rows[i], opts->user_data);
			done++;
			if (ctx.finish_failed)
			{
				/* The handler's own completion failed, as ours would have. */
				if (err)
					*err = ctx.finish_err;
				rc = PR_ERROR;
				break;
			}
			if (ctx.finished || pr_job_lost(&ctx))
			{
				/* Finished by the handler, or no longer ours: leave it alone. */
				(void) heartbeat_finish(hb, i);
				continue;
			}
			if (hrc == 0)
			{
				done_ids[ndone++] = jobs->rows[i].id;	/* heartbeats go on */
				continue;
			}
			(void) heartbeat_finish(hb, i);
			if (pr_fail_job(conn, &jobs->rows[i].id, &worker,
							ctx.error[0] ? ctx.error : "job handler failed",
							ctx.retry_in, NULL, err) == PR_ERROR)
			{
				rc = PR_ERROR;
				break;
			}
		}
		if (rc == PR_ERROR)
			break;
		if (i < jobs->n || loop_over(opts, done))
		{
			/* Stopped: complete what ran, hand back what did not. */
			if (finish_batch(conn, done_ids, ndone, &worker, NULL, batch, NULL,
							 err) != PR_OK)
				rc = PR_ERROR;
			else
			{
				ndone = 0;
				if (hand_back(conn, jobs, i, &worker, err) != PR_OK)
					rc = PR_ERROR;
			}
			break;
		}
		{
			pr_job_list *next = NULL;

			rc = finish_batch(conn, done_ids, ndone, &worker, queue, batch, &next, err);
			if (rc == PR_OK)
				ndone = 0;
			free(jobs);
			jobs = next;
			(void) heartbeat_set_batch(hb, NULL, NULL);
		}
	}
	if (rc == PR_OK && jobs && jobs->n > 0 && loop_over(opts, done))
	{
		/* A batch claimed after the last job of the one before. */
		if (hand_back(conn, jobs, 0, &worker, err) != PR_OK)
			rc = PR_ERROR;
	}
	else if (rc == PR_ERROR && ndone > 0)
	{
		/* Whatever failed, try to record the jobs that did run. */
		pr_error	ignored;

		(void) pr_complete_jobs(conn, done_ids, ndone, &worker, NULL, &ignored);
	}
	free(jobs);
	free(done_ids);
	heartbeat_stop(hb);
	return rc;
}
