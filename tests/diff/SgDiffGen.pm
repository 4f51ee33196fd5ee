package SgDiffGen;
# Client streams for the differential harness (tests/diff/sgdiff.pl):
# gen(seed) gives the bytes of one SMTP client session, a plausible one
# (EHLO or HELO, AUTH, transactions with DATA or BDAT, RSET, NOOP,
# STARTTLS, QUIT) put together from parts and then mutated where
# smtpds read lines differently: NULs, bare CR, bare LF, trailing
# white space that exim trims (SP, TAB, VT, FF), odd BDAT sizes and
# spacing, over-long lines, command-like lines and dot-stuffing edge
# cases inside DATA bodies, the verb's case. Everything is sent in one
# burst (pipelined). Deterministic: the same seed, the same bytes.
#
# gen_from(seed, bytes) mutates a given client stream instead (the
# client halves of tests/fuzz/corpus).
use strict;
use warnings;

my $R;   # the generator's own state: srand/rand would be shared with the caller
sub r { $R = ($R * 1103515245 + 12345) % 2147483648; int(($R / 2147483648) * $_[0]) }
sub pick { $_[r(scalar @_)] }

# sizes and spellings of a BDAT line that smtpds parse differently
my @bdat_odd = ('4294967296', '4294967297', '4294967295', '2147483648', '2147483647',
  '18446744073709551616', '99999999999999999999', '+5', '-1', '0x10', '5x', ' 5', '05',
  '000000000000000000000005', '0', '');
my @bdat_tail = ('', ' LAST', ' last', '  LAST', "\tLAST", ' LAST junk', ' LASTX', ' ', "\t", " LAST\t", "\x0b");
my @ws = (' ', "\t", "\x0b", "\x0c", "\r", ' ', "\t ");

sub auth {
  my $k = r(6);
  return "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" if $k == 0;              # alice/secret
  return "AUTH PLAIN AGFsaWNlAHdyb25n\r\n" if $k == 1;                  # wrong
  return "AUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\n" if $k == 2;
  return "AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\n" if $k == 3;
  return "AUTH LOGIN\r\n*\r\n" if $k == 4;
  return "AUTH PLAIN\r\nRSET\r\n";                                       # a command as credentials
}

sub bodyline {
  my $k = r(14);
  return pick('RSET', 'QUIT', 'DATA', 'NOOP', 'RCPT TO:<bad' . r(99) . '@example.test>', 'MAIL FROM:<>', 'BDAT 10 LAST', 'AUTH PLAIN', 'STARTTLS') if $k < 3;
  return '.' . pick('.', 'RSET', '..', 'QUIT', '.x', ' ', "\r", "\t", "\0") if $k == 3;
  return pick('.', ". ", ".\r", ".\0", "\r.", " .", "..") if $k == 4;   # not stuffed: maybe an end
  return 'x' x (900 + r(1200)) if $k == 5;
  return '' if $k == 6;
  return join('', map { chr(pick(0, 13, 10, 32 + r(95), 128 + r(128))) } 1 .. 1 + r(40)) if $k == 7;
  return 'lorem ipsum ' . r(1000);
}

sub body {
  my $b = "Subject: diff\r\n\r\n";
  # a bare LF next to the final dot is a known disagreement (exim needs
  # CR LF "." CR LF): rare enough to leave time for the rest
  $b .= bodyline() . pick(("\r\n") x 12, "\n", "\r\r\n", "\r") for 1 .. r(12);
  return $b . pick((".\r\n") x 20, ".\n", "\n.\r\n", "\r\n.\n");
}

sub rcpt { r(3) ? 'RCPT TO:<good' . r(1000) . '@example.test>' : 'RCPT TO:<bad' . r(1000) . '@example.test>' }

sub bdat {
  my @p;
  my $n = 1 + r(3);
  for my $i (1 .. $n) {
    my $chunk = join('', map { pick('x', "\r\n", 'RSET', "\0", ".", 'RCPT TO:<bad@example.test>') } 1 .. r(12));
    my $size = length($chunk);
    my $tail = $i == $n ? ' LAST' : '';
    if (r(4) == 0) { $size = pick(@bdat_odd); $tail = pick(@bdat_tail) }
    push @p, 'BDAT ' . $size . $tail . "\r\n" . $chunk;
  }
  return @p;
}

