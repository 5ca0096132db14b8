/*-------------------------------------------------------------------------
 *
 * hashes.c
 *		libpictrepo: hashes and variants, aliases, proxies and access times.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "pr_internal.h"

#define B PR_BYTEAOID
#define T PR_TEXTOID
#define I4 PR_INT4OID
#define TS PR_TIMESTAMPTZOID
#define J PR_JSONBOID
#define BOOL PR_BOOLOID

/* ---- hashes ------------------------------------------------------------------ */

static const PrStmt st_create_hash = {"pr_create_hash",
	"SELECT pict_repo.create_hash($1, $2, $3, COALESCE($4, pg_catalog.now()))",
4, {B, T, T, TS}};
static const PrStmt st_ingest = {"pr_ingest",
	"SELECT alias::text, token::text, stored_identifier::text, hash_created::boolean "
	"FROM pict_repo.ingest($1, $2, $3, $4, $5, $6)",
6, {B, T, J, T, T, T}};
static const PrStmt st_hash_identifier = {"pr_hash_identifier",
"SELECT pict_repo.hash_identifier($1)::text", 1, {B}};
static const PrStmt st_update_identifier = {"pr_update_identifier",
"SELECT pict_repo.update_identifier($1, $2)", 2, {B, T}};
static const PrStmt st_relate_motion = {"pr_relate_motion_identifier",
"SELECT pict_repo.relate_motion_identifier($1, $2)", 2, {B, T}};
static const PrStmt st_motion = {"pr_motion_identifier",
"SELECT pict_repo.motion_identifier($1)::text", 1, {B}};
static const PrStmt st_relate_blurhash = {"pr_relate_blurhash",
"SELECT pict_repo.relate_blurhash($1, $2)", 2, {B, T}};
static const PrStmt st_blurhash = {"pr_blurhash",
"SELECT pict_repo.blurhash($1)::text", 1, {B}};
static const PrStmt st_hash_count = {"pr_hash_count",
"SELECT pict_repo.hash_count()::bigint", 0, {0}};
static const PrStmt st_hash_page = {"pr_hash_page",
	"SELECT hash::bytea, created_at::timestamptz FROM pict_repo.hash_page($1, $2, $3)",
3, {I4, TS, B}};
static const PrStmt st_hash_page_by_date = {"pr_hash_page_by_date",
	"SELECT hash::bytea, created_at::timestamptz FROM pict_repo.hash_page_by_date($1, $2)",
2, {TS, I4}};
static const PrStmt st_hash_created_at = {"pr_hash_created_at",
"SELECT pict_repo.hash_created_at($1)::timestamptz", 1, {B}};
static const PrStmt st_hash_page_bound = {"pr_hash_page_bound",
	"SELECT hash::bytea, created_at::timestamptz "
	"FROM pict_repo.hash_page_bound($1, $2, $3, $4, $5)",
5, {TS, B, I4, BOOL, BOOL}};
static const PrStmt st_variant_processing = {"pr_variant_processing",
"SELECT pict_repo.variant_processing($1, $2)", 2, {B, T}};
static const PrStmt st_relate_variant = {"pr_relate_variant",
"SELECT pict_repo.relate_variant($1, $2, $3)", 3, {B, T, T}};
static const PrStmt st_variant_identifier = {"pr_variant_identifier",
"SELECT pict_repo.variant_identifier($1, $2)::text", 2, {B, T}};
static const PrStmt st_variants = {"pr_variants",
	"SELECT variant::text, identifier::text FROM pict_repo.variants($1)",
1, {B}};
static const PrStmt st_remove_variant = {"pr_remove_variant",
"SELECT pict_repo.remove_variant($1, $2)::text", 2, {B, T}};
static const PrStmt st_claim_variant = {"pr_claim_variant_processing",
"SELECT pict_repo.claim_variant_processing($1, $2)", 2, {B, T}};
static const PrStmt st_variant_heartbeat = {"pr_variant_heartbeat",
"SELECT pict_repo.variant_heartbeat($1, $2)", 2, {B, T}};
static const PrStmt st_release_variant = {"pr_release_variant_processing",
"SELECT pict_repo.release_variant_processing($1, $2)", 2, {B, T}};
/*
 * The hash's own files only (store NULL): what pict-rs deletes from its own
 * store.  pr_cleanup_hash_stores (stores.c) gives the copies in the storage
 * tiers too.
 */
static const PrStmt st_cleanup_hash = {"pr_cleanup_hash",
	"SELECT c.identifier::text FROM pict_repo.cleanup_hash($1, $2) AS c WHERE c.store IS NULL",
2, {B, BOOL}};

