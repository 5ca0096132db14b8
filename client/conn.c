/*-------------------------------------------------------------------------
 *
 * conn.c
 *		libpictrepo: connecting, the version check, and running prepared
 *		statements on a connection.  Errors are errors.c, frees free.c,
 *		uuids uuid.c, parameters params.c, result values result.c.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "pr_internal.h"

/* Return the version of pict_repo.control the library was built from. */
const char *
pr_library_version(void)
{
	return PR_CLIENT_VERSION;
}

/* ---- statements ----------------------------------------------------------------- */

/* Prepare a statement on this connection unless it already is. */
int
pri_prepare(pr_conn *conn, const PrStmt *stmt, pr_error *err)
{
	PGresult   *res;

	/* Behind a transaction pooler statements are sent unnamed (exec_on). */
	if (conn->pooling == PR_POOLING_TRANSACTION)
		return PR_OK;
	for (int i = 0; i < conn->nprepared; i++)
		if (conn->prepared[i] == stmt)
			return PR_OK;

	if (conn->nprepared == conn->maxprepared)
	{
		int			max = conn->maxprepared ? conn->maxprepared * 2 : 32;
		const PrStmt **n = realloc(conn->prepared, sizeof(*n) * (size_t) max);

		if (!n)
		{
			pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
			return PR_ERROR;
		}
		conn->prepared = n;
		conn->maxprepared = max;
	}
	res = PQprepare(conn->pg, stmt->name, stmt->sql, stmt->nparams,
					(const Oid *) stmt->types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		pri_set_result_error(err, res, conn->pg);
		PQclear(res);
		return PR_ERROR;
	}
	PQclear(res);
	conn->prepared[conn->nprepared++] = stmt;
	return PR_OK;
}

/* Check that a result has the expected number of columns. */
int
pri_check_columns(const PGresult *res, int ncols, pr_error *err)
{
	if (ncols >= 0 && PQnfields(res) != ncols)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT,
					 "unexpected result: %d columns instead of %d",
					 PQnfields(res), ncols);
		return PR_ERROR;
	}
	return PR_OK;
}

/*
 * Run a statement on one connection with binary results: prepared on first
 * use and run with PQexecPrepared, or, behind a pooler in transaction mode,
 * sent with its text each time (an unnamed statement, PQexecParams), since
 * the next transaction may run on another server connection.  Returns the
 * result of a successful query, NULL with err filled otherwise.
 */
