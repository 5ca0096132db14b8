/*-------------------------------------------------------------------------
 *
 * media.c
 *		pict-repo list, info, usage, tag and access: the file service.
 *
 * list streams every page of list_media (pr_media_stream), one upload per
 * line, tab-separated or as JSON; the others are one call each (tag runs
 * its additions and removals in one transaction).
 *
 * Text a tenant controls (aliases, owners, tags, content types) is escaped
 * with util.c before it is printed (and a comma inside a tag is \, in the
 * tab-separated output); JSON stays valid JSON on one line.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "tool.h"

#define LIST_PAGE 1000
#define ACCESS_BATCH 10000

/* ---- output ---------------------------------------------------------------- */

/*
 * Print tenant text for a tab-separated field (NULL: an empty field),
 * escaped by util.c; in a tag, a comma is written \, too.
 */
static void
put_field(const char *s, bool in_tags)
{
	const char *comma;

	if (!s)
		return;
	while (in_tags && (comma = strchr(s, ',')) != NULL)
	{
		tool_escape_to(stdout, s, (size_t) (comma - s), 0);
		fputs("\\,", stdout);
		s = comma + 1;
	}
	tool_put(stdout, s);
}

/*
 * Print a JSON string (null for NULL): quotes, backslashes and C0 controls
 * escaped here, DEL, C1 controls and bytes that are not UTF-8 by util.c's
 * tool_put_json, so the line holds no control byte.
 */
static void
put_json(const char *s)
{
	char	   *buf = NULL;
	size_t		size = 0;
	FILE	   *f;

	if (!s)
	{
		fputs("null", stdout);
		return;
	}
	if (!(f = open_memstream(&buf, &size)))
	{
		fputs("null", stdout);
		return;
	}
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *) s; *c; c++)
	{
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else if (*c == '\t')
			fputs("\\t", f);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
	if (fclose(f) == 0)
		tool_put_json(stdout, buf);
	free(buf);
}

/* Print a number, or nothing (TSV) / null (JSON) when it is unknown (-1). */
static void
put_number(int64_t v, bool json)
{
	if (v >= 0)
		printf("%lld", (long long) v);
	else if (json)
		fputs("null", stdout);
}

/*
 * Print one upload: tab-separated (alias, hash, owner, access,
 * content_type, width, height, bytes, created_at, tags joined by commas)
 * or as one JSON object.
 */
static void
put_upload(const pr_media_row *m, bool json)
{
	char		hex[2 * PR_HASH_MAX + 1];
	char		ts[64];

	format_hex(m->hash.data, m->hash.len, hex);
	format_time(m->created_at, ts, sizeof(ts));
	if (json)
	{
		fputs("{\"alias\": ", stdout);
		put_json(m->alias);
		printf(", \"hash\": \"%s\", \"owner\": ", hex);
		put_json(m->owner);
		fputs(", \"tags\": [", stdout);
		for (size_t i = 0; i < m->n_tags; i++)
		{
			if (i > 0)
				fputs(", ", stdout);
			put_json(m->tags[i]);
		}
		fputs("], \"access\": ", stdout);
		put_json(m->access);
		fputs(", \"content_type\": ", stdout);
		put_json(m->content_type);
		fputs(", \"width\": ", stdout);
		put_number(m->width, true);
		fputs(", \"height\": ", stdout);
		put_number(m->height, true);
		fputs(", \"bytes\": ", stdout);
		put_number(m->bytes, true);
		printf(", \"created_at\": \"%s\"}\n", ts);
		return;
	}
	put_field(m->alias, false);
	printf("\t%s\t", hex);
	put_field(m->owner, false);
	putchar('\t');
	put_field(m->access, false);
	putchar('\t');
	put_field(m->content_type, false);
	putchar('\t');
	put_number(m->width, false);
	putchar('\t');
	put_number(m->height, false);
	putchar('\t');
	put_number(m->bytes, false);
	printf("\t%s\t", ts);
	for (size_t i = 0; i < m->n_tags; i++)
	{
		if (i > 0)
			putchar(',');
		put_field(m->tags[i], true);
	}
	putchar('\n');
}

