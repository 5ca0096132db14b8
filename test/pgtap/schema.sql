-- schema.sql: the shape of the pict_repo schema, checked against the data
-- model the README documents (not against whatever the install scripts
-- happen to create): the enum, every table, its key, every column with its type and
-- nullability, unique columns, foreign keys with their ON DELETE action,
-- every index by name and columns, and which tables pg_dump keeps; for the
-- job queue also the index definitions (partial, descending, unique), that
-- dead_jobs keeps every column of job_queue, and that a heartbeat can be a
-- HOT update.
--
-- The expected shape is written once as data (pg_temp.expected_*) and every
-- assertion is generated from it, so adding a table is adding rows.  Where
-- a choice is not obvious from the README (NOT NULL on time columns, the
-- extra indexes for lookups), the rows say why in a comment.

BEGIN;

SET LOCAL client_min_messages = warning;

-- Every table of the data model, and whether it holds user data (registered
-- with pg_extension_config_dump so pg_dump keeps its rows).
CREATE TEMP TABLE expected_tables (
    ord         int PRIMARY KEY,
    tab         name NOT NULL UNIQUE,
    pk          name[] NOT NULL,
    user_data   boolean NOT NULL
);
INSERT INTO expected_tables VALUES
    (1,  'hashes',           '{hash}',           true),
    (2,  'variants',         '{hash,variant}',   true),
    (3,  'aliases',          '{alias}',          true),
    -- 1.3: the keys of long text columns are their digests (a btree entry
    -- cannot hold 4,096 characters that do not compress).
    (4,  'proxies',          '{url_digest}',     true),
    (5,  'settings',         '{key}',            true),
    (6,  'details',          '{identifier_digest}', true),
    (7,  'store_migrations', '{old_digest}',     true),
    -- Pending uploads are user data: a client waits on their result.
    (8,  'uploads',          '{id}',             true),
    -- Locks are live state that means nothing after a restore.
    (9,  'variant_locks',    '{hash,variant}',   false),
    -- Queued and dead jobs are work a restore must not lose.
    (10, 'job_queue',        '{id}',             true),
    (11, 'dead_jobs',        '{id}',             true),
    -- Per queue and minute, and a shard (the backend's slot in the proc
    -- array, modulo PR_STATS_SHARDS of queue.h) so that concurrent workers
    -- do not all update one row; readers sum the shards.  Kept by pg_dump:
    -- the figures of the last day survive a restore.
    (12, 'queue_stats',      '{queue,minute,shard}', true),
    -- 1.3: the key of the notification tags.  Not dumped: a restored
    -- database makes a secret of its own.
    (13, 'notify_secret',    '{id}',             false);
-- 1.3, pict-rs drop-in: when maintenance last ran (transient: claims read
-- it to requeue stale jobs themselves when no pass ran lately), and the
-- jobs import_pictrs brought in (kept, so a restore never imports them
-- again).
INSERT INTO expected_tables VALUES
    (14, 'maintenance_state', '{id}',            false),
    (15, 'imported_jobs',     '{id}',            true);
-- 1.3, storage tiers: stores, the copies each holds, and their
-- totals per store, form and shard (the backend's slot, as for
-- queue_stats), which pg_dump keeps with the copies they count.
INSERT INTO expected_tables VALUES
    (16, 'stores',           '{id}',             true),
    (17, 'copies',           '{store_id,hash,form}', true),
    (18, 'store_totals',     '{store_id,form,shard}', true);
-- 1.4, the file service: uploads and bytes per owner ('' for
-- all) and backend shard, kept by every write of an alias; dumped with them.
INSERT INTO expected_tables VALUES
    (101, 'usage_totals',    '{owner,shard}',    true),
    -- The tags of every upload, one row per tag, in the order list_media
    -- walks them (newest first per tag), each with the upload's
    -- content_type: the same data as aliases.tags, dumped with it.
    (102, 'alias_tags',      '{tag,created_at,alias}', true);