/* Start the parameters of a statement on a hash and a text (variant, file...). */
static void
hash_text_params(PrParams *p, const uint8_t *hash, size_t hash_len,
				 const char *text)
{
	pri_params_init(p);
	pri_pp_bytea(p, hash, hash_len);
	pri_pp_text(p, text);
}

/* Create a hash; PR_NONE if it exists. */
int
pr_create_hash(pr_conn *conn, const uint8_t *hash, size_t hash_len,
			   const char *identifier, const char *motion_identifier,
			   int64_t created_at, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, identifier);
	pri_pp_text(&p, motion_identifier);
	pri_pp_ts(&p, created_at);
	return pri_exec_bool(conn, &st_create_hash, &p, err);
}

/* Fill the parameters of ingest() from a batch item. */
void
pri_ingest_params(PrParams *p, const pr_ingest_item *item)
{
	pri_params_init(p);
	pri_pp_bytea(p, item->hash, item->hash_len);
	pri_pp_text(p, item->identifier);
	pri_pp_text(p, item->details_json);
	pri_pp_text(p, item->extension);
	pri_pp_text(p, item->declared_alias);
	pri_pp_text(p, item->declared_token);
}

/* The ingest statement, for the pipelined batch. */
const PrStmt *
pri_ingest_stmt(void)
{
	return &st_ingest;
}

/* Store a whole upload (hash, details, alias) in one transaction. */
int
pr_ingest(pr_conn *conn, const uint8_t *hash, size_t hash_len,
		  const char *identifier, const char *details_json,
		  const char *extension, const char *declared_alias,
		  const char *declared_token, pr_ingest_result **result, pr_error *err)
{
	pr_ingest_item item = {hash, hash_len, identifier, details_json, extension,
	declared_alias, declared_token};
	PrParams	p;

	pri_ingest_params(&p, &item);
	return pri_ingest_exec(conn, &st_ingest, &p, result, err);
}

/*
 * Run an ingest statement (pr_ingest, pr_ingest_ex) and hand its row over
 * as one pr_ingest_result.
 */
int
pri_ingest_exec(pr_conn *conn, const PrStmt *stmt, PrParams *p,
				pr_ingest_result **result, pr_error *err)
{
	static const int strcols[] = {0, 1, 2};
	PGresult   *res;
	PrPack		pk;
	pr_ingest_result *r;
	int			rc;

	if (result)
		*result = NULL;
	rc = pri_exec_pack_row(conn, stmt, p, 4, &pk, sizeof(*r), strcols, 3,
						   &res, (void **) &r, err);
	if (rc != PR_OK)
		return rc;
	r->alias = pri_pack_str(&pk, res, 0, 0);
	r->token = pri_pack_str(&pk, res, 0, 1);
	r->stored_identifier = pri_pack_str(&pk, res, 0, 2);
	r->hash_created = pri_get_bool(res, 0, 3);
	PRI_RETURN_PACKED(res, r, result);
}

int
pr_hash_identifier(pr_conn *conn, const uint8_t *hash, size_t hash_len,
				   char **identifier, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	return pri_exec_text(conn, &st_hash_identifier, &p, identifier, err);
}

int
pr_update_identifier(pr_conn *conn, const uint8_t *hash, size_t hash_len,
					 const char *identifier, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, identifier);
	return pri_exec_bool(conn, &st_update_identifier, &p, err);
}

int
pr_relate_motion_identifier(pr_conn *conn, const uint8_t *hash, size_t hash_len,
							const char *motion_identifier, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, motion_identifier);
	return pri_exec_bool(conn, &st_relate_motion, &p, err);
}

int
pr_motion_identifier(pr_conn *conn, const uint8_t *hash, size_t hash_len,
					 char **motion_identifier, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	return pri_exec_text(conn, &st_motion, &p, motion_identifier, err);
}

int
pr_relate_blurhash(pr_conn *conn, const uint8_t *hash, size_t hash_len,
				   const char *blurhash, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, blurhash);
	return pri_exec_bool(conn, &st_relate_blurhash, &p, err);
}

int
pr_blurhash(pr_conn *conn, const uint8_t *hash, size_t hash_len, char **blurhash,
			pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	return pri_exec_text(conn, &st_blurhash, &p, blurhash, err);
}

int
pr_hash_count(pr_conn *conn, int64_t *count, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	return pri_exec_int8(conn, &st_hash_count, &p, count, err);
}

