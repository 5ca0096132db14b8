/*-------------------------------------------------------------------------
 *
 * queue_admin.c
 *		Looking after the job queue: requeueing stale jobs, dead letters,
 *		cancelling, and the queue's figures.
 *
 * How each figure of queue_stats() is obtained:
 *  - pending, scheduled, running: counted from job_queue, which holds only
 *    live jobs (a finished job is deleted), exact as of the snapshot.
 *    Keeping them as counters would make every push and claim update a
 *    shared row.
 *  - dead: counted from dead_jobs' (queue, died_at) index, exact.
 *
 * Dead jobs are listed (list_dead_jobs) oldest job first, in keyset pages
 * on the id: ids are UUIDv7, so their order is the order of the pushes.
 *  - completed, failed, avg_wait, avg_run: summed from queue_stats over the
 *    last 24 hours (whole minutes, UTC), exact: each failed attempt adds to
 *    its backend's shard row in its own transaction, and so does each
 *    completion, or it counts in shared memory until a maintenance pass
 *    writes it (shared_stats.c), and the sum adds what shared memory holds.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "queue.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

static PrPlan requeue_plan;
static PrPlan retry_dead_plan;
static PrPlan cancel_plan;
static PrPlan length_plan;
static PrPlan length_all_plan;
static PrPlan stats_plan;
static PrPlan stats_shared_plan;
static PrPlan average_plan;
static PrPlan average_shared_plan;
static PrPlan dead_all_first_plan;
static PrPlan dead_all_next_plan;
static PrPlan dead_queue_first_plan;
static PrPlan dead_queue_next_plan;

/*
 * Put running jobs whose heartbeat is older than timeout (NULL: the
 * pict_repo.job_timeout setting) back to new, or into dead_jobs when they
 * have used their attempts; each counts as a failed attempt.  Tells the
 * queues that got runnable jobs back.  Jobs whose row is locked (a worker is
 * heartbeating or finishing them right now) are left for the next pass.
 */
void
PrRequeueStale(Datum timeout, int *requeued, int *dead)
{
	PrRequeueStaleQueue(timeout, (Datum) 0, requeued, dead);
}

