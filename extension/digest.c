/*-------------------------------------------------------------------------
 *
 * digest.c
 *		text_digest(): the SHA-256 of a text value, for indexes over long
 *		values.
 *
 * A btree index entry holds at most about 2,700 bytes, but identifiers and
 * URLs may have 4,096 characters (up to 16 kB in UTF-8), and TOAST does not
 * help a value that does not compress.  So a column of such values is made
 * unique, or looked up, through an index on text_digest(column) instead of
 * on the column: 32 bytes whatever the value.  Every lookup through such an
 * index also compares the value itself, so a digest collision could only
 * ever refuse a value, never mistake one value for another.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/fmgrprotos.h"

/*
 * Return the SHA-256 of the bytes of a text value, or NULL for NULL.
 *
 * IMMUTABLE is true: the bytes of a text value depend on the database
 * encoding, which never changes for a database.  Not STRICT, like every
 * function of the extension, but NULL in gives NULL out, as an index over
 * a nullable column needs.
 */
PG_FUNCTION_INFO_V1(pict_repo_text_digest);
Datum
pict_repo_text_digest(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* text and bytea are both plain varlenas of bytes. */
	return DirectFunctionCall1(sha256_bytea, PG_GETARG_DATUM(0));
}