/* Pack (hash, created_at) rows. */
static int
hash_rows(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_hash_list **page,
		  pr_error *err)
{
	PGresult   *res;
	PrPack		pk;
	pr_hash_list *list;
	void	   *rows;
	int			n;

	if (page)
		*page = NULL;
	list = pri_exec_pack(conn, stmt, p, 2, &pk, sizeof(*list), sizeof(pr_hash_row),
						 NULL, 0, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		pri_get_hash(res, i, 0, &list->rows[i].hash);
		list->rows[i].created_at = pri_get_ts(res, i, 1);
	}
	PRI_RETURN_PACKED(res, list, page);
}

int
pr_hash_page(pr_conn *conn, int lim, int64_t after_created,
			 const uint8_t *after_hash, size_t after_hash_len,
			 pr_hash_list **page, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_int4(&p, lim);
	pri_pp_ts(&p, after_created);
	pri_pp_bytea(&p, after_hash, after_hash_len);
	return hash_rows(conn, &st_hash_page, &p, page, err);
}

int
pr_hash_page_by_date(pr_conn *conn, int64_t before, int lim, pr_hash_list **page,
					 pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_ts(&p, before);
	pri_pp_int4(&p, lim);
	return hash_rows(conn, &st_hash_page_by_date, &p, page, err);
}

int
pr_hash_created_at(pr_conn *conn, const uint8_t *hash, size_t hash_len,
				   int64_t *created_at, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	return pri_exec_ts(conn, &st_hash_created_at, &p, created_at, err);
}

int
pr_hash_page_bound(pr_conn *conn, int64_t bound_created, const uint8_t *bound_hash,
				   size_t bound_hash_len, int lim, bool newer, bool inclusive,
				   pr_hash_list **page, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_ts(&p, bound_created);
	pri_pp_bytea(&p, bound_hash, bound_hash_len);
	pri_pp_int4(&p, lim);
	pri_pp_bool(&p, newer);
	pri_pp_bool(&p, inclusive);
	return hash_rows(conn, &st_hash_page_bound, &p, page, err);
}

/* ---- variants ---------------------------------------------------------------- */

int
pr_relate_variant(pr_conn *conn, const uint8_t *hash, size_t hash_len,
				  const char *variant, const char *identifier, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, variant);
	pri_pp_text(&p, identifier);
	return pri_exec_bool(conn, &st_relate_variant, &p, err);
}

int
pr_variant_identifier(pr_conn *conn, const uint8_t *hash, size_t hash_len,
					  const char *variant, char **identifier, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, variant);
	return pri_exec_text(conn, &st_variant_identifier, &p, identifier, err);
}

int
pr_variants(pr_conn *conn, const uint8_t *hash, size_t hash_len,
			pr_variant_list **variants, pr_error *err)
{
	static const int strcols[] = {0, 1};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_variant_list *list;
	void	   *rows;
	int			n;

	if (variants)
		*variants = NULL;
	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	list = pri_exec_pack(conn, &st_variants, &p, 2, &pk, sizeof(*list),
						 sizeof(pr_variant_row), strcols, 2, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		list->rows[i].variant = pri_pack_str(&pk, res, i, 0);
		list->rows[i].identifier = pri_pack_str(&pk, res, i, 1);
	}
	PRI_RETURN_PACKED(res, list, variants);
}

int
pr_remove_variant(pr_conn *conn, const uint8_t *hash, size_t hash_len,
				  const char *variant, char **identifier, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, variant);
	return pri_exec_text(conn, &st_remove_variant, &p, identifier, err);
}

int
pr_claim_variant_processing(pr_conn *conn, const uint8_t *hash, size_t hash_len,
							const char *variant, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, variant);
	return pri_exec_bool(conn, &st_claim_variant, &p, err);
}

int
pr_variant_heartbeat(pr_conn *conn, const uint8_t *hash, size_t hash_len,
					 const char *variant, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, variant);
	return pri_exec_bool(conn, &st_variant_heartbeat, &p, err);
}

/* Release a variant lock; PR_OK (PR_NONE only if the SQL says false). */
int
pr_release_variant_processing(pr_conn *conn, const uint8_t *hash, size_t hash_len,
							  const char *variant, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, variant);
	return pri_exec_bool(conn, &st_release_variant, &p, err);
}

int
pr_cleanup_hash(pr_conn *conn, const uint8_t *hash, size_t hash_len, bool force,
				pr_strings **identifiers, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	pri_pp_bool(&p, force);
	return pri_exec_strings(conn, &st_cleanup_hash, &p, identifiers, err);
}

int
pr_variant_processing(pr_conn *conn, const uint8_t *hash, size_t hash_len,
					  const char *variant, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, variant);
	return pri_exec_bool(conn, &st_variant_processing, &p, err);
}

