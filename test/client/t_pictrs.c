/*
 * t_pictrs.c: pict-rs as a client of pict_repo.
 *
 *  1. pr_wait_for_variant: success, a release without a variant, a
 *     timeout, a forged NOTIFY, and releases landing around the LISTEN and
 *     the first look.
 *  2. The call sequences of pict-rs 0.5, replayed in order through
 *     libpictrepo as an application role (a LOGIN member of
 *     pict_repo_user) in a database of their own: an upload (ingest.rs),
 *     a delete by token with its cleanup jobs (lib.rs, queue/cleanup.rs),
 *     a variant generated for two concurrent requests, one generating and
 *     one waiting (generate.rs), a store migration of a hash with variants
 *     and a motion file (migrate_store.rs), and the sweep of outdated
 *     variants; then the final state of every table, read as superuser.
 *  3. abort_job, relate_details with replace, hash_created_at and
 *     hash_page_bound through the client.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"

#define SEQ_DB		"pict_repo_pictrs_seq"
#define SEQ_ROLE	"pict_repo_pictrs_app"
#define APP_CONNINFO "dbname=" SEQ_DB " user=" SEQ_ROLE

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
nap_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static pr_conn *
connect_app(void)
{
	pr_error	err;
	pr_conn    *c = pr_connect(APP_CONNINFO, &err);

	if (!c)
	{
		char		buf[1200];

		diag("cannot connect as the application role: %s",
			 pr_error_format(&err, buf, sizeof(buf)));
		exit(2);
	}
	return c;
}

/* A pict-rs hash: 32 bytes of "SHA-256", 6 of size, 1 of format. */
static void
make_hash(uint8_t *h, int n)
{
	memset(h, 0, 39);
	h[0] = 0xc5;
	h[1] = (uint8_t) n;
	h[37] = 0x10;
	h[38] = 0x01;
}

/* Whether a query (as superuser) gives exactly want. */
static bool
state_is(pr_conn *su, const char *what, const char *query, const char *want)
{
	char		got[4096];
	bool		good = sql_value(su, query, got, sizeof(got)) && strcmp(got, want) == 0;

	if (!ok(good, "final state: %s", what))
		diag("  got  '%s'\n#   want '%s'", got, want);
	return good;
}

/* ---- 1. pr_wait_for_variant -------------------------------------------------- */

typedef struct Generator
{
	const uint8_t *hash;
	const char *variant;
	int			delay_ms;
	const char *identifier;		/* relate it before the release; NULL: fail */
	bool		forge;			/* send a forged NOTIFY instead, nothing else */
	int			rc;
} Generator;

/* The process holding the claim: after a delay, relate (or not) and release. */
static void *
generator_main(void *arg)
{
	Generator  *g = arg;
	pr_error	err;
	pr_conn    *c = pr_connect(APP_CONNINFO, &err);

	g->rc = PR_ERROR;
	if (!c)
		return NULL;
	if (g->delay_ms > 0)
		nap_ms(g->delay_ms);
	if (g->forge)
	{
		char		q[512];
		char		hex[80];

		for (int i = 0; i < 39; i++)
			snprintf(hex + 2 * i, 3, "%02x", g->hash[i]);
		/*
		 * Any role may NOTIFY on any channel, and a member of
		 * pict_repo_user may ask for the variant's tag: a fake "released"
		 * that the waiter cannot tell from a real one.
		 */
		snprintf(q, sizeof(q),
				 "SELECT pg_catalog.pg_notify('pict_repo_variant', "
				 "pict_repo.notify_tag('pict_repo_variant', '%s:%s'))", hex, g->variant);
		g->rc = sql(c, q) ? PR_OK : PR_ERROR;
	}
	else
	{
		g->rc = PR_OK;
		if (g->identifier &&
			pr_relate_variant(c, g->hash, 39, g->variant, g->identifier, &err) != PR_OK)
			g->rc = PR_ERROR;
		if (pr_release_variant_processing(c, g->hash, 39, g->variant, &err) != PR_OK)
			g->rc = PR_ERROR;
	}
	pr_finish(c);
	return NULL;
}

