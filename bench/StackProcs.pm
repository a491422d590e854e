# Where a stack started by scripts/stack keeps its processes, read from its state directory:
# lighttpd's pid file, the FastCGI pools as lighttpd's children, the drains' pid files. The one
# account of that layout for bench/cpu and bench/pss. Each read is of a few small /proc files,
# so bench/pss can sample with it once a second beside the load.
package StackProcs;
use strict;
use warnings;
use Exporter 'import';
our @EXPORT_OK = qw(slurp pid_in children lighttpd_and_pools drains);

# A whole file, or undef.
sub slurp {
	open(my $fh, '<', $_[0]) or return undef;
	local $/;
	return <$fh>;
}

# The pid a pid file holds, or undef.
sub pid_in {
	my ($pid) = (slurp($_[0]) // '') =~ /^\s*(\d+)/;
	return $pid;
}

# A process's children, as the kernel lists them for its main thread.
sub children { return split(' ', slurp("/proc/$_[0]/task/$_[0]/children") // ''); }

# lighttpd's pid (undef when there is none) and its children, the FastCGI pools, each as
# [pid, comm].
sub lighttpd_and_pools {
	my $lighttpd = pid_in("$_[0]/run/lighttpd.pid") // return (undef);
	return ($lighttpd,
	        map { [$_, (slurp("/proc/$_/comm") // '') =~ /^(\S*)/] } children($lighttpd));
}

# Each drain's supervisor (run/drain-*.pid) and every process under it.
sub drains {
	my @todo = grep { defined } map { pid_in($_) } glob("$_[0]/run/drain-*.pid");
	my @all;
	while (defined(my $pid = shift @todo)) {
		push @all, $pid;
		push @todo, children($pid);
	}
	return @all;
}

1;
