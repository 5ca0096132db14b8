/*-------------------------------------------------------------------------
 *
 * fz_pgresult.h
 *		Build a PGresult from fuzz input with libpq's own
 *		PQmakeEmptyPGresult/PQsetResultAttrs/PQsetvalue (shared by the fuzz
 *		targets of the client).
 *
 * At *p: the number of columns (byte % 9), of rows (byte % 17), one type
 * byte per column, then per value a length byte (255 = NULL) and that many
 * bytes (fewer at the end of the input).  Advances *p.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FZ_PGRESULT_H
#define FZ_PGRESULT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

static const Oid fz_types[] = {
	16 /* bool */ , 17 /* bytea */ , 20 /* int8 */ , 23 /* int4 */ , 25 /* text */ ,
	1184 /* timestamptz */ , 1186 /* interval */ , 2950 /* uuid */ , 3802 /* jsonb */ ,
	2278 /* void */
};

static inline PGresult *
fz_build_result(const uint8_t **pp, const uint8_t *end, ExecStatusType status)
{
	const uint8_t *p = *pp;
	PGresAttDesc atts[8];
	char		names[8][4];
	PGresult   *res = PQmakeEmptyPGresult(NULL, status);
	int			nfields = (p < end ? *p++ : 0) % 9;
	int			ntuples = (p < end ? *p++ : 0) % 17;

	if (!res)
		abort();
	memset(atts, 0, sizeof(atts));
	for (int i = 0; i < nfields; i++)
	{
		names[i][0] = 'c';
		names[i][1] = (char) ('0' + i);
		names[i][2] = '\0';
		atts[i].name = names[i];
		atts[i].typid = fz_types[(p < end ? *p++ : 0) % (sizeof(fz_types) / sizeof(fz_types[0]))];
		atts[i].format = 1;
		atts[i].typlen = -1;
		atts[i].atttypmod = -1;
	}
	if (nfields > 0 && !PQsetResultAttrs(res, nfields, atts))
		abort();
	for (int r = 0; r < ntuples && nfields > 0; r++)
		for (int c = 0; c < nfields; c++)
		{
			int			len = p < end ? *p++ : 255;

			if (len == 255)
			{
				if (!PQsetvalue(res, r, c, NULL, -1))
					abort();
				continue;
			}
			if (len > end - p)
				len = (int) (end - p);
			if (!PQsetvalue(res, r, c, (char *) p, len))
				abort();
			p += len;
		}
	*pp = p;
	return res;
}

#endif							/* FZ_PGRESULT_H */
