/*-------------------------------------------------------------------------
 *
 * errors.c
 *		libpictrepo: errors, with the SQLSTATE and the fields of the server's
 *		report, and their one-line form.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pr_internal.h"

/* Reset an error to "no error". */
void
pr_error_clear(pr_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

/* Fill an error found by the library itself. */
void
pri_set_error(pr_error *err, const char *sqlstate, const char *fmt,...)
{
	va_list		ap;

	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", sqlstate);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* Copy one line of libpq text without its trailing newline. */
void
pri_copy_field(char *dst, size_t size, const char *src)
{
	size_t		len;

	if (!src)
	{
		dst[0] = '\0';
		return;
	}
	snprintf(dst, size, "%s", src);
	len = strlen(dst);
	while (len > 0 && (dst[len - 1] == '\n' || dst[len - 1] == ' '))
		dst[--len] = '\0';
}

/*
 * Fill an error from a failed result (or, with res NULL, from the
 * connection): the server's SQLSTATE, or 08006 when the connection broke.
 */
void
pri_set_result_error(pr_error *err, const PGresult *res, PGconn *pg)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	if (state)
	{
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
		pri_copy_field(err->message, sizeof(err->message),
				   PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
		pri_copy_field(err->detail, sizeof(err->detail),
				   PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
		pri_copy_field(err->hint, sizeof(err->hint),
				   PQresultErrorField(res, PG_DIAG_MESSAGE_HINT));
		return;
	}
	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s",
			 (pg && PQstatus(pg) == CONNECTION_BAD) ? PR_SQLSTATE_CONNECTION_LOST
			 : PR_SQLSTATE_CLIENT);
	pri_copy_field(err->message, sizeof(err->message),
			   res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
			   : pg ? PQerrorMessage(pg) : "unknown error");
	if (err->message[0] == '\0')
		snprintf(err->message, sizeof(err->message), "unexpected result status %s",
				 res ? PQresStatus(PQresultStatus(res)) : "(none)");
}

/* Format an error as "SQLSTATE: message (detail)" into buf. */
const char *
pr_error_format(const pr_error *err, char *buf, size_t buflen)
{
	if (!buf || buflen == 0)
		return buf;
	if (!err || err->sqlstate[0] == '\0')
		snprintf(buf, buflen, "no error");
	else if (err->detail[0])
		snprintf(buf, buflen, "%s: %s (%s)", err->sqlstate, err->message, err->detail);
	else
		snprintf(buf, buflen, "%s: %s", err->sqlstate, err->message);
	return buf;
}
