/*
 * tap.h: a few TAP-style helpers for the client tests ("ok N - ...",
 * "not ok N - ...", "ok N - ... # SKIP ...").
 */
#ifndef PR_TEST_TAP_H
#define PR_TEST_TAP_H

#include <stdbool.h>
#include <string.h>

#include <libpq-fe.h>

#include "pict_repo_client.h"

extern int	tap_passed;
extern int	tap_failed;
extern int	tap_skipped;

/* Connection strings of the test databases. */
extern const char *db_main;		/* the extension installed */
extern const char *db_noext;	/* no extension */
extern const char *db_fake;		/* a fake pict_repo.version() of another major */
extern const char *db_admin;	/* db_main as a superuser */
extern const char *db_read;		/* another repository, as a read connection; or NULL */

bool		ok(bool cond, const char *fmt,...) __attribute__((format(printf, 2, 3)));
void		skip(const char *why, const char *fmt,...) __attribute__((format(printf, 2, 3)));
void		diag(const char *fmt,...) __attribute__((format(printf, 1, 2)));

/* An error of the expected SQLSTATE. */
bool		is_error(int rc, const pr_error *err, const char *sqlstate, const char *what);

/*
 * True when every named SQL function (NULL-terminated list) exists in
 * schema pict_repo; otherwise prints one skipped test for the group and
 * returns false.
 */
bool		need(pr_conn *conn, const char *group,...) __attribute__((sentinel));

/* Run SQL through libpq directly (set-up only); false on error. */
bool		sql(pr_conn *conn, const char *query);
/* The first value of a query as text into buf; false on error or no row. */
bool		sql_value(pr_conn *conn, const char *query, char *buf, size_t len);

/*
 * The same on the superuser connection of db_admin (opened on first use,
 * closed at exit): for set-up and checks the application role may not do,
 * such as writing or reading the extension's tables.  The connections the
 * tests exercise are made as the application role (db_main).
 */
bool		admin_sql(const char *query);
bool		admin_value(const char *query, char *buf, size_t len);
pr_conn    *admin_conn(void);

pr_conn    *connect_main(void);

/*
 * True when the tests run behind a pooler in transaction mode
 * (PICT_REPO_POOLING=transaction, test/suites/55_pgbouncer.sh): the checks
 * of what a session holds (prepared statements, LISTEN, a backend that is
 * terminated) are skipped there.
 */
bool		tap_pooled(void);

/* The test groups. */
void		test_basic(void);
void		test_hashes(void);
void		test_aliases(void);
void		test_queue(void);
void		test_batches(void);
void		test_batch_commits(void);
void		test_waits(void);
void		test_worker(void);
void		test_pictrs(void);
void		test_stores(void);
void		test_media(void);
void		test_routing(void);

#endif
