/*-------------------------------------------------------------------------
 *
 * shared_stats.c
 *		Counting completions in shared memory, written to queue_stats by
 *		the maintenance pass.
 *
 * A completion used to add to its backend's queue_stats row in its own
 * transaction: an INSERT ... ON CONFLICT DO UPDATE that was half the work of
 * complete_job.  When the library is preloaded, a completion in the
 * database of the background worker (pict_repo.database) instead adds to a
 * counter in shared memory when its transaction commits, and every
 * maintenance pass (run_maintenance(), once per maintenance_interval in the
 * worker) writes the counters into queue_stats; pict_repo.shared_queue_stats
 * = off goes back to the statement.  Failed attempts are rare and keep their
 * statement.
 *
 * The rules that keep every completion counted exactly once:
 *
 *  - An entry (database, queue, minute) is pinned by the transaction that
 *    completes a job of it, from the completion to the end of the
 *    transaction, so it cannot be removed in between and the commit only
 *    adds to it: nothing at commit can fail.  When no entry is free, the
 *    completion writes its queue_stats row itself, as before.
 *  - Counts are added at commit (XACT_EVENT_COMMIT) and dropped with an
 *    aborted transaction or subtransaction; a transaction that is prepared
 *    for two-phase commit writes its counts with the statement instead.
 *  - One flush at a time: it moves an entry's counts to its "flushing"
 *    figures and records its transaction id (flush_xid), upserts the rows,
 *    and the end of its (sub)transaction either clears the flushing figures
 *    (committed: they are in the table now) or moves them back (aborted).
 *  - A reader (unflushed_queue_stats(), behind queue_stats() and
 *    average_time_to_completion()) adds an entry's counts, and its flushing
 *    figures unless flush_xid's rows are visible to its snapshot, so that a
 *    flush is counted once whether the reader sees its rows or not.
 *
 * What a crash loses: a crash of the server (or of any backend, which makes
 * the postmaster reinitialise shared memory) loses the counts not yet
 * written, at most one maintenance_interval of completions (the jobs
 * themselves stay completed: the deletes are durable).  A clean shutdown
 * loses nothing: the postmaster writes the counters to a file as it exits
 * and reads it back at the next start (pg_stat_statements does the same);
 * a server that starts as a standby or for a recovery to a target ignores
 * the file, since its primary has counted those completions already.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "catalog/pg_control.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "miscadmin.h"
#include "queue.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

/* Entries (database, queue, minute) in shared memory. */
#define PR_SHARED_STATS_ENTRIES 1024

/* Where the postmaster keeps the counters over a clean shutdown. */
#define PR_SHARED_STATS_FILE "pg_stat/pict_repo_queue_stats.stat"
#define PR_SHARED_STATS_MAGIC 0x50525153	/* "PRQS" */

/* Bytes of a queue name: PR_QUEUE_MAX characters of up to 4 bytes. */
#define PR_QUEUE_BYTES (PR_QUEUE_MAX * 4)

typedef struct PrStatsKey
{
	Oid			dbid;
	int32		len;			/* bytes of queue used */
	TimestampTz minute;
	char		queue[PR_QUEUE_BYTES];	/* zero-padded: the key is compared whole */
} PrStatsKey;

typedef struct PrStatsCounts
{
	int64		completed;
	int64		wait_us;
	int64		run_us;
} PrStatsCounts;

typedef struct PrStatsEntry
{
	PrStatsKey	key;
	int32		pins;			/* transactions that will add to it */
	PrStatsCounts counts;		/* not written yet */
	PrStatsCounts flushing;		/* being written by flush_xid */
} PrStatsEntry;

typedef struct PrStatsShared
{
	LWLock	   *lock;			/* guards everything: shared to read, exclusive to change */
	TransactionId flush_xid;	/* the flush under way, or invalid */
} PrStatsShared;

/* A transaction's completions, added to their entry at commit. */
typedef struct PrPending
{
	PrStatsEntry *entry;
	int			level;			/* transaction nesting level of the completion */
	PrStatsCounts counts;
} PrPending;

static PrStatsShared *shared = NULL;
static HTAB *entries = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static PrPending *pending = NULL;
static int	npending = 0;
static int	maxpending = 0;
static bool callbacks_registered = false;

/* The nesting level of this backend's flush, 0 when it runs none. */
static int	flush_level = 0;

/* The worker's database, looked up once: InvalidOid until then. */
static Oid	worker_dbid = InvalidOid;
static bool worker_dbid_known = false;

