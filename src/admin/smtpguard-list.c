/* ISC license. */

/* smtpguard-list [ -t ] [ -a ] -d statedir
   The listings: ip, reason, since, until, strikes. A table for people
   (UTC times) by default, with the IP's last delivery here if it has a
   delivered history (a listed mailer is the first to look at); -t:
   tab-separated, the five fields only, times in seconds since the
   epoch, for scripts; -a: expired listings too (they keep the strikes). */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <skalibs/types.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/buffer.h>
#include <skalibs/genalloc.h>

#include "sgclock.h"
#include "sglisting.h"
#include "sgpolicy.h"
#include "sgstate.h"

#define USAGE "smtpguard-list [ -t ] [ -a ] -d statedir"
#define dieusage() strerr_dieusage(100, USAGE)

char const *PROG = "smtpguard-list" ;

typedef struct ctx_s ctx ;
struct ctx_s { genalloc ga ; uint64_t now ; int all ; } ;

static int keep (sglisting const *l, void *p)
{
  ctx *c = p ;
  if (!c->all && l->until <= c->now) return 1 ;
  return genalloc_append(sglisting, &c->ga, l) ;
}

static int bysince (void const *a, void const *b)
{
  sglisting const *x = a, *y = b ;
  if (x->since != y->since) return x->since < y->since ? -1 : 1 ;
  return strcmp(x->ip, y->ip) ;
}

static void put (char const *s)
{
  if (buffer_puts(buffer_1, s) < 0) strerr_diefsys(111, "unable to ", "write to stdout") ;
}

static void putpad (char const *s, size_t width)
{
  size_t n = strlen(s) ;
  put(s) ;
  while (n++ < width) put(" ") ;
}

static void fmttime (char *s, uint64_t t)
{
  time_t tt = (time_t)t ;
  struct tm tm ;
  if (!gmtime_r(&tt, &tm) || !strftime(s, 32, "%Y-%m-%d %H:%M:%S", &tm)) strcpy(s, "?") ;
}

int main (int argc, char const *const *argv)
{
  char const *dir = 0 ;
  int tab = 0 ;
  ctx c = { .ga = GENALLOC_ZERO, .now = 0, .all = 0 } ;
  sgstate st ;
  unsigned int bad = 0 ;
  size_t i, n ;
  {
    subgetopt l = SUBGETOPT_ZERO ;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "tad:", &l) ;
      if (opt == -1) break ;
      switch (opt)
      {
        case 't' : tab = 1 ; break ;
        case 'a' : c.all = 1 ; break ;
        case 'd' : dir = l.arg ; break ;
        default : dieusage() ;
      }
    }
    argc -= l.ind ; argv += l.ind ;
  }
  if (!dir || argc) dieusage() ;
  c.now = sgnow() ;
  {
    /* history on, so that history/ is opened for the table's last column */
    sgstateconf conf = SGSTATECONF_ZERO ;
    if (!sgstate_open(&st, dir, &conf)) strerr_diefsys(111, "unable to ", "open statedir ", dir) ;
  }
  if (!sgstate_foreach(&st, &keep, &c, &bad)) strerr_diefsys(111, "unable to ", "read ", dir, "/listed") ;
  n = genalloc_len(sglisting, &c.ga) ;
  if (n) qsort(genalloc_s(sglisting, &c.ga), n, sizeof(sglisting), &bysince) ;
  if (!tab) put("ip                                      reason    since (UTC)          until (UTC)          strikes  last mail here (UTC)\n") ;
  for (i = 0 ; i < n ; i++)
  {
    sglisting const *l = genalloc_s(sglisting, &c.ga) + i ;
    char a[32], b[32], k[UINT64_FMT] ;
    k[uint64_fmt(k, l->strikes)] = 0 ;
    if (tab)
    {
      a[uint64_fmt(a, l->since)] = 0 ;
      b[uint64_fmt(b, l->until)] = 0 ;
      put(l->ip) ; put("\t") ; put(sgreason_name(l->reason)) ; put("\t") ;
      put(a) ; put("\t") ; put(b) ; put("\t") ; put(k) ; put("\n") ;
    }
    else
    {
      char m[32] = "-" ;
      uint64_t last ;
      if (sgstate_lastmail(&st, l->ip, c.now, &last) > 0) fmttime(m, last) ;
      fmttime(a, l->since) ; fmttime(b, l->until) ;
      putpad(l->ip, 40) ; putpad(sgreason_name(l->reason), 10) ;
      putpad(a, 21) ; putpad(b, 21) ; putpad(k, 9) ; put(m) ;
      put(l->until <= c.now ? " expired\n" : "\n") ;
    }
  }
  if (!buffer_flush(buffer_1)) strerr_diefsys(111, "unable to ", "write to stdout") ;
  genalloc_free(sglisting, &c.ga) ;
  sgstate_close(&st) ;
  if (bad)
  {
    char fmt[UINT_FMT] ;
    fmt[uint_fmt(fmt, bad)] = 0 ;
    strerr_warnw("ignored ", fmt, " unreadable files in ", dir, "/listed") ;
  }
  return 0 ;
}
