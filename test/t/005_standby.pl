# Hot standbys: a primary and a streaming standby made with
# `pg_basebackup -R`, both on loopback.
#
#  - reads on the standby see the primary's committed writes once replayed;
#  - every function of the extension, found in the catalog (so functions
#    added later are covered without editing this file), is called on the
#    standby with sample arguments: every VOLATILE one fails with 25006
#    (read_only_sql_transaction) and every STABLE or IMMUTABLE one works;
#    no table changes;
#  - every read function is PARALLEL SAFE, but for the exceptions named
#    below with their reason, and every PARALLEL SAFE function of the
#    extension really runs inside a parallel worker (force_parallel_mode),
#    on the standby;
#  - the maintenance worker runs on the standby, says once that it is idle
#    there and does nothing (no error, no restart);
#  - the tool with --read-dbname reads from the standby and writes to the
#    primary (when PICT_REPO names the tool);
#  - after `pg_ctl promote` the new primary's worker requeues a stale job.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# VOLATILE functions that write nothing, so they work on a standby too.
my %volatile_readers = (
	# A new UUID each call (VOLATILE for that reason), no table touched.
	uuid_v7 => 'generates a UUID, writes nothing',
);

# Read functions (STABLE or IMMUTABLE) that are not PARALLEL SAFE, and why.
# Any other read must be marked PARALLEL SAFE in the update script (and
# then really runs in a parallel worker, below): a new read function that
# is neither fails here.
my %parallel_unsafe_readers = (
	# Looks its store up with a read-write SPI call (a new snapshot and a
	# command counter increment, neither allowed in a parallel worker).
	copies_in_store => 'looks its store up read-write',
);

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
# The primary's worker must leave the stale job below alone (job_timeout of
# an hour): it is the promoted standby's worker that requeues it.
$primary->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pict_repo'
pict_repo.database = 'postgres'
pict_repo.job_timeout = '1h'
pict_repo.maintenance_interval = '200ms'
max_worker_processes = 16
});
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION pict_repo');

# A fixture on the primary: one row in every table the API reads.
my $w1 = '00000000-0000-0000-0000-0000000000b1';
$primary->safe_psql('postgres', qq{
SELECT pict_repo.create_hash('\\xb0', 'sb/orig', 'sb/motion', '2024-01-01 00:00:00+00');
SELECT pict_repo.create_alias_with_token('sb.png', '\\xb0', 'sb-token');
SELECT pict_repo.relate_variant('\\xb0', 'thumb', 'sb/thumb');
SELECT pict_repo.relate_url('https://sb.example/a', 'sb.png');
SELECT pict_repo.relate_details('sb/orig', '{"width": 1}');
SELECT pict_repo.set_setting('sb-key', '\\x01');
SELECT pict_repo.mark_migrated('sb/old', 'sb/new');
SELECT pict_repo.complete_upload(pict_repo.create_upload(), '{"alias": "sb.png"}');
SELECT pict_repo.push_job('sb-q', '{"n": 1}');
SELECT pict_repo.push_job('sb-dead', '{"n": 2}', NULL, 0, NULL, 1);
SELECT count(*) FROM pict_repo.claim_job('sb-q', '$w1');
SELECT count(*) FROM pict_repo.claim_job('sb-dead', '$w1');
SELECT pict_repo.fail_job((SELECT id FROM pict_repo.job_queue WHERE queue = 'sb-dead'), '$w1', 'fixture');
});
# The stale job: claimed, never heartbeated.
my $stale = $primary->safe_psql('postgres', q{SELECT pict_repo.push_job('sb-stale', '{}')});
$primary->safe_psql('postgres', qq{SELECT count(*) FROM pict_repo.claim_job('sb-stale', '$w1')});

# The standby: pg_basebackup -R (standby.signal and primary_conninfo, with
# the application_name wait_for_catchup looks for).
{
	local $ENV{PGAPPNAME} = 'standby';
	$primary->backup('base', backup_options => ['-R']);
}
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base');
$standby->append_conf('postgresql.conf', q{
pict_repo.job_timeout = '2s'
});
$standby->start;
$primary->wait_for_catchup($standby, 'replay');
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

# ---- reads see what the primary committed, once replayed -------------------
$primary->safe_psql('postgres', q{
SELECT pict_repo.create_hash('\xb1', 'sb/second', NULL, now());
SELECT pict_repo.push_job('sb-replayed', '{}');
});
$primary->wait_for_catchup($standby, 'replay');
is($standby->safe_psql('postgres', q{SELECT pict_repo.hash_identifier('\xb1')}),
	'sb/second', 'a hash created on the primary is read on the standby');
