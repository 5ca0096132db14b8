/*-------------------------------------------------------------------------
 *
 * worker.c
 *		The background worker that keeps the job queue healthy.
 *
 * Registered by _PG_init when the library is preloaded, it connects to
 * pict_repo.database and runs one maintenance pass (maintenance.c) every
 * pict_repo.maintenance_interval, in a transaction of its own, the way
 * contrib's worker_spi does.  On a hot standby it starts once the standby
 * is consistent, connects, says once that it is idle there and waits for
 * the promotion, then works as on any primary.  It does nothing while the
 * extension is not installed in that database, reloads the configuration
 * on SIGHUP and exits on SIGTERM; after an error it exits and the
 * postmaster starts it again after PR_WORKER_RESTART_SECS.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "commands/vacuum.h"
#include "access/relation.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "queue.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/procarray.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

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
	/*
	 * Started on a hot standby too (at a consistent state, when it accepts
	 * read-only connections), where it stays idle until the promotion: so
	 * a promoted standby's worker needs no restart and is seen waiting in
	 * pg_stat_activity before.  Without hot_standby it starts at the end of
	 * recovery, as before.
	 */
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
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
 * Return whether the extension's SQL in this database is the version of
 * this library.  The library serves its own version's SQL only (the tables
 * it queries are that version's), so between installing a new library and
 * ALTER EXTENSION pict_repo UPDATE the worker waits, saying so once, rather
 * than fail every pass.
 */
static bool
ExtensionCurrent(void)
{
	static bool logged = false;
	char	   *version = NULL;
	bool		isnull;
	int			rc;

	rc = SPI_execute("SELECT extversion FROM pg_catalog.pg_extension"
					 " WHERE extname = 'pict_repo'", true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the extension's version returned %s",
			 SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
									  &isnull);

		if (!isnull)
			version = TextDatumGetCString(d);
	}
	if (version != NULL && strcmp(version, PICT_REPO_VERSION) == 0)
	{
		logged = false;
		return true;
	}
	if (!logged)
		ereport(LOG,
				(errmsg("pict_repo maintenance waits: the extension in database \"%s\" is at %s, the library at %s",
						pict_repo_database, version ? version : "?", PICT_REPO_VERSION),
				 errhint("Run ALTER EXTENSION pict_repo UPDATE in that database.")));
	logged = true;
	return false;
}

/*
 * Run one maintenance pass in a transaction of its own, if the extension is
 * installed at this library's version, and log what it changed.
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

	installed = ExtensionLocked() && ExtensionCurrent();
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

/*
 * VACUUM of the job queue.
 *
 * Every claim and every completion leaves a dead row version, and its entry
 * at the head of job_queue_claim_idx, where every later claim walks over it
 * until VACUUM removes it.  Autovacuum visits a table at most once per
 * autovacuum_naptime (a minute by default, and a server-wide setting), so a
 * queue draining thousands of jobs a second slows down between its visits.
 * The worker therefore vacuums job_queue itself once it holds
 * pict_repo.queue_vacuum_threshold dead rows plus
 * pict_repo.queue_vacuum_scale_factor of its live rows (from the cumulative
 * statistics), at most once per pict_repo.queue_vacuum_interval.  The
 * scale factor is there because a VACUUM reads every index of the table
 * whole: a queue of a million waiting jobs drained slowly is not vacuumed
 * every second.
 *
 * It runs the VACUUM command the way a backend does for a client: outside a
 * transaction block, with no snapshot held, as a top-level statement (so
 * vacuum() commits the transaction it is called in and runs in its own).
 * SKIP_LOCKED: when autovacuum or a manual VACUUM is already on the table,
 * this round is skipped rather than waited for.  The relation is named by
 * its OID, so a table dropped meanwhile is skipped silently.  A worker
 * connected as a role that does not own the table (pict_repo.worker_role)
 * does not try: it would only be told it may not.
 */
static TimestampTz last_queue_vacuum = 0;
static TransactionId last_queue_vacuum_horizon = InvalidTransactionId;
static MemoryContext queue_vacuum_cxt = NULL;
static bool queue_vacuum_not_owner_logged = false;

/* Return job_queue's OID if it exists, this role may vacuum it and it has enough dead rows. */
static Oid
QueueToVacuum(void)
{
	Oid			nsp = get_namespace_oid(PR_SCHEMA, true);
	Oid			relid;
	PgStat_StatTabEntry *tab;

	if (!OidIsValid(nsp))
		return InvalidOid;
	relid = get_relname_relid("job_queue", nsp);
	if (!OidIsValid(relid))
		return InvalidOid;
	if (!pg_class_ownercheck(relid, GetUserId()))
	{
		if (!queue_vacuum_not_owner_logged)
			ereport(LOG,
					(errmsg("pict_repo maintenance worker does not vacuum " PR_SCHEMA ".job_queue: its role does not own it"),
					 errhint("Autovacuum still does; set pict_repo.queue_vacuum_interval = 0 to silence this.")));
		queue_vacuum_not_owner_logged = true;
		return InvalidOid;
	}
	tab = pgstat_fetch_stat_tabentry(relid);
	if (tab == NULL ||
		tab->n_dead_tuples < pict_repo_queue_vacuum_threshold +
		pict_repo_queue_vacuum_scale_factor * tab->n_live_tuples)
		return InvalidOid;
	return relid;
}

