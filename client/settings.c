/*-------------------------------------------------------------------------
 *
 * settings.c
 *		libpictrepo: settings, details, store migration and uploads.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "pr_internal.h"

#define B PR_BYTEAOID
#define T PR_TEXTOID
#define J PR_JSONBOID
#define U PR_UUIDOID
#define BOOL PR_BOOLOID

static const PrStmt st_set_setting = {"pr_set_setting",
"SELECT pict_repo.set_setting($1, $2)", 2, {T, B}};
static const PrStmt st_get_setting = {"pr_get_setting",
"SELECT pict_repo.get_setting($1)::bytea", 1, {T}};
static const PrStmt st_remove_setting = {"pr_remove_setting",
"SELECT pict_repo.remove_setting($1)", 1, {T}};
static const PrStmt st_relate_details = {"pr_relate_details",
"SELECT pict_repo.relate_details($1, $2)", 2, {T, J}};
static const PrStmt st_relate_details_ex = {"pr_relate_details_ex",
"SELECT pict_repo.relate_details($1, $2, $3)", 3, {T, J, BOOL}};
static const PrStmt st_details = {"pr_details",
"SELECT pict_repo.details($1)::text", 1, {T}};
static const PrStmt st_cleanup_details = {"pr_cleanup_details",
"SELECT pict_repo.cleanup_details($1)", 1, {T}};
static const PrStmt st_mark_migrated = {"pr_mark_migrated",
"SELECT pict_repo.mark_migrated($1, $2)", 2, {T, T}};
static const PrStmt st_is_migrated = {"pr_is_migrated",
"SELECT pict_repo.is_migrated($1)", 1, {T}};
static const PrStmt st_is_continuing = {"pr_is_continuing_migration",
"SELECT pict_repo.is_continuing_migration()", 0, {0}};
static const PrStmt st_clear_migrations = {"pr_clear_migrations",
"SELECT pict_repo.clear_migrations()::bigint", 0, {0}};
static const PrStmt st_migrate_identifier = {"pr_migrate_identifier",
"SELECT pict_repo.migrate_identifier($1, $2)::integer", 2, {T, T}};
static const PrStmt st_create_upload = {"pr_create_upload",
"SELECT pict_repo.create_upload()::uuid", 0, {0}};
static const PrStmt st_complete_upload = {"pr_complete_upload",
"SELECT pict_repo.complete_upload($1, $2)", 2, {U, J}};
static const PrStmt st_upload_result = {"pr_upload_result",
"SELECT pict_repo.upload_result($1)::text", 1, {U}};
static const PrStmt st_claim_upload = {"pr_claim_upload",
"SELECT pict_repo.claim_upload($1)::text", 1, {U}};

/* ---- settings ------------------------------------------------------------------ */

int
pr_set_setting(pr_conn *conn, const char *key, const uint8_t *value,
			   size_t value_len, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, key);
	pri_pp_bytea(&p, value, value_len);
	return pri_exec_bool(conn, &st_set_setting, &p, err);
}

int
pr_get_setting(pr_conn *conn, const char *key, uint8_t **value, size_t *value_len,
			   pr_error *err)
{
	PrParams	p;
	PGresult   *res;
	int			rc;

	if (value)
		*value = NULL;
	if (value_len)
		*value_len = 0;
	pri_params_init(&p);
	pri_pp_text(&p, key);
	rc = pri_exec_value(conn, &st_get_setting, &p, &res, err);
	if (rc == PR_OK)
	{
		size_t		len = (size_t) PQgetlength(res, 0, 0);

		if (value)
		{
			/* One spare NUL so text values can be printed directly. */
			*value = malloc(len + 1);
			if (!*value)
			{
				pri_set_error(err, PR_SQLSTATE_CLIENT, "out of memory");
				rc = PR_ERROR;
			}
			else
			{
				memcpy(*value, PQgetvalue(res, 0, 0), len);
				(*value)[len] = 0;
			}
		}
		if (value_len && rc == PR_OK)
			*value_len = len;
	}
	PQclear(res);
	return rc;
}

int
pr_remove_setting(pr_conn *conn, const char *key, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, key);
	return pri_exec_bool(conn, &st_remove_setting, &p, err);
}

/* ---- details ------------------------------------------------------------------- */

int
pr_relate_details(pr_conn *conn, const char *identifier, const char *details_json,
				  pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, identifier);
	pri_pp_text(&p, details_json);
	return pri_exec_bool(conn, &st_relate_details, &p, err);
}

int
pr_relate_details_ex(pr_conn *conn, const char *identifier, const char *details_json,
					 bool replace, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, identifier);
	pri_pp_text(&p, details_json);
	pri_pp_bool(&p, replace);
	return pri_exec_bool(conn, &st_relate_details_ex, &p, err);
}

int
pr_details(pr_conn *conn, const char *identifier, char **details_json, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, identifier);
	return pri_exec_text(conn, &st_details, &p, details_json, err);
}

int
pr_cleanup_details(pr_conn *conn, const char *identifier, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, identifier);
	return pri_exec_bool(conn, &st_cleanup_details, &p, err);
}

/* ---- store migration ---------------------------------------------------------------- */

int
pr_mark_migrated(pr_conn *conn, const char *old_identifier,
				 const char *new_identifier, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, old_identifier);
	pri_pp_text(&p, new_identifier);
	return pri_exec_bool(conn, &st_mark_migrated, &p, err);
}

int
pr_is_migrated(pr_conn *conn, const char *old_identifier, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, old_identifier);
	return pri_exec_bool(conn, &st_is_migrated, &p, err);
}

int
pr_is_continuing_migration(pr_conn *conn, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	return pri_exec_bool(conn, &st_is_continuing, &p, err);
}

int
pr_clear_migrations(pr_conn *conn, int64_t *cleared, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	return pri_exec_int8(conn, &st_clear_migrations, &p, cleared, err);
}

int
pr_migrate_identifier(pr_conn *conn, const char *old_identifier,
					  const char *new_identifier, int32_t *changed, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, old_identifier);
	pri_pp_text(&p, new_identifier);
	return pri_exec_int4(conn, &st_migrate_identifier, &p, changed, err);
}

/* ---- uploads -------------------------------------------------------------------- */

int
pr_create_upload(pr_conn *conn, pr_uuid *id, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	return pri_exec_uuid(conn, &st_create_upload, &p, id, err);
}

int
pr_complete_upload(pr_conn *conn, const pr_uuid *id, const char *result_json,
				   pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_uuid(&p, id);
	pri_pp_text(&p, result_json);
	return pri_exec_bool(conn, &st_complete_upload, &p, err);
}

int
pr_upload_result(pr_conn *conn, const pr_uuid *id, char **result_json,
				 pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_uuid(&p, id);
	return pri_exec_text(conn, &st_upload_result, &p, result_json, err);
}

int
pr_claim_upload(pr_conn *conn, const pr_uuid *id, char **result_json, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_uuid(&p, id);
	return pri_exec_text(conn, &st_claim_upload, &p, result_json, err);
}
