-- One upload of one of 16 shared pictures: its file is always proof/<n>.
\set n random(1, 16)
SELECT count(*) FROM pict_repo.ingest(decode(lpad(to_hex(:n), 4, '0'), 'hex'),
                                      'proof/' || :n, jsonb_build_object('n', :n), 'png');
