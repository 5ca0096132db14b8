/*
 * t_basic.c: connecting, the version check, errors, helpers, settings,
 * details, store migration and uploads.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

static void
test_connect(void)
{
	pr_error	err;
	pr_conn    *c;
	char	   *v = NULL;
	char		buf[256] = "";
	char		ebuf[1200];
	pr_uuid		u,
				u2;
	char		s[PR_UUID_STRLEN];

	c = pr_connect(db_main, &err);
	if (!ok(c != NULL, "pr_connect to a database with the extension"))
	{
		diag("%s", pr_error_format(&err, ebuf, sizeof(ebuf)));
		exit(2);
	}
	ok(strcmp(pr_server_version(c), pr_library_version()) == 0,
	   "server version %s is the library version %s", pr_server_version(c),
	   pr_library_version());
	ok(pr_version(c, &v, &err) == PR_OK && v && strcmp(v, pr_library_version()) == 0,
	   "pr_version returns pict_repo.version()");
	pr_free(v);
	/* Everything the tests call, they call as an application role. */
	ok(sql_value(c, "SELECT r.rolcanlogin AND NOT r.rolsuper AND NOT r.rolcreaterole"
				 "  AND NOT r.rolcreatedb AND NOT r.rolbypassrls"
				 "  AND ARRAY(SELECT g.rolname::text FROM pg_catalog.pg_auth_members m"
				 "            JOIN pg_catalog.pg_roles g ON g.oid = m.roleid"
				 "            WHERE m.member = r.oid) = '{pict_repo_user}' "
				 "FROM pg_catalog.pg_roles r WHERE r.rolname = current_user",
				 buf, sizeof(buf)) && strcmp(buf, "t") == 0,
	   "the tests connect as an application role (LOGIN, member of pict_repo_user only)");
	ok(sql_value(c, "SELECT pg_catalog.current_setting('search_path')", buf, sizeof(buf)) &&
	   (strcmp(buf, "") == 0 || strcmp(buf, "\"\"") == 0),
	   "search_path is pinned to empty (got '%s')", buf);
	if (getenv("PGAPPNAME") == NULL)
		ok(sql_value(c, "SELECT pg_catalog.current_setting('application_name')", buf,
					 sizeof(buf)) && strcmp(buf, "pict-repo") == 0,
		   "fallback_application_name is pict-repo");
	if (tap_pooled())
		skip("behind a transaction pooler statements are unnamed",
			 "statements are prepared once, under their name");
	else
		ok(sql_value(c, "SELECT count(*) FROM pg_catalog.pg_prepared_statements "
					 "WHERE name = 'pr_version'", buf, sizeof(buf)) && strcmp(buf, "1") == 0,
		   "statements are prepared once, under their name");
	ok(pr_version(c, &v, &err) == PR_OK, "a prepared statement is reused");
	pr_free(v);
	ok(pr_pgconn(c) != NULL && PQstatus(pr_pgconn(c)) == CONNECTION_OK,
	   "pr_pgconn gives the libpq connection");
	pr_finish(c);

	c = pr_connect(db_noext, &err);
	ok(c == NULL && strcmp(err.sqlstate, PR_SQLSTATE_NOT_INSTALLED) == 0 &&
	   strstr(err.message, "not installed") != NULL,
	   "a database without the extension is refused with 42704 (%s)", err.message);
	pr_finish(c);

	c = pr_connect(db_fake, &err);
	ok(c == NULL && strcmp(err.sqlstate, PR_SQLSTATE_VERSION_MISMATCH) == 0 &&
	   strstr(err.message, "2.0") != NULL,
	   "a server with another major version is refused with 0A000 (%s)", err.message);
	pr_finish(c);

	c = pr_connect("host=/nonexistent-dir port=1", &err);
	ok(c == NULL && strcmp(err.sqlstate, PR_SQLSTATE_CONNECTION) == 0,
	   "a failed connection reports 08001");
	pr_finish(c);

	ok(pr_check_version_compat("1.7", &err) == PR_OK, "version 1.7 is compatible with 1.x");
	ok(pr_check_version_compat("2.0", &err) == PR_ERROR &&
	   strcmp(err.sqlstate, "0A000") == 0, "version 2.0 is not");
	ok(pr_check_version_compat("x", &err) == PR_ERROR, "a malformed version is not");

	ok(pr_uuid_random(&u) == 0 && !pr_uuid_is_nil(&u), "pr_uuid_random");
	pr_uuid_format(&u, s);
	ok(pr_uuid_parse(s, &u2) == 0 && memcmp(&u, &u2, sizeof(u)) == 0 && s[14] == '4',
	   "uuid format and parse round-trip (%s)", s);
	ok(pr_uuid_parse("not-a-uuid", &u2) == -1, "pr_uuid_parse rejects garbage");
	{
		pr_hash		h;
		char		big[2 * PR_HASH_MAX + 3];

		ok(pr_hash_parse("\\x00fFa1", &h) == 0 && h.len == 3 && h.data[0] == 0 &&
		   h.data[1] == 0xff && h.data[2] == 0xa1, "pr_hash_parse reads hex with \\x, either case");
		ok(pr_hash_parse("0a", &h) == 0 && h.len == 1 && h.data[0] == 10,
		   "pr_hash_parse reads hex without \\x");
		memset(big, 'a', sizeof(big));
		big[2 * PR_HASH_MAX] = '\0';
		ok(pr_hash_parse(big, &h) == 0 && h.len == PR_HASH_MAX, "pr_hash_parse takes PR_HASH_MAX bytes");
		big[2 * PR_HASH_MAX] = 'a';
		big[2 * PR_HASH_MAX + 1] = 'a';
		big[2 * PR_HASH_MAX + 2] = '\0';
		ok(pr_hash_parse(big, &h) == -1, "pr_hash_parse refuses PR_HASH_MAX + 1 bytes");
		ok(pr_hash_parse("", &h) == -1 && pr_hash_parse("\\x", &h) == -1 &&
		   pr_hash_parse("abc", &h) == -1 && pr_hash_parse("zz", &h) == -1,
		   "pr_hash_parse refuses empty, odd and non-hex text");
	}
	pr_error_clear(&err);
	ok(strcmp(pr_error_format(&err, ebuf, sizeof(ebuf)), "no error") == 0,
	   "pr_error_format of no error");
	pr_check_version_compat("9.9", &err);
	ok(strncmp(pr_error_format(&err, ebuf, sizeof(ebuf)), "0A000: ", 7) == 0 &&
	   strstr(ebuf, "(The major versions must match.)") != NULL,
	   "pr_error_format gives SQLSTATE, message and detail");
}

