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
 * Run one maintenance pass in a transaction of its own, if the extension is
 * installed, and log what it changed.
 */
static void
MaintenanceTick(void)
{
	PrMaintenanceResult r = {0};
	Oid			extoid;
	bool		installed = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PrConnect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "pict_repo maintenance pass");

	/* A catalog index probe: cheap enough for every tick. */
	extoid = get_extension_oid("pict_repo", true);
	if (OidIsValid(extoid))
	{
		/*
		 * Keep a concurrent DROP EXTENSION (which locks the extension
		 * AccessExclusive) out until this pass commits, then look again: it
		 * may have been dropped before the lock was granted.
		 */
		LockDatabaseObject(ExtensionRelationId, extoid, 0, AccessShareLock);
		installed = get_extension_oid("pict_repo", true) == extoid;
	}
	if (installed)
		PrRunMaintenance(&r);

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

	BackgroundWorkerInitializeConnection(pict_repo_database, NULL, 0);
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