-- Every column, in table order: type as format_type() spells it, NOT NULL,
-- UNIQUE on its own.
CREATE TEMP TABLE expected_columns (
    ord         serial PRIMARY KEY,
    tab         name NOT NULL,
    col         name NOT NULL,
    typ         text NOT NULL,
    not_null    boolean NOT NULL,
    is_unique   boolean NOT NULL DEFAULT false
);
INSERT INTO expected_columns (tab, col, typ, not_null, is_unique) VALUES
    ('hashes', 'hash', 'bytea', true, false),
    -- Unique through unique indexes on their digests (1.3, below).
    ('hashes', 'identifier', 'text', true, false),
    ('hashes', 'motion_identifier', 'text', false, false),
    ('hashes', 'blurhash', 'text', false, false),
    -- NOT NULL because hash_page's keyset is
    -- (created_at, hash) and a NULL would fall out of every page.
    ('hashes', 'created_at', 'timestamp with time zone', true, false),
    ('variants', 'hash', 'bytea', true, false),
    ('variants', 'variant', 'text', true, false),
    ('variants', 'identifier', 'text', true, false),
    -- NOT NULL: the keyset of older_variants.
    ('variants', 'accessed', 'timestamp with time zone', true, false),
    ('aliases', 'alias', 'text', true, false),
    ('aliases', 'hash', 'bytea', true, false),
    ('aliases', 'token', 'text', true, false),
    ('aliases', 'created_at', 'timestamp with time zone', true, false),
    ('proxies', 'url', 'text', true, false),
    ('proxies', 'alias', 'text', true, false),
    -- NOT NULL: the keyset of older_aliases.
    ('proxies', 'accessed', 'timestamp with time zone', true, false),
    ('proxies', 'url_digest', 'bytea', true, false),
    ('settings', 'key', 'text', true, false),
    ('settings', 'value', 'bytea', true, false),
    ('details', 'identifier', 'text', true, false),
    ('details', 'details', 'jsonb', true, false),
    ('details', 'identifier_digest', 'bytea', true, false),
    ('store_migrations', 'old_identifier', 'text', true, false),
    ('store_migrations', 'new_identifier', 'text', true, false),
    ('store_migrations', 'old_digest', 'bytea', true, false),
    ('store_migrations', 'new_digest', 'bytea', true, true),
    ('uploads', 'id', 'uuid', true, false),
    -- NULL while the upload is pending.
    ('uploads', 'result', 'jsonb', false, false),
    ('uploads', 'created_at', 'timestamp with time zone', true, false),
    ('variant_locks', 'hash', 'bytea', true, false),
    ('variant_locks', 'variant', 'text', true, false),
    ('variant_locks', 'heartbeat', 'timestamp with time zone', true, false),
    -- What every job has from its push on is NOT NULL, what only a
    -- running, failed or keyed job has may be NULL.
    ('job_queue', 'id', 'uuid', true, false),
    -- 1.5: queue, attempts and max_attempts are domains over text and
    -- integer (their checks run only where a value is assigned).
    ('job_queue', 'queue', 'pict_repo.job_queue_name', true, false),
    ('job_queue', 'job', 'jsonb', true, false),
    ('job_queue', 'status', 'pict_repo.job_status', true, false),
    ('job_queue', 'worker', 'uuid', false, false),
    ('job_queue', 'priority', 'integer', true, false),
    ('job_queue', 'run_at', 'timestamp with time zone', true, false),
    ('job_queue', 'queue_time', 'timestamp with time zone', true, false),
    ('job_queue', 'heartbeat', 'timestamp with time zone', false, false),
    ('job_queue', 'attempts', 'pict_repo.job_attempts', true, false),
    ('job_queue', 'max_attempts', 'pict_repo.job_max_attempts', true, false),
    ('job_queue', 'unique_key', 'text', false, false),
    ('job_queue', 'last_error', 'text', false, false),
    -- The job_queue columns plus died_at.
    ('dead_jobs', 'id', 'uuid', true, false),
    ('dead_jobs', 'queue', 'text', true, false),
    ('dead_jobs', 'job', 'jsonb', true, false),
    ('dead_jobs', 'status', 'pict_repo.job_status', true, false),
    ('dead_jobs', 'worker', 'uuid', false, false),
    ('dead_jobs', 'priority', 'integer', true, false),
    ('dead_jobs', 'run_at', 'timestamp with time zone', true, false),
    ('dead_jobs', 'queue_time', 'timestamp with time zone', true, false),
    ('dead_jobs', 'heartbeat', 'timestamp with time zone', false, false),
    ('dead_jobs', 'attempts', 'integer', true, false),
    ('dead_jobs', 'max_attempts', 'integer', true, false),
    ('dead_jobs', 'unique_key', 'text', false, false),
    ('dead_jobs', 'last_error', 'text', false, false),
    ('dead_jobs', 'died_at', 'timestamp with time zone', true, false),
    -- Jobs completed, failed, summed wait and run time, per queue, minute
    -- and shard (see above).
    ('queue_stats', 'queue', 'text', true, false),
    ('queue_stats', 'minute', 'timestamp with time zone', true, false),
    ('queue_stats', 'shard', 'smallint', true, false),
    ('queue_stats', 'completed', 'bigint', true, false),
    ('queue_stats', 'failed', 'bigint', true, false),
    ('queue_stats', 'wait_time', 'interval', true, false),
    ('queue_stats', 'run_time', 'interval', true, false),
    ('notify_secret', 'id', 'integer', true, false),
    ('notify_secret', 'secret', 'bytea', true, false);
