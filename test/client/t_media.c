/*
 * t_media.c: the file service through libpictrepo, as the suite's
 * application role (db_main: a LOGIN member of pict_repo_user only, not a
 * superuser); the superuser connection (admin_*) only reads tables.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

/* A 39-byte hash made from a number. */
static void
media_hash(uint8_t h[39], int n)
{
	memset(h, 0, 39);
	h[0] = 0x3e;
	h[1] = (uint8_t) n;
	h[38] = 1;
}

/* The aliases of a page joined by spaces. */
static void
join_aliases(const pr_media_list *page, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; page && i < page->n; i++)
	{
		size_t		l = strlen(buf);

		snprintf(buf + l, len - l, "%s%s", l ? " " : "", page->rows[i].alias);
	}
}

/* The strings joined by commas. */
static void
join_strings(const pr_strings *s, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; s && i < s->n; i++)
	{
		size_t		l = strlen(buf);

		snprintf(buf + l, len - l, "%s%s", i ? "," : "", s->items[i]);
	}
}

static void
test_ingest_ex(pr_conn *c)
{
	pr_error	err;
	uint8_t		h1[39],
				h2[39],
				h3[39];
	const char *tags[] = {"dog", "cat", "cat"};
	const char *bad_tags[] = {"cat", NULL};
	pr_upload_meta meta = {"client-alice", tags, 3, "private", true, 1234};
	pr_upload_meta bad = {"client-alice", bad_tags, 2, NULL, false, 0};
	pr_ingest_item item = {h1, 39, "client-media/1.png",
		"{\"width\": 640, \"height\": 480, \"content_type\": \"image/png\", \"bytes\": 999}",
	"png", "cm-1.png", "tok-cm-1"};
	pr_ingest_result *r = NULL;
	pr_media_row *m = NULL;
	pr_ingest_results *batch = NULL;

	media_hash(h1, 1);
	media_hash(h2, 2);
	media_hash(h3, 3);
	ok(pr_ingest_ex(c, &item, &meta, &r, &err) == PR_OK && r && strcmp(r->alias, "cm-1.png") == 0 &&
	   strcmp(r->token, "tok-cm-1") == 0 && r->hash_created, "pr_ingest_ex stores an upload with metadata");
	pr_free(r);
	r = NULL;
	if (ok(pr_media_info(c, "cm-1.png", &m, &err) == PR_OK && m, "pr_media_info finds it"))
	{
		ok(strcmp(m->alias, "cm-1.png") == 0 && m->hash.len == 39 && memcmp(m->hash.data, h1, 39) == 0,
		   "media_info: alias and hash");
		ok(m->owner && strcmp(m->owner, "client-alice") == 0 && strcmp(m->access, "private") == 0,
		   "media_info: owner and access");
		ok(m->n_tags == 2 && strcmp(m->tags[0], "cat") == 0 && strcmp(m->tags[1], "dog") == 0,
		   "media_info: the tags sorted, without duplicates");
		ok(m->content_type && strcmp(m->content_type, "image/png") == 0 && m->width == 640 &&
		   m->height == 480 && m->bytes == 1234,
		   "media_info: content type and size from the details, bytes as given");
		ok(strcmp(m->identifier, "client-media/1.png") == 0 && m->variants == 0 &&
		   m->cursor == NULL && m->created_at > 0, "media_info: identifier, variants, created_at");
	}
	pr_free(m);
	m = NULL;

	/* NULL metadata: the defaults; the size from the details. */
	item.hash = h2;
	item.identifier = "client-media/2.gif";
	item.details_json = "{\"format\": \"gif\", \"frames\": 5, \"width\": 10, \"height\": 10}";
	item.declared_alias = "cm-2.gif";
	item.declared_token = NULL;
	ok(pr_ingest_ex(c, &item, NULL, NULL, &err) == PR_OK, "pr_ingest_ex with no metadata");
	ok(pr_media_info(c, "cm-2.gif", &m, &err) == PR_OK && m && m->owner == NULL && m->n_tags == 0 &&
	   strcmp(m->access, "public") == 0 && m->bytes == -1 && strcmp(m->content_type, "image/gif") == 0,
	   "  no owner, no tags, public, no size");
	pr_free(m);
	m = NULL;
	is_error(pr_ingest_ex(c, &item, &bad, NULL, &err), &err, "22023",
			 "pr_ingest_ex with a NULL tag");
	bad.tags = tags;
	bad.access = "secret";
	item.declared_alias = "cm-bad.png";
	is_error(pr_ingest_ex(c, &item, &bad, NULL, &err), &err, "22023",
			 "pr_ingest_ex with access \"secret\"");
	ok(pr_media_exists(c, "cm-bad.png", &err) == PR_NONE, "  nothing stored");
	is_error(pr_ingest_ex(c, NULL, &meta, NULL, &err), &err, "22023", "pr_ingest_ex with no item");

	/* The calls of before keep working. */
	ok(pr_ingest(c, h3, 39, "client-media/3.mp4", "{\"format\": \"mp4\"}", "mp4", "cm-3.mp4",
				 NULL, &r, &err) == PR_OK && r && strcmp(r->alias, "cm-3.mp4") == 0,
	   "pr_ingest (no metadata) still works");
	pr_free(r);
	{
		pr_ingest_item one = {h3, 39, "client-media/3.mp4", "{}", "mp4", "cm-3b.mp4", NULL};

		ok(pr_ingest_batch(c, &one, 1, &batch, &err) == PR_OK && batch->n == 1 &&
		   batch->items[0].rc == PR_OK, "pr_ingest_batch still works");
		pr_free(batch);
	}
	ok(pr_media_info(c, "cm-3.mp4", &m, &err) == PR_OK && m && m->owner == NULL &&
	   strcmp(m->content_type, "video/mp4") == 0, "  an upload without metadata");
	pr_free(m);
	ok(pr_set_owner(c, "cm-3.mp4", "client-alice", &err) == PR_OK &&
	   pr_set_owner(c, "cm-3b.mp4", "client-bob", &err) == PR_OK &&
	   pr_set_owner(c, "cm-2.gif", "client-alice", &err) == PR_OK,
	   "pr_set_owner gives uploads an owner");
	ok(pr_set_owner(c, "cm-nope.png", "client-alice", &err) == PR_NONE,
	   "pr_set_owner of an unknown alias is PR_NONE");
	is_error(pr_set_owner(c, "cm-3.mp4", "", &err), &err, "22023", "pr_set_owner with an empty owner");
}

