/*-------------------------------------------------------------------------
 *
 * queue.c
 *		The job queue's hot path: pushing, claiming, heartbeating,
 *		completing and failing jobs.
 *
 * Fencing: every call of a worker names the job and the worker; a job that
 * was requeued and claimed by another worker (or cancelled) no longer
 * matches, so the stale worker changes nothing and is told false/NULL.
 *
 * Wake-ups: a job that becomes runnable is announced on the channel
 * pict_repo_queue with the queue's tag (notify.c) as payload.  NOTIFY
 * serialises the commits of every notifying transaction on one lock, so
 * producers only notify when the queue had no runnable job before (a worker
 * may be idle and listening); while runnable jobs wait, workers are busy and
 * will claim again without being told.  Each maintenance pass notifies every queue that
 * still holds runnable jobs, which also covers scheduled jobs falling due.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "miscadmin.h"
#include "queue.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

/* A job that a claim may take, and the order in which claims take them. */
#define PR_CLAIMABLE "status = 'new' AND run_at <= pg_catalog.now()"
#define PR_CLAIM_ORDER "priority DESC, run_at, id"

/*
 * The first count runnable jobs of the queue named by parameter queue, in
 * claiming order: the claim index's walk.
 */
#define PR_RUNNABLE(columns, queue, count) \
	"SELECT " columns " FROM " PR_SCHEMA ".job_queue" \
	" WHERE queue = " queue " AND " PR_CLAIMABLE \
	" ORDER BY " PR_CLAIM_ORDER " LIMIT " count

/*
 * Whether the queue had no runnable job before this statement (read with
 * the statement's snapshot, it never sees a row inserted beside it).  It is
 * written as the first row in claiming order so that the generic plan walks
 * the claim index rather than scanning the table.
 */
#define PR_QUEUE_IDLE(queue) \
	"SELECT pg_catalog.count(*) = 0 AS idle FROM (" PR_RUNNABLE("1", queue, "1") ") r"

/* A claimed job j: running for the worker of $2, one attempt more. */
#define PR_CLAIM_SET \
	" SET status = 'running', worker = $2, heartbeat = pg_catalog.now()," \
	" run_at = pg_catalog.now(), attempts = j.attempts + 1"

static PrPlan push_plan;
static PrPlan push_many_plan;
static PrPlan claim_plan;
static PrPlan claim_one_plan;
static PrPlan heartbeat_plan;
static PrPlan complete_plan;
static PrPlan complete_many_plan;
static PrPlan complete_shared_plan;
static PrPlan complete_many_shared_plan;
static PrPlan fail_plan;
static PrPlan abort_plan;

/*
 * Run a statement of the hot path with a generic plan, prepared once.  The
 * plan cache would otherwise plan these statements afresh on every call
 * (their custom plans look cheaper than the generic one, which sees only
 * parameters), and planning costs more than running them.  The generic plans
 * are the right ones whatever the parameters and the size of the queue: an
 * id finds its row through the primary key, a claim walks the claim index
 * in order.
 */
static int
ExecHot(PrPlan *slot, const char *sql, int nargs, const Oid *argtypes,
		Datum *values, const char *nulls, int expected)
{
	int			nestlevel;
	int			n;

	(void) PrPlanPrepare(slot, sql, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);

	/*
	 * A generic plan is kept until the table's statistics change, and the
	 * queue may be empty when it is made: planned (and replanned) with index
	 * scans only, it walks an index whatever the table held then.
	 */
	nestlevel = PrIndexScansOnly(false);
	n = PrExec(slot, sql, nargs, argtypes, values, nulls, false, 0, expected);
	PrPlanSettingsBack(nestlevel);
	return n;
}

/*
 * Durability.  A claim or a heartbeat lost in a crash only means the job is
 * claimed again after job_timeout, so when claim_job or heartbeat_job is the
 * first write of its transaction, the transaction commits without waiting
 * for the WAL flush (SET LOCAL synchronous_commit = off).  Every other write
 * of the queue (push, complete, fail) made later in the same transaction
 * puts the caller's setting back, so it is never committed asynchronously.
 */
static LocalTransactionId relaxed_lxid = InvalidLocalTransactionId;
static char relaxed_from[32];

