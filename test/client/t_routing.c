/*
 * t_routing.c: the read connection (reads there, writes to the primary,
 * reads in a transaction and after losing it on the primary), reconnecting,
 * and the transaction pooling mode (no prepared statements, no LISTEN,
 * waits that poll).
 *
 * The read connection here is another database (db_read) with a repository
 * of its own, so that where each call went shows in its answer: a hash
 * written through the routed connection is found only by the primary, one
 * written to db_read only by the read connection.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static const uint8_t hash_primary[] = {0xc0, 0x01};
static const uint8_t hash_read[] = {0xc0, 0x02};

/* The backend pid of a connection. */
static int
backend_pid(pr_conn *c)
{
	return PQbackendPID(pr_pgconn(c));
}

/* Whether hash is found through c (PR_OK) or not (PR_NONE). */
static int
lookup(pr_conn *c, const uint8_t *hash)
{
	char	   *id = NULL;
	int			rc = pr_hash_identifier(c, hash, 2, &id, NULL);

	pr_free(id);
	return rc;
}

static void
test_read_connection(void)
{
	pr_connect_options opts = {0};
	pr_error	err;
	pr_conn    *c,
			   *r;
	pr_uuid		up;
	char	   *res = NULL;
	char		q[256];
	int64_t		n = -1;
	int			pid;
	int			rc;

	/* The read database's own hash, written there directly. */
	r = pr_connect(db_read, &err);
	if (!r)
	{
		ok(false, "connect to the read database: %s", err.message);
		return;
	}
	pr_create_hash(r, hash_read, 2, "read/only-here", NULL, PR_NO_TIME, &err);

	opts.conninfo = db_main;
	opts.read_conninfo = db_read;
	c = pr_connect_ex(&opts, &err);
	ok(c != NULL, "pr_connect_ex with a read connection");
	if (!c)
	{
		pr_finish(r);
		return;
	}
	ok(pr_create_hash(c, hash_primary, 2, "primary/only-here", NULL, PR_NO_TIME, &err) == PR_OK,
	   "a write goes to the primary");
	ok(admin_value("SELECT count(*) FROM pict_repo.hashes WHERE hash = '\\xc001'", q, sizeof(q)) &&
	   strcmp(q, "1") == 0, "and is there");
	ok(lookup(c, hash_read) == PR_OK && lookup(c, hash_primary) == PR_NONE,
	   "a lookup goes to the read connection");
	rc = pr_hash_count(c, &n, &err);
	ok(rc == PR_OK && n == 1,
	   "so do the statistics (hash_count of the read database: %lld)", (long long) n);

	/* In a transaction of the primary, reads see its writes. */
	PQclear(PQexec(pr_pgconn(c), "BEGIN"));
	ok(lookup(c, hash_primary) == PR_OK && lookup(c, hash_read) == PR_NONE,
	   "inside a transaction of the primary, reads go to the primary");
	PQclear(PQexec(pr_pgconn(c), "COMMIT"));
	ok(lookup(c, hash_read) == PR_OK, "and after it to the read connection again");

	/* The upload protocol stays on the primary. */
	ok(pr_create_upload(c, &up, &err) == PR_OK &&
	   pr_complete_upload(c, &up, "{\"a\": 1}", &err) == PR_OK &&
	   pr_upload_result(c, &up, &res, &err) == PR_OK && res != NULL,
	   "pr_upload_result reads the primary");
	pr_free(res);

	/*
	 * A lost read connection: reads fall back to the primary.  (Behind a
	 * pooler a terminated server connection is the pooler's, and the
	 * client's stays: nothing is lost there.)
	 */
	if (tap_pooled())
	{
		skip("behind a pooler the client's connection survives its server's",
			 "a lost read or primary connection, pr_reconnect");
		goto out;
	}
	snprintf(q, sizeof(q), "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity"
			 " WHERE datname = 'pict_repo_client_read' AND pid <> %d", backend_pid(r));
	admin_sql(q);
	usleep(200000);
	ok(lookup(c, hash_primary) == PR_OK, "a lost read connection: the read runs on the primary");
	ok(lookup(c, hash_primary) == PR_OK, "and the next ones too");
	ok(pr_reconnect(c, &err) == PR_OK && lookup(c, hash_read) == PR_OK,
	   "pr_reconnect opens the read connection again");

	/* A lost primary connection: 08006, then pr_reconnect. */
	pid = backend_pid(c);
	snprintf(q, sizeof(q), "SELECT pg_catalog.pg_terminate_backend(%d)", pid);
	admin_sql(q);
	usleep(200000);
	ok(pr_create_hash(c, hash_primary, 2, "primary/only-here", NULL, PR_NO_TIME, &err) == PR_ERROR &&
	   pr_error_is_disconnect(&err), "a write on a lost connection: %s, a disconnect", err.sqlstate);
	ok(pr_reconnect(c, &err) == PR_OK && backend_pid(c) != pid,
	   "pr_reconnect connects again (same pr_conn)");
	ok(pr_create_hash(c, hash_primary, 2, "primary/only-here", NULL, PR_NO_TIME, &err) == PR_NONE,
	   "and the next call works (statements prepared again)");

out:
	/* Without the read connection, reads go to the primary. */
	ok(pr_set_read_conninfo(c, NULL, &err) == PR_OK && lookup(c, hash_primary) == PR_OK,
	   "pr_set_read_conninfo(NULL): reads go to the primary");
	ok(pr_set_read_conninfo(c, "dbname=pict_repo_no_such_db", &err) == PR_ERROR &&
	   strcmp(err.sqlstate, PR_SQLSTATE_CONNECTION) == 0 && lookup(c, hash_primary) == PR_OK,
	   "a read connection that cannot connect: 08001, nothing changes");

	pr_finish(c);
	admin_sql("DELETE FROM pict_repo.hashes WHERE hash = '\\xc001'");
	pr_finish(r);

	ok(!pr_error_is_disconnect(NULL), "pr_error_is_disconnect(NULL) is false");
	opts.read_conninfo = NULL;
	opts.pooling = 7;
	ok(pr_connect_ex(&opts, &err) == NULL && strcmp(err.sqlstate, "22023") == 0,
	   "pr_connect_ex with an unknown pooling mode: 22023");
	opts.pooling = PR_POOLING_DEFAULT;
	opts.poll_interval_ms = -1;
	ok(pr_connect_ex(&opts, &err) == NULL && strcmp(err.sqlstate, "22023") == 0,
	   "pr_connect_ex with a negative poll interval: 22023");
	ok(pr_connect_ex(NULL, &err) == NULL && strcmp(err.sqlstate, "22023") == 0,
	   "pr_connect_ex(NULL): 22023");
}

