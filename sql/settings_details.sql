-- Settings and media details: happy paths and their errors side by side.
\set VERBOSITY default
SET client_min_messages = warning;

-- settings: set, read, replace, remove
SELECT pict_repo.get_setting('store-format');                 -- unknown: NULL
SELECT pict_repo.set_setting('store-format', '\x0102'::bytea);
SELECT pict_repo.get_setting('store-format');
SELECT pict_repo.set_setting('store-format', '\x03'::bytea);  -- replaces
SELECT pict_repo.get_setting('store-format');
SELECT count(*) FROM pict_repo.settings;
SELECT pict_repo.remove_setting('store-format');
SELECT pict_repo.remove_setting('store-format');              -- already gone
SELECT pict_repo.get_setting('store-format');
-- an empty value is a value
SELECT pict_repo.set_setting('empty', '\x'::bytea);
SELECT pict_repo.get_setting('empty') = '\x'::bytea AS empty_kept;

-- settings: errors
SELECT regress.error_of($$SELECT pict_repo.set_setting(NULL, '\x01')$$);
SELECT regress.error_of($$SELECT pict_repo.set_setting('k', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.set_setting('', '\x01')$$);
SELECT regress.error_of($$SELECT pict_repo.set_setting(repeat('k', 257), '\x01')$$);
SELECT pict_repo.set_setting(repeat('é', 256), '\x01');       -- 256 characters, 512 bytes: fine
SELECT regress.error_of($$SELECT pict_repo.get_setting(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.get_setting('')$$);
SELECT regress.error_of($$SELECT pict_repo.remove_setting(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.remove_setting(repeat('k', 257))$$);
SELECT count(*) FROM pict_repo.settings;                      -- errors changed nothing

-- details: relate, read, replace, clean up
SELECT pict_repo.details('files/a.png');
SELECT pict_repo.relate_details('files/a.png', '{"width": 10, "height": 20, "format": "png"}');
SELECT pict_repo.details('files/a.png');
SELECT pict_repo.relate_details('files/a.png', '{"width": 11}');
SELECT pict_repo.details('files/a.png');
SELECT pict_repo.cleanup_details('files/a.png');
SELECT pict_repo.cleanup_details('files/a.png');
SELECT pict_repo.details('files/a.png');

-- details: errors
SELECT regress.error_of($$SELECT pict_repo.relate_details(NULL, '{}')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_details('x', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.relate_details('', '{}')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_details(repeat('x', 4097), '{}')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_details('x', 'not json')$$);
SELECT regress.error_of($$SELECT pict_repo.details(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.cleanup_details(repeat('x', 4097))$$);
SELECT count(*) FROM pict_repo.details;

-- version: C and SQL agree
SELECT pict_repo.version() = extversion AS version_matches
  FROM pg_catalog.pg_extension WHERE extname = 'pict_repo';