static void
RelaxCommit(void)
{
	if (synchronous_commit == SYNCHRONOUS_COMMIT_OFF ||
		GetTopTransactionIdIfAny() != InvalidTransactionId)
		return;
	if (relaxed_lxid != MyProc->lxid)
	{
		strlcpy(relaxed_from, GetConfigOption("synchronous_commit", false, false),
				sizeof(relaxed_from));
		relaxed_lxid = MyProc->lxid;
	}
	(void) set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
}

/* Put back the caller's synchronous_commit if this transaction relaxed it. */
static void
KeepCommitDurable(void)
{
	if (relaxed_lxid != MyProc->lxid || synchronous_commit != SYNCHRONOUS_COMMIT_OFF)
		return;
	(void) set_config_option("synchronous_commit", relaxed_from, PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
}


/*
 * Return interval argument argno, or (Datum) 0 when it is NULL; a negative
 * interval, or one longer than 100 years (which would take now() out of the
 * timestamp range), fails with 22023.
 */
Datum
PrIntervalArgOpt(FunctionCallInfo fcinfo, int argno, const char *name)
{
	Interval   *bound;
	Datum		arg;

	if (PG_ARGISNULL(argno))
		return (Datum) 0;
	arg = PG_GETARG_DATUM(argno);
	bound = palloc0(sizeof(Interval));	/* zero */
	if (DatumGetBool(DirectFunctionCall2(interval_lt, arg, IntervalPGetDatum(bound))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", name),
				 errdetail("The %s is %s.", name,
						   DatumGetCString(DirectFunctionCall1(interval_out, arg)))));
	bound->month = 100 * MONTHS_PER_YEAR;
	if (DatumGetBool(DirectFunctionCall2(interval_gt, arg, IntervalPGetDatum(bound))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be longer than 100 years", name),
				 errdetail("The %s is %s.", name,
						   DatumGetCString(DirectFunctionCall1(interval_out, arg)))));
	pfree(bound);
	return arg;
}

/* Return optional int argument argno (default when NULL), within [min, max]. */
static inline int32
IntArgDefault(FunctionCallInfo fcinfo, int argno, const char *name,
			  int32 dflt, int32 min, int32 max)
{
	if (PG_ARGISNULL(argno))
		return dflt;
	return PrIntArg(fcinfo, argno, name, min, max);
}

/* Return the required queue name of argument argno. */
static inline Datum
QueueArg(FunctionCallInfo fcinfo, int argno)
{
	return PointerGetDatum(PrTextArg(fcinfo, argno, "queue", 1, PR_QUEUE_MAX));
}

/* Return required argument argno (a uuid or jsonb). */
static inline Datum
RequiredArg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	PrRequireArg(fcinfo, argno, name);
	return PG_GETARG_DATUM(argno);
}

/*
 * Return required array argument argno, failing with 22023 when it holds
 * more than PR_LIM_MAX elements (what names them, e.g. "jobs"); its element
 * count goes to *n.  A batch is one statement and one transaction: the cap
 * keeps one call from holding row locks on, or writing, an unbounded number
 * of rows.
 */
static ArrayType *
BatchArg(FunctionCallInfo fcinfo, int argno, const char *name, const char *what,
		 int *n)
{
	ArrayType  *a;

	PrRequireArg(fcinfo, argno, name);
	a = PG_GETARG_ARRAYTYPE_P(argno);
	*n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	if (*n > PR_LIM_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not hold more than %d %s", name, PR_LIM_MAX, what),
				 errdetail("%s holds %d.", name, *n)));
	return a;
}

/*
 * Push one job.  Returns its id, or NULL if a job with the same unique_key
 * is still in the queue.
 */
