/*-------------------------------------------------------------------------
 *
 * pipeline.c
 *		libpictrepo: batches through libpq pipeline mode.
 *
 * A batch is first sent as one transaction: every item's prepared statement
 * with no sync point between them and one sync at the end, so that the
 * batch commits once (one WAL flush).  If any item fails, the server rolls
 * that transaction back and nothing of the batch is written; the batch is
 * then run again item by item, each item followed by its own sync point (its
 * own transaction), so that an error stops only its own item and every item
 * gets the result it would get alone.  Inside the caller's own transaction
 * (there is nothing to commit) and for a single item the items run item by
 * item from the start.
 *
 * Items are sent in chunks, and each chunk's results are read before the
 * next is sent, so neither side can block on a full socket buffer; a chunk
 * that does not end the transaction is followed by a flush request, since
 * before a sync the server sends results only when asked to (or when its
 * buffer is full).
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "pr_internal.h"

/* Items per chunk; the fuzz target makes it small to reach every path. */
#ifndef PR_PIPELINE_CHUNK
#define PR_PIPELINE_CHUNK 128
#endif
#define CHUNK PR_PIPELINE_CHUNK

/* Send one item's statement: fills p and sends it. */
typedef void (*ParamsFn) (PrParams *p, const void *items, size_t i);

/* Send item i's statement (no sync); false when libpq refused it. */
static bool
send_item(PGconn *pg, const PrStmt *stmt, const void *items, size_t i,
		  ParamsFn params)
{
	PrParams	p;
	int			ok;

	params(&p, items, i);
	/* No name: behind a transaction pooler, sent unnamed with its text. */
	if (stmt->name == NULL)
		ok = PQsendQueryParams(pg, stmt->sql, p.n, (const Oid *) stmt->types,
							   p.values, p.lengths, p.formats, 1);
	else
		ok = PQsendQueryPrepared(pg, stmt->name, p.n, p.values, p.lengths,
								 p.formats, 1);
	pri_params_free(&p);
	return ok != 0;
}

/*
 * Read the results up to the sync's.  Before it may come the error of a
 * commit that failed at the sync (then a NULL): it replaces *error.  False
 * when no sync came (the connection failed, or the exchange is not what the
 * protocol gives).
 */
static bool
read_sync(PGconn *pg, PGresult **error)
{
	int			nulls = 0;

	for (;;)
	{
		PGresult   *r = PQgetResult(pg);
		ExecStatusType st;

		if (!r)
		{
			/* A NULL ends an error; two in a row: no sync is coming. */
			if (PQstatus(pg) == CONNECTION_BAD || ++nulls > 1)
				return false;
			continue;
		}
		nulls = 0;
		st = PQresultStatus(r);
		if (st != PGRES_FATAL_ERROR)
		{
			PQclear(r);
			return st == PGRES_PIPELINE_SYNC;
		}
		PQclear(*error);
		*error = r;
	}
}

/*
 * Item by item: each item's statement is followed by a sync, so each is its
 * own transaction (outside the caller's) and an error stops only its own
 * item.  results[i] receives the item's PGresult, or stays NULL when the
 * connection failed before the item ran.  Returns true when the exchange
 * broke.
 */
static bool
run_items(PGconn *pg, const PrStmt *stmt, const void *items, size_t n,
		  ParamsFn params, PGresult **results)
{
	bool		broken = false;

	for (size_t start = 0; start < n && !broken; start += CHUNK)
	{
		size_t		end = start + CHUNK < n ? start + CHUNK : n;
		size_t		sent = start;

		for (size_t i = start; i < end; i++)
		{
			if (!send_item(pg, stmt, items, i, params) || !PQpipelineSync(pg))
			{
				broken = true;
				break;
			}
			sent = i + 1;
		}
		if (!broken && PQflush(pg) < 0)
			broken = true;
		/* Per item: its result, NULL, then the sync's result. */
		for (size_t i = start; i < sent; i++)
		{
			PGresult   *res = PQgetResult(pg);
			PGresult   *extra;

			if (!res)
			{
				broken = true;
				break;
			}
			results[i] = res;
			if (PQresultStatus(res) == PGRES_PIPELINE_SYNC)
			{
				/* Cannot happen for a well-formed exchange. */
				broken = true;
				break;
			}
			while ((extra = PQgetResult(pg)) != NULL)
			{
				ExecStatusType st = PQresultStatus(extra);

				PQclear(extra);
				if (st == PGRES_PIPELINE_SYNC)
					break;
			}
			if (PQstatus(pg) == CONNECTION_BAD)
			{
				broken = true;
				break;
			}
			/* After the NULL comes the sync, or the error of the commit. */
			if (!read_sync(pg, &results[i]))
			{
				broken = true;
				break;
			}
		}
	}
	return broken;
}

