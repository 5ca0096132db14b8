/*-------------------------------------------------------------------------
 *
 * pr_internal.h
 *		Shared internals of libpictrepo: the connection, prepared statements,
 *		parameter building, result reading and packing.  Not installed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PR_INTERNAL_H
#define PR_INTERNAL_H

#include <stdlib.h>

#include <libpq-fe.h>

#include "pict_repo_client.h"

#ifndef PR_CLIENT_VERSION
#error "PR_CLIENT_VERSION must be defined by the Makefile (from pict_repo.control)"
#endif

#define PR_MAX_PARAMS		10

/* Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01). */
#define PR_EPOCH_DIFF_US	INT64_C(946684800000000)

/* A statement: prepared under its name on a connection's first use. */
typedef struct PrStmt
{
	const char *name;
	const char *sql;
	int			nparams;
	unsigned int types[PR_MAX_PARAMS];
} PrStmt;

struct pr_conn
{
	PGconn	   *pg;
	char	   *conninfo;		/* as given to pr_connect, for helper connections */
	char		server_version[64];
	const PrStmt **prepared;	/* statements prepared on this connection */
	int			nprepared;
	int			maxprepared;
	bool		listen_queue;	/* LISTEN pict_repo_queue done */
	bool		listen_upload;	/* LISTEN pict_repo_upload done */
	bool		listen_variant; /* LISTEN pict_repo_variant done */
	int			pooling;		/* PR_POOLING_SESSION or PR_POOLING_TRANSACTION */
	int			poll_interval_ms;	/* waits behind a transaction pooler */
	struct pr_conn *read;		/* the read connection (routing.c), or NULL */
};

/* Parameters of one call: values in the formats libpq wants. */
typedef struct PrParams
{
	int			n;
	const char *values[PR_MAX_PARAMS];
	int			lengths[PR_MAX_PARAMS];
	int			formats[PR_MAX_PARAMS];
	char		buf[PR_MAX_PARAMS][16];
	char	   *owned;			/* one malloc'ed value (a jsonb[]), freed by pri_params_free */
} PrParams;

