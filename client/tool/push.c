/*-------------------------------------------------------------------------
 *
 * push.c
 *		pict-repo push: push one job, or one job per line of stdin through
 *		the pipelined batch call.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* Lines of stdin sent in one pipeline. */
#define PUSH_BATCH 500

static void
push_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo push QUEUE JSON [OPTIONS]\n"
			"       pict-repo push QUEUE - [OPTIONS] < jobs.jsonl\n"
			"\n"
			"Push a job (push_job()) and print its id.  With \"-\" every non-empty line\n"
			"of stdin is one job; the lines are sent in pipelined batches of %d and\n"
			"one line is printed per job: its id, or \"-\" when it was not pushed\n"
			"(a duplicate unique key, or an error, reported on stderr with its line).\n"
			"\n"
			"Options:\n"
			"  -u, --unique-key K    at most one queued job with this key per queue\n"
			"  -p, --priority N      higher runs first (default 0)\n"
			"  -r, --run-at TIME     not before TIME: +DURATION (e.g. +30s, +5m, +1h),\n"
			"                        @EPOCH-SECONDS, or YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]\n"
			"                        (UTC when no offset is given)\n"
			"  -m, --max-attempts N  attempts before the job is dead (default 5)\n"
			"  -h, --help            show this help\n"
			"\n"
			"Exit status: 0 pushed, 1 a job with that unique key is still queued\n"
			"(with \"-\": some line was a duplicate), 2 usage error or invalid JSON,\n"
			"3 server or connection error.\n", PUSH_BATCH);
}

/* Send one batch; print a line per item; fold the outcome into *rc. */
static int
push_batch(pr_conn *conn, pr_push_item *items, size_t n, const long *line_of,
		   int *rc, bool *dup)
{
	pr_push_results *res = NULL;
	pr_error	err;
	int			r;

	r = pr_push_jobs_pipelined(conn, items, n, &res, &err);
	if (!res)
	{
		*rc = tool_fail("push_jobs_pipelined", &err);
		return -1;
	}
	for (size_t i = 0; i < res->n; i++)
	{
		const pr_push_item_result *it = &res->items[i];

		if (it->rc == PR_OK)
		{
			char		id[PR_UUID_STRLEN];

			pr_uuid_format(&it->id, id);
			printf("%s\n", id);
		}
		else
		{
			printf("-\n");
			if (it->rc == PR_NONE)
				*dup = true;
			else
			{
				pr_error	e;
				int			code;
				char		what[64];

				memset(&e, 0, sizeof(e));
				snprintf(e.sqlstate, sizeof(e.sqlstate), "%s", it->sqlstate);
				snprintf(e.message, sizeof(e.message), "%s",
						 it->message ? it->message : "unknown error");
				snprintf(what, sizeof(what), "push: line %ld", line_of[i]);
				code = tool_fail(what, &e);
				if (code > *rc)
					*rc = code;
			}
		}
	}
	pr_push_results_free(res);
	/* A broken connection: every later batch would fail too. */
	if (r == PR_ERROR && strncmp(err.sqlstate, "08", 2) == 0)
		return -1;
	return 0;
}

/* Read stdin line by line; push in batches of PUSH_BATCH. */
static int
push_stdin(pr_conn *conn, const char *queue, const pr_push_options *opts)
{
	pr_push_item *items;
	char	  **lines;
	size_t		n = 0;
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		len;
	long		lineno = 0;
	long		line_of[PUSH_BATCH];
	int			rc = EXIT_OK;
	bool		dup = false;
	bool		broken = false;
	bool		oom = false;

	items = calloc(PUSH_BATCH, sizeof(*items));
	lines = calloc(PUSH_BATCH, sizeof(*lines));
	if (!items || !lines)
	{
		free(items);
		free(lines);
		tool_warn("push: out of memory");
		return EXIT_SERVER;
	}
	while (!broken && (len = getline(&line, &cap, stdin)) >= 0)
	{
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (strspn(line, " \t") == (size_t) len)
			continue;			/* blank line */
		if (!(lines[n] = strdup(line)))
		{
			tool_warn("push: out of memory");
			rc = EXIT_SERVER;
			oom = true;
			break;
		}
		items[n].queue = queue;
		items[n].job_json = lines[n];
		items[n].opts = *opts;
		line_of[n] = lineno;
		n++;
		if (n == PUSH_BATCH)
		{
			broken = push_batch(conn, items, n, line_of, &rc, &dup) != 0;
			for (size_t i = 0; i < n; i++)
				free(lines[i]);
			n = 0;
		}
	}
	if (n > 0 && !broken && !oom)
		push_batch(conn, items, n, line_of, &rc, &dup);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(line);
	free(items);
	free(lines);
	if (ferror(stdin))
	{
		tool_warn("push: cannot read stdin");
		if (rc < EXIT_SERVER)
			rc = EXIT_SERVER;
	}
	if (rc == EXIT_OK && dup)
		rc = EXIT_NOTHING;
	return rc;
}

/* push QUEUE JSON|- [options] */
int
cmd_push(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"unique-key", required_argument, NULL, 'u'},
		{"priority", required_argument, NULL, 'p'},
		{"run-at", required_argument, NULL, 'r'},
		{"max-attempts", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	int			rc = EXIT_OK;
	long		v;
	pr_push_options opts;
	const char *queue,
			   *json;
	pr_conn    *conn;

	memset(&opts, 0, sizeof(opts));
	opts.run_at = PR_NO_TIME;
	opts.max_attempts = 5;
	while ((c = getopt_long(argc, argv, "u:p:r:m:h", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'u':
				opts.unique_key = optarg;
				break;
			case 'p':
				if (!parse_int(optarg, -2147483647L - 1, 2147483647L, &v))
					return tool_usage_error("push", "--priority must be an integer");
				opts.priority = (int32_t) v;
				break;
			case 'r':
				if (!parse_time(optarg, &opts.run_at))
					return tool_usage_error("push", "--run-at: cannot read the time \"%s\"",
											optarg);
				break;
			case 'm':
				if (!parse_int(optarg, 1, 2147483647L, &v))
					return tool_usage_error("push", "--max-attempts must be a positive integer");
				opts.max_attempts = (int32_t) v;
				break;
			case 'h':
				push_usage(stdout);
				return EXIT_OK;
			default:
				return tool_usage_error("push", "unknown option");
		}
	}
	if (argc - optind != 2)
		return tool_usage_error("push", "expected QUEUE and JSON (or - for stdin)");
	queue = argv[optind];
	json = argv[optind + 1];

	if (!(conn = tool_connect(&rc)))
		return rc;
	if (strcmp(json, "-") == 0)
		rc = push_stdin(conn, queue, &opts);
	else
	{
		pr_uuid		id;
		pr_error	err;
		int			r = pr_push_job(conn, queue, json, &opts, &id, &err);

		if (r == PR_ERROR)
			rc = tool_fail("push_job", &err);
		else if (r == PR_NONE)
		{
			tool_warn("push: a job with unique key \"%s\" is already queued in \"%s\"",
					  opts.unique_key ? opts.unique_key : "", queue);
			rc = EXIT_NOTHING;
		}
		else
		{
			char		text[PR_UUID_STRLEN];

			pr_uuid_format(&id, text);
			printf("%s\n", text);
		}
	}
	pr_finish(conn);
	return rc;
}