PG_FUNCTION_INFO_V1(pict_repo_push_job);
Datum
pict_repo_push_job(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {UUIDOID, TEXTOID, JSONBOID, TEXTOID, INT4OID,
	TIMESTAMPTZOID, INT4OID};
	Datum		values[7];
	char		nulls[7] = "       ";
	pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));
	text	   *unique_key;
	bool		notify = false;
	bool		isnull;
	int			n;

	PrRequireWritable();

	values[1] = QueueArg(fcinfo, 0);
	values[2] = RequiredArg(fcinfo, 1, "job");
	unique_key = PrTextArgOpt(fcinfo, 2, "unique_key", 1, PR_UNIQUE_KEY_MAX);
	values[3] = PointerGetDatum(unique_key);
	if (unique_key == NULL)
		nulls[3] = 'n';
	values[4] = Int32GetDatum(IntArgDefault(fcinfo, 3, "priority", 0,
											PG_INT32_MIN, PG_INT32_MAX));
	values[5] = PG_ARGISNULL(4) ? (Datum) 0 : PG_GETARG_DATUM(4);
	if (PG_ARGISNULL(4))
		nulls[5] = 'n';
	values[6] = Int32GetDatum(IntArgDefault(fcinfo, 5, "max_attempts", 5,
											1, PG_INT32_MAX));
	PrUuidV7(id);
	values[0] = UUIDPGetDatum(id);

	KeepCommitDurable();
	PrConnect();

	/* "idle": whether the queue had a runnable job before (PR_QUEUE_IDLE). */
	n = ExecHot(&push_plan,
			   "WITH idle AS (" PR_QUEUE_IDLE("$2") "), "
			   "i AS ("
			   "  INSERT INTO " PR_SCHEMA ".job_queue"
			   "    (id, queue, job, unique_key, priority, run_at, max_attempts)"
			   "  VALUES ($1, $2, $3, $4, $5, COALESCE($6, pg_catalog.now()), $7)"
			   "  ON CONFLICT (queue, unique_key) WHERE unique_key IS NOT NULL DO NOTHING"
			   "  RETURNING run_at <= pg_catalog.now() AS runnable) "
			   "SELECT i.runnable AND idle.idle FROM i, idle",
			   7, argtypes, values, nulls, SPI_OK_SELECT);
	if (n > 0)
		notify = DatumGetBool(PrGetDatum(0, 1, &isnull));
	PrFinish();

	if (n == 0)
		PG_RETURN_NULL();
	if (notify)
		PrNotifyQueue(values[1]);
	PG_RETURN_UUID_P(id);
}

/*
 * Push a batch of at most PR_LIM_MAX jobs into one queue; returns their ids
 * in order.  A NULL element fails the whole batch with 22023.
 */
PG_FUNCTION_INFO_V1(pict_repo_push_jobs);
Datum
pict_repo_push_jobs(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {TEXTOID, UUIDARRAYOID, JSONBARRAYOID};
	Datum		values[3];
	ArrayType  *jobs;
	Datum	   *elems;
	bool	   *elem_nulls;
	int			njobs;
	Datum	   *ids;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	bool		notify = false;
	bool		isnull;

	PrRequireWritable();

	values[0] = QueueArg(fcinfo, 0);
	jobs = BatchArg(fcinfo, 1, "jobs", "jobs", &njobs);
	get_typlenbyvalalign(JSONBOID, &typlen, &typbyval, &typalign);
	deconstruct_array(jobs, JSONBOID, typlen, typbyval, typalign,
					  &elems, &elem_nulls, &njobs);
	for (int i = 0; i < njobs; i++)
		if (elem_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("jobs must not contain null"),
					 errdetail("Element %d of jobs is null.", i + 1)));

	PrMaterialize(fcinfo);
	if (njobs == 0)
		PG_RETURN_NULL();

	ids = palloc(sizeof(Datum) * njobs);
	for (int i = 0; i < njobs; i++)
	{
		pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));

		PrUuidV7(id);
		ids[i] = UUIDPGetDatum(id);
	}
	values[1] = PointerGetDatum(construct_array(ids, njobs, UUIDOID, UUID_LEN,
												false, TYPALIGN_CHAR));
	values[2] = PointerGetDatum(jobs);

	KeepCommitDurable();
	PrConnect();
	ExecHot(&push_many_plan,
		   "WITH idle AS (" PR_QUEUE_IDLE("$1") "), "
		   "i AS ("
		   "  INSERT INTO " PR_SCHEMA ".job_queue (id, queue, job)"
		   "  SELECT t.id, $1, t.job"
		   "  FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS t(id, job)) "
		   "SELECT idle FROM idle",
		   3, argtypes, values, NULL, SPI_OK_SELECT);
	notify = DatumGetBool(PrGetDatum(0, 1, &isnull));
	PrFinish();

	for (int i = 0; i < njobs; i++)
	{
		bool		null = false;

		PrPutRow(fcinfo, &ids[i], &null);
	}
	if (notify)
		PrNotifyQueue(values[0]);
	PG_RETURN_NULL();
}

