# pg_cron where pict_repo cannot be preloaded: a server with only pg_cron in
# shared_preload_libraries (so no maintenance worker) and the README's
# one-line schedule of run_maintenance(), scheduled by a member of
# pict_repo_user, requeues a stale job.
#
# Debian 12's pg_cron is 1.4, whose schedules are cron's (a minute at
# the finest; pg_cron 1.5 also takes '5 seconds'), so this test waits for
# the next minute.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = PostgreSQL::Test::Cluster->new('cron');
plan skip_all => 'pg_cron is not installed (apt-get install postgresql-15-cron)'
  unless -f $node->config_data('--sharedir') . '/extension/pg_cron.control';

$node->init;
# Background workers run the scheduled commands: no connection settings
# are needed.  The pict_repo.* settings are read when the library is first
# loaded by a call.
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
pict_repo.job_timeout = '2s'
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pict_repo');
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cron');

is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'), 'pg_cron',
	'pict_repo is not preloaded');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'"),
	'0', 'so there is no maintenance worker');

my $w = '00000000-0000-0000-0000-0000000000c1';
my $id = $node->safe_psql('postgres', q{SELECT pict_repo.push_job('cron-q', '{}')});
$node->safe_psql('postgres', "SELECT count(*) FROM pict_repo.claim_job('cron-q', '$w')");

# The README's line, with a schedule pg_cron 1.4 takes, scheduled by a
# member of pict_repo_user (not a superuser): pg_cron runs it as that role.
$node->safe_psql('postgres', q{
CREATE ROLE cron_app LOGIN;
GRANT pict_repo_user TO cron_app;
GRANT USAGE ON SCHEMA cron TO cron_app;
});
$node->safe_psql('postgres', q{
SET ROLE cron_app;
SELECT cron.schedule('pict_repo', '* * * * *', 'SELECT * FROM pict_repo.run_maintenance()');
});
is($node->safe_psql('postgres', q{SELECT username FROM cron.job WHERE jobname = 'pict_repo'}),
	'cron_app', 'the schedule runs as the application role');

# The job goes stale after 2 s; pg_cron runs the pass at the next minute.
my $deadline = time() + 150;
my $status = '';
while (time() < $deadline)
{
	$status = $node->safe_psql('postgres',
		"SELECT status || ' ' || (worker IS NULL) FROM pict_repo.job_queue WHERE id = '$id'");
	last if $status eq 'new true';
	sleep 0.5;
}
is($status, 'new true', "pg_cron's run_maintenance() requeued the stale job");
is( $node->safe_psql('postgres',
		q{SELECT count(*) > 0 FROM cron.job_run_details WHERE status = 'succeeded'
		    AND command LIKE '%pict_repo.run_maintenance()%'}),
	't', 'cron.job_run_details shows the pass succeeded');

$node->stop;
done_testing();
