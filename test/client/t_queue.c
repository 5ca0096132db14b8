/*
 * t_queue.c: the job queue, maintenance, pipelined batches, LISTEN waits
 * and the worker loop.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define QUEUE_FUNCS "push_job", "claim_job", "heartbeat_job", "complete_job", \
	"complete_and_claim_job", "complete_and_claim_jobs", "fail_job", "queue_length"

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

void
test_queue(void)
{
	pr_conn    *c = connect_main();
	pr_error	err;
	pr_uuid		worker,
				other,
				id1,
				id2,
				id3;
	pr_push_options opts = {0};
	pr_job_list *jobs = NULL;
	pr_fail_outcome outcome;
	int64_t		len = 0;
	int32_t		n32 = 0;
	pr_uuid_list *ids = NULL;
	pr_queue_stats_list *stats = NULL;
	pr_maintenance_result mr;
	const char *batch[] = {"{\"n\": 1}", "{\"n\": 2}", "{\"n\": 3}"};

	pr_uuid_random(&worker);
	pr_uuid_random(&other);

	if (need(c, "job queue", QUEUE_FUNCS, NULL))
	{
		ok(pr_push_job(c, "client-q1", "{\"op\": \"a\"}", NULL, &id1, &err) == PR_OK &&
		   !pr_uuid_is_nil(&id1), "pr_push_job");
		opts.unique_key = "u1";
		ok(pr_push_job(c, "client-q1", "{\"op\": \"b\"}", &opts, &id2, &err) == PR_OK,
		   "pr_push_job with a unique key");
		ok(pr_push_job(c, "client-q1", "{\"op\": \"b2\"}", &opts, &id3, &err) == PR_NONE &&
		   pr_uuid_is_nil(&id3), "pr_push_job with a queued unique key is PR_NONE");
		ok(pr_queue_length(c, "client-q1", &len, &err) == PR_OK && len == 2,
		   "pr_queue_length");
		ok(pr_queue_length(c, NULL, &len, &err) == PR_OK && len >= 2,
		   "pr_queue_length of every queue");
		ok(pr_claim_job(c, "client-q1", &worker, 1, &jobs, &err) == PR_OK && jobs->n == 1 &&
		   memcmp(&jobs->rows[0].id, &id1, sizeof(id1)) == 0 &&
		   strcmp(jobs->rows[0].job, "{\"op\": \"a\"}") == 0 && jobs->rows[0].attempt >= 0,
		   "pr_claim_job takes the oldest with its JSON");
		pr_free(jobs);
		jobs = NULL;
		ok(pr_heartbeat_job(c, &id1, &worker, &err) == PR_OK, "pr_heartbeat_job");
		ok(pr_heartbeat_job(c, &id1, &other, &err) == PR_NONE,
		   "pr_heartbeat_job by another worker is PR_NONE");
		ok(pr_complete_and_claim_job(c, &id1, &worker, "client-q1", 5, &jobs, &err) == PR_OK &&
		   jobs->n == 1 && memcmp(&jobs->rows[0].id, &id2, sizeof(id2)) == 0,
		   "pr_complete_and_claim_job completes and claims the next");
		pr_free(jobs);
		jobs = NULL;
		ok(pr_complete_job(c, &id1, &worker, &err) == PR_NONE,
		   "pr_complete_job of a completed job is PR_NONE");
		ok(pr_fail_job(c, &id2, &worker, "boom", 0, &outcome, &err) == PR_OK &&
		   outcome == PR_FAIL_RETRY, "pr_fail_job with attempts left is a retry");
		ok(pr_claim_job(c, "client-q1", &worker, 1, &jobs, &err) == PR_OK && jobs->n == 1 &&
		   memcmp(&jobs->rows[0].id, &id2, sizeof(id2)) == 0,
		   "the retried job (retry_in 0) is claimed again");
		pr_free(jobs);
		jobs = NULL;
		ok(pr_complete_job(c, &id2, &worker, &err) == PR_OK, "pr_complete_job");
		ok(pr_fail_job(c, &id2, &worker, "late", PR_NO_INTERVAL, &outcome, &err) == PR_NONE &&
		   outcome == PR_FAIL_NOT_HELD, "pr_fail_job of a job not held is PR_NONE");

		/* Priority first, then age. */
		memset(&opts, 0, sizeof(opts));
		pr_push_job(c, "client-q2", "{\"p\": 0}", NULL, &id1, &err);
		opts.priority = 10;
		pr_push_job(c, "client-q2", "{\"p\": 10}", &opts, &id2, &err);
		ok(pr_claim_job(c, "client-q2", &worker, 1, &jobs, &err) == PR_OK && jobs->n == 1 &&
		   memcmp(&jobs->rows[0].id, &id2, sizeof(id2)) == 0,
		   "pr_claim_job takes the highest priority first");
		pr_free(jobs);
		jobs = NULL;
		pr_complete_job(c, &id2, &worker, &err);

		/* Scheduled in the future: not claimable. */
		memset(&opts, 0, sizeof(opts));
		opts.run_at = pr_now() + INT64_C(3600000000);
		ok(pr_push_job(c, "client-q3", "{}", &opts, &id3, &err) == PR_OK,
		   "pr_push_job with run_at in an hour");
		ok(pr_claim_job(c, "client-q3", &worker, 1, &jobs, &err) == PR_OK && jobs->n == 0,
		   "a scheduled job is not claimed early");
		pr_free(jobs);
		jobs = NULL;
		ok(pr_cancel_job(c, &id3, &err) == PR_OK, "pr_cancel_job");
		ok(pr_cancel_job(c, &id3, &err) == PR_NONE, "pr_cancel_job again is PR_NONE");

		/* Out of attempts: dead, then retried. */
		memset(&opts, 0, sizeof(opts));
		opts.max_attempts = 1;
		pr_push_job(c, "client-q4", "{}", &opts, &id1, &err);
		pr_claim_job(c, "client-q4", &worker, 1, &jobs, &err);
		pr_free(jobs);
		jobs = NULL;
		ok(pr_fail_job(c, &id1, &worker, "fatal", PR_NO_INTERVAL, &outcome, &err) == PR_OK &&
		   outcome == PR_FAIL_DEAD, "pr_fail_job without attempts left is dead");
		if (need(c, "dead jobs", "retry_dead_job", NULL))
		{
			pr_dead_job_list *dead = NULL;
			bool		found = false;

			ok(pr_dead_jobs(c, "client-q4", 10, NULL, &dead, &err) == PR_OK && dead->n == 1,
			   "pr_dead_jobs lists the dead job");
			for (size_t i = 0; dead && i < dead->n; i++)
				found = memcmp(&dead->rows[i].id, &id1, sizeof(id1)) == 0 &&
					strcmp(dead->rows[i].queue, "client-q4") == 0 &&
					dead->rows[i].last_error && strcmp(dead->rows[i].last_error, "fatal") == 0 &&
					dead->rows[i].died_at != PR_NO_TIME;
			ok(found, "with its id, queue, error and time of death");
			if (dead && dead->n == 1)
			{
				pr_dead_job_list *next = NULL;

				ok(pr_dead_jobs(c, NULL, 10, &dead->rows[0].id, &next, &err) == PR_OK,
				   "pr_dead_jobs next page");
				pr_free(next);
			}
			pr_free(dead);
			is_error(pr_dead_jobs(c, NULL, 0, NULL, &dead, &err), &err, "22023",
					 "pr_dead_jobs with lim 0");
			ok(pr_retry_dead_job(c, &id1, &err) == PR_OK, "pr_retry_dead_job");
			ok(pr_retry_dead_job(c, &id1, &err) == PR_NONE, "pr_retry_dead_job again is PR_NONE");
		}

		is_error(pr_push_job(c, "", "{}", NULL, &id1, &err), &err, "22023",
				 "pr_push_job with an empty queue");
		is_error(pr_push_job(c, "client-q1", NULL, NULL, &id1, &err), &err, "22023",
				 "pr_push_job with a NULL job");
		is_error(pr_push_job(c, "client-q1", "{oops", NULL, &id1, &err), &err, "22P02",
				 "pr_push_job with bad JSON");
		is_error(pr_claim_job(c, "client-q1", &worker, 0, &jobs, &err), &err, "22023",
				 "pr_claim_job with max_jobs 0");
		is_error(pr_claim_job(c, "client-q1", NULL, 1, &jobs, &err), &err, "22023",
				 "pr_claim_job with a NULL worker");
		is_error(pr_heartbeat_job(c, NULL, &worker, &err), &err, "22023",
				 "pr_heartbeat_job with a NULL id");
	}

	if (need(c, "push_jobs", "push_jobs", "queue_length", NULL))
	{
		ok(pr_push_jobs(c, "client-q5", batch, 3, &ids, &err) == PR_OK && ids->n == 3 &&
		   !pr_uuid_is_nil(&ids->ids[2]), "pr_push_jobs pushes a jsonb[]");
		pr_free(ids);
		ok(pr_queue_length(c, "client-q5", &len, &err) == PR_OK && len == 3,
		   "the three are queued");
		is_error(pr_push_jobs(c, "", batch, 3, &ids, &err), &err, "22023",
				 "pr_push_jobs with an empty queue");
	}

	if (need(c, "complete_jobs", "complete_jobs", "push_jobs", "claim_job", NULL))
	{
		pr_uuid_list *done = NULL;
		pr_uuid		mixed[4];
		bool		all_ours = true;

		pr_push_jobs(c, "client-q6", batch, 3, &ids, &err);
		pr_free(ids);
		ids = NULL;
		ok(pr_claim_job(c, "client-q6", &worker, 3, &jobs, &err) == PR_OK && jobs->n == 3,
		   "a batch of three claimed");
		/* two of the batch, an unknown id, and the third claimed by nobody else */
		mixed[0] = jobs->rows[0].id;
		mixed[1] = jobs->rows[1].id;
		pr_uuid_random(&mixed[2]);
		mixed[3] = jobs->rows[1].id;
		ok(pr_complete_jobs(c, mixed, 4, &other, &done, &err) == PR_OK && done->n == 0,
		   "pr_complete_jobs by another worker completes nothing");
		pr_free(done);
		done = NULL;
		ok(pr_complete_jobs(c, mixed, 4, &worker, &done, &err) == PR_OK && done->n == 2,
		   "pr_complete_jobs completes the held jobs, each once");
		for (size_t i = 0; done && i < done->n; i++)
			all_ours = all_ours &&
				(memcmp(&done->ids[i], &mixed[0], sizeof(pr_uuid)) == 0 ||
				 memcmp(&done->ids[i], &mixed[1], sizeof(pr_uuid)) == 0);
		ok(all_ours, "pr_complete_jobs returns the ids it completed");
		pr_free(done);
		done = NULL;
		ok(pr_complete_jobs(c, &jobs->rows[2].id, 1, &worker, NULL, &err) == PR_OK,
		   "pr_complete_jobs without a result list");
		ok(pr_queue_length(c, "client-q6", &len, &err) == PR_OK && len == 0,
		   "the whole batch is done");
		ok(pr_complete_jobs(c, NULL, 0, &worker, &done, &err) == PR_OK && done->n == 0,
		   "pr_complete_jobs of an empty batch");
		pr_free(done);
		done = NULL;
		is_error(pr_complete_jobs(c, NULL, 2, &worker, &done, &err), &err, "22023",
				 "pr_complete_jobs with NULL ids");
		pr_free(jobs);
		jobs = NULL;
	}

	if (need(c, "complete_and_claim_jobs", "complete_and_claim_jobs", "push_jobs", "claim_job",
			 NULL))
	{
		pr_uuid		held[3];

		pr_push_jobs(c, "client-q7", batch, 3, &ids, &err);
		pr_free(ids);
		ids = NULL;
		ok(pr_claim_job(c, "client-q7", &worker, 2, &jobs, &err) == PR_OK && jobs->n == 2,
		   "a batch of two claimed");
		held[0] = jobs->rows[0].id;
		held[1] = jobs->rows[1].id;
		pr_uuid_random(&held[2]);
		pr_free(jobs);
		jobs = NULL;
		ok(pr_complete_and_claim_jobs(c, held, 3, &worker, "client-q7", 5, &jobs, &err) == PR_OK &&
		   jobs->n == 1, "pr_complete_and_claim_jobs completes the batch and claims the rest");
		ok(pr_complete_job(c, &held[0], &worker, &err) == PR_NONE &&
		   pr_complete_job(c, &held[1], &worker, &err) == PR_NONE,
		   "the batch's jobs are completed");
		held[0] = jobs->rows[0].id;
		pr_free(jobs);
		jobs = NULL;
		ok(pr_complete_and_claim_jobs(c, held, 1, &other, "client-q7", 5, &jobs, &err) == PR_OK &&
		   jobs->n == 0, "another worker's call completes nothing and claims nothing");
		pr_free(jobs);
		jobs = NULL;
		ok(pr_complete_and_claim_jobs(c, held, 1, &worker, "client-q7", 1, &jobs, &err) == PR_OK &&
		   jobs->n == 0 && pr_queue_length(c, "client-q7", &len, &err) == PR_OK && len == 0,
		   "the last one completed, nothing left to claim");
		pr_free(jobs);
		jobs = NULL;
		is_error(pr_complete_and_claim_jobs(c, NULL, 2, &worker, "client-q7", 1, &jobs, &err),
				 &err, "22023", "pr_complete_and_claim_jobs with NULL done");
		is_error(pr_complete_and_claim_jobs(c, held, 1, &worker, "client-q7", 0, &jobs, &err),
				 &err, "22023", "pr_complete_and_claim_jobs with max_jobs 0");
	}

	if (need(c, "requeue_stale", "requeue_stale", "claim_job", NULL))
	{
		pr_claim_job(c, "client-q5", &worker, 1, &jobs, &err);
		pr_free(jobs);
		jobs = NULL;
		ok(pr_requeue_stale(c, 0, &n32, &err) == PR_OK && n32 >= 1,
		   "pr_requeue_stale with timeout 0 requeues the running job");
		ok(pr_requeue_stale(c, PR_NO_INTERVAL, &n32, &err) == PR_OK && n32 == 0,
		   "pr_requeue_stale with the default timeout requeues nothing");
	}

	if (need(c, "queue_stats", "queue_stats", "average_time_to_completion", NULL))
	{
		int64_t		avg;
		int			rc;
		bool		found = false;

		ok(pr_queue_stats(c, &stats, &err) == PR_OK && stats->n >= 1, "pr_queue_stats");
		for (size_t i = 0; stats && i < stats->n; i++)
			if (strcmp(stats->rows[i].queue, "client-q5") == 0)
				found = stats->rows[i].pending + stats->rows[i].scheduled +
					stats->rows[i].running == 3 && stats->rows[i].dead == 0;
		ok(found, "pr_queue_stats counts the jobs of a queue");
		pr_free(stats);
		rc = pr_average_time_to_completion(c, "client-q1", pr_now() - INT64_C(3600000000),
										   pr_now() + INT64_C(60000000), &avg, &err);
		ok(rc == PR_OK && avg >= 0, "pr_average_time_to_completion");
		rc = pr_average_time_to_completion(c, "client-none", pr_now() - 1000000, pr_now(),
										   &avg, &err);
		ok((rc == PR_NONE && avg == PR_NO_INTERVAL) || (rc == PR_OK && avg == 0),
		   "pr_average_time_to_completion of an idle queue is PR_NONE (or zero)");
	}

	if (need(c, "run_maintenance", "run_maintenance", NULL))
		ok(pr_run_maintenance(c, &mr, &err) == PR_OK && mr.requeued >= 0,
		   "pr_run_maintenance");
	pr_finish(c);
}

