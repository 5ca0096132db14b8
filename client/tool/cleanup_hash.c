/*-------------------------------------------------------------------------
 *
 * cleanup_hash.c
 *		pict-repo cleanup-hash: delete a hash and print the identifiers to
 *		delete from storage.
 *
 *-------------------------------------------------------------------------
 */
#include <getopt.h>
#include <stdio.h>

#include "tool.h"

static void
cleanup_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo cleanup-hash HEX [--force]\n"
			"\n"
			"Delete the hash HEX (hexadecimal, optionally prefixed with \\x), its\n"
			"variants, their details and locks and its copies in the storage tiers\n"
			"in one transaction (cleanup_hash()), and print every identifier to\n"
			"delete from storage, one per line: the hash's own files in pict-rs's\n"
			"store (original, motion, variants), then each copy's identifier, a tab\n"
			"and the name of its store (1.3); escaped: \\t, \\n, \\r, \\\\, and\n"
			"\\xHH for other control characters and bytes that are not UTF-8.\n"
			"\n"
			"Options:\n"
			"  -f, --force   also delete the aliases (and their proxies) that still\n"
			"                point at the hash\n"
			"  -h, --help    show this help\n"
			"\n"
			"Exit status: 0 deleted, 1 unknown hash or aliases still point at it\n"
			"(SQLSTATE 55006; use --force), 2 usage error, 3 server or connection error.\n");
}

/* Run cleanup_hash() and print the identifiers. */
int
cmd_cleanup_hash(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	int			rc = EXIT_OK;
	bool		force = false;
	uint8_t		hash[PR_HASH_MAX];
	size_t		hash_len;
	pr_conn    *conn;
	pr_error	err;
	pr_file_list *files = NULL;

	while ((c = getopt_long(argc, argv, "fh", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'f':
				force = true;
				break;
			case 'h':
				cleanup_usage(stdout);
				return EXIT_OK;
			default:
				return tool_usage_error("cleanup-hash", "unknown option");
		}
	}
	if (argc - optind != 1)
		return tool_usage_error("cleanup-hash", "expected one argument, the hash in hex");
	if (!parse_hex_hash(argv[optind], hash, &hash_len))
		return tool_usage_error("cleanup-hash",
								"\"%s\" is not a hash in hex of 1 to %d bytes",
								argv[optind], PR_HASH_MAX);

	if (!(conn = tool_connect(&rc)))
		return rc;
	c = pr_cleanup_hash_stores(conn, hash, hash_len, force, &files, &err);
	if (c == PR_ERROR)
		rc = tool_fail("cleanup_hash", &err);
	else
	{
		/* A hash always has its original identifier: no rows means unknown. */
		if (files->n == 0)
		{
			tool_warn("cleanup-hash: no hash %s", argv[optind]);
			rc = EXIT_NOTHING;
		}
		for (size_t i = 0; i < files->n; i++)
		{
			tool_put(stdout, files->rows[i].identifier);
			if (files->rows[i].store)
			{
				fputc('\t', stdout);
				tool_put(stdout, files->rows[i].store);
			}
			fputc('\n', stdout);
		}
		pr_file_list_free(files);
	}
	pr_finish(conn);
	return rc;
}
