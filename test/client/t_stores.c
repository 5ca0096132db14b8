/*
 * t_stores.c: storage tiers through libpictrepo, as the application role
 * of db_main (a LOGIN member of pict_repo_user only): stores, copies, keyset
 * pages, the report, moves and removals, and cleanup_hash with the stores
 * of its files.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

/* A 39-byte hash made from a number. */
static void
tier_hash(uint8_t h[39], int n)
{
	memset(h, 0, 39);
	h[0] = 0x7e;
	h[1] = (uint8_t) (n >> 8);
	h[2] = (uint8_t) n;
	h[38] = 1;
}

/* The copies and bytes of a store and form in the report, or -1. */
static int64_t
report_copies(pr_conn *c, const char *store, const char *form, int64_t *bytes)
{
	pr_storage_list *r = NULL;
	pr_error	err;
	int64_t		n = -1;

	if (pr_storage_report(c, &r, &err) != PR_OK)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->rows[i].store, store) == 0 &&
			((form == NULL && r->rows[i].form == NULL) ||
			 (form && r->rows[i].form && strcmp(r->rows[i].form, form) == 0)))
		{
			n = r->rows[i].copies;
			if (bytes)
				*bytes = r->rows[i].bytes;
		}
	pr_free(r);
	return n;
}

void
test_stores(void)
{
	pr_conn    *c = connect_main();
	pr_error	err;
	uint8_t		h[30][39];
	int32_t		id = 0,
				id2 = 0;
	char	   *s = NULL;
	pr_store_list *sl = NULL;
	pr_copy_list *cl = NULL;
	pr_copy_location *best = NULL;
	pr_store_copy_list *page = NULL;
	pr_file_list *files = NULL;
	pr_strings *ids = NULL;
	int64_t		bytes = 0;

	if (!need(c, "storage tiers", "create_store", "stores", "drop_store", "add_copy",
			  "copies", "best_copy", "remove_copy", "move_copy", "copies_in_store",
			  "storage_report", NULL))
	{
		pr_finish(c);
		return;
	}
	for (int i = 0; i < 30; i++)
	{
		char		name[64];

		tier_hash(h[i], i);
		snprintf(name, sizeof(name), "client/tier/%d.png", i);
		if (pr_create_hash(c, h[i], 39, name, NULL, PR_NO_TIME, &err) != PR_OK)
			diag("create_hash %d: %s", i, err.message);
	}

	/* stores */
	ok(pr_create_store(c, "ct-active", "file", 0, "/ct/active", NULL, &id, &err) == PR_OK &&
	   id > 0, "pr_create_store returns the new store's id");
	ok(pr_create_store(c, "ct-archive", "archive", 2, "tape://ct", "vault 1", &id2, &err) == PR_OK &&
	   id2 > id, "pr_create_store with notes");
	ok(pr_create_store(c, "ct-active", "object", 1, "s3://ct", NULL, &id, &err) == PR_NONE &&
	   id == 0, "pr_create_store of a taken name is PR_NONE");
	is_error(pr_create_store(c, "ct-other", "file", 0, "/ct/active", NULL, &id, &err), &err,
			 "23505", "pr_create_store with another store's location");
	is_error(pr_create_store(c, "ct-tape", "tape", 0, "/ct/tape", NULL, &id, &err), &err,
			 "22023", "pr_create_store with an unknown kind");
	is_error(pr_create_store(c, "ct-rel", "file", 0, "ct/rel", NULL, &id, &err), &err,
			 "22023", "pr_create_store of a file store with a relative location");
	is_error(pr_create_store(c, NULL, "file", 0, "/ct/n", NULL, &id, &err), &err,
			 "22023", "pr_create_store with a NULL name");
	ok(pr_stores(c, &sl, &err) == PR_OK && sl->n >= 2 &&
	   strcmp(sl->rows[0].name, "ct-active") == 0 && sl->rows[0].notes == NULL &&
	   strcmp(sl->rows[sl->n - 1].name, "ct-archive") == 0 &&
	   strcmp(sl->rows[sl->n - 1].notes, "vault 1") == 0 &&
	   strcmp(sl->rows[sl->n - 1].kind, "archive") == 0 && sl->rows[sl->n - 1].priority == 2,
	   "pr_stores lists the stores, most accessible first");
	pr_free(sl);

	/* copies */
	ok(pr_add_copy(c, h[0], 39, "ct-active", "original", "a/0.png", 1000, &err) == PR_OK,
	   "pr_add_copy records a copy");
	ok(pr_add_copy(c, h[0], 39, "ct-active", "original", "a/0-again.png", 1, &err) == PR_NONE,
	   "pr_add_copy of a recorded copy is PR_NONE");
	ok(pr_add_copy(c, h[0], 39, "ct-active", "webp-640x480", "a/0.webp", 100, &err) == PR_OK &&
	   pr_add_copy(c, h[0], 39, "ct-archive", "original", "v/0.png", 1000, &err) == PR_OK,
	   "pr_add_copy of a derived form and of an archive copy");
	is_error(pr_add_copy(c, h[1], 39, "ct-active", "original", "a/0.png", 5, &err), &err,
			 "23505", "pr_add_copy with another copy's identifier in the store");
	is_error(pr_add_copy(c, h[1], 39, "ct-nowhere", "original", "a/1.png", 5, &err), &err,
			 "23503", "pr_add_copy to an unknown store");
	is_error(pr_add_copy(c, h[1], 39, "ct-active", "original", "a/1.png", -5, &err), &err,
			 "22023", "pr_add_copy with negative bytes");
	is_error(pr_add_copy(c, h[1], 39, "ct-active", NULL, "a/1.png", 5, &err), &err,
			 "22023", "pr_add_copy with a NULL form");
	ok(pr_copies(c, h[0], 39, &cl, &err) == PR_OK && cl->n == 3 &&
	   strcmp(cl->rows[0].store, "ct-active") == 0 && strcmp(cl->rows[0].form, "original") == 0 &&
	   strcmp(cl->rows[0].identifier, "a/0.png") == 0 && cl->rows[0].bytes == 1000 &&
	   cl->rows[0].created_at > 0 && strcmp(cl->rows[2].store, "ct-archive") == 0 &&
	   cl->rows[2].priority == 2, "pr_copies, most accessible first");
	pr_free(cl);
	ok(pr_best_copy(c, h[0], 39, NULL, &best, &err) == PR_OK &&
	   strcmp(best->store, "ct-active") == 0 && strcmp(best->location, "/ct/active") == 0 &&
	   strcmp(best->identifier, "a/0.png") == 0, "pr_best_copy of the original (form NULL)");
	pr_free(best);
	best = NULL;
	ok(pr_best_copy(c, h[0], 39, "gzip-9", &best, &err) == PR_NONE && best == NULL,
	   "pr_best_copy of a form without copies is PR_NONE");

	/* keyset pages over 25 copies, 4 at a time */
	for (int i = 1; i <= 25; i++)
	{
		char		name[64];

		snprintf(name, sizeof(name), "a/%d.png", i);
		pr_add_copy(c, h[i], 39, "ct-active", "original", name, i, &err);
	}
	{
		int			seen = 0,
					pages = 0;
		bool		ordered = true;
		pr_hash		after;
		char		after_form[80] = "";

		memset(&after, 0, sizeof(after));
		for (;;)
		{
			if (pr_copies_in_store(c, "ct-active", "original", 4,
								   pages ? after.data : NULL, pages ? after.len : 0,
								   pages ? after_form : NULL, &page, &err) != PR_OK)
			{
				diag("copies_in_store: %s", err.message);
				break;
			}
			pages++;
			for (size_t i = 0; i < page->n; i++)
			{
				if (seen > 0 && memcmp(page->rows[i].hash.data, after.data, 39) <= 0)
					ordered = false;
				after = page->rows[i].hash;
				snprintf(after_form, sizeof(after_form), "%s", page->rows[i].form);
				seen++;
			}
			if (page->n < 4)
			{
				pr_free(page);
				break;
			}
			pr_free(page);
		}
		ok(seen == 26 && pages == 7 && ordered,
		   "pr_copies_in_store walks every original of the store once, in hash order (%d in %d pages)",
		   seen, pages);
	}
	is_error(pr_copies_in_store(c, "ct-active", NULL, 4, h[0], 39, NULL, &page, &err), &err,
			 "22023", "pr_copies_in_store with after_hash but no after_form");
	ok(pr_copies_in_store(c, "ct-nowhere", NULL, 4, NULL, 0, NULL, &page, &err) == PR_OK &&
	   page->n == 0, "pr_copies_in_store of an unknown store is empty");
	pr_free(page);

	/* the report */
	ok(report_copies(c, "ct-active", "original", &bytes) == 26 && bytes == 1000 + 325,
	   "pr_storage_report: copies and bytes of a store and form");
	ok(report_copies(c, "ct-archive", "original", NULL) == 1, "pr_storage_report: the archive");

	/* remove, move */
	ok(pr_remove_copy(c, h[0], 39, "ct-active", "webp-640x480", &s, &err) == PR_OK &&
	   strcmp(s, "a/0.webp") == 0, "pr_remove_copy returns the file to delete");
	pr_free(s);
	s = NULL;
	ok(pr_remove_copy(c, h[0], 39, "ct-active", "webp-640x480", &s, &err) == PR_NONE && s == NULL,
	   "pr_remove_copy of a removed copy is PR_NONE");
	is_error(pr_remove_copy(c, h[1], 39, "ct-active", "original", &s, &err), &err,
			 "55000", "pr_remove_copy of the last original of a hash");
	ok(pr_move_copy(c, h[1], 39, "original", "ct-active", "ct-archive", "v/1.png", &s, &err) == PR_OK &&
	   strcmp(s, "a/1.png") == 0, "pr_move_copy returns the old identifier");
	pr_free(s);
	s = NULL;
	ok(pr_move_copy(c, h[1], 39, "original", "ct-active", "ct-archive", "v/1.png", &s, &err) == PR_NONE,
	   "pr_move_copy of a moved copy is PR_NONE");
	is_error(pr_move_copy(c, h[2], 39, "original", "ct-active", "ct-archive", "v/0.png", &s, &err),
			 &err, "23505", "pr_move_copy onto another copy's identifier");
	is_error(pr_move_copy(c, h[2], 39, "original", "ct-active", "ct-active", "x", &s, &err),
			 &err, "22023", "pr_move_copy within one store");
	ok(report_copies(c, "ct-archive", "original", &bytes) == 2 && bytes == 1001 &&
	   report_copies(c, "ct-active", "original", NULL) == 25, "the report follows the move");

	/* cleanup_hash with stores, and without */
	ok(pr_cleanup_hash_stores(c, h[0], 39, false, &files, &err) == PR_OK && files->n == 3 &&
	   strcmp(files->rows[0].identifier, "client/tier/0.png") == 0 && files->rows[0].store == NULL &&
	   strcmp(files->rows[1].identifier, "a/0.png") == 0 &&
	   strcmp(files->rows[1].store, "ct-active") == 0 &&
	   strcmp(files->rows[2].store, "ct-archive") == 0,
	   "pr_cleanup_hash_stores: the hash's own file, then each copy with its store");
	pr_free(files);
	ok(pr_cleanup_hash(c, h[1], 39, false, &ids, &err) == PR_OK && ids->n == 1 &&
	   strcmp(ids->items[0], "client/tier/1.png") == 0,
	   "pr_cleanup_hash returns only the files of pict-rs's store, as before 1.3");
	pr_free(ids);
	ok(pr_copies(c, h[1], 39, &cl, &err) == PR_OK && cl->n == 0,
	   "and the hash's copies are gone too");
	pr_free(cl);
	ok(report_copies(c, "ct-archive", "original", NULL) == -1 &&
	   report_copies(c, "ct-archive", NULL, NULL) == 0, "the report follows cleanup_hash");

	/* drop */
	is_error(pr_drop_store(c, "ct-active", &err), &err, "55006",
			 "pr_drop_store of a store that holds copies");
	for (int i = 2; i < 30; i++)
	{
		files = NULL;
		pr_cleanup_hash_stores(c, h[i], 39, true, &files, &err);
		pr_free(files);
	}
	ok(pr_drop_store(c, "ct-active", &err) == PR_OK && pr_drop_store(c, "ct-archive", &err) == PR_OK,
	   "pr_drop_store once the stores are empty");
	ok(pr_drop_store(c, "ct-active", &err) == PR_NONE, "pr_drop_store of an unknown store is PR_NONE");
	pr_finish(c);
}