void
test_batches(void)
{
	pr_conn    *c = connect_main();
	pr_error	err;
	enum
	{
		N = 300
	};
	pr_push_item *items = calloc(N, sizeof(*items));
	char	  (*jobs)[32] = calloc(N, 32);
	pr_push_results *res = NULL;
	int64_t		len = 0;
	char	   *v = NULL;
	bool		good = true;
	int			rc;

	if (need(c, "pipelined push", "push_job", "queue_length", NULL))
	{
		for (int i = 0; i < N; i++)
		{
			snprintf(jobs[i], 32, "{\"i\": %d}", i);
			items[i].queue = "client-batch";
			items[i].job_json = jobs[i];
		}
		items[100].queue = "";	/* a bad item */
		items[200].opts.unique_key = "batch-dup";
		items[201].opts.unique_key = "batch-dup";
		rc = pr_push_jobs_pipelined(c, items, N, &res, &err);
		ok(rc == PR_ERROR && strcmp(err.sqlstate, "22023") == 0,
		   "pr_push_jobs_pipelined reports the first item error (%s)", err.sqlstate);
		ok(res && res->n == N, "one result per item");
		for (int i = 0; res && i < N; i++)
			if (i != 100 && i != 201 && (res->items[i].rc != PR_OK || pr_uuid_is_nil(&res->items[i].id)))
				good = false;
		ok(good, "every other item was pushed");
		ok(res && res->items[100].rc == PR_ERROR &&
		   strcmp(res->items[100].sqlstate, "22023") == 0 && res->items[100].message &&
		   strstr(res->items[100].message, "queue") != NULL,
		   "the bad item carries its SQLSTATE and message (%s)",
		   res && res->items[100].message ? res->items[100].message : "NULL");
		ok(res && res->items[201].rc == PR_NONE,
		   "the duplicate unique key is PR_NONE in the same batch");
		ok(pr_queue_length(c, "client-batch", &len, &err) == PR_OK && len == N - 2,
		   "the queue holds the %d pushed jobs", N - 2);
		pr_free(res);
		res = NULL;
		ok(pr_version(c, &v, &err) == PR_OK, "the connection works after the pipeline");
		pr_free(v);
		ok(pr_push_jobs_pipelined(c, items, 0, &res, &err) == PR_OK && res && res->n == 0,
		   "an empty batch");
		pr_free(res);
	}

	if (need(c, "pipelined ingest", "ingest", NULL))
	{
		enum
		{
			M = 20
		};
		pr_ingest_item in[M];
		uint8_t		hashes[M][39];
		char		idents[M][32];
		pr_ingest_results *ir = NULL;

		memset(in, 0, sizeof(in));
		for (int i = 0; i < M; i++)
		{
			memset(hashes[i], 0, 39);
			hashes[i][0] = 0xb7;
			hashes[i][1] = (uint8_t) i;
			snprintf(idents[i], 32, "client/batch-%d", i);
			in[i].hash = hashes[i];
			in[i].hash_len = 39;
			in[i].identifier = idents[i];
			in[i].details_json = "{\"width\": 8}";
			in[i].extension = "webp";
		}
		in[5].declared_alias = "client-batch-alias.webp";
		in[6].declared_alias = "client-batch-alias.webp";	/* taken by item 5 */
		in[7].hash = hashes[3];		/* the same hash as item 3 */
		rc = pr_ingest_batch(c, in, M, &ir, &err);
		ok(rc == PR_ERROR && strcmp(err.sqlstate, "23505") == 0,
		   "pr_ingest_batch reports the taken alias (%s)", err.sqlstate);
		ok(ir && ir->n == M && ir->items[0].rc == PR_OK && ir->items[0].hash_created &&
		   ir->items[0].alias && ir->items[0].token &&
		   strcmp(ir->items[0].stored_identifier, "client/batch-0") == 0,
		   "pr_ingest_batch items carry alias, token and identifier");
		ok(ir && ir->items[6].rc == PR_ERROR && strcmp(ir->items[6].sqlstate, "23505") == 0,
		   "the item with the taken alias failed alone");
		ok(ir && ir->items[7].rc == PR_OK && !ir->items[7].hash_created &&
		   strcmp(ir->items[7].stored_identifier, "client/batch-3") == 0,
		   "a repeated hash keeps the first identifier");
		ok(ir && ir->items[5].rc == PR_OK && ir->items[8].rc == PR_OK && ir->items[M - 1].rc == PR_OK,
		   "the items after the failure ran");
		pr_free(ir);
	}
	free(items);
	free(jobs);
	pr_finish(c);
}