static void StatsXactCallback(XactEvent event, void *arg);
static void StatsSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
							SubTransactionId parentSubid, void *arg);

static Size
SharedSize(void)
{
	return add_size(MAXALIGN(sizeof(PrStatsShared)),
					hash_estimate_size(PR_SHARED_STATS_ENTRIES, sizeof(PrStatsEntry)));
}

static void
ShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(SharedSize());
	RequestNamedLWLockTranche("pict_repo", 1);
}

static void
AddCounts(PrStatsCounts *to, const PrStatsCounts *from)
{
	to->completed += from->completed;
	to->wait_us += from->wait_us;
	to->run_us += from->run_us;
}

static bool
CountsZero(const PrStatsCounts *c)
{
	return c->completed == 0 && c->wait_us == 0 && c->run_us == 0;
}

/* Find or make the entry of key; NULL when the table is full. */
static PrStatsEntry *
EntryFor(const PrStatsKey *key)
{
	PrStatsEntry *e;
	bool		found;

	e = (PrStatsEntry *) hash_search(entries, key, HASH_FIND, NULL);
	if (e != NULL)
		return e;
	if (hash_get_num_entries(entries) >= PR_SHARED_STATS_ENTRIES)
		return NULL;
	e = (PrStatsEntry *) hash_search(entries, key, HASH_ENTER_NULL, &found);
	if (e != NULL && !found)
	{
		e->pins = 0;
		memset(&e->counts, 0, sizeof(e->counts));
		memset(&e->flushing, 0, sizeof(e->flushing));
	}
	return e;
}

/*
 * The counters a clean shutdown left behind, read by the postmaster before
 * any backend starts; the file is removed at once, so that a crash later
 * never reads it again (the worker writes them into queue_stats).
 */
static void
LoadFile(void)
{
	FILE	   *f;
	uint32		header[2];
	bool		ok = true;
	int			n = 0;

	f = AllocateFile(PR_SHARED_STATS_FILE, PG_BINARY_R);
	if (f == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", PR_SHARED_STATS_FILE)));
		return;
	}

	/* A standby or a recovery to a target: the primary counted these. */
	if (access(STANDBY_SIGNAL_FILE, F_OK) == 0 ||
		access(RECOVERY_SIGNAL_FILE, F_OK) == 0)
	{
		FreeFile(f);
		unlink(PR_SHARED_STATS_FILE);
		return;
	}

	if (fread(header, sizeof(header), 1, f) != 1 ||
		header[0] != PR_SHARED_STATS_MAGIC)
		ok = false;
	for (uint32 i = 0; ok && i < header[1]; i++)
	{
		PrStatsKey	key;
		PrStatsCounts counts;
		PrStatsEntry *e;

		memset(&key, 0, sizeof(key));
		if (fread(&key, sizeof(key), 1, f) != 1 ||
			fread(&counts, sizeof(counts), 1, f) != 1 ||
			key.len < 0 || key.len > PR_QUEUE_BYTES)
		{
			ok = false;
			break;
		}
		e = EntryFor(&key);
		if (e == NULL)
			break;
		AddCounts(&e->counts, &counts);
		n++;
	}
	if (!ok)
		ereport(LOG,
				(errmsg("ignoring the rest of the corrupt file \"%s\"", PR_SHARED_STATS_FILE)));
	else if (n > 0)
		ereport(LOG,
				(errmsg("pict_repo read %d unwritten queue statistics entries kept over the shutdown", n)));
	FreeFile(f);
	unlink(PR_SHARED_STATS_FILE);
}

/* Whether pg_control says the server was shut down cleanly. */
static bool
CleanShutdown(void)
{
	ControlFileData control;
	int			fd = OpenTransientFile(XLOG_CONTROL_FILE, O_RDONLY | PG_BINARY);
	bool		ok;

	if (fd < 0)
		return false;
	ok = read(fd, &control, sizeof(control)) == sizeof(control);
	CloseTransientFile(fd);
	return ok && control.state == DB_SHUTDOWNED;
}

/*
 * At the postmaster's exit after a clean shutdown (every backend has gone),
 * keep the counters that no maintenance pass wrote yet.
 */
