/*-------------------------------------------------------------------------
 *
 * fuzz_decode.c
 *		libFuzzer target: libpictrepo's decoding of server results.
 *
 * No server is involved.  The link wraps PQprepare and PQexecPrepared
 * (-Wl,--wrap=...): every statement "succeeds" with a result built from the
 * fuzz input by libpq's own PQmakeEmptyPGresult/PQsetResultAttrs/
 * PQsetvalue, so any shape a server (or a man in the middle, or a future
 * server version) could send reaches the decoders: any number of columns
 * and rows, any column type, NULLs, values of any length.  Then one public
 * call chosen by the input decodes it, and every string of its result is
 * read, so ASan sees a bad pointer or a missing terminator.
 *
 * Input: byte 0 chooses the call, byte 1 the result status, byte 2 the
 * number of columns (0..8), byte 3 the number of rows (0..16); one byte per
 * column chooses its type; then per value a length byte (255 = NULL)
 * followed by that many bytes (fewer at the end of the input).  The first
 * value, as a C string, is also given to the pure parsers
 * (pr_check_version_compat, pr_uuid_parse).
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pr_internal.h"
#include "fz_pgresult.h"

static const uint8_t *fz_data;
static size_t fz_size;
static pr_conn fz_conn;

/* The result every statement gets: built from the input, each time anew. */
static PGresult *
fz_result(void)
{
	static const ExecStatusType statuses[] = {
		PGRES_TUPLES_OK, PGRES_TUPLES_OK, PGRES_TUPLES_OK, PGRES_COMMAND_OK,
		PGRES_FATAL_ERROR, PGRES_EMPTY_QUERY
	};
	const uint8_t *p = fz_data + 2;

	if (fz_size < 4)
		return PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	return fz_build_result(&p, fz_data + fz_size, statuses[fz_data[1] % 6]);
}

PGresult   *__wrap_PQprepare(PGconn *conn, const char *stmtName, const char *query,
							 int nParams, const Oid *paramTypes);
PGresult   *__wrap_PQexecPrepared(PGconn *conn, const char *stmtName, int nParams,
								  const char *const *paramValues, const int *paramLengths,
								  const int *paramFormats, int resultFormat);

PGresult *
__wrap_PQprepare(PGconn *conn, const char *stmtName, const char *query,
				 int nParams, const Oid *paramTypes)
{
	return PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
}

PGresult *
__wrap_PQexecPrepared(PGconn *conn, const char *stmtName, int nParams,
					  const char *const *paramValues, const int *paramLengths,
					  const int *paramFormats, int resultFormat)
{
	return fz_result();
}

