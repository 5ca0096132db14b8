# Completions counted in shared memory (pict_repo.shared_queue_stats): in
# the worker's database a completion adds to a counter when it commits, and
# the maintenance pass (or flush_queue_stats()) writes the counters into
# queue_stats.  queue_stats() and average_time_to_completion() count every
# committed completion exactly once whatever the flushes are doing; rolled
# back completions (also in a subtransaction) count nothing; a prepared
# transaction writes its row itself; a full table of counters falls back to
# the row; a clean restart keeps the counters, a crash loses only those not
# written yet.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('shared_stats');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pict_repo'
pict_repo.database = 'postgres'
pict_repo.maintenance_interval = '1h'
max_prepared_transactions = 2
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pict_repo');
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', 'CREATE EXTENSION pict_repo');

my $w = '00000000-0000-0000-0000-0000000000d1';

sub sql { my ($q, $db) = @_; return $node->safe_psql($db // 'postgres', $q); }

# Push and claim $n jobs of $queue (as $w).
sub claimed
{
	my ($queue, $n, $db) = @_;
	sql("SELECT count(*) FROM pict_repo.push_jobs('$queue', array_fill('{}'::jsonb, ARRAY[$n]))", $db);
	sql("SELECT count(*) FROM pict_repo.claim_job('$queue', '$w', $n)", $db);
}

# The statement that completes $n of the jobs $queue has claimed, one call each.
sub complete_sql
{
	my ($queue, $n) = @_;
	return "SELECT count(*) FILTER (WHERE pict_repo.complete_job(id, '$w')) FROM "
	  . "(SELECT id FROM pict_repo.job_queue WHERE queue = '$queue' AND worker = '$w' "
	  . "ORDER BY id LIMIT $n) s";
}

sub completed { my ($queue, $db) = @_;
	return sql("SELECT COALESCE((SELECT completed FROM pict_repo.queue_stats() WHERE queue = '$queue'), 0)", $db); }
sub in_table { my ($queue, $db) = @_;
	return sql("SELECT COALESCE(sum(completed), 0) FROM pict_repo.queue_stats WHERE queue = '$queue'", $db); }
sub unflushed { my ($queue) = @_;
	return sql("SELECT COALESCE(sum(completed), 0) FROM pict_repo.unflushed_queue_stats() WHERE queue = '$queue'"); }

# Wait for the worker's first pass, so that it writes nothing behind our back.
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance' AND state = 'idle'")
  or die "the maintenance worker did not start";

# --- counted at commit, read at once ----------------------------------------
claimed('a', 10);
is(sql(complete_sql('a', 5)), '5', 'five completions');
is(completed('a'), '5', 'queue_stats() counts them at once');
is(in_table('a'), '0', 'the queue_stats table does not have them yet');
is(unflushed('a'), '5', 'unflushed_queue_stats() has them');
is(sql("SELECT pict_repo.average_time_to_completion('a', now() - interval '1 hour', now() + interval '1 hour') IS NOT NULL"),
	't', 'average_time_to_completion sees them');

sql('BEGIN; ' . complete_sql('a', 1) . '; ROLLBACK;');
is(completed('a'), '5', 'a rolled back completion counts nothing');
is(sql("SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'a'"), '5', 'and its job is still there');

sql('BEGIN; SAVEPOINT s1; ' . complete_sql('a', 1) . '; ROLLBACK TO s1; SAVEPOINT s2; '
	  . complete_sql('a', 2) . '; RELEASE s2; COMMIT;');
is(completed('a'), '7', 'completions of a released savepoint count, of a rolled back one not');

my $ids = sql("SELECT string_agg(id::text, ',') FROM (SELECT id FROM pict_repo.job_queue WHERE queue = 'a' LIMIT 2) s");
is(sql("SELECT count(*) FROM pict_repo.complete_jobs('{$ids}', '$w')"), '2', 'complete_jobs of two');
is(completed('a'), '9', 'complete_jobs counts them');

# --- two-phase commit --------------------------------------------------------
sql('BEGIN; ' . complete_sql('a', 1) . "; PREPARE TRANSACTION 'p1';");
is(completed('a'), '9', 'a prepared completion is not counted before its commit');
sql("COMMIT PREPARED 'p1'");
is(completed('a'), '10', 'COMMIT PREPARED counts it');
is(in_table('a'), '1', 'the prepared transaction wrote its row itself');
claimed('a2', 1);
sql('BEGIN; ' . complete_sql('a2', 1) . "; PREPARE TRANSACTION 'p2';");
sql("ROLLBACK PREPARED 'p2'");
is(completed('a2'), '0', 'ROLLBACK PREPARED counts nothing');
claimed('p3', 1);
sql(complete_sql('p3', 1));
my ($ret, $out, $err) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nBEGIN; SELECT pict_repo.flush_queue_stats(); PREPARE TRANSACTION 'p3';");
like($err, qr/0A000: cannot PREPARE a transaction that wrote the shared queue statistics/,
	'a transaction that flushed cannot be prepared (0A000)');
is(completed('p3'), '1', 'and its completions still count once');
is(unflushed('p3'), '1', 'back in shared memory');

# --- flushing ------------------------------------------------------------------
ok(sql('SELECT pict_repo.flush_queue_stats()') > 0, 'flush_queue_stats() writes rows');
is(in_table('a'), '10', 'the table has every completion after the flush');
is(unflushed('a'), '0', 'and shared memory none');
is(completed('a'), '10', 'queue_stats() counts each once');
is(sql('BEGIN; SELECT pict_repo.flush_queue_stats(); SELECT pg_current_xact_id_if_assigned() IS NULL; COMMIT'),
	"0\nt", 'a flush with nothing to write takes no transaction id (an idle pass writes no commit)');

claimed('v', 4);
sql(complete_sql('v', 2));
my $h = $node->background_psql('postgres');
$h->query_safe('BEGIN');
$h->query_safe('SELECT pict_repo.flush_queue_stats()');
is(completed('v'), '2', 'during an uncommitted flush queue_stats() counts the completions once');
is(sql('SELECT pict_repo.flush_queue_stats()'), '0', 'a second flush waits for the first (writes nothing)');
sql(complete_sql('v', 1));
is(completed('v'), '3', 'a completion during the flush is counted too');
$h->query_safe('ROLLBACK');
is(completed('v'), '3', 'after the flush rolled back, every completion still counts once');
is(in_table('v'), '0', 'the rolled back flush wrote nothing');
is(unflushed('v'), '3', 'its counts are back in shared memory');
$h->query_safe('BEGIN');
$h->query_safe('SELECT pict_repo.flush_queue_stats()');
$h->query_safe('COMMIT');
is(completed('v'), '3', 'after the flush committed, still once');
is(in_table('v'), '3', 'and all in the table');
$h->quit;

# --- where the counters are not used ---------------------------------------------
claimed('o', 2, 'other');
is(sql(complete_sql('o', 2), 'other'), '2', 'two completions in another database');
is(in_table('o', 'other'), '2', 'another database writes its rows at once');
claimed('off', 2);
sql("SET pict_repo.shared_queue_stats = off; " . complete_sql('off', 2));
is(in_table('off'), '2', 'with shared_queue_stats off the rows are written at once');

# --- a full table of counters ---------------------------------------------------
sql("SELECT count(*) FROM generate_series(1, 1100) g, pict_repo.push_job('full' || g, '{}') p");
sql("SELECT count(*) FROM generate_series(1, 1100) g, pict_repo.claim_job('full' || g, '$w') c");
is(sql("SELECT count(*) FROM pict_repo.complete_jobs(ARRAY(SELECT id FROM pict_repo.job_queue WHERE queue LIKE 'full%'), '$w')"),
	'1100', '1,100 completions in 1,100 queues, more than the counters hold');
is(sql("SELECT sum(completed) FROM pict_repo.queue_stats() WHERE queue LIKE 'full%'"), '1100',
	'queue_stats() counts every one');
ok(sql("SELECT count(*) FROM pict_repo.queue_stats WHERE queue LIKE 'full%'") > 0,
	'those that found no free counter wrote their row');
sql('SELECT pict_repo.flush_queue_stats()');
is(sql("SELECT sum(completed) FROM pict_repo.queue_stats WHERE queue LIKE 'full%'"), '1100',
	'after a flush the table has all of them');

# --- many writers, many flushes ----------------------------------------------------
my $script = $node->basedir . '/complete.sql';
PostgreSQL::Test::Utils::append_to_file($script, q{
\set w random(1, 1000000000000)
INSERT INTO pushed SELECT pict_repo.push_job('pb', '{}');
SELECT count(*) FROM pict_repo.claim_job('pb', lpad(to_hex(:w), 32, '0')::uuid);
SELECT pict_repo.complete_job(id, worker) FROM pict_repo.job_queue WHERE worker = lpad(to_hex(:w), 32, '0')::uuid;
});
sql('CREATE TABLE pushed (id uuid)');
my $flush = $node->basedir . '/flush.sql';
PostgreSQL::Test::Utils::append_to_file($flush, "SELECT pict_repo.flush_queue_stats();\n");
$node->command_ok(
	[ 'pgbench', '-n', '-c', '4', '-t', '300', '-f', "$script\@10", '-f', "$flush\@1", 'postgres' ],
	'pgbench: completions of four clients with flushes among them');
my $done = sql("SELECT (SELECT count(*) FROM pushed) - count(*) FROM pict_repo.job_queue WHERE queue = 'pb'");
ok($done > 900, "most transactions completed a job ($done)");
is(completed('pb'), $done, 'queue_stats() counts every completion once');
sql('SELECT pict_repo.flush_queue_stats()');
is(in_table('pb'), $done, 'and so does the table after a last flush');

# --- a dropped extension's counters do not reach one created afresh ----------------
claimed('x', 2);
sql(complete_sql('x', 2));
is(unflushed('x'), '2', 'two completions not written');
sql('DROP EXTENSION pict_repo CASCADE');
sql('CREATE EXTENSION pict_repo');
is(unflushed('x'), '0', 'after DROP and CREATE EXTENSION shared memory has none of them');
sql('SELECT pict_repo.flush_queue_stats()');
is(completed('x'), '0', 'and the new queue_stats counts nothing of the old queue');

# --- a clean restart keeps the counters, a crash loses the unwritten ----------------
claimed('r', 3);
sql(complete_sql('r', 3));
is(in_table('r'), '0', 'three completions not written before the restart');
$node->restart;
$node->poll_query_until('postgres',
	"SELECT COALESCE(sum(completed), 0) = 3 FROM pict_repo.queue_stats WHERE queue = 'r'")
  or die 'the counters kept over the restart were not written';
pass('the worker wrote the counters kept over a clean restart');
is(completed('r'), '3', 'counted once');
ok(!-e $node->data_dir . '/pg_stat/pict_repo_queue_stats.stat', 'the file is gone once read');

claimed('c', 4);
sql(complete_sql('c', 2));
sql('SELECT pict_repo.flush_queue_stats()');
sql(complete_sql('c', 2));
is(completed('c'), '4', 'four completions, two written');
$node->stop('immediate');
$node->start;
is(sql("SELECT count(*) FROM pict_repo.job_queue WHERE queue = 'c'"), '0',
	'after a crash every completed job stays completed');
is(completed('c'), '2', 'and the counts not written yet are lost (the documented window)');

$node->stop;
done_testing();