static void
SaveFile(int code, Datum arg)
{
	FILE	   *f;
	HASH_SEQ_STATUS seq;
	PrStatsEntry *e;
	uint32		header[2] = {PR_SHARED_STATS_MAGIC, 0};

	/*
	 * Only after a shutdown checkpoint: after a crash or an immediate
	 * shutdown shared memory is not to be trusted, and asynchronously
	 * committed completions counted here may be lost in recovery.
	 */
	if (code != 0 || shared == NULL || !CleanShutdown())
		return;

	hash_seq_init(&seq, entries);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (!CountsZero(&e->counts) || !CountsZero(&e->flushing))
			header[1]++;
	if (header[1] == 0)
		return;

	f = AllocateFile(PR_SHARED_STATS_FILE ".tmp", PG_BINARY_W);
	if (f == NULL)
		goto error;
	if (fwrite(header, sizeof(header), 1, f) != 1)
		goto error;
	hash_seq_init(&seq, entries);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		PrStatsCounts c = e->counts;

		AddCounts(&c, &e->flushing);
		if (CountsZero(&c))
			continue;
		if (fwrite(&e->key, sizeof(e->key), 1, f) != 1 ||
			fwrite(&c, sizeof(c), 1, f) != 1)
		{
			hash_seq_term(&seq);
			goto error;
		}
	}
	if (FreeFile(f) != 0)
	{
		f = NULL;
		goto error;
	}
	(void) durable_rename(PR_SHARED_STATS_FILE ".tmp", PR_SHARED_STATS_FILE, LOG);
	return;

error:
	ereport(LOG,
			(errcode_for_file_access(),
			 errmsg("could not write file \"%s\": %m", PR_SHARED_STATS_FILE ".tmp")));
	if (f != NULL)
		FreeFile(f);
	unlink(PR_SHARED_STATS_FILE ".tmp");
}

static void
ShmemStartup(void)
{
	bool		found;
	HASHCTL		info;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("pict_repo queue statistics", sizeof(PrStatsShared), &found);
	if (!found)
	{
		shared->lock = &(GetNamedLWLockTranche("pict_repo"))->lock;
		shared->flush_xid = InvalidTransactionId;
	}
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(PrStatsKey);
	info.entrysize = sizeof(PrStatsEntry);
	entries = ShmemInitHash("pict_repo queue statistics entries",
							PR_SHARED_STATS_ENTRIES, PR_SHARED_STATS_ENTRIES,
							&info, HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);

	if (!IsUnderPostmaster)
	{
		on_shmem_exit(SaveFile, (Datum) 0);
		if (!found)
			LoadFile();
	}
}

/* Ask for the shared memory; called by _PG_init while preloading. */
void
PrSharedStatsInit(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ShmemStartup;
}

/*
 * Whether the readers of queue_stats add the counts of shared memory: the
 * library was preloaded and the extension's SQL has unflushed_queue_stats()
 * (1.5 or later; the library may be newer than the extension until ALTER
 * EXTENSION UPDATE).
 */
bool
PrSharedStatsReadable(void)
{
	if (shared == NULL)
		return false;
	return OidIsValid(LookupFuncName(list_make2(makeString(PR_SCHEMA),
												makeString("unflushed_queue_stats")),
									 0, NULL, true));
}

/*
 * Whether completions in this backend count in shared memory: the setting
 * is on, this is the worker's database, and readers add the counts.
 */
bool
PrSharedStatsOn(void)
{
	static bool readable = false;

	if (shared == NULL || !pict_repo_shared_queue_stats)
		return false;
	if (!worker_dbid_known)
	{
		worker_dbid = pict_repo_database ? get_database_oid(pict_repo_database, true)
			: InvalidOid;
		worker_dbid_known = true;
	}
	if (!OidIsValid(worker_dbid) || worker_dbid != MyDatabaseId)
		return false;
	/* Once there, the function stays (until a DROP EXTENSION). */
	if (!readable)
		readable = PrSharedStatsReadable();
	return readable;
}

/* Return the date_trunc('minute', ts, 'UTC') of ts. */
static TimestampTz
MinuteOf(TimestampTz ts)
{
	int64		r = ts % USECS_PER_MINUTE;

	return ts - (r < 0 ? r + USECS_PER_MINUTE : r);
}

/* An interval of us microseconds, as timestamp subtraction makes it (days and time). */
static Datum
IntervalOf(int64 us)
{
	Interval   *i = palloc0(sizeof(Interval));

	i->time = us;
	return DirectFunctionCall1(interval_justify_hours, IntervalPGetDatum(i));
}

/*
 * Add counts to the queue_stats row of queue (len bytes) and minute in this
 * backend's shard, in a SPI connection of its own (which leaves the
 * caller's SPI result as it was).
 */
