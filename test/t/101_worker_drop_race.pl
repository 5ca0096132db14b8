# DROP EXTENSION while the maintenance worker is in the middle of a pass:
# the worker must neither fail ("relation pict_repo.job_queue does not
# exist") nor be restarted; it waits for the drop or skips the pass.  With
# a 10 ms interval and 100 DROP/CREATE cycles the race is hit reliably
# without the fix.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('drop_race');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pict_repo'
pict_repo.database = 'postgres'
pict_repo.maintenance_interval = '10ms'
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pict_repo');

$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'")
  or die "the maintenance worker did not start";
my $pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'");
my $log_offset = -s $node->logfile;

$node->safe_psql('postgres',
	join('', map { "DROP EXTENSION pict_repo;\nSELECT pg_sleep(0.003);\nCREATE EXTENSION pict_repo;\n" } 1 .. 100));

my @lines = split /\n/, slurp_file($node->logfile, $log_offset);
is(join("\n", grep { /\[$pid\] (ERROR|FATAL)/ } @lines), '',
	'the worker raised no error during 100 DROP/CREATE EXTENSION cycles');
is(join("\n", grep { /background worker "pict_repo maintenance" \(PID $pid\) exited/ } @lines), '',
	'and did not exit');
is( $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'"),
	$pid, 'the same worker process is still running');

$node->stop;
done_testing();
