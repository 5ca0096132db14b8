/*-------------------------------------------------------------------------
 *
 * tier.h
 *		pict-repo tier copy: the state its workers share (tier.c), the copy
 *		of one file between two file stores (tier_file.c) and the command
 *		that copies everything else (tier_command.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PICT_REPO_TIER_H
#define PICT_REPO_TIER_H

#include <pthread.h>
#include <stdbool.h>

#include "tiers.h"

/* A store as pr_stores() describes it, plus an open directory for a file store. */
typedef struct TierStore
{
	char	   *name;
	char	   *kind;
	char	   *location;
	int			dirfd;			/* file stores: the location, open; else -1 */
} TierStore;

/*
 * One copy of the source store that the target lacks; or, with --move,
 * one that the target holds already (drop: it is only forgotten in the
 * source, remove_copy(), and its file deleted).
 */
typedef struct TierItem
{
	pr_hash		hash;
	char	   *form;
	char	   *identifier;
	int64_t		bytes;
	bool		drop;
} TierItem;

/* The outcome of one item. */
typedef enum TierOutcome
{
	TIER_DONE,					/* copied and recorded */
	TIER_SKIPPED,				/* someone else is at it, or did it */
	TIER_FAILED,				/* not copied; said why on stderr */
	TIER_FATAL					/* the connection is gone: stop */
} TierOutcome;

typedef struct TierRun
{
	TierStore	from;
	TierStore	to;
	const char *form;			/* NULL: every form */
	bool		move;
	char	  **command;		/* NULL: copy files ourselves */
	int			concurrency;
	int			batch;
	int64_t		limit;			/* 0: no limit */
	bool		verbose;

	/* The queue from the producer (the main thread) to the workers. */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	TierItem  **queue;
	int			qcap;
	int			qhead;
	int			qlen;
	bool		produced;		/* nothing more will be queued */
	bool		stop;			/* a signal, or a fatal error: stop */
	int			running;		/* workers still working */

	/* Progress, under lock. */
	int64_t		done;
	int64_t		done_bytes;
	int64_t		failed;
	int64_t		skipped;
	int64_t		queued;
	int64_t		total;			/* -1: not counted */
	int64_t		total_bytes;
	pr_error	fatal;			/* the error that stopped the run */
} TierRun;

/* tier.c: record the copy of an item at identifier (add_copy or move_copy). */
TierOutcome tier_record(TierRun *run, pr_conn *conn, const TierItem *item,
						const char *identifier, char **old_identifier);
/*
 * Record the items whose outs[i] is TIER_DONE, at identifiers[i], in one
 * transaction (item by item if one of them fails); sets outs[i] and, with
 * --move, olds[i] (the source files to delete now).
 */
void		tier_record_batch(TierRun *run, pr_conn *conn, TierItem **items,
							  const char **identifiers, int n, TierOutcome *outs,
							  char **olds);
void		tier_item_warn(const TierItem *item, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
TierOutcome tier_server_error(TierRun *run, const TierItem *item, const char *what,
							  const pr_error *err);

/* tier_file.c */
int			tier_open_store_dir(TierStore *store, bool create, char *why, size_t len);
void		tier_copy_files(TierRun *run, pr_conn *conn, TierItem **items, int n,
							TierOutcome *outs, char *buf, size_t buflen);
void		tier_delete_file(const TierStore *store, const char *identifier,
							 const TierItem *item);

/* tier_command.c */
TierOutcome tier_copy_command(TierRun *run, pr_conn *conn, const TierItem *item);

#endif							/* PICT_REPO_TIER_H */
