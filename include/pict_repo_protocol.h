/*-------------------------------------------------------------------------
 *
 * pict_repo_protocol.h
 *		What the client library and the server module of pict_repo must
 *		agree on: the notification channels and their tags, the limits of
 *		the arguments, the default page size, and the OIDs of the types the
 *		client sends and reads in binary.
 *
 * Included by extension/pict_repo.h and client/pict_repo_client.h (and
 * installed beside the latter); plain macros only.  The limits are the
 * README's limits table, which test/suites/50_client.sh checks against
 * this file; the server checks the OIDs against its catalog when it is
 * compiled (common.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PICT_REPO_PROTOCOL_H
#define PICT_REPO_PROTOCOL_H

/*
 * Notification channels: a queue got runnable jobs, an upload its result,
 * a variant's processing lock went away.  The payload is a tag of
 * PR_TAG_LEN hex digits (notify_tag()), never a name.
 */
#define PR_QUEUE_CHANNEL	"pict_repo_queue"
#define PR_UPLOAD_CHANNEL	"pict_repo_upload"
#define PR_VARIANT_CHANNEL	"pict_repo_variant"
#define PR_TAG_LEN			16

/* Limits of the arguments, checked by the functions (SQLSTATE 22023). */
#define PR_NAME_MAX			256		/* characters: alias, token, variant, setting key */
#define PR_LONG_MAX			4096	/* characters: identifier, motion identifier,
									 * blurhash, URL, store location and notes */
#define PR_QUEUE_MAX		64		/* characters of a queue name */
#define PR_STORE_NAME_MAX	64		/* characters of a store or form name */
#define PR_UNIQUE_KEY_MAX	512		/* characters of a job's unique_key: long
									 * enough for a hash and a variant, short
									 * enough for a btree entry */
#define PR_HASH_MAX			128		/* bytes of a hash */
#define PR_LIM_MAX			10000	/* lim, max_jobs, jobs of a batch */
#define PR_DEFAULT_LIM		100		/* the SQL default of every lim argument */

/* Built-in type OIDs (fixed in PostgreSQL's pg_type.dat). */
#define PR_BOOLOID			16
#define PR_BYTEAOID			17
#define PR_INT8OID			20
#define PR_INT4OID			23
#define PR_TEXTOID			25
#define PR_TEXTARRAYOID		1009
#define PR_TIMESTAMPTZOID	1184
#define PR_INTERVALOID		1186
#define PR_UUIDOID			2950
#define PR_UUIDARRAYOID		2951
#define PR_JSONBOID			3802
#define PR_JSONBARRAYOID	3807

#endif							/* PICT_REPO_PROTOCOL_H */
