/*
 * t_repo.c: hashes and variants, aliases, proxies and access times.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

/* A 39-byte hash (pict-rs' size) made from a tag and a number. */
static void
make_hash(uint8_t h[39], uint8_t tag, int n)
{
	memset(h, 0, 39);
	h[0] = tag;
	h[1] = (uint8_t) (n >> 8);
	h[2] = (uint8_t) n;
	h[38] = 1;
}

/* 2026-01-01 00:00:00 UTC plus some seconds, in microseconds. */
static int64_t
t0(int seconds)
{
	return INT64_C(1767225600000000) + (int64_t) seconds * 1000000;
}

static bool
hash_eq(const pr_hash *a, const uint8_t *b, size_t len)
{
	return a->len == len && memcmp(a->data, b, len) == 0;
}

void
test_hashes(void)
{
	pr_conn    *c = connect_main();
	pr_error	err;
	uint8_t		h1[39],
				h2[39],
				h3[39],
				big[129];
	char	   *s = NULL;
	int64_t		count0 = 0,
				count1 = 0;
	pr_hash_list *page = NULL;
	pr_variant_list *vl = NULL;
	pr_strings *ids = NULL;
	pr_ingest_result *ir = NULL;
	char		tok[64];

	make_hash(h1, 0xc1, 1);
	make_hash(h2, 0xc1, 2);
	make_hash(h3, 0xc1, 3);
	memset(big, 7, sizeof(big));

	if (need(c, "hashes", "create_hash", "hash_identifier", "update_identifier",
			 "relate_motion_identifier", "motion_identifier", "relate_blurhash",
			 "blurhash", "hash_count", "hash_page", "hash_page_by_date", NULL))
	{
		ok(pr_hash_count(c, &count0, &err) == PR_OK, "pr_hash_count");
		ok(pr_create_hash(c, h1, 39, "client/h1", NULL, t0(1), &err) == PR_OK,
		   "pr_create_hash creates");
		ok(pr_create_hash(c, h1, 39, "client/h1-again", NULL, PR_NO_TIME, &err) == PR_NONE,
		   "pr_create_hash of an existing hash is PR_NONE");
		is_error(pr_create_hash(c, h2, 39, "client/h1", NULL, PR_NO_TIME, &err), &err,
				 "23505", "pr_create_hash with another hash's identifier");
		ok(pr_create_hash(c, h2, 39, "client/h2", "client/h2-motion", t0(2), &err) == PR_OK,
		   "pr_create_hash with a motion identifier");
		ok(pr_create_hash(c, h3, 39, "client/h3", NULL, t0(3), &err) == PR_OK,
		   "pr_create_hash a third");
		is_error(pr_create_hash(c, h3, 0, "client/x", NULL, PR_NO_TIME, &err), &err, "22023",
				 "pr_create_hash with an empty hash");
		is_error(pr_create_hash(c, big, sizeof(big), "client/x", NULL, PR_NO_TIME, &err), &err,
				 "22023", "pr_create_hash with a 129-byte hash");
		is_error(pr_create_hash(c, NULL, 0, "client/x", NULL, PR_NO_TIME, &err), &err, "22023",
				 "pr_create_hash with a NULL hash");
		is_error(pr_create_hash(c, h3, 39, NULL, NULL, PR_NO_TIME, &err), &err, "22023",
				 "pr_create_hash with a NULL identifier");
		ok(pr_hash_count(c, &count1, &err) == PR_OK && count1 == count0 + 3,
		   "pr_hash_count counts them");

		ok(pr_hash_identifier(c, h1, 39, &s, &err) == PR_OK && s && strcmp(s, "client/h1") == 0,
		   "pr_hash_identifier");
		pr_free(s);
		ok(pr_update_identifier(c, h1, 39, "client/h1b", &err) == PR_OK, "pr_update_identifier");
		ok(pr_hash_identifier(c, h1, 39, &s, &err) == PR_OK && s && strcmp(s, "client/h1b") == 0,
		   "pr_hash_identifier sees the update");
		pr_free(s);
		ok(pr_hash_identifier(c, (const uint8_t *) "\x99", 1, &s, &err) == PR_NONE && !s,
		   "pr_hash_identifier of an unknown hash is PR_NONE");
		ok(pr_update_identifier(c, (const uint8_t *) "\x99", 1, "client/zz", &err) == PR_NONE,
		   "pr_update_identifier of an unknown hash is PR_NONE");
		ok(pr_motion_identifier(c, h2, 39, &s, &err) == PR_OK && s &&
		   strcmp(s, "client/h2-motion") == 0, "pr_motion_identifier");
		pr_free(s);
		ok(pr_relate_motion_identifier(c, h1, 39, "client/h1-motion", &err) == PR_OK,
		   "pr_relate_motion_identifier");
		ok(pr_motion_identifier(c, h1, 39, &s, &err) == PR_OK && s &&
		   strcmp(s, "client/h1-motion") == 0, "pr_motion_identifier after relate");
		pr_free(s);
		ok(pr_motion_identifier(c, h3, 39, &s, &err) == PR_NONE && !s,
		   "pr_motion_identifier without one is PR_NONE");
		ok(pr_relate_blurhash(c, h1, 39, "LEHV6nWB2yk8pyo0adR*.7kCMdnj", &err) == PR_OK,
		   "pr_relate_blurhash");
		ok(pr_blurhash(c, h1, 39, &s, &err) == PR_OK && s &&
		   strcmp(s, "LEHV6nWB2yk8pyo0adR*.7kCMdnj") == 0, "pr_blurhash");
		pr_free(s);
		ok(pr_blurhash(c, h3, 39, &s, &err) == PR_NONE, "pr_blurhash without one is PR_NONE");
		is_error(pr_update_identifier(c, h1, 39, "", &err), &err, "22023",
				 "pr_update_identifier with an empty identifier");
		is_error(pr_relate_blurhash(c, NULL, 0, "x", &err), &err, "22023",
				 "pr_relate_blurhash with a NULL hash");

		/* Keyset pages over the three (newest first). */
		ok(pr_hash_page(c, 2, PR_NO_TIME, NULL, 0, &page, &err) == PR_OK && page->n == 2 &&
		   hash_eq(&page->rows[0].hash, h3, 39) && page->rows[0].created_at == t0(3) &&
		   hash_eq(&page->rows[1].hash, h2, 39),
		   "pr_hash_page first page, newest first, timestamps exact");
		if (page && page->n == 2)
		{
			pr_hash_list *next = NULL;

			ok(pr_hash_page(c, 2, page->rows[1].created_at, page->rows[1].hash.data,
							page->rows[1].hash.len, &next, &err) == PR_OK && next->n >= 1 &&
			   hash_eq(&next->rows[0].hash, h1, 39), "pr_hash_page next page after the key");
			pr_free(next);
		}
		pr_free(page);
		page = NULL;
		ok(pr_hash_page_by_date(c, t0(3), 10, &page, &err) == PR_OK && page->n >= 2 &&
		   hash_eq(&page->rows[0].hash, h2, 39), "pr_hash_page_by_date: older than a date");
		pr_free(page);
		page = NULL;
		is_error(pr_hash_page(c, 0, PR_NO_TIME, NULL, 0, &page, &err), &err, "22023",
				 "pr_hash_page with lim 0");
		ok(page == NULL, "no page is returned on error");
		is_error(pr_hash_page_by_date(c, PR_NO_TIME, 10, &page, &err), &err, "22023",
				 "pr_hash_page_by_date with a NULL date");
	}
	else
	{
		/* The other groups still need hashes: the superuser writes them. */
		admin_sql("INSERT INTO pict_repo.hashes (hash, identifier) VALUES "
			"('\\xc1', 'client/seed-h1') ON CONFLICT DO NOTHING");
		memset(h1, 0, sizeof(h1));
		h1[0] = 0xc1;
	}

	if (need(c, "variants", "relate_variant", "variant_identifier", "variants",
			 "remove_variant", "claim_variant_processing", "variant_heartbeat",
			 "release_variant_processing", NULL) &&
		need(c, "variants (hashes)", "create_hash", NULL))
	{
		ok(pr_relate_variant(c, h1, 39, "thumb", "client/h1-thumb", &err) == PR_OK,
		   "pr_relate_variant");
		ok(pr_relate_variant(c, h1, 39, "thumb", "client/h1-thumb2", &err) == PR_NONE,
		   "pr_relate_variant of an existing variant is PR_NONE");
		ok(pr_relate_variant(c, h1, 39, "small", "client/h1-small", &err) == PR_OK,
		   "pr_relate_variant a second");
		ok(pr_variant_identifier(c, h1, 39, "thumb", &s, &err) == PR_OK && s &&
		   strcmp(s, "client/h1-thumb") == 0, "pr_variant_identifier");
		pr_free(s);
		ok(pr_variant_identifier(c, h1, 39, "none", &s, &err) == PR_NONE && !s,
		   "pr_variant_identifier of an unknown variant is PR_NONE");
		ok(pr_variants(c, h1, 39, &vl, &err) == PR_OK && vl->n == 2, "pr_variants lists two");
		if (vl && vl->n == 2)
			ok((strcmp(vl->rows[0].variant, "small") == 0 &&
				strcmp(vl->rows[0].identifier, "client/h1-small") == 0) ||
			   (strcmp(vl->rows[1].variant, "small") == 0 &&
				strcmp(vl->rows[1].identifier, "client/h1-small") == 0),
			   "pr_variants rows carry variant and identifier");
		pr_free(vl);
		ok(pr_claim_variant_processing(c, h1, 39, "big", &err) == PR_OK,
		   "pr_claim_variant_processing grants a free variant");
		ok(pr_claim_variant_processing(c, h1, 39, "big", &err) == PR_NONE,
		   "pr_claim_variant_processing while it is held is PR_NONE");
		ok(pr_claim_variant_processing(c, h1, 39, "thumb", &err) == PR_NONE,
		   "pr_claim_variant_processing of a generated variant is PR_NONE");
		ok(pr_variant_heartbeat(c, h1, 39, "big", &err) == PR_OK, "pr_variant_heartbeat");
		ok(pr_release_variant_processing(c, h1, 39, "big", &err) != PR_ERROR,
		   "pr_release_variant_processing");
		ok(pr_variant_heartbeat(c, h1, 39, "big", &err) == PR_NONE,
		   "pr_variant_heartbeat after release is PR_NONE");
		ok(pr_remove_variant(c, h1, 39, "small", &s, &err) == PR_OK && s &&
		   strcmp(s, "client/h1-small") == 0, "pr_remove_variant returns the identifier");
		pr_free(s);
		ok(pr_remove_variant(c, h1, 39, "small", &s, &err) == PR_NONE && !s,
		   "pr_remove_variant again is PR_NONE");
		is_error(pr_relate_variant(c, h1, 39, "", "x", &err), &err, "22023",
				 "pr_relate_variant with an empty variant");
		is_error(pr_claim_variant_processing(c, h1, 39, NULL, &err), &err, "22023",
				 "pr_claim_variant_processing with a NULL variant");
	}

	if (need(c, "ingest", "ingest", NULL))
	{
		uint8_t		h4[39];

		make_hash(h4, 0xc1, 4);
		ok(pr_ingest(c, h4, 39, "client/h4", "{\"w\": 1}", "png", NULL, NULL, &ir, &err) == PR_OK &&
		   ir && ir->hash_created && ir->alias && strlen(ir->alias) > 4 &&
		   strcmp(ir->alias + strlen(ir->alias) - 4, ".png") == 0 && ir->token &&
		   strcmp(ir->stored_identifier, "client/h4") == 0,
		   "pr_ingest creates hash, details and a <uuid>.png alias");
		pr_free(ir);
		ir = NULL;
		ok(pr_ingest(c, h4, 39, "client/h4-dup", "{\"w\": 1}", "png", "client-declared.png",
					 "tok-1", &ir, &err) == PR_OK && ir && !ir->hash_created &&
		   strcmp(ir->stored_identifier, "client/h4") == 0 &&
		   strcmp(ir->alias, "client-declared.png") == 0 && strcmp(ir->token, "tok-1") == 0,
		   "pr_ingest of an existing hash keeps it and uses the declared alias and token");
		pr_free(ir);
		ir = NULL;
		is_error(pr_ingest(c, h4, 39, "client/h4-dup", "{}", "png", "client-declared.png", NULL,
						   &ir, &err), &err, "23505", "pr_ingest with a taken alias");
		is_error(pr_ingest(c, h4, 0, "client/h4-x", "{}", "png", NULL, NULL, &ir, &err), &err,
				 "22023", "pr_ingest with an empty hash");
	}

	if (need(c, "cleanup_hash", "cleanup_hash", "create_alias_with_token", NULL) &&
		need(c, "cleanup_hash (hashes)", "create_hash", NULL))
	{
		uint8_t		h5[39];

		make_hash(h5, 0xc1, 5);
		pr_create_hash(c, h5, 39, "client/h5", "client/h5-motion", PR_NO_TIME, &err);
		pr_create_alias_with_token(c, "client-h5.png", h5, 39, "t5", NULL, &err);
		is_error(pr_cleanup_hash(c, h5, 39, false, &ids, &err), &err, "55006",
				 "pr_cleanup_hash of a hash with aliases");
		ok(pr_cleanup_hash(c, h5, 39, true, &ids, &err) == PR_OK && ids && ids->n == 2,
		   "pr_cleanup_hash with force returns the identifiers to delete");
		pr_free(ids);
		ids = NULL;
		ok(pr_cleanup_hash(c, h5, 39, false, &ids, &err) == PR_OK && ids && ids->n == 0,
		   "pr_cleanup_hash of an unknown hash returns no rows");
		pr_free(ids);
		is_error(pr_cleanup_hash(c, NULL, 0, false, &ids, &err), &err, "22023",
				 "pr_cleanup_hash with a NULL hash");
	}
	(void) tok;
	pr_finish(c);
}

