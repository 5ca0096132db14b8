/*-------------------------------------------------------------------------
 *
 * uuid.c
 *		libpictrepo: uuids and hashes in text, random uuids, and the client's
 *		clock.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "pr_internal.h"

/* Format a uuid as 36 lower-case characters. */
void
pr_uuid_format(const pr_uuid *id, char out[PR_UUID_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	int			o = 0;

	for (int i = 0; i < 16; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[id->bytes[i] >> 4];
		out[o++] = hex[id->bytes[i] & 15];
	}
	out[o] = '\0';
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

/* Parse the 36-character form of a uuid; 0 or -1. */
int
pr_uuid_parse(const char *text, pr_uuid *id)
{
	int			b = 0;

	if (!text || !id || strlen(text) != 36)
		return -1;
	for (int i = 0; i < 36;)
	{
		int			hi,
					lo;

		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (text[i] != '-')
				return -1;
			i++;
			continue;
		}
		hi = hexval(text[i]);
		lo = hexval(text[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		id->bytes[b++] = (uint8_t) (hi << 4 | lo);
		i += 2;
	}
	return 0;
}

/*
 * Parse a hash in hex, with or without PostgreSQL's "\x" prefix:
 * 1..PR_HASH_MAX bytes, either case; 0 or -1.
 */
int
pr_hash_parse(const char *text, pr_hash *hash)
{
	size_t		n;

	if (!text || !hash)
		return -1;
	if (text[0] == '\\' && text[1] == 'x')
		text += 2;
	n = strlen(text);
	if (n == 0 || n % 2 != 0 || n / 2 > PR_HASH_MAX)
		return -1;
	for (size_t i = 0; i < n / 2; i++)
	{
		int			hi = hexval(text[2 * i]);
		int			lo = hexval(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		hash->data[i] = (uint8_t) (hi << 4 | lo);
	}
	hash->len = n / 2;
	return 0;
}

/* True for the all-zero uuid. */
bool
pr_uuid_is_nil(const pr_uuid *id)
{
	for (int i = 0; i < 16; i++)
		if (id->bytes[i])
			return false;
	return true;
}

/* Make a random (version 4) uuid; 0 or -1. */
int
pr_uuid_random(pr_uuid *id)
{
	size_t		got = 0;

	while (got < sizeof(id->bytes))
	{
		ssize_t		n = getrandom(id->bytes + got, sizeof(id->bytes) - got, 0);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t) n;
	}
	id->bytes[6] = (id->bytes[6] & 0x0f) | 0x40;
	id->bytes[8] = (id->bytes[8] & 0x3f) | 0x80;
	return 0;
}

/* The client's clock in microseconds since the Unix epoch. */
int64_t
pr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