/*
 * Claim up to max_jobs runnable jobs of queue for worker into the result set
 * of fcinfo (materialize mode), highest priority first, then oldest.
 */
static void
ClaimJobs(FunctionCallInfo fcinfo, Datum queue, Datum worker, int32 max_jobs)
{
	static const Oid argtypes[] = {TEXTOID, UUIDOID, INT4OID};
	Datum		values[3];

	values[0] = queue;
	values[1] = worker;
	values[2] = Int32GetDatum(max_jobs);

	PrMaterialize(fcinfo);
	PrConnect();

	/*
	 * One job, the common case: the plain form, without the CTEs, join and
	 * sort that keep a batch in claiming order.  The row is locked by the
	 * subquery (rechecked against status = 'new' if it changed meanwhile),
	 * so the update cannot meet a concurrent change.
	 */
	if (max_jobs == 1)
	{
		ExecHot(&claim_one_plan,
				"UPDATE " PR_SCHEMA ".job_queue j" PR_CLAIM_SET
				"  WHERE j.id = (" PR_RUNNABLE("id", "$1", "1") " FOR UPDATE SKIP LOCKED)"
				"  RETURNING j.id, j.job, j.attempts",
				2, argtypes, values, NULL, SPI_OK_UPDATE_RETURNING);
		PrPutRows(fcinfo);
		PrFinish();
		return;
	}

	/*
	 * SKIP LOCKED: rows another claimer holds are passed over, and a row
	 * claimed by a transaction that committed meanwhile is rechecked against
	 * status = 'new' and dropped, so no job goes to two workers.  run_at
	 * becomes the start of this attempt (complete_job measures with it).
	 * "= ANY (ARRAY(...))" makes the update find its rows through the primary
	 * key: a join with the CTE may be planned as a scan of the whole table.
	 */
	ExecHot(&claim_plan,
		   "WITH c AS (" PR_RUNNABLE("id, priority, run_at", "$1", "$3") " FOR UPDATE SKIP LOCKED), "
		   "u AS ("
		   "  UPDATE " PR_SCHEMA ".job_queue j" PR_CLAIM_SET
		   "  WHERE j.id = ANY (ARRAY(SELECT id FROM c))"
		   "  RETURNING j.id, j.job, j.attempts) "
		   "SELECT u.id, u.job, u.attempts FROM u JOIN c ON c.id = u.id "
		   "ORDER BY c.priority DESC, c.run_at, c.id",
		   3, argtypes, values, NULL, SPI_OK_SELECT);
	PrPutRows(fcinfo);
	PrFinish();
}

/* Claim up to max_jobs runnable jobs of a queue for a worker. */
PG_FUNCTION_INFO_V1(pict_repo_claim_job);
Datum
pict_repo_claim_job(PG_FUNCTION_ARGS)
{
	Datum		queue;
	Datum		worker;
	int32		max_jobs;

	PrRequireWritable();
	queue = QueueArg(fcinfo, 0);
	worker = RequiredArg(fcinfo, 1, "worker");
	max_jobs = IntArgDefault(fcinfo, 2, "max_jobs", 1, 1, PR_LIM_MAX);

	RelaxCommit();
	PrRequeueIfUnattended(queue);
	ClaimJobs(fcinfo, queue, worker, max_jobs);
	PG_RETURN_NULL();
}

/* Refresh the heartbeat of a job; false if the worker no longer holds it. */
PG_FUNCTION_INFO_V1(pict_repo_heartbeat_job);
Datum
pict_repo_heartbeat_job(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {UUIDOID, UUIDOID};
	Datum		values[2];
	int			n;

	PrRequireWritable();

	values[0] = RequiredArg(fcinfo, 0, "id");
	values[1] = RequiredArg(fcinfo, 1, "worker");

	RelaxCommit();
	PrConnect();

	/*
	 * Only the heartbeat changes, no indexed column: a HOT update.  A worker
	 * is set exactly when the job is running (a CHECK constraint), so the
	 * fence needs no status test, which would let the planner pick the index
	 * of running jobs over the primary key.
	 */
	n = ExecHot(&heartbeat_plan,
				"UPDATE " PR_SCHEMA ".job_queue SET heartbeat = pg_catalog.now() "
				"WHERE id = $1 AND worker = $2",
				2, argtypes, values, NULL, SPI_OK_UPDATE);
	PrFinish();
	PG_RETURN_BOOL(n > 0);
}

