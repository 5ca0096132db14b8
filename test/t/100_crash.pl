# Server crash: `pg_ctl stop -m immediate` in the middle of a mixed load of
# pushes, claims + completions and ingests (psql sessions that each print a
# line only after their COMMIT returned), then a restart.  Every job whose
# push committed is completed or still queued, none is completed twice,
# every repository row committed before the crash is there, and the
# maintenance worker is back and requeues the jobs the crash left running.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pict_repo'
pict_repo.database = 'postgres'
pict_repo.job_timeout = '1s'
pict_repo.maintenance_interval = '200ms'
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION pict_repo;
-- Completions, recorded in the transaction of complete_job; no unique
-- constraint, so a second completion of a job would show.
CREATE TABLE done (id uuid NOT NULL);
});

# Committed before the load: 100 uploads and 200 jobs.
$node->safe_psql('postgres', q{
SELECT count(*) FROM generate_series(1, 100) i,
     pict_repo.ingest(decode(md5('pre-' || i), 'hex'), 'files/pre-' || i,
                      jsonb_build_object('n', i), 'png', 'pre-' || i || '.png');
SELECT count(*) FROM generate_series(1, 200) i, pict_repo.push_job('crash', jsonb_build_object('pre', i));
});
my $pre = $node->safe_psql('postgres',
	"SELECT count(*) FROM pict_repo.hashes h JOIN pict_repo.aliases a USING (hash) "
	  . "JOIN pict_repo.details d ON d.identifier = h.identifier WHERE h.identifier LIKE 'files/pre-%'");
is($pre, '100', 'before the crash: 100 uploads committed');
# Three of them claimed by a worker that will never finish them: running
# when the server crashes.
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pict_repo.claim_job('crash', '00000000-0000-0000-0000-0000000000cd', 3)"),
	'3', 'three jobs running before the load');
my $pre_jobs = $node->safe_psql('postgres',
	"SELECT string_agg(id::text, ',') FROM pict_repo.job_queue WHERE queue = 'crash'");

# ---- the load: psql sessions, each line printed only after its COMMIT ----
my $dir = PostgreSQL::Test::Utils::tempdir;
my $iterations = 20000;

sub script
{
	my ($name, $body) = @_;
	my $file = "$dir/$name.sql";
	open my $fh, '>', $file or die "$file: $!";
	print $fh "\\set ON_ERROR_STOP 1\n";
	print $fh $body->($_) for 1 .. $iterations;
	close $fh;
	return $file;
}

my %scripts;
for my $p (1 .. 2)
{
	$scripts{"push$p"} = script("push$p", sub {
		my $i = shift;
		"BEGIN;\nSELECT pict_repo.push_job('crash', '{\"p\": $p, \"i\": $i}') AS id \\gset\n"
		  . "COMMIT;\n\\echo pushed :id\n";
	});
}
for my $w (1 .. 2)
{
	my $worker = sprintf('00000000-0000-0000-0000-0000000000c%d', $w);
	$scripts{"work$w"} = script("work$w", sub {
		"SELECT count(*) > 0 AS got, max(id::text) AS id "
		  . "FROM pict_repo.claim_job('crash', '$worker') \\gset\n"
		  . "\\if :got\nBEGIN;\n"
		  . "WITH c AS (INSERT INTO done SELECT :'id' WHERE pict_repo.complete_job(:'id', '$worker') "
		  . "RETURNING 1) SELECT count(*) AS n FROM c \\gset\n"
		  . "COMMIT;\n\\echo completed :id :n\n"
		  . "\\else\nSELECT pg_sleep(0.005) \\gset\n\\endif\n";
	});
}
$scripts{ingest} = script("ingest", sub {
	my $i = shift;
	"BEGIN;\nSELECT alias FROM pict_repo.ingest(decode(md5('load-$i'), 'hex'), 'files/load-$i', "
	  . "'{\"n\": $i}', 'png') \\gset\nCOMMIT;\n\\echo ingested $i :alias\n";
});

my %runs;
for my $name (sort keys %scripts)
{
	$runs{$name} = IPC::Run::start(
		[ 'psql', '-X', '-q', '-d', $node->connstr('postgres'), '-f', $scripts{$name} ],
		'<', \undef, '>', "$dir/$name.out", '2>', "$dir/$name.err");
}

sub lines_of
{
	my ($name, $re) = @_;
	open my $fh, '<', "$dir/$name.out" or return ();
	my @l = grep { /$re/ } <$fh>;
	close $fh;
	chomp @l;
	return @l;
}

# Let every kind of work get going, then crash.
my $start = time();
while (time() - $start < 30)
{
	last
	  if time() - $start > 2
	  && scalar(lines_of('push1', qr/^pushed/)) > 20
	  && scalar(lines_of('work1', qr/^completed/)) > 20
	  && scalar(lines_of('ingest', qr/^ingested/)) > 20;
	usleep(100_000);
}
$node->stop('immediate');
my $crashed_at = time();
my $interrupted = 0;
for my $name (sort keys %runs)
{
	$runs{$name}->finish;
	$interrupted++ if $runs{$name}->result != 0;
}
is($interrupted, scalar(keys %runs), 'the crash interrupted every load session');