/* ---- aliases and proxies ------------------------------------------------------- */

static const PrStmt st_create_alias = {"pr_create_alias_with_token",
"SELECT pict_repo.create_alias_with_token($1, $2, $3)::text", 3, {T, B, T}};
static const PrStmt st_alias_hash = {"pr_alias_hash",
"SELECT pict_repo.alias_hash($1)::bytea", 1, {T}};
static const PrStmt st_alias_token = {"pr_alias_token",
"SELECT pict_repo.alias_token($1)::text", 1, {T}};
static const PrStmt st_aliases_for_hash = {"pr_aliases_for_hash",
"SELECT a::text FROM pict_repo.aliases_for_hash($1) AS a", 1, {B}};
static const PrStmt st_delete_alias = {"pr_delete_alias",
	"SELECT hash::bytea, orphaned::boolean FROM pict_repo.delete_alias($1, $2)",
2, {T, T}};
static const PrStmt st_cleanup_alias = {"pr_cleanup_alias",
	"SELECT hash::bytea, orphaned::boolean FROM pict_repo.cleanup_alias($1)",
1, {T}};
static const PrStmt st_relate_url = {"pr_relate_url",
"SELECT pict_repo.relate_url($1, $2)", 2, {T, T}};
static const PrStmt st_related = {"pr_related",
"SELECT pict_repo.related($1)::text", 1, {T}};
static const PrStmt st_remove_relation = {"pr_remove_relation",
"SELECT pict_repo.remove_relation($1)", 1, {T}};
static const PrStmt st_touch_alias = {"pr_touch_alias",
"SELECT pict_repo.touch_alias($1, COALESCE($2, pg_catalog.now()))", 2, {T, TS}};
static const PrStmt st_alias_accessed_at = {"pr_alias_accessed_at",
"SELECT pict_repo.alias_accessed_at($1)::timestamptz", 1, {T}};
static const PrStmt st_older_aliases = {"pr_older_aliases",
	"SELECT alias::text, url::text, accessed::timestamptz "
	"FROM pict_repo.older_aliases($1, $2, $3, $4)",
4, {TS, I4, TS, T}};
static const PrStmt st_touch_variant = {"pr_touch_variant",
	"SELECT pict_repo.touch_variant($1, $2, COALESCE($3, pg_catalog.now()))",
3, {B, T, TS}};
static const PrStmt st_variant_accessed_at = {"pr_variant_accessed_at",
"SELECT pict_repo.variant_accessed_at($1, $2)::timestamptz", 2, {B, T}};
static const PrStmt st_older_variants = {"pr_older_variants",
	"SELECT hash::bytea, variant::text, accessed::timestamptz "
	"FROM pict_repo.older_variants($1, $2, $3, $4, $5)",
5, {TS, I4, TS, B, T}};

int
pr_create_alias_with_token(pr_conn *conn, const char *alias, const uint8_t *hash,
						   size_t hash_len, const char *token, char **token_out,
						   pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, alias);
	pri_pp_bytea(&p, hash, hash_len);
	pri_pp_text(&p, token);
	return pri_exec_text(conn, &st_create_alias, &p, token_out, err);
}

int
pr_alias_hash(pr_conn *conn, const char *alias, pr_hash *hash, pr_error *err)
{
	PrParams	p;
	PGresult   *res;
	int			rc;

	if (hash)
		memset(hash, 0, sizeof(*hash));
	pri_params_init(&p);
	pri_pp_text(&p, alias);
	rc = pri_exec_value(conn, &st_alias_hash, &p, &res, err);
	if (rc == PR_OK && hash)
		pri_get_hash(res, 0, 0, hash);
	PQclear(res);
	return rc;
}

int
pr_alias_token(pr_conn *conn, const char *alias, char **token, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, alias);
	return pri_exec_text(conn, &st_alias_token, &p, token, err);
}

int
pr_aliases_for_hash(pr_conn *conn, const uint8_t *hash, size_t hash_len,
					pr_strings **aliases, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	return pri_exec_strings(conn, &st_aliases_for_hash, &p, aliases, err);
}

/* Read the (hash, orphaned) row of delete_alias/cleanup_alias. */
static int
alias_deleted(pr_conn *conn, const PrStmt *stmt, PrParams *p, pr_hash *hash,
			  bool *orphaned, pr_error *err)
{
	PGresult   *res;
	int			rc = PR_NONE;

	if (hash)
		memset(hash, 0, sizeof(*hash));
	if (orphaned)
		*orphaned = false;
	res = pri_exec(conn, stmt, p, 2, err);
	if (!res)
		return PR_ERROR;
	if (PQntuples(res) >= 1)
	{
		rc = PR_OK;
		if (hash)
			pri_get_hash(res, 0, 0, hash);
		if (orphaned)
			*orphaned = pri_get_bool(res, 0, 1);
	}
	PQclear(res);
	return rc;
}

