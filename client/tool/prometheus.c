/*-------------------------------------------------------------------------
 *
 * prometheus.c
 *		pict-repo status --prometheus: the queue statistics and repository
 *		counts in Prometheus's text exposition format (version 0.0.4), for
 *		node_exporter's textfile collector.
 *
 * Every metric family has its HELP and TYPE lines before its samples.
 * Label values are escaped as the format says: a backslash as \\, a double
 * quote as \", a line feed as \n; everything else (UTF-8, as the database
 * sends it) passes as it is.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>

#include "tool.h"

/* Print s as a label value, escaped, between double quotes. */
static void
put_label_value(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++)
	{
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void
family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* What one per-queue metric reads from a row; false: no sample (NULL). */
typedef bool (*QueueValue) (const pr_queue_stats_row *r, double *v);

#define COUNT_FIELD(fn, field) \
	static bool fn(const pr_queue_stats_row *r, double *v) \
	{ *v = (double) r->field; return true; }
#define SECONDS_FIELD(fn, field) \
	static bool fn(const pr_queue_stats_row *r, double *v) \
	{ *v = (double) r->field / 1e6; return r->field != PR_NO_INTERVAL; }

COUNT_FIELD(q_pending, pending)
COUNT_FIELD(q_scheduled, scheduled)
COUNT_FIELD(q_running, running)
COUNT_FIELD(q_dead, dead)
COUNT_FIELD(q_completed, completed)
COUNT_FIELD(q_failed, failed)
SECONDS_FIELD(q_wait, avg_wait)
SECONDS_FIELD(q_run, avg_run)

static const struct
{
	const char *name;
	QueueValue	value;
	const char *help;
}			queue_metrics[] = {
	{"pict_repo_queue_pending_jobs", q_pending, "Jobs of the queue runnable now."},
	{"pict_repo_queue_scheduled_jobs", q_scheduled, "Jobs of the queue whose run_at is in the future."},
	{"pict_repo_queue_running_jobs", q_running, "Jobs of the queue claimed by a worker."},
	{"pict_repo_queue_dead_jobs", q_dead, "Dead jobs of the queue (dead_jobs)."},
	{"pict_repo_queue_completed_last_day", q_completed, "Jobs of the queue completed in the last 24 hours."},
	{"pict_repo_queue_failed_last_day", q_failed, "Failed attempts of jobs of the queue in the last 24 hours."},
	{"pict_repo_queue_wait_seconds_avg", q_wait, "Average time from run_at to claim in the last 24 hours."},
	{"pict_repo_queue_run_seconds_avg", q_run, "Average time from claim to completion in the last 24 hours."},
};

/*
 * Print the metrics.  The values are what `pict-repo status` prints; a
 * queue whose average is NULL (nothing completed lately) has no sample of
 * that average.
 */
void
status_prometheus(FILE *out, const char *server_version, int64_t hashes,
				  int64_t queued, const pr_queue_stats_list *stats)
{
	family(out, "pict_repo_info", "gauge",
		   "Versions of the pict_repo extension and of libpictrepo; always 1.");
	fputs("pict_repo_info{version=", out);
	put_label_value(out, server_version);
	fputs(",library=", out);
	put_label_value(out, pr_library_version());
	fputs("} 1\n", out);
	family(out, "pict_repo_hashes", "gauge", "Hashes (stored originals) in the repository.");
	fprintf(out, "pict_repo_hashes %lld\n", (long long) hashes);
	family(out, "pict_repo_queued_jobs", "gauge",
		   "Jobs in the job queue, every queue and status.");
	fprintf(out, "pict_repo_queued_jobs %lld\n", (long long) queued);
	for (size_t m = 0; m < sizeof(queue_metrics) / sizeof(queue_metrics[0]); m++)
	{
		family(out, queue_metrics[m].name, "gauge", queue_metrics[m].help);
		for (size_t i = 0; i < stats->n; i++)
		{
			double		v;

			if (!queue_metrics[m].value(&stats->rows[i], &v))
				continue;
			fprintf(out, "%s{queue=", queue_metrics[m].name);
			put_label_value(out, stats->rows[i].queue);
			fprintf(out, "} %.17g\n", v);
		}
	}
}
