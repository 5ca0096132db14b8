-- media.sql: the file service's columns and table after the update from a
-- filled 1.0 repository (fill.sql): every alias kept its rows (data.sql)
-- and got the defaults of the metadata and the copies of its original's
-- details; the usage totals count every alias.  Prints one line, "ok", or
-- what is wrong.
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
    ELSE 'ok' END;
