# One idle transaction must not freeze maintenance for everyone.  For each
# step of a maintenance pass, a client holds a row lock that step would
# want (and goes idle in its transaction): the step skips that row, every
# other step goes on, and the listeners are told; once the client ends its
# transaction, a later pass does the rest.
#   - expired uploads: complete_upload of an expired upload;
#   - expired variant locks: variant_heartbeat of an expired lock;
#   - requeue: heartbeat_job of a stale job (the committed heartbeat is old);
#   - dead-letter: the same for a stale job out of attempts;
#   - statistics pruning: a queue_stats row past retention, locked;
#   - due notifications: all of the above held at once, and a listener is
#     still told of a queue whose scheduled job fell due.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('maint_locks');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pict_repo'
pict_repo.database = 'postgres'
pict_repo.job_timeout = '1s'
pict_repo.lock_timeout = '1s'
pict_repo.upload_ttl = '1s'
pict_repo.maintenance_interval = '200ms'
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pict_repo');

my $w = '00000000-0000-0000-0000-0000000000c1';

sub sql { return $node->safe_psql('postgres', $_[0]); }

# A session that ran $stmt in a transaction it keeps open.
sub holder
{
	my ($stmt) = @_;
	my $s = $node->background_psql('postgres');
	$s->query_safe('BEGIN');
	$s->query_safe($stmt);
	return $s;
}

# A job of $queue claimed by $w, whose heartbeat is now 10 s old.
sub stale_job
{
	my ($queue, $max_attempts) = @_;
	my $id = sql("SELECT pict_repo.push_job('$queue', '{}', NULL, 0, NULL, $max_attempts)");
	sql("SELECT count(*) FROM pict_repo.claim_job('$queue', '$w')");
	sql("UPDATE pict_repo.job_queue SET heartbeat = now() - interval '10 s' WHERE id = '$id'");
	return $id;
}

# Keep the worker off the rows while the scene is set up.
sql("ALTER SYSTEM SET pict_repo.maintenance_interval = '1h'");
sql('SELECT pg_reload_conf()');
sleep 1;

# --- the rows each step wants, each locked by an idle client -------------
# expired uploads
my $up_locked = sql('SELECT pict_repo.create_upload()');
my $up_free = sql('SELECT pict_repo.create_upload()');
sql("UPDATE pict_repo.uploads SET created_at = now() - interval '1 min'");
my $h_up = holder("SELECT pict_repo.complete_upload('$up_locked', '{}')");

# expired variant locks
sql(q{SELECT pict_repo.create_hash('\xd1', 'm/d1')});
sql(q{SELECT pict_repo.claim_variant_processing('\xd1', 'locked')});
sql(q{SELECT pict_repo.claim_variant_processing('\xd1', 'free')});
sql("UPDATE pict_repo.variant_locks SET heartbeat = now() - interval '1 min'");
my $h_lock = holder(q{SELECT pict_repo.variant_heartbeat('\xd1', 'locked')});

# requeue and dead-letter
my $job_locked = stale_job('m-requeue', 5);
my $job_free = stale_job('m-requeue', 5);
my $dead_locked = stale_job('m-dead', 1);
my $dead_free = stale_job('m-dead', 1);
my $h_job = holder("SELECT pict_repo.heartbeat_job('$job_locked', '$w')");
my $h_dead = holder("SELECT pict_repo.heartbeat_job('$dead_locked', '$w')");