/* Print tags joined by commas (escaped) and a newline. */
static void
put_tags(const pr_strings *tags)
{
	for (size_t i = 0; tags && i < tags->n; i++)
	{
		if (i > 0)
			putchar(',');
		put_field(tags->items[i], true);
	}
	putchar('\n');
}

/* Flush stdout; a failed write is EXIT_SERVER (as in the other subcommands). */
static int
flush_out(const char *cmd)
{
	if (ferror(stdout) || fflush(stdout) != 0)
	{
		tool_warn("%s: cannot write to stdout", cmd);
		return EXIT_SERVER;
	}
	return EXIT_OK;
}

/* ---- list ------------------------------------------------------------------ */

static void
list_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo list [OPTIONS]\n"
			"\n"
			"Print every upload that matches the filter, newest first, one per line:\n"
			"alias, hash (hex), owner, access, content_type, width, height, bytes,\n"
			"created_at (ISO 8601, UTC) and tags (joined by commas), separated by tabs;\n"
			"a value the upload does not have is an empty field.  Backslash, tab,\n"
			"newline, carriage return and other control characters in them are\n"
			"printed as \\\\, \\t, \\n, \\r and \\xHH, and a comma in a tag as \\,.\n"
			"The uploads are read in keyset pages of list_media(), so memory stays\n"
			"constant however many match.  When stderr is a terminal the progress\n"
			"(done, rate, and the total and time left when they are known) is drawn\n"
			"there; otherwise one summary line is printed there at the end.\n"
			"\n"
			"Options (all of them together: an upload must match every one):\n"
			"      --owner OWNER      uploads of this owner\n"
			"      --type TYPE        content type: \"image/png\", or \"image/\" for any image\n"
			"      --tag TAG          with this tag (repeat: with every one of them)\n"
			"      --any-tag TAG      with this tag (repeat: with at least one of them)\n"
			"      --min-width N, --max-width N, --min-height N, --max-height N\n"
			"      --min-bytes N, --max-bytes N\n"
			"                         bounds, inclusive\n"
			"      --after TIME       created after TIME (YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM],\n"
			"                         @EPOCH, now, +DURATION)\n"
			"      --before TIME      created before TIME\n"
			"      --animated         animated uploads only (more than one frame)\n"
			"      --private, --public  uploads of that access only\n"
			"  -n, --limit N          print at most N uploads\n"
			"      --json             one JSON object per line instead\n"
			"  -h, --help             show this help\n"
			"\n"
			"Exit status: 0 success (also when nothing matches), 2 usage error or a\n"
			"filter the server rejects, 3 server or connection error.\n");
}

/* Append an option's value to a growing list of strings (the tags). */
static bool
push_tag(const char ***list, size_t *n, const char *tag)
{
	const char **l = realloc(*list, (*n + 1) * sizeof(char *));

	if (!l)
		return false;
	l[(*n)++] = tag;
	*list = l;
	return true;
}

