/*-------------------------------------------------------------------------
 *
 * worker.c
 *		The background worker that keeps the job queue healthy.
 *
 * Registered by _PG_init when the library is preloaded, it connects to
 * pict_repo.database and runs one maintenance pass (maintenance.c) every
 * pict_repo.maintenance_interval, in a transaction of its own, the way
 * contrib's worker_spi does.  It does nothing on a standby or while the
 * extension is not installed in that database, reloads the configuration
 * on SIGHUP and exits on SIGTERM; after an error it exits and the
 * postmaster starts it again after PR_WORKER_RESTART_SECS.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "queue.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"

/* Name (and pg_stat_activity.backend_type) of the worker. */
#define PR_WORKER_NAME "pict_repo maintenance"

/* Seconds before the postmaster restarts a worker that failed. */
#define PR_WORKER_RESTART_SECS 5

/* Register the maintenance worker; called from _PG_init when preloaded. */
void
PrRegisterWorker(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = PR_WORKER_RESTART_SECS;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pict_repo");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "PrWorkerMain");
	snprintf(worker.bgw_name, BGW_MAXLEN, PR_WORKER_NAME);
	snprintf(worker.bgw_type, BGW_MAXLEN, PR_WORKER_NAME);
	worker.bgw_main_arg = (Datum) 0;
	worker.bgw_notify_pid = 0;
	RegisterBackgroundWorker(&worker);
}

/*
 * Return whether the extension is installed, and if so keep it installed
 * until the end of the transaction.
 *
 * A catalog index probe is cheap enough for every tick, but alone it races
 * with DROP EXTENSION: the drop could commit between the probe and the
 * pass, whose queries would then fail on missing tables and restart the
 * worker.  DROP EXTENSION takes an AccessExclusiveLock on the extension
 * object, so a share lock on it holds the drop off; after waiting for the
 * lock, look again, since the extension may be gone (or made anew).
 */
static bool
ExtensionLocked(void)
{
	Oid			extoid = get_extension_oid("pict_repo", true);

	if (!OidIsValid(extoid))
		return false;
	LockDatabaseObject(ExtensionRelationId, extoid, 0, AccessShareLock);
	InvalidateCatalogSnapshot();
	return get_extension_oid("pict_repo", true) == extoid;
}

/*
 * Run one maintenance pass through the SQL function run_maintenance(), not
 * by calling PrRunMaintenance(): the function is SECURITY DEFINER, so a
 * worker connected as pict_repo.worker_role needs only EXECUTE on it (a
 * member of pict_repo_user), no privilege on the tables.  The statement is
 * parsed each time (once per interval) rather than kept, so that a plan
 * never outlives a DROP and CREATE EXTENSION.
 */
static void
RunMaintenanceFunction(PrMaintenanceResult *r)
{
	int		   *fields[] = {&r->requeued, &r->dead, &r->expired_uploads,
							&r->expired_locks, &r->due_notified};
	int			rc;

	rc = SPI_execute("SELECT requeued, dead, expired_uploads, expired_locks, due_notified"
					 " FROM " PR_SCHEMA ".run_maintenance()", false, 0);
	if (rc != SPI_OK_SELECT || SPI_processed != 1 || SPI_tuptable->tupdesc->natts != 5)
		elog(ERROR, "run_maintenance() returned %s with " UINT64_FORMAT " rows",
			 SPI_result_code_string(rc), SPI_processed);
	for (int i = 0; i < 5; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
									  i + 1, &isnull);

		*fields[i] = isnull ? 0 : DatumGetInt32(d);
	}
}

/*
 * Run one maintenance pass in a transaction of its own, if the extension is
 * installed, and log what it changed.
 */
static void
MaintenanceTick(void)
{
	PrMaintenanceResult r = {0};
	bool		installed;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PrConnect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "pict_repo maintenance pass");

	installed = ExtensionLocked();
	if (installed)
		RunMaintenanceFunction(&r);

	PrFinish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(true);
	pgstat_report_activity(STATE_IDLE, NULL);

	if (installed && (r.requeued > 0 || r.dead > 0 ||
					  r.expired_uploads > 0 || r.expired_locks > 0))
		ereport(LOG,
				(errmsg("pict_repo maintenance: requeued %d stale jobs, dead-lettered %d, removed %d expired uploads and %d expired variant locks",
						r.requeued, r.dead, r.expired_uploads, r.expired_locks)));
}

/* Entry point of the maintenance worker. */
void
PrWorkerMain(Datum main_arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* NULL: the bootstrap superuser, when no role is set. */
	BackgroundWorkerInitializeConnection(pict_repo_database,
										 pict_repo_worker_role && pict_repo_worker_role[0] ?
										 pict_repo_worker_role : NULL, 0);
	pgstat_report_appname(PR_WORKER_NAME);
	ereport(LOG,
			(errmsg("pict_repo maintenance worker started in database \"%s\"",
					pict_repo_database)));

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		/* A standby cannot write; it starts working once promoted. */
		if (!RecoveryInProgress())
			MaintenanceTick();

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 pict_repo_maintenance_interval,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