-- 1.3, pict-rs drop-in.
INSERT INTO expected_columns (tab, col, typ, not_null, is_unique) VALUES
    ('maintenance_state', 'id', 'boolean', true, false),
    ('maintenance_state', 'last_pass', 'timestamp with time zone', true, false),
    ('imported_jobs', 'id', 'uuid', true, false),
    ('imported_jobs', 'imported_at', 'timestamp with time zone', true, false);
-- 1.3, storage tiers.
INSERT INTO expected_columns (tab, col, typ, not_null, is_unique) VALUES
    -- 1.3, storage tiers.  A location is unique
    -- too, through its digest (stores_location_digest_idx below).
    ('stores', 'id', 'integer', true, false),
    ('stores', 'name', 'text', true, true),
    ('stores', 'kind', 'text', true, false),
    ('stores', 'priority', 'integer', true, false),
    ('stores', 'location', 'text', true, false),
    ('stores', 'notes', 'text', false, false),
    ('stores', 'created_at', 'timestamp with time zone', true, false),
    ('stores', 'updated_at', 'timestamp with time zone', true, false),
    -- The store by its id; the identifier is unique within its store
    -- through copies_store_identifier_digest_idx.
    ('copies', 'hash', 'bytea', true, false),
    ('copies', 'store_id', 'integer', true, false),
    ('copies', 'form', 'text', true, false),
    ('copies', 'identifier', 'text', true, false),
    ('copies', 'bytes', 'bigint', true, false),
    ('copies', 'created_at', 'timestamp with time zone', true, false),
    ('store_totals', 'store_id', 'integer', true, false),
    ('store_totals', 'form', 'text', true, false),
    ('store_totals', 'shard', 'smallint', true, false),
    ('store_totals', 'copies', 'bigint', true, false),
    ('store_totals', 'bytes', 'bigint', true, false);

-- 1.4, the file service: the upload's metadata on the alias, the copies
-- of its original's details, and its size (generated: upload_bytes, else
-- media_bytes); the totals per owner and shard.
INSERT INTO expected_columns (tab, col, typ, not_null, is_unique) VALUES
    ('aliases', 'owner', 'text', false, false),
    ('aliases', 'tags', 'text[]', true, false),
    ('aliases', 'access', 'text', true, false),
    ('aliases', 'upload_bytes', 'bigint', false, false),
    ('aliases', 'content_type', 'text', false, false),
    ('aliases', 'width', 'integer', false, false),
    ('aliases', 'height', 'integer', false, false),
    ('aliases', 'frames', 'integer', false, false),
    ('aliases', 'media_bytes', 'bigint', false, false),
    ('aliases', 'bytes', 'bigint', false, false),
    ('usage_totals', 'owner', 'text', true, false),
    ('usage_totals', 'shard', 'smallint', true, false),
    ('usage_totals', 'uploads', 'bigint', true, false),
    ('usage_totals', 'bytes', 'bigint', true, false),
    ('alias_tags', 'tag', 'text', true, false),
    ('alias_tags', 'created_at', 'timestamp with time zone', true, false),
    ('alias_tags', 'alias', 'text', true, false),
    ('alias_tags', 'content_type', 'text', false, false);

