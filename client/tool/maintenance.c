/*-------------------------------------------------------------------------
 *
 * maintenance.c
 *		pict-repo maintenance: one pass of run_maintenance().
 *
 *-------------------------------------------------------------------------
 */
#include <getopt.h>
#include <stdio.h>

#include "tool.h"

static void
maintenance_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo maintenance\n"
			"\n"
			"Run one pass of what the background worker does (run_maintenance()):\n"
			"requeue stale jobs, expire uploads and variant locks, notify workers of\n"
			"scheduled jobs that fell due.  Prints one \"name count\" line each for\n"
			"requeued, dead, expired_uploads, expired_locks and due_notified.\n"
			"Useful where the library cannot be preloaded (run it from cron).\n"
			"\n"
			"Exit status: 0 success, 2 usage error, 3 server or connection error.\n");
}

/* Run run_maintenance() and print its counts. */
int
cmd_maintenance(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	int			rc = EXIT_OK;
	pr_conn    *conn;
	pr_error	err;
	pr_maintenance_result res;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
	{
		if (c == 'h')
		{
			maintenance_usage(stdout);
			return EXIT_OK;
		}
		return tool_usage_error("maintenance", "unknown option");
	}
	if (optind != argc)
		return tool_usage_error("maintenance", "unexpected argument \"%s\"", argv[optind]);

	if (!(conn = tool_connect(&rc)))
		return rc;
	if (pr_run_maintenance(conn, &res, &err) == PR_ERROR)
		rc = tool_fail("run_maintenance", &err);
	else
		printf("requeued %d\ndead %d\nexpired_uploads %d\nexpired_locks %d\ndue_notified %d\n",
			   res.requeued, res.dead, res.expired_uploads, res.expired_locks,
			   res.due_notified);
	pr_finish(conn);
	return rc;
}
