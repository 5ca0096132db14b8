/*-------------------------------------------------------------------------
 *
 * stores.c
 *		libpictrepo: storage tiers (stores, copies, their report) and
 *		cleanup_hash with the store of every file.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "pr_internal.h"

#define B PR_BYTEAOID
#define T PR_TEXTOID
#define I4 PR_INT4OID
#define I8 PR_INT8OID
#define BOOL PR_BOOLOID

static const PrStmt st_create_store = {"pr_create_store",
"SELECT pict_repo.create_store($1, $2, $3, $4, $5)::integer", 5, {T, T, I4, T, T}};
static const PrStmt st_stores = {"pr_stores",
	"SELECT id::integer, name::text, kind::text, priority::integer, location::text, "
	"notes::text, copies::bigint, bytes::bigint FROM pict_repo.stores()",
0, {0}};
static const PrStmt st_drop_store = {"pr_drop_store",
"SELECT pict_repo.drop_store($1)", 1, {T}};
static const PrStmt st_add_copy = {"pr_add_copy",
"SELECT pict_repo.add_copy($1, $2, $3, $4, $5)", 5, {B, T, T, T, I8}};
static const PrStmt st_copies = {"pr_copies",
	"SELECT store::text, kind::text, priority::integer, form::text, identifier::text, "
	"bytes::bigint, created_at::timestamptz FROM pict_repo.copies($1)",
1, {B}};
static const PrStmt st_best_copy = {"pr_best_copy",
	"SELECT store::text, location::text, identifier::text "
	"FROM pict_repo.best_copy($1, COALESCE($2, 'original'))",
2, {B, T}};
static const PrStmt st_remove_copy = {"pr_remove_copy",
"SELECT pict_repo.remove_copy($1, $2, $3)::text", 3, {B, T, T}};
static const PrStmt st_move_copy = {"pr_move_copy",
"SELECT pict_repo.move_copy($1, $2, $3, $4, $5)::text", 5, {B, T, T, T, T}};
static const PrStmt st_copies_in_store = {"pr_copies_in_store",
	"SELECT hash::bytea, form::text, identifier::text, bytes::bigint "
	"FROM pict_repo.copies_in_store($1, $2, $3, $4, $5)",
5, {T, T, I4, B, T}};
static const PrStmt st_storage_report = {"pr_storage_report",
	"SELECT store::text, kind::text, priority::integer, form::text, copies::bigint, "
	"bytes::bigint FROM pict_repo.storage_report()",
0, {0}};
static const PrStmt st_cleanup_hash_stores = {"pr_cleanup_hash_stores",
	"SELECT identifier::text, store::text FROM pict_repo.cleanup_hash($1, $2)",
2, {B, BOOL}};

void pr_store_list_free(pr_store_list *p) { free(p); }
void pr_copy_list_free(pr_copy_list *p) { free(p); }
void pr_copy_location_free(pr_copy_location *p) { free(p); }
void pr_store_copy_list_free(pr_store_copy_list *p) { free(p); }
void pr_storage_list_free(pr_storage_list *p) { free(p); }
void pr_file_list_free(pr_file_list *p) { free(p); }

/* ---- stores ------------------------------------------------------------------- */

/* Register a store: PR_OK with its id, PR_NONE when the name is taken. */
int
pr_create_store(pr_conn *conn, const char *name, const char *kind, int32_t priority,
				const char *location, const char *notes, int32_t *id, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, name);
	pri_pp_text(&p, kind);
	pri_pp_int4(&p, priority);
	pri_pp_text(&p, location);
	pri_pp_text(&p, notes);
	return pri_exec_int4(conn, &st_create_store, &p, id, err);
}

