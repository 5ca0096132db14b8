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
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <getopt.h>
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