-- Every foreign key: columns, referenced table and columns, ON DELETE action
-- as pg_constraint.confdeltype spells it (a = no action, c = cascade).
CREATE TEMP TABLE expected_fks (
    ord         int PRIMARY KEY,
    tab         name NOT NULL,
    cols        name[] NOT NULL,
    ref_tab     name NOT NULL,
    ref_cols    name[] NOT NULL,
    on_delete   "char" NOT NULL
);
INSERT INTO expected_fks VALUES
    -- No cascade: cleanup_hash deletes variants itself and returns their
    -- identifiers; a cascade would lose files in storage.
    (1, 'variants', '{hash}', 'hashes', '{hash}', 'a'),
    -- No cascade: a hash with aliases is in use (55006 unless force).
    (2, 'aliases', '{hash}', 'hashes', '{hash}', 'a'),
    -- A proxy goes with its alias.
    (3, 'proxies', '{alias}', 'aliases', '{alias}', 'c'),
    -- A lock dies with its hash.
    (4, 'variant_locks', '{hash}', 'hashes', '{hash}', 'c'),
    -- No cascade: cleanup_hash deletes the copies and returns their files.
    (5, 'copies', '{hash}', 'hashes', '{hash}', 'a'),
    -- No cascade: drop_store refuses while the store holds copies (55006).
    (6, 'copies', '{store_id}', 'stores', '{id}', 'a'),
    -- The totals (all zero by then) go with their store.
    (7, 'store_totals', '{store_id}', 'stores', '{id}', 'c');

-- Every index that is not a primary key or UNIQUE constraint (those are
-- checked above), by name and columns.
CREATE TEMP TABLE expected_indexes (
    ord         int PRIMARY KEY,
    tab         name NOT NULL,
    idx         name NOT NULL,
    cols        name[] NOT NULL
);
INSERT INTO expected_indexes VALUES
    -- hash_page, hash_page_by_date.
    (1, 'hashes', 'hashes_created_at_hash_idx', '{created_at,hash}'),
    -- older_variants.
    (2, 'variants', 'variants_accessed_hash_variant_idx', '{accessed,hash,variant}'),
    -- migrate_identifier and the check that a file is in one slot only look
    -- variants up by identifier, through its digest (1.3).
    (3, 'variants', 'variants_identifier_digest_idx', '{pict_repo.text_digest(identifier)}'),
    -- The aliases of a hash: (hash, alias) leads with hash and also
    -- serves the ordering of aliases_for_hash.
    (4, 'aliases', 'aliases_hash_alias_idx', '{hash,alias}'),
    -- Indexes on alias and (accessed, url digest) (1.3: the digest).
    (5, 'proxies', 'proxies_alias_idx', '{alias}'),
    (6, 'proxies', 'proxies_accessed_url_digest_idx', '{accessed,url_digest}'),
    -- Expiry of abandoned uploads, oldest first.
    (7, 'uploads', 'uploads_created_at_idx', '{created_at}'),
    -- Expiry of dead locks, oldest heartbeat first.
    (8, 'variant_locks', 'variant_locks_heartbeat_idx', '{heartbeat}'),
    -- The claims' partial index WHERE status = 'new' (its full
    -- definition is checked below).
    (9, 'job_queue', 'job_queue_claim_idx', '{queue,priority,run_at,id}'),
    -- requeue_stale and the running counts read only
    -- the running jobs.
    (10, 'job_queue', 'job_queue_running_idx', '{queue}'),
    -- Unique (queue, unique_key): a partial unique index, not a
    -- constraint: jobs without a key take no room in it.
    (11, 'job_queue', 'job_queue_unique_key_idx', '{queue,unique_key}'),
    -- queue_stats() counts the dead jobs of each queue.
    (12, 'dead_jobs', 'dead_jobs_queue_died_at_idx', '{queue,died_at}'),
    -- queue_stats() reads the last day; maintenance
    -- drops the minutes past retention.
    (13, 'queue_stats', 'queue_stats_minute_idx', '{minute}'),
    -- 1.3: one hash per original and per motion file, through the digests.
    (14, 'hashes', 'hashes_identifier_digest_idx', '{pict_repo.text_digest(identifier)}'),
    (15, 'hashes', 'hashes_motion_identifier_digest_idx',
     '{pict_repo.text_digest(motion_identifier)}'),
    -- 1.3: list_dead_jobs pages one queue in id order.
    (16, 'dead_jobs', 'dead_jobs_queue_id_idx', '{queue,id}'),
    -- 1.3, storage tiers: unique locations and identifiers (per store)
    -- through their digests, the copies of a hash, one form of a store.
    (17, 'stores', 'stores_location_digest_idx', '{pict_repo.text_digest(location)}'),
    (18, 'copies', 'copies_store_identifier_digest_idx', '{store_id,pict_repo.text_digest(identifier)}'),
    (19, 'copies', 'copies_hash_form_idx', '{hash,form}'),
    (20, 'copies', 'copies_store_form_hash_idx', '{store_id,form,hash}');
