/*
 * imagehost.c: the image host of the demo, a small program on libpictrepo.
 *
 *	imagehost ingest N     N uploads (plus one duplicate) in one pipelined
 *	                       batch (pr_ingest_batch); prints one line per
 *	                       upload: alias, token, hash in hex, whether the
 *	                       hash was new, and the stored identifier
 *	imagehost delete ALIAS TOKEN
 *	                       delete an alias with its delete token
 *	                       (pr_delete_alias); prints the hash in hex and
 *	                       "orphaned" when no alias points at it any more
 *
 * Build: cc imagehost.c $(pkg-config --cflags --libs pict-repo)
 * The connection comes from the libpq environment (PGHOST, PGDATABASE, ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pict_repo_client.h>

#define HASH_LEN 39				/* as pict-rs: SHA-256, 6-byte size, format */

static void
hex(const uint8_t *data, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", data[i]);
}

/* A made-up but stable hash for upload number i. */
static void
fake_hash(int i, uint8_t *hash)
{
	uint32_t	x = 2166136261u ^ (uint32_t) i;

	for (int b = 0; b < HASH_LEN; b++)
	{
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		hash[b] = (uint8_t) (x >> 8);
	}
}

static int
ingest(pr_conn *conn, int n)
{
	pr_ingest_item *items = calloc((size_t) n + 1, sizeof(*items));
	uint8_t    *hashes = calloc((size_t) n + 1, HASH_LEN);
	char	  (*ids)[64] = calloc((size_t) n + 1, sizeof(*ids));
	char	  (*details)[128] = calloc((size_t) n + 1, sizeof(*details));
	pr_ingest_results *res = NULL;
	pr_error	err;
	int			rc = 0;

	if (!items || !hashes || !ids || !details)
	{
		fprintf(stderr, "imagehost: out of memory\n");
		free(items);
		free(hashes);
		free(ids);
		free(details);
		return 1;
	}
	for (int i = 0; i <= n; i++)
	{
		/* The last upload is the same picture as the first, uploaded again. */
		int			pic = i < n ? i : 0;

		fake_hash(pic, hashes + (size_t) i * HASH_LEN);
		snprintf(ids[i], sizeof(ids[i]), "files/%03d-%s.png", i, i < n ? "orig" : "again");
		snprintf(details[i], sizeof(details[i]),
				 "{\"width\": %d, \"height\": %d, \"format\": \"png\"}",
				 640 + 32 * pic, 480 + 16 * pic);
		items[i].hash = hashes + (size_t) i * HASH_LEN;
		items[i].hash_len = HASH_LEN;
		items[i].identifier = ids[i];
		items[i].details_json = details[i];
		items[i].extension = "png";
		/* The first upload declares its alias and token; the rest get new ones. */
		items[i].declared_alias = i == 0 ? "cat.png" : NULL;
		items[i].declared_token = i == 0 ? "cat-secret" : NULL;
	}
	if (pr_ingest_batch(conn, items, (size_t) n + 1, &res, &err) == PR_ERROR && !res)
	{
		fprintf(stderr, "imagehost: ingest: %s: %s\n", err.sqlstate, err.message);
		rc = 1;
	}
	else
	{
		for (size_t i = 0; i < res->n; i++)
		{
			const pr_ingest_item_result *r = &res->items[i];
			char		h[2 * HASH_LEN + 1];

			hex(items[i].hash, HASH_LEN, h);
			if (r->rc == PR_ERROR)
			{
				printf("error\t%s: %s\n", r->sqlstate, r->message ? r->message : "");
				rc = 1;
				continue;
			}
			printf("%s\t%s\t%s\t%s\t%s\n", r->alias, r->token, h,
				   r->hash_created ? "new" : "existing", r->stored_identifier);
		}
		pr_ingest_results_free(res);
	}
	free(items);
	free(hashes);
	free(ids);
	free(details);
	return rc;
}

static int
delete_alias(pr_conn *conn, const char *alias, const char *token)
{
	pr_hash		hash;
	bool		orphaned = false;
	pr_error	err;
	char		h[2 * PR_HASH_MAX + 1];
	int			rc = pr_delete_alias(conn, alias, token, &hash, &orphaned, &err);

	if (rc == PR_ERROR)
	{
		fprintf(stderr, "imagehost: delete_alias: %s: %s\n", err.sqlstate, err.message);
		return 3;
	}
	if (rc == PR_NONE)
	{
		fprintf(stderr, "imagehost: no alias %s\n", alias);
		return 1;
	}
	hex(hash.data, hash.len, h);
	printf("%s%s\n", h, orphaned ? " orphaned" : "");
	return 0;
}

int
main(int argc, char **argv)
{
	pr_error	err;
	pr_conn    *conn;
	int			rc;

	if (argc < 2 || (strcmp(argv[1], "ingest") == 0 && argc != 3) ||
		(strcmp(argv[1], "delete") == 0 && argc != 4))
	{
		fprintf(stderr, "usage: imagehost ingest N | imagehost delete ALIAS TOKEN\n");
		return 2;
	}
	if (!(conn = pr_connect(NULL, &err)))
	{
		fprintf(stderr, "imagehost: %s: %s\n", err.sqlstate, err.message);
		return 3;
	}
	if (strcmp(argv[1], "ingest") == 0)
		rc = ingest(conn, atoi(argv[2]));
	else if (strcmp(argv[1], "delete") == 0)
		rc = delete_alias(conn, argv[2], argv[3]);
	else
	{
		fprintf(stderr, "imagehost: unknown command %s\n", argv[1]);
		rc = 2;
	}
	pr_finish(conn);
	return rc;
}
