-- schema.sql: the tables of a pict-rs 0.5 PostgreSQL repository, as its
-- migrations V0000 to V0014 leave them (src/repo/postgres/migrations/ of
-- pict-rs; written here from what those migrations create, not copied):
-- text hashes (the standard base64 of 39 bytes), timestamps without time
-- zone in UTC, hex text settings, a uuid id on variants, job_queue with a
-- unique key and a retry count, keyed_notifications for variant locks.
-- Used by test/suites/65_import_pictrs.sh and bench/import_pictrs.sh to
-- build a source repository in a database of its own.

-- V0000
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- V0001
CREATE TABLE hashes (
    hash                text PRIMARY KEY,
    identifier          text NOT NULL UNIQUE,
    motion_identifier   text UNIQUE,
    created_at          timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ordered_hash_index ON hashes (created_at, hash);

-- V0002
CREATE TABLE variants (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    hash        text NOT NULL REFERENCES hashes (hash),
    variant     text NOT NULL,
    identifier  text NOT NULL,
    accessed    timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX hash_variant_index ON variants (hash, variant);

-- V0003
CREATE TABLE aliases (
    alias   text PRIMARY KEY,
    hash    text NOT NULL REFERENCES hashes (hash),
    token   text NOT NULL
);
CREATE INDEX aliases_hash_index ON aliases (hash);

-- V0004
CREATE TABLE settings (
    key     text PRIMARY KEY,
    value   text NOT NULL
);

-- V0005
CREATE TABLE details (
    identifier  text PRIMARY KEY,
    json        jsonb NOT NULL
);

-- V0006
CREATE TYPE job_status AS ENUM ('new', 'running');
CREATE TABLE job_queue (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    queue       text NOT NULL,
    job         jsonb NOT NULL,
    worker      uuid,
    status      job_status NOT NULL,
    queue_time  timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    heartbeat   timestamp
);
CREATE INDEX heartbeat_index ON job_queue (heartbeat);
CREATE FUNCTION queue_status_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('queue_status_channel', NEW.queue::text);
    RETURN NEW;
END
$$;
CREATE TRIGGER queue_status AFTER INSERT OR UPDATE OF status ON job_queue
    FOR EACH ROW EXECUTE PROCEDURE queue_status_notify();

-- V0007
CREATE TABLE store_migrations (
    old_identifier  text PRIMARY KEY,
    new_identifier  text NOT NULL UNIQUE
);

-- V0008
CREATE TABLE proxies (
    url         text PRIMARY KEY,
    alias       text NOT NULL REFERENCES aliases (alias),
    accessed    timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- V0009
CREATE TABLE uploads (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    result      jsonb,
    created_at  timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- V0010
CREATE INDEX queue_time_index ON job_queue (queue_time);

-- V0011
ALTER TABLE job_queue ADD COLUMN unique_key text UNIQUE;

-- V0012
ALTER TABLE hashes ADD COLUMN blurhash text;

-- V0013
ALTER TABLE job_queue ADD COLUMN retry integer NOT NULL DEFAULT 5;

-- V0014
CREATE TABLE keyed_notifications (
    key         text PRIMARY KEY,
    heartbeat   timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX keyed_notifications_heartbeat_index ON keyed_notifications (heartbeat);
