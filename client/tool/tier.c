/*-------------------------------------------------------------------------
 *
 * tier.c
 *		pict-repo tier copy: copy every copy of one store that another
 *		store lacks, and record it.
 *
 * The main thread walks the source store and the target store side by
 * side in keyset pages (copies_in_store(), both in hash order) and queues
 * every copy of the source that the target does not have; N worker
 * threads, each with its own connection, take them from the queue.  For
 * two 'file' stores a worker copies the file itself (tier_file.c);
 * otherwise it runs the user's command (tier_command.c).  Only once the
 * target's file is complete and durable does it record the copy
 * (add_copy(), or move_copy() with --move, whose old file it deletes after
 * the commit).  So a run killed at any moment leaves no recorded copy
 * without its file, and the next run takes up what is left: the copies
 * the target still lacks.
 *
 * Progress: on a terminal, a bar on stderr (copies and bytes done of the
 * total counted by a first walk, rate, ETA); otherwise one summary line.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "tier.h"

#define DEFAULT_BATCH 1000
#define MAX_CONCURRENCY 64
#define COPY_BUFFER (1024 * 1024)
#define FILES_PER_FLUSH 32		/* files a worker makes durable at once ... */
#define BYTES_PER_FLUSH (64 * 1024 * 1024)	/* ... or this many bytes */
#define DRAW_EVERY 0.2			/* seconds between two draws of the bar */

static volatile sig_atomic_t stop_requested;

static void
tier_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo tier copy --from A --to B [--form F] [--limit N] [--move]\n"
			"                           [--concurrency N] [--batch N] [-v] [-- COMMAND [ARGS...]]\n"
			"\n"
			"Copy every copy that store A holds (of form F, or of every form) and\n"
			"store B lacks, and record each in B: add_copy(), or with --move\n"
			"move_copy(), which forgets it in A, after which A's file is deleted.\n"
			"With --move, a copy of A that B holds already is only forgotten in A\n"
			"(remove_copy(), which never removes the last original) and its file\n"
			"deleted, so that A is left without the copies B holds.  A's copies are\n"
			"read in keyset batches (copies_in_store()) and compared with B's, so a\n"
			"run that was stopped or killed takes up the rest when it is run again.\n"
			"\n"
			"Between two 'file' stores the tool copies each file itself: to a\n"
			"temporary file " TIER_TMP_PREFIX "NAME next to its place in B (its size\n"
			"first checked against the bytes the copy records), made durable, its\n"
			"size compared with A's file, renamed into place (never over another\n"
			"file: an existing file with the same content is taken as copied, any\n"
			"other is left alone and the copy fails), the directory made durable, and\n"
			"only then recorded.  A worker does this for up to %d files at a time,\n"
			"with one transaction for the records.\n"
			"The identifier stays the same, relative to each store's location;\n"
			"identifiers that would leave the location (absolute, \".\" or \"..\"\n"
			"components) are refused.\n"
			"\n"
			"Otherwise COMMAND runs once per copy (posix_spawn, stdin /dev/null,\n"
			"stderr passed through) with PICT_REPO_ACTION=copy and, in its\n"
			"environment, PICT_REPO_HASH (hex), PICT_REPO_FORM, PICT_REPO_BYTES,\n"
			"PICT_REPO_SRC_STORE, PICT_REPO_SRC_KIND, PICT_REPO_SRC_LOCATION,\n"
			"PICT_REPO_SRC_IDENTIFIER, PICT_REPO_DST_STORE, PICT_REPO_DST_KIND,\n"
			"PICT_REPO_DST_LOCATION and PICT_REPO_DST_IDENTIFIER (the source's\n"
			"identifier, proposed).  Exit 0 records the copy under the first line the\n"
			"command printed on stdout, or PICT_REPO_DST_IDENTIFIER when it printed\n"
			"none.  With --move, once move_copy() has committed, COMMAND runs again\n"
			"with PICT_REPO_ACTION=delete to delete PICT_REPO_SRC_IDENTIFIER from A.\n"
			"The command must make the copy complete and durable before it exits 0.\n"
			"\n"
			"Options:\n"
			"  -f, --from A          the source store\n"
			"  -t, --to B            the target store\n"
			"  -F, --form F          only copies of this form (default: every form)\n"
			"  -n, --limit N         at most N copies\n"
			"  -m, --move            move: forget the copy in A, then delete its file\n"
			"  -c, --concurrency N   N workers, each with its own connection (1..%d,\n"
			"                        default 1)\n"
			"  -b, --batch N         rows per keyset page (1..10000, default %d)\n"
			"  -v, --verbose         one line per copy on stderr\n"
			"  -h, --help            show this help\n"
			"\n"
			"On a terminal a progress bar is drawn on stderr (copies and bytes done of\n"
			"the total, rate, ETA); otherwise one summary line is printed there at the\n"
			"end.  SIGINT or SIGTERM: the workers finish the copy in hand, then the\n"
			"run stops (exit 1); run it again to finish.\n"
			"\n"
			"Exit status: 0 every copy made, 1 some copies failed (each named on\n"
			"stderr), an unknown store, or stopped by a signal, 2 usage error,\n"
			"3 server or connection error.\n", FILES_PER_FLUSH, MAX_CONCURRENCY, DEFAULT_BATCH);
}