static void
test_tags_access(pr_conn *c)
{
	pr_error	err;
	const char *add[] = {"zebra", "a,b", "q\"uote", "back\\slash", "tab\there", "ünï"};
	const char *rm[] = {"zebra", "dog"};
	const char *with_null[] = {"x", NULL};
	const char *aliases[] = {"cm-1.png", "cm-2.gif", "cm-nope.png"};
	pr_strings *tags = NULL;
	char		buf[512];
	int32_t		changed = -1;

	ok(pr_add_tags(c, "cm-1.png", add, 6, &tags, &err) == PR_OK, "pr_add_tags");
	join_strings(tags, buf, sizeof(buf));
	ok(strcmp(buf, "a,b,back\\slash,cat,dog,q\"uote,tab\there,zebra,ünï") == 0,
	   "  returns the tags sorted by bytes, special characters kept (%s)", buf);
	pr_free(tags);
	tags = NULL;
	ok(pr_remove_tags(c, "cm-1.png", rm, 2, &tags, &err) == PR_OK && tags && tags->n == 6,
	   "pr_remove_tags returns what is left");
	pr_free(tags);
	tags = NULL;
	ok(pr_add_tags(c, "cm-1.png", NULL, 0, &tags, &err) == PR_OK && tags && tags->n == 6,
	   "pr_add_tags of no tags returns the tags as they are");
	pr_free(tags);
	tags = NULL;
	ok(pr_add_tags(c, "cm-nope.png", add, 1, &tags, &err) == PR_NONE && tags == NULL,
	   "pr_add_tags of an unknown alias is PR_NONE");
	is_error(pr_add_tags(c, "cm-1.png", with_null, 2, &tags, &err), &err, "22023",
			 "pr_add_tags with a NULL tag");
	{
		const char *empty[] = {""};

		is_error(pr_remove_tags(c, "cm-1.png", empty, 1, &tags, &err), &err, "22023",
				 "pr_remove_tags with an empty tag");
	}

	ok(pr_set_access(c, aliases, 3, "private", &changed, &err) == PR_OK && changed == 1,
	   "pr_set_access counts what changed (%d)", changed);
	ok(pr_set_access(c, aliases, 2, "public", &changed, &err) == PR_OK && changed == 2,
	   "pr_set_access back to public (%d)", changed);
	is_error(pr_set_access(c, aliases, 2, "secret", &changed, &err), &err, "22023",
			 "pr_set_access with \"secret\"");
	is_error(pr_set_access(c, with_null, 2, "public", &changed, &err), &err, "22023",
			 "pr_set_access with a NULL alias");
}

