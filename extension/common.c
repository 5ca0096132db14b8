/*-------------------------------------------------------------------------
 *
 * common.c
 *		Argument checks, kept SPI plans and result helpers shared by
 *		every SQL-callable function of pict_repo.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pict_repo.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"

/* The client sends and reads these types by the OIDs of pict_repo_protocol.h. */
StaticAssertDecl(PR_BOOLOID == BOOLOID, "PR_BOOLOID");
StaticAssertDecl(PR_BYTEAOID == BYTEAOID, "PR_BYTEAOID");
StaticAssertDecl(PR_INT8OID == INT8OID, "PR_INT8OID");
StaticAssertDecl(PR_INT4OID == INT4OID, "PR_INT4OID");
StaticAssertDecl(PR_TEXTOID == TEXTOID, "PR_TEXTOID");
StaticAssertDecl(PR_TEXTARRAYOID == TEXTARRAYOID, "PR_TEXTARRAYOID");
StaticAssertDecl(PR_TIMESTAMPTZOID == TIMESTAMPTZOID, "PR_TIMESTAMPTZOID");
StaticAssertDecl(PR_INTERVALOID == INTERVALOID, "PR_INTERVALOID");
StaticAssertDecl(PR_UUIDOID == UUIDOID, "PR_UUIDOID");
StaticAssertDecl(PR_UUIDARRAYOID == UUIDARRAYOID, "PR_UUIDARRAYOID");
StaticAssertDecl(PR_JSONBOID == JSONBOID, "PR_JSONBOID");
StaticAssertDecl(PR_JSONBARRAYOID == JSONBARRAYOID, "PR_JSONBARRAYOID");