my @pushed = map { (split ' ')[1] } map { lines_of($_, qr/^pushed \S+$/) } qw(push1 push2);
my @completed = map { (split ' ')[1] } grep { /^completed \S+ 1$/ }
  map { lines_of($_, qr/^completed/) } qw(work1 work2);
my @ingested = map { [ (split ' ')[ 1, 2 ] ] } lines_of('ingest', qr/^ingested \d+ \S+$/);
note(sprintf('before the crash the clients saw %d pushes, %d completions, %d ingests commit',
		scalar @pushed, scalar @completed, scalar @ingested));
cmp_ok(scalar @pushed, '>', 0, 'pushes committed during the load');
cmp_ok(scalar @completed, '>', 0, 'completions committed during the load');
cmp_ok(scalar @ingested, '>', 0, 'ingests committed during the load');

# ---- restart ----
$node->start;
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pict_repo maintenance'"),
	'the maintenance worker is back after the restart');

my $ids = sub { "ARRAY['" . join("','", @_) . "']::uuid[]" };
my $pushed_all = $ids->(@pushed, split(/,/, $pre_jobs));

is( $node->safe_psql('postgres',
		"SELECT count(*) FROM unnest($pushed_all) p(id) WHERE NOT EXISTS "
		  . "(SELECT FROM pict_repo.job_queue q WHERE q.id = p.id) "
		  . "AND NOT EXISTS (SELECT FROM done d WHERE d.id = p.id)"),
	'0', 'every job whose push committed is completed or still queued');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM unnest($pushed_all) p(id) WHERE EXISTS "
		  . "(SELECT FROM pict_repo.job_queue q WHERE q.id = p.id) "
		  . "AND EXISTS (SELECT FROM done d WHERE d.id = p.id)"),
	'0', 'and not both');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM unnest(" . $ids->(@completed) . ") c(id) "
		  . "WHERE NOT EXISTS (SELECT FROM done d WHERE d.id = c.id)"),
	'0', 'every completion the client saw commit is recorded');
is($node->safe_psql('postgres', 'SELECT count(*) - count(DISTINCT id) FROM done'),
	'0', 'no job was completed twice');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM done d WHERE EXISTS (SELECT FROM pict_repo.job_queue q WHERE q.id = d.id)"),
	'0', 'no completed job is still queued');

is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pict_repo.hashes h JOIN pict_repo.aliases a USING (hash) "
		  . "JOIN pict_repo.details d ON d.identifier = h.identifier "
		  . "WHERE h.identifier LIKE 'files/pre-%' AND a.alias = replace(h.identifier, 'files/', '') || '.png'"),
	'100', 'the 100 uploads committed before the load are intact');
my $ingest_values = join(',', map { "($_->[0], '$_->[1]')" } @ingested);
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM (VALUES $ingest_values) v(i, alias) "
		  . "WHERE pict_repo.alias_hash(v.alias) IS DISTINCT FROM decode(md5('load-' || v.i), 'hex') "
		  . "OR pict_repo.hash_identifier(decode(md5('load-' || v.i), 'hex')) IS DISTINCT FROM 'files/load-' || v.i "
		  . "OR pict_repo.details('files/load-' || v.i) IS DISTINCT FROM jsonb_build_object('n', v.i)"),
	'0', sprintf('the %d uploads ingested during the load are there: hash, alias, details', scalar @ingested));
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pict_repo.hashes h WHERE h.identifier LIKE 'files/load-%' "
		  . "AND (NOT EXISTS (SELECT FROM pict_repo.aliases a WHERE a.hash = h.hash) "
		  . "OR NOT EXISTS (SELECT FROM pict_repo.details d WHERE d.identifier = h.identifier))"),
	'0', 'no half-done upload: every hash has its alias and details');

# Jobs the crash left running have no live worker: the maintenance worker
# requeues them after job_timeout; then everything drains exactly once.
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pict_repo.job_queue WHERE status = 'running'"),
	'the jobs the crash left running are requeued');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pict_repo.job_queue WHERE worker = '00000000-0000-0000-0000-0000000000cd'"),
	'0', 'including the three claimed before the load');
$node->safe_psql('postgres', q{
DO $$
DECLARE
    r record;
BEGIN
    LOOP
        SELECT * INTO r FROM pict_repo.claim_job('crash', '00000000-0000-0000-0000-0000000000cf');
        EXIT WHEN NOT FOUND;
        INSERT INTO done SELECT r.id WHERE pict_repo.complete_job(r.id, '00000000-0000-0000-0000-0000000000cf');
    END LOOP;
END
$$;
});
is($node->safe_psql('postgres', "SELECT pict_repo.queue_length('crash')"), '0', 'the queue drains');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM unnest($pushed_all) p(id) WHERE (SELECT count(*) FROM done d WHERE d.id = p.id) <> 1"),
	'0', 'every job whose push committed was completed exactly once');
is($node->safe_psql('postgres', 'SELECT count(*) - count(DISTINCT id) FROM done'),
	'0', 'and no job twice');
is($node->safe_psql('postgres', "SELECT count(*) FROM pict_repo.dead_jobs"), '0', 'no dead jobs');

$node->stop;
done_testing();
