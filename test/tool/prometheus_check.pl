#!/usr/bin/perl
# prometheus_check.pl FILE: check that FILE is in Prometheus's text
# exposition format (0.0.4) line by line, and print its samples as
# "name{labels} value", the label values unescaped and written as Perl
# would quote them (\\, \", \n), one per line.  Exit 1 with the offending
# line on stderr at the first line that does not parse.
#
# The grammar: "# HELP name docstring" (docstring escapes \\ and \n),
# "# TYPE name counter|gauge|histogram|summary|untyped" once per name and
# before its samples, samples "name[{label="value",...}] value [timestamp]"
# with names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*,
# label values escaping \\, \" and \n (no raw newline, quote or lone
# backslash), values floats or NaN, +Inf, -Inf; the samples of a family
# together.
use strict;
use warnings;

my $name_re = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
my $label_re = qr/[a-zA-Z_][a-zA-Z0-9_]*/;
my $lvalue_re = qr/(?:[^"\\\n]|\\[\\"n])*/;
my $float_re = qr/(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf)/;

my (%type, %help, %done);
my $current = '';
my $n = 0;
open my $fh, '<', $ARGV[0] or die "$ARGV[0]: $!";
while (my $line = <$fh>)
{
	$n++;
	chomp $line;
	my $bad = sub { print STDERR "line $n does not parse ($_[0]): $line\n"; exit 1; };
	if ($line =~ /^# HELP ($name_re) ((?:[^\\\n]|\\[\\n])*)$/)
	{
		$bad->('second HELP') if $help{$1}++;
	}
	elsif ($line =~ /^# TYPE ($name_re) (counter|gauge|histogram|summary|untyped)$/)
	{
		$bad->('second TYPE') if $type{$1};
		$bad->('TYPE after samples') if $done{$1};
		$type{$1} = $2;
	}
	elsif ($line =~ /^#/)
	{
		$bad->('a comment that is neither HELP nor TYPE');
	}
	elsif ($line =~ /^($name_re)(?:\{((?:$label_re="$lvalue_re"(?:,$label_re="$lvalue_re")*,?)?)\})? ($float_re)(?: -?[0-9]+)?$/)
	{
		my ($name, $labels, $value) = ($1, $2 // '', $3);
		$bad->('no TYPE before the samples') unless $type{$name};
		$bad->('samples of the family apart') if $done{$name} && $current ne $name;
		$done{$name} = 1;
		$current = $name;
		my @pairs;
		while ($labels =~ /($label_re)="($lvalue_re)"/g)
		{
			my ($l, $v) = ($1, $2);
			$v =~ s/\\(.)/$1 eq 'n' ? "\n" : $1/ge;
			$v =~ s/([\\"])/\\$1/g;
			$v =~ s/\n/\\n/g;
			push @pairs, "$l=\"$v\"";
		}
		print $name, (@pairs ? '{' . join(',', @pairs) . '}' : ''), " $value\n";
	}
	else
	{
		$bad->('not a sample');
	}
}
exit 0;
