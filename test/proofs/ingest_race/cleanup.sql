\set n random(1, 16)
SELECT count(*) FROM pict_repo.cleanup_hash(decode(lpad(to_hex(:n), 4, '0'), 'hex'), true);
