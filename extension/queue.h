/*-------------------------------------------------------------------------
 *
 * queue.h
 *		Declarations shared by the job queue files of pict_repo (queue.c,
 *		queue_admin.c, claim_requeue.c, maintenance.c, worker.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PICT_REPO_QUEUE_H
#define PICT_REPO_QUEUE_H

#include "pict_repo.h"

#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

/*
 * queue_stats rows are sharded by backend so that concurrent workers add to
 * different rows; readers sum the shards.  The shard is the backend's slot
 * in the proc array, which no two live backends share: up to this many
 * connections, no completion ever waits for another's row lock on its
 * statistics (the pid modulo 16 of 1.0 and 1.1 made 32 workers wait for
 * each other's commits).
 */
#define PR_STATS_SHARDS 128
#define PR_STATS_SHARD() ((int16) (MyProc->pgprocno % PR_STATS_SHARDS))

/* queue_stats rows older than this are dropped by maintenance. */
#define PR_STATS_RETENTION "7 days"

/* The columns a dead-lettered job keeps from job_queue (dead_jobs adds died_at). */
#define PR_DEAD_COLUMNS "id, queue, job, status, worker, priority, run_at, queue_time, " \
	"heartbeat, attempts, max_attempts, unique_key"

/* Exponential backoff of fail_job: 2^attempts seconds, at most this. */
#define PR_BACKOFF_MAX_SECS 3600

/* Result of one maintenance pass (run_maintenance and the worker). */
typedef struct PrMaintenanceResult
{
	int			requeued;
	int			dead;
	int			expired_uploads;
	int			expired_locks;
	int			due_notified;
} PrMaintenanceResult;

/* Return an interval of secs seconds (the settings are in seconds). */
static inline Datum
SecondsInterval(int secs)
{
	Interval   *i = palloc0(sizeof(Interval));

	i->time = (int64) secs * USECS_PER_SEC;
	return IntervalPGetDatum(i);
}

extern Datum PrIntervalArgOpt(FunctionCallInfo fcinfo, int argno, const char *name);
extern void PrRequeueStale(Datum timeout, int *requeued, int *dead);
extern void PrRequeueStaleQueue(Datum timeout, Datum queue, int *requeued, int *dead);
extern void PrRunMaintenance(PrMaintenanceResult *result);

/* claim_requeue.c: stale jobs come back without the background worker. */
extern void PrRequeueIfUnattended(Datum queue);
extern void PrNoteMaintenancePass(void);

#endif							/* PICT_REPO_QUEUE_H */