is($standby->safe_psql('postgres', q{SELECT pict_repo.queue_length('sb-replayed')}),
	'1', 'a job pushed on the primary is counted on the standby');
is($standby->safe_psql('postgres', q{SELECT pict_repo.hash_count()}),
	$primary->safe_psql('postgres', q{SELECT pict_repo.hash_count()}),
	'hash_count agrees');

# ---- every function, from the catalog ----------------------------------------
# Sample values by function and argument, by argument and type, then by
# type.  Ids are literals (a subquery would keep the call out of a parallel
# worker).
my ($upload, $job, $dead) = split /\|/, $primary->safe_psql('postgres', q{
SELECT (SELECT id FROM pict_repo.uploads LIMIT 1) || '|' ||
       (SELECT id FROM pict_repo.job_queue WHERE queue = 'sb-q') || '|' ||
       (SELECT id FROM pict_repo.dead_jobs LIMIT 1)});
my $samples = <<'SQL';
(VALUES
    (NULL, 'hash', 'bytea', $$'\xb0'::bytea$$),
    (NULL, 'after_hash', 'bytea', $$'\xb0'::bytea$$),
    (NULL, NULL, 'bytea', $$'\x01'::bytea$$),
    (NULL, 'alias', 'text', $$'sb.png'$$),
    (NULL, 'token', 'text', $$'sb-token'$$),
    (NULL, 'declared_alias', 'text', $$'sb-new.png'$$),
    (NULL, 'declared_token', 'text', $$'new-token'$$),
    (NULL, 'identifier', 'text', $$'sb/orig'$$),
    ('relate_variant', 'identifier', 'text', $$'sb/thumb2'$$),
    (NULL, 'motion_identifier', 'text', $$'sb/motion'$$),
    (NULL, 'variant', 'text', $$'thumb'$$),
    (NULL, 'after_variant', 'text', $$'thumb'$$),
    (NULL, 'url', 'text', $$'https://sb.example/a'$$),
    (NULL, 'after_url', 'text', $$'https://sb.example/a'$$),
    (NULL, 'key', 'text', $$'sb-key'$$),
    ('notify_tag', 'key', 'text', $$'sb-q'$$),
    (NULL, 'channel', 'text', $$'pict_repo_queue'$$),
    (NULL, 'old', 'text', $$'sb/old'$$),
    (NULL, 'new', 'text', $$'sb/new2'$$),
    (NULL, 'queue', 'text', $$'sb-q'$$),
    (NULL, 'from_queue', 'text', $$'sb-dead'$$),
    (NULL, 'extension', 'text', $$'png'$$),
    (NULL, NULL, 'text', $$'x'$$),
    (NULL, 'filter', 'jsonb', $$'{"owner": "sb"}'::jsonb$$),
    (NULL, 'after', 'text', 'NULL::text'),
    (NULL, NULL, 'jsonb', $$'{"a": 1}'::jsonb$$),
    (NULL, NULL, 'jsonb[]', $$ARRAY['{"a": 1}']::jsonb[]$$),
    (NULL, NULL, 'uuid[]', $$ARRAY['JOB']::uuid[]$$),
    (NULL, 'worker', 'uuid', $$'00000000-0000-0000-0000-0000000000b1'::uuid$$),
    ('upload_result', 'id', 'uuid', $$'UPLOAD'::uuid$$),
    ('complete_upload', 'id', 'uuid', $$'UPLOAD'::uuid$$),
    ('claim_upload', 'id', 'uuid', $$'UPLOAD'::uuid$$),
    ('retry_dead_job', 'id', 'uuid', $$'DEAD'::uuid$$),
    ('list_dead_jobs', 'after_id', 'uuid', $$'00000000-0000-0000-0000-000000000000'::uuid$$),
    (NULL, NULL, 'uuid', $$'JOB'::uuid$$),
    (NULL, NULL, 'integer', '1'),
    (NULL, 'before', 'timestamp with time zone', $$now() + interval '1 day'$$),
    (NULL, 'since', 'timestamp with time zone', $$now() - interval '1 day'$$),
    (NULL, NULL, 'timestamp with time zone', 'now()'),
    (NULL, NULL, 'interval', $$interval '1 minute'$$),
    (NULL, NULL, 'boolean', 'false')
) AS s(fn, arg, typ, expr)
SQL
$samples =~ s/UPLOAD/$upload/g;
$samples =~ s/JOB/$job/g;
$samples =~ s/DEAD/$dead/g;

