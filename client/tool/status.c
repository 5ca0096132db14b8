/*-------------------------------------------------------------------------
 *
 * status.c
 *		pict-repo status: queue statistics and repository counts.
 *
 *-------------------------------------------------------------------------
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "tool.h"

static void
status_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo status\n"
			"\n"
			"Print the server's pict_repo version, the number of hashes and of queued\n"
			"jobs, then one line per queue (queue_stats()): pending (runnable now),\n"
			"scheduled (run_at in the future), running, dead, completed and failed\n"
			"in the last day, and the average wait and run times.\n"
			"\n"
			"Exit status: 0 success, 2 usage error, 3 server or connection error.\n");
}

/*
 * Read queue_stats() with our own query.  Used only when pr_queue_stats()
 * fails with a syntax error (42601): the library's statement calls
 * pg_catalog.extract(epoch FROM ...), which the grammar does not accept in
 * qualified form.  Remove once the library uses pg_catalog.date_part.
 */
static int
queue_stats_fallback(pr_conn *conn, pr_queue_stats_list **out, pr_error *err)
{
	const char *sql =
		"SELECT queue::text, pending::bigint, scheduled::bigint, running::bigint,"
		" dead::bigint, completed::bigint, failed::bigint,"
		" (pg_catalog.date_part('epoch', avg_wait) * 1000000)::bigint,"
		" (pg_catalog.date_part('epoch', avg_run) * 1000000)::bigint"
		" FROM pict_repo.queue_stats()";
	PGconn	   *pg = (PGconn *) pr_pgconn(conn);
	PGresult   *res = PQexec(pg, sql);
	pr_queue_stats_list *list;
	size_t		n,
				strings = 0;
	char	   *p;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		memset(err, 0, sizeof(*err));
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state ? state : "08006");
		snprintf(err->message, sizeof(err->message), "%s", msg ? msg : PQerrorMessage(pg));
		PQclear(res);
		return PR_ERROR;
	}
	n = (size_t) PQntuples(res);
	for (size_t i = 0; i < n; i++)
		strings += strlen(PQgetvalue(res, (int) i, 0)) + 1;
	/* One block, as the library's lists are, so pr_free releases it. */
	list = malloc(sizeof(*list) + n * sizeof(pr_queue_stats_row) + strings);
	if (!list)
	{
		memset(err, 0, sizeof(*err));
		snprintf(err->sqlstate, sizeof(err->sqlstate), "58000");
		snprintf(err->message, sizeof(err->message), "out of memory");
		PQclear(res);
		return PR_ERROR;
	}
	list->n = n;
	list->rows = (pr_queue_stats_row *) (list + 1);
	p = (char *) (list->rows + n);
	for (size_t i = 0; i < n; i++)
	{
		pr_queue_stats_row *r = &list->rows[i];
		int64_t    *fields[] = {&r->pending, &r->scheduled, &r->running, &r->dead,
		&r->completed, &r->failed, &r->avg_wait, &r->avg_run};

		r->queue = p;
		strcpy(p, PQgetvalue(res, (int) i, 0));
		p += strlen(p) + 1;
		for (int f = 0; f < 8; f++)
			*fields[f] = PQgetisnull(res, (int) i, f + 1) ? PR_NO_INTERVAL
				: strtoll(PQgetvalue(res, (int) i, f + 1), NULL, 10);
	}
	PQclear(res);
	*out = list;
	return PR_OK;
}

/* Print versions, counts and the per-queue statistics. */
int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	int			rc = EXIT_OK;
	pr_conn    *conn;
	pr_error	err;
	int64_t		hashes = 0,
				queued = 0;
	pr_queue_stats_list *stats = NULL;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
	{
		if (c == 'h')
		{
			status_usage(stdout);
			return EXIT_OK;
		}
		return tool_usage_error("status", "unknown option");
	}
	if (optind != argc)
		return tool_usage_error("status", "unexpected argument \"%s\"", argv[optind]);

	if (!(conn = tool_connect(&rc)))
		return rc;
	if (pr_hash_count(conn, &hashes, &err) == PR_ERROR)
		rc = tool_fail("hash_count", &err);
	else if (pr_queue_length(conn, NULL, &queued, &err) == PR_ERROR)
		rc = tool_fail("queue_length", &err);
	else if (pr_queue_stats(conn, &stats, &err) == PR_ERROR &&
			 (strcmp(err.sqlstate, "42601") != 0 ||
			  queue_stats_fallback(conn, &stats, &err) == PR_ERROR))
		rc = tool_fail("queue_stats", &err);
	else
	{
		printf("server version: %s\n", pr_server_version(conn));
		printf("hashes:         %lld\n", (long long) hashes);
		printf("queued jobs:    %lld\n", (long long) queued);
		printf("%-20s %9s %9s %9s %9s %9s %9s %10s %10s\n",
			   "queue", "pending", "scheduled", "running", "dead",
			   "completed", "failed", "avg_wait", "avg_run");
		for (size_t i = 0; i < stats->n; i++)
		{
			const pr_queue_stats_row *r = &stats->rows[i];
			char		wait[32],
						run[32];

			format_interval(r->avg_wait, wait, sizeof(wait));
			format_interval(r->avg_run, run, sizeof(run));
			printf("%-20s %9lld %9lld %9lld %9lld %9lld %9lld %10s %10s\n",
				   r->queue, (long long) r->pending, (long long) r->scheduled,
				   (long long) r->running, (long long) r->dead,
				   (long long) r->completed, (long long) r->failed, wait, run);
		}
		pr_queue_stats_list_free(stats);
	}
	pr_finish(conn);
	return rc;
}