static void
test_wait_for_variant(pr_conn *app)
{
	pr_error	err;
	uint8_t		h[39];
	char	   *id = NULL;
	pr_variant_wait w;
	pthread_t	th;
	Generator	g;
	int64_t		t;
	int			rc;
	int			fine = 0;

	make_hash(h, 1);
	pr_create_hash(app, h, 39, "wait/orig", NULL, PR_NO_TIME, &err);

	/* Nobody generating: released at once. */
	rc = pr_wait_for_variant(app, h, 39, "none", 5000, &id, &w, &err);
	ok(rc == PR_NONE && w == PR_VARIANT_RELEASED && id == NULL,
	   "pr_wait_for_variant with no claim and no variant: released at once");

	/* Success: the generator relates the variant and releases. */
	ok(pr_claim_variant_processing(app, h, 39, "thumb", &err) == PR_OK, "the generator claims");
	ok(pr_variant_processing(app, h, 39, "thumb", &err) == PR_OK, "pr_variant_processing: true");
	memset(&g, 0, sizeof(g));
	g.hash = h;
	g.variant = "thumb";
	g.delay_ms = 300;
	g.identifier = "wait/thumb";
	pthread_create(&th, NULL, generator_main, &g);
	t = ms_now();
	rc = pr_wait_for_variant(app, h, 39, "thumb", 20000, &id, &w, &err);
	t = ms_now() - t;
	pthread_join(th, NULL);
	ok(rc == PR_OK && w == PR_VARIANT_READY && id && strcmp(id, "wait/thumb") == 0 &&
	   t < 15000 && g.rc == PR_OK,
	   "pr_wait_for_variant wakes on the release and returns the identifier (%lld ms)",
	   (long long) t);
	pr_free(id);
	id = NULL;
	ok(pr_variant_processing(app, h, 39, "thumb", &err) == PR_NONE,
	   "pr_variant_processing after the release: false");
	rc = pr_wait_for_variant(app, h, 39, "thumb", 100, &id, &w, &err);
	ok(rc == PR_OK && w == PR_VARIANT_READY && id && strcmp(id, "wait/thumb") == 0,
	   "a variant that exists is returned at once");
	pr_free(id);
	id = NULL;

	/* The generator fails: released without a variant. */
	pr_claim_variant_processing(app, h, 39, "failing", &err);
	memset(&g, 0, sizeof(g));
	g.hash = h;
	g.variant = "failing";
	g.delay_ms = 300;
	pthread_create(&th, NULL, generator_main, &g);
	rc = pr_wait_for_variant(app, h, 39, "failing", 20000, &id, &w, &err);
	pthread_join(th, NULL);
	ok(rc == PR_NONE && w == PR_VARIANT_RELEASED && id == NULL,
	   "a release without a variant is reported as released (the generator failed)");

	/*
	 * A forged NOTIFY with the right tag is only a reason to look again:
	 * the lock is still held, so the wait goes on and times out.
	 */
	pr_claim_variant_processing(app, h, 39, "slow", &err);
	memset(&g, 0, sizeof(g));
	g.hash = h;
	g.variant = "slow";
	g.delay_ms = 100;
	g.forge = true;
	pthread_create(&th, NULL, generator_main, &g);
	t = ms_now();
	rc = pr_wait_for_variant(app, h, 39, "slow", 700, &id, &w, &err);
	t = ms_now() - t;
	pthread_join(th, NULL);
	ok(g.rc == PR_OK && rc == PR_NONE && w == PR_VARIANT_TIMEOUT && t >= 650,
	   "a forged NOTIFY does not end the wait: it times out (%lld ms)", (long long) t);
	ok(pr_variant_processing(app, h, 39, "slow", &err) == PR_OK,
	   "the lock is still held after the forged NOTIFY");
	pr_release_variant_processing(app, h, 39, "slow", &err);

	/*
	 * Releases landing around the LISTEN and the first look (the generator
	 * releases 0..9 ms after the wait starts, on a fresh connection each
	 * time, so its LISTEN is new): none may be missed, so no wait may run
	 * into its deadline.
	 */
	for (int i = 0; i < 20; i++)
	{
		pr_conn    *c = connect_app();
		char		variant[32];
		char		ident[32];

		snprintf(variant, sizeof(variant), "race-%d", i);
		pr_claim_variant_processing(app, h, 39, variant, &err);
		memset(&g, 0, sizeof(g));
		g.hash = h;
		g.variant = variant;
		g.delay_ms = i % 10;
		/* Even rounds succeed, odd rounds fail. */
		snprintf(ident, sizeof(ident), "wait/race-%d", i);
		g.identifier = (i % 2 == 0) ? ident : NULL;
		pthread_create(&th, NULL, generator_main, &g);
		rc = pr_wait_for_variant(c, h, 39, variant, 30000, &id, &w, &err);
		pthread_join(th, NULL);
		if ((i % 2 == 0 && rc == PR_OK && w == PR_VARIANT_READY) ||
			(i % 2 == 1 && rc == PR_NONE && w == PR_VARIANT_RELEASED))
			fine++;
		else
			diag("  race %d: rc %d outcome %d", i, rc, (int) w);
		pr_free(id);
		id = NULL;
		pr_finish(c);
	}
	ok(fine == 20, "20 releases around the LISTEN and the first look: none missed (%d right)",
	   fine);

	is_error(pr_wait_for_variant(app, h, 39, NULL, 100, &id, &w, &err), &err, "22023",
			 "pr_wait_for_variant without a variant");
	is_error(pr_wait_for_variant(NULL, h, 39, "x", 100, &id, &w, &err), &err, "22023",
			 "pr_wait_for_variant without a connection");
}