static void
test_settings(pr_conn *c)
{
	pr_error	err;
	const uint8_t value[] = {0, 1, 2, 255, 0};
	uint8_t    *got = NULL;
	size_t		len = 0;
	char	   *j = NULL;
	int64_t		n = 0;
	int32_t		changed = 0;

	ok(pr_set_setting(c, "client-key", value, sizeof(value), &err) == PR_OK,
	   "pr_set_setting");
	ok(pr_get_setting(c, "client-key", &got, &len, &err) == PR_OK && len == sizeof(value) &&
	   memcmp(got, value, len) == 0, "pr_get_setting returns the bytes (binary, with NULs)");
	pr_free(got);
	ok(pr_get_setting(c, "client-missing", &got, &len, &err) == PR_NONE && got == NULL &&
	   len == 0, "pr_get_setting of an unknown key is PR_NONE");
	ok(pr_remove_setting(c, "client-key", &err) == PR_OK, "pr_remove_setting");
	ok(pr_remove_setting(c, "client-key", &err) == PR_NONE, "pr_remove_setting again is PR_NONE");
	is_error(pr_set_setting(c, "", value, 1, &err), &err, "22023", "pr_set_setting with an empty key");
	is_error(pr_set_setting(c, NULL, value, 1, &err), &err, "22023", "pr_set_setting with a NULL key");
	is_error(pr_get_setting(c, NULL, &got, &len, &err), &err, "22023", "pr_get_setting with a NULL key");
	is_error(pr_remove_setting(c, "", &err), &err, "22023", "pr_remove_setting with an empty key");

	ok(pr_relate_details(c, "client/a", "{\"width\": 10, \"height\": 20}", &err) == PR_OK,
	   "pr_relate_details");
	ok(pr_details(c, "client/a", &j, &err) == PR_OK && j &&
	   strcmp(j, "{\"width\": 10, \"height\": 20}") == 0, "pr_details returns the JSON");
	pr_free(j);
	ok(pr_details(c, "client/none", &j, &err) == PR_NONE && j == NULL,
	   "pr_details of an unknown identifier is PR_NONE");
	ok(pr_cleanup_details(c, "client/a", &err) == PR_OK, "pr_cleanup_details");
	ok(pr_cleanup_details(c, "client/a", &err) == PR_NONE, "pr_cleanup_details again is PR_NONE");
	is_error(pr_relate_details(c, "", "{}", &err), &err, "22023", "pr_relate_details with an empty identifier");
	is_error(pr_relate_details(c, "client/b", NULL, &err), &err, "22023", "pr_relate_details with NULL details");
	is_error(pr_relate_details(c, "client/b", "{not json", &err), &err, "22P02", "pr_relate_details with bad JSON");
	is_error(pr_details(c, NULL, &j, &err), &err, "22023", "pr_details with a NULL identifier");
	is_error(pr_cleanup_details(c, NULL, &err), &err, "22023", "pr_cleanup_details with a NULL identifier");

	ok(pr_clear_migrations(c, &n, &err) == PR_OK, "pr_clear_migrations (start clean)");
	ok(pr_is_continuing_migration(c, &err) == PR_NONE, "pr_is_continuing_migration is false");
	ok(pr_is_migrated(c, "client/old", &err) == PR_NONE, "pr_is_migrated is false");
	ok(pr_mark_migrated(c, "client/old", "client/new", &err) == PR_OK, "pr_mark_migrated");
	ok(pr_mark_migrated(c, "client/old", "client/new2", &err) == PR_NONE,
	   "pr_mark_migrated again is PR_NONE");
	ok(pr_is_migrated(c, "client/old", &err) == PR_OK, "pr_is_migrated is true");
	ok(pr_is_continuing_migration(c, &err) == PR_OK, "pr_is_continuing_migration is true");
	pr_relate_details(c, "client/m1", "{}", &err);
	ok(pr_migrate_identifier(c, "client/m1", "client/m2", &changed, &err) == PR_OK &&
	   changed == 1, "pr_migrate_identifier rewrites the details");
	ok(pr_details(c, "client/m2", &j, &err) == PR_OK, "the details moved");
	pr_free(j);
	pr_cleanup_details(c, "client/m2", &err);
	ok(pr_clear_migrations(c, &n, &err) == PR_OK && n == 2,
	   "pr_clear_migrations counts the rows");
	is_error(pr_mark_migrated(c, "", "x", &err), &err, "22023", "pr_mark_migrated with an empty identifier");
	is_error(pr_is_migrated(c, NULL, &err), &err, "22023", "pr_is_migrated with NULL");
	is_error(pr_migrate_identifier(c, "a", NULL, &changed, &err), &err, "22023",
			 "pr_migrate_identifier with a NULL new identifier");
}