-- 1.4, the file service: the indexes of list_media (README, "Which index
-- serves which filter"); definitions below.
INSERT INTO expected_indexes VALUES
    (101, 'aliases', 'aliases_created_at_alias_idx', '{created_at,alias}'),
    (102, 'aliases', 'aliases_owner_created_at_alias_idx', '{owner,created_at,alias}'),
    (103, 'aliases', 'aliases_owner_content_type_created_at_alias_idx',
     '{owner,content_type,created_at,alias}'),
    (104, 'aliases', 'aliases_access_created_at_alias_idx', '{access,created_at,alias}'),
    (105, 'aliases', 'aliases_content_type_created_at_alias_idx', '{content_type,created_at,alias}'),
    (106, 'aliases', 'aliases_media_type_created_at_alias_idx',
     '{"split_part(content_type, ''/''::text, 1)",created_at,alias}'),
    (108, 'aliases', 'aliases_width_idx', '{width}'),
    (109, 'aliases', 'aliases_height_idx', '{height}'),
    (110, 'aliases', 'aliases_bytes_idx', '{bytes}'),
    (111, 'aliases', 'aliases_animated_created_at_alias_idx', '{created_at,alias}'),
    -- A rare tag's uploads of one type (or top-level type, a range).
    (112, 'alias_tags', 'alias_tags_tag_content_type_created_at_alias_idx',
     '{tag,content_type,created_at,alias}');

-- The definitions that has_index() does not show: the partial indexes,
-- descending columns and uniqueness, as pg_get_indexdef() prints them.
CREATE TEMP TABLE expected_indexdefs (
    ord         int PRIMARY KEY,
    idx         name NOT NULL,
    def         text NOT NULL
);
INSERT INTO expected_indexdefs VALUES
    -- Claiming reads the runnable rows of one queue in claiming order.
    (1, 'job_queue_claim_idx',
     'CREATE INDEX job_queue_claim_idx ON pict_repo.job_queue USING btree '
     '(queue, priority DESC, run_at, id) WHERE (status = ''new''::pict_repo.job_status)'),
    (2, 'job_queue_running_idx',
     'CREATE INDEX job_queue_running_idx ON pict_repo.job_queue USING btree '
     '(queue) WHERE (status = ''running''::pict_repo.job_status)'),
    (3, 'job_queue_unique_key_idx',
     'CREATE UNIQUE INDEX job_queue_unique_key_idx ON pict_repo.job_queue USING btree '
     '(queue, unique_key) WHERE (unique_key IS NOT NULL)'),
    (4, 'hashes_identifier_digest_idx',
     'CREATE UNIQUE INDEX hashes_identifier_digest_idx ON pict_repo.hashes USING btree '
     '(pict_repo.text_digest(identifier))'),
    (5, 'hashes_motion_identifier_digest_idx',
     'CREATE UNIQUE INDEX hashes_motion_identifier_digest_idx ON pict_repo.hashes USING btree '
     '(pict_repo.text_digest(motion_identifier))'),
    -- 1.3, storage tiers: the digest indexes are unique.
    (6, 'stores_location_digest_idx',
     'CREATE UNIQUE INDEX stores_location_digest_idx ON pict_repo.stores USING btree '
     '(pict_repo.text_digest(location))'),
    (7, 'copies_store_identifier_digest_idx',
     'CREATE UNIQUE INDEX copies_store_identifier_digest_idx ON pict_repo.copies USING btree '
     '(store_id, pict_repo.text_digest(identifier))');
-- 1.4, the file service: uploads without an owner take no room in the
-- owner indexes; a content_type prefix is its top-level type; only
-- animated uploads are in the animated index.  (Tags are searched through
-- alias_tags' primary key, and with a type through its index on (tag,
-- content_type, created_at, alias), C-collated as the columns.)
INSERT INTO expected_indexdefs VALUES
    (101, 'aliases_owner_created_at_alias_idx',
     'CREATE INDEX aliases_owner_created_at_alias_idx ON pict_repo.aliases USING btree '
     '(owner, created_at, alias) WHERE (owner IS NOT NULL)'),
    (102, 'aliases_owner_content_type_created_at_alias_idx',
     'CREATE INDEX aliases_owner_content_type_created_at_alias_idx ON pict_repo.aliases USING btree '
     '(owner, content_type, created_at, alias) WHERE (owner IS NOT NULL)'),
    (103, 'aliases_media_type_created_at_alias_idx',
     'CREATE INDEX aliases_media_type_created_at_alias_idx ON pict_repo.aliases USING btree '
     '(split_part(content_type, ''/''::text, 1), created_at, alias)'),
    (105, 'aliases_animated_created_at_alias_idx',
     'CREATE INDEX aliases_animated_created_at_alias_idx ON pict_repo.aliases USING btree '
     '(created_at, alias) WHERE (frames > 1)');

