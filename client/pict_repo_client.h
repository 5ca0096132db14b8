/*-------------------------------------------------------------------------
 *
 * pict_repo_client.h
 *		libpictrepo: the C client library of the pict_repo extension.
 *
 * One C function per SQL function of the extension (schema pict_repo), plus
 * pipelined batches, LISTEN/NOTIFY waits and a worker loop.
 *
 * Conventions
 * -----------
 * Return codes.  Every call that talks to the server returns an int:
 *		PR_OK    (0)  done: the SQL function returned true, or a value
 *		PR_NONE  (1)  the SQL function returned false or NULL (a conflict,
 *		              an unknown row, a job no longer held, a wait that
 *		              timed out); out arguments are set to "nothing"
 *		              (NULL pointer, zero length, PR_NO_TIME)
 *		PR_ERROR (-1) an error: *err (when err is not NULL) holds the
 *		              SQLSTATE, message, detail and hint
 *	Predicates follow the same rule: pr_is_migrated() returns PR_OK when the
 *	identifier was migrated and PR_NONE when it was not.
 *
 * Types.
 *	- hashes are `const uint8_t *hash, size_t hash_len` (1..128 bytes, the
 *	  server checks); results carry them in a pr_hash (inline, no free);
 *	- timestamps are int64_t microseconds since the Unix epoch (UTC);
 *	  PR_NO_TIME (INT64_MIN) means SQL NULL, and for an argument whose SQL
 *	  default is now() it means "now" (the server's transaction time);
 *	- intervals are int64_t microseconds; PR_NO_INTERVAL means NULL (use the
 *	  server's default); intervals read from the server are converted with
 *	  a month of 30 days and a day of 24 hours;
 *	- uuids are a 16-byte pr_uuid (pr_uuid_format/pr_uuid_parse convert to
 *	  and from the 36-character text form);
 *	- jsonb is `const char *` JSON text in and a malloc'ed `char *` out;
 *	- text in is `const char *` (NULL is SQL NULL: where the SQL function
 *	  requires a value the server answers 22023); text out is a malloc'ed
 *	  `char *`.
 *
 * Memory.  Every pointer the library hands out (strings, byte buffers,
 * lists, batch results) is ONE allocation owned by the caller and released
 * with pr_free() (the typed pr_*_free functions are the same thing, for
 * readability).  Lists are { size_t n; T *rows; } with the rows inside the
 * same block.
 *
 * Errors.  Server errors carry the server's SQLSTATE.  Errors found by the
 * library itself use:
 *		08001  cannot connect
 *		08006  the connection broke during a call
 *		42704  the extension pict_repo is not installed in the database
 *		0A000  the server's pict_repo has another major version than the library
 *		22023  invalid argument caught before reaching the server (e.g. a
 *		       negative count, a malformed uuid string)
 *		58000  other client-side failures (out of memory, pipeline errors)
 *
 * Threads.  No global state.  A pr_conn belongs to one thread at a time;
 * use one connection per thread.
 *
 * Statements.  Every statement is prepared once per connection under a
 * fixed name, on first use, and run with PQexecPrepared (behind a pooler in
 * transaction mode: sent unnamed, see pr_pooling); all values are $n
 * parameters, bytea, uuid and timestamps in binary; search_path is pinned
 * to empty and fallback_application_name is "pict-repo".
 *
 *-------------------------------------------------------------------------
 */
#ifndef PICT_REPO_CLIENT_H
#define PICT_REPO_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pict_repo_protocol.h"

