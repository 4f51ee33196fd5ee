/* ISC license. */

/* sgstat: a log split anywhere (one byte at a time, lines across feeds)
   counts the same as in one piece; an overlong line is cut off whole and
   the next line still counts; the table never grows past its cap. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgpolicy.h"
#include "sgstat.h"

static int fails = 0 ;

#define CHECK(cond, what) do { if (!(cond)) { printf("FAIL: %s\n", what) ; fails++ ; } } while (0)

static char const logtext[] =
  "@400000006746b2a00000000a smtpguard: info: kick ip=127.0.1.5 reason=badrcpt bad=10 good=0 rset=1 authfail=0 errors=0\n"
  "smtpguard: info: listed ip=127.0.1.5 reason=badrcpt until=1732700000 strikes=1\n"
  "smtpguard: info: session ip=127.0.1.5 end=kick bad=10 good=0 rset=1 authfail=0 errors=0 in=1 out=1 ms=1 status=99\n"
  "smtpguard: info: session ip=10.0.0.1 end=quit bad=1 good=2 rset=0 authfail=0 errors=0 in=1 out=1 ms=1 status=0\n"
  "tcpserver: deny 1 0:127.0.0.1:25 :127.0.1.5::4000\n"
  "tcpserver: deny 2 :::ffff:127.0.0.1:25 :::ffff:127.0.1.5::4001\n"  /* Debian's IPv6 tcpserver: the same client */
  "smtpguard: info: refused ip=2001:db8::7 reason=listed until=1\n"
  "garbage line\n"
  "smtpguard: info: kick ip=127.0.1.6 reason=rset bad=0 good=0" ;  /* no final newline */

static void fill (sgstat *st, size_t chunk)
{
  size_t i = 0, n = sizeof(logtext) - 1 ;
  if (!sgstat_init(st, 100)) { printf("FAIL: sgstat_init\n") ; exit(1) ; }
  for (; i < n ; i += chunk) sgstat_feed(st, logtext + i, i + chunk > n ? n - i : chunk) ;
  sgstat_finish(st) ;
}

static void same (sgstat const *a, sgstat const *b, size_t chunk)
{
  char what[64] ;
  snprintf(what, sizeof(what), "chunk %zu: counters differ", chunk) ;
  CHECK(a->lines == b->lines && a->events == b->events && a->ignored == b->ignored
    && a->sessions == b->sessions && a->legit == b->legit && a->listings == b->listings
    && a->refused == b->refused && a->denied == b->denied
    && !memcmp(a->kicks, b->kicks, sizeof(a->kicks)) && a->ips.n == b->ips.n
    && a->tfirst == b->tfirst, what) ;
}

int main (void)
{
  sgstat whole, st ;
  size_t chunk ;
  fill(&whole, sizeof(logtext)) ;
  CHECK(whole.lines == 9, "9 lines") ;
  CHECK(whole.events == 8 && whole.ignored == 1, "8 events, 1 ignored") ;
  CHECK(whole.kicks[SGR_BADRCPT] == 1 && whole.kicks[SGR_RSET] == 1, "kicks by reason") ;
  CHECK(whole.sessions == 2 && whole.legit == 1 && whole.ends[SGSTAT_KICK] == 1, "sessions") ;
  CHECK(whole.listings == 1 && whole.refused == 1 && whole.denied == 2, "listed, refused, denied") ;
  CHECK(whole.ips.n == 4 && whole.nets.n == 3, "4 IPs in 3 networks") ;
  CHECK(whole.tfirst == 0x6746b2a0 - 10, "TAI64N label to unix time") ;
  for (chunk = 1 ; chunk < 40 ; chunk++)
  {
    fill(&st, chunk) ;
    same(&whole, &st, chunk) ;
    sgstat_free(&st) ;
  }
  sgstat_free(&whole) ;

  /* an overlong line, fed in pieces, then a good line */
  {
    static char big[SGSTAT_LINEMAX + 100] ;
    char const *good = "\nsmtpguard: info: refused ip=127.0.0.9 reason=listed until=1\n" ;
    if (!sgstat_init(&st, 100)) return 1 ;
    memset(big, 'x', sizeof(big)) ;
    sgstat_feed(&st, big, 3000) ;
    sgstat_feed(&st, big, sizeof(big) - 3000) ;
    sgstat_feed(&st, good, strlen(good)) ;
    sgstat_finish(&st) ;
    CHECK(st.lines == 2 && st.toolong == 1 && st.refused == 1, "overlong line dropped whole, next line counted") ;
    sgstat_free(&st) ;
  }

  /* the cap: 3 IPs tracked, the rest counted as untracked */
  {
    unsigned int i ;
    if (!sgstat_init(&st, 3)) return 1 ;
    for (i = 1 ; i <= 10 ; i++)
    {
      char line[128] ;
      snprintf(line, sizeof(line), "smtpguard: info: refused ip=192.0.2.%u reason=listed until=1", i) ;
      sgstat_line(&st, line) ;
    }
    CHECK(st.refused == 10 && st.ips.n == 3 && st.untracked == 7, "cap: 3 tracked, 7 untracked") ;
    sgstat_free(&st) ;
  }
  if (fails) return 1 ;
  printf("test_sgstat: ok\n") ;
  return 0 ;
}
