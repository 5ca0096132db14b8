\set n random(1, 16)
SELECT pict_repo.create_hash(decode(lpad(to_hex(:n), 4, '0'), 'hex'), 'proof/' || :n);
