/*-------------------------------------------------------------------------
 *
 * wait.c
 *		libpictrepo: waiting for jobs and upload results with LISTEN/NOTIFY;
 *		a wait ends early when its stop signal (stop.c) is raised.
 *
 * Every wait follows the same order so that no notification is lost:
 * LISTEN first (once per connection), then drop what is already queued,
 * then look at the table (claim_job / upload_result), and only then sleep in
 * poll() on the connection's socket until a matching NOTIFY, the deadline or
 * a stop request.  A NOTIFY sent before the LISTEN is covered by the look
 * at the table; one sent after it is either read while that query runs
 * (libpq keeps it in its queue, which is checked before every poll) or
 * wakes the poll.
 *
 * A notification carries only a tag (notify_tag() on the server: an HMAC
 * of the queue name or upload id), since any role may LISTEN, and any role
 * may send one.  So a notification with the tag waited for is only a hint:
 * the wait looks at the table again and goes back to sleep when it finds
 * nothing.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pr_internal.h"

static const PrStmt st_listen_queue = {"pr_listen_queue", "LISTEN " PR_QUEUE_CHANNEL, 0, {0}};
static const PrStmt st_listen_upload = {"pr_listen_upload", "LISTEN " PR_UPLOAD_CHANNEL, 0, {0}};
static const PrStmt st_notify_tag = {"pr_notify_tag",
	"SELECT pict_repo.notify_tag($1, $2)", 2, {PR_TEXTOID, PR_TEXTOID}};

/* The tag the notifications on channel about key carry (PR_TAG_LEN chars). */
static int
notify_tag(pr_conn *conn, const char *channel, const char *key, char *tag,
		   pr_error *err)
{
	PrParams	p;
	char	   *got = NULL;
	int			rc;

	pri_params_init(&p);
	pri_pp_text(&p, channel);
	pri_pp_text(&p, key);
	rc = pri_exec_text(conn, &st_notify_tag, &p, &got, err);
	if (rc == PR_OK && (!got || strlen(got) != PR_TAG_LEN))
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "notify_tag() returned an unexpected value");
		rc = PR_ERROR;
	}
	else if (rc == PR_NONE)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "notify_tag() returned NULL");
		rc = PR_ERROR;
	}
	if (rc == PR_OK)
		memcpy(tag, got, PR_TAG_LEN + 1);
	free(got);
	return rc;
}

static const PrStmt st_listen_variant = {"pr_listen_variant", "LISTEN " PR_VARIANT_CHANNEL, 0, {0}};
static const PrStmt st_variant_state = {"pr_variant_state",
	"SELECT pict_repo.variant_identifier($1, $2)::text, pict_repo.variant_processing($1, $2)",
2, {PR_BYTEAOID, PR_TEXTOID}};

/* ---- LISTEN and waiting ---------------------------------------------------------- */

/* Run a LISTEN statement unless *done says it ran on this connection. */
static int
listen_once(pr_conn *conn, const PrStmt *stmt, bool *done, pr_error *err)
{
	PrParams	p;
	PGresult   *res;

	/* Behind a transaction pooler a LISTEN would not last: waits poll. */
	if (*done || conn->pooling == PR_POOLING_TRANSACTION)
		return PR_OK;
	pri_params_init(&p);
	res = pri_exec(conn, stmt, &p, -1, err);
	if (!res)
		return PR_ERROR;
	PQclear(res);
	*done = true;
	return PR_OK;
}