/* A helper thread: after delay_ms, push a job or complete an upload or stop. */
typedef struct Delayed
{
	int			delay_ms;
	const char *queue;			/* push a job to it */
	const pr_uuid *upload;		/* or complete it */
	pr_stop    *stop;			/* or request the stop */
	const char *sql;			/* or run this (a forged NOTIFY) */
	int			rc;
} Delayed;

static void *
delayed_main(void *arg)
{
	Delayed    *d = arg;
	pr_error	err;
	pr_conn    *c;

	sleep_ms(d->delay_ms);
	if (d->stop)
	{
		pr_worker_stop(d->stop);
		d->rc = PR_OK;
		return NULL;
	}
	c = pr_connect(db_main, &err);
	if (!c)
	{
		d->rc = PR_ERROR;
		return NULL;
	}
	if (d->sql)
		d->rc = sql(c, d->sql) ? PR_OK : PR_ERROR;
	else if (d->queue)
		d->rc = pr_push_job(c, d->queue, "{\"late\": true}", NULL, NULL, &err);
	else
		d->rc = pr_complete_upload(c, d->upload, "{\"done\": 1}", &err);
	pr_finish(c);
	return NULL;
}

/*
 * Notifications carry a tag, not the queue name or upload id (any role may
 * LISTEN), and a forged one with the right tag (any role may NOTIFY, and a
 * listener may replay a tag it saw) only makes a wait look again.
 */
