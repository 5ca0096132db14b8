-- Aliases and proxies: create, look up, delete with and without a token,
-- relate proxied URLs.  Happy paths and errors side by side.  The hashes are
-- inserted directly (byte values \xa1.. are this file's own) and everything
-- is removed again at the end.
SET client_min_messages = warning;

INSERT INTO pict_repo.hashes (hash, identifier)
VALUES ('\xa1', 'aliases/a1'), ('\xa2', 'aliases/a2'), ('\xa3', 'aliases/a3');

-- create_alias_with_token: a given token is stored and returned
SELECT pict_repo.create_alias_with_token('a1-one.png', '\xa1', 'tok-one');
SELECT pict_repo.create_alias_with_token('a1-two.png', '\xa1', 'tok-two');
-- without a token a random UUID string is generated
SELECT pict_repo.create_alias_with_token('a1-three.png', '\xa1') ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' AS uuid_token;
SELECT pict_repo.create_alias_with_token('a1-three.png', '\xa1') IS NULL AS taken;
SELECT pict_repo.alias_token('a1-three.png') ~ '^[0-9a-f-]{36}$' AS stored_uuid;
SELECT pict_repo.create_alias_with_token('a1-four.png', '\xa1', NULL) <> pict_repo.create_alias_with_token('a1-five.png', '\xa1', NULL) AS tokens_differ;
-- a taken alias: NULL, whatever the hash or token, and nothing changes
SELECT pict_repo.create_alias_with_token('a1-one.png', '\xa1', 'other') IS NULL AS taken;
SELECT pict_repo.create_alias_with_token('a1-one.png', '\xa2', 'other') IS NULL AS taken;
SELECT alias, hash, token FROM pict_repo.aliases WHERE alias = 'a1-one.png';
SELECT pict_repo.create_alias_with_token('a2-one.png', '\xa2', 'tok-a2');
-- an unknown hash: 23503, nothing stored
SELECT regress.error_of($$SELECT pict_repo.create_alias_with_token('ax.png', '\xa9', 't')$$);
SELECT pict_repo.alias_hash('ax.png') IS NULL AS not_stored;
-- argument errors: 22023 naming the argument
SELECT regress.error_of($$SELECT pict_repo.create_alias_with_token(NULL, '\xa1', 't')$$);
SELECT regress.error_of($$SELECT pict_repo.create_alias_with_token('', '\xa1', 't')$$);
SELECT regress.error_of($$SELECT pict_repo.create_alias_with_token(repeat('x', 257), '\xa1', 't')$$);
SELECT regress.error_of($$SELECT pict_repo.create_alias_with_token(repeat('x', 256), '\xa9', 't')$$);  -- 256 is allowed
SELECT regress.error_of($$SELECT pict_repo.create_alias_with_token('x.png', NULL, 't')$$);
SELECT regress.error_of($$SELECT pict_repo.create_alias_with_token('x.png', '', 't')$$);
SELECT regress.error_of($$SELECT pict_repo.create_alias_with_token('x.png', decode(repeat('ab', 129), 'hex'), 't')$$);
SELECT regress.error_of($$SELECT pict_repo.create_alias_with_token('x.png', '\xa1', '')$$);
SELECT regress.error_of($$SELECT pict_repo.create_alias_with_token('x.png', '\xa1', repeat('t', 257))$$);
SELECT pict_repo.alias_hash('x.png') IS NULL AS not_stored;

-- alias_hash, alias_token, aliases_for_hash
SELECT pict_repo.alias_hash('a1-one.png'), pict_repo.alias_token('a1-one.png');
SELECT pict_repo.alias_hash('nope.png') IS NULL AS unknown_hash,
       pict_repo.alias_token('nope.png') IS NULL AS unknown_token;
SELECT pict_repo.aliases_for_hash('\xa1');
SELECT * FROM pict_repo.aliases_for_hash('\xa2');
SELECT count(*) FROM pict_repo.aliases_for_hash('\xa3');   -- no aliases
SELECT count(*) FROM pict_repo.aliases_for_hash('\xa9');   -- no such hash
SELECT regress.error_of($$SELECT pict_repo.alias_hash(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.alias_hash('')$$);
SELECT regress.error_of($$SELECT pict_repo.alias_token(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.alias_token(repeat('x', 257))$$);
SELECT regress.error_of($$SELECT pict_repo.aliases_for_hash(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.aliases_for_hash('')$$);

-- relate_url, related, remove_relation
SELECT pict_repo.relate_url('https://example.com/one.png', 'a1-one.png');
SELECT pict_repo.relate_url('https://example.com/one-b.png', 'a1-one.png');
SELECT pict_repo.relate_url('https://example.com/two.png', 'a1-two.png');
SELECT pict_repo.relate_url('https://example.com/one.png', 'a1-two.png');   -- URL taken: false
SELECT pict_repo.related('https://example.com/one.png');
SELECT pict_repo.related('https://example.com/two.png');
SELECT pict_repo.related('https://example.com/none.png') IS NULL AS unrelated;
SELECT regress.error_of($$SELECT pict_repo.relate_url('https://example.com/x.png', 'nope.png')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_url(NULL, 'a1-one.png')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_url('', 'a1-one.png')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_url(repeat('u', 4097), 'a1-one.png')$$);
SELECT regress.error_of($$SELECT pict_repo.relate_url('https://example.com/x.png', NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.relate_url('https://example.com/x.png', '')$$);
SELECT regress.error_of($$SELECT pict_repo.related(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.related('')$$);
SELECT regress.error_of($$SELECT pict_repo.remove_relation(NULL)$$);
SELECT regress.error_of($$SELECT pict_repo.remove_relation('')$$);
SELECT url, alias FROM pict_repo.proxies WHERE alias LIKE 'a1-%' ORDER BY url;
-- remove_relation removes every proxy of the alias, and only those
SELECT pict_repo.remove_relation('a1-one.png');
SELECT pict_repo.remove_relation('a1-one.png');   -- none left: false
SELECT pict_repo.remove_relation('nope.png');
SELECT url, alias FROM pict_repo.proxies WHERE alias LIKE 'a1-%' ORDER BY url;
SELECT pict_repo.related('https://example.com/one.png') IS NULL AS unrelated;

-- delete_alias: unknown alias, no rows
SELECT * FROM pict_repo.delete_alias('nope.png', 'tok');
-- a wrong token: 28000, nothing deleted (alias and proxies stay)
SELECT regress.error_of($$SELECT * FROM pict_repo.delete_alias('a1-two.png', 'tok-one')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.delete_alias('a1-two.png', 'tok-tw')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.delete_alias('a1-two.png', 'tok-two-')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.delete_alias('a1-two.png', 'TOK-TWO')$$);
SELECT pict_repo.alias_hash('a1-two.png'), pict_repo.related('https://example.com/two.png');
-- argument errors
SELECT regress.error_of($$SELECT * FROM pict_repo.delete_alias(NULL, 'tok-two')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.delete_alias('', 'tok-two')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.delete_alias('a1-two.png', NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.delete_alias('a1-two.png', '')$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.delete_alias('a1-two.png', repeat('t', 257))$$);
SELECT pict_repo.alias_hash('a1-two.png') IS NOT NULL AS still_there;
-- the right token: deleted with its proxies; other aliases remain
SELECT * FROM pict_repo.delete_alias('a1-two.png', 'tok-two');
SELECT pict_repo.alias_hash('a1-two.png') IS NULL AS deleted,
       pict_repo.related('https://example.com/two.png') IS NULL AS proxy_deleted;
SELECT count(*) FROM pict_repo.proxies WHERE alias = 'a1-two.png';
SELECT * FROM pict_repo.delete_alias('a1-two.png', 'tok-two');   -- gone: no rows
-- a generated token works as well (read back with alias_token)
SELECT * FROM pict_repo.delete_alias('a1-three.png', pict_repo.alias_token('a1-three.png'));
SELECT pict_repo.aliases_for_hash('\xa1');

-- cleanup_alias: no token; orphaned once the last alias is gone
SELECT * FROM pict_repo.cleanup_alias('nope.png');
SELECT pict_repo.relate_url('https://example.com/four.png', 'a1-four.png');
SELECT * FROM pict_repo.cleanup_alias('a1-four.png');
SELECT pict_repo.related('https://example.com/four.png') IS NULL AS proxy_deleted;
SELECT * FROM pict_repo.cleanup_alias('a1-five.png');
SELECT * FROM pict_repo.delete_alias('a1-one.png', 'tok-one');   -- the last one
SELECT count(*) FROM pict_repo.aliases_for_hash('\xa1');
SELECT * FROM pict_repo.cleanup_alias('a2-one.png');             -- the only one
SELECT regress.error_of($$SELECT * FROM pict_repo.cleanup_alias(NULL)$$);
SELECT regress.error_of($$SELECT * FROM pict_repo.cleanup_alias(repeat('x', 257))$$);
-- the hash itself stays: cleaning it up is the caller's next step
SELECT hash FROM pict_repo.hashes WHERE hash IN ('\xa1', '\xa2') ORDER BY hash;

-- a deleted alias can be created again, for another hash too
SELECT pict_repo.create_alias_with_token('a1-one.png', '\xa3', 'tok-again');
SELECT pict_repo.alias_hash('a1-one.png');
SELECT regress.error_of($$SELECT * FROM pict_repo.delete_alias('a1-one.png', 'tok-one')$$);   -- old token no longer works
SELECT * FROM pict_repo.delete_alias('a1-one.png', 'tok-again');

-- inside a transaction a deletion and an addition see each other
BEGIN;
SELECT pict_repo.create_alias_with_token('a3-x.png', '\xa3', 'x');
SELECT pict_repo.create_alias_with_token('a3-y.png', '\xa3', 'y');
SELECT * FROM pict_repo.delete_alias('a3-x.png', 'x');
SELECT * FROM pict_repo.delete_alias('a3-y.png', 'y');
ROLLBACK;
SELECT count(*) FROM pict_repo.aliases WHERE hash = '\xa3';

-- leave the database as it was found
DELETE FROM pict_repo.aliases WHERE hash IN ('\xa1', '\xa2', '\xa3');
DELETE FROM pict_repo.hashes WHERE hash IN ('\xa1', '\xa2', '\xa3');
