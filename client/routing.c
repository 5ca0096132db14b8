/*-------------------------------------------------------------------------
 *
 * routing.c
 *		Where libpictrepo sends a call: the read connection beside the
 *		primary, the pooling mode (prepared statements and LISTEN, or
 *		unnamed statements and polling behind a transaction pooler), and
 *		connecting again after a failover.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pr_internal.h"

/*
 * The statements that only read, sent to the read connection when there
 * is one (pr_set_read_conninfo in pict_repo_client.h lists their calls).
 * Sorted, for bsearch.  pr_upload_result, pr_variant_processing and the
 * variant wait's reads stay on the primary: they are read in turn with the
 * primary's notifications, right after writes on the primary.
 */
static const char *const read_statements[] = {
	"pr_alias_accessed_at",
	"pr_alias_hash",
	"pr_alias_token",
	"pr_aliases_for_hash",
	"pr_average_time_to_completion",
	"pr_best_copy",
	"pr_blurhash",
	"pr_copies",
	"pr_copies_in_store",
	"pr_dead_jobs",
	"pr_details",
	"pr_get_setting",
	"pr_hash_count",
	"pr_hash_created_at",
	"pr_hash_identifier",
	"pr_hash_page",
	"pr_hash_page_bound",
	"pr_hash_page_by_date",
	"pr_is_continuing_migration",
	"pr_is_migrated",
	"pr_motion_identifier",
	"pr_older_aliases",
	"pr_older_variants",
	"pr_queue_length",
	"pr_queue_stats",
	"pr_related",
	"pr_storage_report",
	"pr_stores",
	"pr_variant_accessed_at",
	"pr_variant_identifier",
	"pr_variants",
};

static int
compare_name(const void *key, const void *elem)
{
	return strcmp((const char *) key, *(const char *const *) elem);
}

/*
 * The connection a statement runs on: the read connection for a read,
 * unless the primary connection is inside a transaction (whose writes only
 * it sees) or the read connection is lost.
 */
pr_conn *
pri_route(pr_conn *conn, const PrStmt *stmt)
{
	if (!conn->read || !conn->read->pg || PQstatus(conn->read->pg) != CONNECTION_OK)
		return conn;
	if (PQtransactionStatus(conn->pg) != PQTRANS_IDLE)
		return conn;
	if (!bsearch(stmt->name, read_statements,
				 sizeof(read_statements) / sizeof(read_statements[0]),
				 sizeof(read_statements[0]), compare_name))
		return conn;
	return conn->read;
}

/* The pooling mode of PICT_REPO_POOLING: transaction, or session. */
int
pri_pooling_default(void)
{
	const char *v = getenv("PICT_REPO_POOLING");

	if (v && strcmp(v, "transaction") == 0)
		return PR_POOLING_TRANSACTION;
	return PR_POOLING_SESSION;
}

int64_t
pri_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A wait behind a transaction pooler, which cannot LISTEN: sleep one poll
 * interval (less when the deadline, a monotonic time in ms or -1 for none,
 * comes first), waking at once for a stop request.  PR_OK: look again;
 * PR_NONE: the deadline passed or a stop was requested.
 */
int
pri_poll_wait(pr_conn *conn, int64_t deadline_ms, pr_stop *stop, pr_error *err)
{
	int64_t		sleep_ms = conn->poll_interval_ms;
	struct pollfd fd;
	int			rc;

	if (pr_stop_requested(stop))
		return PR_NONE;
	if (deadline_ms >= 0)
	{
		int64_t		left = deadline_ms - pri_monotonic_ms();

		if (left <= 0)
			return PR_NONE;
		if (left < sleep_ms)
			sleep_ms = left;
	}
	fd.fd = stop ? pri_stop_fd(stop) : -1;
	fd.events = POLLIN;
	fd.revents = 0;
	rc = poll(&fd, stop ? 1 : 0, (int) sleep_ms);
	if (rc < 0 && errno != EINTR)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "poll failed: %s", strerror(errno));
		return PR_ERROR;
	}
	return pr_stop_requested(stop) ? PR_NONE : PR_OK;
}

