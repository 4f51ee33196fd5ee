#!/usr/bin/perl
# sgdiff.pl: the differential harness. A client stream goes through
# smtpguard-trace (the relay with its pairing trace on fd 9, see
# src/libsmtpguard/sgtrace.h) to the real `exim4 -bs` with the tests'
# config (tests/exim/smtpd, SG_EXIM_DEBUG: exim's "SMTP<<" and "SMTP>>"
# debug lines, its own account of every command it read and every reply
# it sent). The two accounts of the session, as (command, reply code)
# pairs in order, must agree up to the point where smtpguard kicks: a
# kick before any disagreement is smtpguard refusing to guess, a pass.
# A quarter of the generated streams are sent a line at a time
# (lock-step-like timing), the others in one burst.
#
#   sgdiff.pl [options] replay FILE...   each file a client stream; all must agree
#                                        (FILE.paced: sent a line at a time, 3 ms apart)
#   sgdiff.pl [options] fuzz             generated and mutated streams
#                                        (tests/diff/SgDiffGen.pm), also from
#                                        the client halves of tests/fuzz/corpus
# options:
#   --build DIR      where tests/diff/smtpguard-trace is (default build)
#   --seconds N      fuzz: stop after N seconds (default 30)
#   --max N          fuzz: stop after N inputs (default 1000000)
#   --seed N         fuzz: first seed (default 1); seeds are consecutive
#   --findings DIR   fuzz: save each disagreeing input there, minimized
#                    (at most 3 per kind of disagreement)
#   --work DIR       scratch directory (default: a new one under TMPDIR, removed)
#   -v               print every session's verdict
#
# Accepted differences (not disagreements): smtpguard stops watching a
# client once it authenticated; exim's 421 when the client vanishes in a
# body answers no command; exim "other" + 5xx against smtpguard's verb
# (exim refused the line; smtpguard over-counts it at worst); anything
# after exim crashed ("exim-crash") or panicked ("exim-panic": it then
# answers 421 to every line and refuses a BDAT without reading its chunk,
# tests/diff/regressions/exim-panic-bdat-refused; with no recipient
# oracle left, smtpguard does not kick that, by decision).
#
# Exit: 0 all agree; 1 a disagreement (replay) or findings (fuzz);
# 100 usage; 111 the harness itself failed. Every session runs in its own process
# group under a 20 s deadline; the group is killed and reaped after.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use POSIX qw(:sys_wait_h setpgid _exit);
use Time::HiRes qw(time sleep);
use File::Temp qw(tempdir);
use Getopt::Long qw(GetOptions);
use SgDiffGen;

my $top = "$FindBin::Bin/../..";
sub usage { print STDERR "sgdiff: usage: sgdiff.pl [options] replay FILE... | fuzz\n"; exit 100 }
sub fatal { print STDERR "sgdiff: fatal: @_\n"; exit 111 }
my %o = (build => 'build', seconds => 30, max => 1000000, seed => 1, v => 0);
GetOptions(\%o, 'build=s', 'seconds=i', 'max=i', 'seed=i', 'findings=s', 'work=s', 'v')
  or usage();
my $mode = shift @ARGV // '';
my $trace = "$o{build}/tests/diff/smtpguard-trace";
$trace = "$top/$trace" unless $trace =~ m{^/};
-x $trace or fatal("$trace: not built (make tests)");
my $work = $o{work} // tempdir('sgdiff.XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$work/exim";
$ENV{SG_EXIM_DIR} = "$work/exim";
$ENV{TCPREMOTEIP} = '127.0.0.9';
delete $ENV{$_} for qw(RELAYCLIENT SMTPGUARD_EXEMPT SG_REC);

