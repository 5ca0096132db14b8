/*-------------------------------------------------------------------------
 *
 * tier_util.c
 *		Helpers of the storage tier subcommands: sizes and durations for
 *		humans, the check that an identifier stays inside its store.
 *		(Text from the database is escaped with util.c's tool_put.)
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tiers.h"

void
tier_format_bytes(int64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double		v = (double) bytes;
	int			u = 0;

	while ((v >= 1024 || v <= -1024) && u < 6)
	{
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lld B", (long long) bytes);
	else
		snprintf(buf, len, "%.*f %s", v >= 100 || v <= -100 ? 0 : v >= 10 || v <= -10 ? 1 : 2,
				 v, units[u]);
}

void
tier_format_duration(double secs, char *buf, size_t len)
{
	long long	s = secs > 0 ? (long long) (secs + 0.5) : 0;

	snprintf(buf, len, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
}

double
tier_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *
tier_identifier_problem(const char *identifier)
{
	const char *p = identifier;

	if (!p || !*p)
		return "it is empty";
	if (*p == '/')
		return "it is an absolute path";
	while (*p)
	{
		const char *slash = strchr(p, '/');
		size_t		n = slash ? (size_t) (slash - p) : strlen(p);

		if (n == 0)
			return "it has an empty path component";
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return "it has a \".\" or \"..\" path component";
		if (!slash && strncmp(p, TIER_TMP_PREFIX, strlen(TIER_TMP_PREFIX)) == 0)
			return "its file name starts with " TIER_TMP_PREFIX ", the tool's temporary files";
		if (!slash)
			break;
		p = slash + 1;
		if (!*p)
			return "it ends with a slash";
	}
	return NULL;
}