/*
 * Delete a job held by worker and count it in queue_stats (this backend's
 * shard of the current minute), or in shared memory (shared_stats.c).
 * False if the worker does not hold it.
 */
static bool
CompleteJob(Datum id, Datum worker)
{
	static const Oid argtypes[] = {UUIDOID, UUIDOID, INT2OID};
	Datum		values[3];
	bool		isnull;
	int64		n;

	values[0] = id;
	values[1] = worker;
	values[2] = Int16GetDatum(PR_STATS_SHARD());

	KeepCommitDurable();
	PrConnect();
	if (PrSharedStatsOn())
	{
		/* worker = $2 implies status = 'running' (see heartbeat_job). */
		n = ExecHot(&complete_shared_plan,
					"DELETE FROM " PR_SCHEMA ".job_queue"
					" WHERE id = $1 AND worker = $2"
					" RETURNING queue, queue_time, run_at",
					2, argtypes, values, NULL, SPI_OK_DELETE_RETURNING);
		PrSharedStatsCountResult(1);
		PrFinish();
		return n > 0;
	}
	/* worker = $2 implies status = 'running' (see heartbeat_job). */
	ExecHot(&complete_plan,
		   "WITH d AS ("
		   "  DELETE FROM " PR_SCHEMA ".job_queue"
		   "  WHERE id = $1 AND worker = $2"
		   "  RETURNING queue, queue_time, run_at), "
		   "s AS (" PR_STATS_UPSERT("$3", "completed, wait_time, run_time",
									"1, " PR_WAIT_TIME ", " PR_RUN_TIME, "d",
									PR_STATS_ADD_COMPLETED) ") "
		   "SELECT pg_catalog.count(*) FROM d",
		   3, argtypes, values, NULL, SPI_OK_SELECT);
	n = DatumGetInt64(PrGetDatum(0, 1, &isnull));
	PrFinish();
	return n > 0;
}

/* Complete a job; false if the worker no longer holds it. */
PG_FUNCTION_INFO_V1(pict_repo_complete_job);
Datum
pict_repo_complete_job(PG_FUNCTION_ARGS)
{
	Datum		id;
	Datum		worker;

	PrRequireWritable();
	id = RequiredArg(fcinfo, 0, "id");
	worker = RequiredArg(fcinfo, 1, "worker");

	PG_RETURN_BOOL(CompleteJob(id, worker));
}

/*
 * Delete the jobs of ids that worker holds and count them in queue_stats
 * with one upsert per queue, or in shared memory (shared_stats.c); column 1
 * of the SPI result holds the ids deleted.  Ids it does not hold (or NULL
 * elements) are left alone.
 */
static void
CompleteJobs(Datum ids, Datum worker)
{
	static const Oid argtypes[] = {UUIDARRAYOID, UUIDOID, INT2OID};
	Datum		values[3];

	values[0] = ids;
	values[1] = worker;
	values[2] = Int16GetDatum(PR_STATS_SHARD());

	KeepCommitDurable();
	if (PrSharedStatsOn())
	{
		/* worker = $2 implies status = 'running' (see heartbeat_job). */
		ExecHot(&complete_many_shared_plan,
				"DELETE FROM " PR_SCHEMA ".job_queue"
				" WHERE id = ANY ($1) AND worker = $2"
				" RETURNING id, queue, queue_time, run_at",
				2, argtypes, values, NULL, SPI_OK_DELETE_RETURNING);
		PrSharedStatsCountResult(2);
		return;
	}
	/* worker = $2 implies status = 'running' (see heartbeat_job). */
	ExecHot(&complete_many_plan,
			"WITH d AS ("
			"  DELETE FROM " PR_SCHEMA ".job_queue"
			"  WHERE id = ANY ($1) AND worker = $2"
			"  RETURNING id, queue, queue_time, run_at), "
			"s AS (" PR_STATS_UPSERT("$3", "completed, wait_time, run_time",
									 "pg_catalog.count(*), pg_catalog.sum(" PR_WAIT_TIME "),"
									 " pg_catalog.sum(" PR_RUN_TIME ")",
									 "d GROUP BY queue", PR_STATS_ADD_COMPLETED) ") "
			"SELECT id FROM d",
			3, argtypes, values, NULL, SPI_OK_SELECT);
}

