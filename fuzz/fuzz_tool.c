/*-------------------------------------------------------------------------
 *
 * fuzz_tool.c
 *		libFuzzer target: the argument parsing of the pict-repo tool.
 *
 * The tool's main() is compiled as pict_repo_tool_main (-Dmain=...) and
 * called with an argv cut from the input at NUL bytes (at most 24
 * arguments), so every subcommand's options, numbers, durations, times and
 * hashes are parsed as the shell would hand them over.  Nothing reaches a
 * server or a child: the link wraps pr_connect (it fails with 08001, as with
 * no server) and fork (it fails with EAGAIN).  Inputs whose first byte is
 * 0xff instead go straight to the parsers (parse_int, parse_seconds,
 * parse_time, parse_hex_hash) and format the values they return.
 *
 * Inputs whose first byte is 0xfe go to the escaping of text from the
 * database or a job (util.c): the second byte picks the flags, the rest is
 * the text, any bytes.  The target aborts if the output holds a control
 * byte (a newline only where the text had one and TOOL_ESC_LINES keeps it),
 * a C1 control or a byte that is not UTF-8, or if it does not read back to
 * exactly the bytes consumed (every escape unambiguous); and if the JSON
 * form holds a control byte or is not UTF-8.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "tool.h"

int			pict_repo_tool_main(int argc, char **argv);
pr_conn    *__wrap_pr_connect(const char *conninfo, pr_error *err);
pid_t		__wrap_fork(void);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

pr_conn *
__wrap_pr_connect(const char *conninfo, pr_error *err)
{
	if (err)
	{
		memset(err, 0, sizeof(*err));
		memcpy(err->sqlstate, PR_SQLSTATE_CONNECTION, 6);
		strcpy(err->message, "no server while fuzzing");
	}
	return NULL;
}

pid_t
__wrap_fork(void)
{
	errno = EAGAIN;
	return -1;
}

#define MAX_ARGS 24

static void
parsers(const char *s)
{
	long		l;
	int64_t		us;
	uint8_t		hash[PR_HASH_MAX];
	size_t		len;
	char		buf[64];
	char		hex[2 * PR_HASH_MAX + 1];

	if (parse_int(s, -1000, 1000000, &l) && (l < -1000 || l > 1000000))
		abort();
	if (parse_seconds(s, &us))
	{
		if (us < 0)
			abort();
		format_interval(us, buf, sizeof(buf));
	}
	if (parse_time(s, &us))
		format_time(us, buf, sizeof(buf));
	if (parse_hex_hash(s, hash, &len))
	{
		if (len < 1 || len > PR_HASH_MAX)
			abort();
		format_hex(hash, len, hex);
	}
}

/* True when all n bytes of s are UTF-8 without a C1 control. */
static bool
clean_utf8(const unsigned char *s, size_t n)
{
	size_t		i = 0;

	while (i < n)
	{
		unsigned int cp;
		bool		partial;
		size_t		len = tool_utf8_len(s + i, n - i, &cp, &partial);

		if (len == 0 || (cp >= 0x80 && cp <= 0x9F))
			return false;
		i += len;
	}
	return true;
}

static int
hexdigit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Read escaped text back into out (room for n bytes); returns its length,
 * or aborts on anything the escaping never writes.
 */
static size_t
unescape(const unsigned char *s, size_t n, unsigned char *out, bool lines)
{
	size_t		o = 0;

	for (size_t i = 0; i < n; i++)
	{
		if (s[i] < 0x20 || s[i] == 0x7F)
		{
			if (!(s[i] == '\n' && lines))
				abort();		/* a raw control byte */
			out[o++] = s[i];
			continue;
		}
		if (s[i] != '\\')
		{
			out[o++] = s[i];
			continue;
		}
		if (++i == n)
			abort();			/* a lone backslash at the end */
		switch (s[i])
		{
			case 'n':
				out[o++] = '\n';
				break;
			case 't':
				out[o++] = '\t';
				break;
			case 'r':
				out[o++] = '\r';
				break;
			case '\\':
				out[o++] = '\\';
				break;
			case 'x':
				{
					int			hi,
								lo;

					if (i + 2 >= n)
						abort();	/* cut short */
					hi = hexdigit(s[i + 1]);
					lo = hexdigit(s[i + 2]);
					if (hi < 0 || lo < 0)
						abort();
					out[o++] = (unsigned char) (hi << 4 | lo);
					i += 2;
					break;
				}
			default:
				abort();		/* an escape that means nothing */
		}
	}
	return o;
}

/* Escape the text; check the output and that it reads back. */
static void
escaping(const unsigned char *text, size_t n, int flags)
{
	char	   *buf = NULL;
	size_t		len = 0;
	FILE	   *f = open_memstream(&buf, &len);
	size_t		used;
	unsigned char *back;
	unsigned int cp;
	bool		partial;

	if (!f)
		return;
	used = tool_escape_to(f, (const char *) text, n, flags);
	if (fclose(f) != 0)
		return;
	/* All is consumed but a UTF-8 character cut at the end, when asked. */
	if (used > n || (used < n && (!(flags & TOOL_ESC_PARTIAL) || n - used > 3 ||
								 tool_utf8_len(text + used, n - used, &cp, &partial) != 0 ||
								 !partial)))
		abort();
	if (!clean_utf8((unsigned char *) buf, len) || memchr(buf, '\t', len) ||
		(!(flags & TOOL_ESC_LINES) && memchr(buf, '\n', len)))
		abort();
	back = malloc(len + 1);
	if (back)
	{
		size_t		m = unescape((unsigned char *) buf, len, back,
								 (flags & TOOL_ESC_LINES) != 0);

		if (m != used || memcmp(back, text, used) != 0)
			abort();
		free(back);
	}
	free(buf);

	/* The JSON form: no control byte at all, UTF-8 throughout. */
	buf = NULL;
	len = 0;
	if ((f = open_memstream(&buf, &len)) != NULL)
	{
		char	   *z = malloc(n + 1);

		if (z)
		{
			memcpy(z, text, n);
			z[n] = '\0';
			tool_put_json(f, z);
			free(z);
		}
		if (fclose(f) == 0)
		{
			for (size_t i = 0; i < len; i++)
				if ((unsigned char) buf[i] < 0x20 || buf[i] == 0x7F)
					abort();
			if (!clean_utf8((unsigned char *) buf, len))
				abort();
		}
		free(buf);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *copy;
	char	   *argv[MAX_ARGS + 2];
	int			argc = 0;
	size_t		start;

	/* NUL-terminated copy: the arguments are the NUL-separated pieces. */
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';

	if (size > 1 && data[0] == 0xfe)
	{
		escaping(data + 2, size - 2, data[1] & (TOOL_ESC_LINES | TOOL_ESC_PARTIAL));
		free(copy);
		return 0;
	}
	if (size > 0 && data[0] == 0xff)
	{
		parsers(copy + 1);
		free(copy);
		return 0;
	}

	argv[argc++] = "pict-repo";
	start = 0;
	for (size_t i = 0; i <= size && argc < MAX_ARGS + 1; i++)
		if (i == size || copy[i] == '\0')
		{
			argv[argc++] = copy + start;
			start = i + 1;
		}
	argv[argc] = NULL;

	optind = 0;					/* a full reinitialisation of getopt */
	opterr = 1;
	(void) pict_repo_tool_main(argc, argv);
	free(copy);
	return 0;
}
