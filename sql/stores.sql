-- Storage tiers: stores, copies, moves that never lose the last original,
-- keyset pages of a store, and the totals of storage_report() against a
-- GROUP BY over copies after every step that changes them.  Happy paths
-- and errors side by side.  Uses its own hashes (\x5e..) and removes
-- everything at the end.  Concurrent removers, adders and the exactness of
-- the totals under concurrency: test/isolation/specs/tier_*.spec.
SET client_min_messages = warning;

-- storage_report() equals a GROUP BY scan of copies (what the totals spare).
CREATE FUNCTION regress.report_is_exact() RETURNS boolean
LANGUAGE sql AS $$
    SELECT NOT EXISTS (
        (SELECT store, form, copies, bytes FROM pict_repo.storage_report() WHERE copies > 0
         EXCEPT
         SELECT s.name, c.form, count(*), sum(c.bytes)::bigint
           FROM pict_repo.copies c JOIN pict_repo.stores s ON s.id = c.store_id
          GROUP BY s.name, c.form)
        UNION ALL
        (SELECT s.name, c.form, count(*), sum(c.bytes)::bigint
           FROM pict_repo.copies c JOIN pict_repo.stores s ON s.id = c.store_id
          GROUP BY s.name, c.form
         EXCEPT
         SELECT store, form, copies, bytes FROM pict_repo.storage_report() WHERE copies > 0))
$$;
-- 4,096 characters that do not compress (random hex and two-byte letters,
-- 5,120 bytes): too long for a btree entry, fine through text_digest.
CREATE FUNCTION regress.long_text(seed text) RETURNS text
LANGUAGE sql AS $$
    SELECT string_agg(substr(md5(seed || i), 1, 3) || chr(1024 + get_byte(decode(md5(i || seed), 'hex'), 0)), '')
      FROM generate_series(1, 1024) i
$$;

-- ---- create_store, stores, drop_store ----------------------------------------
SELECT pict_repo.create_store('active', 'file', 0, '/srv/media/active') > 0 AS created;
SELECT pict_repo.create_store('online', 'object', 1, 's3://media-private/', 'not public') > 0 AS created;
SELECT pict_repo.create_store('archive', 'archive', 2, 'tape://vault-1') > 0 AS created;
SELECT pict_repo.create_store('archive-b', 'archive', 2, 'tape://vault-2') > 0 AS created;
SELECT pict_repo.create_store('active', 'object', 5, 's3://elsewhere');       -- name taken: NULL
SELECT regress.error_of($$SELECT pict_repo.create_store('other', 'file', 0, '/srv/media/active')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('rel', 'file', 0, 'srv/media')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('tape', 'tape', 0, '/srv/t')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('neg', 'file', -1, '/srv/n')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('', 'file', 0, '/srv/e')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store(repeat('n', 65), 'file', 0, '/srv/e')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store(NULL, 'file', 0, '/srv/e')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('x', NULL, 0, '/srv/e')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('x', 'file', NULL, '/srv/e')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('x', 'file', 0, NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('x', 'file', 0, '')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('x', 'file', 0, '/' || repeat('l', 4096))$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('x', 'file', 0, '/srv/x', '')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('x', 'file', 0, '/srv/x', repeat('n', 4097))$$);
-- the longest location that does not compress, and one character more
SELECT pict_repo.create_store('long', 'object', 9, regress.long_text('loc')) > 0 AS created;
SELECT regress.error_of($$SELECT pict_repo.create_store('long2', 'object', 9, regress.long_text('loc') || 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.create_store('long3', 'object', 9, regress.long_text('loc'))$$);
SELECT name, char_length(location) AS chars, octet_length(location) AS bytes
  FROM pict_repo.stores() WHERE name = 'long';
SELECT pict_repo.drop_store('long');
SELECT name, kind, priority, location, notes, copies, bytes FROM pict_repo.stores();
SELECT pict_repo.drop_store('no-such-store');
SELECT regress.error_of($$SELECT pict_repo.drop_store(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.drop_store('')$$);

-- ---- add_copy, copies, best_copy -----------------------------------------------
SELECT pict_repo.create_hash('\x5e01', 'pictrs/1.png');
SELECT pict_repo.create_hash('\x5e02', 'pictrs/2.png');
SELECT pict_repo.create_hash('\x5e03', 'pictrs/3.png');
SELECT pict_repo.add_copy('\x5e01', 'active', 'original', 'a/1.png', 1000);
SELECT pict_repo.add_copy('\x5e01', 'active', 'webp-640x480', 'a/1-640.webp', 100);
SELECT pict_repo.add_copy('\x5e01', 'archive', 'original', 'v/1.png', 1000);
SELECT pict_repo.add_copy('\x5e01', 'archive-b', 'original', 'v/1.png', 1000);  -- same name, other store
SELECT pict_repo.add_copy('\x5e01', 'archive-b', 'gzip-9', 'v/1.png.gz', 700);
SELECT pict_repo.add_copy('\x5e02', 'active', 'original', 'a/2.png', 2000);
SELECT pict_repo.add_copy('\x5e02', 'online', 'original', 'o/2.png', 2000);
SELECT pict_repo.add_copy('\x5e01', 'active', 'original', 'a/1-again.png', 1);  -- exists: false
SELECT regress.report_is_exact();
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', 'active', 'original', 'a/1.png', 5)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5eff', 'active', 'original', 'a/ff.png', 5)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', 'no-such-store', 'original', 'a/3.png', 5)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', 'active', 'original', 'a/3.png', -1)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', 'active', 'original', 'a/3.png', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', 'active', '', 'a/3.png', 5)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', 'active', repeat('f', 65), 'a/3.png', 5)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', 'active', 'original', '', 5)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', 'active', 'original', NULL, 5)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x', 'active', 'original', 'a/3.png', 5)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', '', 'original', 'a/3.png', 5)$$);
-- the longest identifier that does not compress, and one character more
SELECT pict_repo.add_copy('\x5e03', 'archive', 'original', regress.long_text('id'), 5);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', 'archive', 'original', regress.long_text('id') || 'x', 5)$$);
SELECT regress.error_of($$SELECT pict_repo.add_copy('\x5e03', 'archive', 'gzip-9', regress.long_text('id'), 5)$$);
SELECT pict_repo.add_copy('\x5e03', 'archive-b', 'original', regress.long_text('id'), 5);  -- other store: fine
SELECT char_length(identifier) AS chars, octet_length(identifier) AS bytes
  FROM pict_repo.copies('\x5e03') WHERE store = 'archive';
