/*-------------------------------------------------------------------------
 *
 * maintenance.c
 *		One maintenance pass: what the background worker does every
 *		pict_repo.maintenance_interval, and run_maintenance() by hand or
 *		from pg_cron.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "queue.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

static PrPlan uploads_plan;
static PrPlan locks_plan;
static PrPlan due_plan;
static PrPlan prune_plan;

/*
 * Rows of uploads, variant locks and statistics a pass removes at most; the
 * rest wait for the next pass, so that one pass stays short however much
 * piled up (say, after the worker was down for a day).
 */
#define PR_MAINTENANCE_BATCH "10000"

/*
 * How long a step may wait for a lock on a table (someone's LOCK TABLE,
 * VACUUM FULL or ALTER TABLE) before it is skipped for this pass.  Row locks
 * are never waited for: every step skips rows that a client holds locked
 * (an idle transaction after complete_upload or variant_heartbeat, say) and
 * comes back to them in a later pass.
 */
#define PR_STEP_LOCK_TIMEOUT "100ms"

typedef void (*PrMaintenanceStep) (PrMaintenanceResult *result);

/* Requeue stale running jobs, dead-lettering those out of attempts. */
static void
StepRequeue(PrMaintenanceResult *result)
{
	PrRequeueStale((Datum) 0, &result->requeued, &result->dead);
}

/* Delete uploads older than pict_repo.upload_ttl. */
static void
StepUploads(PrMaintenanceResult *result)
{
	static const Oid interval_only[] = {INTERVALOID};
	Datum		values[1];

	values[0] = SecondsInterval(pict_repo_upload_ttl);
	PrConnect();
	result->expired_uploads =
		PrExec(&uploads_plan,
			   "DELETE FROM " PR_SCHEMA ".uploads "
			   "WHERE id = ANY (ARRAY("
			   "  SELECT id FROM " PR_SCHEMA ".uploads"
			   "  WHERE created_at < pg_catalog.now() - $1"
			   "  ORDER BY created_at LIMIT " PR_MAINTENANCE_BATCH
			   "  FOR UPDATE SKIP LOCKED))",
			   1, interval_only, values, NULL, false, 0, SPI_OK_DELETE);
	PrFinish();
}

/*
 * Delete variant locks without heartbeat for pict_repo.lock_timeout and tell
 * their waiters, as release_variant_processing does.
 */
static void
StepVariantLocks(PrMaintenanceResult *result)
{
	static const Oid interval_only[] = {INTERVALOID};
	Datum		values[1];
	int			n;

	values[0] = SecondsInterval(pict_repo_lock_timeout);
	PrConnect();
	n = PrExec(&locks_plan,
			   "DELETE FROM " PR_SCHEMA ".variant_locks "
			   "WHERE (hash, variant) IN ("
			   "  SELECT hash, variant FROM " PR_SCHEMA ".variant_locks"
			   "  WHERE heartbeat < pg_catalog.now() - $1"
			   "  ORDER BY heartbeat LIMIT " PR_MAINTENANCE_BATCH
			   "  FOR UPDATE SKIP LOCKED) "
			   "RETURNING hash, variant",
			   1, interval_only, values, NULL, false, 0, SPI_OK_DELETE_RETURNING);
	result->expired_locks = n;
	for (int row = 0; row < n; row++)
	{
		bool		isnull;

		PrNotifyVariant(PrGetDatum(row, 1, &isnull), PrGetDatum(row, 2, &isnull));
	}
	PrFinish();
}

/*
 * Tell every queue that holds runnable jobs nobody claimed: scheduled and
 * backed-off jobs that fell due, and any wake-up a producer left out.
 */
static void
StepDue(PrMaintenanceResult *result)
{
	int			n;

	PrConnect();

	/*
	 * The queues with new jobs, one index probe each (a loose scan of the
	 * claim index), then whether one of them is runnable.
	 */
	n = PrExec(&due_plan,
			   "WITH RECURSIVE q(queue) AS ("
			   "  (SELECT queue FROM " PR_SCHEMA ".job_queue WHERE status = 'new'"
			   "   ORDER BY queue LIMIT 1)"
			   "  UNION ALL"
			   "  SELECT (SELECT j.queue FROM " PR_SCHEMA ".job_queue j"
			   "          WHERE j.status = 'new' AND j.queue > q.queue"
			   "          ORDER BY j.queue LIMIT 1)"
			   "  FROM q WHERE q.queue IS NOT NULL) "
			   "SELECT queue FROM q "
			   "WHERE queue IS NOT NULL AND EXISTS ("
			   "  SELECT 1 FROM " PR_SCHEMA ".job_queue j"
			   "  WHERE j.status = 'new' AND j.queue = q.queue"
			   "    AND j.run_at <= pg_catalog.now())",
			   0, NULL, NULL, NULL, true, 0, SPI_OK_SELECT);
	result->due_notified = n;
	for (int row = 0; row < n; row++)
	{
		bool		isnull;

		PrNotifyQueue(PrGetDatum(row, 1, &isnull));
	}
	PrFinish();
}

