/*-------------------------------------------------------------------------
 *
 * queue.c
 *		libpictrepo: the job queue and maintenance.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "pr_internal.h"

#define T PR_TEXTOID
#define J PR_JSONBOID
#define JA PR_JSONBARRAYOID
#define U PR_UUIDOID
#define UA PR_UUIDARRAYOID
#define I4 PR_INT4OID
#define TS PR_TIMESTAMPTZOID
#define IV PR_INTERVALOID

#define JOB_COLUMNS "id::uuid, job::text, attempt::integer"

static const PrStmt st_push_job = {"pr_push_job",
"SELECT pict_repo.push_job($1, $2, $3, $4, $5, $6)::uuid", 6, {T, J, T, I4, TS, I4}};
static const PrStmt st_push_jobs = {"pr_push_jobs",
"SELECT j::uuid FROM pict_repo.push_jobs($1, $2) AS j", 2, {T, JA}};
static const PrStmt st_claim_job = {"pr_claim_job",
"SELECT " JOB_COLUMNS " FROM pict_repo.claim_job($1, $2, $3)", 3, {T, U, I4}};
static const PrStmt st_heartbeat_job = {"pr_heartbeat_job",
"SELECT pict_repo.heartbeat_job($1, $2)", 2, {U, U}};
static const PrStmt st_complete_job = {"pr_complete_job",
"SELECT pict_repo.complete_job($1, $2)", 2, {U, U}};
static const PrStmt st_complete_jobs = {"pr_complete_jobs",
"SELECT j::uuid FROM pict_repo.complete_jobs($1, $2) AS j", 2, {UA, U}};
static const PrStmt st_complete_and_claim = {"pr_complete_and_claim_job",
	"SELECT " JOB_COLUMNS " FROM pict_repo.complete_and_claim_job($1, $2, $3, $4)",
4, {U, U, T, I4}};
static const PrStmt st_complete_and_claim_jobs = {"pr_complete_and_claim_jobs",
	"SELECT " JOB_COLUMNS " FROM pict_repo.complete_and_claim_jobs($1, $2, $3, $4)",
4, {UA, U, T, I4}};
static const PrStmt st_fail_job = {"pr_fail_job",
"SELECT pict_repo.fail_job($1, $2, $3, $4)::text", 4, {U, U, T, IV}};
static const PrStmt st_requeue_stale = {"pr_requeue_stale",
"SELECT pict_repo.requeue_stale($1)::integer", 1, {IV}};
static const PrStmt st_retry_dead_job = {"pr_retry_dead_job",
"SELECT pict_repo.retry_dead_job($1)", 1, {U}};
static const PrStmt st_abort_job = {"pr_abort_job",
"SELECT pict_repo.abort_job($1, $2, $3)", 3, {U, U, T}};
static const PrStmt st_cancel_job = {"pr_cancel_job",
"SELECT pict_repo.cancel_job($1)", 1, {U}};
static const PrStmt st_queue_length = {"pr_queue_length",
"SELECT pict_repo.queue_length($1)::bigint", 1, {T}};
static const PrStmt st_queue_stats = {"pr_queue_stats",
	"SELECT queue::text, pending::bigint, scheduled::bigint, running::bigint, "
	"dead::bigint, completed::bigint, failed::bigint, "
	"(pg_catalog.extract('epoch', avg_wait) * 1000000)::bigint, "
	"(pg_catalog.extract('epoch', avg_run) * 1000000)::bigint "
	"FROM pict_repo.queue_stats()",
0, {0}};
static const PrStmt st_average_time = {"pr_average_time_to_completion",
	"SELECT (pg_catalog.extract('epoch', "
	"pict_repo.average_time_to_completion($1, $2, $3)) * 1000000)::bigint",
3, {T, TS, TS}};
static const PrStmt st_dead_jobs = {"pr_dead_jobs",
	"SELECT id::uuid, queue::text, job::text, attempts::integer, last_error::text, "
	"died_at::timestamptz FROM pict_repo.list_dead_jobs($1, $2, $3)",
3, {T, I4, U}};
static const PrStmt st_run_maintenance = {"pr_run_maintenance",
	"SELECT requeued::integer, dead::integer, expired_uploads::integer, "
	"expired_locks::integer, due_notified::integer FROM pict_repo.run_maintenance()",
0, {0}};

/* Fill the parameters of push_job from the options (the SQL defaults for zeros). */
void
pri_push_params(PrParams *p, const char *queue, const char *job_json,
			   const pr_push_options *opts)
{
	pri_params_init(p);
	pri_pp_text(p, queue);
	pri_pp_text(p, job_json);
	pri_pp_text(p, opts ? opts->unique_key : NULL);
	pri_pp_int4(p, opts ? opts->priority : 0);
	pri_pp_ts(p, (!opts || opts->run_at == 0) ? PR_NO_TIME : opts->run_at);
	pri_pp_int4(p, (!opts || opts->max_attempts == 0) ? 5 : opts->max_attempts);
}