# statistics past retention
sql("INSERT INTO pict_repo.queue_stats (queue, minute, shard, completed)
     VALUES ('m-old', date_trunc('minute', now()) - interval '8 days', 1, 1),
            ('m-old', date_trunc('minute', now()) - interval '8 days', 2, 1)");
my $h_stats = holder("SELECT 1 FROM pict_repo.queue_stats WHERE shard = 1 AND queue = 'm-old' FOR UPDATE");

# due notifications: a scheduled job that falls due while all is locked
my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN pict_repo_queue');
sql("SELECT pict_repo.push_job('m-due', '{}', NULL, 0, now() + interval '1 s')");
my $due_tag = sql("SELECT pict_repo.notify_tag('pict_repo_queue', 'm-due')");

# --- the worker runs again -----------------------------------------------
sql("ALTER SYSTEM SET pict_repo.maintenance_interval = '200ms'");
sql('SELECT pg_reload_conf()');

ok($node->poll_query_until('postgres',
		"SELECT NOT EXISTS (SELECT 1 FROM pict_repo.uploads WHERE id = '$up_free')"),
	'expired uploads: the unlocked expired upload is removed');
ok($node->poll_query_until('postgres',
		q{SELECT NOT EXISTS (SELECT 1 FROM pict_repo.variant_locks WHERE variant = 'free')}),
	'expired variant locks: the unlocked expired lock is removed');
ok($node->poll_query_until('postgres',
		"SELECT status = 'new' FROM pict_repo.job_queue WHERE id = '$job_free'"),
	'requeue: the unlocked stale job is requeued');
ok($node->poll_query_until('postgres',
		"SELECT EXISTS (SELECT 1 FROM pict_repo.dead_jobs WHERE id = '$dead_free')"),
	'dead-letter: the unlocked stale job out of attempts is dead-lettered');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pict_repo.queue_stats WHERE queue = 'm-old'"),
	'statistics: the unlocked row past retention is dropped');
my $got = '';
for (1 .. 100)
{
	$got .= $listener->query_safe('SELECT 1');
	last if $got =~ /pict_repo_queue" with payload "$due_tag"/;
	usleep(100_000);
}
like($got, qr/pict_repo_queue" with payload "$due_tag"/,
	'due notifications: a listener is told of the queue whose job fell due, while every lock is held');

# The locked rows were left alone, and nobody waited for them.
is(sql("SELECT count(*) FROM pict_repo.uploads WHERE id = '$up_locked'"), '1',
	'the locked upload is left for later');
is(sql(q{SELECT count(*) FROM pict_repo.variant_locks WHERE variant = 'locked'}), '1',
	'the locked variant lock is left for later');
is(sql("SELECT status FROM pict_repo.job_queue WHERE id = '$job_locked'"), 'running',
	'the locked stale job is left for later');
is(sql("SELECT count(*) FROM pict_repo.dead_jobs WHERE id = '$dead_locked'"), '0',
	'the locked stale job out of attempts is left for later');
is(sql(q{SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'pict_repo maintenance' AND wait_event_type = 'Lock'}), '0',
	'the worker waits for no lock');

# --- the clients end their transactions: a later pass does the rest ------
$_->query_safe('ROLLBACK') for ($h_up, $h_lock, $h_job, $h_dead, $h_stats);
$_->quit for ($h_up, $h_lock, $h_job, $h_dead, $h_stats, $listener);
ok($node->poll_query_until('postgres',
		"SELECT NOT EXISTS (SELECT 1 FROM pict_repo.uploads WHERE id = '$up_locked')"),
	'then the expired upload is removed');
ok($node->poll_query_until('postgres',
		q{SELECT NOT EXISTS (SELECT 1 FROM pict_repo.variant_locks)}),
	'then the expired variant lock is removed');
ok($node->poll_query_until('postgres',
		"SELECT status = 'new' FROM pict_repo.job_queue WHERE id = '$job_locked'"),
	'then the stale job is requeued');
ok($node->poll_query_until('postgres',
		"SELECT EXISTS (SELECT 1 FROM pict_repo.dead_jobs WHERE id = '$dead_locked')"),
	'then the stale job out of attempts is dead-lettered');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pict_repo.queue_stats WHERE queue = 'm-old'"),
	'then the statistics past retention are dropped');

# A table locked by someone (not a row): the step waits at most briefly,
# is skipped and logged, and the rest of the pass goes on.
my $h_table = holder('LOCK TABLE pict_repo.uploads IN ACCESS EXCLUSIVE MODE');
my $job2 = stale_job('m-requeue2', 5);
ok($node->poll_query_until('postgres',
		"SELECT status = 'new' FROM pict_repo.job_queue WHERE id = '$job2'"),
	'with uploads locked as a whole, stale jobs are still requeued');
ok($node->wait_for_log(qr/pict_repo maintenance skipped removing expired uploads in this pass/),
	'and the skipped step is logged');
$h_table->query_safe('ROLLBACK');
$h_table->quit;

$node->stop;
done_testing();