/* Every store, most accessible first, with its copies and bytes. */
int
pr_stores(pr_conn *conn, pr_store_list **stores, pr_error *err)
{
	static const int strcols[] = {1, 2, 4, 5};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_store_list *list;
	void	   *rows;
	int			n;

	if (stores)
		*stores = NULL;
	pri_params_init(&p);
	list = pri_exec_pack(conn, &st_stores, &p, 8, &pk, sizeof(*list),
						 sizeof(pr_store_row), strcols, 4, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		pr_store_row *r = &list->rows[i];

		r->id = pri_get_int4(res, i, 0);
		r->name = pri_pack_str(&pk, res, i, 1);
		r->kind = pri_pack_str(&pk, res, i, 2);
		r->priority = pri_get_int4(res, i, 3);
		r->location = pri_pack_str(&pk, res, i, 4);
		r->notes = pri_pack_str(&pk, res, i, 5);
		r->copies = pri_get_int8(res, i, 6);
		r->bytes = pri_get_int8(res, i, 7);
	}
	PRI_RETURN_PACKED(res, list, stores);
}

/* Remove a store: PR_OK, PR_NONE when unknown; 55006 while it holds copies. */
int
pr_drop_store(pr_conn *conn, const char *name, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_text(&p, name);
	return pri_exec_bool(conn, &st_drop_store, &p, err);
}

/* ---- copies ------------------------------------------------------------------- */

/* Record a copy: PR_OK, PR_NONE when the copy (hash, store, form) exists. */
int
pr_add_copy(pr_conn *conn, const uint8_t *hash, size_t hash_len, const char *store,
			const char *form, const char *identifier, int64_t bytes, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	pri_pp_text(&p, store);
	pri_pp_text(&p, form);
	pri_pp_text(&p, identifier);
	pri_pp_int8(&p, bytes);
	return pri_exec_bool(conn, &st_add_copy, &p, err);
}

/* The copies of a hash, most accessible first. */
int
pr_copies(pr_conn *conn, const uint8_t *hash, size_t hash_len, pr_copy_list **copies,
		  pr_error *err)
{
	static const int strcols[] = {0, 1, 3, 4};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_copy_list *list;
	void	   *rows;
	int			n;

	if (copies)
		*copies = NULL;
	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	list = pri_exec_pack(conn, &st_copies, &p, 7, &pk, sizeof(*list),
						 sizeof(pr_copy_row), strcols, 4, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		pr_copy_row *r = &list->rows[i];

		r->store = pri_pack_str(&pk, res, i, 0);
		r->kind = pri_pack_str(&pk, res, i, 1);
		r->priority = pri_get_int4(res, i, 2);
		r->form = pri_pack_str(&pk, res, i, 3);
		r->identifier = pri_pack_str(&pk, res, i, 4);
		r->bytes = pri_get_int8(res, i, 5);
		r->created_at = pri_get_ts(res, i, 6);
	}
	PRI_RETURN_PACKED(res, list, copies);
}

/* Where to read a form of a hash from: PR_OK, PR_NONE when there is no copy. */
int
pr_best_copy(pr_conn *conn, const uint8_t *hash, size_t hash_len, const char *form,
			 pr_copy_location **best, pr_error *err)
{
	static const int strcols[] = {0, 1, 2};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_copy_location *b;
	int			rc;

	if (best)
		*best = NULL;
	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	pri_pp_text(&p, form);
	rc = pri_exec_pack_row(conn, &st_best_copy, &p, 3, &pk, sizeof(*b), strcols, 3,
						   &res, (void **) &b, err);
	if (rc != PR_OK)
		return rc;
	b->store = pri_pack_str(&pk, res, 0, 0);
	b->location = pri_pack_str(&pk, res, 0, 1);
	b->identifier = pri_pack_str(&pk, res, 0, 2);
	PRI_RETURN_PACKED(res, b, best);
}

/*
 * Forget a copy: PR_OK with the identifier to delete from the store after
 * the commit, PR_NONE when there is no such copy; 55000 for the last
 * original of the hash.
 */
int
pr_remove_copy(pr_conn *conn, const uint8_t *hash, size_t hash_len, const char *store,
			   const char *form, char **identifier, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	pri_pp_text(&p, store);
	pri_pp_text(&p, form);
	return pri_exec_text(conn, &st_remove_copy, &p, identifier, err);
}

/*
 * Move a copy to another store in one transaction: PR_OK with the old
 * identifier to delete from from_store after the commit, PR_NONE (nothing
 * changed) when from_store has no such copy or to_store has one.
 */