/*
 * Complete a batch of jobs (the jobs of a claim_job with max_jobs > 1):
 * returns the ids of those the worker held, now deleted and counted in
 * queue_stats; ids it does not hold (or NULL elements) are left alone.
 */
PG_FUNCTION_INFO_V1(pict_repo_complete_jobs);
Datum
pict_repo_complete_jobs(PG_FUNCTION_ARGS)
{
	ArrayType  *ids;
	Datum		worker;
	int			nids;

	PrRequireWritable();

	ids = BatchArg(fcinfo, 0, "ids", "jobs", &nids);
	worker = RequiredArg(fcinfo, 1, "worker");

	PrMaterialize(fcinfo);
	if (nids == 0)
		PG_RETURN_NULL();

	PrConnect();
	CompleteJobs(PointerGetDatum(ids), worker);
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		bool		isnull;
		Datum		id = PrGetDatum((int) row, 1, &isnull);

		PrPutRow(fcinfo, &id, &isnull);
	}
	PrFinish();
	PG_RETURN_NULL();
}

/*
 * Complete the jobs of a batch that worker finished and claim the next
 * ones in the same transaction (one commit, one round trip): the worker
 * loop's call after each batch.  The result is claim_job's; jobs the worker
 * no longer holds are left alone.
 */
PG_FUNCTION_INFO_V1(pict_repo_complete_and_claim_jobs);
Datum
pict_repo_complete_and_claim_jobs(PG_FUNCTION_ARGS)
{
	ArrayType  *done;
	Datum		worker;
	Datum		queue;
	int32		max_jobs;
	int			ndone;

	PrRequireWritable();

	done = BatchArg(fcinfo, 0, "done", "jobs", &ndone);
	worker = RequiredArg(fcinfo, 1, "worker");
	queue = QueueArg(fcinfo, 2);
	max_jobs = IntArgDefault(fcinfo, 3, "max_jobs", 1, 1, PR_LIM_MAX);

	if (ndone > 0)
	{
		PrConnect();
		CompleteJobs(PointerGetDatum(done), worker);
		PrFinish();
	}
	else
		RelaxCommit();
	PrRequeueIfUnattended(queue);
	ClaimJobs(fcinfo, queue, worker, max_jobs);
	PG_RETURN_NULL();
}

/*
 * Complete one job and claim the next ones in the same transaction; the
 * result is claim_job's.  A job the worker no longer holds is left alone.
 */
PG_FUNCTION_INFO_V1(pict_repo_complete_and_claim_job);
Datum
pict_repo_complete_and_claim_job(PG_FUNCTION_ARGS)
{
	Datum		done;
	Datum		worker;
	Datum		queue;
	int32		max_jobs;

	PrRequireWritable();
	done = RequiredArg(fcinfo, 0, "done");
	worker = RequiredArg(fcinfo, 1, "worker");
	queue = QueueArg(fcinfo, 2);
	max_jobs = IntArgDefault(fcinfo, 3, "max_jobs", 1, 1, PR_LIM_MAX);

	(void) CompleteJob(done, worker);
	PrRequeueIfUnattended(queue);
	ClaimJobs(fcinfo, queue, worker, max_jobs);
	PG_RETURN_NULL();
}

/*
 * Put the id, the worker and the optional error of fail_job and abort_job
 * (arguments 0-2) into values[0..2] and nulls[2].
 */
static void
FailureArgs(FunctionCallInfo fcinfo, Datum *values, char *nulls)
{
	values[0] = RequiredArg(fcinfo, 0, "id");
	values[1] = RequiredArg(fcinfo, 1, "worker");
	if (PG_ARGISNULL(2))
		nulls[2] = 'n';
	else
		values[2] = PG_GETARG_DATUM(2);
}

/*
 * Record a failed attempt of a job held by worker: 'retry' puts it back as
 * new, runnable after retry_in or the backoff of least(2^attempts s, 1 h);
 * 'dead' moves it to dead_jobs once max_attempts are used.  NULL if the
 * worker does not hold the job.
 */
