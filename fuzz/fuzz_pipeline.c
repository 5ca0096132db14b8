/*-------------------------------------------------------------------------
 *
 * fuzz_pipeline.c
 *		libFuzzer target: libpictrepo's pipelined batches
 *		(pr_push_jobs_pipelined, pr_ingest_batch) against a scripted libpq.
 *
 * The link wraps the libpq calls of the pipeline (-Wl,--wrap=...): entering
 * and leaving pipeline mode, sending, flush requests, syncing and flushing
 * succeed or fail as the input says, the connection is in a transaction or
 * not (a batch is sent as one transaction, then item by item after an
 * error, or item by item at once), and every PQgetResult returns what the
 * input scripts:
 * a result of any shape (fz_pgresult.h), an error, a pipeline sync, an
 * aborted item, or NULL (and NULL for ever once the input is used up), while
 * PQstatus reports the connection good or bad.  So the batch code meets
 * every order of results a server, a broken connection or a bug could
 * produce; it must never crash, leak, or hand out a bad string.
 *
 * Input: byte 0: the call and the number of items (1..8); byte 1: bit 0 set
 * when the connection is in a transaction; then one byte per libpq call
 * that asks the script (a send or flush request fails on 0xee).  The
 * library is built with chunks of 3 items, so a batch spans chunks.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pr_internal.h"
#include "fz_pgresult.h"

static const uint8_t *fz_p;
static const uint8_t *fz_end;
static pr_conn fz_conn;
static bool fz_in_pipeline;
static bool fz_bad;
static PGTransactionStatusType fz_xact;

static int
fz_byte(void)
{
	return fz_p < fz_end ? *fz_p++ : -1;
}

PGresult   *__wrap_PQprepare(PGconn *conn, const char *stmtName, const char *query,
							 int nParams, const Oid *paramTypes);
int			__wrap_PQenterPipelineMode(PGconn *conn);
int			__wrap_PQexitPipelineMode(PGconn *conn);
PGpipelineStatus __wrap_PQpipelineStatus(const PGconn *conn);
int			__wrap_PQsendQueryPrepared(PGconn *conn, const char *stmtName, int nParams,
									   const char *const *paramValues, const int *paramLengths,
									   const int *paramFormats, int resultFormat);
int			__wrap_PQpipelineSync(PGconn *conn);
int			__wrap_PQsendFlushRequest(PGconn *conn);
PGTransactionStatusType __wrap_PQtransactionStatus(const PGconn *conn);
int			__wrap_PQflush(PGconn *conn);
PGresult   *__wrap_PQgetResult(PGconn *conn);
ConnStatusType __wrap_PQstatus(const PGconn *conn);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

PGresult *
__wrap_PQprepare(PGconn *conn, const char *stmtName, const char *query,
				 int nParams, const Oid *paramTypes)
{
	return PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
}

int
__wrap_PQenterPipelineMode(PGconn *conn)
{
	fz_in_pipeline = true;
	return 1;
}

int
__wrap_PQexitPipelineMode(PGconn *conn)
{
	/* Refused while the script still has results to give. */
	if (fz_p < fz_end && (*fz_p & 1))
		return 0;
	fz_in_pipeline = false;
	return 1;
}

PGpipelineStatus
__wrap_PQpipelineStatus(const PGconn *conn)
{
	return fz_in_pipeline ? PQ_PIPELINE_ON : PQ_PIPELINE_OFF;
}

int
__wrap_PQsendQueryPrepared(PGconn *conn, const char *stmtName, int nParams,
						   const char *const *paramValues, const int *paramLengths,
						   const int *paramFormats, int resultFormat)
{
	/* Read every parameter, as libpq would. */
	for (int i = 0; i < nParams; i++)
		if (paramValues[i])
			for (int j = 0; j < (paramFormats[i] ? paramLengths[i] : (int) strlen(paramValues[i])); j++)
				(void) *(volatile const char *) &paramValues[i][j];
	return fz_byte() != 0xee;
}

int
__wrap_PQpipelineSync(PGconn *conn)
{
	return 1;
}

int
__wrap_PQsendFlushRequest(PGconn *conn)
{
	return fz_byte() != 0xee;
}

PGTransactionStatusType
__wrap_PQtransactionStatus(const PGconn *conn)
{
	return fz_xact;
}

int
__wrap_PQflush(PGconn *conn)
{
	return 0;
}

PGresult *
__wrap_PQgetResult(PGconn *conn)
{
	int			op = fz_byte();

	if (op < 0)
		return NULL;
	switch (op % 8)
	{
		case 0:
		case 1:
		case 2:
			return fz_build_result(&fz_p, fz_end, PGRES_TUPLES_OK);
		case 3:
			return NULL;
		case 4:
			return PQmakeEmptyPGresult(NULL, PGRES_PIPELINE_SYNC);
		case 5:
			return PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
		case 6:
			return PQmakeEmptyPGresult(NULL, PGRES_PIPELINE_ABORTED);
		default:
			fz_bad = !fz_bad;
			return NULL;
	}
}

ConnStatusType
__wrap_PQstatus(const PGconn *conn)
{
	return fz_bad ? CONNECTION_BAD : CONNECTION_OK;
}

static volatile size_t fz_sink;
static void
touch(const char *s)
{
	if (s)
		fz_sink += strlen(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t hash[] = {1, 2, 3};
	pr_error	err;
	size_t		n;

	if (size < 2)
		return 0;
	if (!fz_conn.pg)
	{
		fz_conn.pg = PQconnectStart("host=/nonexistent/pict_repo_fuzz dbname=fuzz");
		if (!fz_conn.pg)
			abort();
	}
	fz_p = data + 2;
	fz_end = data + size;
	fz_in_pipeline = false;
	fz_bad = false;
	fz_xact = (data[1] & 1) ? PQTRANS_INTRANS : PQTRANS_IDLE;
	n = 1 + (data[0] >> 1) % 8;

	if (data[0] & 1)
	{
		pr_push_item items[8];
		pr_push_results *r = NULL;

		memset(items, 0, sizeof(items));
		for (size_t i = 0; i < n; i++)
		{
			items[i].queue = "q";
			items[i].job_json = "{}";
		}
		(void) pr_push_jobs_pipelined(&fz_conn, items, n, &r, &err);
		if (r)
			for (size_t i = 0; i < r->n; i++)
			{
				touch(r->items[i].message);
				touch(r->items[i].sqlstate);
			}
		pr_push_results_free(r);
	}
	else
	{
		pr_ingest_item items[8];
		pr_ingest_results *r = NULL;

		memset(items, 0, sizeof(items));
		for (size_t i = 0; i < n; i++)
		{
			items[i].hash = hash;
			items[i].hash_len = sizeof(hash);
			items[i].identifier = "i";
			items[i].details_json = "{}";
			items[i].extension = "png";
		}
		(void) pr_ingest_batch(&fz_conn, items, n, &r, &err);
		if (r)
			for (size_t i = 0; i < r->n; i++)
			{
				touch(r->items[i].message);
				touch(r->items[i].sqlstate);
				touch(r->items[i].alias);
				touch(r->items[i].token);
				touch(r->items[i].stored_identifier);
			}
		pr_ingest_results_free(r);
	}
	touch(err.sqlstate);
	touch(err.message);
	return 0;
}