/* ---- 2. the call sequences of pict-rs ------------------------------------------------ */

typedef struct Waiter
{
	const uint8_t *hash;
	const char *variant;
	bool		claimed;		/* what claim_variant_processing said */
	int			rc;
	pr_variant_wait outcome;
	char	   *identifier;
	char	   *details;
} Waiter;

/* The second request for the same variant: cannot claim, so it waits. */
static void *
waiter_main(void *arg)
{
	Waiter	   *wt = arg;
	pr_error	err;
	pr_conn    *c = pr_connect(APP_CONNINFO, &err);
	char	   *id = NULL;

	wt->rc = PR_ERROR;
	if (!c)
		return NULL;
	/* generate.rs: the variant is not there yet ... */
	if (pr_variant_identifier(c, wt->hash, 39, wt->variant, &id, &err) == PR_NONE)
	{
		/* ... and another request is generating it. */
		wt->claimed = pr_claim_variant_processing(c, wt->hash, 39, wt->variant, &err) == PR_OK;
		if (!wt->claimed)
			wt->rc = pr_wait_for_variant(c, wt->hash, 39, wt->variant, 30000,
										 &wt->identifier, &wt->outcome, &err);
		if (wt->rc == PR_OK)
			pr_details(c, wt->identifier, &wt->details, &err);
	}
	pr_free(id);
	pr_finish(c);
	return NULL;
}

/* A cleanup worker (queue/cleanup.rs): claim one job, run it, complete it. */
static int
cleanup_step(pr_conn *c, const pr_uuid *worker, char *seen, size_t seenlen)
{
	pr_error	err;
	pr_job_list *jobs = NULL;
	const char *j;
	int			rc = PR_OK;

	if (pr_claim_job(c, "cleanup", worker, 1, &jobs, &err) != PR_OK || jobs->n == 0)
	{
		pr_free(jobs);
		return PR_NONE;
	}
	j = jobs->rows[0].job;
	strncat(seen, strstr(j, "\"Alias\"") ? "A" : strstr(j, "\"Hash\"") ? "H" : "I",
			seenlen - strlen(seen) - 1);
	if (strstr(j, "\"Alias\""))
	{
		pr_hash		hash;
		bool		orphaned = false;

		/* The job carries the alias and its token; the hash goes when orphaned. */
		if (pr_delete_alias(c, "seq-upload.png", "seq-token", &hash, &orphaned, &err) == PR_OK &&
			orphaned)
		{
			char		job[128];
			char		hex[80];
			pr_push_options o = {0};
			pr_uuid		id;

			for (size_t i = 0; i < hash.len; i++)
				snprintf(hex + 2 * i, 3, "%02x", hash.data[i]);
			snprintf(job, sizeof(job), "{\"Hash\": {\"hash\": \"%s\"}}", hex);
			o.unique_key = hex;
			pr_push_job(c, "cleanup", job, &o, &id, &err);
		}
	}
	else if (strstr(j, "\"Hash\""))
	{
		uint8_t		h[39];
		pr_strings *ids = NULL;

		make_hash(h, 10);
		/* cleanup_hash hands back every file to delete: one job each. */
		if (pr_cleanup_hash(c, h, 39, false, &ids, &err) == PR_OK)
		{
			for (size_t i = 0; i < ids->n; i++)
			{
				char		job[256];
				pr_uuid		id;

				snprintf(job, sizeof(job), "{\"Identifier\": {\"identifier\": \"%s\"}}",
						 ids->items[i]);
				pr_push_job(c, "cleanup", job, NULL, &id, &err);
			}
		}
		else
			rc = PR_ERROR;
		pr_free(ids);
	}
	else
	{
		/* The file is removed from the store; then its details go. */
		const char *p = strstr(j, "\"identifier\": \"");
		char		ident[128] = "";

		if (p)
			sscanf(p + 15, "%127[^\"]", ident);
		pr_cleanup_details(c, ident, &err);
	}
	if (pr_complete_job(c, &jobs->rows[0].id, worker, &err) != PR_OK)
		rc = PR_ERROR;
	pr_free(jobs);
	return rc;
}