PG_FUNCTION_INFO_V1(pict_repo_fail_job);
Datum
pict_repo_fail_job(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {UUIDOID, UUIDOID, TEXTOID, INTERVALOID, INT2OID};
	Datum		values[5];
	char		nulls[5] = "     ";
	Datum		queue = (Datum) 0;
	bool		dead = false;
	bool		runnable = false;
	bool		isnull;
	int			n;

	PrRequireWritable();

	FailureArgs(fcinfo, values, nulls);
	values[3] = PrIntervalArgOpt(fcinfo, 3, "retry_in");
	if (PG_ARGISNULL(3))
		nulls[3] = 'n';
	values[4] = Int16GetDatum(PR_STATS_SHARD());

	KeepCommitDurable();
	PrConnect();
	n = PrExec(&fail_plan,
			   "WITH j AS ("
			   "  SELECT id, queue, attempts >= max_attempts AS dead,"
			   "         pg_catalog.now() + COALESCE($4, pg_catalog.make_interval("
			   "           secs => LEAST(pg_catalog.power(2, LEAST(attempts, 30)), "
			   CppAsString2(PR_BACKOFF_MAX_SECS) "))) AS next_run"
			   "  FROM " PR_SCHEMA ".job_queue"
			   "  WHERE id = $1 AND worker = $2 AND status = 'running'"
			   "  FOR UPDATE), "
			   "r AS ("
			   "  UPDATE " PR_SCHEMA ".job_queue q"
			   "  SET status = 'new', worker = NULL, heartbeat = NULL,"
			   "      run_at = j.next_run, last_error = $3"
			   "  FROM j WHERE q.id = $1 AND q.id = j.id AND NOT j.dead), "
			   "d AS ("
			   "  DELETE FROM " PR_SCHEMA ".job_queue q"
			   "  WHERE q.id = $1 AND q.id = ANY (ARRAY(SELECT id FROM j WHERE dead))"
			   "  RETURNING q.*), "
			   "i AS (" PR_DEAD_LETTER("d", "$3") "), "
			   "s AS (" PR_STATS_UPSERT("$5", "failed", "1", "j", PR_STATS_ADD_FAILED) ") "
			   "SELECT queue, dead, next_run <= pg_catalog.now() FROM j",
			   5, argtypes, values, nulls, false, 0, SPI_OK_SELECT);
	if (n > 0)
	{
		queue = PrCopyResult(0, 1, &isnull);
		dead = DatumGetBool(PrGetDatum(0, 2, &isnull));
		runnable = DatumGetBool(PrGetDatum(0, 3, &isnull));
	}
	PrFinish();

	if (n == 0)
		PG_RETURN_NULL();
	if (dead)
		PG_RETURN_TEXT_P(cstring_to_text("dead"));
	if (runnable)
		PrNotifyQueue(queue);
	PG_RETURN_TEXT_P(cstring_to_text("retry"));
}

/*
 * Give up a job for good: the worker holding it moves it to dead_jobs at
 * once, whatever attempts it has left, with error (or "aborted by its
 * worker") as last_error, and it counts as a failed attempt in
 * queue_stats.  False if the worker does not hold the job.
 */
PG_FUNCTION_INFO_V1(pict_repo_abort_job);
Datum
pict_repo_abort_job(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {UUIDOID, UUIDOID, TEXTOID, INT2OID};
	Datum		values[4];
	char		nulls[4] = "    ";
	bool		isnull;
	int64		n;

	PrRequireWritable();
	FailureArgs(fcinfo, values, nulls);
	values[3] = Int16GetDatum(PR_STATS_SHARD());

	KeepCommitDurable();
	PrConnect();
	/* worker = $2 implies status = 'running' (see heartbeat_job). */
	PrExec(&abort_plan,
		   "WITH d AS ("
		   "  DELETE FROM " PR_SCHEMA ".job_queue WHERE id = $1 AND worker = $2"
		   "  RETURNING " PR_DEAD_COLUMNS "), "
		   "i AS (" PR_DEAD_LETTER("d", "COALESCE($3, 'aborted by its worker')") "), "
		   "s AS (" PR_STATS_UPSERT("$4", "failed", "1", "d", PR_STATS_ADD_FAILED) ") "
		   "SELECT pg_catalog.count(*) FROM d",
		   4, argtypes, values, nulls, false, 0, SPI_OK_SELECT);
	n = DatumGetInt64(PrGetDatum(0, 1, &isnull));
	PrFinish();
	PG_RETURN_BOOL(n > 0);
}