SELECT plan(
    8   -- schema, type, enum, labels; table set, FK set, config_dump set, no filter
    + 5 * (SELECT count(*) FROM expected_tables)::int   -- has_table, has_pk, col_is_pk, columns_are, indexes_are
    + 3 * (SELECT count(*) FROM expected_columns)::int  -- has_column, col_type_is, nullability
    + (SELECT count(*) FROM expected_columns WHERE is_unique)::int
    + (SELECT count(*) FROM expected_fks)::int
    + (SELECT count(*) FROM expected_indexes)::int
    + (SELECT count(*) FROM expected_tables WHERE user_data)::int
    + (SELECT count(*) FROM expected_indexdefs)::int
    + 2 -- dead_jobs' columns, HOT heartbeats
    + 2 -- storage tiers: the store id sequence is dumped, HOT totals
    + 1 -- the file service: the content types compare as bytes
);

-- ---------------------------------------------------------------------------
-- Schema and type
-- ---------------------------------------------------------------------------
SELECT has_schema('pict_repo', 'schema pict_repo exists');
SELECT has_type('pict_repo', 'job_status', 'type pict_repo.job_status exists');
SELECT has_enum('pict_repo', 'job_status', 'pict_repo.job_status is an enum');
SELECT enum_has_labels('pict_repo', 'job_status', ARRAY['new', 'running'],
                       'pict_repo.job_status has the labels new, running in that order');

-- The schema holds exactly the tables of the data model.
SELECT set_eq(
    $$SELECT c.relname FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'pict_repo' AND c.relkind IN ('r', 'p')$$,
    $$SELECT tab FROM pg_temp.expected_tables$$,
    'pict_repo holds exactly the tables of the data model');

-- ---------------------------------------------------------------------------
-- Tables and their keys
-- ---------------------------------------------------------------------------
SELECT has_table('pict_repo', tab, 'table pict_repo.' || tab || ' exists')
  FROM expected_tables ORDER BY ord;
SELECT has_pk('pict_repo', tab, 'pict_repo.' || tab || ' has a primary key')
  FROM expected_tables ORDER BY ord;
SELECT col_is_pk('pict_repo', tab, pk,
                 'the primary key of pict_repo.' || tab || ' is (' || array_to_string(pk, ', ') || ')')
  FROM expected_tables ORDER BY ord;
SELECT columns_are('pict_repo', tab,
                   ARRAY(SELECT c.col FROM expected_columns c WHERE c.tab = t.tab ORDER BY c.ord),
                   'pict_repo.' || tab || ' has exactly the columns of the data model')
  FROM expected_tables t ORDER BY ord;

-- ---------------------------------------------------------------------------
-- Columns
-- ---------------------------------------------------------------------------
SELECT has_column('pict_repo', tab, col, 'column ' || tab || '.' || col || ' exists')
  FROM expected_columns ORDER BY ord;