/* Read a string the way a caller would: to its end. */
static volatile size_t fz_sink;
static void
touch(const char *s)
{
	if (s)
		fz_sink += strlen(s);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t hash[] = {1, 2, 3};
	pr_error	err;
	pr_uuid		id = {{0}};
	char	   *s = NULL;
	int64_t		i8 = 0;
	int32_t		i4 = 0;

	if (!fz_conn.pg)
	{
		/* A real PGconn object that never connects: for PQerrorMessage. */
		fz_conn.pg = PQconnectStart("host=/nonexistent/pict_repo_fuzz dbname=fuzz");
		if (!fz_conn.pg)
			abort();
	}
	fz_data = data;
	fz_size = size;
	pr_error_clear(&err);

	/* The pure parsers, on the first value as a C string. */
	if (size > 5)
	{
		size_t		n = size - 5 < 64 ? size - 5 : 64;
		char		buf[65];
		pr_error	e2;

		memcpy(buf, data + 5, n);
		buf[n] = '\0';
		(void) pr_check_version_compat(buf, &e2);
		(void) pr_uuid_parse(buf, &id);
	}

	switch (size > 0 ? data[0] % 36 : 0)
	{
		case 0:
			{
				pr_ingest_result *r = NULL;

				if (pr_ingest(&fz_conn, hash, sizeof(hash), "i", "{}", "png", NULL, NULL,
							  &r, &err) == PR_OK && r)
				{
					touch(r->alias);
					touch(r->token);
					touch(r->stored_identifier);
				}
				pr_ingest_result_free(r);
				break;
			}
		case 1:
			{
				pr_hash_list *l = NULL;

				if (pr_hash_page(&fz_conn, 10, PR_NO_TIME, NULL, 0, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
						fz_sink += l->rows[i].hash.len + (size_t) l->rows[i].created_at;
				pr_hash_list_free(l);
				break;
			}
		case 2:
			{
				pr_variant_list *l = NULL;

				if (pr_variants(&fz_conn, hash, sizeof(hash), &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
					{
						touch(l->rows[i].variant);
						touch(l->rows[i].identifier);
					}
				pr_variant_list_free(l);
				break;
			}
		case 3:
			{
				pr_strings *l = NULL;

				if (pr_cleanup_hash(&fz_conn, hash, sizeof(hash), false, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
						touch(l->items[i]);
				pr_strings_free(l);
				break;
			}
		case 4:
			{
				pr_strings *l = NULL;

				if (pr_aliases_for_hash(&fz_conn, hash, sizeof(hash), &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
						touch(l->items[i]);
				pr_strings_free(l);
				break;
			}
		case 5:
			{
				pr_hash		h;
				bool		orphaned;

				(void) pr_delete_alias(&fz_conn, "a", "t", &h, &orphaned, &err);
				break;
			}
		case 6:
			{
				pr_alias_access_list *l = NULL;

				if (pr_older_aliases(&fz_conn, 0, 10, PR_NO_TIME, NULL, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
					{
						touch(l->rows[i].alias);
						touch(l->rows[i].url);
					}
				pr_alias_access_list_free(l);
				break;
			}
		case 7:
			{
				pr_variant_access_list *l = NULL;

				if (pr_older_variants(&fz_conn, 0, 10, PR_NO_TIME, NULL, 0, NULL, &l,
									  &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
						touch(l->rows[i].variant);
				pr_variant_access_list_free(l);
				break;
			}
		case 8:
			{
				pr_job_list *l = NULL;

				if (pr_claim_job(&fz_conn, "q", &id, 4, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
						touch(l->rows[i].job);
				pr_job_list_free(l);
				break;
			}
		case 9:
			{
				pr_uuid_list *l = NULL;
				const char *jobs[] = {"{}", "[1]", "\"x\""};

				(void) pr_push_jobs(&fz_conn, "q", jobs, 3, &l, &err);
				pr_uuid_list_free(l);
				break;
			}
		case 10:
			{
				pr_queue_stats_list *l = NULL;

				if (pr_queue_stats(&fz_conn, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
						touch(l->rows[i].queue);
				pr_queue_stats_list_free(l);
				break;
			}
		case 11:
			{
				pr_fail_outcome o;

				(void) pr_fail_job(&fz_conn, &id, &id, "e", PR_NO_INTERVAL, &o, &err);
				break;
			}
		case 12:
			{
				pr_maintenance_result m;

				(void) pr_run_maintenance(&fz_conn, &m, &err);
				break;
			}
		case 13:
			{
				pr_dead_job_list *l = NULL;

				if (pr_dead_jobs(&fz_conn, NULL, 10, NULL, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
					{
						touch(l->rows[i].queue);
						touch(l->rows[i].job);
						touch(l->rows[i].last_error);
					}
				pr_dead_job_list_free(l);
				break;
			}
		case 14:
			{
				uint8_t    *v = NULL;
				size_t		n = 0;

				if (pr_get_setting(&fz_conn, "k", &v, &n, &err) == PR_OK && v && n)
					fz_sink += v[n - 1];
				pr_free(v);
				break;
			}
		case 15:
			{
				pr_hash		h;

				(void) pr_alias_hash(&fz_conn, "a", &h, &err);
				break;
			}
		case 16:
			(void) pr_hash_count(&fz_conn, &i8, &err);
			break;
		case 17:
			if (pr_details(&fz_conn, "i", &s, &err) == PR_OK)
				touch(s);
			break;
		case 18:
			if (pr_claim_upload(&fz_conn, &id, &s, &err) == PR_OK)
				touch(s);
			break;
		case 19:
			if (pr_version(&fz_conn, &s, &err) == PR_OK)
				touch(s);
			break;
		case 20:
			(void) pr_average_time_to_completion(&fz_conn, "q", 0, 1, &i8, &err);
			break;
		case 21:
			(void) pr_migrate_identifier(&fz_conn, "a", "b", &i4, &err);
			break;
		case 22:
			if (pr_remove_variant(&fz_conn, hash, sizeof(hash), "v", &s, &err) == PR_OK)
				touch(s);
			break;
		case 23:
			(void) pr_create_upload(&fz_conn, &id, &err);
			(void) pr_is_migrated(&fz_conn, "a", &err);
			(void) pr_queue_length(&fz_conn, NULL, &i8, &err);
			break;
		case 24:
			(void) pr_alias_accessed_at(&fz_conn, "a", &i8, &err);
			(void) pr_variant_accessed_at(&fz_conn, hash, sizeof(hash), "v", &i8, &err);
			break;
		case 25:
			(void) pr_push_job(&fz_conn, "q", "{}", NULL, &id, &err);
			break;
		case 26:
			{
				pr_job_list *l = NULL;

				if (pr_complete_and_claim_job(&fz_conn, &id, &id, "q", 2, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
						touch(l->rows[i].job);
				pr_job_list_free(l);
				break;
			}
		case 27:
			(void) pr_requeue_stale(&fz_conn, PR_NO_INTERVAL, &i4, &err);
			(void) pr_clear_migrations(&fz_conn, &i8, &err);
			break;
		case 28:
			if (pr_hash_identifier(&fz_conn, hash, sizeof(hash), &s, &err) == PR_OK)
				touch(s);
			/* The file service: media rows with their text[] tags. */
			{
				pr_media_row *m = NULL;
				pr_media_list *l = NULL;
				pr_strings *t = NULL;

				if (pr_media_info(&fz_conn, "a", &m, &err) == PR_OK && m)
				{
					touch(m->alias);
					touch(m->identifier);
					for (size_t k = 0; k < m->n_tags; k++)
						touch(m->tags[k]);
				}
				pr_free(m);
				if (pr_list_media(&fz_conn, "{}", 10, NULL, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
					{
						touch(l->rows[i].cursor);
						touch(l->rows[i].owner);
						for (size_t k = 0; k < l->rows[i].n_tags; k++)
							touch(l->rows[i].tags[k]);
					}
				pr_media_list_free(l);
				if (pr_add_tags(&fz_conn, "a", NULL, 0, &t, &err) == PR_OK && t)
					for (size_t k = 0; k < t->n; k++)
						touch(t->items[k]);
				pr_free(t);
				(void) pr_usage_report(&fz_conn, NULL, &i8, &i8, &err);
			}
			break;
			/* The storage tiers (1.3). */
		case 29:
			{
				pr_store_list *l = NULL;

				if (pr_stores(&fz_conn, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
					{
						touch(l->rows[i].name);
						touch(l->rows[i].kind);
						touch(l->rows[i].location);
						touch(l->rows[i].notes);
						fz_sink += (size_t) l->rows[i].id + (size_t) l->rows[i].priority +
							(size_t) l->rows[i].copies + (size_t) l->rows[i].bytes;
					}
				pr_store_list_free(l);
				break;
			}
		case 30:
			{
				pr_copy_list *l = NULL;

				if (pr_copies(&fz_conn, hash, sizeof(hash), &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
					{
						touch(l->rows[i].store);
						touch(l->rows[i].kind);
						touch(l->rows[i].form);
						touch(l->rows[i].identifier);
						fz_sink += (size_t) l->rows[i].priority + (size_t) l->rows[i].bytes +
							(size_t) l->rows[i].created_at;
					}
				pr_copy_list_free(l);
				break;
			}
		case 31:
			{
				pr_copy_location *b = NULL;

				if (pr_best_copy(&fz_conn, hash, sizeof(hash), NULL, &b, &err) == PR_OK && b)
				{
					touch(b->store);
					touch(b->location);
					touch(b->identifier);
				}
				pr_copy_location_free(b);
				break;
			}
		case 32:
			{
				pr_store_copy_list *l = NULL;

				if (pr_copies_in_store(&fz_conn, "s", NULL, 10, hash, sizeof(hash), "original",
									   &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
					{
						touch(l->rows[i].form);
						touch(l->rows[i].identifier);
						fz_sink += l->rows[i].hash.len + (size_t) l->rows[i].bytes;
					}
				pr_store_copy_list_free(l);
				break;
			}
		case 33:
			{
				pr_storage_list *l = NULL;

				if (pr_storage_report(&fz_conn, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
					{
						touch(l->rows[i].store);
						touch(l->rows[i].kind);
						touch(l->rows[i].form);
						fz_sink += (size_t) l->rows[i].priority + (size_t) l->rows[i].copies +
							(size_t) l->rows[i].bytes;
					}
				pr_storage_list_free(l);
				break;
			}
		case 34:
			{
				pr_file_list *l = NULL;

				if (pr_cleanup_hash_stores(&fz_conn, hash, sizeof(hash), true, &l, &err) == PR_OK && l)
					for (size_t i = 0; i < l->n; i++)
					{
						touch(l->rows[i].identifier);
						touch(l->rows[i].store);
					}
				pr_file_list_free(l);
				break;
			}
		case 35:
			if (pr_move_copy(&fz_conn, hash, sizeof(hash), "original", "a", "b", "x", &s,
							 &err) == PR_OK)
				touch(s);
			pr_free(s);
			s = NULL;
			(void) pr_create_store(&fz_conn, "s", "file", 0, "/s", NULL, &i4, &err);
			if (pr_remove_copy(&fz_conn, hash, sizeof(hash), "s", "original", &s, &err) == PR_OK)
				touch(s);
			break;
	}
	pr_free(s);
	touch(err.sqlstate);
	touch(err.message);
	return 0;
}