static void
on_signal(int sig)
{
	(void) sig;
	stop_requested = 1;
}

/* ---- messages ------------------------------------------------------------ */

/* Warn about one item: "pict-repo: tier copy: HASH FORM IDENTIFIER: what". */
void
tier_item_warn(const TierItem *item, const char *fmt,...)
{
	char		hex[2 * PR_HASH_MAX + 1];
	char		msg[1024];
	va_list		ap;

	format_hex(item->hash.data, item->hash.len, hex);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	flockfile(stderr);
	fprintf(stderr, "\npict-repo: tier copy: %s ", hex);
	tool_put(stderr, item->form);
	fputc(' ', stderr);
	tool_put(stderr, item->identifier);
	fputs(": ", stderr);
	tool_put(stderr, msg);
	fputc('\n', stderr);
	funlockfile(stderr);
}

/*
 * An error of the server on an item: a connection error stops the run
 * (TIER_FATAL, kept in run->fatal); anything else fails the item.
 */
TierOutcome
tier_server_error(TierRun *run, const TierItem *item, const char *what,
				  const pr_error *err)
{
	if (strncmp(err->sqlstate, "08", 2) == 0)
	{
		pthread_mutex_lock(&run->lock);
		if (!run->fatal.sqlstate[0])
			run->fatal = *err;
		pthread_mutex_unlock(&run->lock);
		return TIER_FATAL;
	}
	tier_item_warn(item, "%s: %s: %s", what, err->sqlstate, err->message);
	return TIER_FAILED;
}

/*
 * The one call that records an item: add_copy(); with --move, move_copy(),
 * or remove_copy() for a copy the target holds already (a drop).  With
 * --move, *old_identifier is the source's file to delete after the commit.
 */
static int
record_one(TierRun *run, pr_conn *conn, const TierItem *item, const char *identifier,
		   char **old_identifier, pr_error *err)
{
	if (item->drop)
		return pr_remove_copy(conn, item->hash.data, item->hash.len, run->from.name,
							  item->form, old_identifier, err);
	if (run->move)
		return pr_move_copy(conn, item->hash.data, item->hash.len, item->form,
							run->from.name, run->to.name, identifier, old_identifier, err);
	return pr_add_copy(conn, item->hash.data, item->hash.len, run->to.name, item->form,
					   identifier, item->bytes, err);
}

/*
 * Record the copy of item in the target under identifier: add_copy(), or
 * move_copy() with --move, which hands back the source's identifier (in
 * *old_identifier, to delete after the commit, which has happened when this
 * returns: every call is its own transaction).
 */
