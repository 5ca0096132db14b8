# Durability across a crash.  claim_job and heartbeat_job commit without
# waiting for the WAL flush; pushes and completions wait for it.  After an
# immediate shutdown (no shutdown checkpoint, as in a crash) every pushed
# job is still there, every completed job is still gone, and a claim that
# was lost only hands the job back: requeue_stale makes every job that is
# not completed runnable again.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pict_repo'
pict_repo.database = 'postgres'
synchronous_commit = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pict_repo');

my $w = '00000000-0000-0000-0000-0000000000c1';

# 40 single pushes, a batch of 40, then claims, heartbeats and completions.
$node->safe_psql('postgres',
	"SELECT pict_repo.push_job('crash', jsonb_build_object('n', g)) FROM generate_series(1, 40) g");
$node->safe_psql('postgres',
	"SELECT count(*) FROM pict_repo.push_jobs('crash', ARRAY(SELECT jsonb_build_object('n', g) FROM generate_series(41, 80) g))");
for my $i (1 .. 20)
{
	$node->safe_psql('postgres', "SELECT count(*) FROM pict_repo.claim_job('crash', '$w')");
}
$node->safe_psql('postgres',
	"SELECT pict_repo.heartbeat_job(id, '$w') FROM pict_repo.job_queue WHERE worker = '$w'");
my $completed = $node->safe_psql('postgres',
	"SELECT count(*) FILTER (WHERE pict_repo.complete_job(id, '$w')) FROM "
	  . "(SELECT id FROM pict_repo.job_queue WHERE worker = '$w' ORDER BY id LIMIT 10) s");
is($completed, '10', 'ten claimed jobs completed');
# The counts of the completions written into queue_stats (they wait in
# shared memory for the next maintenance pass otherwise, which a crash
# loses: test/t/007_shared_stats.pl).
$node->safe_psql('postgres', 'SELECT pict_repo.flush_queue_stats()');
# A claim followed by a push in one transaction: the push is durable.
$node->safe_psql('postgres',
	"BEGIN; SELECT count(*) FROM pict_repo.claim_job('crash', '$w'); "
	  . "SELECT pict_repo.push_job('crash', '{\"n\": 81}'); COMMIT;");
# The last claims, asynchronous, right before the crash.
$node->safe_psql('postgres', "SELECT count(*) FROM pict_repo.claim_job('crash', '$w', 5)");

$node->stop('immediate');
$node->start;

is($node->safe_psql('postgres', "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'crash'"),
	'71', 'after the crash: every pushed job that was not completed is there');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pict_repo.job_queue WHERE job = '{\"n\": 81}'"),
	'1', 'a push made after a claim in the same transaction survived');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pict_repo.job_queue WHERE status = 'running' AND worker <> '$w'"),
	'0', 'running jobs belong to the worker that claimed them');
$node->safe_psql('postgres', "SELECT pict_repo.requeue_stale(interval '0')");
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pict_repo.job_queue WHERE status = 'new' AND queue = 'crash'"),
	'71', 'requeue_stale hands every claimed job back');
is($node->safe_psql('postgres', "SELECT sum(completed) FROM pict_repo.queue_stats"),
	'10', 'the completions were durable and counted');

$node->stop;
done_testing();