/* PrRequeueStale for the jobs of one queue only (queue 0: every queue). */
void
PrRequeueStaleQueue(Datum timeout, Datum queue, int *requeued, int *dead)
{
	static const Oid argtypes[] = {INTERVALOID, INT2OID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', queue == (Datum) 0 ? 'n' : ' '};
	int			n;

	values[0] = timeout != (Datum) 0 ? timeout : SecondsInterval(pict_repo_job_timeout);
	values[1] = Int16GetDatum(PR_STATS_SHARD());
	values[2] = queue;
	*requeued = 0;
	*dead = 0;

	PrConnect();
	n = PrExec(&requeue_plan,
			   "WITH s AS ("
			   "  SELECT id, queue, attempts >= max_attempts AS dead"
			   "  FROM " PR_SCHEMA ".job_queue"
			   "  WHERE status = 'running' AND heartbeat < pg_catalog.now() - $1"
			   "    AND ($3::text IS NULL OR queue = $3)"
			   "  FOR UPDATE SKIP LOCKED), "
			   "r AS ("
			   "  UPDATE " PR_SCHEMA ".job_queue j"
			   "  SET status = 'new', worker = NULL, heartbeat = NULL,"
			   "      run_at = pg_catalog.now(), last_error = 'no heartbeat for ' || $1"
			   "  WHERE j.id = ANY (ARRAY(SELECT id FROM s WHERE NOT dead))), "
			   "d AS ("
			   "  DELETE FROM " PR_SCHEMA ".job_queue j"
			   "  WHERE j.id = ANY (ARRAY(SELECT id FROM s WHERE dead))"
			   "  RETURNING j.*), "
			   "i AS (" PR_DEAD_LETTER("d", "'no heartbeat for ' || $1") "), "
			   "st AS (" PR_STATS_UPSERT("$2", "failed", "pg_catalog.count(*)",
										 "s GROUP BY queue", PR_STATS_ADD_FAILED) ") "
			   "SELECT queue,"
			   "       pg_catalog.count(*) FILTER (WHERE NOT dead)::integer,"
			   "       pg_catalog.count(*) FILTER (WHERE dead)::integer "
			   "FROM s GROUP BY queue",
			   3, argtypes, values, nulls, false, 0, SPI_OK_SELECT);
	for (int row = 0; row < n; row++)
	{
		bool		isnull;
		int			r = DatumGetInt32(PrGetDatum(row, 2, &isnull));

		*requeued += r;
		*dead += DatumGetInt32(PrGetDatum(row, 3, &isnull));
		if (r > 0)
			PrNotifyQueue(PrGetDatum(row, 1, &isnull));
	}
	PrFinish();
}

/*
 * Requeue running jobs without a heartbeat for longer than timeout (NULL:
 * pict_repo.job_timeout); returns how many were requeued or dead-lettered.
 */
PG_FUNCTION_INFO_V1(pict_repo_requeue_stale);
Datum
pict_repo_requeue_stale(PG_FUNCTION_ARGS)
{
	Datum		timeout;
	int			requeued;
	int			dead;

	PrRequireWritable();
	timeout = PrIntervalArgOpt(fcinfo, 0, "timeout");

	PrRequeueStale(timeout, &requeued, &dead);
	PG_RETURN_INT32(requeued + dead);
}

/*
 * Put a dead job back into its queue with fresh attempts.  False if it is
 * not in dead_jobs, or if its unique key is taken by a job pushed since (it
 * then stays dead).
 */
PG_FUNCTION_INFO_V1(pict_repo_retry_dead_job);
Datum
pict_repo_retry_dead_job(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {UUIDOID};
	Datum		values[1];
	Datum		queue = (Datum) 0;
	bool		isnull;
	int			n;

	PrRequireWritable();

	PrRequireArg(fcinfo, 0, "id");
	values[0] = PG_GETARG_DATUM(0);

	PrConnect();
	/* The dead row goes only if the job made it into the queue. */
	n = PrExec(&retry_dead_plan,
			   "WITH d AS ("
			   "  SELECT * FROM " PR_SCHEMA ".dead_jobs WHERE id = $1 FOR UPDATE), "
			   "i AS ("
			   "  INSERT INTO " PR_SCHEMA ".job_queue"
			   "    (id, queue, job, priority, max_attempts, unique_key, last_error)"
			   "  SELECT id, queue, job, priority, max_attempts, unique_key, last_error"
			   "  FROM d"
			   "  ON CONFLICT DO NOTHING"
			   "  RETURNING id, queue), "
			   "x AS ("
			   "  DELETE FROM " PR_SCHEMA ".dead_jobs t"
			   "  WHERE t.id = ANY (ARRAY(SELECT id FROM i))) "
			   "SELECT queue FROM i",
			   1, argtypes, values, NULL, false, 0, SPI_OK_SELECT);
	if (n > 0)
		queue = PrCopyResult(0, 1, &isnull);
	PrFinish();
	if (n > 0)
		PrNotifyQueue(queue);
	PG_RETURN_BOOL(n > 0);
}

/*
 * Remove a job, waiting, running (its worker's next call is told false) or
 * dead.  False if there is no such job.
 */
PG_FUNCTION_INFO_V1(pict_repo_cancel_job);
Datum
pict_repo_cancel_job(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {UUIDOID};
	Datum		values[1];
	bool		isnull;
	int64		n;

	PrRequireWritable();

	PrRequireArg(fcinfo, 0, "id");
	values[0] = PG_GETARG_DATUM(0);

	PrConnect();
	PrExec(&cancel_plan,
		   "WITH a AS (DELETE FROM " PR_SCHEMA ".job_queue WHERE id = $1 RETURNING 1), "
		   "b AS (DELETE FROM " PR_SCHEMA ".dead_jobs WHERE id = $1 RETURNING 1) "
		   "SELECT (SELECT pg_catalog.count(*) FROM a) + (SELECT pg_catalog.count(*) FROM b)",
		   1, argtypes, values, NULL, false, 0, SPI_OK_SELECT);
	n = DatumGetInt64(PrGetDatum(0, 1, &isnull));
	PrFinish();
	PG_RETURN_BOOL(n > 0);
}

/*
 * Return the number of jobs waiting or running in a queue (NULL: in all
 * queues); dead jobs are not counted.
 */
PG_FUNCTION_INFO_V1(pict_repo_queue_length);
Datum
pict_repo_queue_length(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {TEXTOID};
	Datum		values[1];
	text	   *queue = PrTextArgOpt(fcinfo, 0, "queue", 1, PR_QUEUE_MAX);
	bool		isnull;
	int64		n;

	values[0] = PointerGetDatum(queue);

	PrConnect();
	if (queue != NULL)
		/* Each half is read through its partial index. */
		PrExec(&length_plan,
			   "SELECT (SELECT pg_catalog.count(*) FROM " PR_SCHEMA ".job_queue"
			   "        WHERE queue = $1 AND status = 'new')"
			   "     + (SELECT pg_catalog.count(*) FROM " PR_SCHEMA ".job_queue"
			   "        WHERE queue = $1 AND status = 'running')",
			   1, argtypes, values, NULL, true, 0, SPI_OK_SELECT);
	else
		PrExec(&length_all_plan,
			   "SELECT pg_catalog.count(*) FROM " PR_SCHEMA ".job_queue",
			   0, NULL, NULL, NULL, true, 0, SPI_OK_SELECT);
	n = DatumGetInt64(PrGetDatum(0, 1, &isnull));
	PrFinish();
	PG_RETURN_INT64(n);
}

/*
 * Return one row per queue with live, dead or recently finished jobs: jobs
 * pending (runnable now), scheduled (run_at in the future), running, dead,
 * and over the last 24 hours the attempts completed and failed and the
 * average wait (push to start of the completing attempt) and run time.
 */
/*
 * Where the readers sum completions from: queue_stats alone, or with the
 * counts in shared memory not yet written to it (shared_stats.c).
 */
#define STATS_TABLE PR_SCHEMA ".queue_stats"
#define STATS_WITH_SHARED "(SELECT queue, minute, completed, failed, wait_time, run_time" \
	" FROM " PR_SCHEMA ".queue_stats" \
	" UNION ALL SELECT queue, minute, completed, 0, wait_time, run_time" \
	" FROM " PR_SCHEMA ".unflushed_queue_stats()) s"

#define STATS_QUERY(source) \
	"WITH cur AS (" \
	"  SELECT queue," \
	"    pg_catalog.count(*) FILTER (WHERE status = 'new'" \
	"                         AND run_at <= pg_catalog.now()) AS pending," \
	"    pg_catalog.count(*) FILTER (WHERE status = 'new'" \
	"                         AND run_at > pg_catalog.now()) AS scheduled," \
	"    pg_catalog.count(*) FILTER (WHERE status = 'running') AS running" \
	"  FROM " PR_SCHEMA ".job_queue GROUP BY queue), " \
	"dd AS (" \
	"  SELECT queue, pg_catalog.count(*) AS dead" \
	"  FROM " PR_SCHEMA ".dead_jobs GROUP BY queue), " \
	"st AS (" \
	"  SELECT queue, pg_catalog.sum(completed)::bigint AS completed," \
	"    pg_catalog.sum(failed)::bigint AS failed," \
	"    pg_catalog.sum(wait_time)" \
	"      / NULLIF(pg_catalog.sum(completed), 0)::float8 AS avg_wait," \
	"    pg_catalog.sum(run_time)" \
	"      / NULLIF(pg_catalog.sum(completed), 0)::float8 AS avg_run" \
	"  FROM " source \
	"  WHERE minute >= pg_catalog.date_trunc('minute', pg_catalog.now(), 'UTC')" \
	"                  - interval '24 hours'" \
	"  GROUP BY queue), " \
	"q AS (SELECT queue FROM cur UNION SELECT queue FROM dd" \
	"      UNION SELECT queue FROM st) " \
	"SELECT q.queue, COALESCE(cur.pending, 0), COALESCE(cur.scheduled, 0)," \
	"       COALESCE(cur.running, 0), COALESCE(dd.dead, 0)," \
	"       COALESCE(st.completed, 0), COALESCE(st.failed, 0)," \
	"       st.avg_wait, st.avg_run " \
	"FROM q LEFT JOIN cur ON cur.queue = q.queue" \
	"       LEFT JOIN dd ON dd.queue = q.queue" \
	"       LEFT JOIN st ON st.queue = q.queue " \
	"ORDER BY q.queue"

/*
 * Return one row per queue with live, dead or recently finished jobs: jobs
 * pending (runnable now), scheduled (run_at in the future), running, dead,
 * and over the last 24 hours the attempts completed and failed and the
 * average wait (push to start of the completing attempt) and run time.
 */
PG_FUNCTION_INFO_V1(pict_repo_queue_stats);
Datum
pict_repo_queue_stats(PG_FUNCTION_ARGS)
{
	PrMaterialize(fcinfo);
	PrConnect();
	if (PrSharedStatsReadable())
		PrExec(&stats_shared_plan, STATS_QUERY(STATS_WITH_SHARED),
			   0, NULL, NULL, NULL, true, 0, SPI_OK_SELECT);
	else
		PrExec(&stats_plan, STATS_QUERY(STATS_TABLE),
			   0, NULL, NULL, NULL, true, 0, SPI_OK_SELECT);
	PrPutRows(fcinfo);
	PrFinish();
	PG_RETURN_NULL();
}

#define AVERAGE_QUERY(source) \
	"SELECT (pg_catalog.sum(wait_time) + pg_catalog.sum(run_time))" \
	"       / NULLIF(pg_catalog.sum(completed), 0)::float8 " \
	"FROM " source " " \
	"WHERE ($1::text IS NULL OR queue = $1)" \
	"  AND minute >= pg_catalog.date_trunc('minute', $2, 'UTC')" \
	"  AND minute < $3"

/*
 * Return the average time from push to completion of the jobs of a queue
 * (NULL: of every queue) completed in the minutes (UTC) from since's minute
 * up to until; NULL if none.
 */
PG_FUNCTION_INFO_V1(pict_repo_average_time_to_completion);
Datum
pict_repo_average_time_to_completion(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[3];

	text	   *queue = PrTextArgOpt(fcinfo, 0, "queue", 1, PR_QUEUE_MAX);
	char		nulls[3] = {queue == NULL ? 'n' : ' ', ' ', ' '};

	values[0] = PointerGetDatum(queue);
	PrRequireArg(fcinfo, 1, "since");
	PrRequireArg(fcinfo, 2, "until");
	values[1] = PG_GETARG_DATUM(1);
	values[2] = PG_GETARG_DATUM(2);
	if (PG_GETARG_TIMESTAMPTZ(2) < PG_GETARG_TIMESTAMPTZ(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("until must not be before since")));

	if (PrSharedStatsReadable())
		return PrLookup(fcinfo, &average_shared_plan, AVERAGE_QUERY(STATS_WITH_SHARED),
						3, argtypes, values, nulls);
	return PrLookup(fcinfo, &average_plan, AVERAGE_QUERY(STATS_TABLE),
					3, argtypes, values, nulls);
}

/* The columns of list_dead_jobs, in its result's order. */
#define DEAD_JOB_COLUMNS "id, queue, job, attempts, last_error, died_at"

/*
 * Return up to lim dead jobs (of from_queue, or of every queue when it is
 * NULL), oldest job first by id, strictly after after_id when it is given.
 * Each page walks an index in id order and stops after lim rows (the
 * primary key, or (queue, id) for one queue): no page reads and sorts all
 * the dead jobs of its queue.
 */
PG_FUNCTION_INFO_V1(pict_repo_list_dead_jobs);
Datum
pict_repo_list_dead_jobs(PG_FUNCTION_ARGS)
{
	static const Oid types[] = {INT4OID, TEXTOID, UUIDOID};
	Datum		values[3];
	text	   *queue = PrTextArgOpt(fcinfo, 0, "from_queue", 1, PR_QUEUE_MAX);
	bool		after = !PG_ARGISNULL(2);

	values[0] = Int32GetDatum(PrIntArg(fcinfo, 1, "lim", 1, PR_LIM_MAX));
	values[1] = PointerGetDatum(queue);
	values[2] = after ? PG_GETARG_DATUM(2) : (Datum) 0;

	if (queue != NULL && after)
		return PrReturnOrderedRows(fcinfo, &dead_queue_next_plan,
							"SELECT " DEAD_JOB_COLUMNS " FROM " PR_SCHEMA ".dead_jobs "
							"WHERE queue = $2 AND id > $3 ORDER BY id LIMIT $1",
							3, types, values, NULL);
	if (queue != NULL)
		return PrReturnOrderedRows(fcinfo, &dead_queue_first_plan,
							"SELECT " DEAD_JOB_COLUMNS " FROM " PR_SCHEMA ".dead_jobs "
							"WHERE queue = $2 ORDER BY id LIMIT $1",
							2, types, values, NULL);
	/* $2, the queue, is NULL and unused: every queue. */
	if (after)
		return PrReturnOrderedRows(fcinfo, &dead_all_next_plan,
							"SELECT " DEAD_JOB_COLUMNS " FROM " PR_SCHEMA ".dead_jobs "
							"WHERE id > $3 ORDER BY id LIMIT $1",
							3, types, values, " n ");
	return PrReturnOrderedRows(fcinfo, &dead_all_first_plan,
						"SELECT " DEAD_JOB_COLUMNS " FROM " PR_SCHEMA ".dead_jobs "
						"ORDER BY id LIMIT $1",
						1, types, values, NULL);
}
