/*-------------------------------------------------------------------------
 *
 * import.c
 *		libpictrepo: import_pictrs(), a batch of rows of a pict-rs 0.5
 *		repository written into pict_repo (pict-repo import-pict-rs).
 *
 *-------------------------------------------------------------------------
 */
#include "pr_internal.h"

static const PrStmt st_import_pictrs = {"pr_import_pictrs",
	"SELECT outcome::text FROM pict_repo.import_pictrs($1, $2, $3) ORDER BY ord",
3, {PR_TEXTOID, PR_JSONBOID, PR_BOOLOID}};

/* One batch of one kind; (*outcomes)->items[i] is the outcome of row i. */
int
pr_import_pictrs(pr_conn *conn, const char *kind, const char *rows_json, bool dry_run,
				 pr_strings **outcomes, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, kind);
	pri_pp_text(&p, rows_json);
	pri_pp_bool(&p, dry_run);
	return pri_exec_strings(conn, &st_import_pictrs, &p, outcomes, err);
}
