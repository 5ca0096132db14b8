/*-------------------------------------------------------------------------
 *
 * media.h
 *		The file service (media.c, media_list.c): per-upload metadata on
 *		the aliases, the copies of the original's details they carry, and
 *		the usage totals.  The helpers below are called by every function
 *		that creates or removes an alias or changes what its copies are
 *		made from (ingest, create_alias_with_token, delete_alias,
 *		cleanup_alias, cleanup_hash, relate_details, cleanup_details,
 *		update_identifier, migrate_identifier), inside their own SPI
 *		connection, so the metadata and the totals change in the same
 *		transaction as the rows they describe.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PICT_REPO_MEDIA_H
#define PICT_REPO_MEDIA_H

#include "pict_repo.h"

#include "utils/array.h"
#include "utils/jsonb.h"

/* Limits of the metadata (README, "The file service"). */
#define PR_TAG_MAX		64		/* characters of a tag */
#define PR_TAGS_MAX		64		/* tags of an upload */

/* One upload to store as an alias (PrMediaInsertUpload). */
typedef struct PrUpload
{
	text	   *alias;			/* NULL: <uuid>.<extension> */
	bytea	   *hash;
	text	   *token;			/* NULL: a random UUID string */
	text	   *extension;		/* for a generated alias */
	Jsonb	   *details;		/* the original's details when the caller
								 * has just written them; NULL: read them */
	text	   *owner;			/* NULL: none */
	ArrayType  *tags;			/* sorted, without duplicates */
	text	   *access;			/* "public" or "private" */
	int64		bytes;			/* the size the uploader gave; < 0: none */
} PrUpload;

/* An upload without metadata: no owner, no tags, public, no size. */
extern void PrUploadInit(PrUpload *upload);

/*
 * Read and check the metadata arguments owner, tags, access and bytes at
 * argno .. argno + 3 (NULL means the default).
 */
extern void PrUploadMetaArgs(FunctionCallInfo fcinfo, int argno, PrUpload *upload);

/*
 * Insert the alias of an upload with its metadata and the copies of the
 * original's details, and count it in the totals.  Returns 1 with SPI's
 * result holding (alias, token), or 0 when the alias is taken.  The caller
 * holds a lock on the hash row (it created it, or FOR KEY SHARE).
 */
extern int	PrMediaInsertUpload(const PrUpload *upload);

/* Delete one alias (or every alias of a hash) and count it in the totals. */
extern int	PrMediaDeleteAlias(Datum alias);
extern int	PrMediaDeleteAliasesOfHash(Datum hash);

/*
 * Lock the hash whose original file is identifier (FOR UPDATE); false when
 * no hash has it as its original.  Call it before writing the details of
 * identifier, then PrMediaRefresh(*hash).
 */
extern bool PrMediaLockOriginal(Datum identifier, Datum *hash);

/*
 * Lock a hash (FOR UPDATE) and bring the copies of its original's details
 * on its aliases up to date, and the totals with them.
 */
extern void PrMediaRefresh(Datum hash);

/*
 * Normalise a media type ("Image/PNG; q=1" is "image/png"); with
 * allow_prefix also a top-level type ending in "/" ("image/", *is_prefix
 * set).  False when it is neither.
 */
extern bool PrMediaTypeNormalize(const char *s, int len, bool allow_prefix,
								 char **out, bool *is_prefix);

/*
 * Return whether a JSON number, as numeric_out prints it, is a whole number
 * from 0 to max ("640" and "640.0", not "-1" or "1.5"), and set *out.
 */
extern bool PrParseCount(const char *s, int64 max, int64 *out);

/*
 * After a batch of import_pictrs (pictrs_import.c): copies and totals of
 * the aliases it imported, copies of the aliases whose original got the
 * details it imported.
 */
extern void PrMediaImported(const char *kind, Datum rows, const Datum *outcomes,
							const bool *known, int n);

/*
 * aliases.c: lock an alias for a change in the locking order (its hash row
 * first, FOR UPDATE or FOR KEY SHARE, then the alias row FOR UPDATE) and,
 * with a token, check it in constant time (28000 when wrong).  Returns the
 * hash, with SPI's result holding the alias row (hash, token); NULL when
 * the alias does not exist (or is gone once the locks are granted).
 */
extern bytea *PrLockAlias(Datum alias, bool hash_for_update, text *token);

#endif							/* PICT_REPO_MEDIA_H */
