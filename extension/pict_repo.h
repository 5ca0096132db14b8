/*-------------------------------------------------------------------------
 *
 * pict_repo.h
 *		Shared declarations of the pict_repo server module: argument
 *		checks, kept SPI plans and result helpers used by every file.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PICT_REPO_H
#define PICT_REPO_H

/* Include "postgres.h" first, then this. */
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "pict_repo_protocol.h"

/* Every query of the module names its objects with this schema. */
#define PR_SCHEMA "pict_repo"

/* Notifications (notify.c) on the channels of pict_repo_protocol.h. */
extern void PrNotifyQueue(Datum queue);
extern void PrNotifyUpload(Datum id);
extern void PrNotifyVariant(Datum hash, Datum variant);

/* Settings (guc.c); the intervals are in the units of their GUC_UNIT_*. */
extern void PrDefineSettings(void);
extern char *pict_repo_database;
extern char *pict_repo_worker_role;
extern int	pict_repo_maintenance_interval;	/* ms */
extern int	pict_repo_job_timeout;	/* s */
extern int	pict_repo_upload_ttl;	/* s */
extern int	pict_repo_lock_timeout; /* s */
extern int	pict_repo_queue_vacuum_interval;	/* ms, 0: off */
extern int	pict_repo_queue_vacuum_threshold;	/* dead rows */
extern double pict_repo_queue_vacuum_scale_factor;	/* of live rows */
extern bool pict_repo_claim_requeue;
extern bool pict_repo_shared_queue_stats;

/* The module's entry point (pict_repo.c). */
extern void _PG_init(void);

/*
 * The maintenance background worker (worker.c), registered by _PG_init;
 * PrWorkerMain is its bgw_function_name.
 */
extern void PrRegisterWorker(void);
extern PGDLLEXPORT void PrWorkerMain(Datum main_arg);

/*
 * A plan prepared on first use and kept for the life of the backend.  One
 * static PrPlan per statement; PrPlanGet prepares it the first time.
 */
typedef struct PrPlan
{
	SPIPlanPtr	plan;
} PrPlan;

extern void PrConnect(void);
extern void PrFinish(void);
extern SPIPlanPtr PrPlanGet(PrPlan *slot, const char *sql, int nargs,
							const Oid *argtypes);
extern SPIPlanPtr PrPlanPrepare(PrPlan *slot, const char *sql, int nargs,
								const Oid *argtypes, int cursor_options);
extern int	PrIndexScansOnly(bool no_sort);
extern void PrPlanSettingsBack(int nestlevel);
extern int	PrExec(PrPlan *slot, const char *sql, int nargs, const Oid *argtypes,
				   Datum *values, const char *nulls, bool read_only,
				   long count, int expected);
extern Datum PrLookup(FunctionCallInfo fcinfo, PrPlan *slot, const char *sql,
					  int nargs, const Oid *argtypes, Datum *values,
					  const char *nulls);
extern Datum PrReturnRows(FunctionCallInfo fcinfo, PrPlan *slot, const char *sql,
						  int nargs, const Oid *argtypes, Datum *values,
						  const char *nulls);
extern int	PrExecLatest(PrPlan *slot, const char *sql, int nargs,
						 const Oid *argtypes, Datum *values, const char *nulls,
						 long count);
extern Datum PrReturnOrderedRows(FunctionCallInfo fcinfo, PrPlan *slot,
								 const char *sql, int nargs, const Oid *argtypes,
								 Datum *values, const char *nulls);
extern int	PrRun(PrPlan *slot, const char *sql, int nargs, const Oid *argtypes,
				  Datum *values, const char *nulls, int expected);

/* A new time-ordered UUID (version 7), as job ids are (uuid7.c). */
extern void PrUuidV7(pg_uuid_t *uuid);

/* Files in use (files.c): one slot per stored file. */
extern void PrLockIdentifier(text *identifier);
extern int64 PrIdentifierUses(text *identifier);
extern void PrClaimIdentifier(text *identifier, int written, const char *name);
extern bool PrReleaseIdentifier(text *identifier);
extern void PrHandBackFiles(FunctionCallInfo fcinfo, text **ids, int n);

/* Fails with 25006 on a standby or in a read-only transaction (writers). */
extern void PrRequireWritable(void);

/* Argument checks: each errors with SQLSTATE 22023 naming the argument. */
extern text *PrTextArg(FunctionCallInfo fcinfo, int argno, const char *name,
					   int minchars, int maxchars);
extern text *PrTextArgOpt(FunctionCallInfo fcinfo, int argno, const char *name,
						  int minchars, int maxchars);
extern bytea *PrHashArg(FunctionCallInfo fcinfo, int argno, const char *name);
extern bytea *PrHashArgOpt(FunctionCallInfo fcinfo, int argno, const char *name);
extern int32 PrIntArg(FunctionCallInfo fcinfo, int argno, const char *name,
					  int32 min, int32 max);
extern void PrRequireArg(FunctionCallInfo fcinfo, int argno, const char *name);

/* Results of the last SPI statement. */
extern Datum PrGetDatum(int row, int col, bool *isnull);
extern Datum PrCopyResult(int row, int col, bool *isnull);
extern void PrMaterialize(FunctionCallInfo fcinfo);
extern void PrPutRows(FunctionCallInfo fcinfo);
extern void PrPutRow(FunctionCallInfo fcinfo, Datum *values, bool *nulls);

/* stores.c: the copies of a hash, deleted and returned by cleanup_hash. */
typedef struct PrCopyFiles PrCopyFiles;
extern PrCopyFiles *PrDeleteCopies(Datum hash);
extern void PrPutCopyFiles(FunctionCallInfo fcinfo, PrCopyFiles *files);

#endif							/* PICT_REPO_H */