TierOutcome
tier_record(TierRun *run, pr_conn *conn, const TierItem *item, const char *identifier,
			char **old_identifier)
{
	pr_error	err;
	int			rc;

	*old_identifier = NULL;
	rc = record_one(run, conn, item, identifier, old_identifier, &err);
	if (rc == PR_ERROR)
		return tier_server_error(run, item, item->drop ? "remove_copy" :
								 run->move ? "move_copy" : "add_copy", &err);
	if (rc == PR_NONE)
	{
		/* Recorded meanwhile by someone else, or (move) gone from the source. */
		if (run->verbose)
			tier_item_warn(item, "recorded meanwhile by another run: left alone");
		return TIER_SKIPPED;
	}
	return TIER_DONE;
}

/* Run a statement of the transaction of a batch; false if it fails. */
static bool
run_sql(pr_conn *conn, const char *sql)
{
	PGresult   *res = PQexec(pr_pgconn(conn), sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	return ok;
}

void
tier_record_batch(TierRun *run, pr_conn *conn, TierItem **items, const char **identifiers,
				  int n, TierOutcome *outs, char **olds)
{
	int			todo = 0;
	int		   *rcs = calloc((size_t) n, sizeof(int));

	for (int i = 0; i < n; i++)
	{
		olds[i] = NULL;
		todo += outs[i] == TIER_DONE;
	}
	if (rcs && todo > 1 && run_sql(conn, "BEGIN"))
	{
		bool		all = true;
		pr_error	err;

		for (int i = 0; i < n && all; i++)
		{
			if (outs[i] != TIER_DONE)
				continue;
			rcs[i] = record_one(run, conn, items[i], identifiers[i], &olds[i], &err);
			all = rcs[i] != PR_ERROR;
		}
		if (all && run_sql(conn, "COMMIT"))
		{
			/* PR_NONE: recorded (or moved) meanwhile by someone else. */
			for (int i = 0; i < n; i++)
				if (outs[i] == TIER_DONE && rcs[i] == PR_NONE)
					outs[i] = TIER_SKIPPED;
			free(rcs);
			return;
		}
		/* One failed (or the commit did): nothing of it is written; one by one. */
		run_sql(conn, "ROLLBACK");
		for (int i = 0; i < n; i++)
		{
			pr_free(olds[i]);
			olds[i] = NULL;
		}
	}
	free(rcs);
	for (int i = 0; i < n; i++)
		if (outs[i] == TIER_DONE)
			outs[i] = tier_record(run, conn, items[i], identifiers[i], &olds[i]);
}

/* ---- walking the two stores side by side ----------------------------------- */

/* One store read in keyset pages. */
typedef struct Cursor
{
	const char *store;
	pr_store_copy_list *page;
	size_t		at;
	bool		started;
	bool		end;
	pr_hash		after;
	char	   *after_form;
} Cursor;

typedef struct Walker
{
	pr_conn    *conn;
	const char *form;
	int			batch;
	Cursor		a;
	Cursor		b;
	/* The forms the target holds of the hash group_hash. */
	bool		group_valid;
	pr_hash		group_hash;
	char	  **group;
	size_t		ngroup;
	size_t		capgroup;
} Walker;

/* Order of bytea: bytes compared, then the shorter first. */
static int
hash_cmp(const pr_hash *x, const pr_hash *y)
{
	size_t		n = x->len < y->len ? x->len : y->len;
	int			c = memcmp(x->data, y->data, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* The cursor's current row, fetching the next page when needed; NULL at the end. */
static const pr_store_copy_row *
cursor_peek(Walker *w, Cursor *c, pr_error *err, bool *failed)
{
	*failed = false;
	while (!c->end && (!c->page || c->at >= c->page->n))
	{
		pr_store_copy_list *next = NULL;

		if (c->page && c->page->n > 0)
		{
			c->after = c->page->rows[c->page->n - 1].hash;
			free(c->after_form);
			c->after_form = strdup(c->page->rows[c->page->n - 1].form);
			c->started = true;
		}
		if (c->page && c->page->n < (size_t) w->batch)
			c->end = true;
		pr_free(c->page);
		c->page = NULL;
		c->at = 0;
		if (c->end)
			break;
		if (pr_copies_in_store(w->conn, c->store, w->form, w->batch,
							   c->started ? c->after.data : NULL,
							   c->started ? c->after.len : 0,
							   c->started ? c->after_form : NULL, &next, err) != PR_OK)
		{
			*failed = true;
			return NULL;
		}
		c->page = next;
		if (next->n == 0)
			c->end = true;
	}
	return c->end ? NULL : &c->page->rows[c->at];
}

/* Does the target hold (hash, form)?  -1 on an error. */
static int
target_has(Walker *w, const pr_hash *hash, const char *form, pr_error *err)
{
	if (!w->group_valid || hash_cmp(&w->group_hash, hash) != 0)
	{
		const pr_store_copy_row *r;
		bool		failed;

		for (size_t i = 0; i < w->ngroup; i++)
			free(w->group[i]);
		w->ngroup = 0;
		while ((r = cursor_peek(w, &w->b, err, &failed)) && hash_cmp(&r->hash, hash) < 0)
			w->b.at++;
		if (failed)
			return -1;
		while ((r = cursor_peek(w, &w->b, err, &failed)) && hash_cmp(&r->hash, hash) == 0)
		{
			if (w->ngroup == w->capgroup)
			{
				size_t		cap = w->capgroup ? 2 * w->capgroup : 8;
				char	  **g = realloc(w->group, cap * sizeof(char *));

				if (!g)
					return -1;
				w->group = g;
				w->capgroup = cap;
			}
			w->group[w->ngroup++] = strdup(r->form);
			w->b.at++;
		}
		if (failed)
			return -1;
		w->group_hash = *hash;
		w->group_valid = true;
	}
	for (size_t i = 0; i < w->ngroup; i++)
		if (w->group[i] && strcmp(w->group[i], form) == 0)
			return 1;
	return 0;
}

/*
 * The next copy of the source that the target lacks (and, with all, also
 * those it holds, *held set for them): PR_OK, PR_NONE at the end.
 */
static int
walker_next(Walker *w, bool all, const pr_store_copy_row **row, bool *held, pr_error *err)
{
	for (;;)
	{
		bool		failed;
		const pr_store_copy_row *r = cursor_peek(w, &w->a, err, &failed);
		int			has;

		if (failed)
			return PR_ERROR;
		if (!r)
			return PR_NONE;
		w->a.at++;
		has = target_has(w, &r->hash, r->form, err);
		if (has < 0)
			return PR_ERROR;
		if (!has || all)
		{
			*row = r;
			*held = has;
			return PR_OK;
		}
	}
}

static void
walker_init(Walker *w, pr_conn *conn, const TierRun *run)
{
	memset(w, 0, sizeof(*w));
	w->conn = conn;
	w->form = run->form;
	w->batch = run->batch;
	w->a.store = run->from.name;
	w->b.store = run->to.name;
}

static void
walker_free(Walker *w)
{
	pr_free(w->a.page);
	pr_free(w->b.page);
	free(w->a.after_form);
	free(w->b.after_form);
	for (size_t i = 0; i < w->ngroup; i++)
		free(w->group[i]);
	free(w->group);
}

/* ---- progress ------------------------------------------------------------ */

/* Draw the bar (or, at the end off a terminal, the summary line). */
static void
draw(TierRun *run, double started, bool tty, bool final)
{
	int64_t		done,
				bytes,
				failed,
				skipped,
				total,
				total_bytes;
	double		secs = tier_now() - started;
	double		rate,
				brate;
	char		b1[32],
				b2[32],
				b3[32],
				eta[32];

	pthread_mutex_lock(&run->lock);
	done = run->done;
	bytes = run->done_bytes;
	failed = run->failed;
	skipped = run->skipped;
	total = run->total;
	total_bytes = run->total_bytes;
	pthread_mutex_unlock(&run->lock);
	if (secs <= 0)
		secs = 1e-6;
	rate = done / secs;
	brate = bytes / secs;
	tier_format_bytes(bytes, b1, sizeof(b1));
	tier_format_bytes(total_bytes, b2, sizeof(b2));
	tier_format_bytes((int64_t) brate, b3, sizeof(b3));
	if (tty)
	{
		const int	width = 30;
		int64_t		left = total - done - failed - skipped;
		int			filled;

		if (left < 0)
			left = 0;
		filled = total > 0 ? (int) ((total - left) * width / total) : (final ? width : 0);
		if (filled > width)
			filled = width;
		tier_format_duration(rate > 0 ? left / rate : 0, eta, sizeof(eta));
		fprintf(stderr, "\r[%.*s%*s] %lld/%lld copies, %s/%s, %.1f copies/s, %s/s, ETA %s%s",
				filled, "##############################", width - filled, "",
				(long long) done, (long long) total, b1, b2, rate, b3, eta,
				failed ? " (failures)" : "");
		if (final)
			fputc('\n', stderr);
		fflush(stderr);
	}
	else if (final)
	{
		fprintf(stderr, "pict-repo: tier copy: %lld copies (%s) %s ", (long long) done, b1,
				run->move ? "moved from" : "copied from");
		tool_put(stderr, run->from.name);
		fputs(" to ", stderr);
		tool_put(stderr, run->to.name);
		fprintf(stderr, " in %.1f s: %.1f copies/s, %s/s; %lld failed, %lld skipped%s\n",
				secs, rate, b3, (long long) failed, (long long) skipped,
				run->stop ? "; stopped before the end" : "");
	}
}

/* ---- workers --------------------------------------------------------------- */

typedef struct Worker
{
	TierRun    *run;
	pthread_t	thread;
	pr_conn    *conn;
} Worker;

/* Count the outcome of an item, say so when verbose, and free it. */
static void
finish_item(TierRun *run, TierItem *item, TierOutcome out)
{
	pthread_mutex_lock(&run->lock);
	switch (out)
	{
		case TIER_DONE:
			run->done++;
			run->done_bytes += item->bytes;
			break;
		case TIER_SKIPPED:
			run->skipped++;
			break;
		case TIER_FAILED:
			run->failed++;
			break;
		case TIER_FATAL:
			run->failed++;
			run->stop = true;
			break;
	}
	pthread_cond_broadcast(&run->changed);
	pthread_mutex_unlock(&run->lock);
	if (run->verbose && out == TIER_DONE)
	{
		char		hex[2 * PR_HASH_MAX + 1];

		format_hex(item->hash.data, item->hash.len, hex);
		flockfile(stderr);
		fprintf(stderr, "pict-repo: tier copy: %s %s ", run->move ? "moved" : "copied", hex);
		tool_put(stderr, item->form);
		fputc(' ', stderr);
		tool_put(stderr, item->identifier);
		fputc('\n', stderr);
		funlockfile(stderr);
	}
	free(item->form);
	free(item->identifier);
	free(item);
}

/*
 * A worker: take a batch of items from the queue (up to FILES_PER_FLUSH
 * files or BYTES_PER_FLUSH bytes, one item for a command), copy and record
 * it, until the queue is empty and nothing more comes, or the run stops.
 */
static void *
worker_main(void *arg)
{
	Worker	   *wk = arg;
	TierRun    *run = wk->run;
	char	   *buf = run->command ? NULL : malloc(COPY_BUFFER);
	TierItem   *batch[FILES_PER_FLUSH];
	TierOutcome outs[FILES_PER_FLUSH];

	for (;;)
	{
		int			n = 0;
		int64_t		bytes = 0;

		pthread_mutex_lock(&run->lock);
		while (run->qlen == 0 && !run->produced && !run->stop)
			pthread_cond_wait(&run->changed, &run->lock);
		while (!run->stop && run->qlen > 0 && n < (run->command ? 1 : FILES_PER_FLUSH) &&
			   (n == 0 || bytes + run->queue[run->qhead]->bytes <= BYTES_PER_FLUSH))
		{
			batch[n] = run->queue[run->qhead];
			bytes += batch[n++]->bytes;
			run->qhead = (run->qhead + 1) % run->qcap;
			run->qlen--;
		}
		pthread_cond_broadcast(&run->changed);
		pthread_mutex_unlock(&run->lock);
		if (n == 0)
			break;

		if (run->command)
			outs[0] = tier_copy_command(run, wk->conn, batch[0]);
		else if (!buf)
			for (int i = 0; i < n; i++)
			{
				tier_item_warn(batch[i], "out of memory");
				outs[i] = TIER_FAILED;
			}
		else
			tier_copy_files(run, wk->conn, batch, n, outs, buf, COPY_BUFFER);
		for (int i = 0; i < n; i++)
			finish_item(run, batch[i], outs[i]);
	}
	free(buf);
	pthread_mutex_lock(&run->lock);
	run->running--;
	pthread_cond_broadcast(&run->changed);
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

/*
 * Wait (the lock held) for a change of the run or 100 ms, drawing the bar
 * now and then.
 */
static void
wait_a_little(TierRun *run, double started, bool tty, double *last_draw)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 100 * 1000 * 1000;
	if (until.tv_nsec >= 1000000000L)
	{
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&run->changed, &run->lock, &until);
	if (tty && tier_now() - *last_draw >= DRAW_EVERY)
	{
		pthread_mutex_unlock(&run->lock);
		draw(run, started, tty, false);
		*last_draw = tier_now();
		pthread_mutex_lock(&run->lock);
	}
}

/* Wait until the queue has room (or the run stops). */
static bool
wait_for_room(TierRun *run, double started, bool tty, double *last_draw)
{
	bool		go;

	pthread_mutex_lock(&run->lock);
	for (;;)
	{
		if (stop_requested)
			run->stop = true;
		if (run->stop || run->qlen < run->qcap)
			break;
		wait_a_little(run, started, tty, last_draw);
	}
	go = !run->stop;
	pthread_mutex_unlock(&run->lock);
	return go;
}

/* Tell the workers nothing more comes, and wait for every one to finish. */
static void
wait_for_workers(TierRun *run, double started, bool tty, double *last_draw)
{
	pthread_mutex_lock(&run->lock);
	run->produced = true;
	pthread_cond_broadcast(&run->changed);
	while (run->running > 0)
	{
		if (stop_requested && !run->stop)
		{
			run->stop = true;
			pthread_cond_broadcast(&run->changed);
		}
		wait_a_little(run, started, tty, last_draw);
	}
	pthread_mutex_unlock(&run->lock);
}

/* ---- the run ---------------------------------------------------------------- */

/* Count what the run would copy (for the bar): a walk without copying. */
static int
count_missing(TierRun *run, pr_conn *conn, pr_error *err)
{
	Walker		w;
	const pr_store_copy_row *r;
	bool		held;
	int			rc;

	walker_init(&w, conn, run);
	run->total = 0;
	run->total_bytes = 0;
	while ((rc = walker_next(&w, run->move, &r, &held, err)) == PR_OK)
	{
		run->total++;
		run->total_bytes += r->bytes;
		if (run->limit > 0 && run->total >= run->limit)
			break;
		if (stop_requested)
			break;
	}
	walker_free(&w);
	return rc == PR_ERROR ? PR_ERROR : PR_OK;
}

/* Look a store up by name in pr_stores(); false if there is none. */
static bool
find_store(const pr_store_list *list, const char *name, TierStore *out)
{
	for (size_t i = 0; i < list->n; i++)
		if (strcmp(list->rows[i].name, name) == 0)
		{
			out->name = strdup(list->rows[i].name);
			out->kind = strdup(list->rows[i].kind);
			out->location = strdup(list->rows[i].location);
			out->dirfd = -1;
			return out->name && out->kind && out->location;
		}
	return false;
}

static void
free_store(TierStore *s)
{
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->name);
	free(s->kind);
	free(s->location);
}

/* Resolve the stores, open the file stores' directories; an exit code or -1. */
static int
prepare(TierRun *run, pr_conn *conn, const char *from, const char *to)
{
	pr_store_list *list = NULL;
	pr_error	err;
	const char *missing = NULL;
	char		why[512];

	if (pr_stores(conn, &list, &err) != PR_OK)
		return tool_fail("stores", &err);
	if (!find_store(list, from, &run->from))
		missing = from;
	else if (!find_store(list, to, &run->to))
		missing = to;
	pr_store_list_free(list);
	if (missing)
	{
		fputs("pict-repo: tier copy: no store \"", stderr);
		tool_put(stderr, missing);
		fputs("\" (pict-repo stores lists them)\n", stderr);
		return EXIT_NOTHING;
	}
	if (!run->command)
	{
		if (strcmp(run->from.kind, "file") != 0 || strcmp(run->to.kind, "file") != 0)
			return tool_usage_error("tier copy",
									"copying from a %s store to a %s store needs a command: -- COMMAND [ARGS...]",
									run->from.kind, run->to.kind);
		if (tier_open_store_dir(&run->from, false, why, sizeof(why)) != 0 ||
			tier_open_store_dir(&run->to, true, why, sizeof(why)) != 0)
		{
			fputs("pict-repo: tier copy: ", stderr);
			tool_put(stderr, why);
			fputc('\n', stderr);
			return EXIT_SERVER;
		}
	}
	return -1;
}

int
cmd_tier(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"form", required_argument, NULL, 'F'},
		{"limit", required_argument, NULL, 'n'},
		{"move", no_argument, NULL, 'm'},
		{"concurrency", required_argument, NULL, 'c'},
		{"batch", required_argument, NULL, 'b'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	TierRun		run;
	const char *from = NULL,
			   *to = NULL;
	long		v;
	int			c;
	int			rc = EXIT_OK;
	pr_conn    *conn;
	pr_error	err;
	Worker	   *workers = NULL;
	Walker		walker;
	bool		tty;
	double		started,
				last_draw = 0;
	struct sigaction sa,
				old_int,
				old_term;
	sigset_t	block,
				saved;
	int			started_workers = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
	{
		if (argc < 2)
			return tool_usage_error("tier", "expected an action: copy");
		tier_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "copy") != 0)
		return tool_usage_error("tier", "unknown action \"%s\" (copy)", argv[1]);
	argc--;
	argv++;

	memset(&run, 0, sizeof(run));
	run.concurrency = 1;
	run.batch = DEFAULT_BATCH;
	run.total = -1;
	run.from.dirfd = run.to.dirfd = -1;
	/* '+': stop at "--", the command's options are its own. */
	while ((c = getopt_long(argc, argv, "+f:t:F:n:mc:b:vh", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'f':
				from = optarg;
				break;
			case 't':
				to = optarg;
				break;
			case 'F':
				run.form = optarg;
				if (!*run.form || strlen(run.form) > 256)
					return tool_usage_error("tier copy", "--form must be a form name");
				break;
			case 'n':
				if (!parse_int(optarg, 1, INT32_MAX, &v))
					return tool_usage_error("tier copy", "--limit must be a number from 1 to %d",
											INT32_MAX);
				run.limit = v;
				break;
			case 'm':
				run.move = true;
				break;
			case 'c':
				if (!parse_int(optarg, 1, MAX_CONCURRENCY, &v))
					return tool_usage_error("tier copy", "--concurrency must be 1..%d",
											MAX_CONCURRENCY);
				run.concurrency = (int) v;
				break;
			case 'b':
				if (!parse_int(optarg, 1, 10000, &v))
					return tool_usage_error("tier copy", "--batch must be 1..10000");
				run.batch = (int) v;
				break;
			case 'v':
				run.verbose = true;
				break;
			case 'h':
				tier_usage(stdout);
				return EXIT_OK;
			default:
				return tool_usage_error("tier copy", "unknown option");
		}
	}
	if (optind < argc)
	{
		if (strcmp(argv[optind - 1], "--") != 0)
			return tool_usage_error("tier copy", "unexpected argument \"%s\" (a command follows --)",
									argv[optind]);
		run.command = argv + optind;
	}
	else if (optind > 0 && strcmp(argv[optind - 1], "--") == 0)
		return tool_usage_error("tier copy", "no command after --");
	if (!from || !to)
		return tool_usage_error("tier copy", "--from and --to are required");
	if (strcmp(from, to) == 0)
		return tool_usage_error("tier copy", "--from and --to must be two stores");

	if (!(conn = tool_connect(&rc)))
		return rc;
	if ((rc = prepare(&run, conn, from, to)) >= 0)
	{
		pr_finish(conn);
		free_store(&run.from);
		free_store(&run.to);
		return rc;
	}
	rc = EXIT_OK;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	tty = isatty(STDERR_FILENO);
	started = tier_now();
	if (tty && count_missing(&run, conn, &err) == PR_ERROR)
	{
		rc = tool_fail("copies_in_store", &err);
		goto done;
	}

	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.changed, NULL);
	run.qcap = 4 * run.concurrency + run.batch;
	run.queue = calloc((size_t) run.qcap, sizeof(TierItem *));
	workers = calloc((size_t) run.concurrency, sizeof(Worker));
	if (!run.queue || !workers)
	{
		tool_warn("tier copy: out of memory");
		rc = EXIT_SERVER;
		goto done;
	}
	/* The workers leave the signals to this thread. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &saved);
	for (int i = 0; i < run.concurrency; i++)
	{
		workers[i].run = &run;
		if (!(workers[i].conn = pr_connect(tool.conninfo, &err)))
		{
			rc = tool_fail("cannot connect", &err);
			break;
		}
		run.running++;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0)
		{
			run.running--;
			pr_finish(workers[i].conn);
			workers[i].conn = NULL;
			tool_warn("tier copy: cannot start a worker thread");
			rc = EXIT_SERVER;
			break;
		}
		started_workers++;
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);

	/* Produce: every copy of the source that the target lacks. */
	walker_init(&walker, conn, &run);
	while (rc == EXIT_OK)
	{
		const pr_store_copy_row *r;
		TierItem   *item;
		bool		held;
		int			wrc;

		if (run.limit > 0 && run.queued >= run.limit)
			break;
		if (!wait_for_room(&run, started, tty, &last_draw))
			break;
		wrc = walker_next(&walker, run.move, &r, &held, &err);
		if (wrc == PR_ERROR)
		{
			rc = tool_fail("copies_in_store", &err);
			break;
		}
		if (wrc == PR_NONE)
			break;
		item = calloc(1, sizeof(*item));
		if (!item || !(item->form = strdup(r->form)) || !(item->identifier = strdup(r->identifier)))
		{
			if (item)
				free(item->form);
			free(item);
			tool_warn("tier copy: out of memory");
			rc = EXIT_SERVER;
			break;
		}
		item->hash = r->hash;
		item->bytes = r->bytes;
		item->drop = held;
		pthread_mutex_lock(&run.lock);
		run.queue[(run.qhead + run.qlen) % run.qcap] = item;
		run.qlen++;
		run.queued++;
		pthread_cond_broadcast(&run.changed);
		pthread_mutex_unlock(&run.lock);
	}
	walker_free(&walker);
	if (rc != EXIT_OK)
	{
		pthread_mutex_lock(&run.lock);
		run.stop = true;
		pthread_mutex_unlock(&run.lock);
	}
	wait_for_workers(&run, started, tty, &last_draw);
	for (int i = 0; i < started_workers; i++)
		pthread_join(workers[i].thread, NULL);
	/* Items left in the queue when the run stopped. */
	while (run.qlen > 0)
	{
		TierItem   *item = run.queue[run.qhead];

		run.qhead = (run.qhead + 1) % run.qcap;
		run.qlen--;
		free(item->form);
		free(item->identifier);
		free(item);
	}
	if (tty && run.total >= 0)
		draw(&run, started, true, true);
	else
		draw(&run, started, false, true);
	if (run.fatal.sqlstate[0])
		rc = tool_fail("tier copy", &run.fatal);
	else if (rc == EXIT_OK && (run.failed > 0 || run.stop))
		rc = EXIT_NOTHING;

done:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (workers)
		for (int i = 0; i < run.concurrency; i++)
			if (workers[i].conn)
				pr_finish(workers[i].conn);
	free(workers);
	free(run.queue);
	pr_finish(conn);
	free_store(&run.from);
	free_store(&run.to);
	return rc;
}