/* Connect to SPI, failing loudly if it refuses. */
void
PrConnect(void)
{
	int			rc = SPI_connect();

	if (rc != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
}

/* Disconnect from SPI, failing loudly if it refuses. */
void
PrFinish(void)
{
	int			rc = SPI_finish();

	if (rc != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed: %s", SPI_result_code_string(rc));
}

/*
 * Return the plan in slot, preparing and keeping it on first use with
 * cursor_options (0, or CURSOR_OPT_GENERIC_PLAN for a plan that is never
 * replanned for the parameters of a call).
 *
 * Kept plans live in the backend's cache memory until the backend exits;
 * the plan cache revalidates them when the tables change (for example after
 * DROP and CREATE EXTENSION in the same session).
 */
SPIPlanPtr
PrPlanPrepare(PrPlan *slot, const char *sql, int nargs, const Oid *argtypes,
			  int cursor_options)
{
	SPIPlanPtr	plan;

	if (slot->plan != NULL)
		return slot->plan;
	plan = SPI_prepare_cursor(sql, nargs, (Oid *) argtypes, cursor_options);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare_cursor failed for \"%s\": %s", sql,
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed for \"%s\"", sql);
	slot->plan = plan;
	return plan;
}

/* Return the plan in slot, preparing and keeping it on first use. */
SPIPlanPtr
PrPlanGet(PrPlan *slot, const char *sql, int nargs, const Oid *argtypes)
{
	return PrPlanPrepare(slot, sql, nargs, argtypes, 0);
}

/*
 * Plan the next statements with index scans only: sequential and bitmap
 * scans off, and sorts too when no_sort (an ordered walk of an index).
 * What a SET clause on the function would do, kept here so that the
 * functions pin nothing but search_path.  Returns the level to hand to
 * PrPlanSettingsBack right after the statement; on error the settings go
 * back at the end of the (sub)transaction.
 */
int
PrIndexScansOnly(bool no_sort)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("enable_seqscan", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("enable_bitmapscan", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (no_sort)
		(void) set_config_option("enable_sort", "off", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

/* Put back the planner settings PrIndexScansOnly changed. */
void
PrPlanSettingsBack(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

/*
 * Run the kept plan of slot (preparing it first if need be) and check that
 * SPI answered with the expected code.  Returns SPI_processed as an int.
 */
int
PrExec(PrPlan *slot, const char *sql, int nargs, const Oid *argtypes,
	   Datum *values, const char *nulls, bool read_only, long count,
	   int expected)
{
	SPIPlanPtr	plan = PrPlanGet(slot, sql, nargs, argtypes);
	int			rc;

	rc = SPI_execute_plan(plan, values, nulls, read_only, count);
	if (rc != expected)
		elog(ERROR, "SPI_execute_plan returned %s instead of %s for \"%s\"",
			 SPI_result_code_string(rc), SPI_result_code_string(expected), sql);
	return (int) SPI_processed;
}

/*
 * Run the kept plan of a read-only query (preparing it first if need be)
 * with the latest snapshot instead of the statement's or transaction's, so
 * that it sees every row committed so far and this transaction's own, also
 * under REPEATABLE READ: the checks that decide whether something is still
 * in use must not trust an older snapshot.  Returns SPI_processed.
 */
int
PrExecLatest(PrPlan *slot, const char *sql, int nargs, const Oid *argtypes,
			 Datum *values, const char *nulls, long count)
{
	SPIPlanPtr	plan = PrPlanGet(slot, sql, nargs, argtypes);
	int			rc;

	/* Make the rows this transaction wrote so far visible to the snapshot. */
	CommandCounterIncrement();
	rc = SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(),
							  InvalidSnapshot, true, false, count);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_snapshot returned %s instead of SPI_OK_SELECT for \"%s\"",
			 SPI_result_code_string(rc), sql);
	return (int) SPI_processed;
}

/*
 * Run a read-only query in its own SPI connection and return column 1 of its
 * first row, copied out of SPI memory.  Sets fcinfo->isnull when there is no
 * row or the value is NULL, so a getter can return the result as it is.
 */
Datum
PrLookup(FunctionCallInfo fcinfo, PrPlan *slot, const char *sql, int nargs,
		 const Oid *argtypes, Datum *values, const char *nulls)
{
	Datum		result = (Datum) 0;
	bool		isnull = true;

	PrConnect();
	if (PrExec(slot, sql, nargs, argtypes, values, nulls, true, 1,
			   SPI_OK_SELECT) > 0)
		result = PrCopyResult(0, 1, &isnull);
	PrFinish();
	fcinfo->isnull = isnull;
	return result;
}

/*
 * Return every row of a read-only query as the result set of a set-returning
 * function; the query must have the columns of the function's result.
 */
Datum
PrReturnRows(FunctionCallInfo fcinfo, PrPlan *slot, const char *sql,
			 int nargs, const Oid *argtypes, Datum *values, const char *nulls)
{
	PrMaterialize(fcinfo);
	PrConnect();
	PrExec(slot, sql, nargs, argtypes, values, nulls, true, 0, SPI_OK_SELECT);
	PrPutRows(fcinfo);
	PrFinish();
	return (Datum) 0;
}

/*
 * PrReturnRows for a keyset page: the query is planned with index scans
 * only and sorts off, so that it walks an index in the order of its ORDER
 * BY and stops after LIMIT rows, whatever the planner guesses of how many
 * rows match (a sort would read every row before the key for every page).
 */
Datum
PrReturnOrderedRows(FunctionCallInfo fcinfo, PrPlan *slot, const char *sql,
					int nargs, const Oid *argtypes, Datum *values,
					const char *nulls)
{
	int			nestlevel;

	PrMaterialize(fcinfo);
	PrConnect();
	nestlevel = PrIndexScansOnly(true);
	PrExec(slot, sql, nargs, argtypes, values, nulls, true, 0, SPI_OK_SELECT);
	PrPlanSettingsBack(nestlevel);
	PrPutRows(fcinfo);
	PrFinish();
	return (Datum) 0;
}

/*
 * Run a writing statement in its own SPI connection, check that SPI answered
 * with the expected code, and return the number of rows it processed.
 */
int
PrRun(PrPlan *slot, const char *sql, int nargs, const Oid *argtypes,
	  Datum *values, const char *nulls, int expected)
{
	int			n;

	PrConnect();
	n = PrExec(slot, sql, nargs, argtypes, values, nulls, false, 0, expected);
	PrFinish();
	return n;
}

/*
 * Fail with 25006 (read_only_sql_transaction) when this transaction cannot
 * write: on a hot standby, or in a read-only transaction.  Every function
 * that writes calls it first, before it checks its arguments, takes a lock,
 * reads a row or sends a notification, so that on a standby it fails the
 * same way whatever its arguments, and before doing anything; the first
 * write statement would fail with the same SQLSTATE, but only after the
 * checks before it (a 22023, a 55006 or a 28000 that would not be the
 * reason the call cannot succeed there).
 */
void
PrRequireWritable(void)
{
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot change the pict_repo repository during recovery"),
				 errdetail("The server is a standby; only the primary takes writes."),
				 errhint("Send writes to the primary (libpictrepo sends only reads to its read connection).")));
	if (XactReadOnly)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot change the pict_repo repository in a read-only transaction")));
}

/* Fail with 22023 when argument argno is NULL. */
void
PrRequireArg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be null", name)));
}

