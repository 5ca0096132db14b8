/*-------------------------------------------------------------------------
 *
 * bench.h
 *		What the benchmark's files share: the scale, the run of W processes
 *		(bench.c), the results table (report.c) and each scenario family's
 *		entry point (queue.c, push.c, ingest.c, repo.c, media.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PICT_REPO_BENCH_H
#define PICT_REPO_BENCH_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pict_repo_client.h"
#include "driver.h"

#define MAX_PROCS 64
#define QUEUE "bench"
#define JOB_JSON "{\"op\": \"thumbnail\", \"n\": 1}"

/* ---- scale ----------------------------------------------------------------- */

typedef struct Scale
{
	const char *name;
	long		drain_jobs;		/* jobs per queue drain run */
	long		sustained_jobs; /* the sustained drain */
	long		sustained_base_jobs;	/* its baseline */
	long		longtx_jobs;
	long		push_jobs;
	long		ingest_uploads;
	long		repo_rows;		/* hashes, variants, aliases */
	int			variant_pages;
	int			alias_lookups;
	int			rounds;			/* best of this many runs, interleaved */
} Scale;

extern const Scale quick_scale;
extern const Scale *scale;

extern const int worker_counts[];
#define N_WORKER_COUNTS 6

/* ---- running W processes (bench.c) ----------------------------------------- */

/* Shared memory between the parent and the processes. */
typedef struct Shared
{
	volatile int ready;
	volatile int go;
	volatile int stop;
	long		done_total;		/* atomically added to */
	long		done[MAX_PROCS];
	long		commits[MAX_PROCS];
	long		extra[MAX_PROCS];
	double		seconds[MAX_PROCS];	/* when each process finished its work */
	volatile int failed;
	char		error[512];
} Shared;

extern Shared *sh;
extern PGconn *ctl;				/* the parent's connection */

typedef void (*proc_fn) (int idx, int nprocs, void *arg);

typedef struct RunResult
{
	double		seconds;
	long		done;
	long		commits;
	long		extra;
	double		wal_bytes;
	double		wal_syncs;
	struct rusage rusage[MAX_PROCS];
	double		t10,
				t90;			/* when done_total crossed 10% and 90% of mark */
} RunResult;

extern void run_procs(int nprocs, proc_fn fn, void *arg, long mark, RunResult *res);
extern void wait_start(void);
extern void finish_work(int idx);
extern void count_done(int idx, long n);

/* In a process: end it with an error the parent reports (child_fail, driver.h). */
extern void pr_fail(const char *what, const pr_error *err) __attribute__((noreturn));
extern void prepare(PGconn *c, const char *name, const char *sql);
extern PGresult *run_prepared(PGconn *c, const char *name, int n, const char *const *values,
							  ExecStatusType want);
extern pr_conn *pr_connect_or_fail(void);

/* ---- results (report.c) ------------------------------------------------------ */

extern void add_row(const char *section, int ncells,...);
extern const char *fmt(const char *f,...) __attribute__((format(printf, 1, 2)));
extern const char *fmt_rate(double v);
extern const char *fmt_bytes(double v);
extern const char *fmt_ms(double secs);
extern void percentiles(double *v, int n, double *p50, double *p99);
extern void write_markdown(const char *path, double total_secs);

/* ---- the scenario families --------------------------------------------------- */

/* queue.c: drain, sustained drain, long transaction */
extern void setup_baseline_table(void);
extern void reset_queues(void);
extern void bench_drain(void);
extern void bench_sustained(void);
extern void bench_longtx(void);

/* push.c */
extern void bench_push(void);

/* ingest.c; media.c drives ingest_proc too */
typedef enum IngestMode
{
	I_THREE_CALLS,
	I_INGEST,
	I_PIPELINED
} IngestMode;

typedef struct IngestArg
{
	IngestMode	mode;
	long		per_proc;
	int			run;
} IngestArg;

/* A 39-byte hash like pict-rs's, unique per run, process and upload. */
extern void make_hash(uint8_t *h, int run, int proc, long i);
extern void ingest_proc(int idx, int nprocs, void *arg);
extern void bench_ingest(void);

/* repo.c: the repository at scale, streaming and lookups */
extern void bench_repo(void);

/* media.c: the file service */
extern void bench_media(void);

#endif
