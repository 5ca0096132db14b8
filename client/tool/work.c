/*-------------------------------------------------------------------------
 *
 * work.c
 *		pict-repo work: run a command once per job of a queue.
 *
 * Each worker is pr_worker_run() with a handler that forks COMMAND, writes
 * the job's JSON (and a newline) to its stdin, passes its stdout through,
 * copies its stderr through to ours while keeping the last bytes, and
 * waits for it.  Exit 0 completes the job; anything else fails it with
 * "exit status N" or "killed by signal N" and the tail of its stderr.  The
 * library's heartbeat thread keeps the job alive meanwhile; if it reports
 * the job lost (requeued by someone else) the command is terminated and
 * the job left alone.
 *
 * --concurrency N forks N worker processes, each with its own connection
 * and its own heartbeat thread.  The pool process forwards SIGTERM and
 * SIGINT to them, and starts a new worker when one is killed by a signal
 * (its job comes back through requeue_stale once its heartbeat is older
 * than pict_repo.job_timeout).
 *
 * Stopping: the first SIGTERM/SIGINT lets the running commands finish and
 * completes or fails their jobs, hands back claimed jobs that were not
 * started, and exits 0.  A second one terminates the running commands
 * (SIGTERM to their process group) and fails their jobs.  Commands run in
 * their own process group, so a Ctrl-C on the terminal reaches the tool
 * only.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

#define TAIL_MAX 1500			/* bytes of stderr kept for last_error */
#define MAX_WORKERS 256
#define KILL_GRACE_MS 5000		/* SIGTERM, then SIGKILL after this long */

typedef struct WorkOptions
{
	const char *queue;
	char	  **command;
	int			concurrency;
	int			batch;
	int			heartbeat_ms;
	int64_t		max_jobs;
	bool		until_empty;
	int64_t		retry_in;
	bool		verbose;
} WorkOptions;

/* Signal state of this process (a worker, or the pool). */
static pr_stop *stop_signal;
static volatile sig_atomic_t signals_seen;
static pid_t worker_pids[MAX_WORKERS];
static volatile sig_atomic_t n_worker_pids;
static volatile sig_atomic_t is_pool;

static void
work_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo work QUEUE [OPTIONS] -- COMMAND [ARGS...]\n"
			"\n"
			"Claim the jobs of QUEUE and run COMMAND once per job with the job's JSON\n"
			"(one line) on its stdin.  The environment of COMMAND has\n"
			"PICT_REPO_QUEUE, PICT_REPO_JOB_ID and PICT_REPO_JOB_ATTEMPT.  Its stdout\n"
			"and stderr pass through.  While it runs the job is heartbeated.  Exit\n"
			"status 0 completes the job; anything else fails it (retried with backoff\n"
			"until max_attempts, then dead) with \"exit status N\" or \"killed by signal\n"
			"N\" and the last %d bytes of its stderr as the job's last_error.\n"
			"\n"
			"Options:\n"
			"  -c, --concurrency N   run N workers at once, each a process with its\n"
			"                        own connection (default 1, at most %d)\n"
			"  -b, --batch N         jobs claimed at a time per worker (default 1)\n"
			"  -H, --heartbeat SECS  heartbeat interval (default 30; keep it well\n"
			"                        below pict_repo.job_timeout)\n"
			"  -n, --max-jobs N      stop after N jobs (split among the workers)\n"
			"  -e, --until-empty     stop when no job is runnable\n"
			"  -R, --retry-in SECS   retry failed jobs after SECS instead of the\n"
			"                        exponential backoff\n"
			"  -v, --verbose         on stderr, a line when a job starts and one with\n"
			"                        what became of it: completed, failed (retry or\n"
			"                        dead), or not completed / not recorded because\n"
			"                        the job was no longer ours or the call failed\n"
			"  -h, --help            show this help\n"
			"\n"
			"Without --max-jobs or --until-empty the workers wait for jobs (LISTEN/\n"
			"NOTIFY) until stopped.  SIGTERM or SIGINT: finish the running jobs, hand\n"
			"back the claimed ones, exit 0; a second signal terminates the running\n"
			"commands (SIGTERM to their process group, SIGKILL 5s later) and fails\n"
			"their jobs.  A job taken away from the worker (requeued after a missed\n"
			"heartbeat) has its command terminated the same way and is left alone.\n"
			"A worker killed by a signal is replaced.\n"
			"\n"
			"Text from a job (its stderr, errors in the log) is escaped: \\t, \\n, \\r,\n"
			"\\\\, and \\xHH for other control characters and bytes that are not\n"
			"UTF-8; the newlines of the command's stderr stay line breaks.\n"
			"\n"
			"Exit status: 0 stopped cleanly (whatever the jobs' outcomes), 2 usage\n"
			"error, 3 server or connection error.\n", TAIL_MAX, MAX_WORKERS);
}