/* Write the completions counted in shared memory into queue_stats. */
static void
StepFlushStats(PrMaintenanceResult *result)
{
	(void) PrSharedStatsFlush();
}

/* Drop queue_stats rows older than the retention. */
static void
StepPruneStats(PrMaintenanceResult *result)
{
	PrConnect();
	PrExec(&prune_plan,
		   "DELETE FROM " PR_SCHEMA ".queue_stats "
		   "WHERE (queue, minute, shard) IN ("
		   "  SELECT queue, minute, shard FROM " PR_SCHEMA ".queue_stats"
		   "  WHERE minute < pg_catalog.now() - interval '" PR_STATS_RETENTION "'"
		   "  LIMIT " PR_MAINTENANCE_BATCH
		   "  FOR UPDATE SKIP LOCKED)",
		   0, NULL, NULL, NULL, false, 0, SPI_OK_DELETE);
	PrFinish();
}

/*
 * Run one step in a subtransaction of its own, with lock_timeout set to
 * PR_STEP_LOCK_TIMEOUT: a step that meets a table locked by someone else
 * gives up (its changes roll back, and it is logged) and the pass goes on
 * with the next step.  Any other error ends the pass as before.
 */
static void
RunStep(const char *name, PrMaintenanceStep step, PrMaintenanceResult *result)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	PrMaintenanceResult partial = *result;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		int			nestlevel = NewGUCNestLevel();

		(void) set_config_option("lock_timeout", PR_STEP_LOCK_TIMEOUT,
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
		step(&partial);
		AtEOXact_GUC(true, nestlevel);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		*result = partial;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
		ereport(LOG,
				(errmsg("pict_repo maintenance skipped %s in this pass: %s",
						name, edata->message)));
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/*
 * Run one maintenance pass in the current transaction:
 *  - requeue stale running jobs (pict_repo.job_timeout), dead-lettering
 *    those out of attempts, and tell their queues;
 *  - delete uploads older than pict_repo.upload_ttl;
 *  - delete variant locks without heartbeat for pict_repo.lock_timeout and
 *    tell their waiters;
 *  - tell every queue that holds runnable jobs;
 *  - write the completions counted in shared memory into queue_stats;
 *  - drop queue_stats rows older than the retention.
 *
 * No step waits for a row lock a client holds (each skips such rows until a
 * later pass) nor for long for a table lock (RunStep), so a client idle in
 * a transaction that locked an upload, a variant lock or a job holds back
 * neither the other steps nor the notifications sent at commit.
 */
void
PrRunMaintenance(PrMaintenanceResult *result)
{
	memset(result, 0, sizeof(*result));
	RunStep("requeueing stale jobs", StepRequeue, result);
	RunStep("removing expired uploads", StepUploads, result);
	RunStep("removing expired variant locks", StepVariantLocks, result);
	RunStep("notifying due queues", StepDue, result);
	RunStep("writing queue statistics", StepFlushStats, result);
	RunStep("pruning queue statistics", StepPruneStats, result);
}

/*
 * Run one maintenance pass, as the background worker does; returns what it
 * changed.
 */
PG_FUNCTION_INFO_V1(pict_repo_run_maintenance);
Datum
pict_repo_run_maintenance(PG_FUNCTION_ARGS)
{
	PrMaintenanceResult r;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	PrRequireWritable();

	PrMaterialize(fcinfo);
	PrRunMaintenance(&r);
	PrNoteMaintenancePass();
	values[0] = Int32GetDatum(r.requeued);
	values[1] = Int32GetDatum(r.dead);
	values[2] = Int32GetDatum(r.expired_uploads);
	values[3] = Int32GetDatum(r.expired_locks);
	values[4] = Int32GetDatum(r.due_notified);
	PrPutRow(fcinfo, values, nulls);
	PG_RETURN_NULL();
}