/* Draw the progress of list on stderr. */
static void
list_progress(int64_t done, int64_t total, double started, bool final)
{
	struct timespec now;
	double		secs,
				rate;

	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = now.tv_sec + now.tv_nsec / 1e9 - started;
	rate = secs > 0 ? done / secs : 0;
	if (total >= done && total > 0)
		fprintf(stderr, "\r%lld/%lld uploads, %.0f/s, %.0f s left   ",
				(long long) done, (long long) total, rate,
				rate > 0 ? (total - done) / rate : 0.0);
	else
		fprintf(stderr, "\r%lld uploads, %.0f/s   ", (long long) done, rate);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Parse a bound of the filter: a whole number from 0 to max. */
static bool
parse_bound(const char *s, long max, int64_t *out)
{
	long		v;

	if (!parse_int(s, 0, max, &v))
		return false;
	*out = v;
	return true;
}

/* Stream every page of list_media. */
int
cmd_list(int argc, char **argv)
{
	enum
	{
		O_OWNER = 256, O_TYPE, O_TAG, O_ANY_TAG, O_MIN_W, O_MAX_W, O_MIN_H, O_MAX_H,
		O_MIN_B, O_MAX_B, O_AFTER, O_BEFORE, O_ANIMATED, O_PRIVATE, O_PUBLIC, O_JSON
	};
	static const struct option longopts[] = {
		{"owner", required_argument, NULL, O_OWNER},
		{"type", required_argument, NULL, O_TYPE},
		{"tag", required_argument, NULL, O_TAG},
		{"any-tag", required_argument, NULL, O_ANY_TAG},
		{"min-width", required_argument, NULL, O_MIN_W},
		{"max-width", required_argument, NULL, O_MAX_W},
		{"min-height", required_argument, NULL, O_MIN_H},
		{"max-height", required_argument, NULL, O_MAX_H},
		{"min-bytes", required_argument, NULL, O_MIN_B},
		{"max-bytes", required_argument, NULL, O_MAX_B},
		{"after", required_argument, NULL, O_AFTER},
		{"before", required_argument, NULL, O_BEFORE},
		{"animated", no_argument, NULL, O_ANIMATED},
		{"private", no_argument, NULL, O_PRIVATE},
		{"public", no_argument, NULL, O_PUBLIC},
		{"json", no_argument, NULL, O_JSON},
		{"limit", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	pr_media_filter f;
	const char **tags_all = NULL,
			  **tags_any = NULL;
	bool		json = false,
				bar,
				total_known;
	long		limit = 0;
	int			c,
				rc = EXIT_OK;
	char	   *filter = NULL;
	pr_conn    *conn = NULL;
	pr_media_stream *stream = NULL;
	pr_error	err;
	int64_t		done = 0,
				total = -1;
	struct timespec t0;
	double		started;

	pr_media_filter_init(&f);
	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1)
	{
		bool		ok = true;

		switch (c)
		{
			case O_OWNER:
				f.owner = optarg;
				break;
			case O_TYPE:
				f.content_type = optarg;
				break;
			case O_TAG:
				ok = push_tag(&tags_all, &f.n_tags_all, optarg);
				break;
			case O_ANY_TAG:
				ok = push_tag(&tags_any, &f.n_tags_any, optarg);
				break;
			case O_MIN_W:
				ok = parse_bound(optarg, 2147483647L, &f.min_width);
				break;
			case O_MAX_W:
				ok = parse_bound(optarg, 2147483647L, &f.max_width);
				break;
			case O_MIN_H:
				ok = parse_bound(optarg, 2147483647L, &f.min_height);
				break;
			case O_MAX_H:
				ok = parse_bound(optarg, 2147483647L, &f.max_height);
				break;
			case O_MIN_B:
				ok = parse_bound(optarg, INT64_MAX, &f.min_bytes);
				break;
			case O_MAX_B:
				ok = parse_bound(optarg, INT64_MAX, &f.max_bytes);
				break;
			case O_AFTER:
				ok = parse_time(optarg, &f.created_after);
				break;
			case O_BEFORE:
				ok = parse_time(optarg, &f.created_before);
				break;
			case O_ANIMATED:
				f.animated = 1;
				break;
			case O_PRIVATE:
				f.access = "private";
				break;
			case O_PUBLIC:
				f.access = "public";
				break;
			case O_JSON:
				json = true;
				break;
			case 'n':
				ok = parse_int(optarg, 1, 2147483647L, &limit);
				break;
			case 'h':
				list_usage(stdout);
				goto out;
			default:
				rc = tool_usage_error("list", "unknown option");
				goto out;
		}
		if (!ok)
		{
			rc = tool_usage_error("list", "bad value \"%s\" for --%s", optarg,
								  c == 'n' ? "limit" : longopts[c - O_OWNER].name);
			goto out;
		}
	}
	if (optind != argc)
	{
		rc = tool_usage_error("list", "unexpected argument \"%s\"", argv[optind]);
		goto out;
	}
	f.tags_all = tags_all;
	f.tags_any = tags_any;
	if (pr_media_filter_json(&f, &filter, &err) != PR_OK)
	{
		rc = tool_fail("list", &err);
		goto out;
	}

	if (!(conn = tool_connect(&rc)))
		goto out;
	/* The total is known from the usage totals for everything or one owner. */
	total_known = strcmp(filter, "{}") == 0 ||
		(f.owner && f.access == NULL && f.content_type == NULL && f.n_tags_all == 0 &&
		 f.n_tags_any == 0 && f.min_width < 0 && f.max_width < 0 && f.min_height < 0 &&
		 f.max_height < 0 && f.min_bytes < 0 && f.max_bytes < 0 &&
		 f.created_after == PR_NO_TIME && f.created_before == PR_NO_TIME && f.animated < 0);
	bar = isatty(STDERR_FILENO);
	if (bar && total_known && pr_usage_report(conn, f.owner, &total, NULL, &err) != PR_OK)
	{
		rc = tool_fail("usage_report", &err);
		goto out;
	}
	if (!(stream = pr_media_stream_new(conn, filter, LIST_PAGE, &err)))
	{
		rc = tool_fail("list", &err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	started = t0.tv_sec + t0.tv_nsec / 1e9;
	for (;;)
	{
		pr_media_list *page = NULL;
		int			r = pr_media_stream_next(stream, &page, &err);

		if (r == PR_ERROR)
		{
			rc = tool_fail("list_media", &err);
			break;
		}
		if (r == PR_NONE)
			break;
		for (size_t i = 0; i < page->n && (limit == 0 || done < limit); i++, done++)
			put_upload(&page->rows[i], json);
		pr_media_list_free(page);
		if ((rc = flush_out("list")) != EXIT_OK)
			break;
		if (limit > 0 && done >= limit)
			break;
		if (bar)
			list_progress(done, total, started, false);
	}
	if (bar)
		list_progress(done, total, started, true);
	else if (rc == EXIT_OK)
	{
		struct timespec t1;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr, "pict-repo list: %lld uploads in %.1f s\n", (long long) done,
				t1.tv_sec + t1.tv_nsec / 1e9 - started);
	}
out:
	pr_media_stream_free(stream);
	if (conn)
		pr_finish(conn);
	pr_free(filter);
	free(tags_all);
	free(tags_any);
	return rc;
}

/* ---- info ------------------------------------------------------------------ */

static void
info_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo info [--json] ALIAS\n"
			"\n"
			"Print one upload (media_info()): its alias, hash, owner, tags, access,\n"
			"content type, width, height, bytes, created_at, the identifier of its\n"
			"hash's original file and the number of variants, one \"name: value\" per\n"
			"line (escaped as in 'pict-repo list'), or with --json one JSON object.\n"
			"\n"
			"Exit status: 0 success, 1 no such alias, 2 usage error, 3 server or\n"
			"connection error.\n");
}

int
cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	bool		json = false;
	int			c,
				rc = EXIT_OK;
	pr_conn    *conn;
	pr_error	err;
	pr_media_row *m = NULL;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
	{
		if (c == 'j')
			json = true;
		else if (c == 'h')
		{
			info_usage(stdout);
			return EXIT_OK;
		}
		else
			return tool_usage_error("info", "unknown option");
	}
	if (optind + 1 != argc)
		return tool_usage_error("info", "one ALIAS is required");
	if (!(conn = tool_connect(&rc)))
		return rc;
	switch (pr_media_info(conn, argv[optind], &m, &err))
	{
		case PR_ERROR:
			rc = tool_fail("media_info", &err);
			break;
		case PR_NONE:
			tool_warn("info: no such alias");
			rc = EXIT_NOTHING;
			break;
		default:
			if (json)
			{
				put_upload(m, true);
				break;
			}
			{
				char		hex[2 * PR_HASH_MAX + 1];
				char		ts[64];
				pr_strings	tags = {m->n_tags, m->tags};

				format_hex(m->hash.data, m->hash.len, hex);
				format_time(m->created_at, ts, sizeof(ts));
				fputs("alias: ", stdout);
				put_field(m->alias, false);
				printf("\nhash: %s\nowner: ", hex);
				put_field(m->owner, false);
				fputs("\ntags: ", stdout);
				put_tags(&tags);
				printf("access: %s\ncontent_type: ", m->access);
				put_field(m->content_type, false);
				fputs("\nwidth: ", stdout);
				put_number(m->width, false);
				fputs("\nheight: ", stdout);
				put_number(m->height, false);
				fputs("\nbytes: ", stdout);
				put_number(m->bytes, false);
				printf("\ncreated_at: %s\nidentifier: ", ts);
				put_field(m->identifier, false);
				printf("\nvariants: %d\n", m->variants);
			}
			break;
	}
	pr_free(m);
	if (rc == EXIT_OK)
		rc = flush_out("info");
	pr_finish(conn);
	return rc;
}

