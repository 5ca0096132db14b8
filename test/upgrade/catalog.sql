-- catalog.sql: everything the catalog says about extension pict_repo, one
-- sorted line per fact, with names instead of OIDs, so that two databases
-- (one updated from 1.0, one installed fresh) can be compared with diff.
SET client_min_messages = warning;
\pset format unaligned
\pset tuples_only on

WITH ext AS (
    SELECT * FROM pg_catalog.pg_extension WHERE extname = 'pict_repo'
), members AS (
    SELECT d.classid, d.objid, d.objsubid
      FROM pg_catalog.pg_depend d, ext
     WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
       AND d.refobjid = ext.oid AND d.deptype = 'e'
), rels AS (
    SELECT c.* FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'pict_repo'::pg_catalog.regnamespace
), procs AS (
    SELECT p.* FROM pg_catalog.pg_proc p
     WHERE p.pronamespace = 'pict_repo'::pg_catalog.regnamespace
)
SELECT line FROM (
    -- the extension
    SELECT pg_catalog.format('extension %s version=%s relocatable=%s owner=%s config=%s condition=%s',
               e.extname, e.extversion, e.extrelocatable, e.extowner::pg_catalog.regrole,
               (SELECT pg_catalog.array_agg(c::pg_catalog.regclass::text ORDER BY c::pg_catalog.regclass::text)
                  FROM pg_catalog.unnest(e.extconfig) c),
               e.extcondition) AS line
      FROM ext e
    UNION ALL
    -- its members
    SELECT 'member ' || pg_catalog.pg_describe_object(classid, objid, objsubid) FROM members
    UNION ALL
    -- the schema
    SELECT pg_catalog.format('schema %s owner=%s acl=%s', n.nspname, n.nspowner::pg_catalog.regrole, n.nspacl)
      FROM pg_catalog.pg_namespace n WHERE n.nspname = 'pict_repo'
    UNION ALL
    -- relations
    SELECT pg_catalog.format('relation %s kind=%s persistence=%s owner=%s options=%s acl=%s rls=%s',
               c.relname, c.relkind, c.relpersistence, c.relowner::pg_catalog.regrole,
               c.reloptions, c.relacl, c.relrowsecurity)
      FROM rels c
    UNION ALL
    -- columns
    SELECT pg_catalog.format('column %s.%s #%s type=%s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s',
               c.relname, a.attname, a.attnum, pg_catalog.format_type(a.atttypid, a.atttypmod),
               a.attnotnull, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attidentity,
               a.attgenerated, a.attcollation::pg_catalog.regcollation, a.attacl)
      FROM rels c
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    UNION ALL
    -- indexes
    SELECT pg_catalog.format('index %s: %s', c.relname, pg_catalog.pg_get_indexdef(c.oid))
      FROM rels c WHERE c.relkind IN ('i', 'I')
    UNION ALL
    -- constraints
    SELECT pg_catalog.format('constraint %s on %s: %s deferrable=%s deferred=%s',
               co.conname, co.conrelid::pg_catalog.regclass, pg_catalog.pg_get_constraintdef(co.oid),
               co.condeferrable, co.condeferred)
      FROM pg_catalog.pg_constraint co
     WHERE co.connamespace = 'pict_repo'::pg_catalog.regnamespace
    UNION ALL
    -- triggers (not the internal ones of foreign keys: their names hold
    -- OIDs, and the constraints above cover them)
    SELECT pg_catalog.format('trigger %s', pg_catalog.pg_get_triggerdef(t.oid))
      FROM pg_catalog.pg_trigger t JOIN rels c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal
    UNION ALL
    -- sequences
    SELECT pg_catalog.format('sequence %s type=%s start=%s increment=%s min=%s max=%s cycle=%s',
               s.seqrelid::pg_catalog.regclass, s.seqtypid::pg_catalog.regtype, s.seqstart,
               s.seqincrement, s.seqmin, s.seqmax, s.seqcycle)
      FROM pg_catalog.pg_sequence s JOIN rels c ON c.oid = s.seqrelid
    UNION ALL
    -- types (enum labels in their order)
    SELECT pg_catalog.format('type %s kind=%s owner=%s acl=%s labels=%s',
               t.typname, t.typtype, t.typowner::pg_catalog.regrole, t.typacl,
               (SELECT pg_catalog.array_agg(en.enumlabel ORDER BY en.enumsortorder)
                  FROM pg_catalog.pg_enum en WHERE en.enumtypid = t.oid))
      FROM pg_catalog.pg_type t
     WHERE t.typnamespace = 'pict_repo'::pg_catalog.regnamespace
    UNION ALL
    -- functions: signature, definition, properties, privileges
    SELECT pg_catalog.format('function %s(%s) returns %s kind=%s language=%s src=%s bin=%s config=%s '
                             'volatile=%s secdef=%s strict=%s parallel=%s leakproof=%s cost=%s rows=%s '
                             'owner=%s acl=%s',
               p.proname, pg_catalog.pg_get_function_arguments(p.oid),
               pg_catalog.pg_get_function_result(p.oid), p.prokind, l.lanname, p.prosrc,
               p.probin, p.proconfig, p.provolatile, p.prosecdef, p.proisstrict, p.proparallel,
               p.proleakproof, p.procost, p.prorows, p.proowner::pg_catalog.regrole, p.proacl)
      FROM procs p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
    UNION ALL
    -- operators, casts, aggregates would be members above; comments:
    SELECT pg_catalog.format('comment %s: %s',
               pg_catalog.pg_describe_object(m.classid, m.objid, m.objsubid),
               pg_catalog.obj_description(m.objid, (SELECT relname FROM pg_catalog.pg_class
                                                    WHERE oid = m.classid)))
      FROM members m
     WHERE pg_catalog.obj_description(m.objid, (SELECT relname FROM pg_catalog.pg_class
                                                WHERE oid = m.classid)) IS NOT NULL
    UNION ALL
    -- the privileges pg_dump treats as the extension's own
    SELECT pg_catalog.format('initprivs %s %s: %s',
               pg_catalog.pg_describe_object(i.classoid, i.objoid, i.objsubid), i.privtype, i.initprivs)
      FROM pg_catalog.pg_init_privs i, members m
     WHERE i.classoid = m.classid AND i.objoid = m.objid
) facts
ORDER BY line COLLATE "C";
