# The maintenance worker with least privilege: connected as
# pict_repo.worker_role, a LOGIN role that is only a member of
# pict_repo_user (no superuser, no privilege on any table), it still
# requeues stale jobs and dead-letters jobs out of attempts.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('worker_role');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pict_repo'
pict_repo.database = 'postgres'
pict_repo.worker_role = 'pict_repo_worker'
pict_repo.job_timeout = '1s'
pict_repo.maintenance_interval = '200ms'
});
$node->start;

# Until the role exists the worker cannot connect; it is restarted every
# few seconds and runs as soon as the role is there.
$node->safe_psql('postgres', q{
CREATE EXTENSION pict_repo;
CREATE ROLE pict_repo_worker LOGIN;
GRANT pict_repo_user TO pict_repo_worker;
});

ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity
		  WHERE backend_type = 'pict_repo maintenance' AND usename = 'pict_repo_worker'"),
	'the worker connects as pict_repo.worker_role');

is( $node->safe_psql('postgres', q{
SELECT NOT r.rolsuper
       AND NOT EXISTS (SELECT FROM pg_class c
                        WHERE c.relnamespace = 'pict_repo'::regnamespace AND c.relkind = 'r'
                          AND has_table_privilege('pict_repo_worker', c.oid,
                                  'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'))
  FROM pg_roles r WHERE r.rolname = 'pict_repo_worker'}),
	't', 'the role is no superuser and has no privilege on any table');

my $w = '00000000-0000-0000-0000-0000000000a1';
my $id = $node->safe_psql('postgres', qq{
SELECT pict_repo.push_job('role', '{}', NULL, 0, NULL, 2);
});
$node->safe_psql('postgres', "SELECT count(*) FROM pict_repo.claim_job('role', '$w')");
ok( $node->poll_query_until('postgres',
		"SELECT status = 'new' AND worker IS NULL FROM pict_repo.job_queue WHERE id = '$id'"),
	'it requeues a job whose worker stopped heartbeating');

$node->safe_psql('postgres', "SELECT count(*) FROM pict_repo.claim_job('role', '$w')");
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pict_repo.dead_jobs WHERE id = '$id'"),
	'it dead-letters the job once it is out of attempts');

unlike(slurp_file($node->logfile), qr/permission denied/,
	'and no permission was denied on the way');

$node->stop;
done_testing();
