/*-------------------------------------------------------------------------
 *
 * driver.c
 *		The small core shared by the benchmark, its peers' driver, the
 *		profile driver and the queue proofs (see driver.h).
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

static const char *driver_name = "driver";
static int	driver_die_status = 1;
static volatile int *shared_failed;
static char *shared_error;
static size_t shared_error_size;

void
driver_init(const char *name, int die_status)
{
	driver_name = name;
	driver_die_status = die_status;
}

void
die(const char *f,...)
{
	va_list		ap;

	fprintf(stderr, "%s[%d]: ", driver_name, (int) getpid());
	va_start(ap, f);
	vfprintf(stderr, f, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(driver_die_status);
}

pid_t
spawn_child(void)
{
	pid_t		pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return pid;
}

void
driver_share_failure(volatile int *failed, char *error, size_t size)
{
	shared_failed = failed;
	shared_error = error;
	shared_error_size = size;
}

void
child_fail(const char *f,...)
{
	va_list		ap;

	va_start(ap, f);
	if (!__atomic_exchange_n(shared_failed, 1, __ATOMIC_SEQ_CST))
		vsnprintf(shared_error, shared_error_size, f, ap);
	va_end(ap);
	_exit(1);
}

double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

PGconn *
pg_connect(void)
{
	PGconn	   *c = PQconnectdb("");

	if (PQstatus(c) != CONNECTION_OK)
		die("cannot connect: %s", PQerrorMessage(c));
	return c;
}

void
exec_ok(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		die("%s\n  failed: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

double
query_num(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);
	double		v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
		die("%s\n  failed: %s", sql, PQerrorMessage(c));
	v = PQgetisnull(r, 0, 0) ? 0 : strtod(PQgetvalue(r, 0, 0), NULL);
	PQclear(r);
	return v;
}

char *
query_text(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);
	char	   *v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
		die("%s\n  failed: %s", sql, PQerrorMessage(c));
	v = strdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}
