/*-------------------------------------------------------------------------
 *
 * util.c
 *		Helpers of the pict-repo tool shared by the subcommands: escaping the
 *		text that comes from the database or from a job before it reaches a
 *		terminal, a file or a script; then exit codes, messages, connecting,
 *		and parsing and formatting arguments and values.
 *
 * Queue names, errors, identifiers, JSON and a command's stderr are chosen
 * by whoever pushed the job or uploaded the file.  Printed raw, a newline
 * forges a line of output, a tab a column, and an ESC (or a C1 control such
 * as U+009B, which some terminals take as CSI) starts a terminal control
 * sequence: clearing the screen, setting the window title.  So every such
 * text goes through tool_escape_to(), which writes:
 *
 *		tab, newline, carriage return	\t  \n  \r
 *		backslash						\\
 *		other C0 controls, DEL			\xHH (lower-case hex)
 *		C1 controls (U+0080-U+009F)		\xHH for each of their two UTF-8 bytes
 *		bytes that are not UTF-8		\xHH
 *		anything else					itself (printable ASCII, UTF-8)
 *
 * Every backslash of the output starts an escape, so the output reads back
 * to exactly the bytes that came in, and it never holds a control byte.
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

/*
 * Length of the UTF-8 sequence at s (n bytes available): 1 to 4 when it is
 * valid, with its code point in *cp; 0 when it is not.  When the n bytes end
 * inside a sequence that is valid so far, 0 with *partial set.
 */
size_t
tool_utf8_len(const unsigned char *s, size_t n, unsigned int *cp, bool *partial)
{
	size_t		len;
	unsigned int c;

	*partial = false;
	if (n == 0)
		return 0;
	if (s[0] < 0x80)
	{
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, c = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, c = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < len; i++)
	{
		if (i == n)
		{
			*partial = true;
			return 0;
		}
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
		(len == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	*cp = c;
	return len;
}

static void
put_hex(FILE *out, unsigned char c)
{
	fprintf(out, "\\x%02x", c);
}

/*
 * Write len bytes of s escaped (see the top of the file) to out; returns the
 * bytes consumed, all of them unless TOOL_ESC_PARTIAL is given and s ends
 * inside a UTF-8 sequence (the caller passes those bytes again with what
 * follows).  TOOL_ESC_LINES keeps newlines as they are, for a stream of
 * lines such as a command's stderr.
 */
size_t
tool_escape_to(FILE *out, const char *s, size_t len, int flags)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = u[i];
		unsigned int cp;
		bool		partial;
		size_t		n;

		if (c < 0x80)
		{
			if (c == '\n' && (flags & TOOL_ESC_LINES))
				fputc('\n', out);
			else if (c == '\n')
				fputs("\\n", out);
			else if (c == '\t')
				fputs("\\t", out);
			else if (c == '\r')
				fputs("\\r", out);
			else if (c == '\\')
				fputs("\\\\", out);
			else if (c < 0x20 || c == 0x7F)
				put_hex(out, c);
			else
				fputc(c, out);
			i++;
			continue;
		}
		n = tool_utf8_len(u + i, len - i, &cp, &partial);
		if (n == 0 && partial && (flags & TOOL_ESC_PARTIAL))
			break;
		if (n == 0)
		{
			put_hex(out, c);
			i++;
			continue;
		}
		if (cp <= 0x9F)
		{
			/* A C1 control: its UTF-8 bytes, each escaped. */
			for (size_t k = 0; k < n; k++)
				put_hex(out, u[i + k]);
		}
		else
			fwrite(u + i, 1, n, out);
		i += n;
	}
	return i;
}

/* Write a NUL-terminated text escaped (nothing for NULL). */
void
tool_put(FILE *out, const char *s)
{
	if (s)
		(void) tool_escape_to(out, s, strlen(s), 0);
}

/*
 * Return an escaped copy of s (malloc'd; NULL for NULL or when out of
 * memory), for a column padded with printf.
 */
char *
tool_escaped(const char *s)
{
	char	   *buf = NULL;
	size_t		size = 0;
	FILE	   *f;

	if (!s || !(f = open_memstream(&buf, &size)))
		return NULL;
	tool_put(f, s);
	if (fclose(f) != 0)
	{
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Write a JSON text on one line without a control byte: it stays the same
 * JSON value.  jsonb's text output escapes the C0 controls in strings and
 * puts no newline or tab between tokens; what it leaves raw in a string, DEL
 * and the C1 controls, is written \u00XX here, as would be any C0 control a
 * server sent anyway, and a byte that is not UTF-8 \ufffd (JSON is UTF-8).
 */
void
tool_put_json(FILE *out, const char *s)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		len = s ? strlen(s) : 0;
	size_t		i = 0;

	while (i < len)
	{
		unsigned int cp;
		bool		partial;
		size_t		n = tool_utf8_len(u + i, len - i, &cp, &partial);

		if (n == 0)
		{
			fputs("\\ufffd", out);
			i++;
		}
		else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
		{
			fprintf(out, "\\u%04x", cp);
			i += n;
		}
		else
		{
			fwrite(u + i, 1, n, out);
			i += n;
		}
	}
}

/* ---- exit codes, messages, connecting, parsing, formatting -------------- */

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
 * Print prefix and a message on stderr, the message escaped (tool_put) and so
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

	fprintf(stderr, "%s %s: ", TOOL_NAME, cmd);
	va_start(ap, fmt);
	message_v("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s %s --help' for more information.\n", TOOL_NAME, cmd);
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

	fprintf(stderr, "%s: ", TOOL_NAME);
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

/* Parse a hash in hex (an optional "\x" prefix); 1..PR_HASH_MAX bytes. */
bool
parse_hex_hash(const char *s, uint8_t *out, size_t *len)
{
	pr_hash		h;

	if (pr_hash_parse(s, &h) != 0)
		return false;
	memcpy(out, h.data, h.len);
	*len = h.len;
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
