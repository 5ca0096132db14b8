-- The indexes of list_media at scale: 100,000 uploads of 1,000 owners,
-- loaded with one INSERT ... SELECT per table, then every filter
-- (each key alone, and the combinations owner + content_type,
-- owner + created_after, owner + tags_all, tags_any + content_type,
-- access + min_width) is planned by list_media_explain, which plans the
-- query of list_media the way list_media does.  None may plan a
-- sequential scan; the index each one uses is listed (README, "Which index
-- serves which filter").
SET client_min_messages = warning;
DROP EXTENSION pict_repo;
CREATE EXTENSION pict_repo;
-- Statistics from every row (a sample of 120,000 >= 100,000), and no
-- autovacuum ANALYZE with a smaller sample in between: the plans are the
-- same on every run.
ALTER TABLE pict_repo.aliases SET (autovacuum_enabled = false);
ALTER TABLE pict_repo.hashes SET (autovacuum_enabled = false);
ALTER TABLE pict_repo.alias_tags SET (autovacuum_enabled = false);

INSERT INTO pict_repo.hashes (hash, identifier, created_at)
SELECT sha256(int8send(g)), 'plan/' || g, '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 second'
  FROM generate_series(1, 100000) g;
-- Three uploads per second; 1,000 owners; 10% private; eight types; 5%
-- animated; tags: cat on every 7th, dog on every 11th, few on every 211th
-- (473: under the 1,000 rows list_media counts), rare on every 97th, and
-- one of tag0..tag49 on each.
INSERT INTO pict_repo.aliases (alias, hash, token, created_at, owner, tags, access,
                               content_type, width, height, frames, media_bytes)
SELECT 'p' || g || '.png', sha256(int8send(g)), 'tok' || g,
       '2026-01-01 00:00:00+00'::timestamptz + (g / 3) * interval '1 second',
       'owner' || (g % 1000),
       -- in byte order already, as list_media's tags are kept
       array_remove(ARRAY[CASE WHEN g % 7 = 0 THEN 'cat' END,
                          CASE WHEN g % 11 = 0 THEN 'dog' END,
                          CASE WHEN g % 211 = 0 THEN 'few' END,
                          CASE WHEN g % 97 = 0 THEN 'rare' END,
                          'tag' || (g % 50)], NULL),
       CASE WHEN g % 10 = 0 THEN 'private' ELSE 'public' END,
       CASE g % 20 WHEN 0 THEN 'video/mp4' WHEN 1 THEN 'image/gif' WHEN 2 THEN 'image/webp'
                   WHEN 3 THEN 'image/jpeg' WHEN 4 THEN 'image/jpeg' ELSE 'image/png' END,
       (g * 37) % 4000 + 16, (g * 53) % 3000 + 16,
       CASE WHEN g % 20 IN (0, 1) THEN 10 ELSE 1 END,
       ((g * 37) % 4000 + 16) * ((g * 53) % 3000 + 16) / 4
  FROM generate_series(1, 100000) g;
-- The tags' rows, as the functions write them with the tags.
INSERT INTO pict_repo.alias_tags (tag, created_at, alias, content_type)
SELECT t, created_at, alias, content_type FROM pict_repo.aliases, unnest(tags) t;
SET default_statistics_target = 400;
ANALYZE pict_repo.hashes, pict_repo.aliases, pict_repo.alias_tags;
RESET default_statistics_target;

CREATE TEMP TABLE filters (ord serial, filter jsonb);
INSERT INTO filters (filter) VALUES
    ('{}'),
    ('{"owner": "owner42"}'),
    ('{"access": "private"}'),
    ('{"access": "public"}'),
    ('{"content_type": "image/png"}'),
    ('{"content_type": "video/mp4"}'),
    ('{"content_type": "image/"}'),
    ('{"content_type": "video/"}'),
    ('{"tags_all": ["cat"]}'),
    ('{"tags_all": ["cat", "dog"]}'),
    ('{"tags_any": ["rare"]}'),
    ('{"tags_any": ["cat", "dog"]}'),
    ('{"tags_all": ["cat", "rare"]}'),
    ('{"tags_any": ["rare", "cat", "tag7"]}'),
    ('{"min_width": 1000}'),
    ('{"min_width": 3990}'),
    ('{"max_width": 100}'),
    ('{"min_height": 2990}'),
    ('{"max_height": 2000}'),
    ('{"min_bytes": 2900000}'),
    ('{"max_bytes": 1000}'),
    ('{"created_after": "2026-01-01T09:00:00Z"}'),
    ('{"created_before": "2026-01-01T01:00:00Z"}'),
    ('{"animated": true}'),
    ('{"animated": false}'),
    ('{"owner": "owner42", "content_type": "image/"}'),
    ('{"owner": "owner42", "content_type": "video/mp4"}'),
    ('{"owner": "owner42", "created_after": "2026-01-01T09:00:00Z"}'),
    ('{"owner": "owner42", "tags_all": ["cat"]}'),
    ('{"tags_any": ["cat", "rare"], "content_type": "image/"}'),
    -- tags with under 1,000 uploads of the type (rare has 1,030 uploads,
    -- 51 of them video/mp4): their rows of the type, from the type's index
    ('{"tags_any": ["rare"], "content_type": "video/mp4"}'),
    ('{"tags_any": ["few"], "content_type": "video/"}'),
    ('{"tags_all": ["cat", "few"], "content_type": "image/gif"}'),
    ('{"access": "private", "min_width": 1000}'),
    ('{"access": "private", "min_width": 3990}');

-- The first page, and a page through the cursor of a row half way down.
SELECT cursor AS mid FROM pict_repo.list_media('{"created_before": "2026-01-01T05:00:00Z"}', 1) \gset
SELECT f.filter::text,
       NOT jsonb_path_exists(p.plan, 'strict $.**."Node Type" ? (@ == "Seq Scan")') AS no_seq_scan,
       NOT jsonb_path_exists(n.plan, 'strict $.**."Node Type" ? (@ == "Seq Scan")') AS no_seq_scan_after,
       (SELECT string_agg(DISTINCT x #>> '{}', ', ')
          FROM jsonb_path_query(p.plan, 'strict $.**."Index Name"') x) AS indexes
  FROM filters f,
       LATERAL (SELECT pict_repo.list_media_explain(f.filter, 100) AS plan) p,
       LATERAL (SELECT pict_repo.list_media_explain(f.filter, 100, :'mid') AS plan) n
 ORDER BY f.ord;

-- The rows are right too: each page of a filter is what a plain query over
-- the table gives (two filters of each kind of plan).
SELECT f, (SELECT array_agg(alias) FROM pict_repo.list_media(f::jsonb, 20)) =
          ARRAY(SELECT alias FROM pict_repo.aliases a
                 WHERE CASE f WHEN '{"owner": "owner42", "content_type": "image/"}'
                              THEN a.owner = 'owner42' AND a.content_type LIKE 'image/%'
                              WHEN '{"tags_any": ["rare"], "content_type": "video/mp4"}'
                              THEN a.tags && '{rare}' AND a.content_type = 'video/mp4'
                              WHEN '{"tags_any": ["few"], "content_type": "image/"}'
                              THEN a.tags && '{few}' AND a.content_type LIKE 'image/%'
                              WHEN '{"tags_all": ["cat", "few"], "content_type": "image/png"}'
                              THEN a.tags @> '{cat,few}' AND a.content_type = 'image/png'
                              WHEN '{"tags_all": ["cat", "rare"]}' THEN a.tags @> '{cat,rare}'
                              WHEN '{"tags_any": ["rare", "cat", "tag7"]}'
                              THEN a.tags && '{rare,cat,tag7}'
                              WHEN '{"owner": "owner42", "tags_all": ["cat"]}'
                              THEN a.owner = 'owner42' AND a.tags @> '{cat}'
                              WHEN '{"min_width": 3990}' THEN a.width >= 3990
                              ELSE a.frames > 1 END
                 ORDER BY created_at DESC, alias DESC LIMIT 20) AS same_rows
  FROM unnest(ARRAY['{"owner": "owner42", "content_type": "image/"}',
                    '{"tags_any": ["rare"], "content_type": "video/mp4"}',
                    '{"tags_any": ["few"], "content_type": "image/"}',
                    '{"tags_all": ["cat", "few"], "content_type": "image/png"}',
                    '{"tags_all": ["cat", "rare"]}', '{"tags_any": ["rare", "cat", "tag7"]}',
                    '{"owner": "owner42", "tags_all": ["cat"]}',
                    '{"min_width": 3990}', '{"animated": true}']) f;

DROP EXTENSION pict_repo;
CREATE EXTENSION pict_repo;
