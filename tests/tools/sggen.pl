#!/usr/bin/perl
# sggen.pl seed dir: writes a random legitimate SMTP session for
# sgtclient (dir/script, with the raw byte files it sends in dir/raw.N),
# for the transparency property test (tests/transparency.sh).
#
# Legitimate, and never kicked under smtpguard's default limits: at most
# 6 rejected recipients, 2 unknown commands, 1 failed AUTH; every
# transaction has a recipient that tests/exim/exim.conf accepts (local
# part good*), so DATA always gets 354. Random: the command mix (EHLO or
# HELO, NOOP, RSET, HELP, VRFY, unknown verbs, AUTH PLAIN), transactions
# with DATA or BDAT (EHLO only: exim advertises CHUNKING), bodies with
# dot-stuffed lines, lines that look like commands, NULs, bare CRs,
# 8-bit bytes, long lines; pipelined groups or lock-step; commands and
# bodies cut into several writes with short pauses; QUIT, or a half-close
# without it.
use strict;
use warnings;

my ($seed, $dir) = @ARGV;
die "sggen: usage: sggen.pl seed dir\n" unless defined $dir && $seed =~ /^\d+$/;
srand($seed);
my $nraw = 0;
my @s;
my ($bad, $unknown, $authfail) = (0, 0, 0);

sub r { int(rand($_[0])) }
sub pick { $_[r(scalar @_)] }
sub out { push @s, @_ }

sub raw {   # bytes: a file for raw-file
  my $f = "$dir/raw." . $nraw++;
  open(my $fh, '>:raw', $f) or die "sggen: $f: $!\n";
  print $fh $_[0];
  close $fh;
  return "raw-file $f";
}

# a command line, maybe written in two pieces with a pause between
sub cmd {
  my ($line, $piped) = @_;
  if (!$piped && length($line) > 4 && r(4) == 0) {
    my $cut = 1 + r(length($line) - 1);
    out('>> ' . substr($line, 0, $cut), 'sleep ' . r(20), '> ' . substr($line, $cut));
  } else {
    out("> $line");
  }
}

sub rcpt {
  if ($bad < 6 && r(4) == 0) { $bad++; return 'RCPT TO:<' . pick('nobody', 'bogus', 'godo') . r(1000) . '@example.test>' }
  return 'RCPT TO:<good' . r(100000) . '@example.test>';
}

sub bodyline {
  my $k = r(12);
  return '.' . pick('.', 'RSET', '..', 'QUIT', '.x', '') if $k == 0;   # to be dot-stuffed
  return pick('RCPT TO:<x@example.test>', 'QUIT', 'DATA', 'RSET', 'MAIL FROM:<>', 'BDAT 100 LAST', 'AUTH PLAIN') if $k == 1;
  return join('', map { chr(pick(0, 1, 13, 27, 127, 128 + r(128), 32 + r(95))) } 1 .. 1 + r(60)) if $k == 2;
  return 'x' x (500 + r(4000)) if $k == 3;
  return '' if $k == 4;
  return join(' ', map { pick('lorem', 'ipsum', 'dolor', 'sit', 'amet', '.', '..', "\r", "caf\xe9") } 1 .. 1 + r(15));
}

# a message body as sent on the wire (dot-stuffed, CRLF), ending before "."
sub body {
  my $b = "Subject: test $seed\r\nX-Seed: $seed\r\n\r\n";
  for (1 .. r(40)) {
    my $l = bodyline();
    $l =~ s/\r$//;   # a CR right before our CRLF would make "\r\r\n": fine, but keep lines clean
    $l = ".$l" if substr($l, 0, 1) eq '.';
    $b .= "$l\r\n";
  }
  return $b;
}

# send bytes in 1 to 3 writes, with short pauses
sub sendbytes {
  my ($b) = @_;
  my $parts = 1 + r(3);
  while ($parts > 1 && length($b) > 1) {
    my $cut = 1 + r(length($b) - 1);
    out(raw(substr($b, 0, $cut)), 'sleep ' . r(15));
    $b = substr($b, $cut);
    $parts--;
  }
  out(raw($b));
}

sub transaction {
  my ($ehlo) = @_;
  my $piped = $ehlo && r(2);
  my @rcpts = (('RCPT TO:<good' . r(100000) . '@example.test>'), map { rcpt() } 1 .. r(8));
  for my $i (reverse 1 .. $#rcpts) { my $j = r($i + 1); @rcpts[$i, $j] = @rcpts[$j, $i] }
  my $bdat = $ehlo && r(3) == 0;
  my @cmds = ('MAIL FROM:<sender' . r(100) . '@client.example.test>', @rcpts);
  push @cmds, 'DATA' unless $bdat;
  if ($piped) {
    out('pipeline');
    cmd($_, 1) for @cmds;
    out('flush');
    out('<') for @cmds;
  } else {
    for (@cmds) { cmd($_, 0); out('<') }
  }
  if ($bdat) {
    my $n = 1 + r(3);
    for my $i (1 .. $n) {
      my $chunk = join('', map { chr(r(256)) } 1 .. 1 + r(3000));
      $chunk .= "\r\n.\r\nRSET\r\n" if r(2);
      my $last = $i == $n ? ' LAST' : '';
      out('pipeline', '> BDAT ' . length($chunk) . $last, raw($chunk), 'flush', '<');
    }
  } else {
    sendbytes(body() . ".\r\n");
    out('<');
  }
}

out('<');
my $ehlo = r(5) != 0;
cmd(($ehlo ? 'EHLO' : 'HELO') . ' client' . r(100) . '.example.test', 0);
out('<');
for (1 .. 1 + r(4)) {
  my $k = r(10);
  if ($k == 0) { cmd(pick('NOOP', 'HELP', 'VRFY good1@example.test', 'NOOP hello'), 0); out('<') }
  elsif ($k == 1 && $unknown < 2) { $unknown++; cmd(pick('XYZZY', 'FOO bar', 'MAIL', 'RCPT'), 0); out('<') }
  elsif ($k == 2 && $ehlo && $authfail < 1) {
    # AUTH PLAIN, wrong password (535); the right one would stop counting
    $authfail++;
    out('> AUTH PLAIN AGFsaWNlAHdyb25n', '<');
  }
  transaction($ehlo);
  if (r(2)) { cmd('RSET', 0); out('<') }
}
if (r(8) == 0) {
  # no QUIT: half-close, read what exim says (it ends on EOF)
  out('shutdown', 'drain');
} else {
  cmd('QUIT', 0);
  out('<', 'eof');
}
open(my $fh, '>', "$dir/script") or die "sggen: $dir/script: $!\n";
print $fh "$_\n" for @s;
close $fh;