static void
test_sequences(pr_conn *su)
{
	pr_conn    *app = connect_app();
	pr_error	err;
	uint8_t		h[39];
	pr_uuid		upload,
				worker;
	pr_ingest_result *ing = NULL;
	char	   *res = NULL;
	char	   *s = NULL;
	pr_uuid		job;
	char		seen[64] = "";
	pthread_t	th;
	Waiter		wt;
	int32_t		changed = 0;
	pr_variant_access_list *old = NULL;

	pr_uuid_random(&worker);

	/* -- an upload (ingest.rs): the upload, the hash with its details and an
	 * alias with its delete token in one call, the result for the waiter -- */
	make_hash(h, 10);
	ok(pr_create_upload(app, &upload, &err) == PR_OK, "upload: create_upload");
	ok(pr_ingest(app, h, 39, "fs/seq-orig.png", "{\"width\": 800, \"height\": 600}", "png",
				 "seq-upload.png", "seq-token", &ing, &err) == PR_OK && ing->hash_created,
	   "upload: ingest creates the hash, its details and the alias");
	pr_free(ing);
	ok(pr_complete_upload(app, &upload, "{\"alias\": \"seq-upload.png\", \"token\": \"seq-token\"}",
						  &err) == PR_OK, "upload: complete_upload");
	ok(pr_wait_for_upload(app, &upload, 5000, &res, &err) == PR_OK, "upload: the request waits");
	pr_free(res);
	res = NULL;
	ok(pr_claim_upload(app, &upload, &res, &err) == PR_OK && res, "upload: claim_upload");
	pr_free(res);
	res = NULL;
	ok(pr_relate_blurhash(app, h, 39, "LEHV6nWB2yk8pyo0adR*.7kCMdnj", &err) == PR_OK,
	   "upload: the blurhash, when first asked for");

	/* -- a variant for two concurrent requests (generate.rs) -- */
	ok(pr_variant_identifier(app, h, 39, "thumbnail.webp", &s, &err) == PR_NONE,
	   "generate: the variant is not there");
	ok(pr_claim_variant_processing(app, h, 39, "thumbnail.webp", &err) == PR_OK,
	   "generate: the first request claims it");
	memset(&wt, 0, sizeof(wt));
	wt.hash = h;
	wt.variant = "thumbnail.webp";
	pthread_create(&th, NULL, waiter_main, &wt);
	nap_ms(200);
	ok(pr_variant_heartbeat(app, h, 39, "thumbnail.webp", &err) == PR_OK,
	   "generate: the generator heartbeats while it works");
	ok(pr_relate_variant(app, h, 39, "thumbnail.webp", "fs/seq-thumb.webp", &err) == PR_OK,
	   "generate: relate_variant");
	ok(pr_relate_details_ex(app, "fs/seq-thumb.webp", "{\"width\": 100}", false, &err) == PR_OK,
	   "generate: relate_details, the first write wins");
	ok(pr_release_variant_processing(app, h, 39, "thumbnail.webp", &err) == PR_OK,
	   "generate: release_variant_processing");
	pthread_join(th, NULL);
	ok(!wt.claimed && wt.rc == PR_OK && wt.outcome == PR_VARIANT_READY && wt.identifier &&
	   strcmp(wt.identifier, "fs/seq-thumb.webp") == 0 && wt.details &&
	   strcmp(wt.details, "{\"width\": 100}") == 0,
	   "generate: the second request could not claim, waited, and got the variant and its details");
	pr_free(wt.identifier);
	pr_free(wt.details);
	/* A second generation of the same variant loses: its file goes. */
	ok(pr_relate_variant(app, h, 39, "thumbnail.webp", "fs/seq-thumb-2.webp", &err) == PR_NONE,
	   "generate: a late generator's relate_variant says the variant exists");
	ok(pr_relate_details_ex(app, "fs/seq-thumb.webp", "{\"width\": 999}", false, &err) == PR_NONE,
	   "generate: a late relate_details keeps the first details");
	pr_touch_variant(app, h, 39, "thumbnail.webp", PR_NO_TIME, &err);
	pr_relate_motion_identifier(app, h, 39, "fs/seq-motion.webp", &err);
	pr_relate_variant(app, h, 39, "resize.200.png", "fs/seq-200.png", &err);
	pr_relate_details(app, "fs/seq-200.png", "{\"width\": 200}", &err);
	/* an old access time, for the sweep below */
	pr_touch_variant(app, h, 39, "resize.200.png", INT64_C(1577836800000000), &err);

	/* -- a store migration of the hash with its variants and motion file
	 * (migrate_store.rs) -- */
	ok(pr_set_setting(app, "store-migration-progress", (const uint8_t *) "s3", 2, &err) == PR_OK,
	   "migrate: the progress setting");
	ok(pr_is_migrated(app, "fs/seq-orig.png", &err) == PR_NONE, "migrate: not migrated yet");
	{
		const char *from[] = {"fs/seq-orig.png", "fs/seq-motion.webp", "fs/seq-200.png",
		"fs/seq-thumb.webp"};
		const char *to[] = {"s3/seq-orig.png", "s3/seq-motion.webp", "s3/seq-200.png",
		"s3/seq-thumb.webp"};
		int			good = 0;

		for (int i = 0; i < 4; i++)
			if (pr_migrate_identifier(app, from[i], to[i], &changed, &err) == PR_OK && changed >= 1)
				good++;
		ok(good == 4, "migrate: migrate_identifier of the original, the motion file and each variant");
	}
	ok(pr_is_migrated(app, "fs/seq-orig.png", &err) == PR_OK, "migrate: recorded");
	ok(pr_is_continuing_migration(app, &err) == PR_OK, "migrate: a migration is under way");
	{
		int64_t		cleared = 0;

		ok(pr_clear_migrations(app, &cleared, &err) == PR_OK && cleared == 4,
		   "migrate: clear_migrations at the end");
	}
	ok(pr_remove_setting(app, "store-migration-progress", &err) == PR_OK,
	   "migrate: the progress setting goes");

	/* -- the sweep of outdated variants -- */
	ok(pr_older_variants(app, INT64_C(1609459200000000), 100, PR_NO_TIME, NULL, 0, NULL,
						 &old, &err) == PR_OK && old->n == 1 &&
	   strcmp(old->rows[0].variant, "resize.200.png") == 0,
	   "sweep: older_variants finds the variant not accessed since 2020");
	if (old && old->n == 1)
	{
		char	   *gone = NULL;

		ok(pr_remove_variant(app, h, 39, old->rows[0].variant, &gone, &err) == PR_OK &&
		   gone && strcmp(gone, "s3/seq-200.png") == 0,
		   "sweep: remove_variant hands back its file (and drops its details)");
		pr_free(gone);
	}
	pr_free(old);

	/* -- the state of every table before the delete -- */
	state_is(su, "before the delete: the hash, moved to the new store",
			 "SELECT identifier || ' ' || motion_identifier || ' ' || blurhash "
			 "FROM pict_repo.hashes", "s3/seq-orig.png s3/seq-motion.webp LEHV6nWB2yk8pyo0adR*.7kCMdnj");
	state_is(su, "before the delete: the variant that was not swept",
			 "SELECT string_agg(variant || ' ' || identifier, ',') FROM pict_repo.variants",
			 "thumbnail.webp s3/seq-thumb.webp");
	state_is(su, "before the delete: the alias and its token",
			 "SELECT string_agg(alias || ' ' || token, ',') FROM pict_repo.aliases",
			 "seq-upload.png seq-token");
	state_is(su, "before the delete: the details, moved with their files, first write kept",
			 "SELECT string_agg(identifier || ' ' || details::text, ',' ORDER BY identifier) "
			 "FROM pict_repo.details",
			 "s3/seq-orig.png {\"width\": 800, \"height\": 600},s3/seq-thumb.webp {\"width\": 100}");
	state_is(su, "before the delete: no migration, setting, upload, lock or job left",
			 "SELECT (SELECT count(*) FROM pict_repo.store_migrations) + "
			 "(SELECT count(*) FROM pict_repo.settings) + (SELECT count(*) FROM pict_repo.uploads) + "
			 "(SELECT count(*) FROM pict_repo.variant_locks) + (SELECT count(*) FROM pict_repo.job_queue) + "
			 "(SELECT count(*) FROM pict_repo.proxies)", "0");

	/* -- a delete by token with its cleanup jobs (lib.rs, queue/cleanup.rs) -- */
	ok(pr_push_job(app, "cleanup",
				   "{\"Alias\": {\"alias\": \"seq-upload.png\", \"token\": \"seq-token\"}}",
				   NULL, &job, &err) == PR_OK, "delete: the request queues the alias cleanup");
	while (cleanup_step(app, &worker, seen, sizeof(seen)) == PR_OK)
		;
	ok(strcmp(seen, "AHIII") == 0,
	   "delete: the worker ran the alias job, then the hash job, then one job per file (%s)", seen);

	/* -- the final state of every table -- */
	state_is(su, "hashes", "SELECT count(*) FROM pict_repo.hashes", "0");
	state_is(su, "variants", "SELECT count(*) FROM pict_repo.variants", "0");
	state_is(su, "aliases", "SELECT count(*) FROM pict_repo.aliases", "0");
	state_is(su, "proxies", "SELECT count(*) FROM pict_repo.proxies", "0");
	state_is(su, "details (every file's went with it)",
			 "SELECT count(*) FROM pict_repo.details", "0");
	state_is(su, "settings", "SELECT count(*) FROM pict_repo.settings", "0");
	state_is(su, "store_migrations", "SELECT count(*) FROM pict_repo.store_migrations", "0");
	state_is(su, "uploads", "SELECT count(*) FROM pict_repo.uploads", "0");
	state_is(su, "variant_locks", "SELECT count(*) FROM pict_repo.variant_locks", "0");
	state_is(su, "job_queue", "SELECT count(*) FROM pict_repo.job_queue", "0");
	state_is(su, "dead_jobs", "SELECT count(*) FROM pict_repo.dead_jobs", "0");
	state_is(su, "queue_stats: five cleanup jobs completed, none failed",
			 "SELECT queue || ' ' || sum(completed) || ' ' || sum(failed) "
			 "FROM pict_repo.queue_stats GROUP BY queue", "cleanup 5 0");
	state_is(su, "imported_jobs", "SELECT count(*) FROM pict_repo.imported_jobs", "0");
	pr_finish(app);
}