/* The push_job statement, for the pipelined batch. */
const PrStmt *
pri_push_stmt(void)
{
	return &st_push_job;
}

int
pr_push_job(pr_conn *conn, const char *queue, const char *job_json,
			const pr_push_options *opts, pr_uuid *id, pr_error *err)
{
	PrParams	p;

	pri_push_params(&p, queue, job_json, opts);
	return pri_exec_uuid(conn, &st_push_job, &p, id, err);
}

/* Run stmt and pack the uuid of its first column, row by row, into a pr_uuid_list. */
static int
uuid_rows(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_uuid_list **out,
		  pr_error *err)
{
	PGresult   *res;
	PrPack		pk;
	pr_uuid_list *list;
	void	   *rows;
	int			n;

	list = pri_exec_pack(conn, stmt, p, 1, &pk, sizeof(*list),
						 sizeof(pr_uuid), NULL, 0, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->ids = rows;
	for (int i = 0; i < n; i++)
		pri_get_uuid(res, i, 0, &list->ids[i]);
	PRI_RETURN_PACKED(res, list, out);
}

int
pr_push_jobs(pr_conn *conn, const char *queue, const char *const *jobs_json,
			 size_t n_jobs, pr_uuid_list **ids, pr_error *err)
{
	PrParams	p;

	if (ids)
		*ids = NULL;
	if (n_jobs > 0 && !jobs_json)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "jobs must not be NULL");
		return PR_ERROR;
	}
	pri_params_init(&p);
	pri_pp_text(&p, queue);
	if (pri_pp_jsonb_array(&p, jobs_json, n_jobs) != 0)
	{
		pri_params_free(&p);
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT,
					 "jobs must be non-NULL JSON texts");
		return PR_ERROR;
	}
	return uuid_rows(conn, &st_push_jobs, &p, ids, err);
}

/* Start the parameters of a statement on a job and the worker holding it. */
static void
job_params(PrParams *p, const pr_uuid *id, const pr_uuid *worker)
{
	pri_params_init(p);
	pri_pp_uuid(p, id);
	pri_pp_uuid(p, worker);
}

/* Pack (id, job, attempt) rows into a pr_job_list. */
static int
job_rows(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_job_list **jobs,
		 pr_error *err)
{
	static const int strcols[] = {1};
	PGresult   *res;
	PrPack		pk;
	pr_job_list *list;
	void	   *rows;
	int			n;

	if (jobs)
		*jobs = NULL;
	list = pri_exec_pack(conn, stmt, p, 3, &pk, sizeof(*list), sizeof(pr_job),
						 strcols, 1, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		pri_get_uuid(res, i, 0, &list->rows[i].id);
		list->rows[i].job = pri_pack_str(&pk, res, i, 1);
		list->rows[i].attempt = pri_get_int4(res, i, 2);
	}
	PRI_RETURN_PACKED(res, list, jobs);
}

int
pr_claim_job(pr_conn *conn, const char *queue, const pr_uuid *worker, int max_jobs,
			 pr_job_list **jobs, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, queue);
	pri_pp_uuid(&p, worker);
	pri_pp_int4(&p, max_jobs);
	return job_rows(conn, &st_claim_job, &p, jobs, err);
}

