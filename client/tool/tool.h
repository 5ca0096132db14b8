/*-------------------------------------------------------------------------
 *
 * tool.h
 *		Shared declarations of the pict-repo command-line tool.
 *
 * Exit codes (documented in `pict-repo --help` and the README):
 *		0  success
 *		1  nothing to do: a conflict, an unknown id or hash, a duplicate
 *		   unique key, aliases still pointing at a hash
 *		2  usage error: bad options or arguments, or input the server
 *		   rejected as invalid (SQLSTATE class 22)
 *		3  server or connection error (any other SQLSTATE)
 *
 *-------------------------------------------------------------------------
 */
#ifndef PICT_REPO_TOOL_H
#define PICT_REPO_TOOL_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pict_repo_client.h"

/* The program's name in its messages. */
#define TOOL_NAME "pict-repo"

#define EXIT_OK			0
#define EXIT_NOTHING	1
#define EXIT_USAGE		2
#define EXIT_SERVER		3

/* The global options, parsed by main.c. */
typedef struct ToolGlobals
{
	const char *conninfo;		/* -d; NULL: the libpq environment */
	const char *read_conninfo;	/* --read-dbname: reads go there; or NULL */
} ToolGlobals;

extern ToolGlobals tool;

/* Each subcommand: argv[0] is the subcommand's name. */
int			cmd_status(int argc, char **argv);
int			cmd_push(int argc, char **argv);
int			cmd_work(int argc, char **argv);
int			cmd_hashes(int argc, char **argv);
int			cmd_cleanup_hash(int argc, char **argv);
int			cmd_dead(int argc, char **argv);
int			cmd_maintenance(int argc, char **argv);
int			cmd_import_pictrs(int argc, char **argv);
int			cmd_stores(int argc, char **argv);
int			cmd_tier(int argc, char **argv);
int			cmd_report(int argc, char **argv);
int			cmd_list(int argc, char **argv);
int			cmd_info(int argc, char **argv);
int			cmd_usage(int argc, char **argv);
int			cmd_tag(int argc, char **argv);
int			cmd_access(int argc, char **argv);

/* prometheus.c: status --prometheus */
void		status_prometheus(FILE *out, const char *server_version, int64_t hashes,
							  int64_t queued, const pr_queue_stats_list *stats);

/* main.c: helpers */
pr_conn    *tool_connect(int *exit_code);
int			tool_fail(const char *what, const pr_error *err);
int			tool_exit_code(const pr_error *err);
int			tool_usage_error(const char *cmd, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
int			tool_no_arguments(int argc, char **argv, const char *cmd,
							  void (*usage) (FILE *out));
void		tool_warn(const char *fmt,...) __attribute__((format(printf, 1, 2)));
void		tool_message(const char *prefix, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
bool		parse_int(const char *s, long min, long max, long *out);
bool		parse_seconds(const char *s, int64_t *usec);
bool		parse_time(const char *s, int64_t *usec);
void		format_time(int64_t usec, char *buf, size_t len);
void		format_interval(int64_t usec, char *buf, size_t len);
bool		parse_hex_hash(const char *s, uint8_t *out, size_t *len);
void		format_hex(const uint8_t *data, size_t len, char *out);

/*
 * util.c: text from the database or a job, escaped for output (\t, \n, \r,
 * \\, \xHH for every other control character, C1 controls included, and
 * for bytes that are not UTF-8).
 */
#define TOOL_ESC_LINES		1	/* keep newlines: a stream of lines */
#define TOOL_ESC_PARTIAL	2	/* stop before a UTF-8 sequence cut at the end */
size_t		tool_escape_to(FILE *out, const char *s, size_t len, int flags);
void		tool_put(FILE *out, const char *s);
char	   *tool_escaped(const char *s);
void		tool_put_json(FILE *out, const char *s);
size_t		tool_utf8_len(const unsigned char *s, size_t n, unsigned int *cp,
						  bool *partial);

#endif							/* PICT_REPO_TOOL_H */
