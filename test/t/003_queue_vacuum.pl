# The maintenance worker vacuums job_queue once it holds
# pict_repo.queue_vacuum_threshold dead rows plus
# pict_repo.queue_vacuum_scale_factor of its live rows, at most once per
# pict_repo.queue_vacuum_interval; with the interval 0 it never does; a
# VACUUM it cannot start at once (the table is locked) is skipped, not
# waited for, so the maintenance passes go on; and vacuuming loses no job.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('queue_vacuum');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pict_repo'
pict_repo.database = 'postgres'
pict_repo.job_timeout = '1s'
pict_repo.maintenance_interval = '100ms'
pict_repo.queue_vacuum_interval = '200ms'
pict_repo.queue_vacuum_threshold = 200
autovacuum = off
});
$node->start;
my $log_start = -s $node->logfile;
$node->safe_psql('postgres', 'CREATE EXTENSION pict_repo');

my $w = '00000000-0000-0000-0000-0000000000a1';

sub vacuum_count
{
	return $node->safe_psql('postgres',
		"SELECT vacuum_count FROM pg_stat_user_tables "
		  . "WHERE relid = 'pict_repo.job_queue'::regclass");
}

# Wait until the worker has vacuumed job_queue more often than $count times.
sub vacuumed_since
{
	my ($count) = @_;
	return $node->poll_query_until('postgres',
		"SELECT vacuum_count > $count FROM pg_stat_user_tables "
		  . "WHERE relid = 'pict_repo.job_queue'::regclass");
}

# Wait until job_queue holds fewer than $n dead rows.
sub dead_rows_below
{
	my ($n) = @_;
	return $node->poll_query_until('postgres',
		"SELECT n_dead_tup < $n FROM pg_stat_user_tables "
		  . "WHERE relid = 'pict_repo.job_queue'::regclass");
}

# Push n jobs and drain them in batches, leaving 2n dead row versions.
sub churn
{
	my ($queue, $n) = @_;
	$node->safe_psql('postgres', qq{
		SELECT count(*) FROM pict_repo.push_jobs('$queue',
			ARRAY(SELECT jsonb_build_object('n', i) FROM generate_series(1, $n) i));
		SELECT count(*) FROM pict_repo.complete_jobs(
			ARRAY(SELECT id FROM pict_repo.claim_job('$queue', '$w', $n)), '$w');
		SELECT pg_stat_force_next_flush();
	});
}

# Change a setting of the worker and give it time to reload.
sub set_and_reload
{
	my ($line) = @_;
	$node->append_conf('postgresql.conf', "$line\n");
	$node->reload;
	sleep 1;
}

# Churn n jobs of queue, wait two seconds and check that the worker did not
# vacuum meanwhile; returns the VACUUM count from before.
sub no_vacuum_after_churn
{
	my ($queue, $n, $name) = @_;
	my $count = vacuum_count();
	churn($queue, $n);
	sleep 2;
	is(vacuum_count(), $count, $name);
	return $count;
}

# Below the threshold: no VACUUM.
my $before = no_vacuum_after_churn('few', 50, 'no VACUUM below queue_vacuum_threshold');

# Above it: a VACUUM within a few intervals, and the dead rows are gone.
$node->safe_psql('postgres',
	"SELECT count(*) FROM pict_repo.push_jobs('keep', ARRAY(SELECT jsonb_build_object('k', i) FROM generate_series(1, 300) i))");
churn('many', 1000);
ok(vacuumed_since($before), 'the worker vacuums job_queue above queue_vacuum_threshold');
ok(dead_rows_below(200), 'and the dead rows are gone');
is( $node->safe_psql('postgres',
		"SELECT count(*) || ' ' || count(DISTINCT job) FROM pict_repo.job_queue WHERE queue = 'keep' AND status = 'new'"),
	'300 300', 'the waiting jobs are all there, once each');
is($node->safe_psql('postgres', "SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'many'"),
	'0', 'the completed jobs stay gone');

# The table locked by someone else: the VACUUM is skipped, the worker goes
# on requeueing stale jobs meanwhile, and vacuums once the lock is gone.
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN');
$locker->query_safe('LOCK TABLE pict_repo.job_queue IN SHARE UPDATE EXCLUSIVE MODE');
$before = vacuum_count();
churn('locked', 1000);
my $stale = $node->safe_psql('postgres', qq{
	SELECT id FROM pict_repo.claim_job('keep', '$w');
});
ok( $node->poll_query_until('postgres',
		"SELECT status = 'new' FROM pict_repo.job_queue WHERE id = '$stale'"),
	'while job_queue is locked the worker still requeues a stale job');
is(vacuum_count(), $before, 'and has not vacuumed the locked table');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance' AND wait_event_type = 'Lock'"),
	'nor waits for its lock');
$locker->query_safe('COMMIT');
$locker->quit;
ok(vacuumed_since($before), 'it vacuums once the lock is released');

# A snapshot held open keeps VACUUM from removing anything: the worker
# does not vacuum again while the xmin horizon stands still (without that
# check it would, every 200 ms, the dead rows staying above the threshold),
# and vacuums once the snapshot is gone.
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$holder->query_safe('SELECT count(*) FROM pict_repo.job_queue');
$before = vacuum_count();
churn('pinned', 1000);
my $size = $node->safe_psql('postgres', "SELECT pg_relation_size('pict_repo.job_queue')");
sleep 3;
cmp_ok(vacuum_count() - $before, '<=', 1,
	'while a snapshot holds the horizon: at most one VACUUM, not one per interval');
ok( $node->safe_psql('postgres',
		"SELECT n_dead_tup >= 2000 FROM pg_stat_user_tables WHERE relid = 'pict_repo.job_queue'::regclass") eq 't',
	'and the dead rows are still there');
$holder->query_safe('COMMIT');
$holder->quit;
ok(dead_rows_below(200), 'once the snapshot is gone they are vacuumed away');
# The jobs pushed last are gone, so the end of the table is empty pages:
# the worker's VACUUM (TRUNCATE false) keeps them rather than lock the
# table ACCESS EXCLUSIVE to give them back.
cmp_ok($node->safe_psql('postgres', "SELECT pg_relation_size('pict_repo.job_queue')"),
	'>=', $size, 'the worker does not truncate the table');

# The scale factor: with 300 live rows and a factor of 10, 2000 dead rows
# are not enough (200 + 3000); with the default 0.05 they are (200 + 15).
set_and_reload('pict_repo.queue_vacuum_scale_factor = 10');
$before = no_vacuum_after_churn('scaled', 1000,
	'below threshold + scale_factor * live rows: no VACUUM');
set_and_reload('pict_repo.queue_vacuum_scale_factor = 0.05');
ok(vacuumed_since($before), 'above it: VACUUM');

# queue_vacuum_interval = 0: never.
set_and_reload('pict_repo.queue_vacuum_interval = 0');
no_vacuum_after_churn('off', 1000, 'with queue_vacuum_interval = 0 the worker does not vacuum');

# The worker is still the one it was: no error restarted it.
my $log = slurp_file($node->logfile, $log_start);
unlike($log, qr/pict_repo maintenance.*exited with exit code/, 'the worker never failed');

$node->stop;
done_testing();