static void
UpsertRow(const char *queue, int len, TimestampTz minute, const PrStatsCounts *counts)
{
	static const Oid argtypes[] = {TEXTOID, TIMESTAMPTZOID, INT2OID, INT8OID,
	INTERVALOID, INTERVALOID};
	static PrPlan upsert_plan;
	Datum		values[6];

	values[0] = PointerGetDatum(cstring_to_text_with_len(queue, len));
	values[1] = TimestampTzGetDatum(minute);
	values[2] = Int16GetDatum(PR_STATS_SHARD());
	values[3] = Int64GetDatum(counts->completed);
	values[4] = IntervalOf(counts->wait_us);
	values[5] = IntervalOf(counts->run_us);
	PrConnect();
	PrExec(&upsert_plan,
		   "INSERT INTO " PR_SCHEMA ".queue_stats AS qs"
		   " (queue, minute, shard, completed, wait_time, run_time)"
		   " VALUES ($1, $2, $3, $4, $5, $6)"
		   " ON CONFLICT (queue, minute, shard) DO UPDATE SET " PR_STATS_ADD_COMPLETED,
		   6, argtypes, values, NULL, false, 0, SPI_OK_INSERT);
	PrFinish();
}

static void
RegisterCallbacks(void)
{
	if (callbacks_registered)
		return;
	RegisterXactCallback(StatsXactCallback, NULL);
	RegisterSubXactCallback(StatsSubXactCallback, NULL);
	callbacks_registered = true;
}

/*
 * Count one completion of a job of queue (len bytes) that waited wait_us
 * and ran run_us, to be added when the transaction commits.  False when no
 * entry is free: the caller writes its row itself.
 */
static bool
CountCompletion(const char *queue, int len, int64 wait_us, int64 run_us)
{
	PrStatsKey	key;
	int			level = GetCurrentTransactionNestLevel();
	PrPending  *p = NULL;

	Assert(shared != NULL);
	if (len > PR_QUEUE_BYTES)
		return false;
	/* Zero-padded: the hash compares the key whole. */
	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.len = len;
	key.minute = MinuteOf(GetCurrentTransactionStartTimestamp());
	memcpy(key.queue, queue, len);

	for (int i = npending - 1; i >= 0; i--)
		if (pending[i].level == level &&
			memcmp(&pending[i].entry->key, &key, sizeof(key)) == 0)
		{
			p = &pending[i];
			break;
		}

	if (p == NULL)
	{
		PrStatsEntry *e;

		RegisterCallbacks();
		if (npending == maxpending)
		{
			int			n = maxpending == 0 ? 8 : maxpending * 2;

			pending = pending == NULL
				? MemoryContextAlloc(TopMemoryContext, n * sizeof(PrPending))
				: repalloc(pending, n * sizeof(PrPending));
			maxpending = n;
		}
		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		e = EntryFor(&key);
		if (e != NULL)
			e->pins++;
		LWLockRelease(shared->lock);
		if (e == NULL)
			return false;
		p = &pending[npending++];
		p->entry = e;
		p->level = level;
		memset(&p->counts, 0, sizeof(p->counts));
	}
	p->counts.completed++;
	p->counts.wait_us += wait_us;
	p->counts.run_us += run_us;
	return true;
}

/*
 * Count the completions of the last SPI result, whose columns qcol,
 * qcol + 1 and qcol + 2 are the job's queue (text), queue_time and run_at
 * (timestamptz).  A completion that finds no free entry writes its
 * queue_stats row at once, as without shared counts.
 */
void
PrSharedStatsCountResult(int qcol)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	for (uint64 row = 0; row < SPI_processed; row++)
	{
		bool		isnull;
		text	   *queue = DatumGetTextPP(PrGetDatum((int) row, qcol, &isnull));
		TimestampTz queue_time = DatumGetTimestampTz(PrGetDatum((int) row, qcol + 1, &isnull));
		TimestampTz run_at = DatumGetTimestampTz(PrGetDatum((int) row, qcol + 2, &isnull));
		int64		wait_us = Max(run_at - queue_time, 0);
		int64		run_us = Max(now - run_at, 0);

		if (!CountCompletion(VARDATA_ANY(queue), VARSIZE_ANY_EXHDR(queue), wait_us, run_us))
		{
			PrStatsCounts counts = {1, wait_us, run_us};

			UpsertRow(VARDATA_ANY(queue), VARSIZE_ANY_EXHDR(queue), MinuteOf(now), &counts);
		}
	}
}