int
pr_delete_alias(pr_conn *conn, const char *alias, const char *token, pr_hash *hash,
				bool *orphaned, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, alias);
	pri_pp_text(&p, token);
	return alias_deleted(conn, &st_delete_alias, &p, hash, orphaned, err);
}

int
pr_cleanup_alias(pr_conn *conn, const char *alias, pr_hash *hash, bool *orphaned,
				 pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, alias);
	return alias_deleted(conn, &st_cleanup_alias, &p, hash, orphaned, err);
}

int
pr_relate_url(pr_conn *conn, const char *url, const char *alias, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, url);
	pri_pp_text(&p, alias);
	return pri_exec_bool(conn, &st_relate_url, &p, err);
}

int
pr_related(pr_conn *conn, const char *url, char **alias, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, url);
	return pri_exec_text(conn, &st_related, &p, alias, err);
}

int
pr_remove_relation(pr_conn *conn, const char *alias, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, alias);
	return pri_exec_bool(conn, &st_remove_relation, &p, err);
}

/* ---- access times ----------------------------------------------------------------- */

int
pr_touch_alias(pr_conn *conn, const char *alias, int64_t at, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, alias);
	pri_pp_ts(&p, at);
	return pri_exec_bool(conn, &st_touch_alias, &p, err);
}

int
pr_alias_accessed_at(pr_conn *conn, const char *alias, int64_t *at, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, alias);
	return pri_exec_ts(conn, &st_alias_accessed_at, &p, at, err);
}

int
pr_older_aliases(pr_conn *conn, int64_t before, int lim, int64_t after_accessed,
				 const char *after_url, pr_alias_access_list **out, pr_error *err)
{
	static const int strcols[] = {0, 1};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_alias_access_list *list;
	void	   *rows;
	int			n;

	if (out)
		*out = NULL;
	pri_params_init(&p);
	pri_pp_ts(&p, before);
	pri_pp_int4(&p, lim);
	pri_pp_ts(&p, after_accessed);
	pri_pp_text(&p, after_url);
	list = pri_exec_pack(conn, &st_older_aliases, &p, 3, &pk, sizeof(*list),
						 sizeof(pr_alias_access_row), strcols, 2, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		list->rows[i].alias = pri_pack_str(&pk, res, i, 0);
		list->rows[i].url = pri_pack_str(&pk, res, i, 1);
		list->rows[i].accessed = pri_get_ts(res, i, 2);
	}
	PRI_RETURN_PACKED(res, list, out);
}

int
pr_touch_variant(pr_conn *conn, const uint8_t *hash, size_t hash_len,
				 const char *variant, int64_t at, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, variant);
	pri_pp_ts(&p, at);
	return pri_exec_bool(conn, &st_touch_variant, &p, err);
}

int
pr_variant_accessed_at(pr_conn *conn, const uint8_t *hash, size_t hash_len,
					   const char *variant, int64_t *at, pr_error *err)
{
	PrParams	p;

	hash_text_params(&p, hash, hash_len, variant);
	return pri_exec_ts(conn, &st_variant_accessed_at, &p, at, err);
}

int
pr_older_variants(pr_conn *conn, int64_t before, int lim, int64_t after_accessed,
				  const uint8_t *after_hash, size_t after_hash_len,
				  const char *after_variant, pr_variant_access_list **out,
				  pr_error *err)
{
	static const int strcols[] = {1};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_variant_access_list *list;
	void	   *rows;
	int			n;

	if (out)
		*out = NULL;
	pri_params_init(&p);
	pri_pp_ts(&p, before);
	pri_pp_int4(&p, lim);
	pri_pp_ts(&p, after_accessed);
	pri_pp_bytea(&p, after_hash, after_hash_len);
	pri_pp_text(&p, after_variant);
	list = pri_exec_pack(conn, &st_older_variants, &p, 3, &pk, sizeof(*list),
						 sizeof(pr_variant_access_row), strcols, 1, &res, &rows,
						 err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		pri_get_hash(res, i, 0, &list->rows[i].hash);
		list->rows[i].variant = pri_pack_str(&pk, res, i, 1);
		list->rows[i].accessed = pri_get_ts(res, i, 2);
	}
	PRI_RETURN_PACKED(res, list, out);
}
