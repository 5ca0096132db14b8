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

#include "tool.h"

static void
status_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo status [--prometheus]\n"
			"\n"
			"Print the server's pict_repo version, the number of hashes and of queued\n"
			"jobs, then one line per queue (queue_stats()): pending (runnable now),\n"
			"scheduled (run_at in the future), running, dead, completed and failed\n"
			"in the last day, and the average wait and run times.  Queue names are\n"
			"escaped: \\t, \\n, \\r, \\\\, and \\xHH for other control characters and\n"
			"bytes that are not UTF-8.\n"
			"\n"
			"  --prometheus  the same in Prometheus's text format, for node_exporter's\n"
			"                textfile collector: pict_repo_info, pict_repo_hashes,\n"
			"                pict_repo_queued_jobs and pict_repo_queue_*{queue=\"...\"}\n"
			"                (gauges; see the README)\n"
			"\n"
			"Exit status: 0 success, 2 usage error, 3 server or connection error.\n");
}

/* Print versions, counts and the per-queue statistics. */
int
cmd_status(int argc, char **argv)
{
	int			rc;
	pr_conn    *conn;
	pr_error	err;
	int64_t		hashes = 0,
				queued = 0;
	pr_queue_stats_list *stats = NULL;
	bool		prometheus = false;

	/* --prometheus, or no argument but --help. */
	if (argc == 2 && strcmp(argv[1], "--prometheus") == 0)
		prometheus = true;
	else if ((rc = tool_no_arguments(argc, argv, "status", status_usage)) >= 0)
		return rc;
	rc = EXIT_OK;

	if (!(conn = tool_connect(&rc)))
		return rc;
	if (pr_hash_count(conn, &hashes, &err) == PR_ERROR)
		rc = tool_fail("hash_count", &err);
	else if (pr_queue_length(conn, NULL, &queued, &err) == PR_ERROR)
		rc = tool_fail("queue_length", &err);
	else if (pr_queue_stats(conn, &stats, &err) == PR_ERROR)
		rc = tool_fail("queue_stats", &err);
	else if (prometheus)
	{
		status_prometheus(stdout, pr_server_version(conn), hashes, queued, stats);
		pr_queue_stats_list_free(stats);
	}
	else
	{
		fputs("server version: ", stdout);
		tool_put(stdout, pr_server_version(conn));
		fputc('\n', stdout);
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
			char	   *queue = tool_escaped(r->queue);

			format_interval(r->avg_wait, wait, sizeof(wait));
			format_interval(r->avg_run, run, sizeof(run));
			/* A queue name is a tenant's text: escaped, so it is one cell. */
			printf("%-20s %9lld %9lld %9lld %9lld %9lld %9lld %10s %10s\n",
				   queue ? queue : "?", (long long) r->pending, (long long) r->scheduled,
				   (long long) r->running, (long long) r->dead,
				   (long long) r->completed, (long long) r->failed, wait, run);
			free(queue);
		}
		pr_queue_stats_list_free(stats);
	}
	pr_finish(conn);
	return rc;
}