int
pr_move_copy(pr_conn *conn, const uint8_t *hash, size_t hash_len, const char *form,
			 const char *from_store, const char *to_store, const char *new_identifier,
			 char **old_identifier, pr_error *err)
{
	PrParams	p;

	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	pri_pp_text(&p, form);
	pri_pp_text(&p, from_store);
	pri_pp_text(&p, to_store);
	pri_pp_text(&p, new_identifier);
	return pri_exec_text(conn, &st_move_copy, &p, old_identifier, err);
}

/*
 * A page of the copies in a store, in (hash, form) order, strictly after
 * (after_hash, after_form) (NULL and NULL: the first page).
 */
int
pr_copies_in_store(pr_conn *conn, const char *store, const char *form, int lim,
				   const uint8_t *after_hash, size_t after_hash_len,
				   const char *after_form, pr_store_copy_list **page, pr_error *err)
{
	static const int strcols[] = {1, 2};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_store_copy_list *list;
	void	   *rows;
	int			n;

	if (page)
		*page = NULL;
	pri_params_init(&p);
	pri_pp_text(&p, store);
	pri_pp_text(&p, form);
	pri_pp_int4(&p, lim);
	pri_pp_bytea(&p, after_hash, after_hash_len);
	pri_pp_text(&p, after_form);
	list = pri_exec_pack(conn, &st_copies_in_store, &p, 4, &pk, sizeof(*list),
						 sizeof(pr_store_copy_row), strcols, 2, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		pr_store_copy_row *r = &list->rows[i];

		pri_get_hash(res, i, 0, &r->hash);
		r->form = pri_pack_str(&pk, res, i, 1);
		r->identifier = pri_pack_str(&pk, res, i, 2);
		r->bytes = pri_get_int8(res, i, 3);
	}
	PRI_RETURN_PACKED(res, list, page);
}

/* The copies and bytes of every store and form (storage_report()). */
int
pr_storage_report(pr_conn *conn, pr_storage_list **report, pr_error *err)
{
	static const int strcols[] = {0, 1, 3};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_storage_list *list;
	void	   *rows;
	int			n;

	if (report)
		*report = NULL;
	pri_params_init(&p);
	list = pri_exec_pack(conn, &st_storage_report, &p, 6, &pk, sizeof(*list),
						 sizeof(pr_storage_row), strcols, 3, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		pr_storage_row *r = &list->rows[i];

		r->store = pri_pack_str(&pk, res, i, 0);
		r->kind = pri_pack_str(&pk, res, i, 1);
		r->priority = pri_get_int4(res, i, 2);
		r->form = pri_pack_str(&pk, res, i, 3);
		r->copies = pri_get_int8(res, i, 4);
		r->bytes = pri_get_int8(res, i, 5);
	}
	PRI_RETURN_PACKED(res, list, report);
}

/*
 * cleanup_hash with the store of every file: the hash's own files (store
 * NULL, pict-rs's store), then its copies with the name of their store.
 */
int
pr_cleanup_hash_stores(pr_conn *conn, const uint8_t *hash, size_t hash_len, bool force,
					   pr_file_list **files, pr_error *err)
{
	static const int strcols[] = {0, 1};
	PrParams	p;
	PGresult   *res;
	PrPack		pk;
	pr_file_list *list;
	void	   *rows;
	int			n;

	if (files)
		*files = NULL;
	pri_params_init(&p);
	pri_pp_bytea(&p, hash, hash_len);
	pri_pp_bool(&p, force);
	list = pri_exec_pack(conn, &st_cleanup_hash_stores, &p, 2, &pk, sizeof(*list),
						 sizeof(pr_file_row), strcols, 2, &res, &rows, err);
	if (!list)
		return PR_ERROR;
	n = PQntuples(res);
	list->n = (size_t) n;
	list->rows = rows;
	for (int i = 0; i < n; i++)
	{
		list->rows[i].identifier = pri_pack_str(&pk, res, i, 0);
		list->rows[i].store = pri_pack_str(&pk, res, i, 1);
	}
	PRI_RETURN_PACKED(res, list, files);
}
