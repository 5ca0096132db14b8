/*-------------------------------------------------------------------------
 *
 * tier_command.c
 *		pict-repo tier copy -- COMMAND: the user's command copies (and, with
 *		--move, deletes) the files of stores the tool cannot reach itself.
 *
 * The command runs once per copy with PICT_REPO_ACTION=copy and the source
 * and target in its environment; exit 0 means the copy is complete and
 * durable in the target, and it is recorded under the first line the
 * command printed on stdout (or PICT_REPO_DST_IDENTIFIER, the source's
 * identifier, when it printed nothing).  With --move, once move_copy() has
 * committed, the command runs again with PICT_REPO_ACTION=delete and
 * PICT_REPO_SRC_IDENTIFIER the file to delete from the source.
 *
 * The workers are threads, so the command is started with posix_spawnp
 * (no code of ours runs between fork and exec) with an environment built
 * beforehand: ours without any PICT_REPO_* variable, plus the ones above.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tier.h"

#define OUTPUT_MAX 8192			/* bytes of the command's stdout kept */
#define N_VARS 12

extern char **environ;

/* Build "NAME=value" into slot i of vars (malloc'ed); false when out of memory. */
static bool
set_var(char **vars, int i, const char *name, const char *value)
{
	size_t		len = strlen(name) + strlen(value) + 2;

	vars[i] = malloc(len);
	if (!vars[i])
		return false;
	snprintf(vars[i], len, "%s=%s", name, value);
	return true;
}

/*
 * Run the command for one action; 0 when it exited 0, with (when out is
 * not NULL) the first line of its stdout in out.
 */
static int
run_command(TierRun *run, const TierItem *item, const char *action,
			const char *src_identifier, char *out, size_t outlen)
{
	char	   *vars[N_VARS] = {NULL};
	char		hex[2 * PR_HASH_MAX + 1];
	char		bytes[32];
	char	  **env = NULL;
	size_t		nenv = 0;
	int			pipefd[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	pid_t		pid;
	int			status = 0;
	int			rc = -1;
	char		buf[OUTPUT_MAX];
	size_t		got = 0;
	bool		ok;

	format_hex(item->hash.data, item->hash.len, hex);
	snprintf(bytes, sizeof(bytes), "%lld", (long long) item->bytes);
	ok = set_var(vars, 0, "PICT_REPO_ACTION", action) &&
		set_var(vars, 1, "PICT_REPO_HASH", hex) &&
		set_var(vars, 2, "PICT_REPO_FORM", item->form) &&
		set_var(vars, 3, "PICT_REPO_BYTES", bytes) &&
		set_var(vars, 4, "PICT_REPO_SRC_STORE", run->from.name) &&
		set_var(vars, 5, "PICT_REPO_SRC_KIND", run->from.kind) &&
		set_var(vars, 6, "PICT_REPO_SRC_LOCATION", run->from.location) &&
		set_var(vars, 7, "PICT_REPO_SRC_IDENTIFIER", src_identifier) &&
		set_var(vars, 8, "PICT_REPO_DST_STORE", run->to.name) &&
		set_var(vars, 9, "PICT_REPO_DST_KIND", run->to.kind) &&
		set_var(vars, 10, "PICT_REPO_DST_LOCATION", run->to.location) &&
		set_var(vars, 11, "PICT_REPO_DST_IDENTIFIER", item->identifier);
	for (char **e = environ; e && *e; e++)
		nenv++;
	if (ok)
		env = calloc(nenv + N_VARS + 1, sizeof(char *));
	if (!ok || !env)
	{
		tier_item_warn(item, "out of memory");
		goto done;
	}
	nenv = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "PICT_REPO_", 10) != 0)
			env[nenv++] = *e;
	for (int i = 0; i < N_VARS; i++)
		env[nenv++] = vars[i];

	if (pipe2(pipefd, O_CLOEXEC) != 0)
	{
		tier_item_warn(item, "pipe: %s", strerror(errno));
		goto done;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	errno = posix_spawnp(&pid, run->command[0], &fa, NULL, run->command, env);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (errno != 0)
	{
		tier_item_warn(item, "cannot run %s: %s", run->command[0], strerror(errno));
		goto done;
	}
	for (;;)
	{
		char		chunk[4096];
		ssize_t		n = read(pipefd[0], chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got < sizeof(buf) - 1)
		{
			size_t		take = (size_t) n < sizeof(buf) - 1 - got ? (size_t) n : sizeof(buf) - 1 - got;

			memcpy(buf + got, chunk, take);
			got += take;
		}
	}
	buf[got] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
	{
		if (out)
		{
			size_t		n = strcspn(buf, "\r\n");

			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, buf, n);
			out[n] = '\0';
		}
		rc = 0;
	}
	else if (WIFEXITED(status))
		tier_item_warn(item, "%s %s: exit status %d", run->command[0], action,
					   WEXITSTATUS(status));
	else
		tier_item_warn(item, "%s %s: killed by signal %d", run->command[0], action,
					   WTERMSIG(status));

done:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	free(env);
	for (int i = 0; i < N_VARS; i++)
		free(vars[i]);
	return rc;
}

/* Copy one copy with the command and record it. */
TierOutcome
tier_copy_command(TierRun *run, pr_conn *conn, const TierItem *item)
{
	char		printed[4097 * 4];
	const char *identifier;
	char	   *old = NULL;
	TierOutcome out;

	/* A drop (--move of a copy the target holds) has nothing to copy. */
	if (item->drop)
		printed[0] = '\0';
	else if (run_command(run, item, "copy", item->identifier, printed, sizeof(printed)) != 0)
		return TIER_FAILED;
	identifier = printed[0] ? printed : item->identifier;
	if (!item->drop && strcmp(run->to.kind, "file") == 0)
	{
		const char *problem = tier_identifier_problem(identifier);

		if (problem)
		{
			tier_item_warn(item, "refused: the identifier %s would leave the store's location: %s",
						   identifier, problem);
			return TIER_FAILED;
		}
	}
	out = tier_record(run, conn, item, identifier, &old);
	if (out == TIER_DONE && old &&
		run_command(run, item, "delete", old, NULL, 0) != 0)
		tier_item_warn(item, "the copy moved, but the command did not delete its old file");
	pr_free(old);
	return out;
}