/* LISTEN on the queue or the upload channel, once per connection. */
int
pri_listen(pr_conn *conn, bool upload, pr_error *err)
{
	if (upload)
		return listen_once(conn, &st_listen_upload, &conn->listen_upload, err);
	return listen_once(conn, &st_listen_queue, &conn->listen_queue, err);
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drop the notifications libpq has already read. */
static void
drop_notifications(pr_conn *conn)
{
	PGnotify   *n;

	PQconsumeInput(conn->pg);
	while ((n = PQnotifies(conn->pg)) != NULL)
		PQfreemem(n);
}

/*
 * Wait for a NOTIFY on channel with this payload (a tag) until deadline (a
 * monotonic time in ms, or -1 for none).  PR_OK when one came (a hint
 * only: the caller looks again), PR_NONE on timeout or stop, PR_ERROR when
 * the connection failed.
 */
static int
wait_notify(pr_conn *conn, const char *channel, const char *payload,
			int64_t deadline, pr_stop *stop, pr_error *err)
{
	if (conn->pooling == PR_POOLING_TRANSACTION)
		return pri_poll_wait(conn, deadline, stop, err);
	for (;;)
	{
		PGnotify   *n;
		bool		found = false;
		struct pollfd fds[2];
		int			nfds = 1;
		int			timeout;
		int			rc;

		if (!PQconsumeInput(conn->pg))
		{
			pri_set_result_error(err, NULL, conn->pg);
			return PR_ERROR;
		}
		while ((n = PQnotifies(conn->pg)) != NULL)
		{
			if (strcmp(n->relname, channel) == 0 && strcmp(n->extra, payload) == 0)
				found = true;
			PQfreemem(n);
		}
		if (found)
			return PR_OK;
		if (pr_stop_requested(stop))
			return PR_NONE;
		if (deadline < 0)
			timeout = -1;
		else
		{
			int64_t		left = deadline - monotonic_ms();

			if (left <= 0)
				return PR_NONE;
			timeout = left > 86400000 ? 86400000 : (int) left;
		}
		fds[0].fd = PQsocket(conn->pg);
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		if (fds[0].fd < 0)
		{
			pri_set_error(err, PR_SQLSTATE_CONNECTION_LOST, "connection has no socket");
			return PR_ERROR;
		}
		if (stop)
		{
			fds[1].fd = pri_stop_fd(stop);
			fds[1].events = POLLIN;
			fds[1].revents = 0;
			nfds = 2;
		}
		rc = poll(fds, (nfds_t) nfds, timeout);
		if (rc < 0 && errno != EINTR)
		{
			pri_set_error(err, PR_SQLSTATE_CLIENT, "poll failed: %s", strerror(errno));
			return PR_ERROR;
		}
	}
}

/* Wait for runnable jobs of a queue and claim them. */
int
pr_wait_for_job(pr_conn *conn, const char *queue, const pr_uuid *worker,
				int max_jobs, int timeout_ms, pr_stop *stop, pr_job_list **jobs,
				pr_error *err)
{
	int64_t		deadline = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
	pr_job_list *got = NULL;
	char		tag[PR_TAG_LEN + 1];

	if (jobs)
		*jobs = NULL;
	if (!conn || !conn->pg)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "connection is NULL");
		return PR_ERROR;
	}
	if (!queue)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "queue is NULL");
		return PR_ERROR;
	}
	if (pri_listen(conn, false, err) != PR_OK || notify_tag(conn, PR_QUEUE_CHANNEL, queue, tag, err) != PR_OK)
		return PR_ERROR;
	for (;;)
	{
		int			rc;

		/* Whatever was announced so far is covered by the claim below. */
		drop_notifications(conn);
		if (pr_claim_job(conn, queue, worker, max_jobs, &got, err) != PR_OK)
			return PR_ERROR;
		if (got->n > 0)
		{
			if (jobs)
				*jobs = got;
			else
				free(got);
			return PR_OK;
		}
		free(got);
		got = NULL;
		rc = wait_notify(conn, PR_QUEUE_CHANNEL, tag, deadline, stop, err);
		if (rc != PR_OK)
			return rc;
	}
}

/* Wait for the result of an upload (without claiming it). */
int
pr_wait_for_upload(pr_conn *conn, const pr_uuid *id, int timeout_ms,
				   char **result_json, pr_error *err)
{
	int64_t		deadline = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
	char		id_text[PR_UUID_STRLEN];
	char		tag[PR_TAG_LEN + 1];

	if (result_json)
		*result_json = NULL;
	if (!conn || !conn->pg)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "connection is NULL");
		return PR_ERROR;
	}
	if (!id)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "id is NULL");
		return PR_ERROR;
	}
	pr_uuid_format(id, id_text);
	if (pri_listen(conn, true, err) != PR_OK ||
		notify_tag(conn, PR_UPLOAD_CHANNEL, id_text, tag, err) != PR_OK)
		return PR_ERROR;
	for (;;)
	{
		int			rc;

		drop_notifications(conn);
		rc = pr_upload_result(conn, id, result_json, err);
		if (rc != PR_NONE)
			return rc;
		rc = wait_notify(conn, PR_UPLOAD_CHANNEL, tag, deadline, NULL, err);
		if (rc != PR_OK)
			return rc;
	}
}

