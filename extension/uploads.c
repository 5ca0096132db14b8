/*-------------------------------------------------------------------------
 *
 * uploads.c
 *		Uploads in progress: a row per upload, its result once the backend
 *		processing it is done, and a NOTIFY for whoever waits for it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "pict_repo.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

static PrPlan create_plan;
static PrPlan complete_plan;
static PrPlan result_plan;
static PrPlan claim_plan;

static const Oid uuid_only[] = {UUIDOID};
static const Oid uuid_jsonb[] = {UUIDOID, JSONBOID};

/* Fail with P0002 for an upload that does not exist (or was claimed). */
static inline void
UnknownUpload(Datum id)
{
	ereport(ERROR,
			(errcode(ERRCODE_NO_DATA_FOUND),
			 errmsg("upload %s does not exist",
					DatumGetCString(DirectFunctionCall1(uuid_out, id))),
			 errhint("The upload was never created, or its result was already claimed.")));
}

/*
 * Run a query on the upload of argument 0 that returns its result column, or
 * no row when the upload does not exist (P0002).  Returns the result and
 * sets fcinfo->isnull while it is pending.
 */
static Datum
UploadResult(FunctionCallInfo fcinfo, PrPlan *plan, const char *sql,
			 bool read_only)
{
	Datum		values[1];
	Datum		result = (Datum) 0;
	bool		isnull = true;
	int			n;

	PrRequireArg(fcinfo, 0, "id");
	values[0] = PG_GETARG_DATUM(0);

	PrConnect();
	n = PrExec(plan, sql, 1, uuid_only, values, NULL, read_only,
			   read_only ? 1 : 0, SPI_OK_SELECT);
	if (n > 0)
		result = PrCopyResult(0, 1, &isnull);
	PrFinish();
	if (n == 0)
		UnknownUpload(values[0]);
	fcinfo->isnull = isnull;
	return result;
}

/* Start an upload; returns its id. */
PG_FUNCTION_INFO_V1(pict_repo_create_upload);
Datum
pict_repo_create_upload(PG_FUNCTION_ARGS)
{
	Datum		result;
	bool		isnull;

	PrRequireWritable();

	PrConnect();
	PrExec(&create_plan,
		   "INSERT INTO " PR_SCHEMA ".uploads (id) VALUES (pg_catalog.gen_random_uuid()) "
		   "RETURNING id",
		   0, NULL, NULL, NULL, false, 0, SPI_OK_INSERT_RETURNING);
	result = PrCopyResult(0, 1, &isnull);
	PrFinish();
	PG_RETURN_DATUM(result);
}

/*
 * Store the result of an upload and tell the waiters (channel
 * pict_repo_upload, payload the id's tag).  False if the upload does not exist.
 */
PG_FUNCTION_INFO_V1(pict_repo_complete_upload);
Datum
pict_repo_complete_upload(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	int			n;

	PrRequireWritable();

	PrRequireArg(fcinfo, 0, "id");
	PrRequireArg(fcinfo, 1, "result");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);

	n = PrRun(&complete_plan,
			  "UPDATE " PR_SCHEMA ".uploads SET result = $2 WHERE id = $1",
			  2, uuid_jsonb, values, NULL, SPI_OK_UPDATE);
	if (n > 0)
		PrNotifyUpload(values[0]);
	PG_RETURN_BOOL(n > 0);
}

/* Return the result of an upload, NULL while it is pending. */
PG_FUNCTION_INFO_V1(pict_repo_upload_result);
Datum
pict_repo_upload_result(PG_FUNCTION_ARGS)
{
	return UploadResult(fcinfo, &result_plan,
						"SELECT result FROM " PR_SCHEMA ".uploads WHERE id = $1",
						true);
}

/*
 * Return the result of a completed upload and forget the upload.  A pending
 * upload is kept and NULL returned; an unknown one fails with P0002.
 */
PG_FUNCTION_INFO_V1(pict_repo_claim_upload);
Datum
pict_repo_claim_upload(PG_FUNCTION_ARGS)
{
	PrRequireWritable();

	/*
	 * One statement: lock the row, delete it only if it has a result, and
	 * return whether it existed at all.
	 */
	return UploadResult(fcinfo, &claim_plan,
						"WITH u AS (SELECT id, result FROM " PR_SCHEMA ".uploads "
						"           WHERE id = $1 FOR UPDATE), "
						"     d AS (DELETE FROM " PR_SCHEMA ".uploads x USING u "
						"           WHERE x.id = u.id AND u.result IS NOT NULL) "
						"SELECT result FROM u",
						false);
}
