package SgNoDNS;
# perl -I tests/tools -MSgNoDNS /usr/bin/swaks ...: swaks with no name
# lookups. swaks always asks gethostbyname() for the canonical name of the
# local host (for its default sender and Message-Id), and that goes to DNS
# when the host name is not in /etc/hosts, as on many CI machines. The
# tests never use DNS: here the answer is the name itself, 127.0.0.1.
# (The server is always given as a numeric address: no lookup there.)
use strict;
use warnings;
BEGIN {
  *CORE::GLOBAL::gethostbyname = sub {
    my $name = shift;
    my $addr = pack('C4', 127, 0, 0, 1);
    return wantarray ? ($name, '', 2, 4, $addr) : $addr;
  };
  *CORE::GLOBAL::gethostbyaddr = sub { return wantarray ? () : undef; };
}
1;
