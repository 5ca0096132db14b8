/*-------------------------------------------------------------------------
 *
 * main.c
 *		pict-repo: the command-line tool of pict_repo.  Global options,
 *		the dispatch to the subcommands and the helpers they share.
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

static const char *progname = "pict-repo";

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
			"Subcommands:\n", progname);
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
			progname);
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
				fprintf(stderr, "Try '%s --help' for more information.\n", progname);
				return EXIT_USAGE;
		}
	}
	if (optind >= argc)
	{
		fprintf(stderr, "%s: no subcommand given\n", progname);
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
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	return EXIT_USAGE;
}

/* ---- helpers ---------------------------------------------------------- */

/* Map an error to an exit code. */
int
tool_exit_code(const pr_error *err)
{
	if (strncmp(err->sqlstate, "22", 2) == 0)
		return EXIT_USAGE;
	/* object_in_use, unique_violation: conflicts */
	if (strcmp(err->sqlstate, "55006") == 0 || strcmp(err->sqlstate, "23505") == 0)
		return EXIT_NOTHING;
	return EXIT_SERVER;
}

/*
 * Print prefix and a message on stderr, the message escaped (util.c) and so
 * on one line: a server's message may quote what a tenant sent, libpq's
 * span several lines, a job's error is a command's stderr.
 */
static void
message_v(const char *prefix, const char *fmt, va_list ap)
{
	char	   *text = NULL;
	char	   *line = NULL;
	size_t		len = 0;
	FILE	   *f;

	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	/* The whole line in one write: workers of a pool share stderr. */
	if ((f = open_memstream(&line, &len)) != NULL)
	{
		fputs(prefix, f);
		if (text)
			tool_put(f, text);
		else
			fputs("(out of memory)", f);
		fputc('\n', f);
		if (fclose(f) == 0)
			fwrite(line, 1, len, stderr);
	}
	free(line);
	free(text);
}

void
tool_message(const char *prefix, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	message_v(prefix, fmt, ap);
	va_end(ap);
}

/* Print an error with its SQLSTATE on stderr; return its exit code. */
int
tool_fail(const char *what, const pr_error *err)
{
	tool_warn("%s: %s: %s", what, err->sqlstate[0] ? err->sqlstate : "58000",
			  err->message);
	if (err->detail[0])
		tool_message("DETAIL: ", "%s", err->detail);
	if (err->hint[0])
		tool_message("HINT: ", "%s", err->hint);
	return tool_exit_code(err);
}

/* Connect with -d or the libpq environment. */
pr_conn *
tool_connect(int *exit_code)
{
	pr_error	err;
	pr_conn    *conn = pr_connect(tool.conninfo, &err);

	if (!conn)
		*exit_code = tool_fail("cannot connect", &err);
	else if (tool.read_conninfo &&
			 pr_set_read_conninfo(conn, tool.read_conninfo, &err) != PR_OK)
	{
		*exit_code = tool_fail("cannot connect to the read connection", &err);
		pr_finish(conn);
		conn = NULL;
	}
	return conn;
}

/* Print a usage error of a subcommand; returns EXIT_USAGE. */
int
tool_usage_error(const char *cmd, const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "%s %s: ", progname, cmd);
	va_start(ap, fmt);
	message_v("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s %s --help' for more information.\n", progname, cmd);
	return EXIT_USAGE;
}

/*
 * Parse the arguments of a subcommand that takes none but --help.  Returns
 * -1 to go on, or the exit code to return at once (help printed, or a
 * usage error).
 */
int
tool_no_arguments(int argc, char **argv, const char *cmd,
				  void (*usage) (FILE *out))
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
	{
		if (c == 'h')
		{
			usage(stdout);
			return EXIT_OK;
		}
		return tool_usage_error(cmd, "unknown option");
	}
	if (optind != argc)
		return tool_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
	return -1;
}

/* Print "pict-repo: " and a message on stderr, escaped, on one line. */
void
tool_warn(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	message_v("", fmt, ap);
	va_end(ap);
}