/* ---- signals ----------------------------------------------------------- */

static void
on_stop_signal(int sig)
{
	int			saved = errno;

	signals_seen++;
	if (is_pool)
	{
		for (int i = 0; i < n_worker_pids; i++)
			if (worker_pids[i] > 0)
				kill(worker_pids[i], sig);
	}
	if (stop_signal)
		pr_worker_stop(stop_signal);
	errno = saved;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* A command that does not read its stdin must not kill us. */
	signal(SIGPIPE, SIG_IGN);
}

/* ---- running one job ---------------------------------------------------- */

typedef struct Tail
{
	char		buf[TAIL_MAX];
	size_t		len;
} Tail;

/* The start of a UTF-8 character cut at the end of a read. */
typedef struct Pending
{
	char		buf[4];
	size_t		len;
} Pending;

/* Keep the last TAIL_MAX bytes. */
static void
tail_add(Tail *t, const char *data, size_t n)
{
	if (n >= TAIL_MAX)
	{
		memcpy(t->buf, data + n - TAIL_MAX, TAIL_MAX);
		t->len = TAIL_MAX;
		return;
	}
	if (t->len + n > TAIL_MAX)
	{
		size_t		drop = t->len + n - TAIL_MAX;

		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, data, n);
	t->len += n;
}

/*
 * Make the tail valid text for the server: a cut may have split a UTF-8
 * character and a command may write anything, so invalid bytes and NULs
 * become '?' (fail_job would refuse the error text otherwise).
 */
static void
tail_sanitize(Tail *t)
{
	size_t		i = 0;

	while (i < t->len)
	{
		unsigned int cp;
		bool		partial;
		size_t		len = tool_utf8_len((unsigned char *) t->buf + i, t->len - i,
										&cp, &partial);

		if (len == 0 || t->buf[i] == '\0')
		{
			t->buf[i] = '?';
			len = 1;
		}
		i += len;
	}
}

/*
 * Write len bytes of a command's stderr to ours, escaped, in one write (not
 * a write per byte of the unbuffered stderr); with TOOL_ESC_PARTIAL the
 * start of a UTF-8 character cut at the end goes to *pend, else *pend ends
 * empty.
 */
static void
pass_through(const char *data, size_t len, Pending *pend, int flags)
{
	char	   *out = NULL;
	size_t		outlen = 0;
	size_t		done = len;
	FILE	   *f = open_memstream(&out, &outlen);

	if (f)
	{
		done = tool_escape_to(f, data, len, TOOL_ESC_LINES | flags);
		if (fclose(f) == 0)
		{
			size_t		off = 0;

			while (off < outlen)
			{
				ssize_t		w = write(STDERR_FILENO, out + off, outlen - off);

				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					break;
				off += (size_t) w;
			}
		}
		free(out);
	}
	memmove(pend->buf, data + done, len - done);
	pend->len = len - done;
}

/*
 * Copy what the command wrote to stderr to ours, line by line but escaped
 * (util.c): a job's stderr may carry a tenant's text, and must not reach a
 * terminal as control sequences.  A UTF-8 character cut between two reads
 * waits in *pend for the rest.  Returns false at EOF, when *pend is
 * flushed.
 */
