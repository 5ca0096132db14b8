/*-------------------------------------------------------------------------
 *
 * push.c
 *		The push benchmark: push_job(s) one by one, in batches and pipelined,
 *		with and without a LISTENing session, against plain INSERTs.
 *
 *-------------------------------------------------------------------------
 */
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "bench.h"

/* ---- push ---------------------------------------------------------------------- */

typedef enum PushMode
{
	P_SINGLE,
	P_BATCH,
	P_PIPELINE
} PushMode;

static const char *const push_names[] = {"one job per call", "batches of 100", "pipelined, 100 per pipeline"};

typedef struct PushArg
{
	PushMode	mode;
	bool		baseline;
	long		per_proc;
} PushArg;

static void
push_baseline(int idx, const PushArg *a)
{
	PGconn	   *c = PQconnectdb("");
	const char *p[1];

	if (PQstatus(c) != CONNECTION_OK)
		child_fail("connect: %s", PQerrorMessage(c));
	prepare(c, "push", "INSERT INTO public.bench_queue (job) VALUES ($1) RETURNING id");
	prepare(c, "push_many",
			"INSERT INTO public.bench_queue (job) SELECT unnest($1::jsonb[]) RETURNING id");
	wait_start();
	if (a->mode == P_SINGLE)
	{
		p[0] = JOB_JSON;
		for (long i = 0; i < a->per_proc; i++)
		{
			PQclear(run_prepared(c, "push", 1, p, PGRES_TUPLES_OK));
			sh->commits[idx]++;
			count_done(idx, 1);
		}
	}
	else if (a->mode == P_BATCH)
	{
		size_t		len = 100 * 64 + 4;
		char	   *arr = malloc(len);
		size_t		off = 0;

		arr[off++] = '{';
		for (int i = 0; i < 100; i++)
			off += sprintf(arr + off, "%s\"%s\"", i ? "," : "", "{\\\"op\\\": \\\"thumbnail\\\", \\\"n\\\": 1}");
		arr[off++] = '}';
		arr[off] = 0;
		p[0] = arr;
		for (long i = 0; i < a->per_proc; i += 100)
		{
			PGresult   *r = run_prepared(c, "push_many", 1, p, PGRES_TUPLES_OK);

			if (PQntuples(r) != 100)
				child_fail("baseline batch inserted %d rows", PQntuples(r));
			PQclear(r);
			sh->commits[idx]++;
			count_done(idx, 100);
		}
		free(arr);
	}
	else
	{
		p[0] = JOB_JSON;
		if (!PQenterPipelineMode(c))
			child_fail("pipeline mode: %s", PQerrorMessage(c));
		for (long i = 0; i < a->per_proc; i += 100)
		{
			for (int j = 0; j < 100; j++)
			{
				if (!PQsendQueryPrepared(c, "push", 1, p, NULL, NULL, 0) || !PQpipelineSync(c))
					child_fail("pipeline send: %s", PQerrorMessage(c));
			}
			for (int j = 0; j < 100; j++)
			{
				PGresult   *r;

				while ((r = PQgetResult(c)) != NULL)
				{
					if (PQresultStatus(r) != PGRES_TUPLES_OK)
						child_fail("pipelined insert: %s", PQerrorMessage(c));
					PQclear(r);
				}
				r = PQgetResult(c);
				if (PQresultStatus(r) != PGRES_PIPELINE_SYNC)
					child_fail("pipeline: no sync");
				PQclear(r);
			}
			sh->commits[idx] += 100;
			count_done(idx, 100);
		}
		PQexitPipelineMode(c);
	}
	PQfinish(c);
}

static void
push_ours(int idx, const PushArg *a)
{
	pr_conn    *c = pr_connect_or_fail();
	pr_error	err;
	const char *jobs[100];
	pr_push_item items[100];

	for (int i = 0; i < 100; i++)
	{
		jobs[i] = JOB_JSON;
		memset(&items[i], 0, sizeof(items[i]));
		items[i].queue = QUEUE;
		items[i].job_json = JOB_JSON;
	}
	wait_start();
	if (a->mode == P_SINGLE)
	{
		for (long i = 0; i < a->per_proc; i++)
		{
			pr_uuid		id;

			if (pr_push_job(c, QUEUE, JOB_JSON, NULL, &id, &err) != PR_OK)
				pr_fail("push_job", &err);
			sh->commits[idx]++;
			count_done(idx, 1);
		}
	}
	else
	{
		for (long i = 0; i < a->per_proc; i += 100)
		{
			if (a->mode == P_BATCH)
			{
				pr_uuid_list *ids = NULL;

				if (pr_push_jobs(c, QUEUE, jobs, 100, &ids, &err) != PR_OK || ids->n != 100)
					pr_fail("push_jobs", &err);
				pr_free(ids);
				sh->commits[idx]++;
			}
			else
			{
				pr_push_results *res = NULL;

				if (pr_push_jobs_pipelined(c, items, 100, &res, &err) != PR_OK)
					pr_fail("push_jobs_pipelined", &err);
				pr_free(res);
				sh->commits[idx]++;	/* a batch that succeeds is one transaction */
			}
			count_done(idx, 100);
		}
	}
	pr_finish(c);
}