static void
test_notification_tags(pr_conn *c, const pr_uuid *worker)
{
	pr_conn    *c2 = connect_main();
	pr_error	err;
	pr_uuid		up;
	pr_job_list *jobs = NULL;
	pthread_t	th;
	Delayed		d;
	PGnotify   *n;
	char		tag[64] = "";
	char		forge[256];
	char		id[PR_UUID_STRLEN];
	char	   *j = NULL;
	int			seen = 0;
	int			rc;

	/* What a listener sees of a push: the tag of the queue, nothing more. */
	sql(c2, "LISTEN pict_repo_queue");
	pr_push_job(c, "client-tag", "{}", NULL, NULL, &err);
	sql_value(c2, "SELECT pict_repo.notify_tag('pict_repo_queue', 'client-tag')", tag, sizeof(tag));
	PQconsumeInput(pr_pgconn(c2));
	while ((n = PQnotifies(pr_pgconn(c2))) != NULL)
	{
		if (strcmp(n->relname, "pict_repo_queue") == 0 && strcmp(n->extra, tag) == 0)
			seen++;
		else
			diag("unexpected notification %s: %s", n->relname, n->extra);
		PQfreemem(n);
	}
	if (tap_pooled())
		skip("LISTEN needs a session", "a push notifies with the queue's tag, not its name");
	else
		ok(seen == 1 && strlen(tag) == 16 && strstr(tag, "client") == NULL,
		   "a push notifies with the queue's tag (%s), not its name", tag);
	sql(c2, "UNLISTEN *");

	/* A forged notification with the right tag: the wait looks, finds no job, times out. */
	snprintf(forge, sizeof(forge),
			 "NOTIFY pict_repo_queue, '%s'", tag);
	pr_claim_job(c, "client-tag", worker, 10, &jobs, &err);	/* empty the queue */
	pr_free(jobs);
	jobs = NULL;
	memset(&d, 0, sizeof(d));
	d.delay_ms = 200;
	d.sql = forge;
	pthread_create(&th, NULL, delayed_main, &d);
	rc = pr_wait_for_job(c, "client-tag", worker, 1, 1500, NULL, &jobs, &err);
	pthread_join(th, NULL);
	ok(d.rc == PR_OK && rc == PR_NONE && jobs == NULL,
	   "a forged queue notification with the right tag does not make pr_wait_for_job return a job");
	pr_free(jobs);
	jobs = NULL;

	/* The same for an upload: the old payload (its id) and a forged tag. */
	pr_create_upload(c, &up, &err);
	pr_uuid_format(&up, id);
	snprintf(forge, sizeof(forge),
			 "SELECT pg_notify('pict_repo_upload', '%s'), "
			 "pg_notify('pict_repo_upload', pict_repo.notify_tag('pict_repo_upload', '%s'))",
			 id, id);
	memset(&d, 0, sizeof(d));
	d.delay_ms = 200;
	d.sql = forge;
	pthread_create(&th, NULL, delayed_main, &d);
	rc = pr_wait_for_upload(c, &up, 1500, &j, &err);
	pthread_join(th, NULL);
	ok(d.rc == PR_OK && rc == PR_NONE && j == NULL,
	   "forged upload notifications do not make pr_wait_for_upload return a result");
	pr_free(j);
	pr_finish(c2);
}

