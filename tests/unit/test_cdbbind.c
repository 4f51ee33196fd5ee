/* ISC license. */

/* libskarnet exports cdb_init, cdb_find... too, with other signatures:
   this reads cdbs through tinycdb's API (cdb_init(&c, fd), cdb_find,
   cdb_datapos, cdb_datalen) and checks the values. Bound to skalibs'
   symbols instead, cdb_init would take the fd for a file name and fail,
   or the reads would return garbage. It reads one cdb made by Debian's
   tcprules and one made by sgcdb_build, with a listing. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cdb.h>

#include "sgcdb.h"
#include "sglisting.h"
#include "sgpolicy.h"
#include "sgstate.h"

#include "sgtest.h"

static int lookup (char const *fn, char const *key, char const *want, size_t wantlen)
{
  struct cdb c ;
  char buf[256] ;
  int fd = open(fn, O_RDONLY) ;
  int r ;
  if (fd == -1) return 0 ;
  if (cdb_init(&c, fd) != 0) { close(fd) ; return 0 ; }
  r = cdb_find(&c, key, strlen(key)) ;
  if (r > 0)
  {
    unsigned int len = cdb_datalen(&c) ;
    r = len == wantlen && len <= sizeof(buf)
     && cdb_read(&c, buf, len, cdb_datapos(&c)) == 0
     && !memcmp(buf, want, len) ;
  }
  else r = !want ;  /* absent, as wanted */
  cdb_free(&c) ;
  close(fd) ;
  return r ;
}

static char const rules[] = "1.2.3.4:allow,RELAYCLIENT=\"\",X='y'\n10.0.0.1:deny\n10.0.0.1:allow,DUP=\"no\"\n" ;

int main (void)
{
  char dir[] = "/tmp/test_cdbbind.XXXXXX" ;
  char fn[256], rfn[256], cmd[800] ;
  sgstate st ;
  sglisting l ;
  sgcdbstats stats ;
  size_t errline ;
  char const *errwhat ;
  if (!mkdtemp(dir)) return 111 ;

  /* a cdb written by Debian's tcprules */
  snprintf(rfn, sizeof(rfn), "%s/rules.txt", dir) ;
  {
    FILE *f = fopen(rfn, "w") ;
    if (!f) return 111 ;
    fputs(rules, f) ; fclose(f) ;
  }
  snprintf(fn, sizeof(fn), "%s/tcprules.cdb", dir) ;
  snprintf(cmd, sizeof(cmd), "tcprules '%s' '%s.tmp' < '%s'", fn, fn, rfn) ;
  if (system(cmd) != 0) { printf("FAIL: tcprules (ucspi-tcp) did not run\n") ; fails++ ; }
  else
  {
    CHECK(lookup(fn, "1.2.3.4", "+RELAYCLIENT=\0+X=y", 19)) ;
    CHECK(lookup(fn, "10.0.0.1", "D", 2)) ;  /* the first of duplicates */
    CHECK(lookup(fn, "10.0.0.2", 0, 0)) ;
  }

  /* a cdb written by sgcdb_build with tinycdb's cdb_make_* */
  CHECK(sgstate_open(&st, dir, 0)) ;
  CHECK(sgstate_kick(&st, "10.0.0.9", SGR_BADRCPT, 1700000000, &l) == 1) ;
  CHECK(sgstate_kick(&st, "1.2.3.4", SGR_BADRCPT, 1700000000, &l) == 1) ;
  snprintf(fn, sizeof(fn), "%s/sg.cdb", dir) ;
  CHECK(sgcdb_build(fn, rules, sizeof(rules) - 1, &st, 0, 1700000001, &stats, &errline, &errwhat) == 1) ;
  CHECK(stats.rules == 3 && stats.listed == 1 && stats.shadowed == 1 && stats.nextexpiry == 1700003600) ;
  CHECK(lookup(fn, "1.2.3.4", "+RELAYCLIENT=\0+X=y", 19)) ;  /* the admin's rule beats the listing */
  CHECK(lookup(fn, "10.0.0.9", "D", 2)) ;
  CHECK(lookup(fn, "10.0.0.1", "D", 2)) ;
  /* the RBLSMTPD value is written as given: "text" (rblsmtpd's 451) or "-text" (553) */
  CHECK(sgcdb_build(fn, rules, sizeof(rules) - 1, &st, "go away", 1700000001, &stats, &errline, &errwhat) == 1) ;
  CHECK(lookup(fn, "10.0.0.9", "+RBLSMTPD=go away", 18)) ;
  CHECK(sgcdb_build(fn, rules, sizeof(rules) - 1, &st, "-go away", 1700000001, &stats, &errline, &errwhat) == 1) ;
  CHECK(lookup(fn, "10.0.0.9", "+RBLSMTPD=-go away", 19)) ;
  /* expired listings are not written */
  CHECK(sgcdb_build(fn, rules, sizeof(rules) - 1, &st, 0, 1700003600, &stats, &errline, &errwhat) == 1) ;
  CHECK(stats.listed == 0 && lookup(fn, "10.0.0.9", 0, 0)) ;
  /* a syntax error leaves the cdb alone */
  CHECK(sgcdb_build(fn, "1.2.3.4:allow\nx:permit\n", 23, &st, 0, 1700000001, &stats, &errline, &errwhat) == 0) ;
  CHECK(errline == 2 && lookup(fn, "10.0.0.1", "D", 2)) ;
  sgstate_close(&st) ;

  return sgtest_end(dir) ;
}
