# The maintenance background worker: requeues stale jobs and tells the
# listeners, dead-letters jobs out of attempts, does nothing while the
# extension is missing, survives a reload and comes back after SIGKILL.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('worker');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pict_repo'
pict_repo.database = 'postgres'
pict_repo.job_timeout = '2s'
pict_repo.maintenance_interval = '200ms'
restart_after_crash = on
});
$node->start;

my $w1 = '00000000-0000-0000-0000-0000000000a1';

# The worker's pid, once it runs.
sub worker_pid
{
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'")
	  or die "the maintenance worker did not start";
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'");
}

# Push a job, claim it as w1 and never heartbeat; returns its id.
sub abandoned_job
{
	my ($queue, $max_attempts) = @_;
	my $id = $node->safe_psql('postgres',
		"SELECT pict_repo.push_job('$queue', '{}', NULL, 0, NULL, $max_attempts)");
	$node->safe_psql('postgres', "SELECT count(*) FROM pict_repo.claim_job('$queue', '$w1')");
	return $id;
}

my $pid = worker_pid();
ok($pid, 'the worker runs while the extension is not installed');
sleep 1;
is(worker_pid(), $pid, 'and does not fail there');

$node->safe_psql('postgres', 'CREATE EXTENSION pict_repo');

# A listener waiting on pict_repo_queue is told when an abandoned job is
# runnable again, within job_timeout + maintenance_interval.
my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN pict_repo_queue');
my $id = abandoned_job('tap', 5);
my $start = time();
ok( $node->poll_query_until('postgres',
		"SELECT status = 'new' AND worker IS NULL FROM pict_repo.job_queue WHERE id = '$id'"),
	'the worker requeues a job whose worker stopped heartbeating');
my $elapsed = time() - $start;
cmp_ok($elapsed, '<', 2 + 0.2 + 2, "within job_timeout + maintenance_interval (took ${elapsed}s)");
my $out = $listener->query_safe('SELECT 1');
my $tag = $node->safe_psql('postgres', q{SELECT pict_repo.notify_tag('pict_repo_queue', 'tap')});
like($out, qr/Asynchronous notification "pict_repo_queue" with payload "$tag"/,
	'the listener is told that the job is runnable again');
$listener->quit;
ok($node->log_contains(qr/pict_repo maintenance: requeued 1 stale jobs/),
	'the worker logs what it changed');

# A job that keeps losing its worker ends in dead_jobs.
$id = abandoned_job('tap-dead', 1);
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pict_repo.dead_jobs WHERE id = '$id'"),
	'the worker dead-letters a job that used up its attempts');
is($node->safe_psql('postgres', "SELECT count(*) FROM pict_repo.job_queue WHERE id = '$id'"),
	'0', 'and removes it from the queue');

# Reload with another interval: same process, still working.
$node->safe_psql('postgres',
	"ALTER SYSTEM SET pict_repo.maintenance_interval = '100ms'");
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('pict_repo.maintenance_interval') = '100ms'")
  or die "reload not seen";
$id = abandoned_job('tap-reload', 5);
ok( $node->poll_query_until('postgres',
		"SELECT status = 'new' FROM pict_repo.job_queue WHERE id = '$id'"),
	'the worker keeps working after SIGHUP');
is(worker_pid(), $pid, 'in the same process');

# SIGKILL: the postmaster restarts every backend, then the worker is back.
kill 'KILL', $pid;
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance' AND pid <> $pid")
  or die "no new worker";
my $new_pid = worker_pid();
isnt($new_pid, $pid, 'the worker comes back after SIGKILL');
$id = abandoned_job('tap-kill', 5);
ok( $node->poll_query_until('postgres',
		"SELECT status = 'new' FROM pict_repo.job_queue WHERE id = '$id'"),
	'and requeues stale jobs again');

# Dropping the extension does not stop or break the worker.
$node->safe_psql('postgres', 'DROP EXTENSION pict_repo');
sleep 1;
is(worker_pid(), $new_pid, 'the worker idles while the extension is dropped');

# Dropping it while a pass runs: the pass holds the drop off (or sees the
# extension gone) instead of failing on missing tables and restarting.
$node->safe_psql('postgres', 'CREATE EXTENSION pict_repo');
$node->safe_psql('postgres',
	"ALTER SYSTEM SET pict_repo.maintenance_interval = '10ms'");
$node->reload;
for my $i (1 .. 40)
{
	$node->safe_psql('postgres', 'DROP EXTENSION pict_repo');
	$node->safe_psql('postgres', 'CREATE EXTENSION pict_repo');
}
$node->safe_psql('postgres', 'ALTER SYSTEM RESET pict_repo.maintenance_interval');
$node->reload;
is(worker_pid(), $new_pid, 'the worker survives the extension being dropped under it');
$id = abandoned_job('tap-again', 5);
ok( $node->poll_query_until('postgres',
		"SELECT status = 'new' FROM pict_repo.job_queue WHERE id = '$id'"),
	'and works again once it is created');

$node->stop;
ok($node->log_contains(qr/pict_repo maintenance worker started in database "postgres"/),
	'the worker said where it started');
done_testing();
