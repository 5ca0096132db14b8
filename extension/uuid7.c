/*-------------------------------------------------------------------------
 *
 * uuid7.c
 *		Time-ordered job ids (UUID version 7, RFC 9562).
 *
 * The first 48 bits are the Unix time in milliseconds, the 12 bits after
 * the version the fraction of the millisecond (method 3 of RFC 9562, as
 * PostgreSQL 18's uuidv7() does), the rest random.  Within one backend the
 * ids are strictly increasing even if the clock stands still or steps back:
 * the 60-bit time field is then advanced by one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "pict_repo.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

/* Microseconds between the Unix and the PostgreSQL epochs. */
#define UNIX_TO_PG_USECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC)

/* Fill uuid with a new UUIDv7, greater than any made before by this backend. */
void
PrUuidV7(pg_uuid_t *uuid)
{
	/* Last 60-bit time field handed out: ms << 12 | sub-millisecond. */
	static uint64 last = 0;
	int64		unix_us = GetCurrentTimestamp() + UNIX_TO_PG_USECS;
	uint64		ms = (uint64) (unix_us / 1000);
	uint64		sub = (uint64) ((unix_us % 1000) * 4096 / 1000);
	uint64		field = (ms << 12) | sub;

	if (field <= last)
		field = last + 1;
	last = field;
	ms = field >> 12;
	sub = field & 0xFFF;

	if (!pg_strong_random(uuid->data + 8, UUID_LEN - 8))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random values")));
	uuid->data[0] = (unsigned char) (ms >> 40);
	uuid->data[1] = (unsigned char) (ms >> 32);
	uuid->data[2] = (unsigned char) (ms >> 24);
	uuid->data[3] = (unsigned char) (ms >> 16);
	uuid->data[4] = (unsigned char) (ms >> 8);
	uuid->data[5] = (unsigned char) ms;
	uuid->data[6] = (unsigned char) (0x70 | (sub >> 8));	/* version 7 */
	uuid->data[7] = (unsigned char) sub;
	uuid->data[8] = (unsigned char) ((uuid->data[8] & 0x3F) | 0x80);	/* variant */
}

/* Return a new time-ordered UUID (version 7). */
PG_FUNCTION_INFO_V1(pict_repo_uuid_v7);
Datum
pict_repo_uuid_v7(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *uuid = palloc(sizeof(pg_uuid_t));

	PrUuidV7(uuid);
	PG_RETURN_UUID_P(uuid);
}
