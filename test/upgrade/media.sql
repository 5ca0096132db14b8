-- media.sql: the file service's columns and table after the update from a
-- filled 1.0 repository (fill.sql): every alias kept its rows (data.sql)
-- and got the defaults of the metadata and the copies of its original's
-- details; the usage totals count every alias; alias_tags is empty (no
-- upload had tags), and the tags then given to a kept alias go through it
-- as any other's.  Prints one line, "ok", or what is wrong.
SET client_min_messages = warning;
SELECT CASE
    WHEN (SELECT count(*) FROM pict_repo.aliases
           WHERE owner IS NOT NULL OR tags <> '{}' OR access <> 'public' OR upload_bytes IS NOT NULL) > 0
        THEN 'an alias got metadata it never had'
    -- three.png was ingested with {"width": 3}; one.png's original got
    -- {"width": 1, "height": 1} from relate_details; two.png's has none.
    WHEN (SELECT string_agg(format('%s:%s:%s', alias, width, height), ' ' ORDER BY alias)
            FROM pict_repo.aliases) IS DISTINCT FROM 'one.png:1:1 three.png:3: two.png::'
        THEN 'the copies of the details: ' || (SELECT string_agg(format('%s:%s:%s', alias, width, height), ' ' ORDER BY alias)
                                                 FROM pict_repo.aliases)
    WHEN (SELECT ARRAY[uploads, bytes] FROM pict_repo.usage_report())
         IS DISTINCT FROM ARRAY[(SELECT count(*) FROM pict_repo.aliases), 0]
        THEN 'the totals: ' || (SELECT format('%s/%s', uploads, bytes) FROM pict_repo.usage_report())
    WHEN (SELECT count(*) FROM pict_repo.list_media()) <> (SELECT count(*) FROM pict_repo.aliases)
        THEN 'list_media does not list every alias'
    WHEN (SELECT count(*) FROM pict_repo.alias_tags) <> 0
        THEN 'alias_tags has rows, and no upload had tags'
    ELSE 'ok' END AS kept \gset
SELECT pict_repo.add_tags('two.png', '{up-a,up-b}') AS tagged \gset
SELECT CASE
    WHEN :'kept' <> 'ok' THEN :'kept'
    WHEN :'tagged' <> '{up-a,up-b}' THEN 'add_tags on a kept alias: ' || :'tagged'
    WHEN (SELECT string_agg(alias, ' ') FROM pict_repo.list_media('{"tags_all": ["up-b", "up-a"]}'))
         IS DISTINCT FROM 'two.png'
        THEN 'list_media does not find a kept alias by its new tags'
    WHEN (SELECT string_agg(tag, ' ' ORDER BY tag) FROM pict_repo.alias_tags a
            JOIN pict_repo.aliases USING (alias, created_at) WHERE alias = 'two.png')
         IS DISTINCT FROM 'up-a up-b'
        THEN 'alias_tags of a kept alias: ' || (SELECT string_agg(tag, ' ') FROM pict_repo.alias_tags)
    WHEN pict_repo.remove_tags('two.png', '{up-a,up-b}') <> '{}' THEN 'remove_tags on a kept alias'
    ELSE 'ok' END;