# One line per function: name|volatility|parallel|call, every input
# argument given by name.  An argument without a sample is a NULL, which a
# read function answers with 22023: the test then fails and names it.
my $calls = $standby->safe_psql('postgres', qq{
WITH s AS (SELECT * FROM $samples),
f AS (
    SELECT p.oid, p.proname::text AS fn, p.provolatile, p.proparallel
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
      JOIN pg_catalog.pg_extension e ON d.refclassid = 'pg_catalog.pg_extension'::regclass
                                    AND d.refobjid = e.oid
     WHERE e.extname = 'pict_repo' AND d.deptype = 'e' AND p.prokind = 'f'),
a AS (
    SELECT f.oid, i, n, format_type(t, NULL) AS typ
      FROM f JOIN pg_catalog.pg_proc p ON p.oid = f.oid,
           unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, i),
           LATERAL (SELECT (p.proargnames)[i]) x(n))
SELECT f.fn || '|' || f.provolatile::text || '|' || f.proparallel::text || '|' ||
       'SELECT * FROM pict_repo.' || f.fn || '(' ||
       coalesce((SELECT string_agg(format('%I => %s', a.n,
                     coalesce((SELECT s.expr FROM s
                                WHERE (s.fn = f.fn OR s.fn IS NULL) AND (s.arg = a.n OR s.arg IS NULL)
                                  AND s.typ = a.typ
                                ORDER BY s.fn IS NULL, s.arg IS NULL LIMIT 1),
                              'NULL::' || a.typ)), ', ' ORDER BY a.i)
                   FROM a WHERE a.oid = f.oid), '') || ')'
  FROM f ORDER BY f.fn
});
my @calls = map { [ split /\|/, $_, 4 ] } split /\n/, $calls;
cmp_ok(scalar(@calls), '>=', 60, scalar(@calls) . ' functions found in the catalog');

# md5 of every table of the extension.
sub table_sums
{
	my ($node) = @_;
	my @tables = split /\n/, $node->safe_psql('postgres', q{
SELECT c.oid::regclass FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass
                             AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON d.refobjid = e.oid AND e.extname = 'pict_repo'
 WHERE c.relkind = 'r' ORDER BY 1::text});
	return join "\n", map {
		"$_ " . $node->safe_psql('postgres',
			"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM $_ t")
	} @tables;
}
# Replay paused, so that only the calls could change a table of the
# standby (the primary's worker writes every pass).
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
$standby->poll_query_until('postgres', "SELECT pg_get_wal_replay_pause_state() = 'paused'")
  or die 'replay did not pause';
my $sums_before = table_sums($standby);

# Each call in one psql session: its SQLSTATE (00000 when it worked).
my $script = "\\o /dev/null\n";
for my $c (@calls)
{
	$script .= "$c->[3];\n\\echo RESULT $c->[0] :SQLSTATE\n";
}
my ($ret, $out, $err) = $standby->psql('postgres', $script, on_error_stop => 0);
my %outcome = $out =~ /^RESULT (\S+) (\S+)$/mg;
my %message;
for my $line (split /\n/, $err)
{
	$message{$1} = $line if $line =~ /pict_repo\.(\w+)/ && !exists $message{$1};
}

for my $c (@calls)
{
	my ($fn, $vol) = @$c;
	my $got = $outcome{$fn} // 'no result';
	if ($vol eq 'v' && !exists $volatile_readers{$fn})
	{
		is($got, '25006', "$fn (VOLATILE, a writer) fails on the standby with 25006");
	}
	else
	{
		my $why = $vol eq 'v' ? "VOLATILE but $volatile_readers{$fn}" :
		  $vol eq 's' ? 'STABLE' : 'IMMUTABLE';
		is($got, '00000', "$fn ($why) works on the standby")
		  or diag("$c->[3]: $err");
	}
}
is(table_sums($standby), $sums_before, 'no table of the standby changed');
like($err, qr/cannot change the pict_repo repository during recovery/,
	'a writer says why it failed');
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');

# ---- every read is PARALLEL SAFE, but for the known exceptions ------------
for my $c (grep { $_->[1] ne 'v' } @calls)
{
	my ($fn, undef, $par) = @$c;
	if (exists $parallel_unsafe_readers{$fn})
	{
		isnt($par, 's', "$fn is not PARALLEL SAFE ($parallel_unsafe_readers{$fn})");
	}
	else
	{
		is($par, 's', "$fn (a read) is PARALLEL SAFE");
	}
}