static void
push_proc(int idx, int nprocs, void *arg)
{
	const PushArg *a = arg;

	if (a->baseline)
		push_baseline(idx, a);
	else
		push_ours(idx, a);
}

/* A LISTENing session in its own process; returns its pid. */
static pid_t
start_listener(int *count_fd)
{
	int			fds[2];
	pid_t		pid;

	if (pipe(fds) != 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0)
	{
		PGconn	   *c = pg_connect();
		long		got = 0;
		int			sock = PQsocket(c);

		close(fds[0]);
		exec_ok(c, "LISTEN pict_repo_queue");
		if (write(fds[1], &got, sizeof(got)) != sizeof(got))
			_exit(1);
		while (!sh->stop)
		{
			fd_set		rf;
			struct timeval tv = {0, 20000};
			PGnotify   *nfy;

			FD_ZERO(&rf);
			FD_SET(sock, &rf);
			if (select(sock + 1, &rf, NULL, NULL, &tv) < 0 && errno != EINTR)
				break;
			PQconsumeInput(c);
			while ((nfy = PQnotifies(c)) != NULL)
			{
				got++;
				PQfreemem(nfy);
			}
		}
		if (write(fds[1], &got, sizeof(got)) != sizeof(got))
			_exit(1);
		PQfinish(c);
		_exit(0);
	}
	close(fds[1]);
	{
		long		ready;

		if (read(fds[0], &ready, sizeof(ready)) != sizeof(ready))
			die("the listener did not start");
	}
	*count_fd = fds[0];
	return pid;
}

void
bench_push(void)
{
	long		n = scale->push_jobs;
	int			procs = 4;

	printf("== push: %ld jobs, %d processes, best of %d rounds\n", n, procs, scale->rounds);
	for (PushMode m = P_SINGLE; m <= P_PIPELINE; m++)
	{
		/* config 0: baseline, 1: pict_repo, 2: pict_repo with a listener */
		double		rate[3] = {0, 0, 0},
					commits[3] = {0, 0, 0},
					wal[3] = {0, 0, 0};
		long		notes_best = 0;

		for (int round = 0; round < scale->rounds; round++)
			for (int cfg = 0; cfg < 3; cfg++)
			{
				PushArg		a = {m, cfg == 0, n / procs};
				RunResult	r;
				pid_t		lpid = 0;
				int			lfd = -1;
				long		notes = 0;
				double		x;

				reset_queues();
				if (cfg == 2)
					lpid = start_listener(&lfd);
				run_procs(procs, push_proc, &a, 0, &r);
				if (cfg == 2)
				{
					sh->stop = 1;
					if (read(lfd, &notes, sizeof(notes)) != sizeof(notes))
						notes = -1;
					close(lfd);
					waitpid(lpid, NULL, 0);
				}
				x = r.done / r.seconds;
				printf("   round %d, %s, %s: %.0f jobs/s\n", round + 1, push_names[m],
					   cfg == 0 ? "baseline" : cfg == 1 ? "pict_repo" : "pict_repo + LISTEN", x);
				if (x > rate[cfg])
				{
					rate[cfg] = x;
					commits[cfg] = (double) r.commits / r.done;
					wal[cfg] = r.wal_bytes / r.done;
					if (cfg == 2)
						notes_best = notes;
				}
			}
		for (int cfg = 1; cfg < 3; cfg++)
			add_row("push", 9, push_names[m], cfg == 2 ? "yes" : "no", fmt_rate(rate[cfg]),
					fmt("%.2f", commits[cfg]), fmt("%.0f", wal[cfg]),
					fmt_rate(rate[0]), fmt("%.2f", rate[cfg] / rate[0]),
					cfg == 2 ? fmt("%.2f", rate[2] / rate[1]) : "1.00",
					cfg == 2 ? fmt("%ld", notes_best) : "-");
	}
}
