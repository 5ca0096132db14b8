/*-------------------------------------------------------------------------
 *
 * import.c
 *		libpictrepo: import_pictrs(), a batch of rows of a pict-rs 0.5
 *		repository written into pict_repo (pict-repo import-pict-rs), at
 *		once or sent ahead so the caller can prepare the next batch while
 *		the server writes this one.
 *
 *-------------------------------------------------------------------------
 */
#include "pr_internal.h"

static const PrStmt st_import_pictrs = {"pr_import_pictrs",
	"SELECT outcome::text FROM pict_repo.import_pictrs($1, $2, $3) ORDER BY ord",
3, {PR_TEXTOID, PR_JSONBOID, PR_BOOLOID}};

static void
import_params(PrParams *p, const char *kind, const char *rows_json, bool dry_run)
{
	pri_params_init(p);
	pri_pp_text(p, kind);
	pri_pp_text(p, rows_json);
	pri_pp_bool(p, dry_run);
}

/* One batch of one kind; (*outcomes)->items[i] is the outcome of row i. */
int
pr_import_pictrs(pr_conn *conn, const char *kind, const char *rows_json, bool dry_run,
				 pr_strings **outcomes, pr_error *err)
{
	PrParams	p;

	import_params(&p, kind, rows_json, dry_run);
	return pri_exec_strings(conn, &st_import_pictrs, &p, outcomes, err);
}

/* Send one batch without waiting for it; pr_import_pictrs_receive gets it. */
int
pr_import_pictrs_send(pr_conn *conn, const char *kind, const char *rows_json,
					  bool dry_run, pr_error *err)
{
	PrParams	p;
	int			sent;

	if (!conn || !conn->pg)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "connection is NULL");
		return PR_ERROR;
	}
	if (pri_prepare(conn, &st_import_pictrs, err) != PR_OK)
		return PR_ERROR;
	import_params(&p, kind, rows_json, dry_run);
	sent = PQsendQueryPrepared(conn->pg, st_import_pictrs.name, p.n, p.values, p.lengths,
							   p.formats, 1);
	pri_params_free(&p);
	if (!sent)
	{
		pri_set_result_error(err, NULL, conn->pg);
		return PR_ERROR;
	}
	return PR_OK;
}

/* Wait for the batch sent last and return its outcomes, as pr_import_pictrs. */
int
pr_import_pictrs_receive(pr_conn *conn, pr_strings **outcomes, pr_error *err)
{
	static const int strcols[] = {0};
	PGresult   *res;
	PGresult   *next;
	PrPack		pk;
	pr_strings *list;
	void	   *rows;
	int			n;

	if (outcomes)
		*outcomes = NULL;
	if (!conn || !conn->pg)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "connection is NULL");
		return PR_ERROR;
	}
	res = PQgetResult(conn->pg);
	/* Read to the end of the command, so the connection is idle again. */
	while ((next = PQgetResult(conn->pg)) != NULL)
		PQclear(next);
	if (!res)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "no batch was sent");
		return PR_ERROR;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		pri_set_result_error(err, res, conn->pg);
		PQclear(res);
		return PR_ERROR;
	}
	if (pri_check_columns(res, 1, err) != PR_OK)
	{
		PQclear(res);
		return PR_ERROR;
	}
	list = pri_pack_begin(&pk, sizeof(pr_strings), sizeof(char *), (size_t) PQntuples(res), 0,
						  res, strcols, 1, &rows, err);
	if (!list)
	{
		PQclear(res);
		return PR_ERROR;
	}
	n = PQntuples(res);
	list->n = (size_t) n;
	list->items = rows;
	for (int i = 0; i < n; i++)
		list->items[i] = pri_pack_str(&pk, res, i, 0);
	PRI_RETURN_PACKED(res, list, outcomes);
}