/* Check the length of a text argument in characters. */
static inline text *
CheckTextLength(text *t, const char *name, int minchars, int maxchars)
{
	int			nbytes = VARSIZE_ANY_EXHDR(t);
	int			nchars;

	/* A quick bound first so huge values are not scanned character by character. */
	if (nbytes > maxchars * pg_database_encoding_max_length())
		nchars = maxchars + 1;
	else
		nchars = pg_mbstrlen_with_len(VARDATA_ANY(t), nbytes);
	if (nchars < minchars || nchars > maxchars)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between %d and %d characters", name,
						minchars, maxchars),
				 nchars > maxchars ?
				 errdetail("The value of %s has more than %d characters.", name, maxchars) :
				 errdetail("The value of %s has %d characters.", name, nchars)));
	return t;
}

/* Return text argument argno, required and between minchars and maxchars long. */
text *
PrTextArg(FunctionCallInfo fcinfo, int argno, const char *name,
		  int minchars, int maxchars)
{
	PrRequireArg(fcinfo, argno, name);
	return CheckTextLength(PG_GETARG_TEXT_PP(argno), name, minchars, maxchars);
}

/* Like PrTextArg, but NULL is allowed and returned as NULL. */
text *
PrTextArgOpt(FunctionCallInfo fcinfo, int argno, const char *name,
			 int minchars, int maxchars)
{
	if (PG_ARGISNULL(argno))
		return NULL;
	return CheckTextLength(PG_GETARG_TEXT_PP(argno), name, minchars, maxchars);
}

/* Check that a hash has 1 to PR_HASH_MAX bytes. */
static inline bytea *
CheckHash(bytea *h, const char *name)
{
	int			n = VARSIZE_ANY_EXHDR(h);

	if (n < 1 || n > PR_HASH_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 1 and %d bytes", name, PR_HASH_MAX),
				 errdetail("The value of %s has %d bytes.", name, n)));
	return h;
}

/* Return bytea argument argno, required, 1 to PR_HASH_MAX bytes. */
bytea *
PrHashArg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	PrRequireArg(fcinfo, argno, name);
	return CheckHash(PG_GETARG_BYTEA_PP(argno), name);
}

/* Like PrHashArg, but NULL is allowed and returned as NULL. */
bytea *
PrHashArgOpt(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		return NULL;
	return CheckHash(PG_GETARG_BYTEA_PP(argno), name);
}

/* Return int argument argno, required and within [min, max]. */
int32
PrIntArg(FunctionCallInfo fcinfo, int argno, const char *name,
		 int32 min, int32 max)
{
	int32		v;

	PrRequireArg(fcinfo, argno, name);
	v = PG_GETARG_INT32(argno);
	if (v < min || v > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between %d and %d", name, min, max),
				 errdetail("The value of %s is %d.", name, v)));
	return v;
}

/* Return column col (1-based) of row of the last SPI result. */
Datum
PrGetDatum(int row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col,
						 isnull);
}

/*
 * Return column col of row of the last SPI result, copied into the memory of
 * the function's caller so it survives SPI_finish.
 */
Datum
PrCopyResult(int row, int col, bool *isnull)
{
	Datum		d = PrGetDatum(row, col, isnull);
	Form_pg_attribute att = TupleDescAttr(SPI_tuptable->tupdesc, col - 1);

	if (*isnull)
		return (Datum) 0;
	return SPI_datumTransfer(d, att->attbyval, att->attlen);
}

/*
 * Set up a set-returning function in materialize mode.  Unlike
 * InitMaterializedSRF this also serves functions returning SETOF a scalar
 * when they are called in a target list, where no expected descriptor is
 * passed.
 */
void
PrMaterialize(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext oldcontext;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("materialize mode required, but it is not allowed in this context")));

	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	switch (get_call_result_type(fcinfo, NULL, &tupdesc))
	{
		case TYPEFUNC_COMPOSITE:
			tupdesc = CreateTupleDescCopy(tupdesc);
			break;
		case TYPEFUNC_SCALAR:
			tupdesc = CreateTemplateTupleDesc(1);
			TupleDescInitEntry(tupdesc, (AttrNumber) 1, "result",
							   get_fn_expr_rettype(fcinfo->flinfo), -1, 0);
			break;
		default:
			elog(ERROR, "unexpected result type of a set-returning function");
	}
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(false, false, work_mem);
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(oldcontext);
}

/* Append one row to the result set set up by PrMaterialize. */
void
PrPutRow(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * Append every row of the last SPI result to the result set; the SPI result
 * must have the columns of the function's result, in order.
 */
void
PrPutRows(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			natts = rsinfo->setDesc->natts;
	Datum	   *values = palloc(sizeof(Datum) * natts);
	bool	   *nulls = palloc(sizeof(bool) * natts);

	if (SPI_tuptable->tupdesc->natts != natts)
		elog(ERROR, "query returned %d columns, function returns %d",
			 SPI_tuptable->tupdesc->natts, natts);
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		for (int col = 0; col < natts; col++)
			values[col] = PrGetDatum((int) row, col + 1, &nulls[col]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(values);
	pfree(nulls);
}