sub slurp { my ($f) = @_; open(my $h, '<:raw', $f) or return ''; local $/; my $s = <$h>; $s // '' }
sub spew { my ($f, $s) = @_; open(my $h, '>:raw', $f) or fatal("unable to write $f: $!"); print $h $s; close $h or fatal("unable to write $f: $!") }

# One session: the client's bytes in one burst. Returns (trace, exim debug).
# High limits: only a protocol violation (or a line too long) kicks.
my ($sessions, $leftovers) = (0, 0);
my $idle = 5;   # smtpguard -t: this long without a byte either way is a stall
sub run_session {
  my ($bytes, $paced) = @_;
  spew("$work/client", $bytes);
  spew("$work/dbg", '');
  unlink "$work/trace";
  $sessions++;
  # exim's logs grow with every session: start them afresh now and then
  if ($sessions % 200 == 0) { unlink glob("$work/exim/log/*") }
  my $pid = fork // fatal("unable to fork: $!");
  if (!$pid) {
    setpgid(0, 0);
    if ($paced) {
      # lock-step-like: the client writes a line at a time, 3 ms apart
      pipe(my $r, my $w) or _exit(111);
      my $wp = fork // _exit(111);
      if (!$wp) {
        close $r;
        binmode $w;
        $SIG{PIPE} = sub { _exit(0) };
        for my $l ($bytes =~ /([^\n]*\n|[^\n]+$)/g) { syswrite($w, $l) // _exit(0); sleep 0.003 }
        _exit(0);
      }
      close $w;
      POSIX::dup2(fileno($r), 0) or _exit(111);
      close $r;
    }
    else { open(STDIN, '<:raw', "$work/client") or _exit(111) }
    open(STDOUT, '>:raw', "$work/server") or _exit(111);
    open(STDERR, '>', "$work/guard.err") or _exit(111);
    open(my $t, '>', "$work/trace") or _exit(111);
    POSIX::dup2(fileno($t), 9) or _exit(111);
    $ENV{SG_EXIM_DEBUG} = "$work/dbg";
    { exec($trace, '-v', '-b', 100000, '-s', 100000, '-a', 100000, '-e', 100000, '-g', 2000, '-t', $idle, "$top/tests/exim/smtpd") }
    _exit(111);
  }
  my $deadline = time + 20;
  my $st;
  while (1) {
    my $w = waitpid($pid, WNOHANG);
    if ($w == $pid) { $st = $?; last }
    if (time > $deadline) { kill('KILL', -$pid); waitpid($pid, 0); $st = -1; last }
    sleep 0.002;
  }
  # whatever is left of the group (an exim smtpguard did not reap) goes too
  # (a paced client writer ends at its next write; a zombie waiting for
  # init to reap it is no leftover)
  for (1 .. 50) { last unless kill(0, -$pid); sleep 0.002 }
  if (kill(0, -$pid)) {
    my @live = grep { /^\s*(\d+)\s+(\S+)/ && $1 == $pid && $2 !~ /^Z/ } `ps -e -o pgid=,stat=`;
    $leftovers++ if @live;
    kill('KILL', -$pid);
  }
  return (slurp("$work/trace"), slurp("$work/dbg"), $st, slurp("$work/guard.err"));
}

# smtpguard's account: its replies (verb, code) up to a kick, and the kick
sub guard_pairs {
  my ($t) = @_;
  my (@p, $kick);
  for (split /\n/, $t) {
    if (/^reply (\S+) (\d+)$/ || /^blind (\S+) (\d+)$/) { push @p, [$1, $2] }
    elsif (/^kick (\S+)/) { $kick = $1; last }
  }
  return (\@p, $kick);
}

# exim's verb for a command line, by its own rules (smtp_in.c,
# smtp_read_command: trailing white space trimmed, then a verb matches
# when followed by end or SP; "mail from:" and "rcpt to:" with their colon)
my @verbs = qw(helo ehlo auth starttls bdat data vrfy expn quit rset noop help);
sub exim_verb {
  my ($l) = @_;
  return 'mail' if $l =~ /^mail from:/i;
  return 'rcpt' if $l =~ /^rcpt to:/i;
  for my $v (@verbs) { return $v if $l =~ /^\Q$v\E(?: |$)/i }
  return 'other';
}

# exim's account from its debug output
sub exim_pairs {
  my ($d) = @_;
  my (@p, $cur, $authcont, $panic);
  $cur = 'greeting';
  my @lines = split /\n/, $d;
  for (my $i = 0 ; $i < @lines ; $i++) {
    my $l = $lines[$i];
    # exim panicked (e.g. "string too large in smtp_printf()" echoing a
    # long line): from here it answers 421 to every line and refuses a
    # BDAT without reading its chunk; no reply of it tells anything more
    $panic //= scalar(@p) if $l =~ /^LOG: .*PANIC/;
    if ($l =~ /^SMTP<< (.*)$/s) {
      if ($authcont) { $authcont = 0; next }   # credentials, read by auth_get_data()
      $cur = exim_verb($1);
      next;
    }
    next unless $l =~ /^SMTP>> (\d\d\d)(.?)/;
    my ($code, $sep) = ($1, $2);
    # the other lines of the same write are indented; a CR or LF that exim
    # echoed from the client (a HELO name) can add indented lines of no code
    # exim cuts a long debug line with a line of its own
    while ($i + 1 < @lines && ($lines[$i+1] =~ /^ {7}/ || $lines[$i+1] =~ /^\*\*\*\* debug string too long/)) {
      ($code, $sep) = ($1, $2) if $lines[$i+1] =~ /^ {7}(\d\d\d)([- ]|$)/;
      $i++;
    }
    next if $sep eq '-';   # the reply goes on in the next SMTP>>
    if ($cur eq 'auth' && $code == 334) { $authcont = 1; next }
    push @p, [$cur, $code];
    # the session is over: what exim may still write (a 421 when the
    # client's next bytes arrive) answers nothing it read
    last if $cur eq 'quit' && $code == 221;
    $cur = $cur eq 'data' && $code == 354 ? 'dot' : 'unsolicited';
  }
  return (\@p, $panic);
}

# pairs that no "5xx to a line exim did not take for a command" excuses:
# smtpguard reads a BDAT's chunk before any reply, and the others are no
# command lines at all (a 5xx to HELO, EHLO, DATA, AUTH or STARTTLS
# leaves smtpguard reading commands, as exim does)
my %structural = map { $_ => 1 } qw(greeting dot bdat unsolicited);

# 'agree', 'kick REASON' or 'disagree: ...'
sub compare {
  my ($t, $d, $st, $err) = @_;
  my ($g, $kick) = guard_pairs($t);
  # exim died of a signal: what it printed as sent was partly still in
  # its buffer, lost; not a pairing question (and exim's bug, not ours)
  return "exim-crash $1" if $err =~ /^smtpguard: info: session .* status=(1[3-9]\d|2\d\d)$/m;
  return 'broken: smtpguard timed out' if $st < 0;
  # the session stalled until smtpguard's idle timeout (-t): neither
  # side was waiting for the other in the protocol's terms
  return 'stall' if $err =~ /^smtpguard: info: session .* end=timeout /m;
  my ($e, $panic) = exim_pairs($d);
  return 'broken: no trace' if $t eq '';
  return 'broken: no exim account' unless @$e;
  for my $k (0 .. $#$g) {
    my ($gv, $gc) = @{$g->[$k]};
    last if $k > $#$e && @$e && $e->[-1][0] eq 'quit' && $e->[-1][1] == 221;
    return "disagree: reply $k: smtpguard $gv $gc, exim sent no such reply" if $k > $#$e;
    my ($ev, $ec) = @{$e->[$k]};
    # smtpguard stops watching a client that authenticated (sgsession.c)
    return 'authenticated' if $gv eq 'auth' && $gc == 235 && $ev eq 'auth' && $ec == 235 && $k == $#$g && !defined $kick;
    next if $gv eq $ev && $gc == $ec;
    return 'exim-panic' if defined $panic && $k >= $panic;
    # exim refused a line as a syntax error that smtpguard took for a
    # verb: both saw one line and one reply; smtpguard over-counts it
    # at worst, and what follows is still read the same way
    next if $ev eq 'other' && $gc == $ec && $ec >= 500 && !$structural{$gv};
    # exim's 421 when the client vanished inside a DATA body answers no command
    next if $ev eq 'dot' && $gv eq 'unsolicited' && $gc == 421 && $ec == 421;
    return "disagree: reply $k: smtpguard $gv $gc, exim $ev $ec";
  }
  return "kick $kick" if defined $kick;
  return 'exim-panic' if defined $panic && @$g < @$e;
  return 'disagree: smtpguard paired ' . scalar(@$g) . ' replies, exim sent ' . scalar(@$e)
    . ' (next: exim ' . join(' ', @{$e->[scalar @$g]}) . ')' if @$g < @$e;
  return 'agree';
}

sub check { my ($bytes, $paced) = @_; compare(run_session($bytes, $paced)) }

# the kind of a disagreement, for grouping: the two pairs, no index
sub kind { my ($v) = @_; $v =~ s/reply \d+: //; $v =~ s/\d+ replies, exim sent \d+/N replies, exim sent more/; $v }

# smaller input, same kind of disagreement: drop lines, then halve long ones
sub minimize {
  my ($bytes, $kind, $paced) = @_;
  my @l = $bytes =~ /([^\n]*\n|[^\n]+$)/g;
  my $tries = 0;
  my $until = time + 60;
  for (my $i = $#l ; $i >= 0 && $tries < 80 && time < $until ; $i--) {
    my @m = @l; splice(@m, $i, 1);
    $tries++;
    my $v = check(join('', @m), $paced);
    @l = @m if $v =~ /^disagree/ && kind($v) eq $kind;
  }
  for (my $i = 0 ; $i < @l && $tries < 120 && time < $until ; $i++) {
    next unless length($l[$i]) > 200;
    my @m = @l; $m[$i] = substr($l[$i], 0, 100) . substr($l[$i], -100);
    $tries++;
    my $v = check(join('', @m), $paced);
    @l = @m if $v =~ /^disagree/ && kind($v) eq $kind;
  }
  return join('', @l);
}

if ($mode eq 'replay') {
  @ARGV or usage();
  my $bad = 0;
  for my $f (@ARGV) {
    my $v = check(slurp($f), $f =~ /\.paced$/);
    my $ok = $v eq 'agree' || $v eq 'authenticated' || $v =~ /^kick/ || $v =~ /^exim-(crash|panic)/;
    print(($ok ? 'ok   ' : 'FAIL '), "$f: $v\n");
    $bad++ unless $ok;
  }
  print "sgdiff: replayed " . scalar(@ARGV) . " inputs, $bad disagreements\n";
  exit($bad ? 1 : 0);
}

$mode eq 'fuzz' or usage();
my @corpus;
for my $f (sort glob("$top/tests/fuzz/corpus/* $top/tests/diff/regressions/*")) {
  my $s = slurp($f);
  $s =~ s/\@\@server\@\@\n.*//s;
  push @corpus, $s if length $s;
}
$idle = 2;
my $start = time;
my $progress = $start + 300;
my ($n, $agree, $kicks, $broken, $findings, $crashes, $stalls, $panics) = (0, 0, 0, 0, 0, 0, 0, 0);
my (%kinds, %kickwhy);
if ($o{findings}) { mkdir $o{findings}; -d $o{findings} or fatal("unable to create $o{findings}: $!") }
while ($n < $o{max} && time - $start < $o{seconds}) {
  my $seed = $o{seed} + $n;
  if (time >= $progress) {
    printf "sgdiff: progress: %d inputs in %.0f s: %d agree, %d kicked first, %d disagree, %d exim crashes, %d stalls\n",
      $n, time - $start, $agree, $kicks, $findings, $crashes, $stalls;
    $progress = time + 300;
  }
  my $bytes = @corpus && $seed % 4 == 0 ? SgDiffGen::gen_from($seed, $corpus[($seed / 4) % @corpus]) : SgDiffGen::gen($seed);
  $n++;
  my $paced = $seed % 4 == 1;
  my $v = check($bytes, $paced);
  print "seed $seed: $v\n" if $o{v};
  if ($v eq 'agree' || $v eq 'authenticated') { $agree++; next }
  if ($v eq 'stall') {
    # fuzzing waits 2 s only: a stall is confirmed with 5 s
    $idle = 5; $v = check($bytes, $paced); $idle = 2;
  }
  if ($v eq 'stall') {
    $stalls++;
    print "sgdiff: seed $seed: $v\n" if $stalls <= 5;
    spew("$o{findings}/stall-$seed", $bytes) if $o{findings} && $stalls <= 5;
    next;
  }
  if ($v eq 'exim-panic') { $panics++; next }
  if ($v =~ /^exim-crash/) {
    $crashes++;
    print "sgdiff: seed $seed: $v\n" if $crashes <= 5;
    spew("$o{findings}/exim-crash-$seed", $bytes) if $o{findings} && $crashes <= 5;
    next;
  }
  if ($v =~ /^kick (\S+)/) { $kicks++; $kickwhy{$1}++; next }
  if ($v =~ /^broken/) {
    $broken++;
    print "sgdiff: seed $seed: $v\n";
    spew("$o{findings}/broken-$seed", $bytes) if $o{findings} && $broken <= 5;
    next;
  }
  $findings++;
  my $kind = kind($v);
  next if $kinds{$kind}++ >= 3;
  print "sgdiff: seed $seed: $v\n";
  if ($o{findings}) {
    my $m = minimize($bytes, $kind, $paced);
    my $name = "$o{findings}/seed-$seed" . ($paced ? '.paced' : '');
    spew($name, $m);
    spew("$name.why", check($m, $paced) . "\n");
    print "sgdiff:   saved $name (" . length($m) . " bytes, from " . length($bytes) . ")\n";
  }
}
my $secs = time - $start;
printf "sgdiff: %d inputs in %.0f s (%d sessions with exim): %d agree, %d kicked first (%s), %d disagree (%d kinds), %d broken, %d exim crashes, %d exim panics, %d stalls, %d left behind\n",
  $n, $secs, $sessions, $agree, $kicks, join(' ', map { "$_=$kickwhy{$_}" } sort keys %kickwhy), $findings, scalar(keys %kinds), $broken, $crashes, $panics, $stalls, $leftovers;
for (sort { $kinds{$b} <=> $kinds{$a} } keys %kinds) { printf "sgdiff:   %5d  %s\n", $kinds{$_}, $_ }
exit($findings || $broken || $stalls ? 1 : 0);