/*
 * Look at a variant: PR_OK with *identifier once it exists; PR_NONE with
 * *processing telling whether a live lock on generating it remains.
 */
static int
variant_state(pr_conn *conn, const uint8_t *hash, size_t hash_len, const char *variant,
			  char **identifier, bool *processing, pr_error *err)
{
	PrParams	p;
	PGresult   *res;

	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	pri_pp_text(&p, variant);
	res = pri_exec(conn, &st_variant_state, &p, 2, err);
	if (!res)
		return PR_ERROR;
	*processing = !pri_isnull(res, 0, 1) && pri_get_bool(res, 0, 1);
	if (pri_isnull(res, 0, 0))
	{
		PQclear(res);
		return PR_NONE;
	}
	if (identifier && !(*identifier = pri_strdup_value(res, 0, 0, err)))
	{
		PQclear(res);
		return PR_ERROR;
	}
	PQclear(res);
	return PR_OK;
}

/*
 * Wait for a variant another process is generating.  A notification on
 * pict_repo_variant with the variant's tag (notify_tag) is only a reason to
 * look again: the state is read from the tables every time, so a forged or
 * replayed notification costs one look and the wait goes on.
 */
int
pr_wait_for_variant(pr_conn *conn, const uint8_t *hash, size_t hash_len,
					const char *variant, int timeout_ms, char **identifier,
					pr_variant_wait *outcome, pr_error *err)
{
	static const char digits[] = "0123456789abcdef";
	int64_t		deadline = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
	char		tag[PR_TAG_LEN + 1];
	char	   *key;
	int			rc;

	if (identifier)
		*identifier = NULL;
	if (outcome)
		*outcome = PR_VARIANT_TIMEOUT;
	if (!conn || !conn->pg)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "connection is NULL");
		return PR_ERROR;
	}
	if (!hash || !variant)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "hash and variant must not be NULL");
		return PR_ERROR;
	}
	if (hash_len < 1 || hash_len > PR_HASH_MAX)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "hash must be between 1 and %d bytes",
					  PR_HASH_MAX);
		return PR_ERROR;
	}
	/* The key of the tag: the hash in lower-case hex, a colon, the variant. */
	if (!(key = malloc(2 * hash_len + strlen(variant) + 2)))
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return PR_ERROR;
	}
	for (size_t i = 0; i < hash_len; i++)
	{
		key[2 * i] = digits[hash[i] >> 4];
		key[2 * i + 1] = digits[hash[i] & 15];
	}
	key[2 * hash_len] = ':';
	strcpy(key + 2 * hash_len + 1, variant);
	rc = listen_once(conn, &st_listen_variant, &conn->listen_variant, err);
	if (rc == PR_OK)
		rc = notify_tag(conn, PR_VARIANT_CHANNEL, key, tag, err);
	free(key);
	if (rc != PR_OK)
		return PR_ERROR;
	for (;;)
	{
		bool		processing;

		/* Whatever was announced so far is covered by the look below. */
		drop_notifications(conn);
		rc = variant_state(conn, hash, hash_len, variant, identifier, &processing, err);
		if (rc == PR_OK)
		{
			if (outcome)
				*outcome = PR_VARIANT_READY;
			return PR_OK;
		}
		if (rc == PR_ERROR)
			return PR_ERROR;
		if (!processing)
		{
			if (outcome)
				*outcome = PR_VARIANT_RELEASED;
			return PR_NONE;
		}
		rc = wait_notify(conn, PR_VARIANT_CHANNEL, tag, deadline, NULL, err);
		if (rc != PR_OK)
			return rc;
	}
}