void
test_waits(void)
{
	pr_conn    *c = connect_main();
	pr_conn    *c2;
	pr_error	err;
	pr_uuid		worker,
				up;
	pr_job_list *jobs = NULL;
	pthread_t	th;
	Delayed		d;
	int64_t		t;
	int			rc;
	char	   *j = NULL;
	pr_stop    *stop = pr_stop_new(&err);

	pr_uuid_random(&worker);

	/* Uploads: on main already. */
	pr_create_upload(c, &up, &err);
	t = mono_ms();
	rc = pr_wait_for_upload(c, &up, 300, &j, &err);
	t = mono_ms() - t;
	ok(rc == PR_NONE && j == NULL && t >= 250, "pr_wait_for_upload times out (%lld ms)",
	   (long long) t);
	memset(&d, 0, sizeof(d));
	d.delay_ms = 300;
	d.upload = &up;
	pthread_create(&th, NULL, delayed_main, &d);
	t = mono_ms();
	rc = pr_wait_for_upload(c, &up, 20000, &j, &err);
	t = mono_ms() - t;
	pthread_join(th, NULL);
	ok(rc == PR_OK && j && strcmp(j, "{\"done\": 1}") == 0 && t < 15000,
	   "pr_wait_for_upload wakes on the NOTIFY of a completion while waiting (%lld ms)",
	   (long long) t);
	pr_free(j);
	j = NULL;
	/* Completed before the wait started (its NOTIFY long gone). */
	c2 = connect_main();
	t = mono_ms();
	rc = pr_wait_for_upload(c2, &up, 20000, &j, &err);
	t = mono_ms() - t;
	ok(rc == PR_OK && j != NULL && t < 5000,
	   "pr_wait_for_upload of an upload completed before LISTEN returns at once");
	pr_free(j);
	j = NULL;
	pr_claim_upload(c, &up, &j, &err);
	pr_free(j);
	j = NULL;
	is_error(pr_wait_for_upload(c2, &up, 100, &j, &err), &err, "P0002",
			 "pr_wait_for_upload of an unknown upload");
	pr_finish(c2);

	if (need(c, "wait for jobs", "push_job", "claim_job", NULL))
	{
		/* A job pushed before the wait (before this connection's LISTEN). */
		c2 = connect_main();
		pr_push_job(c, "client-wait1", "{\"early\": true}", NULL, NULL, &err);
		t = mono_ms();
		rc = pr_wait_for_job(c2, "client-wait1", &worker, 1, 20000, NULL, &jobs, &err);
		t = mono_ms() - t;
		ok(rc == PR_OK && jobs && jobs->n == 1 &&
		   strcmp(jobs->rows[0].job, "{\"early\": true}") == 0 && t < 5000,
		   "pr_wait_for_job finds a job pushed before LISTEN at once (%lld ms)", (long long) t);
		pr_free(jobs);
		jobs = NULL;
		pr_finish(c2);

		/* Empty queue: times out. */
		t = mono_ms();
		rc = pr_wait_for_job(c, "client-wait2", &worker, 1, 300, NULL, &jobs, &err);
		t = mono_ms() - t;
		ok(rc == PR_NONE && jobs == NULL && t >= 250, "pr_wait_for_job times out (%lld ms)",
		   (long long) t);

		/* A job pushed while waiting, after a push to another queue. */
		memset(&d, 0, sizeof(d));
		d.delay_ms = 100;
		d.queue = "client-wait-other";
		pthread_create(&th, NULL, delayed_main, &d);
		pthread_join(th, NULL);
		memset(&d, 0, sizeof(d));
		d.delay_ms = 400;
		d.queue = "client-wait3";
		pthread_create(&th, NULL, delayed_main, &d);
		t = mono_ms();
		rc = pr_wait_for_job(c, "client-wait3", &worker, 1, 20000, NULL, &jobs, &err);
		t = mono_ms() - t;
		pthread_join(th, NULL);
		ok(rc == PR_OK && jobs && jobs->n == 1 &&
		   strcmp(jobs->rows[0].job, "{\"late\": true}") == 0 && t >= 200 && t < 15000,
		   "pr_wait_for_job wakes on the NOTIFY of a push while waiting (%lld ms)",
		   (long long) t);
		pr_free(jobs);
		jobs = NULL;

		/* A stop request ends an endless wait. */
		memset(&d, 0, sizeof(d));
		d.delay_ms = 300;
		d.stop = stop;
		pthread_create(&th, NULL, delayed_main, &d);
		t = mono_ms();
		rc = pr_wait_for_job(c, "client-wait4", &worker, 1, -1, stop, &jobs, &err);
		t = mono_ms() - t;
		pthread_join(th, NULL);
		ok(rc == PR_NONE && jobs == NULL && t < 15000,
		   "pr_worker_stop ends an endless pr_wait_for_job (%lld ms)", (long long) t);
		pr_stop_reset(stop);
		ok(!pr_stop_requested(stop), "pr_stop_reset clears the request");
		is_error(pr_wait_for_job(c, "", &worker, 1, 100, NULL, &jobs, &err), &err, "22023",
				 "pr_wait_for_job with an empty queue name");
		test_notification_tags(c, &worker);
	}
	pr_stop_free(stop);
	pr_finish(c);
}

/* ---- the worker loop ------------------------------------------------------------ */

typedef struct Seen
{
	int			handled;
	int			failed;
	bool		heartbeat_advanced;
	bool		stop_after_first;
	pr_stop    *stop;
	int			own_heartbeat;
	int			stolen_heartbeat;
	bool		lost;
	bool		worker_matches;
	bool		stop_seen;
	pr_uuid		worker;
	int			running_seen;	/* jobs of client-work6 running in "pending" */
	char		conns_query[200];	/* counts the application role's backends */
	char		conns_in_handler[32];	/* its answer in a "conns" job */
	bool		pending_beat;	/* a finished job's heartbeat moved meanwhile */
} Seen;

