/*
 * t_batch.c: how the pipelined batches commit.  An item whose commit fails
 * (here: a deferred trigger) gets the commit's error, and the other items
 * their own results.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

/* The first value of a query (formatted) as an integer; -1 on error. */
static long long
count(pr_conn *c, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static long long
count(pr_conn *c, const char *fmt,...)
{
	char		query[1024];
	char		buf[64];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(query, sizeof(query), fmt, ap);
	va_end(ap);
	if (!sql_value(c, query, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

/*
 * How many of the ids that the batch gave its items are rows of job_queue
 * (each id counted once per row with it).
 */
static long long
ids_found(pr_conn *c, const pr_push_results *res)
{
	size_t		len = 64 + res->n * (PR_UUID_STRLEN + 1);
	char	   *q = malloc(len);
	size_t		at;
	bool		first = true;
	char		buf[64];
	long long	n = -1;

	if (!q)
		return -1;
	at = (size_t) snprintf(q, len, "SELECT count(*) FROM pict_repo.job_queue "
						   "WHERE id = ANY ('{");
	for (size_t i = 0; i < res->n; i++)
	{
		char		id[PR_UUID_STRLEN];

		if (res->items[i].rc != PR_OK)
			continue;
		pr_uuid_format(&res->items[i].id, id);
		at += (size_t) snprintf(q + at, len - at, "%s%s", first ? "" : ",", id);
		first = false;
	}
	snprintf(q + at, len - at, "}'::uuid[])");
	if (sql_value(c, q, buf, sizeof(buf)))
		n = strtoll(buf, NULL, 10);
	free(q);
	return n;
}

/* The transaction status of the connection is idle (nothing left open). */
static bool
idle(pr_conn *c)
{
	return PQtransactionStatus(pr_pgconn(c)) == PQTRANS_IDLE;
}

/* n jobs of one queue, "{"i": <i>}" each. */
static pr_push_item *
make_jobs(const char *queue, size_t n, char (**json)[32])
{
	pr_push_item *items = calloc(n, sizeof(*items));

	*json = calloc(n, 32);
	if (!items || !*json)
		abort();
	for (size_t i = 0; i < n; i++)
	{
		snprintf((*json)[i], 32, "{\"i\": %zu}", i);
		items[i].queue = queue;
		items[i].job_json = (*json)[i];
	}
	return items;
}

static void
commit_failures(pr_conn *c)
{
	pr_error	err;
	pr_push_results *res = NULL;
	char		(*json)[32];
	pr_push_item *items;
	int			rc;

	/* A deferred trigger: a job with "reject" fails when it commits. */
	if (!sql(c, "CREATE FUNCTION public.client_reject() RETURNS trigger "
			 "LANGUAGE plpgsql AS $$BEGIN IF NEW.job ? 'reject' THEN "
			 "RAISE EXCEPTION 'job rejected at commit' USING ERRCODE = '23514'; "
			 "END IF; RETURN NULL; END$$") ||
		!sql(c, "CREATE CONSTRAINT TRIGGER client_reject AFTER INSERT "
			 "ON pict_repo.job_queue DEFERRABLE INITIALLY DEFERRED "
			 "FOR EACH ROW EXECUTE FUNCTION public.client_reject()"))
	{
		ok(false, "set up a trigger that fails at commit");
		return;
	}
	items = make_jobs("client-commit-fail", 5, &json);
	items[3].job_json = "{\"reject\": true}";
	rc = pr_push_jobs_pipelined(c, items, 5, &res, &err);
	ok(rc == PR_ERROR && strcmp(err.sqlstate, "23514") == 0 && res &&
	   res->items[3].rc == PR_ERROR && strcmp(res->items[3].sqlstate, "23514") == 0,
	   "an item whose commit fails gets the commit's error (%s)", err.sqlstate);
	ok(res && res->items[0].rc == PR_OK && res->items[1].rc == PR_OK &&
	   res->items[2].rc == PR_OK && res->items[4].rc == PR_OK,
	   "the other items succeeded");
	ok(count(c, "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'client-commit-fail'") == 4 &&
	   res && ids_found(c, res) == 4,
	   "the queue holds the four other jobs once each");
	pr_free(res);
	res = NULL;

	/* A batch of one is run item by item from the start. */
	rc = pr_push_jobs_pipelined(c, items + 3, 1, &res, &err);
	ok(rc == PR_ERROR && res && res->items[0].rc == PR_ERROR &&
	   strcmp(res->items[0].sqlstate, "23514") == 0,
	   "a single item whose commit fails gets the commit's error (%s)",
	   res ? res->items[0].sqlstate : "-");
	pr_free(res);
	res = NULL;
	ok(idle(c), "the connection is left outside a transaction");
	free(items);
	free(json);
	ok(sql(c, "DROP TRIGGER client_reject ON pict_repo.job_queue") &&
	   sql(c, "DROP FUNCTION public.client_reject()"), "drop the trigger");
}

void
test_batch_commits(void)
{
	pr_conn    *c = connect_main();
	char	   *v = NULL;
	pr_error	err;

	if (need(c, "batch commits", "push_job", "queue_length", NULL))
	{
		commit_failures(c);
		ok(pr_version(c, &v, &err) == PR_OK, "the connection works after the batches");
		pr_free(v);
	}
	pr_finish(c);
}