-- nothing of the failed calls was written
SELECT count(*) FROM pict_repo.copies WHERE hash IN ('\x5e01', '\x5e02', '\x5e03');

-- most accessible first: priority, store name, form
SELECT store, kind, priority, form, identifier, bytes FROM pict_repo.copies('\x5e01');
SELECT * FROM pict_repo.copies('\x5eff');                                   -- no rows
SELECT regress.error_of($$SELECT * FROM pict_repo.copies(NULL)$$);
SELECT * FROM pict_repo.best_copy('\x5e01');                                -- original, priority 0
SELECT * FROM pict_repo.best_copy('\x5e01', 'gzip-9');
SELECT * FROM pict_repo.best_copy('\x5e01', 'webp-1920x1440');              -- none: no row
SELECT * FROM pict_repo.best_copy('\x5eff');
SELECT regress.error_of($$SELECT * FROM pict_repo.best_copy('\x5e01', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.best_copy('\x5e01', '')$$);

-- ---- remove_copy: never the last original ---------------------------------------
SELECT pict_repo.remove_copy('\x5e01', 'active', 'webp-640x480');           -- the file to delete
SELECT pict_repo.remove_copy('\x5e01', 'active', 'webp-640x480');           -- gone: NULL
SELECT pict_repo.remove_copy('\x5e01', 'no-such-store', 'original');        -- NULL
SELECT pict_repo.remove_copy('\x5eff', 'active', 'original');               -- unknown hash: NULL
SELECT pict_repo.remove_copy('\x5e01', 'active', 'original');               -- two more originals
SELECT pict_repo.remove_copy('\x5e01', 'archive', 'original');              -- one more
SELECT regress.error_of($$SELECT pict_repo.remove_copy('\x5e01', 'archive-b', 'original')$$);
SELECT store, form, identifier FROM pict_repo.copies('\x5e01');             -- still there
SELECT pict_repo.remove_copy('\x5e01', 'archive-b', 'gzip-9');              -- derived forms go freely
SELECT regress.report_is_exact();
SELECT regress.error_of($$SELECT pict_repo.remove_copy(NULL, 'active', 'original')$$);
SELECT regress.error_of($$SELECT pict_repo.remove_copy('\x5e01', NULL, 'original')$$);
SELECT regress.error_of($$SELECT pict_repo.remove_copy('\x5e01', 'active', NULL)$$);

-- ---- move_copy ----------------------------------------------------------------------
-- the last original moves: recorded at the target, forgotten at the source
SELECT pict_repo.move_copy('\x5e01', 'original', 'archive-b', 'archive', 'v/1-moved.png');
SELECT store, form, identifier, bytes FROM pict_repo.copies('\x5e01');
SELECT regress.report_is_exact();
-- no such copy at the source, or one at the target already: NULL, nothing changes
SELECT pict_repo.move_copy('\x5e01', 'original', 'archive-b', 'active', 'a/1.png');
SELECT pict_repo.move_copy('\x5e02', 'original', 'active', 'online', 'o/2-bis.png');
SELECT store, identifier FROM pict_repo.copies('\x5e02');
SELECT pict_repo.move_copy('\x5e01', 'original', 'no-such-store', 'active', 'a/1.png');
SELECT regress.error_of($$SELECT pict_repo.move_copy('\x5e01', 'original', 'archive', 'no-such-store', 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.move_copy('\x5e01', 'original', 'archive', 'archive', 'x')$$);
-- the new identifier is another copy's file in the target store
SELECT regress.error_of($$SELECT pict_repo.move_copy('\x5e01', 'original', 'archive', 'active', 'a/2.png')$$);
SELECT store, identifier FROM pict_repo.copies('\x5e01');
SELECT regress.error_of($$SELECT pict_repo.move_copy('\x5e01', 'original', 'archive', 'active', '')$$);
SELECT regress.error_of($$SELECT pict_repo.move_copy('\x5e01', 'original', 'archive', 'active', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.move_copy('\x5e01', NULL, 'archive', 'active', 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.move_copy('\x5e01', 'original', NULL, 'active', 'x')$$);
SELECT regress.error_of($$SELECT pict_repo.move_copy('\x5e01', 'original', 'archive', NULL, 'x')$$);
-- a copy may keep its identifier when it moves to another store
SELECT pict_repo.move_copy('\x5e02', 'original', 'online', 'archive', 'o/2.png');
SELECT regress.report_is_exact();

-- ---- copies_in_store: keyset pages -----------------------------------------------
INSERT INTO pict_repo.hashes (hash, identifier)
SELECT decode('5e10' || lpad(to_hex(i), 4, '0'), 'hex'), 'pictrs/p' || i FROM generate_series(1, 7) i;
SELECT count(*) FILTER (WHERE pict_repo.add_copy(h, 'online', f, 'p/' || encode(h, 'hex') || '.' || f, 10))
  FROM (SELECT decode('5e10' || lpad(to_hex(i), 4, '0'), 'hex') AS h FROM generate_series(1, 7) i) x,
       unnest(ARRAY['original', 'webp-640x480', 'gzip-9']) f;
SELECT * FROM pict_repo.copies_in_store('online', NULL, 4);
SELECT * FROM pict_repo.copies_in_store('online', NULL, 4, '\x5e100002', 'original');
SELECT * FROM pict_repo.copies_in_store('online', NULL, 4, '\x5e100003', 'original');
SELECT * FROM pict_repo.copies_in_store('online', 'webp-640x480', 3);
SELECT * FROM pict_repo.copies_in_store('online', 'webp-640x480', 3, '\x5e100003', 'webp-640x480');
-- the key need not exist: strictly after it in (hash, form) order
SELECT * FROM pict_repo.copies_in_store('online', 'webp-640x480', 2, '\x5e100005', 'a');
SELECT * FROM pict_repo.copies_in_store('online', 'webp-640x480', 2, '\x5e100005', 'z');
SELECT * FROM pict_repo.copies_in_store('online', NULL, 2, '\x5e100007', 'webp-640x480');  -- past the end
-- walking the whole store a page of 2 at a time gives every copy once, in order
CREATE FUNCTION regress.walk(store text, form text, lim int)
RETURNS TABLE (n int, hash bytea, form_ text) LANGUAGE plpgsql AS $$
DECLARE
    k_hash bytea;
    k_form text;
    r record;
    got int;
BEGIN
    n := 0;
    LOOP
        got := 0;
        FOR r IN SELECT * FROM pict_repo.copies_in_store(store, form, lim, k_hash, k_form) LOOP
            n := n + 1; hash := r.hash; form_ := r.form; got := got + 1;
            k_hash := r.hash; k_form := r.form;
            RETURN NEXT;
        END LOOP;
        EXIT WHEN got < lim;
    END LOOP;
END
$$;
SELECT (SELECT array_agg(hash || convert_to(form_, 'UTF8') ORDER BY n) FROM regress.walk('online', NULL, 2))
     = (SELECT array_agg(c.hash || convert_to(c.form, 'UTF8') ORDER BY c.hash, c.form)
          FROM pict_repo.copies c JOIN pict_repo.stores s ON s.id = c.store_id WHERE s.name = 'online')
       AS every_copy_once_in_order;
SELECT (SELECT array_agg(hash ORDER BY n) FROM regress.walk('online', 'gzip-9', 3))
     = (SELECT array_agg(c.hash ORDER BY c.hash)
          FROM pict_repo.copies c JOIN pict_repo.stores s ON s.id = c.store_id
         WHERE s.name = 'online' AND c.form = 'gzip-9')
       AS every_gzip_once_in_order;
SELECT * FROM pict_repo.copies_in_store('no-such-store');                   -- no rows
SELECT regress.error_of($$SELECT * FROM pict_repo.copies_in_store('online', NULL, 2, '\x5e100001', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.copies_in_store('online', NULL, 2, NULL, 'original')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.copies_in_store('online', NULL, 0)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.copies_in_store('online', NULL, 10001)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.copies_in_store('online', NULL, NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.copies_in_store('online', '')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.copies_in_store(NULL)$$);

-- ---- storage_report ---------------------------------------------------------------------
SELECT * FROM pict_repo.storage_report();
SELECT regress.report_is_exact();
-- rolled back work leaves the totals as they were, savepoints included
BEGIN;
SELECT pict_repo.add_copy('\x5e03', 'active', 'webp-640x480', 'a/3.webp', 30);
SAVEPOINT s;
SELECT pict_repo.add_copy('\x5e03', 'active', 'gzip-9', 'a/3.gz', 40);
SELECT pict_repo.remove_copy('\x5e03', 'active', 'webp-640x480');
ROLLBACK TO SAVEPOINT s;
SELECT pict_repo.add_copy('\x5e03', 'active', 'webp-1920x1440', 'a/3-big.webp', 50);
SELECT regress.report_is_exact();
COMMIT;
SELECT regress.report_is_exact();
BEGIN;
SELECT pict_repo.remove_copy('\x5e03', 'active', 'webp-1920x1440');
ROLLBACK;
SELECT store, form, copies, bytes FROM pict_repo.storage_report() WHERE store = 'active';
SELECT regress.report_is_exact();

-- ---- drop_store while it holds copies ------------------------------------------------------
SELECT regress.error_of($$SELECT pict_repo.drop_store('online')$$);
SELECT name, copies, bytes FROM pict_repo.stores() WHERE name = 'online';

-- ---- cleanup_hash: the hash's own files, then every copy with its store ----------------
SELECT pict_repo.relate_variant('\x5e01', 'thumb', 'pictrs/1-thumb.webp');
SELECT store, form, identifier FROM pict_repo.copies('\x5e01');
SELECT pict_repo.add_copy('\x5e01', 'active', 'webp-640x480', 'a/1-640.webp', 100);
SELECT * FROM pict_repo.cleanup_hash('\x5e01');
SELECT count(*) FROM pict_repo.copies('\x5e01');                             -- none left
SELECT * FROM pict_repo.cleanup_hash('\x5e01');                              -- unknown: no rows
SELECT regress.report_is_exact();
-- column 1 is the identifier, for callers that read the first column
SELECT identifier FROM pict_repo.cleanup_hash('\x5e02') ORDER BY store NULLS FIRST;

-- ---- clean up ---------------------------------------------------------------------------
SELECT count(*) FROM pict_repo.cleanup_hash('\x5e03');
SELECT count(*) FROM (SELECT pict_repo.cleanup_hash(hash) FROM pict_repo.hashes
                      WHERE hash >= '\x5e10' AND hash < '\x5e11') x;
SELECT bool_and(pict_repo.drop_store(name)) FROM pict_repo.stores();
SELECT count(*) AS stores, (SELECT count(*) FROM pict_repo.copies) AS copies,
       (SELECT count(*) FROM pict_repo.store_totals) AS totals
  FROM pict_repo.stores;
DROP FUNCTION regress.report_is_exact(), regress.long_text(text), regress.walk(text, text, int);