/* Parse a whole decimal integer in [min, max]. */
bool
parse_int(const char *s, long min, long max, long *out)
{
	char	   *end;
	long		v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Parse "N", "N.N" seconds with an optional unit ms, s, m, h or d. */
bool
parse_seconds(const char *s, int64_t *usec)
{
	char	   *end;
	double		v;
	double		mult = 1e6;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	/* !(v >= 0) also rejects "nan", which no comparison below would catch. */
	if (errno != 0 || end == s || !(v >= 0))
		return false;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mult = 1e6;
	else if (strcmp(end, "ms") == 0)
		mult = 1e3;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60e6;
	else if (strcmp(end, "h") == 0)
		mult = 3600e6;
	else if (strcmp(end, "d") == 0)
		mult = 86400e6;
	else
		return false;
	if (v * mult > 9.0e18)
		return false;
	*usec = (int64_t) (v * mult);
	return true;
}

/*
 * Parse a time: "+DURATION" (from now, see parse_seconds), "now",
 * "@EPOCH-SECONDS", or "YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]][Z|+HH[:MM]|-HH[:MM]]"
 * (UTC when no offset is given).
 */
bool
parse_time(const char *s, int64_t *usec)
{
	struct tm	tm;
	const char *p;
	int64_t		frac = 0;
	long		off = 0;
	time_t		t;

	if (!s || !*s)
		return false;
	if (strcmp(s, "now") == 0)
	{
		*usec = pr_now();
		return true;
	}
	if (s[0] == '+')
	{
		int64_t		d;

		if (!parse_seconds(s + 1, &d))
			return false;
		*usec = pr_now() + d;
		return true;
	}
	if (s[0] == '@')
	{
		int64_t		d;

		if (!parse_seconds(s + 1, &d))
			return false;
		*usec = d;
		return true;
	}
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%d", &tm);
	if (!p)
		return false;
	if (*p == 'T' || *p == ' ')
	{
		const char *q = strptime(p + 1, "%H:%M:%S", &tm);

		if (!q)
			q = strptime(p + 1, "%H:%M", &tm);
		if (!q)
			return false;
		p = q;
		if (*p == '.')
		{
			int			digits = 0;

			p++;
			while (*p >= '0' && *p <= '9')
			{
				if (digits < 6)
				{
					frac = frac * 10 + (*p - '0');
					digits++;
				}
				p++;
			}
			while (digits++ < 6)
				frac *= 10;
		}
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-')
	{
		int			sign = *p == '-' ? -1 : 1;
		int			hh,
					mm = 0,
					n = 0;

		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) == 2 ||
			(mm = 0, sscanf(p + 1, "%2d%n", &hh, &n) == 1))
		{
			off = sign * (hh * 3600L + mm * 60L);
			p += 1 + n;
		}
		else
			return false;
	}
	if (*p != '\0')
		return false;
	t = timegm(&tm);
	*usec = ((int64_t) t - off) * 1000000 + frac;
	return true;
}

/* Format a timestamp as ISO 8601 in UTC with microseconds. */
void
format_time(int64_t usec, char *buf, size_t len)
{
	time_t		secs;
	int64_t		frac;
	struct tm	tm;
	char		base[32];

	if (usec == PR_NO_TIME)
	{
		snprintf(buf, len, "-");
		return;
	}
	secs = (time_t) (usec / 1000000);
	frac = usec % 1000000;
	if (frac < 0)
	{
		frac += 1000000;
		secs--;
	}
	if (!gmtime_r(&secs, &tm))
	{
		snprintf(buf, len, "?");
		return;
	}
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06lldZ", base, (long long) frac);
}

/* Format an interval as seconds with milliseconds ("-" for NULL). */
void
format_interval(int64_t usec, char *buf, size_t len)
{
	if (usec == PR_NO_INTERVAL)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3fs", (double) usec / 1e6);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse a hash in hex (an optional "\x" prefix); 1..PR_HASH_MAX bytes. */
bool
parse_hex_hash(const char *s, uint8_t *out, size_t *len)
{
	size_t		n;

	if (s[0] == '\\' && s[1] == 'x')
		s += 2;
	n = strlen(s);
	if (n == 0 || n % 2 != 0 || n / 2 > PR_HASH_MAX)
		return false;
	for (size_t i = 0; i < n / 2; i++)
	{
		int			hi = hexval(s[2 * i]);
		int			lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t) (hi << 4 | lo);
	}
	*len = n / 2;
	return true;
}

/* Format bytes as lower-case hex into out (2 * len + 1 bytes). */
void
format_hex(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++)
	{
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}
