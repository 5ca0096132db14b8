/*-------------------------------------------------------------------------
 *
 * hashes.c
 *		pict-repo hashes: stream every hash with keyset pages.
 *
 * Memory stays constant: one page (hash_page(), newest first) is held at a
 * time and the key of its last row starts the next one.
 *
 *-------------------------------------------------------------------------
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

#define DEFAULT_PAGE 1000

static void
hashes_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo hashes [--page-size N]\n"
			"\n"
			"Print every hash, newest first, one per line: the hash in hex, a tab,\n"
			"and its created_at (ISO 8601, UTC).  The hashes are read in keyset pages\n"
			"(hash_page()), so memory stays constant however many there are.  When\n"
			"stderr is a terminal a progress bar is drawn there.\n"
			"\n"
			"Options:\n"
			"  -n, --page-size N   rows per page, 1..10000 (default %d)\n"
			"  -h, --help          show this help\n"
			"\n"
			"Exit status: 0 success (also when there are no hashes), 2 usage error,\n"
			"3 server or connection error.\n", DEFAULT_PAGE);
}

/* Draw the progress bar on stderr. */
static void
progress(int64_t done, int64_t total, bool final)
{
	const int	width = 40;
	int			filled;

	if (total < done)
		total = done;
	filled = total > 0 ? (int) (done * width / total) : width;
	fprintf(stderr, "\r[%.*s%*s] %lld/%lld", filled,
			"########################################", width - filled, "",
			(long long) done, (long long) total);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Walk hash_page() until a page comes back short. */
int
cmd_hashes(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"page-size", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	int			rc = EXIT_OK;
	long		page_size = DEFAULT_PAGE;
	bool		bar;
	pr_conn    *conn;
	pr_error	err;
	int64_t		total = 0,
				done = 0;
	int64_t		after_created = PR_NO_TIME;
	pr_hash		after;

	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'n':
				if (!parse_int(optarg, 1, 10000, &page_size))
					return tool_usage_error("hashes", "--page-size must be 1..10000");
				break;
			case 'h':
				hashes_usage(stdout);
				return EXIT_OK;
			default:
				return tool_usage_error("hashes", "unknown option");
		}
	}
	if (optind != argc)
		return tool_usage_error("hashes", "unexpected argument \"%s\"", argv[optind]);

	if (!(conn = tool_connect(&rc)))
		return rc;
	bar = isatty(STDERR_FILENO);
	if (bar && pr_hash_count(conn, &total, &err) == PR_ERROR)
	{
		rc = tool_fail("hash_count", &err);
		pr_finish(conn);
		return rc;
	}
	memset(&after, 0, sizeof(after));
	for (;;)
	{
		pr_hash_list *page = NULL;
		size_t		n;

		if (pr_hash_page(conn, (int) page_size, after_created,
						 after_created == PR_NO_TIME ? NULL : after.data,
						 after_created == PR_NO_TIME ? 0 : after.len,
						 &page, &err) == PR_ERROR)
		{
			rc = tool_fail("hash_page", &err);
			break;
		}
		n = page->n;
		for (size_t i = 0; i < n; i++)
		{
			char		hex[2 * PR_HASH_MAX + 1];
			char		ts[64];

			format_hex(page->rows[i].hash.data, page->rows[i].hash.len, hex);
			format_time(page->rows[i].created_at, ts, sizeof(ts));
			printf("%s\t%s\n", hex, ts);
		}
		if (n > 0)
		{
			after = page->rows[n - 1].hash;
			after_created = page->rows[n - 1].created_at;
		}
		pr_hash_list_free(page);
		done += (int64_t) n;
		if (ferror(stdout) || fflush(stdout) != 0)
		{
			tool_warn("hashes: cannot write to stdout");
			rc = EXIT_SERVER;
			break;
		}
		if ((long) n < page_size)
			break;
		if (bar)
			progress(done, total, false);
	}
	if (bar)
		progress(done, total, true);
	pr_finish(conn);
	return rc;
}
