/* ISC license. */

/* smtpguard-cdb [ -w ] [ -r text | -R text ] [ -t secs ] [ -d statedir ]
     [ -n nftfile [ -P port ] ] [ -p count ] [ -L len6 ] [ -z zone4 ]
     [ -Z zone6 ] [ -i import ]... rules.txt rules.cdb
   Builds the cdb tcpserver -x reads from the admin's tcprules file and
   the unexpired listings; with -w, stays and rebuilds on every change. */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <skalibs/alloc.h>
#include <skalibs/types.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/stralloc.h>
#include <skalibs/djbunix.h>

#include "sgcdb.h"
#include "sgcdbnets.h"
#include "sgcdbwatch.h"
#include "sglisttab.h"
#include "sgnft.h"
#include "sgclock.h"
#include "sgip.h"
#include "sglisting.h"
#include "sgstate.h"
#include "sgwarnlimit.h"

#define USAGE "smtpguard-cdb [ -w ] [ -r text | -R text ] [ -t secs ] [ -d statedir ] [ -n nftfile [ -P port ] ] [ -p count ] [ -L len6 ] [ -z zone4 ] [ -Z zone6 ] [ -i import ]... rules.txt rules.cdb"
#define dieusage() strerr_dieusage(100, USAGE)
#define IMPORTMAX 64

char const *PROG = "smtpguard-cdb" ;

static char const *rulesfn ;
static char const *target ;
static char const *rbltext = 0 ;  /* the RBLSMTPD value: "text" (451) or "-text" (553) */
static char const *statedir = 0 ;
static sgstate st = SGSTATE_ZERO ;  /* history and nets.cdb (-p, -i); one-shot listings */
static int stopen = 0 ;
static char const *nftfn = 0 ;
static unsigned int nftport = 25 ;
static sgnft nft = SGNFT_ZERO ;
static stralloc good = STRALLOC_ZERO ;  /* the last rules text that parsed */
static sgcdbnets nets = SGCDBNETS_ZERO ;
static char const *importfn[IMPORTMAX] ;
static unsigned int nimports = 0 ;

/* Once, an error is fatal; with -w it is a warning, written once while
   it lasts (not at every retry) and its end said: one limiter for what
   stops a rebuild, one for the rules' syntax, one per peer's file. */
static int watching = 0 ;
static sgwarnlimit buildlim = SGWARNLIMIT_ZERO ;
static sgwarnlimit ruleslim = SGWARNLIMIT_ZERO ;
static sgwarnlimit importlim[IMPORTMAX] ;
static stralloc badrules = STRALLOC_ZERO ;  /* the rules text ruleslim last saw fail */

/* an edited rules file that still fails is said again, even with the
   same error: the admin is waiting for the answer */
static void rules_failed (stralloc const *rules)
{
  if (badrules.len == rules->len && !memcmp(badrules.s, rules->s, rules->len)) return ;
  sgwarnlimit_forget(&ruleslim) ;
  badrules.len = 0 ;
  stralloc_catb(&badrules, rules->s, rules->len) ;
}

/* e: the exit code if fatal (0: a warning either way); err: errno or 0 */
static void report (sgwarnlimit *lim, int e, int err, unsigned int n, char const *const *v)
{
  char buf[SGWARNLIMIT_MAX] ;
  sgwarnlimit_fmt(buf, sizeof(buf), v, n, err) ;
  if (watching) sgwarnlimit_warn(lim, buf, (uint64_t)time(0)) ;
  else if (e) strerr_dief1x(e, buf) ;
  else strerr_warnw1x(buf) ;
}
#define REPORT(lim, e, err, ...) do { char const *v_[] = { __VA_ARGS__ } ; report(lim, e, err, sizeof(v_) / sizeof(*v_), v_) ; } while (0)

static int fromtab (void *tab, sglisting_func *f, void *ctx, unsigned int *bad)
{
  (void)bad ;
  return sglisttab_foreach(tab, f, ctx) ;
}

/* A one-shot rebuild reads every listing once: those that will never
   count again (expired, no strike left) are noted on the way for the gc,
   which then need not read them all a second time. */
static stralloc gone = STRALLOC_ZERO ;  /* char[SGIP_MAX] each */
static stralloc tmps = STRALLOC_ZERO ;  /* the temporaries seen, NUL-terminated names */
static int walked = 0 ;  /* tmps holds all of them (else the gc walks listed/) */
typedef struct notegone_s notegone ;
struct notegone_s { sglisting_func *f ; void *ctx ; uint64_t now ; } ;

static int notegone_f (sglisting const *l, void *p)
{
  notegone *g = p ;
  if (l->until <= g->now && !sgstate_strikes(l, g->now)) stralloc_catb(&gone, l->ip, SGIP_MAX) ;
  return (*g->f)(l, g->ctx) ;
}

/* out of memory here costs the gc a walk, never the rebuild */
static int tmpslost = 0 ;
static int notetmp (char const *name, void *p)
{
  (void)p ;
  if (!stralloc_catb(&tmps, name, strlen(name) + 1)) tmpslost = 1 ;
  return 1 ;
}

