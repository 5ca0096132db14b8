# Packaging metadata in step: PGXN's META.json, pict_repo.control and the
# Debian packaging (debian/control, debian/changelog, debian/copyright,
# the tool's man page).
# Building and installing the packages is `make package-check`
# (test/package_check.sh), not part of make test: it installs packages on
# the machine.
say "packaging metadata (META.json, debian/)"
perl -MJSON::PP -e '
use strict; use warnings;
my ($p, $f) = (0, 0);
sub check { my ($ok, $what) = @_; print(($ok ? "ok" : "not ok"), " - $what\n"); $ok ? $p++ : $f++; return $ok; }
sub slurp { open my $fh, "<", $_[0] or die "$_[0]: $!"; local $/; return <$fh>; }
my $meta = eval { decode_json(slurp("META.json")) };
check($meta, "META.json is valid JSON") or do { print "$p $f\n"; exit };
my $ctl = slurp("pict_repo.control");
my ($ver) = $ctl =~ /^default_version\s*=\s*\x27([^\x27]+)\x27/m;
my ($comment) = $ctl =~ /^comment\s*=\s*\x27([^\x27]+)\x27/m;
my $dctl = slurp("debian/control");
my ($maint) = $dctl =~ /^Maintainer:\s*(.+)$/m;
my @pkgs = $dctl =~ /^Package:\s*(\S+)$/mg;
my ($chver) = slurp("debian/changelog") =~ /^pict-repo \(([^)]+)\)/;
my ($lic) = slurp("debian/copyright") =~ /^License:\s*(\S+)/m;
check(!grep({ !exists $meta->{$_} } qw(name abstract version maintainer license provides meta-spec)),
      "META.json has the keys PGXN requires");
check($meta->{name} eq "pict_repo" && exists $meta->{provides}{pict_repo}, "it names and provides the extension pict_repo");
check($meta->{version} =~ /^\d+\.\d+\.\d+$/, "its version $meta->{version} is semantic (PGXN)");
check($meta->{version} eq "$ver.0" && $meta->{provides}{pict_repo}{version} eq "$ver.0",
      "its version and the extension'"'"'s are default_version $ver of pict_repo.control");
check($meta->{abstract} eq $comment && $meta->{provides}{pict_repo}{abstract} eq $comment,
      "its abstract is the comment of pict_repo.control");
check(-f $meta->{provides}{pict_repo}{file}, "its file $meta->{provides}{pict_repo}{file} exists");
check(($chver // "") eq $ver, "debian/changelog is at $ver too (" . ($chver // "none") . ")");
check(($maint // "") eq $meta->{maintainer}, "META.json and debian/control name the same maintainer");
check(lc($lic // "") eq lc($meta->{license}), "META.json and debian/copyright name the same license ($meta->{license})");
my ($pgmajor) = ($meta->{prereqs}{runtime}{requires}{PostgreSQL} // "") =~ /^(\d+)/;
check(defined $pgmajor && grep({ $_ eq "postgresql-$pgmajor-pict-repo" } @pkgs) &&
      $dctl =~ /postgresql-server-dev-$pgmajor\b/ && $dctl =~ /Depends: postgresql-$pgmajor\b/,
      "PostgreSQL " . ($pgmajor // "?") . " in META.json, the package name and the dependencies");
check(join(",", sort @pkgs) eq "libpictrepo-dev,libpictrepo1,pict-repo,postgresql-15-pict-repo",
      "debian/control builds postgresql-15-pict-repo, libpictrepo1, libpictrepo-dev, pict-repo");

# The tool'"'"'s man page (lintian wants one for every binary): installed by
# debian/pict-repo.manpages, at the version, naming every subcommand.
my $man = slurp("debian/pict-repo.1");
check(slurp("debian/pict-repo.manpages") =~ m{^debian/pict-repo\.1$}m, "debian/pict-repo.manpages installs debian/pict-repo.1");
check($man =~ /^\.TH PICT-REPO 1 "[^"]*" "pict-repo \Q$ver\E"/m, "the man page is at $ver");
my @subs = slurp("client/tool/main.c") =~ /^\t\{"([a-z-]+)", cmd_/mg;
my @missing = grep { $man !~ /^\.B \Q$_\E$/m } @subs;
check(@subs >= 10 && !@missing, "the man page describes every subcommand of the tool (" . scalar(@subs) . ")" .
      (@missing ? ", not: @missing" : ""));

my ($major) = $ver =~ /^(\d+)/;
check(grep({ $_ eq "libpictrepo$major" } @pkgs), "the library package libpictrepo$major follows the soname (major $major)");
print "# COUNTS $p $f\n";
' >"$TMP/packaging.log" 2>&1
grep -E '^not ok|^# ' "$TMP/packaging.log" | grep -v COUNTS
read -r _ _ pk_p pk_f < <(grep '^# COUNTS' "$TMP/packaging.log" || echo "# COUNTS 0 1")
[ -z "$pk_p" ] && { cat "$TMP/packaging.log"; pk_p=0; pk_f=1; }
add_counts "packaging metadata" "$pk_p" "$pk_f"
