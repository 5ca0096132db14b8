/*
 * tap.c: the test helpers and main().
 *
 *   test_client MAIN_CONNINFO NOEXT_CONNINFO FAKE_CONNINFO ADMIN_CONNINFO
 *
 * MAIN, NOEXT and FAKE connect as an application role (a LOGIN member of
 * pict_repo_user only); ADMIN connects to MAIN's database as a superuser.
 *
 * Prints one line per test and a last line "# N passed, N failed, N skipped";
 * exits 0 only when nothing failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

int			tap_passed;
int			tap_failed;
int			tap_skipped;
static int	tap_n;

const char *db_main;
const char *db_read;
const char *db_noext;
const char *db_fake;
const char *db_admin;
static pr_conn *admin;

bool
ok(bool cond, const char *fmt,...)
{
	va_list		ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (cond)
		tap_passed++;
	else
		tap_failed++;
	return cond;
}

void
skip(const char *why, const char *fmt,...)
{
	va_list		ap;

	printf("ok %d - ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
	tap_skipped++;
}

void
diag(const char *fmt,...)
{
	va_list		ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

bool
is_error(int rc, const pr_error *err, const char *sqlstate, const char *what)
{
	bool		good = rc == PR_ERROR && strcmp(err->sqlstate, sqlstate) == 0;

	if (!ok(good, "%s fails with %s", what, sqlstate))
		diag("  got rc %d, sqlstate '%s', message '%s'", rc, err->sqlstate, err->message);
	return good;
}

bool
need(pr_conn *conn, const char *group,...)
{
	va_list		ap;
	const char *f;
	char		missing[512] = "";

	va_start(ap, group);
	while ((f = va_arg(ap, const char *)) != NULL)
	{
		PGresult   *res;
		const char *vals[1] = {f};

		res = PQexecParams(pr_pgconn(conn),
						   "SELECT 1 FROM pg_catalog.pg_proc p "
						   "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
						   "WHERE n.nspname = 'pict_repo' AND p.proname = $1",
						   1, NULL, vals, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) == 0)
		{
			size_t		l = strlen(missing);

			snprintf(missing + l, sizeof(missing) - l, "%s%s", l ? ", " : "", f);
		}
		PQclear(res);
	}
	va_end(ap);
	if (missing[0])
	{
		skip("SQL function not on the server", "%s (missing: %s)", group, missing);
		return false;
	}
	return true;
}

bool
sql(pr_conn *conn, const char *query)
{
	PGresult   *res = PQexec(pr_pgconn(conn), query);
	ExecStatusType st = PQresultStatus(res);
	bool		good = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!good)
		diag("set-up SQL failed: %s: %s", query, PQresultErrorMessage(res));
	PQclear(res);
	return good;
}

bool
sql_value(pr_conn *conn, const char *query, char *buf, size_t len)
{
	PGresult   *res = PQexec(pr_pgconn(conn), query);
	bool		good = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0;

	if (good)
		snprintf(buf, len, "%s", PQgetisnull(res, 0, 0) ? "(null)" : PQgetvalue(res, 0, 0));
	else
		diag("query failed: %s: %s", query, PQresultErrorMessage(res));
	PQclear(res);
	return good;
}

pr_conn *
admin_conn(void)
{
	pr_error	err;

	if (admin)
		return admin;
	if (!(admin = pr_connect(db_admin, &err)))
	{
		char		buf[1200];

		diag("cannot connect as the superuser: %s", pr_error_format(&err, buf, sizeof(buf)));
		exit(2);
	}
	return admin;
}

bool
admin_sql(const char *query)
{
	return sql(admin_conn(), query);
}

bool
admin_value(const char *query, char *buf, size_t len)
{
	return sql_value(admin_conn(), query, buf, len);
}

bool
tap_pooled(void)
{
	const char *v = getenv("PICT_REPO_POOLING");

	return v && strcmp(v, "transaction") == 0;
}

pr_conn *
connect_main(void)
{
	pr_error	err;
	pr_conn    *c = pr_connect(db_main, &err);

	if (!c)
	{
		char		buf[1200];

		diag("cannot connect: %s", pr_error_format(&err, buf, sizeof(buf)));
		exit(2);
	}
	return c;
}

int
main(int argc, char **argv)
{
	if (argc < 5)
	{
		fprintf(stderr, "usage: %s MAIN_CONNINFO NOEXT_CONNINFO FAKE_CONNINFO ADMIN_CONNINFO [READ_CONNINFO]\n",
				argv[0]);
		return 2;
	}
	db_main = argv[1];
	db_noext = argv[2];
	db_fake = argv[3];
	db_admin = argv[4];
	db_read = argc > 5 ? argv[5] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);

	test_basic();
	test_hashes();
	test_aliases();
	test_queue();
	test_batches();
	test_batch_commits();
	test_waits();
	test_worker();
	test_pictrs();
	test_stores();
	test_media();
	test_routing();

	if (admin)
		pr_finish(admin);
	printf("# %d passed, %d failed, %d skipped\n", tap_passed, tap_failed, tap_skipped);
	return tap_failed == 0 ? 0 : 1;
}
