/*-------------------------------------------------------------------------
 *
 * claim_requeue.c
 *		Stale jobs come back without the background worker: when no
 *		maintenance pass ran in the database for longer than twice
 *		pict_repo.maintenance_interval, claim_job (and
 *		complete_and_claim_job) requeue the stale jobs of their own queue
 *		before claiming, as pict-rs does inside every pop.
 *
 * Every run_maintenance() (the background worker's pass, or one by hand or
 * from pg_cron) writes the time of the pass into the one row of
 * maintenance_state.  A claim looks at that row at most once per
 * maintenance_interval per backend (the time of the next look is kept in
 * backend memory), so while maintenance runs the hot path pays one clock
 * read and one comparison per claim.  The row is per database, so it is
 * exact where the worker runs in another database than the queue's, or
 * where only pg_cron runs maintenance; a timestamp in shared memory would
 * need the library preloaded and one slot per database.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "queue.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

static PrPlan note_plan;
static PrPlan last_pass_plan;

/* When this backend looks at maintenance_state next. */
static TimestampTz next_look = 0;

/*
 * Whether maintenance_state exists: the library also serves databases
 * whose extension is still at 1.0-1.2 (before ALTER EXTENSION ... UPDATE),
 * which have no such table; there claims do not requeue and passes are not
 * recorded.  Two syscache lookups.
 */
static bool
HaveMaintenanceState(void)
{
	Oid			nsp = get_namespace_oid(PR_SCHEMA, true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("maintenance_state", nsp));
}

/*
 * Record that a maintenance pass ran now.  A row locked by a concurrent
 * pass is left to that pass, so two passes never wait for each other.
 */
void
PrNoteMaintenancePass(void)
{
	if (!HaveMaintenanceState())
		return;
	PrRun(&note_plan,
		  "WITH l AS (SELECT id FROM " PR_SCHEMA ".maintenance_state"
		  "           FOR UPDATE SKIP LOCKED), "
		  "u AS (UPDATE " PR_SCHEMA ".maintenance_state s"
		  "      SET last_pass = pg_catalog.now()"
		  "      WHERE s.id IN (SELECT id FROM l) RETURNING 1) "
		  "INSERT INTO " PR_SCHEMA ".maintenance_state (id, last_pass) "
		  "SELECT true, pg_catalog.now() WHERE NOT EXISTS (SELECT 1 FROM u) "
		  "ON CONFLICT (id) DO NOTHING",
		  0, NULL, NULL, NULL, SPI_OK_INSERT);
}

/*
 * Before a claim of queue: requeue its stale jobs if maintenance has not
 * run for longer than twice maintenance_interval (or never ran).
 */
void
PrRequeueIfUnattended(Datum queue)
{
	TimestampTz now;
	TimestampTz last = 0;
	bool		isnull = true;
	int64		interval_us;
	int			requeued;
	int			dead;

	if (!pict_repo_claim_requeue)
		return;
	now = GetCurrentTimestamp();
	if (now < next_look)
		return;
	interval_us = (int64) pict_repo_maintenance_interval * 1000;
	next_look = now + interval_us;
	if (!HaveMaintenanceState())
		return;

	PrConnect();
	if (PrExec(&last_pass_plan,
			   "SELECT last_pass FROM " PR_SCHEMA ".maintenance_state",
			   0, NULL, NULL, NULL, true, 1, SPI_OK_SELECT) > 0)
		last = DatumGetTimestampTz(PrGetDatum(0, 1, &isnull));
	PrFinish();
	if (!isnull && now - last <= 2 * interval_us)
		return;
	PrRequeueStaleQueue((Datum) 0, queue, &requeued, &dead);
}
