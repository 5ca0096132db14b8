/*-------------------------------------------------------------------------
 *
 * guc.c
 *		The settings (GUCs) of pict_repo, defined by _PG_init (pict_repo.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pict_repo.h"
#include "utils/guc.h"

/* pict_repo.database: where the background worker runs maintenance. */
char	   *pict_repo_database = NULL;

/* pict_repo.worker_role: the role it connects as; empty for the bootstrap superuser. */
char	   *pict_repo_worker_role = NULL;

/* pict_repo.maintenance_interval, in milliseconds. */
int			pict_repo_maintenance_interval = 1000;

/* pict_repo.job_timeout, in seconds: a running job without heartbeat for longer is stale. */
int			pict_repo_job_timeout = 120;

/* pict_repo.upload_ttl, in seconds: uploads older than this are expired. */
int			pict_repo_upload_ttl = 86400;

/* pict_repo.lock_timeout, in seconds: a variant lock without heartbeat for longer is dead. */
int			pict_repo_lock_timeout = 120;

/* pict_repo.queue_vacuum_interval, in milliseconds; 0 turns the worker's VACUUM off. */
int			pict_repo_queue_vacuum_interval = 1000;

/* pict_repo.queue_vacuum_threshold: dead rows of job_queue that call for a VACUUM. */
int			pict_repo_queue_vacuum_threshold = 1000;

/* pict_repo.queue_vacuum_scale_factor: and this fraction of its live rows. */
double		pict_repo_queue_vacuum_scale_factor = 0.05;

/* pict_repo.claim_requeue: claims requeue stale jobs when maintenance stopped. */
bool		pict_repo_claim_requeue = true;

/* pict_repo.shared_queue_stats: completions counted in shared memory. */
bool		pict_repo_shared_queue_stats = true;

/* Define the settings; the PGC_POSTMASTER ones only while preloading. */
void
PrDefineSettings(void)
{
	/*
	 * A PGC_POSTMASTER setting can only be defined while the postmaster
	 * preloads the library (defining it later is FATAL), and only then is
	 * there a worker for it to configure.
	 */
	if (process_shared_preload_libraries_in_progress)
	{
		DefineCustomStringVariable("pict_repo.database",
								   "Database in which the pict_repo background worker runs maintenance.",
								   NULL,
								   &pict_repo_database,
								   "postgres",
								   PGC_POSTMASTER,
								   0,
								   NULL, NULL, NULL);
		DefineCustomStringVariable("pict_repo.worker_role",
								   "Role the pict_repo background worker connects as (empty: the bootstrap superuser).",
								   "A LOGIN role that is a member of pict_repo_user is enough.",
								   &pict_repo_worker_role,
								   "",
								   PGC_POSTMASTER,
								   0,
								   NULL, NULL, NULL);
	}

	DefineCustomIntVariable("pict_repo.maintenance_interval",
							"Time between two maintenance passes of the background worker.",
							NULL,
							&pict_repo_maintenance_interval,
							1000, 10, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pict_repo.job_timeout",
							"Time without heartbeat after which a running job is requeued.",
							NULL,
							&pict_repo_job_timeout,
							120, 1, 7 * 86400,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pict_repo.upload_ttl",
							"Age after which an unclaimed upload is removed.",
							NULL,
							&pict_repo_upload_ttl,
							86400, 1, 365 * 86400,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pict_repo.lock_timeout",
							"Time without heartbeat after which a variant processing lock is released.",
							NULL,
							&pict_repo_lock_timeout,
							120, 1, 7 * 86400,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pict_repo.queue_vacuum_interval",
							"Least time between two VACUUMs of the job queue by the background worker (0: never).",
							"Autovacuum visits a table at most once per autovacuum_naptime; "
							"a busy queue wants its dead rows gone sooner.",
							&pict_repo_queue_vacuum_interval,
							1000, 0, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pict_repo.queue_vacuum_threshold",
							"Dead rows in the job queue above which the background worker vacuums it.",
							NULL,
							&pict_repo_queue_vacuum_threshold,
							1000, 1, INT_MAX,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomRealVariable("pict_repo.queue_vacuum_scale_factor",
							 "Fraction of the job queue's live rows added to queue_vacuum_threshold.",
							 "A VACUUM reads all of the table's indexes: a long queue is vacuumed "
							 "only once its dead rows are worth that.",
							 &pict_repo_queue_vacuum_scale_factor,
							 0.05, 0.0, 100.0,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("pict_repo.claim_requeue",
							 "Lets claim_job requeue the stale jobs of its queue when no maintenance pass ran lately.",
							 "When no run_maintenance() ran in the database for longer than twice "
							 "maintenance_interval (no background worker, no pg_cron), claims do its "
							 "requeueing for their own queue.",
							 &pict_repo_claim_requeue,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("pict_repo.shared_queue_stats",
							 "Counts completions in shared memory, written to queue_stats by each maintenance pass.",
							 "Only with the library preloaded, in the database of the background worker.  "
							 "Off: each completion writes its queue_stats row in its own transaction, "
							 "which a crash cannot lose, at about twice the cost of a completion.",
							 &pict_repo_shared_queue_stats,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("pict_repo");
}