static int fromstate (void *s, sglisting_func *f, void *ctx, unsigned int *bad)
{
  notegone g = { .f = f, .ctx = ctx, .now = sgnow() } ;
  int r ;
  gone.len = 0 ;
  tmps.len = 0 ;
  tmpslost = 0 ;
  r = sgstate_foreach_tmp(s, &notegone_f, &g, bad, &notetmp, 0) ;
  walked = r && !tmpslost ;
  return r ;
}

/* Everything in the statedir must belong to the statedir's owner, the
   smtpd user (doc/statedir.html); root repairs the parts as it opens
   them, anyone else can only say what to run. */
static void ownercheck (void)
{
  struct stat got, want ;
  char const *name = sgstate_check(&st, &got, &want) ;
  if (name)
  {
    char gu[UID_FMT], gg[GID_FMT], wu[UID_FMT], wg[GID_FMT] ;
    gu[uid_fmt(gu, got.st_uid)] = 0 ; gg[gid_fmt(gg, got.st_gid)] = 0 ;
    wu[uid_fmt(wu, want.st_uid)] = 0 ; wg[gid_fmt(wg, want.st_gid)] = 0 ;
    strerr_warnw(statedir, "/", name, " belongs to ", gu, ":", gg, ", the state directory to ", wu, ":", wg,
      ": smtpguard cannot record there: run chown -R ", wu, ":", wg, " ", statedir) ;
  }
}

static int state_open (void)
{
  if (!statedir || stopen) return 1 ;
  if (!sgstate_open(&st, statedir, 0))
  {
    REPORT(&buildlim, 111, errno, "unable to open statedir ", statedir) ;
    return 0 ;
  }
  stopen = 1 ;
  ownercheck() ;
  return 1 ;
}

/* the peers' files, read anew at each rebuild; one that cannot be read
   is left out (logged), it never stops the rebuild */
static void imports_read (sgcdbimport *im, stralloc *sa)
{
  unsigned int i = 0 ;
  for (; i < nimports ; i++)
  {
    im[i].name = importfn[i] ;
    if (!openslurpclose(&sa[i], importfn[i]))
    {
      REPORT(&importlim[i], 0, errno, "unable to read ", importfn[i], " - leaving it out") ;
      sa[i].len = 0 ;
    }
    else if (watching) sgwarnlimit_ok(&importlim[i]) ;
    im[i].s = sa[i].s ;
    im[i].len = sa[i].len ;
  }
  nets.imports = im ;
  nets.nimports = nimports ;
}

static void imports_free (stralloc *sa)
{
  unsigned int i = 0 ;
  for (; i < nimports ; i++) stralloc_free(&sa[i]) ;
  nets.imports = 0 ;
  nets.nimports = 0 ;
}

static int build_once (char const *rules, size_t len, sgcdb_source *src, void *srcp, sgcdbstats *stats, size_t *errline, char const **errwhat)
{
  sgcdbimport im[IMPORTMAX] ;
  stralloc sa[IMPORTMAX] ;
  int r ;
  memset(sa, 0, sizeof(sa)) ;
  imports_read(im, sa) ;
  r = sgcdb_build_from(target, rules, len, src, srcp, nftfn ? &nft : 0, &nets, stopen ? &st : 0, rbltext, sgnow(), stats, errline, errwhat) ;
  imports_free(sa) ;
  return r ;
}

/* the cdb from the rules file and the listings of src (0: none); with
   watching, a rules syntax error keeps the last good rules. 1 built,
   0 rules syntax error, -1 system error; all reported (once: fatal) */
static int build (sgcdb_source *src, void *srcp, uint64_t *nextexpiry)
{
  stralloc rules = STRALLOC_ZERO ;
  sgcdbstats stats ;
  size_t errline = 0 ;
  char const *errwhat = "" ;
  int r ;
  if (!state_open()) return -1 ;
  if (!openslurpclose(&rules, rulesfn))
  {
    REPORT(&buildlim, 111, errno, "unable to read ", rulesfn) ;
    stralloc_free(&rules) ;
    return -1 ;
  }
  r = build_once(rules.s, rules.len, src, srcp, &stats, &errline, &errwhat) ;
  if (!r && watching && good.len)
  {
    /* keep the listings coming with the last good rules */
    char fmt[SIZE_FMT] ;
    fmt[size_fmt(fmt, errline)] = 0 ;
    rules_failed(&rules) ;
    REPORT(&ruleslim, 100, 0, rulesfn, ":", fmt, ": ", errwhat, " - keeping the previous rules") ;
    r = build_once(good.s, good.len, src, srcp, &stats, &errline, &errwhat) ;
    stralloc_free(&rules) ;
    if (r == 1) goto ok ;
    if (r < 0) REPORT(&buildlim, 111, errno, "unable to build ", target) ;
    return r ;
  }
  if (r == 1)
  {
    stralloc_free(&good) ;
    good = rules ;
    if (watching) sgwarnlimit_ok(&ruleslim) ;
    badrules.len = 0 ;
  }
  else
  {
    if (!r && watching) rules_failed(&rules) ;
    stralloc_free(&rules) ;
  }
  if (!r)
  {
    char fmt[SIZE_FMT] ;
    fmt[size_fmt(fmt, errline)] = 0 ;
    REPORT(&ruleslim, 100, 0, rulesfn, ":", fmt, ": ", errwhat) ;
    return 0 ;
  }
  if (r < 0)
  {
    REPORT(&buildlim, 111, errno, "unable to build ", target) ;
    return -1 ;
  }
 ok:
  if (nftfn && !sgnft_write(&nft, nftfn, nftport))
  {
    REPORT(&buildlim, 111, errno, "unable to write ", nftfn) ;
    return -1 ;
  }
  if (watching) sgwarnlimit_ok(&buildlim) ;
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
    if (nimports)
    {
      char c[SIZE_FMT], d[SIZE_FMT] ;
      c[size_fmt(c, stats.imported)] = 0 ;
      d[size_fmt(d, stats.badimport)] = 0 ;
      strerr_warni("rebuilt ", target, " rules=", a, " listed=", b, " imported=", c, " ignored=", d) ;
    }
    else strerr_warni("rebuilt ", target, " rules=", a, " listed=", b) ;
    return 1 ;
  }
}