int
pr_heartbeat_job(pr_conn *conn, const pr_uuid *id, const pr_uuid *worker,
				 pr_error *err)
{
	PrParams	p;

	job_params(&p, id, worker);
	return pri_exec_bool(conn, &st_heartbeat_job, &p, err);
}

int
pr_complete_job(pr_conn *conn, const pr_uuid *id, const pr_uuid *worker,
				pr_error *err)
{
	PrParams	p;

	job_params(&p, id, worker);
	return pri_exec_bool(conn, &st_complete_job, &p, err);
}

/*
 * The parameters of a batch of a worker's jobs: ids (n of them) and worker;
 * false, with 22023 naming the argument, when ids is NULL with n > 0.
 */
static bool
batch_params(PrParams *p, const pr_uuid *ids, size_t n, const pr_uuid *worker,
			 const char *name, pr_error *err)
{
	pri_params_init(p);
	if (pri_pp_uuid_array(p, ids, n) != 0)
	{
		pri_params_free(p);
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "%s must not be NULL", name);
		return false;
	}
	pri_pp_uuid(p, worker);
	return true;
}

int
pr_complete_jobs(pr_conn *conn, const pr_uuid *ids, size_t n_ids,
				 const pr_uuid *worker, pr_uuid_list **completed, pr_error *err)
{
	PrParams	p;

	if (completed)
		*completed = NULL;
	if (!batch_params(&p, ids, n_ids, worker, "ids", err))
		return PR_ERROR;
	return uuid_rows(conn, &st_complete_jobs, &p, completed, err);
}

int
pr_complete_and_claim_job(pr_conn *conn, const pr_uuid *done, const pr_uuid *worker,
						  const char *queue, int max_jobs, pr_job_list **jobs,
						  pr_error *err)
{
	PrParams	p;

	job_params(&p, done, worker);
	pri_pp_text(&p, queue);
	pri_pp_int4(&p, max_jobs);
	return job_rows(conn, &st_complete_and_claim, &p, jobs, err);
}

int
pr_complete_and_claim_jobs(pr_conn *conn, const pr_uuid *done, size_t n_done,
						   const pr_uuid *worker, const char *queue, int max_jobs,
						   pr_job_list **jobs, pr_error *err)
{
	PrParams	p;

	if (jobs)
		*jobs = NULL;
	if (!batch_params(&p, done, n_done, worker, "done", err))
		return PR_ERROR;
	pri_pp_text(&p, queue);
	pri_pp_int4(&p, max_jobs);
	return job_rows(conn, &st_complete_and_claim_jobs, &p, jobs, err);
}

int
pr_fail_job(pr_conn *conn, const pr_uuid *id, const pr_uuid *worker,
			const char *error, int64_t retry_in, pr_fail_outcome *outcome,
			pr_error *err)
{
	PrParams	p;
	char	   *text = NULL;
	int			rc;

	if (outcome)
		*outcome = PR_FAIL_NOT_HELD;
	job_params(&p, id, worker);
	pri_pp_text(&p, error);
	pri_pp_interval(&p, retry_in);
	rc = pri_exec_text(conn, &st_fail_job, &p, &text, err);
	if (rc == PR_OK && outcome)
		*outcome = strcmp(text, "dead") == 0 ? PR_FAIL_DEAD : PR_FAIL_RETRY;
	free(text);
	return rc;
}

int
pr_requeue_stale(pr_conn *conn, int64_t timeout, int32_t *requeued, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_interval(&p, timeout);
	return pri_exec_int4(conn, &st_requeue_stale, &p, requeued, err);
}

int
pr_retry_dead_job(pr_conn *conn, const pr_uuid *id, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_uuid(&p, id);
	return pri_exec_bool(conn, &st_retry_dead_job, &p, err);
}

int
pr_abort_job(pr_conn *conn, const pr_uuid *id, const pr_uuid *worker,
			 const char *error, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_uuid(&p, id);
	pri_pp_uuid(&p, worker);
	pri_pp_text(&p, error);
	return pri_exec_bool(conn, &st_abort_job, &p, err);
}