void
test_aliases(void)
{
	pr_conn    *c = connect_main();
	pr_error	err;
	const uint8_t ha[] = {0xa1, 0x01};
	const uint8_t unknown[] = {0xa1, 0xff};
	char	   *s = NULL;
	pr_hash		h;
	bool		orphaned;
	pr_strings *list = NULL;
	pr_alias_access_list *al = NULL;
	pr_variant_access_list *vl = NULL;
	int64_t		at;
	char		role[128] = "";
	char		grant[256];

	if (!need(c, "aliases", "create_alias_with_token", "alias_hash", "alias_token",
			  "aliases_for_hash", "delete_alias", "cleanup_alias", "relate_url", "related",
			  "remove_relation", "touch_alias", "alias_accessed_at", "older_aliases",
			  "touch_variant", "variant_accessed_at", "older_variants", NULL))
	{
		pr_finish(c);
		return;
	}
	/* A hash and a variant with a known access time, written by the superuser. */
	admin_sql("INSERT INTO pict_repo.hashes (hash, identifier) VALUES ('\\xa101', 'client/alias-h')");
	admin_sql("INSERT INTO pict_repo.variants (hash, variant, identifier, accessed) VALUES "
		"('\\xa101', 'thumb', 'client/alias-h-thumb', '2026-01-01 00:00:00+00')");

	ok(pr_create_alias_with_token(c, "client-b.png", ha, 2, NULL, &s, &err) == PR_OK &&
	   s && strlen(s) == 36, "pr_create_alias_with_token makes a token");
	pr_free(s);
	ok(pr_create_alias_with_token(c, "client-a.png", ha, 2, "tok-a", &s, &err) == PR_OK &&
	   s && strcmp(s, "tok-a") == 0, "pr_create_alias_with_token keeps a given token");
	pr_free(s);
	ok(pr_create_alias_with_token(c, "client-a.png", ha, 2, NULL, &s, &err) == PR_NONE && !s,
	   "pr_create_alias_with_token of a taken alias is PR_NONE");
	is_error(pr_create_alias_with_token(c, "client-c.png", unknown, 2, NULL, &s, &err), &err,
			 "23503", "pr_create_alias_with_token for an unknown hash");
	is_error(pr_create_alias_with_token(c, "", ha, 2, NULL, &s, &err), &err, "22023",
			 "pr_create_alias_with_token with an empty alias");
	is_error(pr_create_alias_with_token(c, "client-d.png", NULL, 0, NULL, &s, &err), &err,
			 "22023", "pr_create_alias_with_token with a NULL hash");

	ok(pr_alias_hash(c, "client-a.png", &h, &err) == PR_OK && hash_eq(&h, ha, 2),
	   "pr_alias_hash returns the bytes");
	ok(pr_alias_hash(c, "client-none.png", &h, &err) == PR_NONE && h.len == 0,
	   "pr_alias_hash of an unknown alias is PR_NONE");
	/*
	 * alias_token is not granted to pict_repo_user (README, "The delete
	 * token"): the application role is refused until the owner grants it
	 * explicitly, as the README shows; the grant is taken back after.
	 */
	is_error(pr_alias_token(c, "client-a.png", &s, &err), &err, "42501",
			 "pr_alias_token without the explicit grant");
	if (sql_value(c, "SELECT current_user", role, sizeof(role)))
	{
		snprintf(grant, sizeof(grant),
				 "GRANT EXECUTE ON FUNCTION pict_repo.alias_token(text) TO \"%s\"", role);
		admin_sql(grant);
	}
	ok(pr_alias_token(c, "client-a.png", &s, &err) == PR_OK && s && strcmp(s, "tok-a") == 0,
	   "pr_alias_token with the grant");
	pr_free(s);
	ok(pr_aliases_for_hash(c, ha, 2, &list, &err) == PR_OK && list->n == 2 &&
	   strcmp(list->items[0], "client-a.png") == 0 && strcmp(list->items[1], "client-b.png") == 0,
	   "pr_aliases_for_hash, ordered");
	pr_free(list);
	is_error(pr_alias_token(c, NULL, &s, &err), &err, "22023", "pr_alias_token with NULL");
	if (role[0])
	{
		snprintf(grant, sizeof(grant),
				 "REVOKE EXECUTE ON FUNCTION pict_repo.alias_token(text) FROM \"%s\"", role);
		admin_sql(grant);
	}

	ok(pr_relate_url(c, "https://example.com/a.png", "client-a.png", &err) == PR_OK,
	   "pr_relate_url");
	ok(pr_relate_url(c, "https://example.com/a.png", "client-b.png", &err) == PR_NONE,
	   "pr_relate_url of a known url is PR_NONE");
	ok(pr_related(c, "https://example.com/a.png", &s, &err) == PR_OK && s &&
	   strcmp(s, "client-a.png") == 0, "pr_related");
	pr_free(s);
	ok(pr_related(c, "https://example.com/none", &s, &err) == PR_NONE, "pr_related unknown");
	ok(pr_touch_alias(c, "client-a.png", t0(100), &err) == PR_OK, "pr_touch_alias at a time");
	ok(pr_alias_accessed_at(c, "client-a.png", &at, &err) == PR_OK && at == t0(100),
	   "pr_alias_accessed_at returns that exact time");
	ok(pr_older_aliases(c, t0(101), 10, PR_NO_TIME, NULL, &al, &err) == PR_OK && al->n == 1 &&
	   strcmp(al->rows[0].alias, "client-a.png") == 0 &&
	   strcmp(al->rows[0].url, "https://example.com/a.png") == 0 && al->rows[0].accessed == t0(100),
	   "pr_older_aliases");
	if (al && al->n == 1)
	{
		pr_alias_access_list *next = NULL;

		ok(pr_older_aliases(c, t0(101), 10, al->rows[0].accessed, al->rows[0].url, &next,
							&err) == PR_OK && next->n == 0, "pr_older_aliases next page is empty");
		pr_free(next);
	}
	pr_free(al);
	ok(pr_touch_alias(c, "client-a.png", PR_NO_TIME, &err) == PR_OK,
	   "pr_touch_alias now (PR_NO_TIME)");
	ok(pr_alias_accessed_at(c, "client-a.png", &at, &err) == PR_OK && at > t0(100),
	   "the access time moved to now");
	ok(pr_touch_alias(c, "client-none.png", PR_NO_TIME, &err) == PR_NONE,
	   "pr_touch_alias of an unknown alias is PR_NONE");
	is_error(pr_older_aliases(c, t0(101), 0, PR_NO_TIME, NULL, &al, &err), &err, "22023",
			 "pr_older_aliases with lim 0");
	is_error(pr_older_aliases(c, t0(101), 10, t0(1), NULL, &al, &err), &err, "22023",
			 "pr_older_aliases with half a keyset");
	ok(pr_remove_relation(c, "client-a.png", &err) == PR_OK, "pr_remove_relation");
	ok(pr_remove_relation(c, "client-a.png", &err) == PR_NONE, "pr_remove_relation again");

	ok(pr_touch_variant(c, ha, 2, "thumb", t0(50), &err) == PR_OK, "pr_touch_variant");
	ok(pr_variant_accessed_at(c, ha, 2, "thumb", &at, &err) == PR_OK && at == t0(50),
	   "pr_variant_accessed_at");
	ok(pr_older_variants(c, t0(51), 10, PR_NO_TIME, NULL, 0, NULL, &vl, &err) == PR_OK &&
	   vl->n == 1 && hash_eq(&vl->rows[0].hash, ha, 2) &&
	   strcmp(vl->rows[0].variant, "thumb") == 0 && vl->rows[0].accessed == t0(50),
	   "pr_older_variants");
	pr_free(vl);
	vl = NULL;
	ok(pr_older_variants(c, t0(51), 10, t0(50), ha, 2, "thumb", &vl, &err) == PR_OK &&
	   vl->n == 0, "pr_older_variants after the last key");
	pr_free(vl);
	ok(pr_touch_variant(c, ha, 2, "none", PR_NO_TIME, &err) == PR_NONE,
	   "pr_touch_variant of an unknown variant is PR_NONE");
	ok(pr_variant_accessed_at(c, ha, 2, "none", &at, &err) == PR_NONE && at == PR_NO_TIME,
	   "pr_variant_accessed_at of an unknown variant is PR_NONE");
	is_error(pr_touch_variant(c, ha, 2, "", PR_NO_TIME, &err), &err, "22023",
			 "pr_touch_variant with an empty variant");

	is_error(pr_delete_alias(c, "client-a.png", "wrong", &h, &orphaned, &err), &err, "28000",
			 "pr_delete_alias with a wrong token");
	ok(pr_delete_alias(c, "client-a.png", "tok-a", &h, &orphaned, &err) == PR_OK &&
	   hash_eq(&h, ha, 2) && !orphaned, "pr_delete_alias: not orphaned while another alias remains");
	ok(pr_delete_alias(c, "client-a.png", "tok-a", &h, &orphaned, &err) == PR_NONE,
	   "pr_delete_alias of an unknown alias is PR_NONE");
	ok(pr_cleanup_alias(c, "client-b.png", &h, &orphaned, &err) == PR_OK &&
	   hash_eq(&h, ha, 2) && orphaned, "pr_cleanup_alias: the last alias orphans the hash");
	ok(pr_cleanup_alias(c, "client-b.png", &h, &orphaned, &err) == PR_NONE,
	   "pr_cleanup_alias of an unknown alias is PR_NONE");
	is_error(pr_delete_alias(c, "client-x", NULL, &h, &orphaned, &err), &err, "22023",
			 "pr_delete_alias with a NULL token");
	pr_finish(c);
}