# the parts of a plausible session, each a string of whole lines
sub session {
  my @p;
  my $ehlo = r(5);
  push @p, ($ehlo ? 'EHLO' : 'HELO') . ' client' . r(100) . ".example.test\r\n" if r(8);
  push @p, auth() if r(3) == 0;
  for (1 .. 1 + r(3)) {
    my $k = r(8);
    push @p, pick('NOOP', 'HELP', 'VRFY good1@example.test', 'RSET', 'EXPN x', 'STARTTLS', 'XYZZY', 'HELO x', 'EHLO y') . "\r\n" if $k == 0;
    push @p, 'MAIL FROM:<s' . r(100) . "\@client.example.test>\r\n";
    push @p, rcpt() . "\r\n" for 1 .. 1 + r(5);
    if (r(3) == 0) { push @p, bdat() }
    else { push @p, "DATA\r\n", body() }
    push @p, "RSET\r\n" if r(2);
  }
  push @p, "QUIT\r\n" if r(6);
  return @p;
}

# one mutation of one part
sub mutate_part {
  my ($s) = @_;
  my $k = r(20);
  $k = pick(3, 5, 6, 7, 10, 11, 14) if $k >= 16;   # more of what smtpguard does not kick
  my $len = length $s;
  my $at = $len ? r($len) : 0;
  return substr($s, 0, $at) . "\0" . substr($s, $at) if $k == 0;                 # NUL anywhere
  return substr($s, 0, $at) . "\r" . substr($s, $at) if $k == 1;                 # bare CR
  return substr($s, 0, $at) . "\n" . substr($s, $at) if $k == 2;                 # bare LF
  if ($k == 3) { $s =~ s/\r\n/\n/g; return $s }                                   # LF-only lines
  if ($k == 4) { $s =~ s/\r\n/\r/; return $s }                                    # CR-only end
  if ($k == 5) { my $w = pick(@ws); $s =~ s/(\S)\r\n/$1$w\r\n/; return $s }       # trailing white space
  if ($k == 6) { my $w = pick(@ws); $s =~ s/^(\w+) /$1$w/; return $s }            # odd separator
  if ($k == 7) { $s =~ s/^(\w+)/pick(lc $1, uc $1, ucfirst lc $1)/e; return $s }  # verb case
  if ($k == 8) { my $x = pick('A', ' ', 'x', '.') x (pick(990, 1000, 1001, 2048, 12287, 12288, 12289, 16383, 16384, 16385, 20000)); return substr($s, 0, $at) . $x . substr($s, $at) }
  if ($k == 9) { my $sz = pick(@bdat_odd); my $t = pick(@bdat_tail); $s =~ s/^BDAT [^\r\n]*/BDAT $sz$t/i or $s = "BDAT $sz$t\r\n$s"; return $s }
  if ($k == 10) { return $s . pick("DATA\0\r\n", "DATA\x0b\r\n", "DATA \r\n", "DATA\t\r\n", "RSET\x0c\r\n", "data\r\n", "\0DATA\r\n", "DATA\r\r\n") }
  if ($k == 11) { return pick("\r\n", "\n", ".\r\n", " \r\n", "\r\n\r\n") . $s }
  if ($k == 12) { my $c = chr(r(256)); substr($s, $at, $len ? 1 : 0) = $c; return $s }   # one byte changed
  if ($k == 13) { return substr($s, 0, $at) }                                    # cut short
  if ($k == 14) { return $s . bodyline() . "\r\n" }
  return $s x (1 + r(3));                                                         # repeated: a burst
}

sub mutate {
  my @p = @_;
  return '' unless @p;
  my $n = pick(0, 1, 1, 2, 3);   # some sessions stay plain
  for (1 .. $n) {
    my $i = r(scalar @p);
    $p[$i] = mutate_part($p[$i]);
    if (r(8) == 0 && @p > 1) { my $j = r(scalar @p); @p[$i, $j] = @p[$j, $i] }
  }
  return join('', @p);
}

sub gen {
  my ($seed) = @_;
  $R = $seed % 2147483648;
  r(2) for 1 .. 3;
  return mutate(session());
}

sub gen_from {
  my ($seed, $bytes) = @_;
  $R = $seed % 2147483648;
  r(2) for 1 .. 3;
  # cut into lines, keep their ends
  my @p = $bytes =~ /([^\n]*\n|[^\n]+$)/g;
  return mutate(@p);
}

1;
