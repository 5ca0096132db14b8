/*-------------------------------------------------------------------------
 *
 * main.c
 *		pict-repo: the command-line tool of pict_repo.  Global options and
 *		the dispatch to the subcommands; the helpers they share are util.c.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"

ToolGlobals tool;

typedef struct Subcommand
{
	const char *name;
	int			(*run) (int argc, char **argv);
	const char *summary;
} Subcommand;

static const Subcommand subcommands[] = {
	{"status", cmd_status, "queue statistics and repository counts"},
	{"push", cmd_push, "push a job (or one job per line of stdin)"},
	{"work", cmd_work, "run a command for every job of a queue"},
	{"hashes", cmd_hashes, "stream every hash, newest first"},
	{"cleanup-hash", cmd_cleanup_hash, "delete a hash, print the identifiers to delete"},
	{"dead", cmd_dead, "list or retry dead jobs"},
	{"maintenance", cmd_maintenance, "run one maintenance pass"},
	{"import-pict-rs", cmd_import_pictrs, "move a pict-rs 0.5 repository into pict_repo"},
	{"stores", cmd_stores, "list, add or drop the stores of the storage tiers"},
	{"tier", cmd_tier, "tier copy: copy (or move) copies from one store to another"},
	{"report", cmd_report, "copies and bytes per store and form"},
	{"list", cmd_list, "stream the uploads that match a filter, newest first"},
	{"info", cmd_info, "show one upload"},
	{"usage", cmd_usage, "uploads and bytes of an owner, or of all"},
	{"tag", cmd_tag, "add (+TAG) and remove (-TAG) tags of an upload"},
	{"access", cmd_access, "make uploads public or private"},
	{NULL, NULL, NULL}
};

/* Print the tool's help. */
static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: %s [-d CONNINFO] [--read-dbname CONNINFO] [--pooling MODE]\n"
			"                 SUBCOMMAND [ARGS...]\n"
			"\n"
			"The command-line tool of pict_repo, the metadata repository and job\n"
			"queue of an image host.\n"
			"\n"
			"Options:\n"
			"  -d, --dbname CONNINFO  libpq connection string or URI (default: the\n"
			"                         libpq environment: PGHOST, PGPORT, PGDATABASE, ...)\n"
			"      --read-dbname CONNINFO\n"
			"                         a second connection, to a hot standby, for the\n"
			"                         reads (status, hashes, dead list); writes go to -d\n"
			"      --pooling MODE     session (default) or transaction: behind a pooler\n"
			"                         in transaction mode (pgbouncer), statements are not\n"
			"                         prepared and work polls instead of LISTEN\n"
			"                         (default: $PICT_REPO_POOLING)\n"
			"  -h, --help             show this help\n"
			"  -V, --version          show the library version\n"
			"\n"
			"Subcommands:\n", TOOL_NAME);
	for (const Subcommand *s = subcommands; s->name; s++)
		fprintf(out, "  %-15s %s\n", s->name, s->summary);
	fprintf(out,
			"\n"
			"Run '%s SUBCOMMAND --help' for the options of a subcommand.\n"
			"\n"
			"Exit status:\n"
			"  0  success\n"
			"  1  nothing done: a conflict, a duplicate unique key, an unknown id or\n"
			"     hash, aliases still pointing at a hash; import-pict-rs: rows it\n"
			"     could not import\n"
			"  2  usage error, or input the server rejected as invalid (SQLSTATE 22xxx)\n"
			"  3  server or connection error (or a failed write to stdout)\n"
			"Errors go to stderr as \"pict-repo: WHAT: SQLSTATE: message\".\n",
			TOOL_NAME);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"read-dbname", required_argument, NULL, 'r'},
		{"pooling", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	int			c;

	memset(&tool, 0, sizeof(tool));
	/* '+': stop at the subcommand, its options are its own. */
	while ((c = getopt_long(argc, argv, "+d:hV", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				tool.conninfo = optarg;
				break;
			case 'r':
				tool.read_conninfo = optarg;
				break;
			case 'P':
				if (strcmp(optarg, "session") != 0 && strcmp(optarg, "transaction") != 0)
				{
					tool_warn("--pooling must be session or transaction, not \"%s\"", optarg);
					return EXIT_USAGE;
				}
				/* The library reads it at every connect (pr_connect). */
				setenv("PICT_REPO_POOLING", optarg, 1);
				break;
			case 'h':
				usage(stdout);
				return EXIT_OK;
			case 'V':
				printf("pict-repo %s\n", pr_library_version());
				return EXIT_OK;
			default:
				fprintf(stderr, "Try '%s --help' for more information.\n", TOOL_NAME);
				return EXIT_USAGE;
		}
	}
	if (optind >= argc)
	{
		fprintf(stderr, "%s: no subcommand given\n", TOOL_NAME);
		usage(stderr);
		return EXIT_USAGE;
	}
	for (const Subcommand *s = subcommands; s->name; s++)
	{
		if (strcmp(argv[optind], s->name) == 0)
		{
			int			sub_argc = argc - optind;
			char	  **sub_argv = argv + optind;

			optind = 0;			/* full reinitialisation of getopt */
			return s->run(sub_argc, sub_argv);
		}
	}
	if (strcmp(argv[optind], "help") == 0)
	{
		usage(stdout);
		return EXIT_OK;
	}
	tool_warn("unknown subcommand \"%s\"", argv[optind]);
	fprintf(stderr, "Try '%s --help' for more information.\n", TOOL_NAME);
	return EXIT_USAGE;
}
