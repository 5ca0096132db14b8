/*-------------------------------------------------------------------------
 *
 * stop.c
 *		libpictrepo: the stop signal that ends waits and worker loops.  It is
 *		a self-pipe, so that raising it is async-signal-safe and a wait can
 *		poll() it next to the connection's socket.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE				/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pr_internal.h"

struct pr_stop
{
	int			fds[2];			/* a self-pipe: readable once stop was requested */
	volatile sig_atomic_t requested;
};

/* Make a stop signal. */
pr_stop *
pr_stop_new(pr_error *err)
{
	pr_stop    *stop = calloc(1, sizeof(*stop));

	if (!stop)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return NULL;
	}
	if (pipe2(stop->fds, O_CLOEXEC | O_NONBLOCK) != 0)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "cannot create a pipe: %s",
					 strerror(errno));
		free(stop);
		return NULL;
	}
	return stop;
}

/* Ask every wait and worker loop using this signal to stop (async-signal-safe). */
void
pr_worker_stop(pr_stop *stop)
{
	int			saved = errno;
	ssize_t		n;

	if (!stop)
		return;
	stop->requested = 1;
	do
		n = write(stop->fds[1], "x", 1);
	while (n < 0 && errno == EINTR);
	errno = saved;
}

bool
pr_stop_requested(const pr_stop *stop)
{
	return stop && stop->requested;
}

/* Clear a stop request. */
void
pr_stop_reset(pr_stop *stop)
{
	char		buf[64];

	if (!stop)
		return;
	while (read(stop->fds[0], buf, sizeof(buf)) > 0)
		;
	stop->requested = 0;
}

void
pr_stop_free(pr_stop *stop)
{
	if (!stop)
		return;
	close(stop->fds[0]);
	close(stop->fds[1]);
	free(stop);
}

int
pri_stop_fd(const pr_stop *stop)
{
	return stop ? stop->fds[0] : -1;
}
