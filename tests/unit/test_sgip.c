/* ISC license. */

/* sgip_canon: the canonical forms (IPv6 as Debian's ucspi-tcp-ipv6
   tcpserver prints TCPREMOTEIP, checked there: see doc/statedir.html),
   and everything that must never become a file name. */

#include <stdio.h>
#include <string.h>

#include "sgip.h"

static int fails = 0 ;

static void ok (char const *in, int fam, char const *want)
{
  char out[SGIP_MAX] ;
  int r ;
  memset(out, 'X', sizeof(out)) ;
  r = sgip_canon(out, in) ;
  if (r != fam || strcmp(out, want))
  {
    printf("FAIL: sgip_canon(\"%s\") = %d \"%s\", want %d \"%s\"\n", in, r, r ? out : "", fam, want) ;
    fails++ ;
  }
}

static void bad (char const *in)
{
  char out[SGIP_MAX] ;
  int r = sgip_canon(out, in) ;
  if (r)
  {
    printf("FAIL: sgip_canon(\"%s\") accepted as \"%s\"\n", in, out) ;
    fails++ ;
  }
}

int main (void)
{
  ok("1.2.3.4", 4, "1.2.3.4") ;
  ok("0.0.0.0", 4, "0.0.0.0") ;
  ok("255.255.255.255", 4, "255.255.255.255") ;
  ok("127.0.0.9", 4, "127.0.0.9") ;
  ok("::ffff:1.2.3.4", 4, "1.2.3.4") ;
  ok("::FFFF:10.0.0.1", 4, "10.0.0.1") ;
  ok("0:0:0:0:0:ffff:0102:0304", 4, "1.2.3.4") ;
  ok("::1", 6, "::1") ;
  ok("::", 6, "::") ;
  ok("0:0:0:0:0:0:0:0", 6, "::") ;
  ok("2001:DB8::1", 6, "2001:db8::1") ;
  ok("2001:0db8:0000:0000:0000:0000:0000:0001", 6, "2001:db8::1") ;
  /* the forms Debian's ucspi-tcp-ipv6 tcpserver 0.88-7 puts in TCPREMOTEIP */
  ok("2001:db8:0:1:0:0:0:5", 6, "2001:db8:0:1::5") ;
  ok("2001:db8:0:0:1:0:0:5", 6, "2001:db8::1:0:0:5") ;
  ok("2001:db8:1:0:1:0:0:5", 6, "2001:db8:1:0:1::5") ;
  ok("2001:db8:a:b:c:d:0:1", 6, "2001:db8:a:b:c:d::1") ;
  ok("1:0:0:0:0:0:0:0", 6, "1::") ;
  ok("1:2:3:4:5:6:7:0", 6, "1:2:3:4:5:6:7::") ;
  ok("0:1:2:3:4:5:6:7", 6, "::1:2:3:4:5:6:7") ;
  ok("fe80::7", 6, "fe80::7") ;
  ok("1:2:3:4:5:6:7:8", 6, "1:2:3:4:5:6:7:8") ;
  ok("::1.2.3.4", 6, "::102:304") ;
  ok("64:ff9b::192.0.2.33", 6, "64:ff9b::c000:221") ;
  ok("FFFF:ffff:FFFF:ffff:FFFF:ffff:FFFF:ffff", 6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") ;
  ok("0000:0000:0000:0000:0000:ffff:255.255.255.255", 4, "255.255.255.255") ;

  bad("") ; bad(".") ; bad("..") ; bad("/") ; bad("../etc/passwd") ; bad("1.2.3.4/32") ;
  bad("1.2.3") ; bad("1.2.3.4.5") ; bad("256.1.1.1") ; bad("1.2.3.-4") ; bad("01.2.3.4") ;
  bad("1.2.3.04") ; bad("1.2.3.4 ") ; bad(" 1.2.3.4") ; bad("1.2.3.4\n") ; bad("1..3.4") ;
  bad("1.2.3.4.") ; bad("0x1.2.3.4") ; bad("1234.1.1.1") ; bad("a.b.c.d") ;
  bad(":") ; bad(":::") ; bad("1::2::3") ; bad("1:2:3:4:5:6:7:8:9") ; bad("1::2:3:4:5:6:7:8") ;
  bad("12345::1") ; bad("g::1") ; bad("1:") ; bad(":1") ; bad("1:2") ; bad("fe80::1%eth0") ;
  bad("[::1]") ; bad("::1/128") ; bad("::ffff:1.2.3") ; bad("::ffff:1.2.3.4.5") ; bad("1.2.3.4::") ;
  bad("::1.2.3.4:5") ; bad("1:2:3:4:5:6:7:1.2.3.4") ;
  bad("0000:0000:0000:0000:0000:ffff:255.255.255.2555") ;
  bad("00000:0000:0000:0000:0000:ffff:255.255.255.255") ;
  bad("1111111111111111111111111111111111111111111111111111111111111.1.1.1") ;
  {
    char big[200] ;
    memset(big, '1', sizeof(big) - 1) ; big[sizeof(big) - 1] = 0 ;
    bad(big) ;
  }
  /* dotted quads made of every kind of part: canonical exactly when
     each part is 0..255 without a leading zero, and then their own form */
  {
    static char const *const parts[] = { "0", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "999", "00", "01", "010", "0255", "1000", "", "a", "1a", "-1", " 1" } ;
    static int const good[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } ;
    unsigned int const np = sizeof(parts) / sizeof(parts[0]) ;
    unsigned int a, b, c, d ;
    for (a = 0 ; a < np ; a++) for (b = 0 ; b < np ; b++) for (c = 0 ; c < np ; c++) for (d = 0 ; d < np ; d++)
    {
      char in[64] ;
      snprintf(in, sizeof(in), "%s.%s.%s.%s", parts[a], parts[b], parts[c], parts[d]) ;
      if (good[a] && good[b] && good[c] && good[d]) ok(in, 4, in) ;
      else bad(in) ;
    }
    ok("1.2.3.4", 4, "1.2.3.4") ;
    bad("1.2.3.4.") ; bad("1.2.3.4.5") ; bad("1.2.3") ; bad(".1.2.3.4") ; bad("1..2.3") ; bad("1.2.3.4 ") ;
  }
  if (fails) { printf("%d failures\n", fails) ; return 1 ; }
  return 0 ;
}