SELECT col_type_is('pict_repo', tab, col, typ, tab || '.' || col || ' is ' || typ)
  FROM expected_columns ORDER BY ord;
SELECT CASE WHEN not_null
            THEN col_not_null('pict_repo', tab, col, tab || '.' || col || ' is NOT NULL')
            ELSE col_is_null('pict_repo', tab, col, tab || '.' || col || ' allows NULL')
       END
  FROM expected_columns ORDER BY ord;
SELECT col_is_unique('pict_repo', tab, col, tab || '.' || col || ' is unique')
  FROM expected_columns WHERE is_unique ORDER BY ord;

-- ---------------------------------------------------------------------------
-- Foreign keys
-- ---------------------------------------------------------------------------
SELECT fk_ok('pict_repo', tab, cols, 'pict_repo', ref_tab, ref_cols,
             tab || '(' || array_to_string(cols, ', ') || ') references '
             || ref_tab || '(' || array_to_string(ref_cols, ', ') || ')')
  FROM expected_fks ORDER BY ord;

-- Exactly these foreign keys, each with its ON DELETE action.
SELECT set_eq(
    $$SELECT c.conrelid::pg_catalog.regclass::text,
             ARRAY(SELECT a.attname FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY k(n, i)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                   ORDER BY k.i) AS cols,
             c.confrelid::pg_catalog.regclass::text,
             ARRAY(SELECT a.attname FROM pg_catalog.unnest(c.confkey) WITH ORDINALITY k(n, i)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                   ORDER BY k.i) AS ref_cols,
             c.confdeltype
      FROM pg_catalog.pg_constraint c
      JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
      WHERE c.contype = 'f' AND c.connamespace = 'pict_repo'::pg_catalog.regnamespace$$,
    $$SELECT 'pict_repo.' || tab AS tab, cols, 'pict_repo.' || ref_tab AS ref_tab, ref_cols, on_delete
      FROM pg_temp.expected_fks$$,
    'pict_repo has exactly the foreign keys of the data model, with their ON DELETE actions');

-- ---------------------------------------------------------------------------
-- Indexes
-- ---------------------------------------------------------------------------
SELECT has_index('pict_repo', tab, idx, cols,
                 'index ' || idx || ' on ' || tab || '(' || array_to_string(cols, ', ') || ')')
  FROM expected_indexes ORDER BY ord;

-- No other index: the only ones besides those are the primary keys and the
-- UNIQUE constraints, under PostgreSQL's default names.
SELECT indexes_are('pict_repo', t.tab,
                   ARRAY(SELECT i.idx FROM expected_indexes i WHERE i.tab = t.tab
                         UNION ALL SELECT t.tab || '_pkey'
                         UNION ALL SELECT c.tab || '_' || c.col || '_key'
                                   FROM expected_columns c WHERE c.tab = t.tab AND c.is_unique),
                   'pict_repo.' || t.tab || ' has exactly the expected indexes')
  FROM expected_tables t ORDER BY ord;

-- ---------------------------------------------------------------------------
-- pg_dump keeps the rows of every table that holds user data
-- ---------------------------------------------------------------------------
SELECT ok(EXISTS (SELECT 1 FROM pg_catalog.pg_extension e
                  WHERE e.extname = 'pict_repo'
                    AND ('pict_repo.' || t.tab)::pg_catalog.regclass = ANY (e.extconfig)),
          'pict_repo.' || t.tab || ' is registered with pg_extension_config_dump')
  FROM expected_tables t WHERE user_data ORDER BY ord;

SELECT set_eq(
    $$SELECT c::pg_catalog.regclass::text
      FROM pg_catalog.pg_extension e, pg_catalog.unnest(e.extconfig) c
      WHERE e.extname = 'pict_repo'$$,
    $$SELECT 'pict_repo.' || tab FROM pg_temp.expected_tables WHERE user_data
      UNION ALL SELECT 'pict_repo.stores_id_seq'$$,
    'pg_extension_config_dump registers exactly the tables that hold user data (and the sequence of store ids)');