static int
handler(pr_job_ctx *ctx, const pr_job *job, void *user)
{
	Seen	   *seen = user;

	seen->handled++;
	if (strstr(job->job, "slow"))
	{
		/* Watch the heartbeat thread move the heartbeat while we work. */
		char		q[200],
					a[64] = "",
					b[64] = "";
		char		id[PR_UUID_STRLEN];

		pr_uuid_format(&job->id, id);
		snprintf(q, sizeof(q),
				 "SELECT heartbeat FROM pict_repo.job_queue WHERE id = '%s'", id);
		admin_value(q, a, sizeof(a));
		sleep_ms(900);
		admin_value(q, b, sizeof(b));
		seen->heartbeat_advanced = a[0] && b[0] && strcmp(a, b) != 0;
		if (!seen->heartbeat_advanced)
			diag("heartbeat before '%s' after '%s'", a, b);
	}
	if (strstr(job->job, "conns"))
		admin_value(seen->conns_query, seen->conns_in_handler, sizeof(seen->conns_in_handler));
	if (strstr(job->job, "pending"))
	{
		/*
		 * The jobs of the batch that finished before this one are completed
		 * after the batch: still running now, and the heartbeat thread keeps
		 * beating for them.
		 */
		const char *q = "SELECT heartbeat FROM pict_repo.job_queue "
			"WHERE queue = 'client-work6' AND job->>'n' = '1'";
		char		n[32] = "",
					a[64] = "",
					b[64] = "";

		admin_value("SELECT count(*) FROM pict_repo.job_queue "
					"WHERE queue = 'client-work6' AND status = 'running'", n, sizeof(n));
		seen->running_seen = atoi(n);
		admin_value(q, a, sizeof(a));
		sleep_ms(900);
		admin_value(q, b, sizeof(b));
		seen->pending_beat = a[0] && b[0] && strcmp(a, b) != 0;
		if (!seen->pending_beat)
			diag("heartbeat of a finished job before '%s' after '%s'", a, b);
	}
	if (strstr(job->job, "steal"))
	{
		/*
		 * Another worker takes the job over (written into the table by the
		 * superuser): our heartbeat must say so.
		 */
		pr_error	err;
		char		q[200];
		char		id[PR_UUID_STRLEN];

		seen->own_heartbeat = pr_job_heartbeat(ctx, &err);
		pr_uuid_format(&job->id, id);
		snprintf(q, sizeof(q), "UPDATE pict_repo.job_queue SET worker = "
				 "'00000000-0000-4000-8000-000000000001' WHERE id = '%s'", id);
		admin_sql(q);
		seen->stolen_heartbeat = pr_job_heartbeat(ctx, &err);
		seen->lost = pr_job_lost(ctx);
		seen->worker_matches = memcmp(pr_job_worker(ctx), &seen->worker, sizeof(pr_uuid)) == 0;
		seen->stop_seen = pr_job_stop_requested(ctx);
		pr_job_set_retry_in(ctx, 0);
		return 0;
	}
	if (seen->stop_after_first)
		pr_worker_stop(seen->stop);
	if (strstr(job->job, "fail"))
	{
		seen->failed++;
		pr_job_set_error(ctx, "boom %d", seen->failed);
		return 1;
	}
	return pr_job_lost(ctx) ? 1 : 0;
}

typedef struct RunArgs
{
	const char *queue;
	pr_worker_options opts;
	int			rc;
	pr_error	err;
} RunArgs;

static void *
run_main(void *arg)
{
	RunArgs    *r = arg;
	pr_conn    *c = pr_connect(db_main, &r->err);

	if (!c)
	{
		r->rc = PR_ERROR;
		return NULL;
	}
	r->rc = pr_worker_run(c, r->queue, &r->opts, &r->err);
	pr_finish(c);
	return NULL;
}

/* Several workers in threads, one connection each: every job exactly once. */
typedef struct Pool
{
	pthread_mutex_t mutex;
	int			seen[64];
	int			total;
} Pool;

static int
pool_handler(pr_job_ctx *ctx, const pr_job *job, void *user)
{
	Pool	   *pool = user;
	const char *p = strstr(job->job, "\"k\": ");
	int			k = p ? atoi(p + 5) : -1;

	(void) ctx;
	pthread_mutex_lock(&pool->mutex);
	if (k >= 0 && k < 64)
		pool->seen[k]++;
	pool->total++;
	pthread_mutex_unlock(&pool->mutex);
	sleep_ms(5);
	return 0;
}

static void
test_worker_pool(pr_conn *c)
{
	enum
	{
		THREADS = 4,
		JOBS = 40
	};
	pr_push_item items[JOBS];
	char		jobs[JOBS][32];
	pr_push_results *res = NULL;
	pr_error	err;
	Pool		pool;
	RunArgs		ra[THREADS];
	pthread_t	th[THREADS];
	bool		once = true;

	memset(items, 0, sizeof(items));
	for (int i = 0; i < JOBS; i++)
	{
		snprintf(jobs[i], sizeof(jobs[i]), "{\"k\": %d}", i);
		items[i].queue = "client-pool";
		items[i].job_json = jobs[i];
	}
	pr_push_jobs_pipelined(c, items, JOBS, &res, &err);
	pr_free(res);
	memset(&pool, 0, sizeof(pool));
	pthread_mutex_init(&pool.mutex, NULL);
	for (int t = 0; t < THREADS; t++)
	{
		memset(&ra[t], 0, sizeof(ra[t]));
		ra[t].queue = "client-pool";
		ra[t].opts.handler = pool_handler;
		ra[t].opts.user_data = &pool;
		ra[t].opts.batch_size = 3;
		ra[t].opts.heartbeat_interval_ms = 1000;
		ra[t].opts.exit_when_idle = true;
		pthread_create(&th[t], NULL, run_main, &ra[t]);
	}
	for (int t = 0; t < THREADS; t++)
	{
		pthread_join(th[t], NULL);
		if (ra[t].rc != PR_OK)
			once = false;
	}
	for (int i = 0; i < JOBS; i++)
		if (pool.seen[i] != 1)
			once = false;
	ok(once && pool.total == JOBS,
	   "%d workers in threads (a connection each) run each of %d jobs exactly once",
	   THREADS, JOBS);
	pthread_mutex_destroy(&pool.mutex);
}

/*
 * A handler that finishes its jobs itself (pr_job_complete, pr_job_fail) and
 * records what became of them; the job "cancel" is cancelled (by the
 * superuser, behind the worker's back) before it is completed, the job
 * "kill" loses the worker's connection first.
 */
typedef struct Finish
{
	int			n;
	int			rc[4];
	char		sqlstate[4][6];
	pr_fail_outcome outcome;
	int			again;			/* a second finish of the same job */
} Finish;

static int
finish_handler(pr_job_ctx *ctx, const pr_job *job, void *user)
{
	Finish	   *f = user;
	pr_error	err;
	int			i = f->n++;
	char		id[PR_UUID_STRLEN];
	char		q[200];

	if (i >= 4)
		return 0;
	pr_uuid_format(&job->id, id);
	if (strstr(job->job, "cancel"))
	{
		snprintf(q, sizeof(q), "SELECT pict_repo.cancel_job('%s')", id);
		admin_sql(q);
	}
	if (strstr(job->job, "kill"))
	{
		snprintf(q, sizeof(q), "SELECT pg_catalog.pg_terminate_backend(%d)",
				 PQbackendPID(pr_pgconn(pr_job_conn(ctx))));
		admin_sql(q);
	}
	if (strstr(job->job, "fail"))
	{
		pr_job_set_error(ctx, "handler failed it");
		f->rc[i] = pr_job_fail(ctx, &f->outcome, &err);
	}
	else
		f->rc[i] = pr_job_complete(ctx, &err);
	snprintf(f->sqlstate[i], sizeof(f->sqlstate[i]), "%s",
			 f->rc[i] == PR_ERROR ? err.sqlstate : "");
	f->again = pr_job_complete(ctx, &err);
	/* What the handler returns no longer matters: the job is finished. */
	return 1;
}

