/* ISC license. */

/* smtpguard-cdb [ -w ] [ -r text ] [ -t secs ] [ -d statedir ] [ -n nftfile [ -p port ] ] rules.txt rules.cdb
   Builds the cdb tcpserver -x reads from the admin's tcprules file and
   the unexpired listings; with -w, stays and rebuilds on every change. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <skalibs/types.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/stralloc.h>
#include <skalibs/djbunix.h>
#include <skalibs/tai.h>

#include "sgcdb.h"
#include "sgcdbwatch.h"
#include "sglisttab.h"
#include "sgnft.h"
#include "sgclock.h"
#include "sgstate.h"

#define USAGE "smtpguard-cdb [ -w ] [ -r text ] [ -t secs ] [ -d statedir ] [ -n nftfile [ -p port ] ] rules.txt rules.cdb"
#define dieusage() strerr_dieusage(100, USAGE)

char const *PROG = "smtpguard-cdb" ;

static char const *rulesfn ;
static char const *target ;
static char const *rbltext = 0 ;
static char const *statedir = 0 ;
static char const *nftfn = 0 ;
static unsigned int nftport = 25 ;
static sgnft nft = SGNFT_ZERO ;
static stralloc good = STRALLOC_ZERO ;  /* the last rules text that parsed */

static int fromtab (void *tab, sglisting_func *f, void *ctx, unsigned int *bad)
{
  return sglisttab_foreach(tab, f, ctx) ;
}

static int fromstate (void *st, sglisting_func *f, void *ctx, unsigned int *bad)
{
  return sgstate_foreach(st, f, ctx, bad) ;
}

/* the cdb from the rules file and the listings of src (0: none); with
   watching, a rules syntax error keeps the last good rules. 1 built,
   0 rules syntax error, -1 system error; all reported */
static int build (sgcdb_source *src, void *srcp, int watching, uint64_t *nextexpiry)
{
  stralloc rules = STRALLOC_ZERO ;
  sgcdbstats stats ;
  size_t errline = 0 ;
  char const *errwhat = "" ;
  int r ;
  if (!openslurpclose(&rules, rulesfn))
  {
    strerr_warnwsys("unable to read ", rulesfn) ;
    stralloc_free(&rules) ;
    return -1 ;
  }
  r = sgcdb_build_from(target, rules.s, rules.len, src, srcp, nftfn ? &nft : 0, rbltext, sgnow(), &stats, &errline, &errwhat) ;
  if (!r && watching && good.len)
  {
    /* keep the listings coming with the last good rules */
    char fmt[SIZE_FMT] ;
    fmt[size_fmt(fmt, errline)] = 0 ;
    strerr_warnw(rulesfn, ":", fmt, ": ", errwhat, " - keeping the previous rules") ;
    r = sgcdb_build_from(target, good.s, good.len, src, srcp, nftfn ? &nft : 0, rbltext, sgnow(), &stats, &errline, &errwhat) ;
    stralloc_free(&rules) ;
    if (r == 1) goto ok ;
    if (r < 0) strerr_warnwsys("unable to build ", target) ;
    return r ;
  }
  if (r == 1)
  {
    stralloc_free(&good) ;
    good = rules ;
  }
  else stralloc_free(&rules) ;
  if (!r)
  {
    char fmt[SIZE_FMT] ;
    fmt[size_fmt(fmt, errline)] = 0 ;
    strerr_warnw(rulesfn, ":", fmt, ": ", errwhat) ;
    return 0 ;
  }
  if (r < 0)
  {
    strerr_warnwsys("unable to build ", target) ;
    return -1 ;
  }
 ok:
  if (nftfn && !sgnft_write(&nft, nftfn, nftport))
  {
    strerr_warnwsys("unable to write ", nftfn) ;
    return -1 ;
  }
  if (nextexpiry) *nextexpiry = stats.nextexpiry ;
  {
    char a[SIZE_FMT], b[SIZE_FMT] ;
    a[size_fmt(a, stats.rules)] = 0 ;
    b[size_fmt(b, stats.listed)] = 0 ;
    if (stats.bad)
    {
      char c[UINT_FMT] ;
      c[uint_fmt(c, stats.bad)] = 0 ;
      strerr_warnw("ignored ", c, " unreadable files in ", statedir, "/listed") ;
    }
    strerr_warni("rebuilt ", target, " rules=", a, " listed=", b) ;
    return 1 ;
  }
}

static int watchbuild (sglisttab const *tab, uint64_t *nextexpiry, void *ctx)
{
  return build(tab ? &fromtab : 0, (void *)tab, 1, nextexpiry) ;
}

int main (int argc, char const *const *argv)
{
  int watch = 0 ;
  unsigned int pollsecs = 1 ;
  {
    subgetopt l = SUBGETOPT_ZERO ;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "wr:t:d:n:p:", &l) ;
      if (opt == -1) break ;
      switch (opt)
      {
        case 'w' : watch = 1 ; break ;
        case 'r' : rbltext = l.arg ; break ;
        case 't' : if (!uint0_scan(l.arg, &pollsecs) || !pollsecs) dieusage() ; break ;
        case 'd' : statedir = l.arg ; break ;
        case 'n' : nftfn = l.arg ; break ;
        case 'p' : if (!uint0_scan(l.arg, &nftport) || !nftport || nftport > 65535) dieusage() ; break ;
        default : dieusage() ;
      }
    }
    argc -= l.ind ; argv += l.ind ;
  }
  if (argc != 2) dieusage() ;
  rulesfn = argv[0] ;
  target = argv[1] ;
  if (rbltext && strchr(rbltext, '\n')) strerr_dief(100, "the -r text must be one line") ;
  if (!watch)
  {
    sgstate st = SGSTATE_ZERO ;
    int r ;
    if (statedir && !sgstate_open(&st, statedir, 0))
    {
      strerr_warnwsys("unable to open statedir ", statedir) ;
      return 111 ;
    }
    r = build(statedir ? &fromstate : 0, &st, 0, 0) ;
    if (statedir)
    {
      if (r > 0) sgstate_gc(&st, sgnow()) ;
      sgstate_close(&st) ;
    }
    return r > 0 ? 0 : r < 0 ? 111 : 100 ;
  }
  {
    sgcdbwatch w = { .rulesfn = rulesfn, .statedir = statedir, .pollsecs = pollsecs, .build = &watchbuild, .ctx = 0 } ;
    sgcdbwatch_run(&w) ;
  }
  return 0 ;
}
