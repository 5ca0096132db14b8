# Stale jobs come back without the background worker.  On a server started
# without shared_preload_libraries (no background worker, nothing scheduled),
# claim_job and complete_and_claim_job requeue the stale jobs of their own
# queue when no run_maintenance() ran for longer than twice
# pict_repo.maintenance_interval, and leave them to maintenance while it
# runs.  The claims are made by an application role (a LOGIN member of
# pict_repo_user); heartbeats and the time of the last pass are set by hand
# (as superuser) so that nothing depends on how fast the machine is, except
# the last check, which waits one maintenance_interval.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('claim_requeue');
$node->init;
$node->append_conf('postgresql.conf', q{
pict_repo.maintenance_interval = '2s'
pict_repo.job_timeout = '1min'
});
$node->start;
is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'), '',
	'the server runs without shared_preload_libraries');
$node->safe_psql('postgres', q{
CREATE EXTENSION pict_repo;
CREATE ROLE app LOGIN;
GRANT pict_repo_user TO app;
});
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'"),
	'0', 'no background worker');

my $a = '00000000-0000-0000-0000-0000000000a1';
my $b = '00000000-0000-0000-0000-0000000000b1';

# As the application role, in a new backend each time.
sub app
{
	my ($sql) = @_;
	return $node->safe_psql('postgres', $sql, extra_params => [ '-U', 'app' ]);
}
sub su { return $node->safe_psql('postgres', $_[0]); }
# Claim one job of queue q as worker w: "n/attempt", or '' for none.
sub claim
{
	my ($q, $w) = @_;
	return app("SELECT job->>'n' || '/' || attempt FROM pict_repo.claim_job('$q', '$w')");
}
sub make_stale { su("UPDATE pict_repo.job_queue SET heartbeat = now() - interval '1 hour' WHERE queue = '$_[0]'"); }
sub last_pass  { su("DELETE FROM pict_repo.maintenance_state; INSERT INTO pict_repo.maintenance_state VALUES (true, $_[0])"); }

# 1. Maintenance never ran: the claim requeues the crashed worker's job.
app("SELECT pict_repo.push_job('q', '{\"n\": 1}')");
is(claim('q', $a), '1/1', 'worker a claims the job');
make_stale('q');
is(su('SELECT count(*) FROM pict_repo.maintenance_state'), '0', 'maintenance never ran');
is(claim('q', $b), '1/2', 'worker b gets the stale job back through claim_job (attempt 2)');
my $id1 = su("SELECT id FROM pict_repo.job_queue WHERE queue = 'q'");
is(app("SELECT pict_repo.heartbeat_job('$id1', '$a')"), 'f', 'worker a is fenced off');
like(su("SELECT last_error FROM pict_repo.job_queue WHERE queue = 'q'"), qr/^no heartbeat for/,
	'the requeue is recorded in last_error');

# 2. Maintenance ran a moment ago: the stale job is left to it.
app("SELECT pict_repo.push_job('q2', '{\"n\": 2}')");
is(claim('q2', $a), '2/1', 'worker a claims a second job');
make_stale('q2');
last_pass('now()');
is(claim('q2', $b), '', 'while maintenance runs, claim_job leaves the stale job alone');
is(su("SELECT worker FROM pict_repo.job_queue WHERE queue = 'q2'"), $a, 'worker a still holds it');

# 3. The last pass is older than twice maintenance_interval.
last_pass("now() - interval '5 seconds'");
is(claim('q2', $b), '2/2', 'once maintenance stopped, claim_job requeues it');

# 4. Only the claimer's own queue.
app("SELECT pict_repo.push_job('other', '{\"n\": 3}')");
is(claim('other', $a), '3/1', 'a job of another queue is claimed');
make_stale('other');
last_pass("now() - interval '1 hour'");
is(claim('q3', $b), '', 'a claim of an empty queue finds nothing');
is(su("SELECT status FROM pict_repo.job_queue WHERE queue = 'other'"), 'running',
	'and leaves the stale job of another queue alone');

# 5. complete_and_claim_job does it too.
app("SELECT pict_repo.push_job('q4', '{\"n\": 4}'), pict_repo.push_job('q4', '{\"n\": 5}')");
is(claim('q4', $a), '4/1', 'worker a claims job 4');
is(claim('q4', $b), '5/1', 'worker b claims job 5');
make_stale('q4');
su("UPDATE pict_repo.job_queue SET heartbeat = now() WHERE job->>'n' = '5'");
my $id5 = su("SELECT id FROM pict_repo.job_queue WHERE job->>'n' = '5'");
is(app("SELECT job->>'n' || '/' || attempt FROM pict_repo.complete_and_claim_job('$id5', '$b', 'q4')"),
	'4/2', 'complete_and_claim_job completes job 5 and gets stale job 4 back');

# 6. Turned off by the superuser.
app("SELECT pict_repo.push_job('q5', '{\"n\": 6}')");
is(claim('q5', $a), '6/1', 'worker a claims job 6');
make_stale('q5');
is($node->safe_psql('postgres',
		"SET pict_repo.claim_requeue = off; SELECT count(*) FROM pict_repo.claim_job('q5', '$b')"),
	'0', 'with pict_repo.claim_requeue off, claims do not requeue');

# 7. run_maintenance() (by hand, as from pg_cron) records its pass.
su('DELETE FROM pict_repo.maintenance_state');
app('SELECT * FROM pict_repo.run_maintenance()');
is(su("SELECT last_pass > now() - interval '1 minute' FROM pict_repo.maintenance_state"), 't',
	'run_maintenance() records the time of its pass');
is(su("SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'q5' AND status = 'new'"), '1',
	'and requeued the stale job itself');

# 8. A backend looks at the last pass at most once per maintenance_interval.
app("SELECT pict_repo.push_job('q6', '{\"n\": 7}')");
is(claim('q6', $a), '7/1', 'worker a claims job 7');
last_pass('now()');
my $session = $node->background_psql('postgres', extra_params => [ '-U', 'app' ]);
is($session->query_safe("SELECT count(*) FROM pict_repo.claim_job('q6', '$b')"), '0',
	'a claim in a session sees maintenance running');
make_stale('q6');
last_pass("now() - interval '1 hour'");
is($session->query_safe("SELECT count(*) FROM pict_repo.claim_job('q6', '$b')"), '0',
	'the same session does not look again within the interval');
sleep(3);
is($session->query_safe("SELECT job->>'n' || '/' || attempt FROM pict_repo.claim_job('q6', '$b')"),
	'7/2', 'after the interval it looks again and requeues');
$session->quit;

$node->stop;
done_testing();