SELECT is((SELECT pg_catalog.array_length(e.extconfig, 1) IS NOT DISTINCT FROM pg_catalog.array_length(e.extcondition, 1)
                  AND '' = ALL (e.extcondition)
           FROM pg_catalog.pg_extension e WHERE e.extname = 'pict_repo'),
          true,
          'pg_dump keeps every row of those tables (no filter condition)');

-- ---------------------------------------------------------------------------
-- The job queue
-- ---------------------------------------------------------------------------
SELECT is(pg_catalog.pg_get_indexdef(('pict_repo.' || idx)::pg_catalog.regclass), def,
          'index ' || idx || ': ' || def)
  FROM expected_indexdefs ORDER BY ord;

-- A dead job keeps every column of its job, in the same order and type (a
-- domain of job_queue's as its base type: dead_jobs is written only by
-- copying job_queue's rows).
SELECT is(ARRAY(SELECT a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = 'pict_repo.dead_jobs'::pg_catalog.regclass
                  AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'died_at'
                ORDER BY a.attnum),
          ARRAY(SELECT a.attname || ' ' || pg_catalog.format_type(
                         CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,
                         a.atttypmod)
                FROM pg_catalog.pg_attribute a
                JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                WHERE a.attrelid = 'pict_repo.job_queue'::pg_catalog.regclass
                  AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum),
          'dead_jobs has the columns of job_queue (plus died_at)');

-- A heartbeat changes no indexed column and finds room on its page, so it
-- can be a HOT update.
-- (The index definitions cover columns, expressions and predicates.)
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                      WHERE i.indrelid = 'pict_repo.job_queue'::pg_catalog.regclass
                        AND pg_catalog.pg_get_indexdef(i.indexrelid) LIKE '%heartbeat%')
          AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c, pg_catalog.unnest(c.reloptions) o
                      WHERE c.oid = 'pict_repo.job_queue'::pg_catalog.regclass
                        AND o LIKE 'fillfactor=%'
                        AND pg_catalog.split_part(o, '=', 2)::int < 100),
          'no index of job_queue holds heartbeat, and job_queue leaves free space (fillfactor < 100)');

-- ---------------------------------------------------------------------------
-- Storage tiers
-- ---------------------------------------------------------------------------
-- pg_dump keeps the position of the store id sequence, so a restored
-- repository does not hand out the id of a store it holds.
SELECT ok('pict_repo.stores_id_seq'::pg_catalog.regclass = ANY (e.extconfig),
          'pict_repo.stores_id_seq is registered with pg_extension_config_dump')
  FROM pg_catalog.pg_extension e WHERE e.extname = 'pict_repo';
-- A change of the totals writes only copies and bytes, which no index
-- holds, on a table that leaves free space: HOT updates.
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                      WHERE i.indrelid = 'pict_repo.store_totals'::pg_catalog.regclass
                        AND (pg_catalog.pg_get_indexdef(i.indexrelid) LIKE '%copies%'
                             OR pg_catalog.pg_get_indexdef(i.indexrelid) LIKE '%bytes%'))
          AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c, pg_catalog.unnest(c.reloptions) o
                      WHERE c.oid = 'pict_repo.store_totals'::pg_catalog.regclass
                        AND o LIKE 'fillfactor=%'
                        AND pg_catalog.split_part(o, '=', 2)::int < 100),
          'no index of store_totals holds copies or bytes, and it leaves free space (fillfactor < 100)');

-- ---------------------------------------------------------------------------
-- The file service
-- ---------------------------------------------------------------------------
-- A top-level type is the range ['image/', 'image0') of content_type: in
-- byte order, in aliases and in alias_tags (and its type index) alike.
SELECT set_eq(
    $$SELECT c.relname::text, l.collname::text
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_collation l ON l.oid = a.attcollation
       WHERE a.attrelid IN ('pict_repo.aliases'::pg_catalog.regclass,
                            'pict_repo.alias_tags'::pg_catalog.regclass,
                            'pict_repo.alias_tags_tag_content_type_created_at_alias_idx'::pg_catalog.regclass)
         AND a.attname = 'content_type'$$,
    $$VALUES ('aliases', 'C'), ('alias_tags', 'C'),
             ('alias_tags_tag_content_type_created_at_alias_idx', 'C')$$,
    'content_type is COLLATE "C" in aliases, alias_tags and its type index');

SELECT * FROM finish();
ROLLBACK;