static PGresult *
exec_on(pr_conn *conn, const PrStmt *stmt, PrParams *p, int ncols, pr_error *err)
{
	PGresult   *res;
	ExecStatusType st;

	if (conn->pooling == PR_POOLING_TRANSACTION)
		res = PQexecParams(conn->pg, stmt->sql, p->n, (const Oid *) stmt->types,
						   p->values, p->lengths, p->formats, 1);
	else if (pri_prepare(conn, stmt, err) != PR_OK)
		return NULL;
	else
		res = PQexecPrepared(conn->pg, stmt->name, p->n, p->values, p->lengths,
							 p->formats, 1);
	st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
	{
		pri_set_result_error(err, res, conn->pg);
		PQclear(res);
		return NULL;
	}
	if (pri_check_columns(res, ncols, err) != PR_OK)
	{
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * Run a statement with binary results; returns the result of a successful
 * query (the caller PQclears it), NULL with err filled otherwise.  Frees
 * the parameters.  A read goes to the read connection when there is one
 * (routing.c), and to the primary when the read connection is lost.
 */
PGresult *
pri_exec(pr_conn *conn, const PrStmt *stmt, PrParams *p, int ncols, pr_error *err)
{
	PGresult   *res;
	pr_conn    *target;

	if (!conn || !conn->pg)
	{
		pri_set_error(err, PR_SQLSTATE_INVALID_ARGUMENT, "connection is NULL");
		pri_params_free(p);
		return NULL;
	}
	target = pri_route(conn, stmt);
	res = exec_on(target, stmt, p, ncols, err);
	if (!res && target != conn && PQstatus(target->pg) == CONNECTION_BAD)
		res = exec_on(conn, stmt, p, ncols, err);
	pri_params_free(p);
	return res;
}

/*
 * Run a statement whose first column is a boolean or a void: PR_OK for true
 * or a void result, PR_NONE for false, NULL or no row.
 */
int
pri_exec_bool(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_error *err)
{
	PGresult   *res = pri_exec(conn, stmt, p, -1, err);
	int			rc = PR_OK;

	if (!res)
		return PR_ERROR;
	if (PQnfields(res) >= 1 && PQftype(res, 0) == PR_BOOLOID)
	{
		if (PQntuples(res) < 1 || !pri_get_bool(res, 0, 0))
			rc = PR_NONE;
	}
	PQclear(res);
	return rc;
}

/*
 * Run a statement returning one value: PR_OK with *res holding it in row 0,
 * column 0 (the caller PQclears it), PR_NONE for no row or a NULL, PR_ERROR
 * with err filled.  *res is NULL unless the answer is PR_OK.
 */
int
pri_exec_value(pr_conn *conn, const PrStmt *stmt, PrParams *p, PGresult **res,
			   pr_error *err)
{
	*res = pri_exec(conn, stmt, p, 1, err);
	if (!*res)
		return PR_ERROR;
	if (PQntuples(*res) >= 1 && !PQgetisnull(*res, 0, 0))
		return PR_OK;
	PQclear(*res);
	*res = NULL;
	return PR_NONE;
}

/* Run a statement returning one text value: PR_OK with a malloc'ed copy or PR_NONE. */
int
pri_exec_text(pr_conn *conn, const PrStmt *stmt, PrParams *p, char **out,
			 pr_error *err)
{
	PGresult   *res;
	int			rc;

	if (out)
		*out = NULL;
	rc = pri_exec_value(conn, stmt, p, &res, err);
	if (rc == PR_OK && out && !(*out = pri_strdup_value(res, 0, 0, err)))
		rc = PR_ERROR;
	PQclear(res);
	return rc;
}

/* Run a statement returning one bigint: PR_OK with it, or PR_NONE and 0. */
int
pri_exec_int8(pr_conn *conn, const PrStmt *stmt, PrParams *p, int64_t *out,
			 pr_error *err)
{
	PGresult   *res;
	int			rc = pri_exec_value(conn, stmt, p, &res, err);

	if (out)
		*out = rc == PR_OK ? pri_get_int8(res, 0, 0) : 0;
	PQclear(res);
	return rc;
}

/* Run a statement returning one integer: PR_OK with it, or PR_NONE and 0. */
int
pri_exec_int4(pr_conn *conn, const PrStmt *stmt, PrParams *p, int32_t *out,
			 pr_error *err)
{
	PGresult   *res;
	int			rc = pri_exec_value(conn, stmt, p, &res, err);

	if (out)
		*out = rc == PR_OK ? pri_get_int4(res, 0, 0) : 0;
	PQclear(res);
	return rc;
}

/* Run a statement returning one timestamp: PR_OK with it, or PR_NONE and PR_NO_TIME. */
int
pri_exec_ts(pr_conn *conn, const PrStmt *stmt, PrParams *p, int64_t *out,
		   pr_error *err)
{
	PGresult   *res;
	int			rc = pri_exec_value(conn, stmt, p, &res, err);

	if (out)
		*out = rc == PR_OK ? pri_get_ts(res, 0, 0) : PR_NO_TIME;
	PQclear(res);
	return rc;
}

/* Run a statement returning one uuid: PR_OK with it, or PR_NONE and all zeros. */
int
pri_exec_uuid(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_uuid *out,
			  pr_error *err)
{
	PGresult   *res;
	int			rc;

	if (out)
		memset(out, 0, sizeof(*out));
	rc = pri_exec_value(conn, stmt, p, &res, err);
	if (rc == PR_OK && out)
		pri_get_uuid(res, 0, 0, out);
	PQclear(res);
	return rc;
}

/* Run a statement returning a set of text: PR_OK with the list (maybe empty). */
int
pri_exec_strings(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_strings **out,
				pr_error *err)
{
	static const int strcols[] = {0};
	PGresult   *res;
	PrPack		pk;
	pr_strings *list;
	void	   *rows;
	int			n;

	if (out)
		*out = NULL;
	list = pri_exec_pack(conn, stmt, p, 1, &pk, sizeof(pr_strings), sizeof(char *),
						 strcols, 1, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->items = rows;
	for (int i = 0; i < n; i++)
		list->items[i] = pri_pack_str(&pk, res, i, 0);
	PRI_RETURN_PACKED(res, list, out);
}

/* ---- connecting ------------------------------------------------------------------ */

static const PrStmt st_search_path = {
	"pr_search_path", "SELECT pg_catalog.set_config('search_path', '', false)", 0, {0}
};
static const PrStmt st_version = {
	"pr_version", "SELECT pict_repo.version()::text", 0, {0}
};

/* The major version: the digits before the first dot. */
static long
major_of(const char *v)
{
	char	   *end;
	long		m;

	if (!v)
		return -1;
	errno = 0;
	m = strtol(v, &end, 10);
	if (end == v || errno != 0 || (*end != '.' && *end != '\0'))
		return -1;
	return m;
}

/* Check a server version against the library's major version. */
int
pr_check_version_compat(const char *server_version, pr_error *err)
{
	long		lib = major_of(PR_CLIENT_VERSION);
	long		srv = major_of(server_version);

	if (srv < 0 || srv != lib)
	{
		pri_set_error(err, PR_SQLSTATE_VERSION_MISMATCH,
					 "pict_repo version %s in the database is not compatible with libpictrepo %s",
					 server_version ? server_version : "(null)", PR_CLIENT_VERSION);
		if (err)
		{
			snprintf(err->detail, sizeof(err->detail),
					 "The major versions must match.");
			snprintf(err->hint, sizeof(err->hint),
					 "Update the extension (ALTER EXTENSION pict_repo UPDATE) or use a libpictrepo of the same major version.");
		}
		return PR_ERROR;
	}
	return PR_OK;
}

/* Connect with the pooling mode of the environment (routing.c). */
pr_conn *
pr_connect(const char *conninfo, pr_error *err)
{
	return pri_connect(conninfo, pri_pooling_default(), err);
}

/*
 * Connect, pin search_path, check the extension and its version.  pooling
 * is PR_POOLING_SESSION or PR_POOLING_TRANSACTION.
 */
pr_conn *
pri_connect(const char *conninfo, int pooling, pr_error *err)
{
	const char *keywords[4];
	const char *values[4];
	int			k = 0;
	pr_conn    *conn;
	PGresult   *res;
	PrParams	p;
	char		dbname[256];

	pr_error_clear(err);
	conn = calloc(1, sizeof(*conn));
	if (!conn)
	{
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return NULL;
	}
	conn->pooling = pooling;
	conn->poll_interval_ms = PR_DEFAULT_POLL_INTERVAL_MS;
	conn->conninfo = strdup(conninfo ? conninfo : "");
	if (!conn->conninfo)
	{
		free(conn);
		pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
		return NULL;
	}
	keywords[k] = "fallback_application_name";
	values[k++] = "pict-repo";
	if (conninfo && conninfo[0])
	{
		keywords[k] = "dbname";
		values[k++] = conninfo;
	}
	keywords[k] = NULL;
	values[k] = NULL;

	conn->pg = PQconnectdbParams(keywords, values, 1);
	if (!conn->pg || PQstatus(conn->pg) != CONNECTION_OK)
	{
		pri_set_error(err, PR_SQLSTATE_CONNECTION, "cannot connect to the database");
		if (err && conn->pg)
			pri_copy_field(err->detail, sizeof(err->detail), PQerrorMessage(conn->pg));
		pr_finish(conn);
		return NULL;
	}

	pri_params_init(&p);
	res = pri_exec(conn, &st_search_path, &p, -1, err);
	if (!res)
	{
		pr_finish(conn);
		return NULL;
	}
	PQclear(res);

	snprintf(dbname, sizeof(dbname), "%s", PQdb(conn->pg) ? PQdb(conn->pg) : "");
	pri_params_init(&p);
	res = pri_exec(conn, &st_version, &p, 1, err);
	if (!res)
	{
		/* No schema pict_repo, or no version() in it: not installed. */
		if (err && (strcmp(err->sqlstate, "3F000") == 0 ||
					strcmp(err->sqlstate, "42883") == 0))
		{
			pri_set_error(err, PR_SQLSTATE_NOT_INSTALLED,
						 "extension \"pict_repo\" is not installed in database \"%s\"",
						 dbname);
			snprintf(err->hint, sizeof(err->hint),
					 "Run CREATE EXTENSION pict_repo; in that database.");
		}
		pr_finish(conn);
		return NULL;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
	{
		PQclear(res);
		pri_set_error(err, PR_SQLSTATE_VERSION_MISMATCH,
					 "pict_repo.version() returned no version");
		pr_finish(conn);
		return NULL;
	}
	snprintf(conn->server_version, sizeof(conn->server_version), "%.*s",
			 PQgetlength(res, 0, 0), PQgetvalue(res, 0, 0));
	PQclear(res);
	if (pr_check_version_compat(conn->server_version, err) != PR_OK)
	{
		pr_finish(conn);
		return NULL;
	}
	return conn;
}

/* Close the connection and free it. */
void
pr_finish(pr_conn *conn)
{
	if (!conn)
		return;
	if (conn->pg)
		PQfinish(conn->pg);
	pr_finish(conn->read);
	free(conn->prepared);
	free(conn->conninfo);
	free(conn);
}

const char *
pr_server_version(const pr_conn *conn)
{
	return conn ? conn->server_version : NULL;
}

struct pg_conn *
pr_pgconn(pr_conn *conn)
{
	return conn ? conn->pg : NULL;
}

/* Call pict_repo.version(). */
int
pr_version(pr_conn *conn, char **version, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	return pri_exec_text(conn, &st_version, &p, version, err);
}