static bool
drain_stderr(int fd, Tail *tail, Pending *pend)
{
	char		buf[4096 + sizeof(pend->buf)];
	ssize_t		n;

	for (;;)
	{
		memcpy(buf, pend->buf, pend->len);
		n = read(fd, buf + pend->len, sizeof(buf) - pend->len);
		if (n > 0)
		{
			size_t		len = pend->len + (size_t) n;

			tail_add(tail, buf + pend->len, (size_t) n);
			pass_through(buf, len, pend, TOOL_ESC_PARTIAL);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		/* EOF: what is left of a cut character is not UTF-8. */
		pass_through(pend->buf, pend->len, pend, 0);
		return false;
	}
}

/* The child: stdin from the pipe, stderr to the pipe, then exec. */
static void
exec_command(const WorkOptions *wo, const pr_job *job, int in_fd, int err_fd)
{
	char		id[PR_UUID_STRLEN];
	char		attempt[16];

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		_exit(126);
	close(in_fd);
	close(err_fd);
	pr_uuid_format(&job->id, id);
	snprintf(attempt, sizeof(attempt), "%d", job->attempt);
	setenv("PICT_REPO_QUEUE", wo->queue, 1);
	setenv("PICT_REPO_JOB_ID", id, 1);
	setenv("PICT_REPO_JOB_ATTEMPT", attempt, 1);
	execvp(wo->command[0], wo->command);
	fprintf(stderr, "pict-repo work: cannot run \"%s\": %s\n", wo->command[0],
			strerror(errno));
	_exit(127);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* With -v: one line on stderr, "pict-repo work[PID]: " and the text escaped. */
static void
work_log(const WorkOptions *wo, const char *fmt,...)
__attribute__((format(printf, 2, 3)));

static void
work_log(const WorkOptions *wo, const char *fmt,...)
{
	char		prefix[64];
	char		text[4096];
	va_list		ap;

	if (!wo->verbose)
		return;
	snprintf(prefix, sizeof(prefix), "pict-repo work[%d]: ", (int) getpid());
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	tool_message(prefix, "%s", text);
}

/*
 * Complete the job (why NULL) or fail it with why, here rather than after
 * the handler returns, so that the log can say what became of it: the
 * completion or failure may not reach the job (it was requeued or
 * cancelled meanwhile, or the connection broke).  A job a heartbeat found
 * taken away is left alone.  Returns the handler's result.
 */
static int
finish_job(pr_job_ctx *ctx, const WorkOptions *wo, const char *id, int64_t started,
		   bool killed, const char *why)
{
	long long	ms = (long long) (now_ms() - started);
	pr_fail_outcome outcome = PR_FAIL_NOT_HELD;
	pr_error	err;
	int			r;

	if (pr_job_lost(ctx))
	{
		work_log(wo, "job %s lost after %lld ms: no longer held by this worker "
				 "(requeued or cancelled)%s; left alone", id, ms,
				 killed ? ", its command terminated" : "");
		return 1;
	}
	if (!why)
	{
		r = pr_job_complete(ctx, &err);
		if (r == PR_OK)
			work_log(wo, "job %s completed in %lld ms", id, ms);
		else if (r == PR_NONE)
			work_log(wo, "job %s finished in %lld ms, not completed: no longer held by "
					 "this worker (requeued or cancelled)", id, ms);
		else
			work_log(wo, "job %s finished in %lld ms, not completed: %s: %s", id, ms,
					 err.sqlstate, err.message);
		return 0;
	}
	pr_job_set_error(ctx, "%s", why);
	if (wo->retry_in != PR_NO_INTERVAL)
		pr_job_set_retry_in(ctx, wo->retry_in);
	r = pr_job_fail(ctx, &outcome, &err);
	if (r == PR_OK)
		work_log(wo, "job %s failed in %lld ms, %s: %s", id, ms,
				 outcome == PR_FAIL_DEAD ? "dead" : "retry", why);
	else if (r == PR_NONE)
		work_log(wo, "job %s failed in %lld ms, not recorded: no longer held by this "
				 "worker (requeued or cancelled): %s", id, ms, why);
	else
		work_log(wo, "job %s failed in %lld ms, not recorded: %s: %s: %s", id, ms,
				 err.sqlstate, err.message, why);
	return 1;
}

/* The handler of pr_worker_run: run the command for one job. */
static int
run_job(pr_job_ctx *ctx, const pr_job *job, void *user_data)
{
	const WorkOptions *wo = user_data;
	int			in_pipe[2],
				err_pipe[2];
	pid_t		pid;
	Tail		tail;
	const char *input = job->job ? job->job : "null";
	size_t		in_len = strlen(input),
				in_off = 0;
	bool		newline_sent = false;
	bool		err_open = true;
	bool		exited = false;
	bool		killed = false;
	int64_t		killed_at = 0;
	int			status = 0;
	char		id[PR_UUID_STRLEN];
	int64_t		started = now_ms();
	Pending		pend = {.len = 0};
	char		why[TAIL_MAX + 128];

	pr_uuid_format(&job->id, id);
	tail.len = 0;
	if (pipe2(in_pipe, O_CLOEXEC) != 0)
	{
		snprintf(why, sizeof(why), "pict-repo work: pipe: %s", strerror(errno));
		return finish_job(ctx, wo, id, started, false, why);
	}
	if (pipe2(err_pipe, O_CLOEXEC) != 0)
	{
		snprintf(why, sizeof(why), "pict-repo work: pipe: %s", strerror(errno));
		close(in_pipe[0]);
		close(in_pipe[1]);
		return finish_job(ctx, wo, id, started, false, why);
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
	{
		snprintf(why, sizeof(why), "pict-repo work: fork: %s", strerror(errno));
		close(in_pipe[0]);
		close(in_pipe[1]);
		close(err_pipe[0]);
		close(err_pipe[1]);
		return finish_job(ctx, wo, id, started, false, why);
	}
	if (pid == 0)
		exec_command(wo, job, in_pipe[0], err_pipe[1]);
	setpgid(pid, pid);			/* also in the child: whichever runs first */
	close(in_pipe[0]);
	close(err_pipe[1]);
	fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
	fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
	work_log(wo, "job %s attempt %d started", id, job->attempt);

	while (!exited)
	{
		struct pollfd pfd[2];
		int			nfd = 0;
		pid_t		w;

		if (in_pipe[1] >= 0)
		{
			pfd[nfd].fd = in_pipe[1];
			pfd[nfd].events = POLLOUT;
			nfd++;
		}
		if (err_open)
		{
			pfd[nfd].fd = err_pipe[0];
			pfd[nfd].events = POLLIN;
			nfd++;
		}
		/* Short timeout: notice the exit, a lost job and a second signal. */
		if (poll(pfd, nfd, 100) < 0 && errno != EINTR)
			break;
		if (in_pipe[1] >= 0)
		{
			ssize_t		n = 0;

			if (in_off < in_len)
				n = write(in_pipe[1], input + in_off, in_len - in_off);
			else if (!newline_sent)
			{
				n = write(in_pipe[1], "\n", 1);
				if (n == 1)
				{
					newline_sent = true;
					n = 0;
				}
			}
			if (n > 0)
				in_off += (size_t) n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
				(in_off >= in_len && newline_sent))
			{
				close(in_pipe[1]);	/* EOF, or the command closed its stdin */
				in_pipe[1] = -1;
			}
		}
		if (err_open)
			err_open = drain_stderr(err_pipe[0], &tail, &pend);

		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			exited = true;
		else if (w < 0 && errno != EINTR)
			break;
		else if (!killed && (pr_job_lost(ctx) || signals_seen >= 2))
		{
			/* Lost, or asked twice to stop: terminate the command's group. */
			kill(-pid, SIGTERM);
			killed = true;
			killed_at = now_ms();
		}
		else if (killed && killed_at > 0 && now_ms() - killed_at > KILL_GRACE_MS)
		{
			/* It ignores SIGTERM. */
			kill(-pid, SIGKILL);
			killed_at = 0;
		}
	}
	if (!exited)
	{
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (err_open)
		drain_stderr(err_pipe[0], &tail, &pend);	/* what is left, without waiting */
	/* A grandchild may hold the pipe open: flush a cut character anyway. */
	pass_through(pend.buf, pend.len, &pend, 0);
	if (in_pipe[1] >= 0)
		close(in_pipe[1]);
	close(err_pipe[0]);

	tail_sanitize(&tail);
	/* Drop trailing newlines of the tail. */
	while (tail.len > 0 && (tail.buf[tail.len - 1] == '\n' || tail.buf[tail.len - 1] == '\r'))
		tail.len--;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return finish_job(ctx, wo, id, started, killed, NULL);
	if (WIFEXITED(status))
		snprintf(why, sizeof(why), "exit status %d%s%.*s", WEXITSTATUS(status),
				 tail.len ? ": " : "", (int) tail.len, tail.buf);
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d%s%s%.*s", WTERMSIG(status),
				 killed && signals_seen >= 2 ? " (worker stopped)" : "",
				 tail.len ? ": " : "", (int) tail.len, tail.buf);
	else
		snprintf(why, sizeof(why), "command failed%s%.*s",
				 tail.len ? ": " : "", (int) tail.len, tail.buf);
	return finish_job(ctx, wo, id, started, killed, why);
}

/* ---- one worker ---------------------------------------------------------- */

/* Run pr_worker_run on its own connection; returns an exit code. */
static int
worker_main(const WorkOptions *wo, int64_t max_jobs)
{
	pr_worker_options opts;
	pr_error	err;
	pr_conn    *conn;
	int			rc = EXIT_OK;

	if (!(stop_signal = pr_stop_new(&err)))
		return tool_fail("work", &err);
	install_signals();
	if (signals_seen)
		pr_worker_stop(stop_signal);	/* a signal before the stop existed */
	if (!(conn = tool_connect(&rc)))
	{
		pr_stop_free(stop_signal);
		stop_signal = NULL;
		return rc;
	}
	memset(&opts, 0, sizeof(opts));
	opts.batch_size = wo->batch;
	opts.heartbeat_interval_ms = wo->heartbeat_ms;
	opts.handler = run_job;
	opts.user_data = (void *) wo;
	opts.stop = stop_signal;
	opts.max_jobs = max_jobs;
	opts.exit_when_idle = wo->until_empty;
	opts.retry_in = wo->retry_in == PR_NO_INTERVAL ? 0 : wo->retry_in;
	if (pr_worker_run(conn, wo->queue, &opts, &err) == PR_ERROR)
		rc = tool_fail("work", &err);
	pr_finish(conn);
	/* The handler may still look at stop_signal: clear it first. */
	{
		pr_stop    *s = stop_signal;

		stop_signal = NULL;
		pr_stop_free(s);
	}
	return rc;
}

/* ---- the pool ------------------------------------------------------------ */

static pid_t
spawn_worker(const WorkOptions *wo, int64_t max_jobs)
{
	pid_t		pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
	{
		sigset_t	stops;

		is_pool = 0;
		n_worker_pids = 0;
		/* The pool blocks the stop signals around fork: unblock them here. */
		sigemptyset(&stops);
		sigaddset(&stops, SIGTERM);
		sigaddset(&stops, SIGINT);
		sigprocmask(SIG_UNBLOCK, &stops, NULL);
		/* Own process group: the pool alone receives a terminal's Ctrl-C. */
		setpgid(0, 0);
		/* Do not outlive the pool. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(EXIT_OK);
		fflush(stdout);
		_exit(worker_main(wo, max_jobs));
	}
	return pid;
}

/* Fork the workers, replace the ones killed by a signal, wait for all. */
static int
run_pool(const WorkOptions *wo)
{
	int64_t		share[MAX_WORKERS];
	int			alive = 0;
	int			rc = EXIT_OK;
	sigset_t	block,
				old;

	is_pool = 1;
	install_signals();
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);

	for (int i = 0; i < wo->concurrency; i++)
	{
		share[i] = 0;
		if (wo->max_jobs > 0)
			share[i] = wo->max_jobs / wo->concurrency +
				(i < wo->max_jobs % wo->concurrency ? 1 : 0);
	}
	/* Block the stop signals while the pid table changes. */
	sigprocmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < wo->concurrency; i++)
	{
		worker_pids[i] = 0;
		if (wo->max_jobs > 0 && share[i] == 0)
			continue;
		worker_pids[i] = spawn_worker(wo, share[i]);
		if (worker_pids[i] < 0)
		{
			tool_warn("work: fork: %s", strerror(errno));
			worker_pids[i] = 0;
			rc = EXIT_SERVER;
			continue;
		}
		alive++;
	}
	n_worker_pids = wo->concurrency;
	sigprocmask(SIG_SETMASK, &old, NULL);

	while (alive > 0)
	{
		int			status;
		pid_t		pid = waitpid(-1, &status, 0);
		int			slot = -1;

		if (pid < 0)
		{
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < wo->concurrency; i++)
			if (worker_pids[i] == pid)
				slot = i;
		if (slot < 0)
			continue;			/* not one of ours (cannot happen) */
		sigprocmask(SIG_BLOCK, &block, &old);
		worker_pids[slot] = 0;
		alive--;
		if (WIFSIGNALED(status) && !signals_seen)
		{
			tool_warn("work: worker %d was killed by signal %d; starting a new one",
					  (int) pid, WTERMSIG(status));
			worker_pids[slot] = spawn_worker(wo, share[slot]);
			if (worker_pids[slot] > 0)
				alive++;
			else
			{
				worker_pids[slot] = 0;
				rc = EXIT_SERVER;
			}
		}
		else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		{
			if (WEXITSTATUS(status) > rc)
				rc = WEXITSTATUS(status);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	return rc;
}

/* work QUEUE [options] -- COMMAND [ARGS...] */
int
cmd_work(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"concurrency", required_argument, NULL, 'c'},
		{"batch", required_argument, NULL, 'b'},
		{"heartbeat", required_argument, NULL, 'H'},
		{"max-jobs", required_argument, NULL, 'n'},
		{"until-empty", no_argument, NULL, 'e'},
		{"retry-in", required_argument, NULL, 'R'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	WorkOptions wo;
	int			c;
	int			opt_argc = argc;
	long		v;
	int64_t		usec;
	int			rc = EXIT_OK;
	pr_conn    *conn;

	memset(&wo, 0, sizeof(wo));
	wo.concurrency = 1;
	wo.batch = 1;
	wo.heartbeat_ms = 30000;
	wo.retry_in = PR_NO_INTERVAL;

	/* Options end at "--"; everything after it is the command. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
		{
			opt_argc = i;
			break;
		}
	while ((c = getopt_long(opt_argc, argv, "c:b:H:n:eR:vh", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'c':
				if (!parse_int(optarg, 1, MAX_WORKERS, &v))
					return tool_usage_error("work", "--concurrency must be 1..%d", MAX_WORKERS);
				wo.concurrency = (int) v;
				break;
			case 'b':
				if (!parse_int(optarg, 1, 10000, &v))
					return tool_usage_error("work", "--batch must be 1..10000");
				wo.batch = (int) v;
				break;
			case 'H':
				if (!parse_seconds(optarg, &usec) || usec < 10000 || usec > 86400000000LL)
					return tool_usage_error("work", "--heartbeat must be 0.01..86400 seconds");
				wo.heartbeat_ms = (int) (usec / 1000);
				break;
			case 'n':
				if (!parse_int(optarg, 1, 2147483647L, &v))
					return tool_usage_error("work", "--max-jobs must be a positive integer");
				wo.max_jobs = v;
				break;
			case 'e':
				wo.until_empty = true;
				break;
			case 'R':
				if (!parse_seconds(optarg, &usec))
					return tool_usage_error("work", "--retry-in must be a duration in seconds");
				wo.retry_in = usec;
				break;
			case 'v':
				wo.verbose = true;
				break;
			case 'h':
				work_usage(stdout);
				return EXIT_OK;
			default:
				return tool_usage_error("work", "unknown option");
		}
	}
	if (optind >= opt_argc)
		return tool_usage_error("work", "expected a QUEUE");
	if (opt_argc - optind > 1)
		return tool_usage_error("work", "unexpected argument \"%s\" (put the command after --)",
								argv[optind + 1]);
	wo.queue = argv[optind];
	if (opt_argc >= argc - 1)
		return tool_usage_error("work", "expected -- COMMAND [ARGS...]");
	wo.command = argv + opt_argc + 1;
	if (wo.max_jobs > 0 && wo.until_empty)
		return tool_usage_error("work", "--max-jobs and --until-empty exclude each other");

	if (wo.concurrency == 1)
		return worker_main(&wo, wo.max_jobs);

	/* Fail fast on a bad connection before forking the pool. */
	if (!(conn = tool_connect(&rc)))
		return rc;
	pr_finish(conn);
	return run_pool(&wo);
}