static void
QueueVacuumTick(void)
{
	Oid			relid = InvalidOid;

	if (pict_repo_queue_vacuum_interval <= 0 ||
		!TimestampDifferenceExceeds(last_queue_vacuum, GetCurrentTimestamp(),
									pict_repo_queue_vacuum_interval))
		return;
	if (queue_vacuum_cxt == NULL)
		queue_vacuum_cxt = AllocSetContextCreate(TopMemoryContext,
												 "pict_repo queue vacuum",
												 ALLOCSET_DEFAULT_SIZES);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (ExtensionLocked())
		relid = QueueToVacuum();

	/*
	 * A row deleted by a transaction is removable once no snapshot can see
	 * it any more: once the transaction is older than the table's xmin
	 * horizon.  While that horizon stands still (a long transaction, or a
	 * replication slot or standby holding it back), the last VACUUM already
	 * removed all it can, and another would read every index for nothing.
	 */
	if (OidIsValid(relid))
	{
		Relation	rel = try_relation_open(relid, AccessShareLock);
		TransactionId horizon = InvalidTransactionId;

		if (rel != NULL)
		{
			horizon = GetOldestNonRemovableTransactionId(rel);
			relation_close(rel, AccessShareLock);
		}
		if (rel == NULL ||
			(TransactionIdIsValid(last_queue_vacuum_horizon) &&
			 TransactionIdEquals(horizon, last_queue_vacuum_horizon)))
		{
			relid = InvalidOid;
			last_queue_vacuum = GetCurrentTimestamp();
		}
		else
			last_queue_vacuum_horizon = horizon;
	}
	if (OidIsValid(relid))
	{
		VacuumStmt *stmt;
		ParseState *pstate;

		/*
		 * The statement lives in the worker's own context: vacuum() commits
		 * the transaction it is called in, and its memory with it.
		 */
		MemoryContextSwitchTo(queue_vacuum_cxt);
		stmt = makeNode(VacuumStmt);
		pstate = make_parsestate(NULL);

		/*
		 * TRUNCATE false: giving back empty pages at the end of the table
		 * takes an ACCESS EXCLUSIVE lock on it, which every push and claim
		 * would queue behind; the queue reuses the space anyway, and
		 * autovacuum still truncates now and then.
		 */
		stmt->options = list_make2(makeDefElem("skip_locked", NULL, -1),
								   makeDefElem("truncate", (Node *) makeString("false"), -1));
		stmt->rels = list_make1(makeVacuumRelation(NULL, relid, NIL));
		stmt->is_vacuumcmd = true;
		pstate->p_sourcetext = "VACUUM (SKIP_LOCKED, TRUNCATE false) " PR_SCHEMA ".job_queue";
		pgstat_report_activity(STATE_RUNNING, pstate->p_sourcetext);

		/* vacuum() keeps its cross-transaction state under PortalContext. */
		PortalContext = queue_vacuum_cxt;
		ExecVacuum(pstate, stmt, true);
		PortalContext = NULL;

		/*
		 * vacuum() ends by starting a new transaction for its caller to
		 * commit; the context current before it belonged to the one it
		 * committed and is gone.
		 */
		MemoryContextSwitchTo(CurTransactionContext);
		last_queue_vacuum = GetCurrentTimestamp();
		elog(DEBUG1, "pict_repo maintenance worker vacuumed " PR_SCHEMA ".job_queue");
	}
	CommitTransactionCommand();
	MemoryContextReset(queue_vacuum_cxt);
	pgstat_report_stat(true);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * Return whether the server takes writes, logging once when the worker
 * starts on a standby and once when the standby is promoted.  A standby
 * cannot write, so the worker only polls RecoveryInProgress() there (a
 * shared-memory read), once every maintenance_interval.
 */
static bool
ServerWritable(void)
{
	static bool was_standby = false;

	if (RecoveryInProgress())
	{
		if (!was_standby)
			ereport(LOG,
					(errmsg("pict_repo maintenance worker is idle: the server is a standby"),
					 errdetail("It starts its maintenance passes when the server is promoted.")));
		was_standby = true;
		return false;
	}
	if (was_standby)
		ereport(LOG,
				(errmsg("pict_repo maintenance worker: the server was promoted, maintenance starts")));
	was_standby = false;
	return true;
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
		if (ServerWritable())
		{
			MaintenanceTick();
			QueueVacuumTick();
		}

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 pict_repo_maintenance_interval,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