static void
test_list(pr_conn *c)
{
	pr_error	err;
	pr_media_filter f;
	const char *all[] = {"cat"};
	const char *any[] = {"x\"y", "cat"};
	char	   *json = NULL;
	pr_media_list *page = NULL;
	pr_media_stream *s;
	char		buf[512];
	int			pages = 0,
				rows = 0,
				rc;

	pr_media_filter_init(&f);
	ok(pr_media_filter_json(&f, &json, &err) == PR_OK && strcmp(json, "{}") == 0,
	   "an initialised filter is {}");
	pr_free(json);
	f.owner = "client-alice";
	f.access = "public";
	f.content_type = "image/";
	f.tags_all = all;
	f.n_tags_all = 1;
	f.tags_any = any;
	f.n_tags_any = 2;
	f.min_width = 1;
	f.max_width = 2000;
	f.min_bytes = 0;
	f.created_after = 0;
	f.created_before = INT64_C(4102444800000000);
	f.animated = 0;
	json = NULL;
	rc = pr_media_filter_json(&f, &json, &err);
	ok(rc == PR_OK &&
	   strcmp(json, "{\"owner\": \"client-alice\", \"access\": \"public\", \"content_type\": \"image/\", "
			  "\"tags_all\": [\"cat\"], \"tags_any\": [\"x\\\"y\", \"cat\"], \"min_width\": 1, "
			  "\"max_width\": 2000, \"min_bytes\": 0, \"created_after\": \"1970-01-01T00:00:00.000000Z\", "
			  "\"created_before\": \"2100-01-01T00:00:00.000000Z\", \"animated\": false}") == 0,
	   "pr_media_filter_json writes every key (%s)", json ? json : "NULL");
	ok(pr_list_media(c, json, 10, NULL, &page, &err) == PR_OK && page && page->n == 1 &&
	   strcmp(page->rows[0].alias, "cm-1.png") == 0 && page->rows[0].cursor != NULL,
	   "pr_list_media with that filter finds cm-1.png");
	if (page && page->n == 1)
		ok(page->rows[0].n_tags == 6 && page->rows[0].variants == -1 &&
		   page->rows[0].identifier == NULL && page->rows[0].width == 640,
		   "  with its tags and properties");
	else
		ok(false, "  with its tags and properties");
	pr_free(page);
	page = NULL;
	pr_free(json);

	ok(pr_list_media(c, "{\"owner\": \"client-alice\"}", 2, NULL, &page, &err) == PR_OK,
	   "pr_list_media, a page of 2");
	join_aliases(page, buf, sizeof(buf));
	ok(strcmp(buf, "cm-3.mp4 cm-2.gif") == 0, "  the newest first (%s)", buf);
	if (page && page->n == 2)
	{
		char	   *cursor = strdup(page->rows[1].cursor);

		pr_free(page);
		page = NULL;
		ok(pr_list_media(c, "{\"owner\": \"client-alice\"}", 2, cursor, &page, &err) == PR_OK,
		   "the next page through the cursor");
		join_aliases(page, buf, sizeof(buf));
		ok(strcmp(buf, "cm-1.png") == 0, "  the rest (%s)", buf);
		free(cursor);
	}
	pr_free(page);
	page = NULL;
	ok(pr_list_media(c, NULL, 0, NULL, &page, &err) == PR_OK && page->n >= 4,
	   "pr_list_media with the defaults");
	pr_free(page);
	page = NULL;
	is_error(pr_list_media(c, "{\"colour\": \"red\"}", 10, NULL, &page, &err), &err, "22023",
			 "pr_list_media with an unknown key");
	ok(strstr(err.message, "colour") != NULL, "  the error names the key");
	is_error(pr_list_media(c, "{}", 10, "garbage", &page, &err), &err, "22023",
			 "pr_list_media with a bad cursor");
	is_error(pr_list_media(c, "{}", 10001, NULL, &page, &err), &err, "22023",
			 "pr_list_media with lim 10001");

	/* The stream: every page until PR_NONE. */
	s = pr_media_stream_new(c, "{\"owner\": \"client-alice\"}", 1, &err);
	buf[0] = '\0';
	for (;;)
	{
		int			r = pr_media_stream_next(s, &page, &err);

		if (r != PR_OK)
		{
			ok(r == PR_NONE && page == NULL, "the stream ends with PR_NONE");
			break;
		}
		pages++;
		rows += (int) page->n;
		strncat(buf, page->rows[0].alias, sizeof(buf) - strlen(buf) - 2);
		strcat(buf, " ");
		pr_free(page);
		page = NULL;
	}
	ok(pages == 3 && rows == 3 && strcmp(buf, "cm-3.mp4 cm-2.gif cm-1.png ") == 0,
	   "pr_media_stream pages of 1: every upload once, newest first (%s)", buf);
	ok(pr_media_stream_next(s, &page, &err) == PR_NONE, "and stays at the end");
	pr_media_stream_free(s);
	s = pr_media_stream_new(c, "{\"owner\": \"client-bob\"}", 10, &err);
	ok(pr_media_stream_next(s, &page, &err) == PR_OK && page->n == 1 &&
	   pr_media_stream_next(s, NULL, &err) == PR_NONE,
	   "a short page is the last one");
	pr_free(page);
	pr_media_stream_free(s);
	s = pr_media_stream_new(c, "[]", 10, &err);
	is_error(pr_media_stream_next(s, &page, &err), &err, "22023", "a stream with a bad filter");
	pr_media_stream_free(s);
}