/* ---- usage ----------------------------------------------------------------- */

static void
usage_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo usage [--owner OWNER]\n"
			"\n"
			"Print the uploads and bytes of an owner, or of every upload without\n"
			"--owner (usage_report(), from the totals, reading no upload): one line,\n"
			"the owner (empty for every upload), the number of uploads and the bytes,\n"
			"separated by tabs.\n"
			"\n"
			"Exit status: 0 success, 2 usage error, 3 server or connection error.\n");
}

int
cmd_usage(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"owner", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *owner = NULL;
	int			c,
				rc = EXIT_OK;
	pr_conn    *conn;
	pr_error	err;
	int64_t		uploads,
				bytes;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1)
	{
		if (c == 'o')
			owner = optarg;
		else if (c == 'h')
		{
			usage_usage(stdout);
			return EXIT_OK;
		}
		else
			return tool_usage_error("usage", "unknown option");
	}
	if (optind != argc)
		return tool_usage_error("usage", "unexpected argument \"%s\"", argv[optind]);
	if (!(conn = tool_connect(&rc)))
		return rc;
	if (pr_usage_report(conn, owner, &uploads, &bytes, &err) != PR_OK)
		rc = tool_fail("usage_report", &err);
	else
	{
		put_field(owner, false);
		printf("\t%lld\t%lld\n", (long long) uploads, (long long) bytes);
		rc = flush_out("usage");
	}
	pr_finish(conn);
	return rc;
}