typedef struct LatePush
{
	int			delay_ms;
	int			rc;
} LatePush;

static void *
late_push(void *arg)
{
	LatePush   *lp = arg;
	pr_error	err;
	pr_conn    *c;

	usleep((useconds_t) lp->delay_ms * 1000);
	c = pr_connect(db_main, &err);
	lp->rc = c ? pr_push_job(c, "client-poll", "{}", NULL, NULL, &err) : PR_ERROR;
	pr_finish(c);
	return NULL;
}

/* Transaction pooling mode, straight to the server: what it does not use. */
static void
test_transaction_pooling(void)
{
	pr_connect_options opts = {0};
	pr_error	err;
	pr_conn    *c;
	pr_uuid		worker;
	pr_job_list *jobs = NULL;
	pthread_t	th;
	LatePush	lp = {300, PR_ERROR};
	char		buf[64] = "";
	struct timespec t0,
				t1;
	double		waited;

	opts.conninfo = db_main;
	opts.pooling = PR_POOLING_TRANSACTION;
	opts.poll_interval_ms = 100;
	c = pr_connect_ex(&opts, &err);
	ok(c != NULL, "pr_connect_ex in transaction pooling mode");
	if (!c)
		return;
	pr_uuid_random(&worker);
	ok(pr_hash_count(c, NULL, &err) == PR_OK, "a call works");
	ok(sql_value(c, "SELECT count(*) FROM pg_catalog.pg_prepared_statements", buf, sizeof(buf)) &&
	   strcmp(buf, "0") == 0, "without a prepared statement (%s)", buf);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(pr_wait_for_job(c, "client-poll", &worker, 1, 350, NULL, &jobs, &err) == PR_NONE,
	   "a wait on an empty queue times out");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(waited >= 0.3, "after its timeout (%.2f s)", waited);
	ok(sql_value(c, "SELECT count(*) FROM pg_catalog.pg_listening_channels()", buf, sizeof(buf)) &&
	   strcmp(buf, "0") == 0, "without LISTEN (it polls)");

	pthread_create(&th, NULL, late_push, &lp);
	ok(pr_wait_for_job(c, "client-poll", &worker, 1, 30000, NULL, &jobs, &err) == PR_OK &&
	   jobs && jobs->n == 1, "a job pushed during the wait is claimed by a poll");
	pthread_join(th, NULL);
	if (jobs && jobs->n == 1)
		pr_complete_job(c, &jobs->rows[0].id, &worker, &err);
	pr_free(jobs);
	pr_finish(c);
}

void
test_routing(void)
{
	if (!db_read)
	{
		skip("no read database given", "the read connection");
		return;
	}
	test_read_connection();
	test_transaction_pooling();
}
