/*-------------------------------------------------------------------------
 *
 * driver.h
 *		The small core shared by the C drivers that run many client
 *		processes against a cluster: the benchmark (bench/), its peers'
 *		driver (bench/peers/), the profile driver and the queue proofs
 *		(test/proofs/).
 *
 * Every function here ends the process with a message on stderr when
 * something fails: a driver has nothing to recover.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PICT_REPO_BENCH_DRIVER_H
#define PICT_REPO_BENCH_DRIVER_H

#include <sys/types.h>

#include <libpq-fe.h>

/*
 * The plain-SQL queue the benchmark measures pict_repo against (bench/queue.c)
 * and that bench/profile.c profiles: the table, its claim and its
 * completion ($1: the worker's name, then the claimed id).
 */
#define BASELINE_DDL \
	"DROP TABLE IF EXISTS public.bench_queue;" \
	"CREATE TABLE public.bench_queue (" \
	"  id bigserial PRIMARY KEY," \
	"  queue_time timestamptz NOT NULL DEFAULT clock_timestamp()," \
	"  status text NOT NULL DEFAULT 'new'," \
	"  worker text," \
	"  job jsonb NOT NULL);" \
	"CREATE INDEX bench_queue_status_time_idx ON public.bench_queue (status, queue_time);"
#define BASELINE_CLAIM \
	"UPDATE public.bench_queue SET status = 'running', worker = $1 " \
	"WHERE id = (SELECT id FROM public.bench_queue WHERE status = 'new' " \
	"ORDER BY queue_time LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
#define BASELINE_COMPLETE "DELETE FROM public.bench_queue WHERE id = $1"

/* Name the program in messages and choose the exit status of die(). */
extern void driver_init(const char *name, int die_status);

/* Print "name[pid]: message" on stderr and exit. */
extern void die(const char *f,...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Fork a process that dies with its parent: 0 in the child, its pid in the
 * parent (a failed fork ends the parent).
 */
extern pid_t spawn_child(void);

/*
 * Where child_fail() records the first error of the child processes: a
 * flag and a buffer in memory the parent shares with them.
 */
extern void driver_share_failure(volatile int *failed, char *error, size_t size);

/* In a child process: record the first error (see above) and end it. */
extern void child_fail(const char *f,...) __attribute__((format(printf, 1, 2), noreturn));

/* Seconds on the monotonic clock. */
extern double now_s(void);

/* Connect from the libpq environment (PGHOST, PGPORT, PGDATABASE...). */
extern PGconn *pg_connect(void);

/* Run a statement that returns no rows or some; die unless it succeeds. */
extern void exec_ok(PGconn *c, const char *sql);

/* The first column of the first row as a number (NULL is 0). */
extern double query_num(PGconn *c, const char *sql);

/* The first column of the first row, malloc'd (NULL is ""). */
extern char *query_text(PGconn *c, const char *sql);

#endif