static void
test_uploads(pr_conn *c)
{
	pr_error	err;
	pr_uuid		id,
				unknown;
	char	   *j = NULL;

	ok(pr_create_upload(c, &id, &err) == PR_OK && !pr_uuid_is_nil(&id), "pr_create_upload");
	ok(pr_upload_result(c, &id, &j, &err) == PR_NONE && j == NULL,
	   "pr_upload_result while pending is PR_NONE");
	ok(pr_claim_upload(c, &id, &j, &err) == PR_NONE && j == NULL,
	   "pr_claim_upload while pending is PR_NONE");
	ok(pr_complete_upload(c, &id, "{\"alias\": \"a.png\"}", &err) == PR_OK,
	   "pr_complete_upload");
	ok(pr_upload_result(c, &id, &j, &err) == PR_OK && j && strcmp(j, "{\"alias\": \"a.png\"}") == 0,
	   "pr_upload_result returns the result");
	pr_free(j);
	ok(pr_claim_upload(c, &id, &j, &err) == PR_OK && j != NULL, "pr_claim_upload returns it");
	pr_free(j);
	is_error(pr_upload_result(c, &id, &j, &err), &err, "P0002", "pr_upload_result after the claim");
	is_error(pr_claim_upload(c, &id, &j, &err), &err, "P0002", "pr_claim_upload after the claim");
	memset(&unknown, 0x11, sizeof(unknown));
	ok(pr_complete_upload(c, &unknown, "{}", &err) == PR_NONE,
	   "pr_complete_upload of an unknown upload is PR_NONE");
	is_error(pr_complete_upload(c, NULL, "{}", &err), &err, "22023", "pr_complete_upload with a NULL id");
	is_error(pr_complete_upload(c, &id, NULL, &err), &err, "22023", "pr_complete_upload with a NULL result");
}

void
test_basic(void)
{
	pr_conn    *c;

	test_connect();
	c = connect_main();
	test_settings(c);
	test_uploads(c);
	pr_finish(c);
}
