/*-------------------------------------------------------------------------
 *
 * stores.c
 *		pict-repo stores: list, add and drop the stores of the storage
 *		tiers.
 *
 *-------------------------------------------------------------------------
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tiers.h"

static void
stores_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo stores\n"
			"       pict-repo stores add NAME --kind file|object|archive --priority N\n"
			"                            --location L [--notes TEXT]\n"
			"       pict-repo stores drop NAME\n"
			"\n"
			"The stores of the storage tiers.  Without an action, print one line per\n"
			"store, most accessible first (lowest priority number): name, kind,\n"
			"priority, copies, bytes, location and notes, tab-separated (tabs,\n"
			"newlines, backslashes and control characters escaped as \\t, \\n, \\\\\n"
			"and \\xHH).\n"
			"\n"
			"add registers a store (create_store()) and prints its id.  A store's\n"
			"priority is 0 for the active tier, larger numbers for less accessible\n"
			"ones.  The location of a 'file' store is an absolute directory; that of\n"
			"an 'object' or 'archive' store a bucket URL or prefix, for the command\n"
			"that tier copy runs.  drop removes a store that holds no copies\n"
			"(drop_store()).\n"
			"\n"
			"Options of add:\n"
			"  -k, --kind KIND       file, object or archive\n"
			"  -p, --priority N      0 (active) or more\n"
			"  -l, --location L      1 to 4096 characters\n"
			"  -n, --notes TEXT      free text (optional)\n"
			"  -h, --help            show this help\n"
			"\n"
			"Exit status: 0 success, 1 the name is taken (add), the store is unknown\n"
			"or still holds copies (drop, SQLSTATE 55006), 2 usage error or invalid\n"
			"input, 3 server or connection error.\n");
}

/* Print every store. */
static int
stores_list(void)
{
	int			rc = EXIT_OK;
	pr_conn    *conn;
	pr_error	err;
	pr_store_list *list = NULL;

	if (!(conn = tool_connect(&rc)))
		return rc;
	if (pr_stores(conn, &list, &err) == PR_ERROR)
		rc = tool_fail("stores", &err);
	else
	{
		for (size_t i = 0; i < list->n; i++)
		{
			const pr_store_row *r = &list->rows[i];

			tool_put(stdout, r->name);
			printf("\t%s\t%d\t%lld\t%lld\t", r->kind, r->priority,
				   (long long) r->copies, (long long) r->bytes);
			tool_put(stdout, r->location);
			putchar('\t');
			tool_put(stdout, r->notes ? r->notes : "");
			putchar('\n');
		}
		pr_store_list_free(list);
		if (fflush(stdout) != 0)
			rc = EXIT_SERVER;
	}
	pr_finish(conn);
	return rc;
}

/* stores add NAME --kind K --priority N --location L [--notes T] */
static int
stores_add(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"kind", required_argument, NULL, 'k'},
		{"priority", required_argument, NULL, 'p'},
		{"location", required_argument, NULL, 'l'},
		{"notes", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *kind = NULL,
			   *location = NULL,
			   *notes = NULL;
	long		priority = -1;
	int			c;
	int			rc = EXIT_OK;
	int32_t		id = 0;
	pr_conn    *conn;
	pr_error	err;

	while ((c = getopt_long(argc, argv, "k:p:l:n:h", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'k':
				kind = optarg;
				if (strcmp(kind, "file") != 0 && strcmp(kind, "object") != 0 &&
					strcmp(kind, "archive") != 0)
					return tool_usage_error("stores add", "--kind must be file, object or archive");
				break;
			case 'p':
				if (!parse_int(optarg, 0, INT32_MAX, &priority))
					return tool_usage_error("stores add", "--priority must be a number from 0 to %d",
											INT32_MAX);
				break;
			case 'l':
				location = optarg;
				break;
			case 'n':
				notes = optarg;
				break;
			case 'h':
				stores_usage(stdout);
				return EXIT_OK;
			default:
				return tool_usage_error("stores add", "unknown option");
		}
	}
	if (argc - optind != 1)
		return tool_usage_error("stores add", "expected one argument, the store's name");
	if (!kind || priority < 0 || !location)
		return tool_usage_error("stores add", "--kind, --priority and --location are required");

	if (!(conn = tool_connect(&rc)))
		return rc;
	c = pr_create_store(conn, argv[optind], kind, (int32_t) priority, location, notes, &id, &err);
	if (c == PR_ERROR)
		rc = tool_fail("create_store", &err);
	else if (c == PR_NONE)
	{
		fprintf(stderr, "pict-repo: stores add: a store named \"");
		tool_put(stderr, argv[optind]);
		fprintf(stderr, "\" exists already\n");
		rc = EXIT_NOTHING;
	}
	else
		printf("%d\n", id);
	pr_finish(conn);
	return rc;
}

/* stores drop NAME */
static int
stores_drop(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			rc = EXIT_OK;
	int			c;
	pr_conn    *conn;
	pr_error	err;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
	{
		if (c == 'h')
		{
			stores_usage(stdout);
			return EXIT_OK;
		}
		return tool_usage_error("stores drop", "unknown option");
	}
	if (argc - optind != 1)
		return tool_usage_error("stores drop", "expected one argument, the store's name");
	if (!(conn = tool_connect(&rc)))
		return rc;
	c = pr_drop_store(conn, argv[optind], &err);
	if (c == PR_ERROR)
		rc = tool_fail("drop_store", &err);
	else if (c == PR_NONE)
	{
		fprintf(stderr, "pict-repo: stores drop: no store \"");
		tool_put(stderr, argv[optind]);
		fprintf(stderr, "\"\n");
		rc = EXIT_NOTHING;
	}
	pr_finish(conn);
	return rc;
}

int
cmd_stores(int argc, char **argv)
{
	int			rc;

	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return stores_add(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "drop") == 0)
		return stores_drop(argc - 1, argv + 1);
	if (argc >= 2 && argv[1][0] != '-')
		return tool_usage_error("stores", "unknown action \"%s\" (add or drop)", argv[1]);
	if ((rc = tool_no_arguments(argc, argv, "stores", stores_usage)) >= 0)
		return rc;
	return stores_list();
}