/* How a batch sent as one transaction ended. */
typedef enum
{
	BATCH_COMMITTED,			/* the sync came after no error: all written */
	BATCH_ROLLED_BACK,			/* an error came before the sync: nothing written */
	BATCH_BROKEN				/* no sync came: the outcome is unknown */
} BatchOutcome;

/*
 * Read one item's result into *res and the NULL that ends it; an error sets
 * *failed.  False when the exchange broke.
 */
static bool
read_item(PGconn *pg, PGresult **res, bool *failed)
{
	PGresult   *extra;

	ExecStatusType st;

	*res = PQgetResult(pg);
	if (!*res)
		return false;
	st = PQresultStatus(*res);
	if (st == PGRES_FATAL_ERROR || st == PGRES_PIPELINE_ABORTED)
		*failed = true;
	else if (st != PGRES_TUPLES_OK)
		return false;			/* cannot happen for a well-formed exchange */
	while ((extra = PQgetResult(pg)) != NULL)
	{
		st = PQresultStatus(extra);
		PQclear(extra);
		if (st == PGRES_PIPELINE_SYNC)
			return false;
		if (st == PGRES_FATAL_ERROR || st == PGRES_PIPELINE_ABORTED)
			*failed = true;
	}
	return PQstatus(pg) != CONNECTION_BAD;
}

/*
 * All n items as one transaction: no sync between them, one at the end (the
 * extended query protocol runs everything up to a sync as one implicit
 * transaction, committed at the sync).  The server skips everything after
 * an error up to the sync and rolls the transaction back.  results[i]
 * receives item i's PGresult; they mean something only when the batch was
 * committed (and an item not sent, after libpq refused to send it, stays
 * NULL).
 */
static BatchOutcome
run_transaction(PGconn *pg, const PrStmt *stmt, const void *items, size_t n,
				ParamsFn params, PGresult **results)
{
	bool		failed = false;
	bool		sync_sent = false;
	PGresult   *commit_error = NULL;

	for (size_t start = 0; start < n && !sync_sent; start += CHUNK)
	{
		size_t		end = start + CHUNK < n ? start + CHUNK : n;
		size_t		sent = start;

		while (sent < end && send_item(pg, stmt, items, sent, params))
			sent++;

		/*
		 * The last chunk ends the transaction, and so does an item that could
		 * not be sent (the items sent before it commit, the others stay
		 * unfinished); any other chunk asks the server for its results.
		 */
		if (sent < end || end == n)
		{
			if (!PQpipelineSync(pg))
				goto broken;
			sync_sent = true;
		}
		else if (!PQsendFlushRequest(pg))
			goto broken;
		if (PQflush(pg) < 0)
			goto broken;
		for (size_t i = start; i < sent; i++)
			if (!read_item(pg, &results[i], &failed))
				goto broken;
		/* After an error the server skips the rest: end the transaction. */
		if (failed && !sync_sent)
		{
			if (!PQpipelineSync(pg) || PQflush(pg) < 0)
				goto broken;
			sync_sent = true;
		}
	}

	/* The sync; an error before it (the commit failed) fails the batch. */
	if (!read_sync(pg, &commit_error))
	{
		PQclear(commit_error);
		return BATCH_BROKEN;
	}
	if (commit_error)
	{
		failed = true;
		PQclear(commit_error);
	}
	return failed ? BATCH_ROLLED_BACK : BATCH_COMMITTED;

broken:

	/*
	 * Before the sync: send it anyway if the connection still works, so that
	 * the server ends the transaction and the caller's drain does not wait
	 * for results the server would keep until a sync or flush.
	 */
	if (!sync_sent && PQstatus(pg) != CONNECTION_BAD && PQpipelineSync(pg))
		(void) PQflush(pg);
	return BATCH_BROKEN;
}

/* Forget the results of a batch that was not committed. */
static void
clear_results(PGresult **results, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		PQclear(results[i]);
		results[i] = NULL;
	}
}

/*
 * Run n items of stmt in pipeline mode: as one transaction when the
 * connection is not in one and there is more than one item, and item by
 * item (again) when that failed.  results[i] receives the item's PGresult
 * (TUPLES_OK or an error), or NULL when the connection failed before the
 * item ran.  PR_ERROR only when the pipeline itself could not be used (err
 * filled).
 */