/* ---- 3. abort_job, details, pages through the client ----------------------------------- */

static void
test_calls(pr_conn *su)
{
	pr_conn    *app = connect_app();
	pr_error	err;
	pr_uuid		worker,
				other,
				id;
	pr_job_list *jobs = NULL;
	pr_hash_list *page = NULL;
	uint8_t		h[39];
	int64_t		created = 0;
	int64_t		avg = 0;
	char		buf[64];

	pr_uuid_random(&worker);
	pr_uuid_random(&other);
	pr_push_job(app, "seq-abort", "{}", NULL, &id, &err);
	pr_claim_job(app, "seq-abort", &worker, 1, &jobs, &err);
	ok(pr_abort_job(app, &id, &other, "x", &err) == PR_NONE, "pr_abort_job by another worker: PR_NONE");
	ok(pr_abort_job(app, &id, &worker, NULL, &err) == PR_OK, "pr_abort_job by the holder: PR_OK");
	ok(sql_value(su, "SELECT last_error FROM pict_repo.dead_jobs WHERE queue = 'seq-abort'",
				 buf, sizeof(buf)) && strcmp(buf, "aborted by its worker") == 0,
	   "the job is dead at once, with the default error");
	pr_free(jobs);
	ok(pr_average_time_to_completion(app, NULL, 0, pr_now() + INT64_C(60000000), &avg, &err) == PR_OK &&
	   avg >= 0, "pr_average_time_to_completion of every queue (queue NULL)");

	make_hash(h, 20);
	pr_create_hash(app, h, 39, "calls/orig", NULL, INT64_C(1700000000000000), &err);
	ok(pr_hash_created_at(app, h, 39, &created, &err) == PR_OK &&
	   created == INT64_C(1700000000000000), "pr_hash_created_at");
	make_hash(h, 21);
	ok(pr_hash_created_at(app, h, 39, &created, &err) == PR_NONE && created == PR_NO_TIME,
	   "pr_hash_created_at of an unknown hash: PR_NONE");
	make_hash(h, 20);
	ok(pr_hash_page_bound(app, INT64_C(1700000000000000), h, 39, 10, true, true, &page, &err) == PR_OK &&
	   page->n == 1 && page->rows[0].hash.len == 39, "pr_hash_page_bound, inclusive");
	pr_free(page);
	ok(pr_hash_page_bound(app, INT64_C(1700000000000000), h, 39, 10, true, false, &page, &err) == PR_OK &&
	   page->n == 0, "pr_hash_page_bound, exclusive");
	pr_free(page);
	is_error(pr_hash_page_bound(app, INT64_C(1700000000000000), h, 39, 0, true, false, &page, &err),
			 &err, "22023", "pr_hash_page_bound with lim 0");
	ok(pr_relate_details_ex(app, "calls/orig", "{\"a\": 1}", false, &err) == PR_OK &&
	   pr_relate_details_ex(app, "calls/orig", "{\"a\": 2}", false, &err) == PR_NONE &&
	   pr_relate_details_ex(app, "calls/orig", "{\"a\": 3}", true, &err) == PR_OK &&
	   pr_relate_details(app, "calls/orig", "{\"a\": 4}", &err) == PR_OK,
	   "pr_relate_details_ex: PR_OK when it wrote, PR_NONE when it kept; pr_relate_details as before");
	pr_finish(app);
}