/* ---- tag ------------------------------------------------------------------- */

static void
tag_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo tag ALIAS [+TAG | -TAG]...\n"
			"\n"
			"Add the tags written +TAG and remove those written -TAG (add_tags() and\n"
			"remove_tags(), in one transaction), then print the upload's tags joined\n"
			"by commas (escaped as in 'pict-repo list').  Without a +TAG or -TAG, just\n"
			"print them.  Tags are 1 to 64 characters; an upload has at most 64.\n"
			"\n"
			"Exit status: 0 success, 1 no such alias, 2 usage error or a tag the\n"
			"server rejects, 3 server or connection error.\n");
}

/* Run one statement on the connection, outside the prepared API. */
static bool
exec_plain(pr_conn *conn, const char *sql)
{
	PGresult   *res = PQexec(pr_pgconn(conn), sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		tool_warn("tag: %s: %s", sql, PQerrorMessage(pr_pgconn(conn)));
	PQclear(res);
	return ok;
}

int
cmd_tag(int argc, char **argv)
{
	const char **add,
			  **rm;
	size_t		n_add = 0,
				n_rm = 0;
	int			rc = EXIT_OK,
				r;
	pr_conn    *conn;
	pr_error	err;
	pr_strings *tags = NULL;
	const char *alias;
	int			first = 1;

	/* No getopt: "-dog" is a tag to remove, not an option. */
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
	{
		tag_usage(stdout);
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--") == 0)
		first = 2;
	if (argc <= first)
		return tool_usage_error("tag", "an ALIAS is required");
	alias = argv[first];
	add = calloc(argc, sizeof(char *));
	rm = calloc(argc, sizeof(char *));
	if (!add || !rm)
	{
		free(add);
		free(rm);
		tool_warn("tag: out of memory");
		return EXIT_SERVER;
	}
	for (int i = first + 1; i < argc; i++)
	{
		if (argv[i][0] == '+')
			add[n_add++] = argv[i] + 1;
		else if (argv[i][0] == '-')
			rm[n_rm++] = argv[i] + 1;
		else
		{
			rc = tool_usage_error("tag", "\"%s\" is not +TAG or -TAG", argv[i]);
			goto out;
		}
	}
	if (!(conn = tool_connect(&rc)))
		goto out;
	if (!exec_plain(conn, "BEGIN"))
		rc = EXIT_SERVER;
	else
	{
		/* An empty addition returns the tags as they are. */
		r = pr_add_tags(conn, alias, add, n_add, &tags, &err);
		if (r == PR_OK && n_rm > 0)
		{
			pr_free(tags);
			tags = NULL;
			r = pr_remove_tags(conn, alias, rm, n_rm, &tags, &err);
		}
		if (r == PR_ERROR)
			rc = tool_fail(n_rm > 0 && n_add == 0 ? "remove_tags" : "add_tags", &err);
		else if (r == PR_NONE)
		{
			tool_warn("tag: no such alias");
			rc = EXIT_NOTHING;
		}
		if (rc == EXIT_OK && !exec_plain(conn, "COMMIT"))
			rc = EXIT_SERVER;
		else if (rc != EXIT_OK)
			exec_plain(conn, "ROLLBACK");
		if (rc == EXIT_OK)
		{
			put_tags(tags);
			rc = flush_out("tag");
		}
	}
	pr_free(tags);
	pr_finish(conn);
out:
	free(add);
	free(rm);
	return rc;
}

/* ---- access ------------------------------------------------------------------ */

static void
access_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo access public|private ALIAS...\n"
			"       pict-repo access public|private -\n"
			"\n"
			"Set the access of a pack of uploads (set_access(), up to %d aliases per\n"
			"call; with -, the aliases are read from stdin, one per line) and print\n"
			"how many changed: unknown aliases and uploads that already had that\n"
			"access do not count.\n"
			"\n"
			"Exit status: 0 success, 2 usage error, 3 server or connection error.\n",
			ACCESS_BATCH);
}