static int
run_pipeline(pr_conn *conn, const PrStmt *stmt, const void *items, size_t n,
			 ParamsFn params, PGresult **results, pr_error *err)
{
	PGconn	   *pg;
	bool		broken = false;
	bool		one_transaction;
	PrStmt		unnamed;

	if (!conn || !conn->pg)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "connection is NULL");
		return PR_ERROR;
	}
	pg = conn->pg;
	/* Prepare outside the pipeline, where errors are simple to read. */
	if (pri_prepare(conn, stmt, err) != PR_OK)
		return PR_ERROR;
	if (conn->pooling == PR_POOLING_TRANSACTION)
	{
		unnamed = *stmt;
		unnamed.name = NULL;
		stmt = &unnamed;
	}

	/*
	 * In the caller's transaction (or an aborted one) the items run item by
	 * item as they always did: the first error aborts the caller's
	 * transaction and the items after it fail with 25P02.
	 */
	one_transaction = n > 1 && PQtransactionStatus(pg) == PQTRANS_IDLE;
	if (!PQenterPipelineMode(pg))
	{
		pri_set_result_error(err, NULL, pg);
		return PR_ERROR;
	}
	if (one_transaction)
	{
		switch (run_transaction(pg, stmt, items, n, params, results))
		{
			case BATCH_COMMITTED:
				break;
			case BATCH_ROLLED_BACK:
				/* Nothing was written: each item again, on its own. */
				clear_results(results, n);
				broken = run_items(pg, stmt, items, n, params, results);
				break;
			case BATCH_BROKEN:
				/* No item is known to be done. */
				clear_results(results, n);
				broken = true;
				break;
		}
	}
	else
		broken = run_items(pg, stmt, items, n, params, results);

	if ((broken || !PQexitPipelineMode(pg)) && PQstatus(pg) != CONNECTION_BAD)
	{
		/* Drain what is left so the connection is usable again. */
		PGresult   *r;
		int			idle = 0;

		while (idle < 2 && PQpipelineStatus(pg) != PQ_PIPELINE_OFF)
		{
			if ((r = PQgetResult(pg)) == NULL)
			{
				if (PQexitPipelineMode(pg))
					break;
				idle++;
				continue;
			}
			idle = 0;
			PQclear(r);
		}
	}
	return PR_OK;
}

/* The error of one item, as sqlstate and message, into the caller's fields. */
static void
item_error(PGresult *res, PGconn *pg, char sqlstate[6], pr_error *e)
{
	pri_set_result_error(e, res, pg);
	memcpy(sqlstate, e->sqlstate, 6);
}

/*
 * Check the items of a batch, allocate its per-item results and errors and
 * run the pipeline; PR_ERROR with err filled and nothing left allocated when
 * that fails.
 */
static int
start_batch(pr_conn *conn, const PrStmt *stmt, const void *items, size_t n_items,
			ParamsFn params, PGresult ***results, pr_error **errs, pr_error *err)
{
	pr_error_clear(err);
	if (n_items > 0 && !items)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "items must not be NULL");
		return PR_ERROR;
	}
	*results = calloc(n_items ? n_items : 1, sizeof(**results));
	*errs = calloc(n_items ? n_items : 1, sizeof(**errs));
	if (!*results || !*errs)
	{
		free(*results);
		free(*errs);
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return PR_ERROR;
	}
	if (run_pipeline(conn, stmt, items, n_items, params, *results, err) != PR_OK)
	{
		free(*results);
		free(*errs);
		return PR_ERROR;
	}
	return PR_OK;
}

/* Free the per-item results and errors of a batch. */
static void
end_batch(PGresult **results, pr_error *errs, size_t n_items)
{
	for (size_t i = 0; i < n_items; i++)
		PQclear(results[i]);
	free(results);
	free(errs);
}

/*
 * Record the error e of an item in its result fields (the message packed into
 * pk), copy the batch's first error into err, and return PR_ERROR.
 */
static int
item_failed(PrPack *pk, const pr_error *e, char sqlstate[6], char **message,
			bool *first, pr_error *err)
{
	memcpy(sqlstate, e->sqlstate, 6);
	*message = pri_pack_cstr(pk, e->message);
	if (*first && err)
		*err = *e;
	*first = false;
	return PR_ERROR;
}

static bool
item_ok(PGresult *res)
{
	return res && PQresultStatus(res) == PGRES_TUPLES_OK;
}

/* ---- pushing jobs ---------------------------------------------------------------- */

static void
push_item_params(PrParams *p, const void *items, size_t i)
{
	const pr_push_item *it = (const pr_push_item *) items + i;

	pri_push_params(p, it->queue, it->job_json, &it->opts);
}