/* The handler finishes the jobs itself and learns what became of them. */
static void
test_worker_finish(pr_conn *c)
{
	pr_worker_options opts;
	pr_error	err;
	Finish		f;
	int64_t		len = -1;
	char		buf[64] = "";
	int			rc;
	pr_conn    *k;

	pr_push_job(c, "client-finish", "{\"n\": 1}", NULL, NULL, &err);
	pr_push_job(c, "client-finish", "{\"n\": 2, \"cancel\": 1}", NULL, NULL, &err);
	pr_push_job(c, "client-finish", "{\"n\": 3, \"fail\": 1}", NULL, NULL, &err);
	memset(&f, 0, sizeof(f));
	memset(&opts, 0, sizeof(opts));
	opts.heartbeat_interval_ms = -1;
	opts.handler = finish_handler;
	opts.user_data = &f;
	opts.exit_when_idle = true;
	opts.retry_in = INT64_C(3600000000);
	rc = pr_worker_run(c, "client-finish", &opts, &err);
	ok(rc == PR_OK && f.n == 3, "pr_worker_run with a handler that finishes its jobs (%d)", f.n);
	ok(f.rc[0] == PR_OK, "pr_job_complete of a job still held is PR_OK");
	ok(f.rc[1] == PR_NONE, "pr_job_complete of a job cancelled meanwhile is PR_NONE");
	ok(f.rc[2] == PR_OK && f.outcome == PR_FAIL_RETRY, "pr_job_fail reports the outcome (retry)");
	ok(f.again == PR_ERROR, "a job is finished once: a second call is an error");
	ok(pr_queue_length(c, "client-finish", &len, &err) == PR_OK && len == 1 &&
	   admin_value("SELECT status || ' ' || last_error FROM pict_repo.job_queue "
				   "WHERE queue = 'client-finish'", buf, sizeof(buf)) &&
	   strcmp(buf, "new handler failed it") == 0,
	   "the loop neither completed nor failed them again (the handler's failure stays)");

	/*
	 * The connection breaks before the completion: the loop reports it.
	 * Behind a pooler the server connection that is terminated is the
	 * pooler's, and the client's connection stays.
	 */
	if (tap_pooled())
	{
		skip("behind a pooler the client's connection survives its server's",
			 "pr_job_complete on a lost connection is PR_ERROR with 08xxx");
		admin_sql("DELETE FROM pict_repo.job_queue WHERE queue IN ('client-finish', 'client-finish-kill')");
		return;
	}
	k = connect_main();
	pr_push_job(k, "client-finish-kill", "{\"kill\": 1}", NULL, NULL, &err);
	memset(&f, 0, sizeof(f));
	rc = pr_worker_run(k, "client-finish-kill", &opts, &err);
	ok(f.n == 1 && f.rc[0] == PR_ERROR && strncmp(f.sqlstate[0], "08", 2) == 0,
	   "pr_job_complete on a lost connection is PR_ERROR with 08xxx (%s)", f.sqlstate[0]);
	ok(rc == PR_ERROR && strcmp(err.sqlstate, f.sqlstate[0]) == 0,
	   "and pr_worker_run returns that error (%s)", err.sqlstate);
	pr_finish(k);
	ok(admin_value("SELECT status FROM pict_repo.job_queue WHERE queue = 'client-finish-kill'",
				   buf, sizeof(buf)) && strcmp(buf, "running") == 0,
	   "the job was not completed");
	admin_sql("DELETE FROM pict_repo.job_queue WHERE queue IN ('client-finish', 'client-finish-kill')");
}