static void
test_usage_rename(pr_conn *c)
{
	pr_error	err;
	int64_t		uploads = -1,
				bytes = -1;
	pr_media_row *m = NULL;
	pr_hash		h;
	bool		orphaned;
	char		buf[64];

	ok(pr_usage_report(c, "client-alice", &uploads, &bytes, &err) == PR_OK && uploads == 3 &&
	   bytes == 1234, "pr_usage_report of an owner: 3 uploads, 1234 bytes (%lld, %lld)",
	   (long long) uploads, (long long) bytes);
	ok(pr_usage_report(c, "client-nobody", &uploads, &bytes, &err) == PR_OK && uploads == 0 &&
	   bytes == 0, "pr_usage_report of an owner without uploads: zeros");
	ok(pr_usage_report(c, NULL, &uploads, &bytes, &err) == PR_OK && uploads >= 4,
	   "pr_usage_report of every upload");
	ok(admin_value("SELECT (SELECT sum(uploads) FROM pict_repo.usage_totals WHERE owner = '')"
				   " = (SELECT count(*) FROM pict_repo.aliases)", buf, sizeof(buf)) &&
	   strcmp(buf, "t") == 0, "  which is every alias");
	is_error(pr_usage_report(c, "", &uploads, &bytes, &err), &err, "22023",
			 "pr_usage_report with an empty owner");

	is_error(pr_rename_alias(c, "cm-1.png", "cm-1-new.png", "wrong", &err), &err, "28000",
			 "pr_rename_alias with a wrong token");
	ok(pr_rename_alias(c, "cm-1.png", "cm-2.gif", "tok-cm-1", &err) == PR_NONE,
	   "pr_rename_alias to a taken alias is PR_NONE");
	ok(pr_rename_alias(c, "cm-nope.png", "cm-x.png", "tok", &err) == PR_NONE,
	   "pr_rename_alias of an unknown alias is PR_NONE");
	ok(pr_rename_alias(c, "cm-1.png", "cm-1-new.png", "tok-cm-1", &err) == PR_OK,
	   "pr_rename_alias renames");
	ok(pr_media_exists(c, "cm-1.png", &err) == PR_NONE &&
	   pr_media_info(c, "cm-1-new.png", &m, &err) == PR_OK && m && m->n_tags == 6 &&
	   strcmp(m->owner, "client-alice") == 0, "  with its metadata");
	pr_free(m);
	ok(pr_delete_alias(c, "cm-1-new.png", "tok-cm-1", &h, &orphaned, &err) == PR_OK && orphaned,
	   "  and its token");
	ok(pr_usage_report(c, "client-alice", &uploads, &bytes, &err) == PR_OK && uploads == 2 &&
	   bytes == 0, "the deletion leaves the owner 2 uploads and no bytes");
	is_error(pr_media_info(c, NULL, &m, &err), &err, "22023", "pr_media_info with a NULL alias");
	ok(pr_media_info(c, "cm-nope.png", &m, &err) == PR_NONE && m == NULL,
	   "pr_media_info of an unknown alias is PR_NONE");
}

void
test_media(void)
{
	pr_conn    *c = connect_main();
	char		buf[64];

	if (!need(c, "the file service", "media_info", "list_media", "usage_report", NULL))
	{
		pr_finish(c);
		return;
	}
	ok(sql_value(c, "SELECT r.rolsuper::text || ',' || "
				 "pg_catalog.pg_has_role('pict_repo_user', 'MEMBER')::text || ',' || "
				 "(SELECT count(*) FROM pg_catalog.pg_auth_members m WHERE m.member = r.oid)"
				 " FROM pg_catalog.pg_roles r WHERE r.rolname = current_user", buf, sizeof(buf)) &&
	   strcmp(buf, "false,true,1") == 0,
	   "the file service's calls run as an application role, a member of pict_repo_user only (%s)", buf);
	test_ingest_ex(c);
	test_tags_access(c);
	test_list(c);
	test_usage_rename(c);
	pr_finish(c);
}
