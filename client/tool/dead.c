/*-------------------------------------------------------------------------
 *
 * dead.c
 *		pict-repo dead list|retry: the jobs that used up their attempts.
 *
 * The library's pr_dead_jobs() calls list_dead_jobs() in keyset pages, so
 * an application role (a member of pict_repo_user) can list them.
 *
 *-------------------------------------------------------------------------
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

#define DEAD_PAGE 500

static void
dead_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo dead list [QUEUE] [--jobs]\n"
			"       pict-repo dead retry ID\n"
			"\n"
			"list   print the dead jobs (of QUEUE, or of every queue), oldest job\n"
			"       (id) first, one per line, tab-separated: id, queue, attempts, died_at\n"
			"       (ISO 8601, UTC) and last_error; queue and last_error are escaped\n"
			"       (\\t, \\n, \\r, \\\\, and \\xHH for other control characters and bytes\n"
			"       that are not UTF-8); with --jobs the job's JSON is added as a sixth\n"
			"       field, as it is (one line, its control characters \\u-escaped)\n"
			"retry  move the dead job ID back to its queue (retry_dead_job()) with\n"
			"       fresh attempts\n"
			"\n"
			"Exit status: 0 success (list: also when there are none), 1 retry: no\n"
			"dead job with that id, 2 usage error, 3 server or connection error.\n");
}

/* List dead jobs a page at a time (pr_dead_jobs, keyset on the id). */
static int
dead_list(pr_conn *conn, const char *queue, bool with_jobs)
{
	pr_uuid		after;
	bool		first = true;

	for (;;)
	{
		pr_dead_job_list *page = NULL;
		pr_error	err;
		size_t		n;

		if (pr_dead_jobs(conn, queue, DEAD_PAGE, first ? NULL : &after, &page,
						 &err) == PR_ERROR)
			return tool_fail("dead list", &err);
		n = page->n;
		for (size_t i = 0; i < n; i++)
		{
			const pr_dead_job *d = &page->rows[i];
			char		id[PR_UUID_STRLEN];
			char		ts[64];

			pr_uuid_format(&d->id, id);
			format_time(d->died_at, ts, sizeof(ts));
			printf("%s\t", id);
			tool_put(stdout, d->queue);
			printf("\t%d\t%s\t", d->attempts, ts);
			tool_put(stdout, d->last_error);
			if (with_jobs)
			{
				fputc('\t', stdout);
				tool_put_json(stdout, d->job);
			}
			fputc('\n', stdout);
		}
		if (n > 0)
			after = page->rows[n - 1].id;
		pr_dead_job_list_free(page);
		first = false;
		if (n < DEAD_PAGE)
			return EXIT_OK;
	}
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