/* conn.c */
extern void pri_set_error(pr_error *err, const char *sqlstate, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
extern void pri_set_result_error(pr_error *err, const PGresult *res, PGconn *pg);
extern void pri_copy_field(char *dst, size_t size, const char *src);
extern int	pri_prepare(pr_conn *conn, const PrStmt *stmt, pr_error *err);
extern PGresult *pri_exec(pr_conn *conn, const PrStmt *stmt, PrParams *p,
						 int ncols, pr_error *err);
extern int	pri_exec_value(pr_conn *conn, const PrStmt *stmt, PrParams *p,
						   PGresult **res, pr_error *err);
extern int	pri_exec_bool(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_error *err);
extern int	pri_exec_text(pr_conn *conn, const PrStmt *stmt, PrParams *p,
						 char **out, pr_error *err);
extern int	pri_exec_int8(pr_conn *conn, const PrStmt *stmt, PrParams *p,
						 int64_t *out, pr_error *err);
extern int	pri_exec_int4(pr_conn *conn, const PrStmt *stmt, PrParams *p,
						 int32_t *out, pr_error *err);
extern int	pri_exec_ts(pr_conn *conn, const PrStmt *stmt, PrParams *p,
					   int64_t *out, pr_error *err);
extern int	pri_exec_uuid(pr_conn *conn, const PrStmt *stmt, PrParams *p,
						  pr_uuid *out, pr_error *err);
extern int	pri_exec_strings(pr_conn *conn, const PrStmt *stmt, PrParams *p,
							pr_strings **out, pr_error *err);
extern int	pri_check_columns(const PGresult *res, int ncols, pr_error *err);

/* parameters */
extern void pri_params_init(PrParams *p);
extern void pri_params_free(PrParams *p);
extern void pri_pp_text(PrParams *p, const char *s);
extern void pri_pp_bytea(PrParams *p, const uint8_t *data, size_t len);
extern void pri_pp_int4(PrParams *p, int32_t v);
extern void pri_pp_int8(PrParams *p, int64_t v);
extern void pri_pp_bool(PrParams *p, bool v);
extern void pri_pp_uuid(PrParams *p, const pr_uuid *id);
extern void pri_pp_ts(PrParams *p, int64_t ts);
extern void pri_pp_interval(PrParams *p, int64_t us);
extern int	pri_pp_jsonb_array(PrParams *p, const char *const *items, size_t n);
extern int	pri_pp_uuid_array(PrParams *p, const pr_uuid *ids, size_t n);
extern int	pri_pp_text_array(PrParams *p, const char *const *items, size_t n);

/* result values (binary format) */
extern bool pri_isnull(const PGresult *res, int row, int col);
extern bool pri_get_bool(const PGresult *res, int row, int col);
extern int32_t pri_get_int4(const PGresult *res, int row, int col);
extern int64_t pri_get_int8(const PGresult *res, int row, int col);
extern int64_t pri_get_ts(const PGresult *res, int row, int col);
extern void pri_get_uuid(const PGresult *res, int row, int col, pr_uuid *id);
extern void pri_get_hash(const PGresult *res, int row, int col, pr_hash *h);

/*
 * Packing a result into one caller-owned block: the header, the rows, then
 * the strings.  pri_pack_begin sizes the block from the lengths of the
 * string columns; pri_pack_str copies one value (NULL for SQL NULL).
 */
typedef struct PrPack
{
	char	   *base;
	char	   *strings;		/* next free byte for strings */
} PrPack;

extern void *pri_pack_begin(PrPack *pk, size_t header, size_t rowsize, size_t nrows,
						   size_t extra, const PGresult *res, const int *strcols,
						   int nstrcols, void **rows, pr_error *err);
extern char *pri_pack_str(PrPack *pk, const PGresult *res, int row, int col);
extern char *pri_pack_cstr(PrPack *pk, const char *s);
extern char *pri_strdup_value(const PGresult *res, int row, int col, pr_error *err);
extern void *pri_exec_pack(pr_conn *conn, const PrStmt *stmt, PrParams *p, int ncols,
						   PrPack *pk, size_t header, size_t rowsize,
						   const int *strcols, int nstrcols, PGresult **res,
						   void **rows, pr_error *err);
extern int	pri_exec_pack_row(pr_conn *conn, const PrStmt *stmt, PrParams *p, int ncols,
							  PrPack *pk, size_t size, const int *strcols, int nstrcols,
							  PGresult **res, void **block, pr_error *err);

/*
 * Clear res, hand the packed block to *out (or free it when out is NULL) and
 * return PR_OK: the end of every function returning a packed list.
 */
#define PRI_RETURN_PACKED(res, block, out) \
	do { \
		PQclear(res); \
		if (out) \
			*(out) = (block); \
		else \
			free(block); \
		return PR_OK; \
	} while (0)

/* queue.c, hashes.c: statements shared with the pipelined batches */
extern void pri_push_params(PrParams *p, const char *queue, const char *job_json,
						   const pr_push_options *opts);
extern const PrStmt *pri_push_stmt(void);
extern void pri_ingest_params(PrParams *p, const pr_ingest_item *item);
extern const PrStmt *pri_ingest_stmt(void);
extern int	pri_ingest_exec(pr_conn *conn, const PrStmt *stmt, PrParams *p,
							pr_ingest_result **result, pr_error *err);

/* routing.c: the read connection, pooling, reconnecting */
extern pr_conn *pri_connect(const char *conninfo, int pooling, pr_error *err);
extern int	pri_pooling_default(void);
extern pr_conn *pri_route(pr_conn *conn, const PrStmt *stmt);
extern int	pri_poll_wait(pr_conn *conn, int64_t deadline_ms, pr_stop *stop,
						  pr_error *err);
extern int64_t pri_monotonic_ms(void);

/* wait.c */
extern int	pri_stop_fd(const pr_stop *stop);
extern int	pri_listen(pr_conn *conn, bool upload, pr_error *err);

#endif							/* PR_INTERNAL_H */