/* Connect to the primary and, when given, the read connection. */
pr_conn *
pr_connect_ex(const pr_connect_options *opts, pr_error *err)
{
	pr_conn    *conn;
	int			pooling;

	pr_error_clear(err);
	if (!opts)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "options are NULL");
		return NULL;
	}
	if (opts->poll_interval_ms < 0)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT,
					  "poll_interval_ms must not be negative");
		return NULL;
	}
	pooling = opts->pooling == PR_POOLING_DEFAULT ? pri_pooling_default() : (int) opts->pooling;
	if (pooling != PR_POOLING_SESSION && pooling != PR_POOLING_TRANSACTION)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "unknown pooling mode %d",
					  (int) opts->pooling);
		return NULL;
	}
	conn = pri_connect(opts->conninfo, pooling, err);
	if (!conn)
		return NULL;
	if (opts->poll_interval_ms > 0)
		conn->poll_interval_ms = opts->poll_interval_ms;
	if (opts->read_conninfo &&
		pr_set_read_conninfo(conn, opts->read_conninfo, err) != PR_OK)
	{
		pr_finish(conn);
		return NULL;
	}
	return conn;
}

/* Open (or close, with NULL) the read connection. */
int
pr_set_read_conninfo(pr_conn *conn, const char *read_conninfo, pr_error *err)
{
	pr_conn    *read = NULL;

	pr_error_clear(err);
	if (!conn)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "connection is NULL");
		return PR_ERROR;
	}
	if (read_conninfo)
	{
		read = pri_connect(read_conninfo, conn->pooling, err);
		if (!read)
			return PR_ERROR;
		read->poll_interval_ms = conn->poll_interval_ms;
	}
	pr_finish(conn->read);
	conn->read = read;
	return PR_OK;
}

/*
 * Put the connection of fresh into conn, which keeps its identity (the
 * caller's pointer), and free the rest of fresh and conn's old connection.
 */
static void
take_over(pr_conn *conn, pr_conn *fresh)
{
	PGconn	   *old = conn->pg;

	conn->pg = fresh->pg;
	fresh->pg = old;
	memcpy(conn->server_version, fresh->server_version, sizeof(conn->server_version));
	/* What was prepared and listened to belonged to the old connection. */
	free(conn->prepared);
	conn->prepared = fresh->prepared;
	conn->nprepared = fresh->nprepared;
	conn->maxprepared = fresh->maxprepared;
	fresh->prepared = NULL;
	conn->listen_queue = fresh->listen_queue;
	conn->listen_upload = fresh->listen_upload;
	conn->listen_variant = fresh->listen_variant;
	pr_finish(fresh);
}

/* Connect again (both connections when the read one is lost too). */
int
pr_reconnect(pr_conn *conn, pr_error *err)
{
	pr_conn    *fresh;

	pr_error_clear(err);
	if (!conn)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "connection is NULL");
		return PR_ERROR;
	}
	fresh = pri_connect(conn->conninfo, conn->pooling, err);
	if (!fresh)
		return PR_ERROR;
	take_over(conn, fresh);
	if (conn->read && (!conn->read->pg || PQstatus(conn->read->pg) != CONNECTION_OK))
	{
		fresh = pri_connect(conn->read->conninfo, conn->pooling, err);
		if (!fresh)
			return PR_ERROR;
		take_over(conn->read, fresh);
	}
	return PR_OK;
}

/* Whether an error means the connection (or the primary) is gone. */
bool
pr_error_is_disconnect(const pr_error *err)
{
	if (!err)
		return false;
	return strncmp(err->sqlstate, "08", 2) == 0 ||
		strcmp(err->sqlstate, "57P01") == 0 ||
		strcmp(err->sqlstate, "57P02") == 0 ||
		strcmp(err->sqlstate, "57P03") == 0 ||
		strcmp(err->sqlstate, "25006") == 0;
}