#ifdef __cplusplus
extern "C"
{
#endif

#define PR_OK		0
#define PR_NONE		1
#define PR_ERROR	(-1)

#define PR_NO_TIME		INT64_MIN
#define PR_NO_INTERVAL	INT64_MIN
#define PR_UUID_STRLEN	37			/* 36 characters and the NUL */

#define PR_SQLSTATE_CONNECTION			"08001"
#define PR_SQLSTATE_CONNECTION_LOST		"08006"
#define PR_SQLSTATE_NOT_INSTALLED		"42704"
#define PR_SQLSTATE_VERSION_MISMATCH	"0A000"
#define PR_SQLSTATE_INVALID_ARGUMENT	"22023"
#define PR_SQLSTATE_CLIENT				"58000"

/* An error: empty sqlstate means no error. */
typedef struct pr_error
{
	char		sqlstate[6];	/* 5 characters and NUL */
	char		message[1024];
	char		detail[1024];
	char		hint[512];
} pr_error;

typedef struct pr_uuid
{
	uint8_t		bytes[16];
} pr_uuid;

typedef struct pr_hash
{
	size_t		len;
	uint8_t		data[PR_HASH_MAX];
} pr_hash;

typedef struct pr_conn pr_conn;

/* Opaque libpq connection type (PGconn is struct pg_conn). */
struct pg_conn;

/* ---- library, errors, helpers ------------------------------------------ */

/* The version of pict_repo.control the library was built from, e.g. "1.0". */
const char *pr_library_version(void);
void		pr_error_clear(pr_error *err);
/* "SQLSTATE: message" (plus " (detail)") into buf; returns buf. */
const char *pr_error_format(const pr_error *err, char *buf, size_t buflen);
void		pr_free(void *p);

void		pr_uuid_format(const pr_uuid *id, char out[PR_UUID_STRLEN]);
int			pr_uuid_parse(const char *text, pr_uuid *id);	/* 0 or -1 */
/* A hash in hex, "\x" prefix optional, 1..PR_HASH_MAX bytes: 0 or -1. */
int			pr_hash_parse(const char *text, pr_hash *hash);
bool		pr_uuid_is_nil(const pr_uuid *id);
int			pr_uuid_random(pr_uuid *id);	/* version 4, 0 or -1 */
int64_t		pr_now(void);		/* client clock, microseconds since the epoch */

/* ---- connection ---------------------------------------------------------- */

/*
 * Connect.  conninfo is a libpq connection string or URI; NULL or "" uses
 * the libpq environment (PGHOST, PGDATABASE, ...).  Checks that the
 * extension is installed (42704 otherwise) and that pict_repo.version() has
 * the library's major version (0A000 otherwise).  NULL on error.
 */
pr_conn    *pr_connect(const char *conninfo, pr_error *err);
void		pr_finish(pr_conn *conn);
/*
 * Check a server version string against the library's: PR_OK when the
 * major versions match, PR_ERROR (0A000) otherwise.  pr_connect() calls it.
 */
int			pr_check_version_compat(const char *server_version, pr_error *err);
/* The server's pict_repo.version(), as read at connect. */
const char *pr_server_version(const pr_conn *conn);
/* The underlying libpq connection (for the caller's own queries). */
struct pg_conn *pr_pgconn(pr_conn *conn);

/* ---- replicas, poolers, failover (1.4) ------------------------------------ */

/*
 * Pooling modes.  PR_POOLING_SESSION: a server connection for the whole
 * session (no pooler, or pgbouncer's pool_mode = session): statements are
 * prepared once and waits LISTEN.  PR_POOLING_TRANSACTION: behind a pooler
 * in transaction mode (pgbouncer's pool_mode = transaction), where each
 * transaction may run on another server connection: every statement is
 * sent with its text as an unnamed statement (PQexecParams; a named
 * prepared statement would be missing on the next server connection), the
 * search_path pin of pr_connect() lasts one transaction only (every
 * statement of the library names its schema anyway), and the waits
 * (pr_wait_for_job, pr_wait_for_upload, the worker loop) cannot LISTEN, so
 * they poll every poll_interval_ms instead.  PR_POOLING_DEFAULT: the
 * environment variable PICT_REPO_POOLING ("transaction" or "session"), and
 * session when it is not set; pr_connect() uses it.
 */
typedef enum pr_pooling
{
	PR_POOLING_DEFAULT = 0,
	PR_POOLING_SESSION = 1,
	PR_POOLING_TRANSACTION = 2
} pr_pooling;

#define PR_DEFAULT_POLL_INTERVAL_MS	1000

typedef struct pr_connect_options
{
	/* The primary: every write, and reads without a read connection. */
	const char *conninfo;		/* NULL: the libpq environment */
	/*
	 * A hot standby (or a multi-host conninfo with
	 * target_session_attrs=prefer-standby) for the read calls listed at
	 * pr_set_read_conninfo(); NULL: reads go to the primary.
	 */
	const char *read_conninfo;
	pr_pooling	pooling;
	int			poll_interval_ms;	/* 0: PR_DEFAULT_POLL_INTERVAL_MS */
} pr_connect_options;

/*
 * pr_connect() with options: a read connection and a pooling mode.  The
 * read connection is checked like the primary (extension and version).
 * NULL on error (08001 for either connection).
 */
pr_conn    *pr_connect_ex(const pr_connect_options *opts, pr_error *err);

/*
 * Open (or with NULL close) the read connection of conn, in conn's pooling
 * mode.  Afterwards these calls run on it: the lookups pr_hash_identifier,
 * pr_motion_identifier, pr_blurhash, pr_variant_identifier, pr_alias_hash,
 * pr_alias_token, pr_related, pr_alias_accessed_at,
 * pr_variant_accessed_at, pr_get_setting, pr_details, pr_is_migrated,
 * pr_is_continuing_migration, pr_hash_created_at, pr_best_copy,
 * pr_copies; the pages and listings pr_stores, pr_copies_in_store,
 * pr_hash_page, pr_hash_page_by_date, pr_hash_page_bound, pr_variants,
 * pr_aliases_for_hash, pr_older_aliases, pr_older_variants, pr_dead_jobs;
 * the statistics pr_hash_count, pr_queue_length, pr_queue_stats,
 * pr_average_time_to_completion, pr_storage_report.  Everything else runs
 * on the primary: every write, pr_version, pr_upload_result,
 * pr_variant_processing and the waits (they go with the primary's
 * notifications).  A read also runs on the primary while the primary
 * connection is inside a transaction (so it sees the transaction's
 * writes), and when the read connection is lost (until pr_reconnect()).
 * A standby replays the primary's writes with a delay: a read there may
 * not yet see a write the primary has committed.
 */
int			pr_set_read_conninfo(pr_conn *conn, const char *read_conninfo,
								 pr_error *err);

/*
 * Connect again with the same conninfo and options, after the connection
 * was lost (08006) or the primary changed: with a multi-host conninfo and
 * target_session_attrs=read-write this finds the new primary after a
 * failover.  Statements are prepared again and LISTENs made again on first
 * use.  A lost read connection is opened again too.  PR_OK, or PR_ERROR
 * (08001) with conn unchanged, to be retried.
 */
int			pr_reconnect(pr_conn *conn, pr_error *err);

/*
 * Whether an error means the connection is gone, so that pr_reconnect()
 * and trying the call again is the remedy: 08xxx (connection exceptions),
 * 57P01-57P03 (the server shut down or is starting), 25006 (a read-only
 * server took the call: the primary became a standby).  A call whose
 * result was lost may or may not have been committed.
 */
bool		pr_error_is_disconnect(const pr_error *err);

/* ---- version ------------------------------------------------------------- */

int			pr_version(pr_conn *conn, char **version, pr_error *err);

/* ---- hashes and variants ------------------------------------------------- */

typedef struct pr_strings
{
	size_t		n;
	char	  **items;
} pr_strings;

typedef struct pr_hash_row
{
	pr_hash		hash;
	int64_t		created_at;
} pr_hash_row;

typedef struct pr_hash_list
{
	size_t		n;
	pr_hash_row *rows;
} pr_hash_list;

typedef struct pr_variant_row
{
	char	   *variant;
	char	   *identifier;
} pr_variant_row;

typedef struct pr_variant_list
{
	size_t		n;
	pr_variant_row *rows;
} pr_variant_list;

typedef struct pr_ingest_result
{
	char	   *alias;
	char	   *token;
	char	   *stored_identifier;
	bool		hash_created;
} pr_ingest_result;

/* PR_OK created, PR_NONE the hash exists; 23505 identifier of another hash. */
int			pr_create_hash(pr_conn *conn, const uint8_t *hash, size_t hash_len,
						   const char *identifier, const char *motion_identifier,
						   int64_t created_at, pr_error *err);
/* One upload in one transaction; *result freed with pr_free. */
int			pr_ingest(pr_conn *conn, const uint8_t *hash, size_t hash_len,
					  const char *identifier, const char *details_json,
					  const char *extension, const char *declared_alias,
					  const char *declared_token, pr_ingest_result **result,
					  pr_error *err);
int			pr_hash_identifier(pr_conn *conn, const uint8_t *hash, size_t hash_len,
							   char **identifier, pr_error *err);
int			pr_update_identifier(pr_conn *conn, const uint8_t *hash, size_t hash_len,
								 const char *identifier, pr_error *err);
int			pr_relate_motion_identifier(pr_conn *conn, const uint8_t *hash,
										size_t hash_len, const char *motion_identifier,
										pr_error *err);
int			pr_motion_identifier(pr_conn *conn, const uint8_t *hash, size_t hash_len,
								 char **motion_identifier, pr_error *err);
int			pr_relate_blurhash(pr_conn *conn, const uint8_t *hash, size_t hash_len,
							   const char *blurhash, pr_error *err);
int			pr_blurhash(pr_conn *conn, const uint8_t *hash, size_t hash_len,
						char **blurhash, pr_error *err);
int			pr_hash_count(pr_conn *conn, int64_t *count, pr_error *err);
/* Newest first after (after_created, after_hash); PR_NO_TIME/NULL: from the newest. */
int			pr_hash_page(pr_conn *conn, int lim, int64_t after_created,
						 const uint8_t *after_hash, size_t after_hash_len,
						 pr_hash_list **page, pr_error *err);
int			pr_hash_page_by_date(pr_conn *conn, int64_t before, int lim,
								 pr_hash_list **page, pr_error *err);
/* PR_OK with the hash's created_at, PR_NONE for an unknown hash (1.3). */
int			pr_hash_created_at(pr_conn *conn, const uint8_t *hash, size_t hash_len,
							   int64_t *created_at, pr_error *err);
/*
 * hash_page_bound (1.3): up to lim hashes from the bound (bound_created,
 * bound_hash), which need not exist: newer false gives the bound and older
 * hashes, newest first; newer true the bound and newer ones, oldest first;
 * inclusive false leaves the bound out.  pict-rs's HashPage: the page is
 * (bound, older, inclusive) with lim + 1 rows, the extra one naming the
 * next page; the previous page starts at the last of (bound, newer,
 * exclusive) with lim rows.
 */
int			pr_hash_page_bound(pr_conn *conn, int64_t bound_created,
							   const uint8_t *bound_hash, size_t bound_hash_len,
							   int lim, bool newer, bool inclusive,
							   pr_hash_list **page, pr_error *err);
int			pr_relate_variant(pr_conn *conn, const uint8_t *hash, size_t hash_len,
							  const char *variant, const char *identifier,
							  pr_error *err);
int			pr_variant_identifier(pr_conn *conn, const uint8_t *hash, size_t hash_len,
								  const char *variant, char **identifier,
								  pr_error *err);
int			pr_variants(pr_conn *conn, const uint8_t *hash, size_t hash_len,
						pr_variant_list **variants, pr_error *err);
/* PR_OK with the identifier to delete from storage, PR_NONE unknown. */
int			pr_remove_variant(pr_conn *conn, const uint8_t *hash, size_t hash_len,
							  const char *variant, char **identifier, pr_error *err);
int			pr_claim_variant_processing(pr_conn *conn, const uint8_t *hash,
										size_t hash_len, const char *variant,
										pr_error *err);
int			pr_variant_heartbeat(pr_conn *conn, const uint8_t *hash, size_t hash_len,
								 const char *variant, pr_error *err);
int			pr_release_variant_processing(pr_conn *conn, const uint8_t *hash,
										  size_t hash_len, const char *variant,
										  pr_error *err);
/* PR_OK while someone holds a live lock on generating the variant (1.3). */
int			pr_variant_processing(pr_conn *conn, const uint8_t *hash, size_t hash_len,
								  const char *variant, pr_error *err);

typedef enum pr_variant_wait
{
	PR_VARIANT_READY = 0,		/* the variant exists: PR_OK, *identifier set */
	PR_VARIANT_TIMEOUT = 1,		/* still being generated at the deadline: PR_NONE */
	PR_VARIANT_RELEASED = 2		/* no variant and no live lock (the generator
								 * failed or gave up): PR_NONE */
} pr_variant_wait;

/*
 * Wait up to timeout_ms (negative: forever) for a variant that another
 * process is generating (it won claim_variant_processing; this one did
 * not): LISTEN pict_repo_variant, then look at variant_identifier() and
 * variant_processing() in one statement (so a release between the two is
 * never missed), then sleep in poll() until a notification with the
 * variant's tag (notify_tag) or the deadline, and look again.
 * Notifications are only a hint to look again: the state is read from the
 * tables each time, so a forged or replayed one costs one look.
 * PR_OK with *identifier (pr_free) once the variant exists; PR_NONE with
 * *outcome PR_VARIANT_RELEASED when the lock is gone (released, expired)
 * and there is no variant, or PR_VARIANT_TIMEOUT.  The generator must
 * relate the variant before (or in the same transaction as) it releases
 * the lock.  A lock that dies without a release is noticed at the next
 * notification (a maintenance pass removes dead locks and notifies) or at
 * the deadline.  outcome may be NULL.  The connection keeps listening.
 */
int			pr_wait_for_variant(pr_conn *conn, const uint8_t *hash, size_t hash_len,
								const char *variant, int timeout_ms, char **identifier,
								pr_variant_wait *outcome, pr_error *err);
/*
 * PR_OK with the identifiers to delete from pict-rs's store (possibly none):
 * the hash's own original, motion and variant files; 55006 if aliases
 * remain.  Since 1.3 cleanup_hash also deletes the hash's copies in the
 * storage tiers: pr_cleanup_hash_stores() returns their files with their
 * stores as well.
 */
int			pr_cleanup_hash(pr_conn *conn, const uint8_t *hash, size_t hash_len,
							bool force, pr_strings **identifiers, pr_error *err);

/* ---- storage tiers (1.3) ---------------------------------------------------- */

/*
 * A store holds files: a directory ('file'), a bucket or prefix ('object',
 * 'archive'); priority 0 is the active tier, larger is less accessible.  A
 * copy is one file of a hash in a store, in a form ('original' or a derived
 * form such as "webp-1920x1440"), its identifier relative to the store's
 * location.  See the README, "Storage tiers".
 */
typedef struct pr_store_row
{
	int32_t		id;
	char	   *name;
	char	   *kind;
	int32_t		priority;
	char	   *location;
	char	   *notes;			/* may be NULL */
	int64_t		copies;
	int64_t		bytes;
} pr_store_row;

typedef struct pr_store_list
{
	size_t		n;
	pr_store_row *rows;
} pr_store_list;

typedef struct pr_copy_row
{
	char	   *store;
	char	   *kind;
	int32_t		priority;
	char	   *form;
	char	   *identifier;
	int64_t		bytes;
	int64_t		created_at;
} pr_copy_row;

typedef struct pr_copy_list
{
	size_t		n;
	pr_copy_row *rows;
} pr_copy_list;

typedef struct pr_copy_location
{
	char	   *store;
	char	   *location;
	char	   *identifier;
} pr_copy_location;

typedef struct pr_store_copy_row
{
	pr_hash		hash;
	char	   *form;
	char	   *identifier;
	int64_t		bytes;
} pr_store_copy_row;

typedef struct pr_store_copy_list
{
	size_t		n;
	pr_store_copy_row *rows;
} pr_store_copy_list;

typedef struct pr_storage_row
{
	char	   *store;
	char	   *kind;
	int32_t		priority;
	char	   *form;			/* NULL: the store holds nothing */
	int64_t		copies;
	int64_t		bytes;
} pr_storage_row;

typedef struct pr_storage_list
{
	size_t		n;
	pr_storage_row *rows;
} pr_storage_list;

/* A file to delete and its store: NULL for pict-rs's own store. */
typedef struct pr_file_row
{
	char	   *identifier;
	char	   *store;
} pr_file_row;

typedef struct pr_file_list
{
	size_t		n;
	pr_file_row *rows;
} pr_file_list;

/*
 * PR_OK with the new store's id, PR_NONE when the name is taken; 23505 when
 * another store has the location; 22023 for a bad kind ('file', 'object',
 * 'archive'), a negative priority, or a file store whose location is not an
 * absolute path.  notes may be NULL.
 */
int			pr_create_store(pr_conn *conn, const char *name, const char *kind,
							int32_t priority, const char *location, const char *notes,
							int32_t *id, pr_error *err);
/* Every store, most accessible first, with the copies and bytes it holds. */
int			pr_stores(pr_conn *conn, pr_store_list **stores, pr_error *err);
/* PR_OK dropped, PR_NONE unknown; 55006 while the store holds copies. */
int			pr_drop_store(pr_conn *conn, const char *name, pr_error *err);
/*
 * PR_OK recorded, PR_NONE when the copy (hash, store, form) exists; 23503
 * for an unknown hash or store; 23505 when another copy in the store has
 * the identifier.
 */
int			pr_add_copy(pr_conn *conn, const uint8_t *hash, size_t hash_len,
						const char *store, const char *form, const char *identifier,
						int64_t bytes, pr_error *err);
/* The copies of a hash, most accessible first (empty for an unknown hash). */
int			pr_copies(pr_conn *conn, const uint8_t *hash, size_t hash_len,
					  pr_copy_list **copies, pr_error *err);
/* PR_OK with the copy to read (lowest priority), PR_NONE when none; form NULL: "original". */
int			pr_best_copy(pr_conn *conn, const uint8_t *hash, size_t hash_len,
						 const char *form, pr_copy_location **best, pr_error *err);
/*
 * PR_OK with the identifier to delete from the store after the commit,
 * PR_NONE when there is no such copy; 55000 when it is the last original of
 * the hash (nothing changes).
 */
int			pr_remove_copy(pr_conn *conn, const uint8_t *hash, size_t hash_len,
						   const char *store, const char *form, char **identifier,
						   pr_error *err);
/*
 * Record the copy in to_store under new_identifier and forget it in
 * from_store, in one transaction: PR_OK with the old identifier to delete
 * from from_store after the commit, PR_NONE (nothing changed) when
 * from_store has no such copy or to_store has one already; 23503 unknown
 * to_store, 23505 new_identifier taken in to_store.
 */
int			pr_move_copy(pr_conn *conn, const uint8_t *hash, size_t hash_len,
						 const char *form, const char *from_store, const char *to_store,
						 const char *new_identifier, char **old_identifier, pr_error *err);
/*
 * A keyset page of the copies in a store (of one form, or all when form is
 * NULL), in (hash, form) order, strictly after (after_hash, after_form):
 * both NULL for the first page, the last row of a page for the next.
 */
int			pr_copies_in_store(pr_conn *conn, const char *store, const char *form,
							   int lim, const uint8_t *after_hash, size_t after_hash_len,
							   const char *after_form, pr_store_copy_list **page,
							   pr_error *err);
/* Copies and bytes per store and form, exact, from the kept totals. */
int			pr_storage_report(pr_conn *conn, pr_storage_list **report, pr_error *err);
/*
 * cleanup_hash() with every file it returns: the hash's own files (store
 * NULL), then each copy with its store.  PR_OK (an unknown hash: no rows);
 * 55006 if aliases remain (unless force).
 */
int			pr_cleanup_hash_stores(pr_conn *conn, const uint8_t *hash, size_t hash_len,
								   bool force, pr_file_list **files, pr_error *err);

/* ---- aliases, proxies, access times -------------------------------------- */

typedef struct pr_alias_access_row
{
	char	   *alias;
	char	   *url;
	int64_t		accessed;
} pr_alias_access_row;

typedef struct pr_alias_access_list
{
	size_t		n;
	pr_alias_access_row *rows;
} pr_alias_access_list;

typedef struct pr_variant_access_row
{
	pr_hash		hash;
	char	   *variant;
	int64_t		accessed;
} pr_variant_access_row;

typedef struct pr_variant_access_list
{
	size_t		n;
	pr_variant_access_row *rows;
} pr_variant_access_list;

/* PR_OK with the delete token (token NULL: a new one), PR_NONE taken; 23503 unknown hash. */
int			pr_create_alias_with_token(pr_conn *conn, const char *alias,
									   const uint8_t *hash, size_t hash_len,
									   const char *token, char **token_out,
									   pr_error *err);
int			pr_alias_hash(pr_conn *conn, const char *alias, pr_hash *hash,
						  pr_error *err);
int			pr_alias_token(pr_conn *conn, const char *alias, char **token,
						   pr_error *err);
int			pr_aliases_for_hash(pr_conn *conn, const uint8_t *hash, size_t hash_len,
								pr_strings **aliases, pr_error *err);
/* PR_OK deleted (hash and orphaned set), PR_NONE unknown alias; 28000 wrong token. */
int			pr_delete_alias(pr_conn *conn, const char *alias, const char *token,
							pr_hash *hash, bool *orphaned, pr_error *err);
int			pr_cleanup_alias(pr_conn *conn, const char *alias, pr_hash *hash,
							 bool *orphaned, pr_error *err);
int			pr_relate_url(pr_conn *conn, const char *url, const char *alias,
						  pr_error *err);
int			pr_related(pr_conn *conn, const char *url, char **alias, pr_error *err);
int			pr_remove_relation(pr_conn *conn, const char *alias, pr_error *err);
int			pr_touch_alias(pr_conn *conn, const char *alias, int64_t at,
						   pr_error *err);
int			pr_alias_accessed_at(pr_conn *conn, const char *alias, int64_t *at,
								 pr_error *err);
int			pr_older_aliases(pr_conn *conn, int64_t before, int lim,
							 int64_t after_accessed, const char *after_url,
							 pr_alias_access_list **rows, pr_error *err);
int			pr_touch_variant(pr_conn *conn, const uint8_t *hash, size_t hash_len,
							 const char *variant, int64_t at, pr_error *err);
int			pr_variant_accessed_at(pr_conn *conn, const uint8_t *hash,
								   size_t hash_len, const char *variant,
								   int64_t *at, pr_error *err);
int			pr_older_variants(pr_conn *conn, int64_t before, int lim,
							  int64_t after_accessed, const uint8_t *after_hash,
							  size_t after_hash_len, const char *after_variant,
							  pr_variant_access_list **rows, pr_error *err);

/* ---- settings, details, store migration, uploads -------------------------- */

int			pr_set_setting(pr_conn *conn, const char *key, const uint8_t *value,
						   size_t value_len, pr_error *err);
/* *value freed with pr_free. */
int			pr_get_setting(pr_conn *conn, const char *key, uint8_t **value,
						   size_t *value_len, pr_error *err);
int			pr_remove_setting(pr_conn *conn, const char *key, pr_error *err);

/* relate_details(identifier, details): inserts or replaces; PR_OK. */
int			pr_relate_details(pr_conn *conn, const char *identifier,
							  const char *details_json, pr_error *err);
/*
 * relate_details(identifier, details, replace) (1.3): with replace false
 * existing details are kept (the first write wins, as in pict-rs).  PR_OK
 * when it wrote, PR_NONE when it kept what was there.
 */
int			pr_relate_details_ex(pr_conn *conn, const char *identifier,
								 const char *details_json, bool replace,
								 pr_error *err);
int			pr_details(pr_conn *conn, const char *identifier, char **details_json,
					   pr_error *err);
int			pr_cleanup_details(pr_conn *conn, const char *identifier, pr_error *err);

int			pr_mark_migrated(pr_conn *conn, const char *old_identifier,
							 const char *new_identifier, pr_error *err);
int			pr_is_migrated(pr_conn *conn, const char *old_identifier, pr_error *err);
int			pr_is_continuing_migration(pr_conn *conn, pr_error *err);
int			pr_clear_migrations(pr_conn *conn, int64_t *cleared, pr_error *err);
int			pr_migrate_identifier(pr_conn *conn, const char *old_identifier,
								  const char *new_identifier, int32_t *changed,
								  pr_error *err);

int			pr_create_upload(pr_conn *conn, pr_uuid *id, pr_error *err);
int			pr_complete_upload(pr_conn *conn, const pr_uuid *id,
							   const char *result_json, pr_error *err);
/* PR_OK with the result, PR_NONE still pending; P0002 unknown or claimed. */
int			pr_upload_result(pr_conn *conn, const pr_uuid *id, char **result_json,
							 pr_error *err);
/* PR_OK with the result (the row is deleted), PR_NONE still pending; P0002 unknown. */
int			pr_claim_upload(pr_conn *conn, const pr_uuid *id, char **result_json,
							pr_error *err);

/*
 * Wait up to timeout_ms (negative: forever) for the upload's result: LISTEN
 * pict_repo_upload, then read upload_result(), then wait on the socket for
 * the NOTIFY whose payload is the id's tag.  PR_OK with the result (not claimed:
 * call pr_claim_upload), PR_NONE on timeout; P0002 for an unknown upload.
 */
int			pr_wait_for_upload(pr_conn *conn, const pr_uuid *id, int timeout_ms,
							   char **result_json, pr_error *err);

/* ---- job queue ------------------------------------------------------------ */

typedef struct pr_job
{
	pr_uuid		id;
	char	   *job;			/* JSON text */
	int32_t		attempt;
} pr_job;

typedef struct pr_job_list
{
	size_t		n;
	pr_job	   *rows;
} pr_job_list;

typedef struct pr_uuid_list
{
	size_t		n;
	pr_uuid    *ids;
} pr_uuid_list;

/*
 * Options of push_job; NULL means all defaults.  Zero-initialised fields
 * mean the SQL defaults: unique_key NULL, priority 0, run_at 0 or
 * PR_NO_TIME = runnable now, max_attempts 0 = 5.
 */
typedef struct pr_push_options
{
	const char *unique_key;
	int32_t		priority;
	int64_t		run_at;
	int32_t		max_attempts;
} pr_push_options;

typedef enum pr_fail_outcome
{
	PR_FAIL_NOT_HELD = 0,		/* the SQL returned NULL (PR_NONE) */
	PR_FAIL_RETRY = 1,
	PR_FAIL_DEAD = 2
} pr_fail_outcome;

typedef struct pr_queue_stats_row
{
	char	   *queue;
	int64_t		pending;
	int64_t		scheduled;
	int64_t		running;
	int64_t		dead;
	int64_t		completed;
	int64_t		failed;
	int64_t		avg_wait;		/* microseconds, PR_NO_INTERVAL if NULL */
	int64_t		avg_run;		/* microseconds, PR_NO_INTERVAL if NULL */
} pr_queue_stats_row;

typedef struct pr_queue_stats_list
{
	size_t		n;
	pr_queue_stats_row *rows;
} pr_queue_stats_list;

/* PR_OK with *id, PR_NONE: a job with this unique_key is still queued. */
int			pr_push_job(pr_conn *conn, const char *queue, const char *job_json,
						const pr_push_options *opts, pr_uuid *id, pr_error *err);
/* push_jobs(queue, jsonb[]) in one statement. */
int			pr_push_jobs(pr_conn *conn, const char *queue,
						 const char *const *jobs_json, size_t n_jobs,
						 pr_uuid_list **ids, pr_error *err);
/* PR_OK even when no job was runnable ((*jobs)->n == 0). */
int			pr_claim_job(pr_conn *conn, const char *queue, const pr_uuid *worker,
						 int max_jobs, pr_job_list **jobs, pr_error *err);
/* PR_OK still held, PR_NONE no longer ours: stop working on it. */
int			pr_heartbeat_job(pr_conn *conn, const pr_uuid *id, const pr_uuid *worker,
							 pr_error *err);
int			pr_complete_job(pr_conn *conn, const pr_uuid *id, const pr_uuid *worker,
							pr_error *err);
/*
 * complete_jobs(ids, worker): the batch form, for the jobs of a claim with
 * max_jobs > 1.  *completed lists the ids that were completed (held by this
 * worker), in no particular order; the others were not ours any more.
 */
int			pr_complete_jobs(pr_conn *conn, const pr_uuid *ids, size_t n_ids,
							 const pr_uuid *worker, pr_uuid_list **completed,
							 pr_error *err);
int			pr_complete_and_claim_job(pr_conn *conn, const pr_uuid *done,
									  const pr_uuid *worker, const char *queue,
									  int max_jobs, pr_job_list **jobs,
									  pr_error *err);
/*
 * complete_and_claim_jobs (1.4): complete the jobs of done (n_done of them,
 * 0 for none) that this worker holds and claim up to max_jobs, in one
 * transaction and one round trip; *jobs as pr_claim_job.  pr_worker_run
 * calls it after each batch.
 */
int			pr_complete_and_claim_jobs(pr_conn *conn, const pr_uuid *done,
									   size_t n_done, const pr_uuid *worker,
									   const char *queue, int max_jobs,
									   pr_job_list **jobs, pr_error *err);
/* error may be NULL; retry_in PR_NO_INTERVAL: exponential backoff. */
int			pr_fail_job(pr_conn *conn, const pr_uuid *id, const pr_uuid *worker,
						const char *error, int64_t retry_in,
						pr_fail_outcome *outcome, pr_error *err);
/* timeout PR_NO_INTERVAL: the pict_repo.job_timeout setting. */
int			pr_requeue_stale(pr_conn *conn, int64_t timeout, int32_t *requeued,
							 pr_error *err);
int			pr_retry_dead_job(pr_conn *conn, const pr_uuid *id, pr_error *err);
int			pr_cancel_job(pr_conn *conn, const pr_uuid *id, pr_error *err);
/*
 * abort_job (1.3): the worker holding the job gives it up for good: it
 * moves to dead_jobs at once with error (NULL: "aborted by its worker") as
 * last_error and counts as failed.  PR_NONE when this worker does not hold
 * it.
 */
int			pr_abort_job(pr_conn *conn, const pr_uuid *id, const pr_uuid *worker,
						 const char *error, pr_error *err);
/* queue NULL: every queue. */
int			pr_queue_length(pr_conn *conn, const char *queue, int64_t *length,
							pr_error *err);
int			pr_queue_stats(pr_conn *conn, pr_queue_stats_list **stats, pr_error *err);
/*
 * PR_NONE when the SQL returns NULL (nothing completed in the range); queue
 * NULL: every queue (1.3).
 */
int			pr_average_time_to_completion(pr_conn *conn, const char *queue,
										  int64_t since, int64_t until,
										  int64_t *average, pr_error *err);

/*
 * list_dead_jobs(from_queue, lim, after_id) (1.3; before it, the library
 * read the table, which an application role may not): dead jobs, oldest
 * job first, keyset on the id (after NULL: from the start); queue NULL:
 * every queue; lim 1..10000.
 */
typedef struct pr_dead_job
{
	pr_uuid		id;
	char	   *queue;
	char	   *job;			/* JSON text */
	int32_t		attempts;
	char	   *last_error;		/* may be NULL */
	int64_t		died_at;
} pr_dead_job;

typedef struct pr_dead_job_list
{
	size_t		n;
	pr_dead_job *rows;
} pr_dead_job_list;

int			pr_dead_jobs(pr_conn *conn, const char *queue, int lim,
						 const pr_uuid *after, pr_dead_job_list **jobs,
						 pr_error *err);

/*
 * Wait up to timeout_ms (negative: forever) for jobs of a queue and claim
 * them: LISTEN pict_repo_queue, claim_job() right after (so a job pushed
 * before the LISTEN is not missed), then poll() the socket until a NOTIFY
 * names this queue, claim again, and so on until the deadline.  PR_OK with
 * (*jobs)->n >= 1, PR_NONE on timeout or when stop was requested (*jobs is
 * NULL then).  stop may be NULL.  The connection keeps listening afterwards.
 */
typedef struct pr_stop pr_stop;

int			pr_wait_for_job(pr_conn *conn, const char *queue, const pr_uuid *worker,
							int max_jobs, int timeout_ms, pr_stop *stop,
							pr_job_list **jobs, pr_error *err);

/* ---- batches through libpq pipeline mode ---------------------------------- */

/*
 * The items are sent in one pipeline (one network round trip per 128
 * items) as ONE transaction: no sync point between them and one at the end,
 * so a batch in which every item succeeds commits once (one WAL flush).  If
 * any item fails (or the commit does), the server rolls the whole batch
 * back, nothing of it is written, and the batch is sent again item by item,
 * each item followed by its own sync point (its own transaction): an error
 * then rolls back only its own item and does not stop the others, so every
 * item gets the result it would get alone (e.g. 23505 for a taken alias
 * while the other items succeed).  A deadlock or serialization failure
 * between concurrent batches is such an error too.  The ids, aliases and
 * tokens of a batch that was run again are those of the second run.
 *
 * In a transaction of the caller's (after BEGIN) the items always run item
 * by item inside it, committed or rolled back with it: the first error
 * aborts the caller's transaction and every later item fails with 25P02.
 *
 * The call returns PR_OK when every item ran without an error (an item may
 * still be PR_NONE), PR_ERROR when some item failed (err holds the first
 * item error; each item carries its own rc, sqlstate and message) or the
 * connection failed (every unfinished item is PR_ERROR then: while the
 * batch runs as one transaction that is every item, since none is committed
 * before its end).  *results is one block freed with pr_free.
 */
typedef struct pr_push_item
{
	const char *queue;
	const char *job_json;
	pr_push_options opts;		/* zero: defaults */
} pr_push_item;

typedef struct pr_push_item_result
{
	int			rc;				/* PR_OK, PR_NONE (duplicate unique_key), PR_ERROR */
	pr_uuid		id;
	char		sqlstate[6];
	char	   *message;		/* NULL unless rc is PR_ERROR */
} pr_push_item_result;

typedef struct pr_push_results
{
	size_t		n;
	pr_push_item_result *items;
} pr_push_results;

int			pr_push_jobs_pipelined(pr_conn *conn, const pr_push_item *items,
								   size_t n_items, pr_push_results **results,
								   pr_error *err);

/* One upload of a batch: the arguments of ingest(). */
typedef struct pr_ingest_item
{
	const uint8_t *hash;
	size_t		hash_len;
	const char *identifier;
	const char *details_json;
	const char *extension;
	const char *declared_alias;	/* NULL: a new <uuid>.<extension> */
	const char *declared_token;	/* NULL: a new token */
} pr_ingest_item;

typedef struct pr_ingest_item_result
{
	int			rc;				/* PR_OK or PR_ERROR (e.g. 23505 alias taken) */
	char		sqlstate[6];
	char	   *message;		/* NULL unless rc is PR_ERROR */
	char	   *alias;
	char	   *token;
	char	   *stored_identifier;
	bool		hash_created;
} pr_ingest_item_result;

typedef struct pr_ingest_results
{
	size_t		n;
	pr_ingest_item_result *items;
} pr_ingest_results;

int			pr_ingest_batch(pr_conn *conn, const pr_ingest_item *items,
							size_t n_items, pr_ingest_results **results,
							pr_error *err);

/* ---- import from pict-rs ---------------------------------------------------- */

/*
 * import_pictrs(kind, rows, dry_run) (1.3): one batch (a JSON array of at
 * most 10000 objects) of one kind of pict-rs row ("hash", "details",
 * "variant", "alias", "proxy", "setting", "migration", "job"); see the
 * README for the keys.  (*outcomes)->items[i] is the outcome of row i:
 * "imported", "exists", "new" (dry_run) or why it was not imported.
 * pict-repo import-pict-rs is built on it.
 */
int			pr_import_pictrs(pr_conn *conn, const char *kind, const char *rows_json,
							 bool dry_run, pr_strings **outcomes, pr_error *err);
/*
 * The same in two steps, so the caller prepares the next batch while the
 * server writes this one: pr_import_pictrs_send() sends the batch without
 * waiting; pr_import_pictrs_receive() waits for it and returns its outcomes
 * (the connection takes no other call in between).
 */
int			pr_import_pictrs_send(pr_conn *conn, const char *kind, const char *rows_json,
								  bool dry_run, pr_error *err);
int			pr_import_pictrs_receive(pr_conn *conn, pr_strings **outcomes, pr_error *err);
/* ---- the file service (media.c) ------------------------------------------- */

/*
 * The metadata of an upload for pr_ingest_ex.  Zero-initialised (or a NULL
 * pointer) means the defaults: no owner, no tags, public, size not given.
 */
typedef struct pr_upload_meta
{
	const char *owner;			/* 1..256 characters; NULL: none */
	const char *const *tags;	/* n_tags tags of 1..64 characters, at most 64 */
	size_t		n_tags;
	const char *access;			/* "public" or "private"; NULL: "public" */
	bool		has_bytes;		/* bytes holds the upload's size */
	int64_t		bytes;			/* >= 0 */
} pr_upload_meta;

/*
 * One upload, as media_info and list_media return it.  Values the upload
 * does not have are NULL (strings) or -1 (numbers).
 */
typedef struct pr_media_row
{
	char	   *alias;
	pr_hash		hash;
	char	   *owner;
	size_t		n_tags;
	char	  **tags;			/* sorted (byte order), without duplicates */
	char	   *access;			/* "public" or "private" */
	char	   *content_type;
	int32_t		width;
	int32_t		height;
	int64_t		bytes;
	int64_t		created_at;
	char	   *cursor;			/* list_media: pass the last row's as after */
	char	   *identifier;		/* media_info: the hash's original file */
	int32_t		variants;		/* media_info: the hash's variants */
} pr_media_row;

typedef struct pr_media_list
{
	size_t		n;
	pr_media_row *rows;
} pr_media_list;

/*
 * A filter of list_media as a struct (pr_media_filter_json turns it into
 * the JSON list_media takes).  Initialise it with pr_media_filter_init: a
 * zeroed struct is not "no filter" (0 is a width, a time and false).
 */
typedef struct pr_media_filter
{
	const char *owner;			/* NULL: any */
	const char *access;			/* NULL: any */
	const char *content_type;	/* "image/png", or "image/" for a top-level type */
	const char *const *tags_all;	/* uploads with every one of these */
	size_t		n_tags_all;
	const char *const *tags_any;	/* uploads with at least one of these */
	size_t		n_tags_any;
	int64_t		min_width,		/* < 0: no bound */
				max_width,
				min_height,
				max_height,
				min_bytes,
				max_bytes;
	int64_t		created_after,	/* PR_NO_TIME: no bound (both strict) */
				created_before;
	int			animated;		/* < 0: any; 0: not animated; 1: animated */
} pr_media_filter;

void		pr_media_filter_init(pr_media_filter *filter);
/* The filter as list_media's JSON; *json freed with pr_free. 22023 for a NULL tag. */
int			pr_media_filter_json(const pr_media_filter *filter, char **json,
								 pr_error *err);

/* ingest() with the upload's metadata; pr_ingest is this with meta NULL. */
int			pr_ingest_ex(pr_conn *conn, const pr_ingest_item *item,
						 const pr_upload_meta *meta, pr_ingest_result **result,
						 pr_error *err);
/* PR_OK with *info (one block, pr_free), PR_NONE for an unknown alias. */
int			pr_media_info(pr_conn *conn, const char *alias, pr_media_row **info,
						  pr_error *err);
/* PR_OK when the alias exists, PR_NONE when it does not. */
int			pr_media_exists(pr_conn *conn, const char *alias, pr_error *err);
/* owner NULL: none.  PR_NONE for an unknown alias. */
int			pr_set_owner(pr_conn *conn, const char *alias, const char *owner,
						 pr_error *err);
/* PR_OK with the upload's tags afterwards (*tags may be NULL), PR_NONE unknown alias. */
int			pr_add_tags(pr_conn *conn, const char *alias, const char *const *tags,
						size_t n_tags, pr_strings **after, pr_error *err);
int			pr_remove_tags(pr_conn *conn, const char *alias, const char *const *tags,
						   size_t n_tags, pr_strings **after, pr_error *err);
/* *changed: how many uploads changed (unknown ones and those already so do not count). */
int			pr_set_access(pr_conn *conn, const char *const *aliases, size_t n_aliases,
						  const char *access, int32_t *changed, pr_error *err);
/* PR_OK renamed, PR_NONE new_alias taken or alias unknown; 28000 wrong token. */
int			pr_rename_alias(pr_conn *conn, const char *alias, const char *new_alias,
							const char *token, pr_error *err);
/*
 * One page of list_media: filter_json NULL is "{}", lim 0 is 100, after
 * NULL is the first page.  PR_OK (also for an empty page).
 */
int			pr_list_media(pr_conn *conn, const char *filter_json, int lim,
						  const char *after, pr_media_list **page, pr_error *err);
/* Uploads and bytes of an owner, or of every upload when owner is NULL. */
int			pr_usage_report(pr_conn *conn, const char *owner, int64_t *uploads,
							int64_t *bytes, pr_error *err);

/*
 * Every page of a listing: pr_media_stream_next returns PR_OK with the next
 * page (at least one row), PR_NONE when there is none left; each page
 * starts after the cursor of the previous one's last row, so memory stays
 * one page however many uploads match.  page_size 0 is 100.
 */
typedef struct pr_media_stream pr_media_stream;

pr_media_stream *pr_media_stream_new(pr_conn *conn, const char *filter_json,
									 int page_size, pr_error *err);
int			pr_media_stream_next(pr_media_stream *stream, pr_media_list **page,
								 pr_error *err);
void		pr_media_stream_free(pr_media_stream *stream);

/* ---- maintenance ---------------------------------------------------------- */

typedef struct pr_maintenance_result
{
	int32_t		requeued;
	int32_t		dead;
	int32_t		expired_uploads;
	int32_t		expired_locks;
	int32_t		due_notified;
} pr_maintenance_result;

int			pr_run_maintenance(pr_conn *conn, pr_maintenance_result *result,
							   pr_error *err);

/* ---- stop signal ---------------------------------------------------------- */

/*
 * A stop request that wakes up waits and worker loops (a self-pipe, so a
 * poll() sees it at once).  pr_worker_stop() is thread-safe and
 * async-signal-safe (call it from a SIGTERM handler); one pr_stop may be
 * shared by several threads' workers.  It stays set until pr_stop_reset().
 */
pr_stop    *pr_stop_new(pr_error *err);
void		pr_worker_stop(pr_stop *stop);
bool		pr_stop_requested(const pr_stop *stop);
void		pr_stop_reset(pr_stop *stop);
void		pr_stop_free(pr_stop *stop);

/* ---- worker loop ------------------------------------------------------------ */

/*
 * pr_worker_run() claims jobs (claim_job, then complete_and_claim_job after
 * the last job of a batch), calls the handler for each job in the calling
 * thread, and completes the job when the handler returns 0 or fails it with
 * the handler's error text (pr_job_set_error) otherwise.  When the queue is
 * empty it waits with pr_wait_for_job (LISTEN/NOTIFY, no polling).
 *
 * Heartbeats: while the handler runs, a helper thread with its own
 * connection (same conninfo as conn) calls heartbeat_job for every job of
 * the current batch that is not finished, every heartbeat_interval_ms.  If
 * heartbeat_job says the job is no longer ours, pr_job_lost(ctx) turns true
 * and the worker neither completes nor fails it.  With
 * heartbeat_interval_ms < 0 no thread is started; the handler may then call
 * pr_job_heartbeat(ctx) itself (it uses conn, which is idle while the
 * handler runs).
 *
 * Stopping: pr_worker_stop(opts->stop) makes the loop return PR_OK as soon
 * as the current job is finished; claimed jobs of the batch that were not
 * started are handed back with fail_job(retry_in 0).  Also returns after
 * max_jobs jobs (when > 0), or, with exit_when_idle, as soon as the queue
 * is empty.  PR_ERROR on a connection or SQL error.
 */
typedef struct pr_job_ctx pr_job_ctx;

/* Return 0 to complete the job, anything else to fail it. */
typedef int (*pr_job_handler) (pr_job_ctx *ctx, const pr_job *job, void *user_data);

typedef struct pr_worker_options
{
	int			batch_size;		/* max_jobs per claim; 0: 1 */
	int			heartbeat_interval_ms;	/* 0: 30000; < 0: no heartbeat thread */
	pr_job_handler handler;
	void	   *user_data;
	pr_stop    *stop;			/* may be NULL */
	pr_uuid		worker;			/* nil: a random worker id */
	int64_t		max_jobs;		/* > 0: return after this many jobs */
	bool		exit_when_idle; /* return when no job is runnable */
	int64_t		retry_in;		/* for failed jobs; 0 or PR_NO_INTERVAL: backoff */
} pr_worker_options;

int			pr_worker_run(pr_conn *conn, const char *queue,
						  const pr_worker_options *opts, pr_error *err);

/* For the handler. */
void		pr_job_set_error(pr_job_ctx *ctx, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
void		pr_job_set_retry_in(pr_job_ctx *ctx, int64_t retry_in);
bool		pr_job_lost(pr_job_ctx *ctx);
bool		pr_job_stop_requested(pr_job_ctx *ctx);
int			pr_job_heartbeat(pr_job_ctx *ctx, pr_error *err);

/*
 * Finish the job from the handler, to learn what became of it (the loop's
 * own completion after the handler returns cannot tell the handler):
 * pr_job_complete is complete_job, pr_job_fail is fail_job with the text of
 * pr_job_set_error and the retry_in of the options or pr_job_set_retry_in.
 * PR_OK: completed (or failed, *outcome retry or dead); PR_NONE: this
 * worker no longer holds the job (requeued after missed heartbeats, or
 * cancelled) and nothing changed; PR_ERROR: the call failed (*err, e.g.
 * 08006), and pr_worker_run returns PR_ERROR with that error once the
 * handler returns.  Either may be called once per job; the loop then
 * neither completes nor fails the job itself, whatever the handler returns.
 */
int			pr_job_complete(pr_job_ctx *ctx, pr_error *err);
int			pr_job_fail(pr_job_ctx *ctx, pr_fail_outcome *outcome, pr_error *err);
pr_conn    *pr_job_conn(pr_job_ctx *ctx);
const pr_uuid *pr_job_worker(pr_job_ctx *ctx);

/* ---- typed free functions (all the same as pr_free) ---------------------- */

void		pr_strings_free(pr_strings *p);
void		pr_hash_list_free(pr_hash_list *p);
void		pr_variant_list_free(pr_variant_list *p);
void		pr_ingest_result_free(pr_ingest_result *p);
void		pr_alias_access_list_free(pr_alias_access_list *p);
void		pr_variant_access_list_free(pr_variant_access_list *p);
void		pr_job_list_free(pr_job_list *p);
void		pr_uuid_list_free(pr_uuid_list *p);
void		pr_queue_stats_list_free(pr_queue_stats_list *p);
void		pr_push_results_free(pr_push_results *p);
void		pr_ingest_results_free(pr_ingest_results *p);
void		pr_dead_job_list_free(pr_dead_job_list *p);
void		pr_store_list_free(pr_store_list *p);
void		pr_copy_list_free(pr_copy_list *p);
void		pr_copy_location_free(pr_copy_location *p);
void		pr_store_copy_list_free(pr_store_copy_list *p);
void		pr_storage_list_free(pr_storage_list *p);
void		pr_file_list_free(pr_file_list *p);
void		pr_media_list_free(pr_media_list *p);

#ifdef __cplusplus
}
#endif

#endif							/* PICT_REPO_CLIENT_H */