/* Drop (unpin) the pending counts from nesting level level on. */
static void
DropPending(int level)
{
	int			keep = 0;

	if (npending == 0)
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < npending; i++)
	{
		if (pending[i].level >= level)
			pending[i].entry->pins--;
		else
			pending[keep++] = pending[i];
	}
	LWLockRelease(shared->lock);
	npending = keep;
}

/* Add every pending count to its entry and unpin it: the commit. */
static void
AddPending(void)
{
	if (npending == 0)
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < npending; i++)
	{
		AddCounts(&pending[i].entry->counts, &pending[i].counts);
		pending[i].entry->pins--;
	}
	LWLockRelease(shared->lock);
	npending = 0;
}

/*
 * End this backend's flush: committed, the flushing figures are in the
 * table; aborted, they go back to the counts.  Entries left empty and
 * unpinned are removed.
 */
static void
EndFlush(bool committed)
{
	HASH_SEQ_STATUS seq;
	PrStatsEntry *e;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, entries);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (!committed)
			AddCounts(&e->counts, &e->flushing);
		memset(&e->flushing, 0, sizeof(e->flushing));
		if (e->pins == 0 && CountsZero(&e->counts))
			(void) hash_search(entries, &e->key, HASH_REMOVE, NULL);
	}
	shared->flush_xid = InvalidTransactionId;
	LWLockRelease(shared->lock);
	flush_level = 0;
}

/*
 * Write a transaction's counts with the statement before it is prepared for
 * two-phase commit: its commit may come from another session, or after a
 * restart, where no callback of this backend would add them.
 */
static void
WritePendingRows(void)
{
	for (int i = 0; i < npending; i++)
	{
		PrStatsKey *key = &pending[i].entry->key;

		UpsertRow(key->queue, key->len, key->minute, &pending[i].counts);
	}
	DropPending(0);
}

static void
StatsXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			AddPending();
			if (flush_level > 0)
				EndFlush(true);
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			DropPending(0);
			if (flush_level > 0)
				EndFlush(false);
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (flush_level > 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that wrote the shared queue statistics")));
			if (npending > 0)
			{
				/* PREPARE TRANSACTION runs without a snapshot. */
				PushActiveSnapshot(GetTransactionSnapshot());
				WritePendingRows();
				PopActiveSnapshot();
			}
			break;
		default:
			break;
	}
}

static void
StatsSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
				SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	switch (event)
	{
		case SUBXACT_EVENT_ABORT_SUB:
			DropPending(level);
			if (flush_level >= level)
				EndFlush(false);
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			for (int i = 0; i < npending; i++)
				if (pending[i].level >= level)
					pending[i].level = level - 1;
			if (flush_level >= level)
				flush_level = level - 1;
			break;
		default:
			break;
	}
}

/* A flush's share of one entry, copied out under the lock. */
typedef struct PrFlushRow
{
	PrStatsKey	key;
	PrStatsCounts counts;
} PrFlushRow;

/* Whether this database has counts to write and no flush is under way. */
static bool
HaveCountsToFlush(void)
{
	HASH_SEQ_STATUS seq;
	PrStatsEntry *e;
	bool		found = false;

	LWLockAcquire(shared->lock, LW_SHARED);
	if (!TransactionIdIsValid(shared->flush_xid))
	{
		hash_seq_init(&seq, entries);
		while ((e = hash_seq_search(&seq)) != NULL)
			if (e->key.dbid == MyDatabaseId && !CountsZero(&e->counts))
			{
				found = true;
				hash_seq_term(&seq);
				break;
			}
	}
	LWLockRelease(shared->lock);
	return found;
}

/*
 * Write the counts of this database into queue_stats (the current
 * transaction's shard of each minute) and return how many rows it wrote;
 * 0 when another flush is under way.  Called by the maintenance pass and
 * flush_queue_stats(), in the caller's transaction.
 */