void
test_pictrs(void)
{
	pr_conn    *su = admin_conn();
	pr_conn    *app;
	pr_error	err;

	if (!su || !need(su, "pict-rs drop-in", "hash_page_bound", "variant_processing", "abort_job",
					 "import_pictrs", NULL))
		return;
	if (!admin_sql("DROP DATABASE IF EXISTS " SEQ_DB " WITH (FORCE)") ||
		!admin_sql("CREATE DATABASE " SEQ_DB) ||
		!admin_sql("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" SEQ_ROLE "') "
				   "THEN CREATE ROLE " SEQ_ROLE " LOGIN; END IF; END$$") ||
		!admin_sql("GRANT pict_repo_user TO " SEQ_ROLE))
	{
		ok(false, "set-up of the pict-rs tests");
		return;
	}
	{
		/* The superuser of the test database: the extension, then checks. */
		PGconn	   *pg = PQconnectdb("dbname=" SEQ_DB);
		PGresult   *r = PQexec(pg, "CREATE EXTENSION pict_repo");

		ok(PQresultStatus(r) == PGRES_COMMAND_OK, "CREATE EXTENSION in " SEQ_DB);
		PQclear(r);
		PQfinish(pg);
	}
	su = pr_connect("dbname=" SEQ_DB, &err);
	if (!su)
	{
		ok(false, "connect to " SEQ_DB " as superuser");
		return;
	}
	app = connect_app();
	test_wait_for_variant(app);
	pr_finish(app);
	/* The sequences start from an empty repository. */
	sql(su, "DROP EXTENSION pict_repo");
	sql(su, "CREATE EXTENSION pict_repo");
	test_sequences(su);
	test_calls(su);
	pr_finish(su);
	admin_sql("DROP DATABASE IF EXISTS " SEQ_DB " WITH (FORCE)");
}
