/*-------------------------------------------------------------------------
 *
 * maintenance.c
 *		pict-repo maintenance: one pass of run_maintenance().
 *
 *-------------------------------------------------------------------------
 */
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
	int			rc;
	pr_conn    *conn;
	pr_error	err;
	pr_maintenance_result res;

	if ((rc = tool_no_arguments(argc, argv, "maintenance", maintenance_usage)) >= 0)
		return rc;
	rc = EXIT_OK;

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