int
PrSharedStatsFlush(void)
{
	HASH_SEQ_STATUS seq;
	PrStatsEntry *e;
	PrFlushRow *rows;
	int			nrows = 0;
	TransactionId xid;

	if (shared == NULL || flush_level > 0)
		return 0;

	/*
	 * Nothing to write (or another flush under way): return without taking
	 * a transaction id, so that an idle pass writes no commit record.
	 */
	if (!HaveCountsToFlush())
		return 0;

	/* Assigning an id may fail: before any change to shared memory. */
	xid = GetCurrentTransactionId();
	RegisterCallbacks();
	rows = palloc(sizeof(PrFlushRow) * PR_SHARED_STATS_ENTRIES);

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	if (TransactionIdIsValid(shared->flush_xid))
	{
		LWLockRelease(shared->lock);
		pfree(rows);
		return 0;
	}
	hash_seq_init(&seq, entries);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (e->key.dbid != MyDatabaseId || CountsZero(&e->counts))
			continue;
		rows[nrows].key = e->key;
		rows[nrows].counts = e->counts;
		e->flushing = e->counts;
		memset(&e->counts, 0, sizeof(e->counts));
		nrows++;
	}
	if (nrows > 0)
	{
		shared->flush_xid = xid;
		flush_level = GetCurrentTransactionNestLevel();
	}
	LWLockRelease(shared->lock);

	for (int i = 0; i < nrows; i++)
		UpsertRow(rows[i].key.queue, rows[i].key.len, rows[i].key.minute, &rows[i].counts);
	pfree(rows);
	return nrows;
}

/* Whether the rows written by xid are visible to snapshot. */
static bool
XidVisible(TransactionId xid, Snapshot snapshot)
{
	if (TransactionIdIsCurrentTransactionId(xid))
		return true;
	if (snapshot != NULL && XidInMVCCSnapshot(xid, snapshot))
		return false;
	return TransactionIdDidCommit(xid);
}

/*
 * unflushed_queue_stats(): the completions of this database counted in
 * shared memory and not yet in queue_stats as the statement's snapshot sees
 * it, one row per queue and minute.
 */
PG_FUNCTION_INFO_V1(pict_repo_unflushed_queue_stats);
Datum
pict_repo_unflushed_queue_stats(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS seq;
	PrStatsEntry *e;
	PrFlushRow *rows;
	int			nrows = 0;
	bool		add_flushing = false;

	PrMaterialize(fcinfo);
	if (shared == NULL)
		PG_RETURN_NULL();

	rows = palloc(sizeof(PrFlushRow) * PR_SHARED_STATS_ENTRIES);
	LWLockAcquire(shared->lock, LW_SHARED);
	if (TransactionIdIsValid(shared->flush_xid))
		add_flushing = !XidVisible(shared->flush_xid,
								   ActiveSnapshotSet() ? GetActiveSnapshot() : NULL);
	hash_seq_init(&seq, entries);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (e->key.dbid != MyDatabaseId)
			continue;
		rows[nrows].key = e->key;
		rows[nrows].counts = e->counts;
		if (add_flushing)
			AddCounts(&rows[nrows].counts, &e->flushing);
		if (!CountsZero(&rows[nrows].counts))
			nrows++;
	}
	LWLockRelease(shared->lock);

	for (int i = 0; i < nrows; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = PointerGetDatum(cstring_to_text_with_len(rows[i].key.queue,
															 rows[i].key.len));
		values[1] = TimestampTzGetDatum(rows[i].key.minute);
		values[2] = Int64GetDatum(rows[i].counts.completed);
		values[3] = IntervalOf(rows[i].counts.wait_us);
		values[4] = IntervalOf(rows[i].counts.run_us);
		PrPutRow(fcinfo, values, nulls);
	}
	PG_RETURN_NULL();
}

/*
 * Forget the counts of this database (a C function the 1.4--1.5 script
 * creates, runs once and drops): counters left over from an extension
 * dropped in this database while the server ran must not be written into
 * the queue_stats of one created afresh, and every CREATE EXTENSION runs
 * that script.  Returns the entries dropped.
 */
PG_FUNCTION_INFO_V1(pict_repo_discard_queue_stats);
Datum
pict_repo_discard_queue_stats(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS seq;
	PrStatsEntry *e;
	int			n = 0;

	if (shared == NULL)
		PG_RETURN_INT32(0);
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, entries);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (e->key.dbid != MyDatabaseId)
			continue;
		memset(&e->counts, 0, sizeof(e->counts));
		memset(&e->flushing, 0, sizeof(e->flushing));
		if (e->pins == 0)
			(void) hash_search(entries, &e->key, HASH_REMOVE, NULL);
		n++;
	}
	LWLockRelease(shared->lock);
	PG_RETURN_INT32(n);
}

/*
 * flush_queue_stats(): write the counts of shared memory into queue_stats
 * now, in the caller's transaction; returns the rows written (0 when
 * another flush is under way or nothing is counted).
 */
PG_FUNCTION_INFO_V1(pict_repo_flush_queue_stats);
Datum
pict_repo_flush_queue_stats(PG_FUNCTION_ARGS)
{
	PrRequireWritable();
	PG_RETURN_INT32(PrSharedStatsFlush());
}
