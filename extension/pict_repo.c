/*-------------------------------------------------------------------------
 *
 * pict_repo.c
 *		The module itself: its magic block and _PG_init, which defines the
 *		settings (guc.c) and, when the library is preloaded, registers the
 *		maintenance background worker (worker.c) and asks for the shared
 *		memory of the completion counters (shared_stats.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pict_repo.h"
#include "queue.h"

PG_MODULE_MAGIC;

/*
 * Define the settings and, when the library is preloaded, register the
 * background worker.
 */
void
_PG_init(void)
{
	PrDefineSettings();

	/*
	 * The maintenance worker exists only when the library is preloaded; as
	 * pg_cron does, none is started by pg_upgrade's server.
	 */
	if (!process_shared_preload_libraries_in_progress || IsBinaryUpgrade)
		return;
	PrRegisterWorker();
	PrSharedStatsInit();
}