/* Call set_access for a batch and add what changed. */
static int
access_batch(pr_conn *conn, const char *const *aliases, size_t n, const char *access,
			 int64_t *changed)
{
	pr_error	err;
	int32_t		k;

	if (n == 0)
		return EXIT_OK;
	if (pr_set_access(conn, aliases, n, access, &k, &err) != PR_OK)
		return tool_fail("set_access", &err);
	*changed += k;
	return EXIT_OK;
}

int
cmd_access(int argc, char **argv)
{
	const char *access;
	int			rc = EXIT_OK;
	pr_conn    *conn;
	int64_t		changed = 0;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
	{
		access_usage(stdout);
		return EXIT_OK;
	}
	if (argc < 3)
		return tool_usage_error("access", "public or private and at least one ALIAS are required");
	access = argv[1];
	if (strcmp(access, "public") != 0 && strcmp(access, "private") != 0)
		return tool_usage_error("access", "\"%s\" is neither public nor private", access);
	if (!(conn = tool_connect(&rc)))
		return rc;
	if (argc == 3 && strcmp(argv[2], "-") == 0)
	{
		char	  **batch = calloc(ACCESS_BATCH, sizeof(char *));
		size_t		n = 0;
		char	   *line = NULL;
		size_t		cap = 0;
		ssize_t		len;

		if (!batch)
		{
			tool_warn("access: out of memory");
			rc = EXIT_SERVER;
		}
		while (rc == EXIT_OK && (len = getline(&line, &cap, stdin)) >= 0)
		{
			if (len > 0 && line[len - 1] == '\n')
				line[--len] = '\0';
			if (len == 0)
				continue;
			if (!(batch[n++] = strdup(line)))
			{
				tool_warn("access: out of memory");
				rc = EXIT_SERVER;
			}
			if (rc == EXIT_OK && n == ACCESS_BATCH)
			{
				rc = access_batch(conn, (const char *const *) batch, n, access, &changed);
				for (size_t i = 0; i < n; i++)
					free(batch[i]);
				n = 0;
			}
		}
		if (rc == EXIT_OK)
			rc = access_batch(conn, (const char *const *) batch, n, access, &changed);
		for (size_t i = 0; batch && i < n; i++)
			free(batch[i]);
		free(batch);
		free(line);
	}
	else
	{
		for (int i = 2; rc == EXIT_OK && i < argc; i += ACCESS_BATCH)
			rc = access_batch(conn, (const char *const *) argv + i,
							  (size_t) (argc - i < ACCESS_BATCH ? argc - i : ACCESS_BATCH),
							  access, &changed);
	}
	if (rc == EXIT_OK)
	{
		printf("%lld\n", (long long) changed);
		rc = flush_out("access");
	}
	pr_finish(conn);
	return rc;
}
