-- Access times of proxied media (on the proxy rows) and of variants, and the
-- keyset pages of older_aliases and older_variants.  Rows are inserted
-- directly (hashes \xb1.. are this file's own) with access times in 1990, so
-- pages ending before 1991 only see them; everything is removed at the end.
SET client_min_messages = warning;

INSERT INTO pict_repo.hashes (hash, identifier)
VALUES ('\xb1', 'access/b1'), ('\xb2', 'access/b2'), ('\xb3', 'access/b3');
INSERT INTO pict_repo.aliases (alias, hash, token)
VALUES ('b-one.png', '\xb1', 't1'), ('b-two.png', '\xb2', 't2'),
       ('b-none.png', '\xb3', 't3');
INSERT INTO pict_repo.variants (hash, variant, identifier, accessed)
VALUES ('\xb1', 'thumb', 'access/b1-thumb', '1990-01-01 00:00:00+00'),
       ('\xb1', 'large', 'access/b1-large', '1990-01-02 00:00:00+00');
SELECT pict_repo.relate_url('https://proxy.example/one', 'b-one.png');
SELECT pict_repo.relate_url('https://proxy.example/one-again', 'b-one.png');
SELECT pict_repo.relate_url('https://proxy.example/two', 'b-two.png');

-- touch_alias sets the access time of every proxy row of the alias
SELECT pict_repo.touch_alias('b-one.png', '1990-03-01 12:00:00+00');
SELECT pict_repo.alias_accessed_at('b-one.png') = '1990-03-01 12:00:00+00' AS touched;
SELECT url, accessed = '1990-03-01 12:00:00+00' AS touched
FROM pict_repo.proxies WHERE alias = 'b-one.png' ORDER BY url;
-- several rows: alias_accessed_at is the latest
UPDATE pict_repo.proxies SET accessed = '1990-03-05 00:00:00+00' WHERE url = 'https://proxy.example/one-again';
SELECT pict_repo.alias_accessed_at('b-one.png') = '1990-03-05 00:00:00+00' AS latest;
-- the default is now()
BEGIN;
SELECT pict_repo.touch_alias('b-two.png');
SELECT pict_repo.alias_accessed_at('b-two.png') = now() AS now_by_default;
ROLLBACK;
-- no proxy row, unknown alias: false and NULL
SELECT pict_repo.touch_alias('b-none.png', '1990-01-01 00:00:00+00');
SELECT pict_repo.touch_alias('nope.png', '1990-01-01 00:00:00+00');
SELECT pict_repo.alias_accessed_at('b-none.png') IS NULL AS no_proxy,
       pict_repo.alias_accessed_at('nope.png') IS NULL AS unknown;
-- errors
SELECT regress.error_of($$SELECT pict_repo.touch_alias(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.touch_alias('')$$);
SELECT regress.error_of($$SELECT pict_repo.touch_alias(repeat('x', 257))$$);
SELECT regress.error_of($$SELECT pict_repo.touch_alias('b-one.png', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.alias_accessed_at(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.alias_accessed_at('')$$);
SELECT pict_repo.alias_accessed_at('b-one.png') = '1990-03-05 00:00:00+00' AS unchanged;

-- touch_variant, variant_accessed_at
SELECT pict_repo.variant_accessed_at('\xb1', 'thumb') = '1990-01-01 00:00:00+00' AS stored;
SELECT pict_repo.touch_variant('\xb1', 'thumb', '1990-02-01 00:00:00+00');
SELECT pict_repo.variant_accessed_at('\xb1', 'thumb') = '1990-02-01 00:00:00+00' AS touched;
SELECT pict_repo.variant_accessed_at('\xb1', 'large') = '1990-01-02 00:00:00+00' AS other_unchanged;
BEGIN;
SELECT pict_repo.touch_variant('\xb1', 'large');
SELECT pict_repo.variant_accessed_at('\xb1', 'large') = now() AS now_by_default;
ROLLBACK;
SELECT pict_repo.touch_variant('\xb1', 'nope', '1990-01-01 00:00:00+00');
SELECT pict_repo.touch_variant('\xb9', 'thumb', '1990-01-01 00:00:00+00');
SELECT pict_repo.variant_accessed_at('\xb1', 'nope') IS NULL AS unknown_variant,
       pict_repo.variant_accessed_at('\xb9', 'thumb') IS NULL AS unknown_hash;
SELECT regress.error_of($$SELECT pict_repo.touch_variant(NULL, 'thumb')$$);
SELECT regress.error_of($$SELECT pict_repo.touch_variant('', 'thumb')$$);
SELECT regress.error_of($$SELECT pict_repo.touch_variant(decode(repeat('ab', 129), 'hex'), 'thumb')$$);
SELECT regress.error_of($$SELECT pict_repo.touch_variant('\xb1', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.touch_variant('\xb1', '')$$);
SELECT regress.error_of($$SELECT pict_repo.touch_variant('\xb1', repeat('v', 257))$$);
SELECT regress.error_of($$SELECT pict_repo.touch_variant('\xb1', 'thumb', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.variant_accessed_at(NULL, 'thumb')$$);
SELECT regress.error_of($$SELECT pict_repo.variant_accessed_at('\xb1', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.variant_accessed_at('\xb1', '')$$);
SELECT pict_repo.variant_accessed_at('\xb1', 'thumb') = '1990-02-01 00:00:00+00' AS unchanged;

-- older_aliases: oldest first, only before the given time
SET TimeZone = 'UTC';
SELECT * FROM pict_repo.older_aliases('1991-01-01');
SELECT * FROM pict_repo.older_aliases('1990-03-05 00:00:00+00');   -- strictly before
SELECT * FROM pict_repo.older_aliases('1991-01-01', 1);
SELECT * FROM pict_repo.older_aliases('1991-01-01', 10, '1990-03-01 12:00:00+00', 'https://proxy.example/one');
SELECT * FROM pict_repo.older_aliases('1991-01-01', after_accessed => '1990-03-05 00:00:00+00', after_url => 'https://proxy.example/one-again');
-- errors
SELECT regress.error_of($$SELECT * FROM pict_repo.older_aliases(NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_aliases('1991-01-01', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_aliases('1991-01-01', 0)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_aliases('1991-01-01', 10001)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_aliases('1991-01-01', 10, '1990-01-01', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_aliases('1991-01-01', 10, NULL, 'https://proxy.example/one')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_aliases('1991-01-01', 10, '1990-01-01', '')$$);

-- older_variants: oldest first, only before the given time
SELECT * FROM pict_repo.older_variants('1991-01-01');
SELECT * FROM pict_repo.older_variants('1990-02-01 00:00:00+00');   -- strictly before
SELECT * FROM pict_repo.older_variants('1991-01-01', 1, '1990-01-02 00:00:00+00', '\xb1', 'large');
SELECT regress.error_of($$SELECT * FROM pict_repo.older_variants(NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_variants('1991-01-01', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_variants('1991-01-01', 0)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_variants('1991-01-01', 10001)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_variants('1991-01-01', 10, '1990-01-01', NULL, NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_variants('1991-01-01', 10, '1990-01-01', '\xb1', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_variants('1991-01-01', 10, NULL, '\xb1', 'thumb')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_variants('1991-01-01', 10, '1990-01-01', '', 'thumb')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.older_variants('1991-01-01', 10, '1990-01-01', '\xb1', '')$$);

-- Keyset walks over many rows that share one access time: with a small
-- lim every row comes exactly once.  30 proxies at one time (plus the
-- three above) and 3 x 9 variants at one time (plus the two above).
INSERT INTO pict_repo.aliases (alias, hash, token)
SELECT 'b-many-' || i || '.png', '\xb2', 't' FROM generate_series(1, 30) i;
INSERT INTO pict_repo.proxies (url, alias, accessed)
SELECT 'https://proxy.example/many/' || i, 'b-many-' || i || '.png', '1990-06-01 00:00:00+00'
FROM generate_series(1, 30) i;
INSERT INTO pict_repo.variants (hash, variant, identifier, accessed)
SELECT h, 'v' || i, 'access/' || encode(h, 'hex') || '-v' || i, '1990-06-01 00:00:00+00'
FROM unnest(ARRAY['\xb1', '\xb2', '\xb3']::bytea[]) h, generate_series(1, 9) i;

CREATE TEMP TABLE alias_walk (page int, alias text, url text, accessed timestamptz);
DO $$
DECLARE
    p int := 0;
    last_accessed timestamptz;
    last_url text;
BEGIN
    LOOP
        p := p + 1;
        INSERT INTO alias_walk
        SELECT p, o.* FROM pict_repo.older_aliases('1991-01-01', 4, last_accessed, last_url) o;
        EXIT WHEN NOT FOUND;
        SELECT w.accessed, w.url INTO last_accessed, last_url FROM alias_walk w
        WHERE w.page = p ORDER BY w.accessed DESC, pict_repo.text_digest(w.url) DESC LIMIT 1;
    END LOOP;
END
$$;
SELECT count(*) AS rows, count(DISTINCT url) AS distinct_urls, max(page) AS pages,
       (SELECT count(*) FROM pict_repo.proxies WHERE accessed < '1991-01-01') AS in_table
FROM alias_walk;
-- the walk is in key order: the access time, then the digest of the URL
-- (1.3: the index holds the digest, whatever the URL's length)
SELECT bool_and(ok) AS ordered FROM (
    SELECT (accessed, d) > (lag(accessed) OVER w, lag(d) OVER w) IS NOT FALSE AS ok
    FROM (SELECT *, pict_repo.text_digest(url) AS d FROM alias_walk) a
    WINDOW w AS (ORDER BY page, accessed, d)) s;

CREATE TEMP TABLE variant_walk (page int, hash bytea, variant text, accessed timestamptz);
DO $$
DECLARE
    p int := 0;
    last_accessed timestamptz;
    last_hash bytea;
    last_variant text;
BEGIN
    LOOP
        p := p + 1;
        INSERT INTO variant_walk
        SELECT p, o.* FROM pict_repo.older_variants('1991-01-01', 4, last_accessed, last_hash, last_variant) o;
        EXIT WHEN NOT FOUND;
        SELECT w.accessed, w.hash, w.variant INTO last_accessed, last_hash, last_variant
        FROM variant_walk w WHERE w.page = p
        ORDER BY w.accessed DESC, w.hash DESC, w.variant DESC LIMIT 1;
    END LOOP;
END
$$;
SELECT count(*) AS rows, count(DISTINCT (hash, variant)) AS distinct_variants, max(page) AS pages,
       (SELECT count(*) FROM pict_repo.variants WHERE accessed < '1991-01-01') AS in_table
FROM variant_walk;
SELECT bool_and(ok) AS ordered FROM (
    SELECT (accessed, hash, variant) > (lag(accessed) OVER w, lag(hash) OVER w, lag(variant) OVER w) IS NOT FALSE AS ok
    FROM variant_walk WINDOW w AS (ORDER BY page, accessed, hash, variant)) s;

-- The row of the key deleted between two pages: the next page starts right
-- after where it was.
SELECT url FROM pict_repo.older_aliases('1990-12-01', 3, '1990-06-01 00:00:00+00', 'https://proxy.example/many/1');
-- (many/30 is the second URL of that page in digest order)
DELETE FROM pict_repo.proxies WHERE url = 'https://proxy.example/many/30';
SELECT url FROM pict_repo.older_aliases('1990-12-01', 3, '1990-06-01 00:00:00+00', 'https://proxy.example/many/30');
SELECT hash, variant FROM pict_repo.older_variants('1990-12-01', 3, '1990-06-01 00:00:00+00', '\xb2', 'v8');
DELETE FROM pict_repo.variants WHERE hash = '\xb2' AND variant = 'v9';
SELECT hash, variant FROM pict_repo.older_variants('1990-12-01', 3, '1990-06-01 00:00:00+00', '\xb2', 'v9');
-- and a key that never existed works the same way
SELECT hash, variant FROM pict_repo.older_variants('1990-12-01', 2, '1990-06-01 00:00:00+00', '\xb1', 'v55');

-- the pages read the indexes on the sort keys
SET enable_seqscan = off;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT alias, url, accessed FROM pict_repo.proxies
WHERE accessed < '1991-01-01' AND (accessed, url_digest) > ('1990-01-01', pict_repo.text_digest('x'))
ORDER BY accessed, url_digest LIMIT 4;
EXPLAIN (COSTS OFF) SELECT hash, variant, accessed FROM pict_repo.variants
WHERE accessed < '1991-01-01' AND (accessed, hash, variant) > ('1990-01-01', '\xb1', 'x') ORDER BY accessed, hash, variant LIMIT 4;
RESET enable_seqscan;
RESET enable_sort;
RESET TimeZone;

-- leave the database as it was found
DELETE FROM pict_repo.variants WHERE hash IN ('\xb1', '\xb2', '\xb3');
DELETE FROM pict_repo.aliases WHERE hash IN ('\xb1', '\xb2', '\xb3');
DELETE FROM pict_repo.hashes WHERE hash IN ('\xb1', '\xb2', '\xb3');