void
test_worker(void)
{
	pr_conn    *c = connect_main();
	pr_error	err;
	pr_worker_options opts;
	Seen		seen;
	int64_t		len = -1;
	char		buf[256] = "";
	int			rc;
	pthread_t	th;
	RunArgs		ra;
	pr_stop    *stop;

	if (!need(c, "worker loop", QUEUE_FUNCS, NULL))
	{
		pr_finish(c);
		return;
	}
	pr_push_job(c, "client-work", "{\"n\": 1}", NULL, NULL, &err);
	pr_push_job(c, "client-work", "{\"n\": 2, \"slow\": 1}", NULL, NULL, &err);
	pr_push_job(c, "client-work", "{\"n\": 3, \"fail\": 1}", NULL, NULL, &err);
	pr_push_job(c, "client-work", "{\"n\": 4}", NULL, NULL, &err);
	pr_push_job(c, "client-work", "{\"n\": 5}", NULL, NULL, &err);

	memset(&seen, 0, sizeof(seen));
	memset(&opts, 0, sizeof(opts));
	opts.batch_size = 2;
	opts.heartbeat_interval_ms = 100;
	opts.handler = handler;
	opts.user_data = &seen;
	opts.exit_when_idle = true;
	opts.retry_in = INT64_C(3600000000);	/* keep the failed job out of the way */
	rc = pr_worker_run(c, "client-work", &opts, &err);
	ok(rc == PR_OK && seen.handled == 5, "pr_worker_run handles every job and returns when idle (%d)",
	   seen.handled);
	ok(seen.heartbeat_advanced, "the heartbeat thread beats while the handler runs");
	ok(pr_queue_length(c, "client-work", &len, &err) == PR_OK && len == 1,
	   "completed jobs are gone, the failed one stays");
	ok(admin_value("SELECT last_error FROM pict_repo.job_queue WHERE queue = 'client-work'",
				 buf, sizeof(buf)) && strcmp(buf, "boom 1") == 0,
	   "the failed job carries the handler's error");
	ok(admin_value("SELECT status FROM pict_repo.job_queue WHERE queue = 'client-work'",
				 buf, sizeof(buf)) && strcmp(buf, "new") == 0, "and is back to new for a retry");

	/* max_jobs, no heartbeat thread. */
	pr_push_job(c, "client-work2", "{\"n\": 1}", NULL, NULL, &err);
	pr_push_job(c, "client-work2", "{\"n\": 2}", NULL, NULL, &err);
	pr_push_job(c, "client-work2", "{\"n\": 3}", NULL, NULL, &err);
	memset(&seen, 0, sizeof(seen));
	opts.heartbeat_interval_ms = -1;
	opts.batch_size = 1;
	opts.max_jobs = 2;
	opts.exit_when_idle = false;
	rc = pr_worker_run(c, "client-work2", &opts, &err);
	ok(rc == PR_OK && seen.handled == 2, "pr_worker_run stops after max_jobs");
	ok(pr_queue_length(c, "client-work2", &len, &err) == PR_OK && len == 1,
	   "one job is left");

	/*
	 * The heartbeat thread opens its connection for its first heartbeat: a
	 * worker whose jobs finish within the interval has one connection.
	 */
	if (tap_pooled())
		skip("behind a pooler the backends are the pooler's",
			 "a worker whose jobs finish within the heartbeat interval opens no second connection");
	else
	{
		char		role[128] = "",
					before[32] = "";

		memset(&seen, 0, sizeof(seen));
		sql_value(c, "SELECT current_user", role, sizeof(role));
		snprintf(seen.conns_query, sizeof(seen.conns_query),
				 "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE usename = '%s'", role);
		admin_value(seen.conns_query, before, sizeof(before));
		pr_push_job(c, "client-work-lazy", "{\"conns\": 1}", NULL, NULL, &err);
		memset(&opts, 0, sizeof(opts));
		opts.heartbeat_interval_ms = 60000;
		opts.handler = handler;
		opts.user_data = &seen;
		opts.exit_when_idle = true;
		rc = pr_worker_run(c, "client-work-lazy", &opts, &err);
		ok(rc == PR_OK && seen.handled == 1 && before[0] &&
		   strcmp(seen.conns_in_handler, before) == 0,
		   "a worker whose jobs finish within the heartbeat interval opens no second connection (%s backends before, %s in the handler)",
		   before, seen.conns_in_handler);
	}

	/* A batch is completed together, after its last job, in one call. */
	pr_push_job(c, "client-work6", "{\"n\": 1}", NULL, NULL, &err);
	pr_push_job(c, "client-work6", "{\"n\": 2}", NULL, NULL, &err);
	pr_push_job(c, "client-work6", "{\"n\": 3, \"pending\": 1}", NULL, NULL, &err);
	memset(&seen, 0, sizeof(seen));
	memset(&opts, 0, sizeof(opts));
	opts.batch_size = 3;
	opts.heartbeat_interval_ms = 100;
	opts.handler = handler;
	opts.user_data = &seen;
	opts.exit_when_idle = true;
	rc = pr_worker_run(c, "client-work6", &opts, &err);
	ok(rc == PR_OK && seen.handled == 3, "pr_worker_run runs a batch of three (%d)", seen.handled);
	ok(seen.running_seen == 3,
	   "the finished jobs of a batch stay running until the batch ends (%d running)",
	   seen.running_seen);
	ok(seen.pending_beat, "and their heartbeats go on meanwhile");
	ok(pr_queue_length(c, "client-work6", &len, &err) == PR_OK && len == 0 &&
	   admin_value("SELECT sum(completed) FROM pict_repo.queue_stats WHERE queue = 'client-work6'",
				   buf, sizeof(buf)) && strcmp(buf, "3") == 0,
	   "then all three are completed and counted");

	/* A worker waiting on an empty queue wakes for a push and stops when asked. */
	stop = pr_stop_new(&err);
	memset(&seen, 0, sizeof(seen));
	memset(&ra, 0, sizeof(ra));
	ra.queue = "client-work3";
	ra.opts.handler = handler;
	ra.opts.user_data = &seen;
	ra.opts.stop = stop;
	ra.opts.heartbeat_interval_ms = 200;
	pthread_create(&th, NULL, run_main, &ra);
	sleep_ms(500);
	pr_push_job(c, "client-work3", "{\"n\": 1}", NULL, NULL, &err);
	for (int i = 0; i < 200 && seen.handled == 0; i++)
		sleep_ms(50);
	ok(seen.handled == 1, "a waiting worker is woken by a push");
	pr_worker_stop(stop);
	pthread_join(th, NULL);
	ok(ra.rc == PR_OK, "pr_worker_stop makes pr_worker_run return PR_OK");
	ok(pr_queue_length(c, "client-work3", &len, &err) == PR_OK && len == 0,
	   "the job was completed");
	pr_stop_free(stop);

	/* Stopping in the middle of a batch hands the unstarted jobs back. */
	stop = pr_stop_new(&err);
	for (int i = 0; i < 3; i++)
		pr_push_job(c, "client-work4", "{}", NULL, NULL, &err);
	memset(&seen, 0, sizeof(seen));
	seen.stop_after_first = true;
	seen.stop = stop;
	memset(&opts, 0, sizeof(opts));
	opts.batch_size = 3;
	opts.heartbeat_interval_ms = -1;
	opts.handler = handler;
	opts.user_data = &seen;
	opts.stop = stop;
	rc = pr_worker_run(c, "client-work4", &opts, &err);
	ok(rc == PR_OK && seen.handled == 1, "a stop during a batch ends the loop after the job");
	ok(admin_value("SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'client-work4' "
				 "AND status = 'new' AND run_at <= now()", buf, sizeof(buf)) &&
	   strcmp(buf, "2") == 0, "the two unstarted jobs are runnable again");
	pr_stop_free(stop);

	/* A job taken over by another worker is left alone. */
	pr_push_job(c, "client-work5", "{\"steal\": 1}", NULL, NULL, &err);
	memset(&seen, 0, sizeof(seen));
	memset(&opts, 0, sizeof(opts));
	pr_uuid_random(&opts.worker);
	seen.worker = opts.worker;
	opts.heartbeat_interval_ms = -1;
	opts.handler = handler;
	opts.user_data = &seen;
	opts.exit_when_idle = true;
	rc = pr_worker_run(c, "client-work5", &opts, &err);
	ok(rc == PR_OK && seen.handled == 1, "pr_worker_run with the handler's own heartbeats");
	ok(seen.own_heartbeat == PR_OK, "pr_job_heartbeat from the handler");
	ok(seen.stolen_heartbeat == PR_NONE && seen.lost,
	   "pr_job_heartbeat of a job taken over is PR_NONE and pr_job_lost turns true");
	ok(seen.worker_matches, "pr_job_worker is the worker id of the options");
	ok(!seen.stop_seen, "pr_job_stop_requested is false without a stop");
	ok(admin_value("SELECT status FROM pict_repo.job_queue WHERE queue = 'client-work5'",
				 buf, sizeof(buf)) && strcmp(buf, "running") == 0,
	   "the worker neither completed nor failed the lost job");

	test_worker_pool(c);
	test_worker_finish(c);

	memset(&opts, 0, sizeof(opts));
	is_error(pr_worker_run(c, "client-work", &opts, &err), &err, "22023",
			 "pr_worker_run without a handler");
	pr_finish(c);
}
