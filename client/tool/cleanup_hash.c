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
			"variants, their details and locks in one transaction (cleanup_hash()),\n"
			"and print every identifier to delete from storage, one per line\n"
			"(original, motion, variants), escaped: \\t, \\n, \\r, \\\\, and \\xHH for other\n"
			"control characters and bytes that are not UTF-8.\n"
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
	pr_strings *ids = NULL;

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
	c = pr_cleanup_hash(conn, hash, hash_len, force, &ids, &err);
	if (c == PR_ERROR)
		rc = tool_fail("cleanup_hash", &err);
	else if (c == PR_NONE || !ids)
	{
		tool_warn("cleanup-hash: no hash %s", argv[optind]);
		rc = EXIT_NOTHING;
	}
	else
	{
		/* A hash always has its original identifier: no rows means unknown. */
		if (ids->n == 0)
		{
			tool_warn("cleanup-hash: no hash %s", argv[optind]);
			rc = EXIT_NOTHING;
		}
		for (size_t i = 0; i < ids->n; i++)
		{
			tool_put(stdout, ids->items[i]);
			fputc('\n', stdout);
		}
		pr_strings_free(ids);
	}
	pr_finish(conn);
	return rc;
}
