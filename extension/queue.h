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

/*
 * Copy the jobs of CTE "from" (deleted from job_queue, RETURNING its
 * columns) into dead_jobs, with last_error (an SQL expression).
 */
#define PR_DEAD_LETTER(from, last_error) \
	"INSERT INTO " PR_SCHEMA ".dead_jobs (" PR_DEAD_COLUMNS ", last_error)" \
	" SELECT " PR_DEAD_COLUMNS ", " last_error " FROM " from

/*
 * Add to this minute's statistics of each queue in this backend's shard:
 * one row of "from" (with a queue column, or grouped by it) per queue;
 * columns are the counted columns of queue_stats, values their values after
 * the shard parameter, set adds the new values (EXCLUDED) to the row's.
 */
#define PR_STATS_UPSERT(shard, columns, values, from, set) \
	"INSERT INTO " PR_SCHEMA ".queue_stats AS qs (queue, minute, shard, " columns ")" \
	" SELECT queue, pg_catalog.date_trunc('minute', pg_catalog.now(), 'UTC'), " \
	shard ", " values " FROM " from \
	" ON CONFLICT (queue, minute, shard) DO UPDATE SET " set

/* Count failed attempts: fail_job, abort_job, the requeueing of stale jobs. */
#define PR_STATS_ADD_FAILED "failed = qs.failed + EXCLUDED.failed"

/* Count completions with their time waiting in the queue and running. */
#define PR_STATS_ADD_COMPLETED "completed = qs.completed + EXCLUDED.completed," \
	" wait_time = qs.wait_time + EXCLUDED.wait_time," \
	" run_time = qs.run_time + EXCLUDED.run_time"
#define PR_WAIT_TIME "GREATEST(run_at - queue_time, interval '0')"
#define PR_RUN_TIME "GREATEST(pg_catalog.now() - run_at, interval '0')"

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

/* Completions counted in shared memory (shared_stats.c). */
extern void PrSharedStatsInit(void);
extern bool PrSharedStatsOn(void);
extern bool PrSharedStatsReadable(void);
extern void PrSharedStatsCountResult(int qcol);
extern int	PrSharedStatsFlush(void);
extern void PrNoteMaintenancePass(void);

#endif							/* PICT_REPO_QUEUE_H */
