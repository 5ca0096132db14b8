/*
 * t_batch.c: how the pipelined batches commit.  A batch in which every item
 * succeeds is one transaction (every row it wrote has the same xmin); a
 * batch in which an item fails, at its statement or at the commit, is rolled
 * back and run again item by item, so every item gets its own result and
 * each row exists once; inside the caller's transaction the items run item
 * by item in it, as they always did.
 *
 * The batches run as the application role; what they wrote is read from the
 * tables (xmin, counts) on the superuser connection (admin_value), since the
 * application role may not read any table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

#define HASH_LEN 39

/*
 * The first value of a query (formatted) on the superuser connection as an
 * integer; -1 on error.
 */
static long long
count(const char *fmt,...) __attribute__((format(printf, 1, 2)));

static long long
count(const char *fmt,...)
{
	char		query[1024];
	char		buf[64];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(query, sizeof(query), fmt, ap);
	va_end(ap);
	if (!admin_value(query, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

/*
 * How many of the ids that the batch gave its items are rows of job_queue
 * (each id counted once per row with it).
 */
static long long
ids_found(const pr_push_results *res)
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
	if (admin_value(q, buf, sizeof(buf)))
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
push_batches(pr_conn *c)
{
	enum
	{
		N = 300					/* three chunks of the pipeline */
	};
	pr_error	err;
	pr_push_results *res = NULL;
	char		(*json)[32];
	pr_push_item *items = make_jobs("client-commit1", N, &json);
	bool		good = true;
	int			rc;

	/* 1. Every item succeeds: one transaction. */
	items[10].opts.unique_key = "commit1-dup";
	items[260].opts.unique_key = "commit1-dup";	/* in the same transaction */
	rc = pr_push_jobs_pipelined(c, items, N, &res, &err);
	ok(rc == PR_OK && res && res->n == N, "a batch of %d jobs succeeds", N);
	for (size_t i = 0; res && i < res->n; i++)
		if (i != 260 && (res->items[i].rc != PR_OK || pr_uuid_is_nil(&res->items[i].id)))
			good = false;
	ok(good, "every item has its id");
	ok(res && res->items[260].rc == PR_NONE,
	   "a unique key repeated in the batch is PR_NONE, as item by item");
	ok(count("SELECT count(DISTINCT xmin::text) FROM pict_repo.job_queue "
			 "WHERE queue = 'client-commit1'") == 1,
	   "all %d rows were written by one transaction (one xmin)", N - 1);
	ok(res && ids_found(res) == N - 1, "the rows are the items' ids, each once");
	ok(idle(c), "the connection is left outside a transaction");
	{
		pr_conn    *c2 = connect_main();
		int64_t		len = -1;

		ok(pr_queue_length(c2, "client-commit1", &len, &err) == PR_OK && len == N - 1,
		   "the batch is committed: another connection sees its %d jobs", N - 1);
		pr_finish(c2);
	}
	pr_free(res);
	res = NULL;
	free(items);
	free(json);

	/*
	 * 2. An item fails in the middle chunk (an empty queue name): the batch
	 * is rolled back and run again item by item.
	 */
	items = make_jobs("client-rerun1", N, &json);
	items[5].opts.unique_key = "rerun1-dup";
	items[6].opts.unique_key = "rerun1-dup";
	items[250].queue = "";
	rc = pr_push_jobs_pipelined(c, items, N, &res, &err);
	ok(rc == PR_ERROR && strcmp(err.sqlstate, "22023") == 0,
	   "a batch with a bad item reports its error (%s)", err.sqlstate);
	ok(res && res->n == N && res->items[250].rc == PR_ERROR &&
	   strcmp(res->items[250].sqlstate, "22023") == 0 && res->items[250].message &&
	   strstr(res->items[250].message, "queue"),
	   "the bad item carries its SQLSTATE and message");
	good = res != NULL;
	for (size_t i = 0; res && i < res->n; i++)
		if (i != 6 && i != 250 &&
			(res->items[i].rc != PR_OK || pr_uuid_is_nil(&res->items[i].id) ||
			 res->items[i].message != NULL))
			good = false;
	ok(good, "every other item succeeded");
	ok(res && res->items[6].rc == PR_NONE, "the repeated unique key is PR_NONE");
	ok(count("SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'client-rerun1'") == N - 2 &&
	   count("SELECT count(DISTINCT job) FROM pict_repo.job_queue WHERE queue = 'client-rerun1'") == N - 2,
	   "the queue holds the %d jobs once each (no rows of the rolled back attempt)", N - 2);
	ok(res && ids_found(res) == N - 2, "the rows are the ids handed out");
	ok(count("SELECT count(DISTINCT xmin::text) FROM pict_repo.job_queue "
			 "WHERE queue = 'client-rerun1'") == N - 2,
	   "item by item: each row its own transaction");
	ok(idle(c), "the connection is left outside a transaction");
	pr_free(res);
	res = NULL;
	free(items);
	free(json);

	/* 3. The last item of a small batch fails (not JSON). */
	items = make_jobs("client-rerun2", 3, &json);
	items[2].job_json = "{";
	rc = pr_push_jobs_pipelined(c, items, 3, &res, &err);
	ok(rc == PR_ERROR && res && res->items[0].rc == PR_OK && res->items[1].rc == PR_OK &&
	   res->items[2].rc == PR_ERROR && strcmp(res->items[2].sqlstate, "22P02") == 0,
	   "the last item fails alone (%s)", res ? res->items[2].sqlstate : "-");
	ok(count("SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'client-rerun2'") == 2,
	   "the two other jobs are in the queue once each");
	pr_free(res);
	res = NULL;
	free(items);
	free(json);
}

static void
commit_failures(pr_conn *c)
{
	pr_error	err;
	pr_push_results *res = NULL;
	char		(*json)[32];
	pr_push_item *items;
	int			rc;

	/*
	 * A deferred trigger: a job with "reject" fails when it commits.  Made
	 * by the superuser: the application role may create nothing.
	 */
	if (!admin_sql("CREATE FUNCTION public.client_reject() RETURNS trigger "
			 "LANGUAGE plpgsql AS $$BEGIN IF NEW.job ? 'reject' THEN "
			 "RAISE EXCEPTION 'job rejected at commit' USING ERRCODE = '23514'; "
			 "END IF; RETURN NULL; END$$") ||
		!admin_sql("CREATE CONSTRAINT TRIGGER client_reject AFTER INSERT "
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
	ok(count("SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'client-commit-fail'") == 4 &&
	   res && ids_found(res) == 4,
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
	ok(admin_sql("DROP TRIGGER client_reject ON pict_repo.job_queue") &&
	   admin_sql("DROP FUNCTION public.client_reject()"), "drop the trigger");
}

static void
in_transaction(pr_conn *c)
{
	pr_error	err;
	pr_push_results *res = NULL;
	char		(*json)[32];
	pr_push_item *items = make_jobs("client-in-xact", 3, &json);
	int			rc;
	int64_t		len = -1;

	if (!sql(c, "BEGIN"))
	{
		ok(false, "BEGIN");
		free(items);
		free(json);
		return;
	}
	rc = pr_push_jobs_pipelined(c, items, 3, &res, &err);
	ok(rc == PR_OK && res && res->items[2].rc == PR_OK,
	   "a batch in the caller's transaction");
	/* Seen inside the caller's transaction, not yet by anyone else. */
	ok(pr_queue_length(c, "client-in-xact", &len, &err) == PR_OK && len == 3 &&
	   count("SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'client-in-xact'") == 0,
	   "its rows belong to the caller's transaction");
	pr_free(res);
	res = NULL;
	items[1].queue = "";
	rc = pr_push_jobs_pipelined(c, items, 3, &res, &err);
	ok(rc == PR_ERROR && res && res->items[0].rc == PR_OK &&
	   res->items[1].rc == PR_ERROR && strcmp(res->items[1].sqlstate, "22023") == 0 &&
	   res->items[2].rc == PR_ERROR && strcmp(res->items[2].sqlstate, "25P02") == 0,
	   "item by item in the caller's transaction: the error aborts it, the next item gets 25P02");
	ok(PQtransactionStatus(pr_pgconn(c)) == PQTRANS_INERROR,
	   "the caller's transaction is aborted");
	pr_free(res);
	ok(sql(c, "ROLLBACK") &&
	   count("SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'client-in-xact'") == 0,
	   "the caller's ROLLBACK removes the batch");
	free(items);
	free(json);
}

static void
ingest_batches(pr_conn *c)
{
	enum
	{
		M = 10
	};
	pr_error	err;
	pr_ingest_item in[M];
	uint8_t		hashes[M][HASH_LEN];
	char		idents[M][40];
	pr_ingest_results *ir = NULL;
	bool		good = true;
	int			rc;

	/* 1. Every item succeeds: one transaction for the hashes and aliases. */
	memset(in, 0, sizeof(in));
	for (int i = 0; i < M; i++)
	{
		memset(hashes[i], 0, HASH_LEN);
		hashes[i][0] = 0xd5;
		hashes[i][1] = (uint8_t) i;
		snprintf(idents[i], sizeof(idents[i]), "client/commit-%d", i);
		in[i].hash = hashes[i];
		in[i].hash_len = HASH_LEN;
		in[i].identifier = idents[i];
		in[i].details_json = "{\"width\": 4}";
		in[i].extension = "png";
	}
	in[7].hash = hashes[3];		/* the hash of item 3, in the same transaction */
	rc = pr_ingest_batch(c, in, M, &ir, &err);
	ok(rc == PR_OK && ir && ir->n == M, "a batch of %d uploads succeeds", M);
	for (int i = 0; ir && i < M; i++)
		if (ir->items[i].rc != PR_OK || !ir->items[i].alias || !ir->items[i].token ||
			ir->items[i].hash_created != (i != 7))
			good = false;
	ok(good, "every item has its alias and token");
	ok(ir && strcmp(ir->items[7].stored_identifier, "client/commit-3") == 0,
	   "the repeated hash keeps the identifier of the first");
	ok(count("SELECT count(*) FROM pict_repo.aliases "
			 "WHERE substr(hash, 1, 1) = '\\xd5'::bytea") == M &&
	   count("SELECT count(*) FROM pict_repo.hashes "
			 "WHERE substr(hash, 1, 1) = '\\xd5'::bytea") == M - 1,
	   "%d aliases of %d hashes", M, M - 1);
	ok(count("SELECT count(DISTINCT x) FROM ("
			 " SELECT xmin::text AS x FROM pict_repo.aliases"
			 " WHERE substr(hash, 1, 1) = '\\xd5'::bytea"
			 " UNION ALL SELECT xmin::text FROM pict_repo.hashes"
			 " WHERE substr(hash, 1, 1) = '\\xd5'::bytea) s") == 1,
	   "the hashes and aliases were written by one transaction (one xmin)");
	ok(idle(c), "the connection is left outside a transaction");
	pr_free(ir);
	ir = NULL;

	/* 2. An alias taken before the batch: its item fails alone. */
	{
		uint8_t		other[HASH_LEN] = {0xd7};
		pr_ingest_result *one = NULL;

		ok(pr_ingest(c, other, HASH_LEN, "client/rerun-other", "{}", "png",
					 "client-rerun-taken.png", NULL, &one, &err) == PR_OK,
		   "an upload takes an alias");
		pr_free(one);
	}
	for (int i = 0; i < M; i++)
	{
		hashes[i][0] = 0xd6;
		snprintf(idents[i], sizeof(idents[i]), "client/rerun-%d", i);
		in[i].hash = hashes[i];
	}
	in[4].declared_alias = "client-rerun-taken.png";
	in[8].declared_alias = "client-rerun-8.png";
	rc = pr_ingest_batch(c, in, M, &ir, &err);
	ok(rc == PR_ERROR && strcmp(err.sqlstate, "23505") == 0,
	   "the batch reports the taken alias (%s)", err.sqlstate);
	ok(ir && ir->n == M && ir->items[4].rc == PR_ERROR &&
	   strcmp(ir->items[4].sqlstate, "23505") == 0 && ir->items[4].message &&
	   strstr(ir->items[4].message, "already taken"),
	   "the item with the taken alias failed with 23505");
	good = ir != NULL;
	for (int i = 0; ir && i < M; i++)
	{
		if (i == 4)
			continue;
		if (ir->items[i].rc != PR_OK || !ir->items[i].alias || !ir->items[i].hash_created ||
			ir->items[i].message != NULL ||
			count("SELECT count(*) FROM pict_repo.aliases WHERE alias = '%s' "
				  "AND substr(hash, 1, 1) = '\\xd6'::bytea", ir->items[i].alias) != 1)
			good = false;
	}
	ok(good, "every other item succeeded and its alias exists once");
	ok(ir && ir->items[8].alias && strcmp(ir->items[8].alias, "client-rerun-8.png") == 0,
	   "a declared alias is kept");
	ok(count("SELECT count(*) FROM pict_repo.aliases "
			 "WHERE substr(hash, 1, 1) = '\\xd6'::bytea") == M - 1 &&
	   count("SELECT count(*) FROM pict_repo.hashes "
			 "WHERE substr(hash, 1, 1) = '\\xd6'::bytea") == M - 1 &&
	   count("SELECT count(*) FROM pict_repo.details "
			 "WHERE identifier ~ '^client/rerun-[0-9]$'") == M - 1,
	   "%d aliases, hashes and details: none of the failed item, none twice", M - 1);
	ok(count("SELECT count(DISTINCT xmin::text) FROM pict_repo.aliases "
			 "WHERE substr(hash, 1, 1) = '\\xd6'::bytea") == M - 1,
	   "item by item: each alias its own transaction");
	ok(count("SELECT count(*) FROM pict_repo.aliases "
			 "WHERE alias = 'client-rerun-taken.png' AND substr(hash, 1, 1) = '\\xd7'::bytea") == 1,
	   "the taken alias still points at its hash");
	pr_free(ir);
}

void
test_batch_commits(void)
{
	pr_conn    *c = connect_main();
	char	   *v = NULL;
	pr_error	err;

	if (need(c, "batch commits", "push_job", "queue_length", "ingest", NULL))
	{
		push_batches(c);
		commit_failures(c);
		in_transaction(c);
		ingest_batches(c);
		ok(pr_version(c, &v, &err) == PR_OK, "the connection works after the batches");
		pr_free(v);
	}
	pr_finish(c);
}
