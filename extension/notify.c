/*-------------------------------------------------------------------------
 *
 * notify.c
 *		What the notifications of pict_repo carry: an opaque tag, never a
 *		name.
 *
 * PostgreSQL has no privileges on notification channels: any role that can
 * connect to the database can LISTEN to pict_repo_queue, pict_repo_upload
 * and pict_repo_variant, and any role can NOTIFY them.  So a payload holds
 * only what a waiter needs to tell whether a notification may concern it:
 * a tag, the first 8 bytes (16 hex digits) of an HMAC-SHA256 over the
 * channel and the key (the queue name; the upload id; the hash in hex, a
 * colon and the variant name), keyed with a secret of the database that
 * only the extension's owner can read.  A role without grants sees that a
 * notification happened and its tag, and cannot tell which queue, upload or
 * variant it is about, nor test a guess.  A waiter asks notify_tag() once
 * for the tag it waits for, and treats a notification with that tag only as
 * a hint to look again: a forged one costs it one query.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "pict_repo.h"
#include "utils/builtins.h"

/* Bytes of the HMAC a tag keeps (16 hex digits). */
#define PR_TAG_BYTES (PR_TAG_LEN / 2)

static PrPlan secret_plan;

/*
 * Read the secret of the database into *secret (palloc'd) and its length.
 * Read at each notification, not kept: notifications are rare next to the
 * work that sends them, and a secret changed by the owner (an UPDATE of
 * the row) is then used at once by every backend.
 */
static void
LoadSecret(uint8 **secret, int *len)
{
	bool		isnull;
	bytea	   *value;

	PrConnect();
	if (PrExec(&secret_plan,
			   "SELECT secret FROM " PR_SCHEMA ".notify_secret",
			   0, NULL, NULL, NULL, true, 1, SPI_OK_SELECT) != 1)
		elog(ERROR, PR_SCHEMA ".notify_secret holds no secret");
	value = DatumGetByteaPP(PrCopyResult(0, 1, &isnull));
	PrFinish();
	*len = VARSIZE_ANY_EXHDR(value);
	*secret = (uint8 *) VARDATA_ANY(value);
}

/*
 * Write the tag of (channel, key) as 16 hex digits and a NUL into out
 * (at least PR_TAG_BYTES * 2 + 1 bytes).
 */
static void
MakeTag(const char *channel, const char *key, int keylen, char *out)
{
	pg_hmac_ctx *ctx;
	uint8		mac[PG_SHA256_DIGEST_LENGTH];
	uint8	   *secret;
	int			secret_len;

	LoadSecret(&secret, &secret_len);
	ctx = pg_hmac_create(PG_SHA256);
	if (ctx == NULL ||
		pg_hmac_init(ctx, secret, secret_len) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) channel, strlen(channel) + 1) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) key, keylen) < 0 ||
		pg_hmac_final(ctx, mac, sizeof(mac)) < 0)
	{
		pg_hmac_free(ctx);
		elog(ERROR, "could not compute the HMAC of a notification");
	}
	pg_hmac_free(ctx);
	out[hex_encode((const char *) mac, PR_TAG_BYTES, out)] = '\0';
}

/* Send a notification on channel with the tag of key, at commit. */
static void
NotifyTagged(const char *channel, const char *key, int keylen)
{
	char		tag[PR_TAG_BYTES * 2 + 1];

	MakeTag(channel, key, keylen, tag);
	Async_Notify(channel, tag);
}

/* Tell the waiters of a queue that it has runnable jobs. */
void
PrNotifyQueue(Datum queue)
{
	text	   *t = DatumGetTextPP(queue);

	NotifyTagged(PR_QUEUE_CHANNEL, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* Tell the waiters of an upload that it has a result. */
void
PrNotifyUpload(Datum id)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(uuid_out, id));

	NotifyTagged(PR_UPLOAD_CHANNEL, s, strlen(s));
}

/* The key of a variant: the hash in hex, a colon, the variant name. */
static void
VariantKey(StringInfo key, bytea *hash, text *variant)
{
	int			hashlen = VARSIZE_ANY_EXHDR(hash);

	enlargeStringInfo(key, hashlen * 2 + 1);
	key->len += (int) hex_encode(VARDATA_ANY(hash), hashlen, key->data + key->len);
	key->data[key->len] = '\0';
	appendStringInfoChar(key, ':');
	appendBinaryStringInfo(key, VARDATA_ANY(variant), VARSIZE_ANY_EXHDR(variant));
}

/* Tell the waiters of a variant that its processing lock went away. */
void
PrNotifyVariant(Datum hash, Datum variant)
{
	StringInfoData key;

	initStringInfo(&key);
	VariantKey(&key, DatumGetByteaPP(hash), DatumGetTextPP(variant));
	NotifyTagged(PR_VARIANT_CHANNEL, key.data, key.len);
	pfree(key.data);
}

/*
 * Return the tag that notifications on channel about key carry: a waiter
 * LISTENs, asks for its tag once, and looks again whenever a notification
 * with that tag arrives.  channel is one of pict_repo_queue (key: the queue
 * name), pict_repo_upload (the upload id) and pict_repo_variant (the hash
 * in lower-case hex, a colon and the variant name).
 */
PG_FUNCTION_INFO_V1(pict_repo_notify_tag);
Datum
pict_repo_notify_tag(PG_FUNCTION_ARGS)
{
	text	   *channel = PrTextArg(fcinfo, 0, "channel", 1, NAMEDATALEN);
	text	   *key = PrTextArg(fcinfo, 1, "key", 1, PR_LONG_MAX);
	char	   *name = text_to_cstring(channel);
	char		tag[PR_TAG_BYTES * 2 + 1];

	if (strcmp(name, PR_QUEUE_CHANNEL) != 0 &&
		strcmp(name, PR_UPLOAD_CHANNEL) != 0 &&
		strcmp(name, PR_VARIANT_CHANNEL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("channel must be one of " PR_QUEUE_CHANNEL ", "
						PR_UPLOAD_CHANNEL " and " PR_VARIANT_CHANNEL)));
	MakeTag(name, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), tag);
	PG_RETURN_TEXT_P(cstring_to_text(tag));
}