int
pr_cancel_job(pr_conn *conn, const pr_uuid *id, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_uuid(&p, id);
	return pri_exec_bool(conn, &st_cancel_job, &p, err);
}

int
pr_queue_length(pr_conn *conn, const char *queue, int64_t *length, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, queue);
	return pri_exec_int8(conn, &st_queue_length, &p, length, err);
}

int
pr_queue_stats(pr_conn *conn, pr_queue_stats_list **stats, pr_error *err)
{
	static const int strcols[] = {0};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_queue_stats_list *list;
	void	   *rows;
	int			n;

	if (stats)
		*stats = NULL;
	pri_params_init(&p);
	list = pri_exec_pack(conn, &st_queue_stats, &p, 9, &pk, sizeof(*list),
						 sizeof(pr_queue_stats_row), strcols, 1, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		pr_queue_stats_row *r = &list->rows[i];

		r->queue = pri_pack_str(&pk, res, i, 0);
		r->pending = pri_get_int8(res, i, 1);
		r->scheduled = pri_get_int8(res, i, 2);
		r->running = pri_get_int8(res, i, 3);
		r->dead = pri_get_int8(res, i, 4);
		r->completed = pri_get_int8(res, i, 5);
		r->failed = pri_get_int8(res, i, 6);
		r->avg_wait = pri_isnull(res, i, 7) ? PR_NO_INTERVAL : pri_get_int8(res, i, 7);
		r->avg_run = pri_isnull(res, i, 8) ? PR_NO_INTERVAL : pri_get_int8(res, i, 8);
	}
	PRI_RETURN_PACKED(res, list, stats);
}

int
pr_average_time_to_completion(pr_conn *conn, const char *queue, int64_t since,
							  int64_t until, int64_t *average, pr_error *err)
{
	PrParams	p;
	int			rc;

	pri_params_init(&p);
	pri_pp_text(&p, queue);
	pri_pp_ts(&p, since);
	pri_pp_ts(&p, until);
	rc = pri_exec_int8(conn, &st_average_time, &p, average, err);
	if (rc != PR_OK && average)
		*average = PR_NO_INTERVAL;
	return rc;
}

int
pr_run_maintenance(pr_conn *conn, pr_maintenance_result *result, pr_error *err)
{
	PrParams	p;
	PGresult   *res;

	if (result)
		memset(result, 0, sizeof(*result));
	pri_params_init(&p);
	res = pri_exec(conn, &st_run_maintenance, &p, 5, err);
	if (!res)
		return PR_ERROR;
	if (PQntuples(res) >= 1 && result)
	{
		result->requeued = pri_get_int4(res, 0, 0);
		result->dead = pri_get_int4(res, 0, 1);
		result->expired_uploads = pri_get_int4(res, 0, 2);
		result->expired_locks = pri_get_int4(res, 0, 3);
		result->due_notified = pri_get_int4(res, 0, 4);
	}
	PQclear(res);
	return PR_OK;
}

/* Read dead jobs, oldest first, a page at a time (list_dead_jobs). */
int
pr_dead_jobs(pr_conn *conn, const char *queue, int lim, const pr_uuid *after,
			 pr_dead_job_list **out, pr_error *err)
{
	static const int strcols[] = {1, 2, 4};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_dead_job_list *list;
	void	   *rows;
	int			n;

	if (out)
		*out = NULL;
	pri_params_init(&p);
	pri_pp_text(&p, queue);
	pri_pp_int4(&p, lim);
	pri_pp_uuid(&p, after);
	list = pri_exec_pack(conn, &st_dead_jobs, &p, 6, &pk, sizeof(*list),
						 sizeof(pr_dead_job), strcols, 3, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		pr_dead_job *d = &list->rows[i];

		pri_get_uuid(res, i, 0, &d->id);
		d->queue = pri_pack_str(&pk, res, i, 1);
		d->job = pri_pack_str(&pk, res, i, 2);
		d->attempts = pri_get_int4(res, i, 3);
		d->last_error = pri_pack_str(&pk, res, i, 4);
		d->died_at = pri_get_ts(res, i, 5);
	}
	PRI_RETURN_PACKED(res, list, out);
}