static int watchbuild (sglisttab const *tab, uint64_t *nextexpiry, void *ctx)
{
  (void)ctx ;
  return build(tab ? &fromtab : 0, (void *)tab, nextexpiry) ;
}

int main (int argc, char const *const *argv)
{
  int watch = 0, perm = 0 ;
  unsigned int pollsecs = 1 ;
  {
    subgetopt l = SUBGETOPT_ZERO ;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "wr:R:t:d:n:P:p:L:z:Z:i:", &l) ;
      if (opt == -1) break ;
      switch (opt)
      {
        case 'w' : watch = 1 ; break ;
        case 'r' : rbltext = l.arg ; perm = 0 ; break ;
        case 'R' : rbltext = l.arg ; perm = 1 ; break ;
        case 't' : if (!uint0_scan(l.arg, &pollsecs) || !pollsecs) dieusage() ; break ;
        case 'd' : statedir = l.arg ; break ;
        case 'n' : nftfn = l.arg ; break ;
        case 'P' : if (!uint0_scan(l.arg, &nftport) || !nftport || nftport > 65535) dieusage() ; break ;
        case 'p' : if (!uint0_scan(l.arg, &nets.prefixmin) || nets.prefixmin == 1) dieusage() ; break ;
        case 'L' : if (!uint0_scan(l.arg, &nets.prefix6) || nets.prefix6 < 16 || nets.prefix6 > 127) dieusage() ; break ;
        case 'z' : nets.zone4 = l.arg ; break ;
        case 'Z' : nets.zone6 = l.arg ; break ;
        case 'i' :
          if (nimports >= IMPORTMAX) strerr_dief(100, "too many -i files") ;
          importfn[nimports++] = l.arg ;
          break ;
        default : dieusage() ;
      }
    }
    argc -= l.ind ; argv += l.ind ;
  }
  if (argc != 2) dieusage() ;
  rulesfn = argv[0] ;
  target = argv[1] ;
  if (rbltext && strchr(rbltext, '\n')) strerr_dief(100, "the -r text must be one line") ;
  if (rbltext && !perm && rbltext[0] == '-') strerr_dief(100, "the -r text must not start with -: for a permanent refusal use -R") ;
  if (rbltext && !*rbltext) strerr_dief(100, "the -r text must not be empty") ;
  /* rblsmtpd answers 451 to RBLSMTPD="text", 553 to "-text" */
  if (rbltext && perm)
  {
    size_t n = strlen(rbltext) ;
    char *s = alloc(n + 2) ;
    if (!s) strerr_diefsys(111, "unable to ", "allocate") ;
    s[0] = '-' ; memcpy(s + 1, rbltext, n + 1) ;
    rbltext = s ;
  }
  if (!watch)
  {
    int r ;
    if (!state_open()) return 111 ;
    r = build(stopen ? &fromstate : 0, &st, 0) ;
    if (stopen)
    {
      if (r > 0)
      {
        uint64_t now = sgnow() ;
        size_t i = 0 ;
        /* the walk saw the temporaries: listed/ is not walked again */
        for (; walked && i < tmps.len ; i += strlen(tmps.s + i) + 1) sgstate_gc_listing(&st, tmps.s + i, now) ;
        sgstate_gc_but_listings(&st, now, walked ? 2 : 1) ;
        for (i = 0 ; i + SGIP_MAX <= gone.len ; i += SGIP_MAX) sgstate_gc_listing(&st, gone.s + i, now) ;
      }
      stralloc_free(&gone) ;
      stralloc_free(&tmps) ;
      sgstate_close(&st) ;
    }
    return r > 0 ? 0 : r < 0 ? 111 : 100 ;
  }
  watching = 1 ;
  {
    sgcdbwatch w = { .rulesfn = rulesfn, .target = target, .statedir = statedir, .pollsecs = pollsecs, .extra = importfn, .nextra = nimports, .build = &watchbuild, .ctx = 0 } ;
    sgcdbwatch_run(&w) ;
  }
  if (stopen) sgstate_close(&st) ;
  return 0 ;
}
