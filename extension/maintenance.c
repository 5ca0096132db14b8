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

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "queue.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

static PrPlan uploads_plan;
static PrPlan locks_plan;
static PrPlan due_plan;
static PrPlan prune_plan;

/*
 * Run one maintenance pass in the current transaction:
 *  - requeue stale running jobs (pict_repo.job_timeout), dead-lettering
 *    those out of attempts, and tell their queues;
 *  - delete uploads older than pict_repo.upload_ttl;
 *  - delete variant locks without heartbeat for pict_repo.lock_timeout and
 *    tell their waiters, as release_variant_processing does;
 *  - tell every queue that holds runnable jobs nobody claimed: scheduled
 *    and backed-off jobs that fell due, and any wake-up a producer left out;
 *  - drop queue_stats rows older than the retention.
 */
void
PrRunMaintenance(PrMaintenanceResult *result)
{
	static const Oid interval_only[] = {INTERVALOID};
	Datum		values[1];
	int			n;

	memset(result, 0, sizeof(*result));
	PrRequeueStale((Datum) 0, &result->requeued, &result->dead);

	PrConnect();

	values[0] = SecondsInterval(pict_repo_upload_ttl);
	result->expired_uploads =
		PrExec(&uploads_plan,
			   "DELETE FROM " PR_SCHEMA ".uploads "
			   "WHERE created_at < pg_catalog.now() - $1",
			   1, interval_only, values, NULL, false, 0, SPI_OK_DELETE);

	values[0] = SecondsInterval(pict_repo_lock_timeout);
	n = PrExec(&locks_plan,
			   "DELETE FROM " PR_SCHEMA ".variant_locks "
			   "WHERE heartbeat < pg_catalog.now() - $1 "
			   "RETURNING pg_catalog.encode(hash, 'hex') || ':' || variant",
			   1, interval_only, values, NULL, false, 0, SPI_OK_DELETE_RETURNING);
	result->expired_locks = n;
	for (int row = 0; row < n; row++)
	{
		bool		isnull;

		Async_Notify(PR_VARIANT_CHANNEL,
					 TextDatumGetCString(PrGetDatum(row, 1, &isnull)));
	}

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

	PrExec(&prune_plan,
		   "DELETE FROM " PR_SCHEMA ".queue_stats "
		   "WHERE minute < pg_catalog.now() - interval '" PR_STATS_RETENTION "'",
		   0, NULL, NULL, NULL, false, 0, SPI_OK_DELETE);

	PrFinish();
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

	PrMaterialize(fcinfo);
	PrRunMaintenance(&r);
	values[0] = Int32GetDatum(r.requeued);
	values[1] = Int32GetDatum(r.dead);
	values[2] = Int32GetDatum(r.expired_uploads);
	values[3] = Int32GetDatum(r.expired_locks);
	values[4] = Int32GetDatum(r.due_notified);
	PrPutRow(fcinfo, values, nulls);
	PG_RETURN_NULL();
}
