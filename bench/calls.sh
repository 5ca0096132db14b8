#!/usr/bin/env bash
# Per-call latency of the queue's hot path with pgbench (one client,
# prepared, 3000 calls each), with synchronous_commit off and on, behind
# 30,000 waiting jobs of another queue.  Run by `bash bench/run.sh --calls`
# on the benchmark's private cluster; bench/README.md quotes it for the
# effect of each change.
set -euo pipefail
N=${CALLS:-3000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
psql -qX -c "SELECT count(*) FROM pict_repo.push_jobs('b', ARRAY(SELECT '{\"a\":1}'::jsonb FROM generate_series(1, 30000)))" >/dev/null
psql -qX -c "VACUUM ANALYZE pict_repo.job_queue"
echo "SELECT * FROM pict_repo.claim_job('b', '00000000-0000-0000-0000-000000000001');" >"$W/claim_job.sql"
echo "SELECT pict_repo.heartbeat_job(id, worker) FROM pict_repo.job_queue WHERE id = (SELECT id FROM pict_repo.job_queue WHERE status = 'running' LIMIT 1);" >"$W/heartbeat_job.sql"
echo "SELECT pict_repo.complete_job(id, worker) FROM pict_repo.job_queue WHERE id = (SELECT id FROM pict_repo.job_queue WHERE status = 'running' LIMIT 1);" >"$W/complete_job.sql"
echo "SELECT pict_repo.push_job('p', '{\"a\":1}');" >"$W/push_job.sql"
printf '| call | synchronous_commit off | synchronous_commit on |\n|---|---:|---:|\n'
for f in claim_job heartbeat_job complete_job push_job; do
    row="| $f |"
    for sc in off on; do
        r=$(PGOPTIONS="-c synchronous_commit=$sc" pgbench -n -M prepared -t "$N" -f "$W/$f.sql" 2>&1 |
            sed -n 's/latency average = //p')
        row="$row $r |"
    done
    echo "$row"
done
