/*-------------------------------------------------------------------------
 *
 * dead.c
 *		pict-repo dead list|retry: the jobs that used up their attempts.
 *
 * The SQL API has no function that lists dead jobs, so `dead list` reads
 * the table pict_repo.dead_jobs with its own parameterised query on the
 * library's connection.
 *
 *-------------------------------------------------------------------------
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "tool.h"

static void
dead_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo dead list [QUEUE] [--jobs]\n"
			"       pict-repo dead retry ID\n"
			"\n"
			"list   print the dead jobs (of QUEUE, or of every queue), oldest death\n"
			"       first, one per line, tab-separated: id, queue, attempts, died_at\n"
			"       (ISO 8601, UTC) and last_error (newlines and tabs shown as \\n\n"
			"       and \\t); with --jobs the job's JSON is added as a sixth field\n"
			"retry  move the dead job ID back to its queue (retry_dead_job()) with\n"
			"       fresh attempts\n"
			"\n"
			"Exit status: 0 success (list: also when there are none), 1 retry: no\n"
			"dead job with that id, 2 usage error, 3 server or connection error.\n");
}

/* Print text with tabs, newlines and backslashes escaped. */
static void
print_escaped(const char *s)
{
	for (; *s; s++)
	{
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s == '\r')
			fputs("\\r", stdout);
		else if (*s == '\\')
			fputs("\\\\", stdout);
		else
			fputc(*s, stdout);
	}
}

/* List dead_jobs with one query. */
static int
dead_list(pr_conn *conn, const char *queue, bool with_jobs)
{
	const char *sql =
		"SELECT id::text, queue, attempts::text,"
		" pg_catalog.to_char(died_at AT TIME ZONE 'UTC',"
		" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
		" COALESCE(last_error, ''), job::text"
		" FROM pict_repo.dead_jobs"
		" WHERE $1::text IS NULL OR queue OPERATOR(pg_catalog.=) $1::text"
		" ORDER BY died_at, id";
	const char *values[1] = {queue};
	PGresult   *res;
	int			rc = EXIT_OK;

	res = PQexecParams((PGconn *) pr_pgconn(conn), sql, 1, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		pr_error	err;
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		memset(&err, 0, sizeof(err));
		snprintf(err.sqlstate, sizeof(err.sqlstate), "%s", state ? state : "08006");
		snprintf(err.message, sizeof(err.message), "%s",
				 msg ? msg : PQerrorMessage((PGconn *) pr_pgconn(conn)));
		PQclear(res);
		return tool_fail("dead list", &err);
	}
	for (int i = 0; i < PQntuples(res); i++)
	{
		printf("%s\t%s\t%s\t%s\t", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			   PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
		print_escaped(PQgetvalue(res, i, 4));
		if (with_jobs)
		{
			fputc('\t', stdout);
			print_escaped(PQgetvalue(res, i, 5));
		}
		fputc('\n', stdout);
	}
	PQclear(res);
	return rc;
}

/* dead list [QUEUE] | dead retry ID */
int
cmd_dead(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"jobs", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	int			rc = EXIT_OK;
	bool		with_jobs = false;
	const char *action;
	pr_conn    *conn;

	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'j':
				with_jobs = true;
				break;
			case 'h':
				dead_usage(stdout);
				return EXIT_OK;
			default:
				return tool_usage_error("dead", "unknown option");
		}
	}
	if (optind >= argc)
		return tool_usage_error("dead", "expected \"list\" or \"retry\"");
	action = argv[optind++];
	if (strcmp(action, "list") == 0)
	{
		const char *queue = NULL;

		if (argc - optind > 1)
			return tool_usage_error("dead", "list takes at most one queue");
		if (optind < argc)
			queue = argv[optind];
		if (!(conn = tool_connect(&rc)))
			return rc;
		rc = dead_list(conn, queue, with_jobs);
		pr_finish(conn);
		return rc;
	}
	if (strcmp(action, "retry") == 0)
	{
		pr_uuid		id;
		pr_error	err;
		int			r;

		if (argc - optind != 1)
			return tool_usage_error("dead", "retry takes one job id");
		if (pr_uuid_parse(argv[optind], &id) != 0)
			return tool_usage_error("dead", "\"%s\" is not a uuid", argv[optind]);
		if (!(conn = tool_connect(&rc)))
			return rc;
		r = pr_retry_dead_job(conn, &id, &err);
		if (r == PR_ERROR)
			rc = tool_fail("retry_dead_job", &err);
		else if (r == PR_NONE)
		{
			tool_warn("dead retry: no dead job %s", argv[optind]);
			rc = EXIT_NOTHING;
		}
		else
			printf("%s\n", argv[optind]);
		pr_finish(conn);
		return rc;
	}
	return tool_usage_error("dead", "unknown action \"%s\": expected \"list\" or \"retry\"",
							action);
}