# ---- PARALLEL SAFE is true: each such function inside a parallel worker ----
my @parallel = grep { $_->[2] eq 's' } @calls;
cmp_ok(scalar(@parallel), '>=', 25, scalar(@parallel) . ' functions are PARALLEL SAFE');
$script = "SET force_parallel_mode = on;\nSET max_parallel_workers_per_gather = 2;\n";
for my $c (@parallel)
{
	$script .= "\\echo EXPLAIN $c->[0]\n"
	  . "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $c->[3];\n"
	  . "\\echo END :SQLSTATE\n";
}
($ret, $out, $err) = $standby->psql('postgres', $script, on_error_stop => 0);
for my $c (@parallel)
{
	my ($block) = $out =~ /^EXPLAIN $c->[0]\n(.*?)^END (\S+)$/ms;
	my ($state) = $out =~ /^EXPLAIN $c->[0]\n.*?^END (\S+)$/ms;
	ok( defined $block && $state eq '00000' && $block =~ /Workers Launched: [1-9]/,
		"$c->[0] (PARALLEL SAFE) runs in a parallel worker on the standby")
	  or diag($block // 'no output', $err);
}

# ---- the worker on the standby -----------------------------------------------
sub worker_pid
{
	my ($node) = @_;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'")
	  or return undef;
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'");
}
my $spid = worker_pid($standby);
ok($spid, 'the maintenance worker runs on the standby');
ok( $standby->wait_for_log(qr/pict_repo maintenance worker is idle: the server is a standby/),
	'and says it is idle there');
# The stale job is far older than the standby's job_timeout of 2 s: a
# worker that tried to requeue it would fail and be restarted.
sleep 3;
is(worker_pid($standby), $spid, 'the worker is still the same process 3 s later');
my $log = slurp_file($standby->logfile);
my @idle = $log =~ /worker is idle: the server is a standby/g;
is(scalar(@idle), 1, 'it said so once');
unlike($log, qr/ERROR:.*\n.*(pict_repo maintenance|run_maintenance)|background worker "pict_repo maintenance".*exited/,
	'it raised no error and did not exit');
is($standby->safe_psql('postgres', "SELECT status FROM pict_repo.job_queue WHERE id = '$stale'"),
	'running', 'the stale job is untouched on the standby');

# ---- the tool: reads from the standby, writes to the primary ---------------
SKIP:
{
	skip 'PICT_REPO does not name the pict-repo tool', 7 unless $ENV{PICT_REPO};
	my $pconn = $primary->connstr('postgres');
	my $sconn = $standby->connstr('postgres');
	my ($o, $e);
	my $tool = sub {
		IPC::Run::run [ $ENV{PICT_REPO}, @_ ], '>', \$o, '2>', \$e;
	};
	ok($tool->('-d', $pconn, '--read-dbname', $sconn, 'push', 'sb-tool', '{"t": 1}'),
		'pict-repo -d PRIMARY --read-dbname STANDBY push writes to the primary')
	  or diag($e);
	$primary->wait_for_catchup($standby, 'replay');
	ok($tool->('-d', $pconn, '--read-dbname', $sconn, 'status') && $o =~ /^sb-tool\s+1\s/m,
		'status reads the replayed job') or diag($o, $e);
	# With replay paused, the standby lags: the reads of --read-dbname see
	# the standby's state, the primary's reads the new job.
	$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
	$tool->('-d', $pconn, '--read-dbname', $sconn, 'push', 'sb-tool', '{"t": 2}');
	ok($tool->('-d', $pconn, '--read-dbname', $sconn, 'status') && $o =~ /^sb-tool\s+1\s/m,
		'status --read-dbname reads from the standby (replay paused: 1 job)') or diag($o, $e);
	ok($tool->('-d', $pconn, 'status') && $o =~ /^sb-tool\s+2\s/m,
		'status without it reads the primary (2 jobs)') or diag($o, $e);
	$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
	$primary->wait_for_catchup($standby, 'replay');
	ok($tool->('-d', $pconn, '--read-dbname', $sconn, 'status') && $o =~ /^sb-tool\s+2\s/m,
		'and the standby once replay goes on (2 jobs)') or diag($o, $e);
	ok($tool->('-d', $sconn, 'hashes') && $o =~ /^b0\t/m, 'hashes works against the standby alone')
	  or diag($e);
	$tool->('-d', $sconn, 'push', 'sb-tool', '{}');
	like($e, qr/25006/, 'a push sent to the standby fails with 25006');
}

# ---- promotion -------------------------------------------------------------
$primary->stop('immediate');
$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
  or die 'the standby was not promoted';
ok( $standby->wait_for_log(qr/the server was promoted, maintenance starts/),
	'the worker says when the standby is promoted');
ok( $standby->poll_query_until('postgres',
		"SELECT status = 'new' AND worker IS NULL FROM pict_repo.job_queue WHERE id = '$stale'"),
	"the new primary's worker requeues the stale job");
is(worker_pid($standby), $spid, 'in the process that waited on the standby');
is($standby->safe_psql('postgres', q{SELECT pict_repo.push_job('sb-after', '{}') IS NOT NULL}),
	't', 'the new primary takes writes');

$standby->stop;
done_testing();