/* Push many jobs (each with its own queue and options) in one round trip. */
int
pr_push_jobs_pipelined(pr_conn *conn, const pr_push_item *items, size_t n_items,
					   pr_push_results **out, pr_error *err)
{
	PGresult  **results;
	pr_error   *errs;
	pr_push_results *list;
	PrPack		pk;
	void	   *rows;
	size_t		extra = 0;
	int			rc = PR_OK;
	bool		first = true;

	if (out)
		*out = NULL;
	if (start_batch(conn, pri_push_stmt(), items, n_items, push_item_params,
					&results, &errs, err) != PR_OK)
		return PR_ERROR;
	for (size_t i = 0; i < n_items; i++)
		if (!item_ok(results[i]))
		{
			char		state[6];

			item_error(results[i], conn->pg, state, &errs[i]);
			extra += strlen(errs[i].message) + 1;
		}
	list = pri_pack_begin(&pk, sizeof(*list), sizeof(pr_push_item_result), n_items,
						 extra, NULL, NULL, 0, &rows, err);
	if (list)
	{
		list->n = n_items;
		list->items = rows;
		for (size_t i = 0; i < n_items; i++)
		{
			pr_push_item_result *r = &list->items[i];

			if (item_ok(results[i]))
			{
				r->rc = PR_NONE;
				if (PQnfields(results[i]) == 1 && PQntuples(results[i]) >= 1 &&
					!PQgetisnull(results[i], 0, 0))
				{
					r->rc = PR_OK;
					pri_get_uuid(results[i], 0, 0, &r->id);
				}
				continue;
			}
			r->rc = item_failed(&pk, &errs[i], r->sqlstate, &r->message, &first,
								err);
			rc = PR_ERROR;
		}
	}
	else
		rc = PR_ERROR;
	end_batch(results, errs, n_items);
	if (out)
		*out = list;
	else
		free(list);
	return rc;
}

/* ---- ingesting uploads --------------------------------------------------------------- */

static void
ingest_item_params(PrParams *p, const void *items, size_t i)
{
	pri_ingest_params(p, (const pr_ingest_item *) items + i);
}

/* Ingest many uploads (ingest() each) in one round trip. */
int
pr_ingest_batch(pr_conn *conn, const pr_ingest_item *items, size_t n_items,
				pr_ingest_results **out, pr_error *err)
{
	PGresult  **results;
	pr_error   *errs;
	pr_ingest_results *list;
	PrPack		pk;
	void	   *rows;
	size_t		extra = 0;
	int			rc = PR_OK;
	bool		first = true;

	if (out)
		*out = NULL;
	if (start_batch(conn, pri_ingest_stmt(), items, n_items, ingest_item_params,
					&results, &errs, err) != PR_OK)
		return PR_ERROR;
	for (size_t i = 0; i < n_items; i++)
	{
		if (!item_ok(results[i]) || PQnfields(results[i]) != 4)
		{
			char		state[6];

			if (item_ok(results[i]))
				pri_set_error(&errs[i], PR_SQLSTATE_CLIENT, "unexpected result of ingest()");
			else
				item_error(results[i], conn->pg, state, &errs[i]);
			extra += strlen(errs[i].message) + 1;
		}
		else if (PQntuples(results[i]) >= 1)
			for (int c = 0; c < 3; c++)
				extra += (size_t) PQgetlength(results[i], 0, c) + 1;
	}
	list = pri_pack_begin(&pk, sizeof(*list), sizeof(pr_ingest_item_result), n_items,
						 extra, NULL, NULL, 0, &rows, err);
	if (list)
	{
		list->n = n_items;
		list->items = rows;
		for (size_t i = 0; i < n_items; i++)
		{
			pr_ingest_item_result *r = &list->items[i];
			PGresult   *res = results[i];

			if (errs[i].sqlstate[0] == '\0')
			{
				if (PQntuples(res) < 1)
				{
					r->rc = PR_NONE;
					continue;
				}
				r->rc = PR_OK;
				r->alias = pri_pack_str(&pk, res, 0, 0);
				r->token = pri_pack_str(&pk, res, 0, 1);
				r->stored_identifier = pri_pack_str(&pk, res, 0, 2);
				r->hash_created = pri_get_bool(res, 0, 3);
				continue;
			}
			r->rc = item_failed(&pk, &errs[i], r->sqlstate, &r->message, &first,
								err);
			rc = PR_ERROR;
		}
	}
	else
		rc = PR_ERROR;
	end_batch(results, errs, n_items);
	if (out)
		*out = list;
	else
		free(list);
	return rc;
}
