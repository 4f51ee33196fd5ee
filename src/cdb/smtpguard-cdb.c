/* ISC license. */

/* smtpguard-cdb [ -w ] [ -r text | -R text ] [ -t secs ] [ -d statedir ] rules.txt rules.cdb
   Builds the cdb tcpserver -x reads from the admin's tcprules file and
   the unexpired listings; with -w, stays and rebuilds on every change. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <skalibs/alloc.h>
#include <skalibs/types.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/stralloc.h>
#include <skalibs/djbunix.h>
#include <skalibs/tai.h>
#include <skalibs/iopause.h>
#include <skalibs/selfpipe.h>

#include "sgcdb.h"
#include "sgcdbnets.h"
#include "sgclock.h"
#include "sgstate.h"

#define USAGE "smtpguard-cdb [ -w ] [ -r text | -R text ] [ -t secs ] [ -d statedir ] [ -p count ] [ -L len6 ] [ -z zone4 ] [ -Z zone6 ] [ -i import ]... rules.txt rules.cdb"
#define dieusage() strerr_dieusage(100, USAGE)
#define MINGAP_MS 250  /* at most 4 rebuilds a second: bursts coalesce */

char const *PROG = "smtpguard-cdb" ;

static char const *rulesfn ;
static char const *target ;
static char const *rbltext = 0 ;  /* the RBLSMTPD value: "text" (451) or "-text" (553) */
static char const *statedir = 0 ;
static sgstate st = SGSTATE_ZERO ;
static int stopen = 0 ;
static stralloc good = STRALLOC_ZERO ;  /* the last rules text that parsed */
static uint64_t nextexpiry = 0 ;  /* of the listings in the last cdb built */
static sgcdbnets nets = SGCDBNETS_ZERO ;
#define IMPORTMAX 64
static char const *importfn[IMPORTMAX] ;
static unsigned int nimports = 0 ;

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
      strerr_warnwsys("unable to read ", importfn[i], " - leaving it out") ;
      sa[i].len = 0 ;
    }
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

/* 1 built, 0 rules syntax error (reported), -1 system error (reported) */
static int build (int watching)
{
  stralloc rules = STRALLOC_ZERO ;
  sgcdbstats stats ;
  size_t errline = 0 ;
  char const *errwhat = "" ;
  int r ;
  if (statedir && !stopen)
  {
    if (!sgstate_open(&st, statedir, 0))
    {
      strerr_warnwsys("unable to open statedir ", statedir) ;
      return -1 ;
    }
    stopen = 1 ;
    ownercheck() ;
  }
  if (!openslurpclose(&rules, rulesfn))
  {
    strerr_warnwsys("unable to read ", rulesfn) ;
    stralloc_free(&rules) ;
    return -1 ;
  }
  {
    sgcdbimport im[IMPORTMAX] ;
    stralloc sa[IMPORTMAX] ;
    int fallback = 0 ;
    memset(sa, 0, sizeof(sa)) ;
    imports_read(im, sa) ;
    r = sgcdb_buildx(target, rules.s, rules.len, stopen ? &st : 0, rbltext, &nets, sgnow(), &stats, &errline, &errwhat) ;
    if (!r && watching && good.len)
    {
      /* keep the listings coming with the last good rules */
      char fmt[SIZE_FMT] ;
      fmt[size_fmt(fmt, errline)] = 0 ;
      strerr_warnw(rulesfn, ":", fmt, ": ", errwhat, " - keeping the previous rules") ;
      r = sgcdb_buildx(target, good.s, good.len, stopen ? &st : 0, rbltext, &nets, sgnow(), &stats, &errline, &errwhat) ;
      fallback = 1 ;
    }
    imports_free(sa) ;
    if (fallback)
    {
      stralloc_free(&rules) ;
      if (r == 1) goto ok ;
      if (r < 0) strerr_warnwsys("unable to build ", target) ;
      return r ;
    }
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
  nextexpiry = stats.nextexpiry ;
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

extern void sgcdb_watch (unsigned int pollsecs) ;

int main (int argc, char const *const *argv)
{
  int watch = 0, perm = 0 ;
  unsigned int pollsecs = 1 ;
  {
    subgetopt l = SUBGETOPT_ZERO ;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "wr:R:t:d:p:L:z:Z:i:", &l) ;
      if (opt == -1) break ;
      switch (opt)
      {
        case 'w' : watch = 1 ; break ;
        case 'r' : rbltext = l.arg ; perm = 0 ; break ;
        case 'R' : rbltext = l.arg ; perm = 1 ; break ;
        case 't' : if (!uint0_scan(l.arg, &pollsecs) || !pollsecs) dieusage() ; break ;
        case 'd' : statedir = l.arg ; break ;
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
    int r = build(0) ;
    if (r > 0 && stopen) sgstate_gc(&st, sgnow()) ;
    if (stopen) sgstate_close(&st) ;
    return r > 0 ? 0 : r < 0 ? 111 : 100 ;
  }
  sgcdb_watch(pollsecs) ;
  return 0 ;
}

/* ---------------------------------------------------------------- -w */

typedef struct stamp_s stamp ;
struct stamp_s { dev_t dev ; ino_t ino ; off_t size ; struct timespec mtim, ctim ; int ok ; } ;

static void stamp_get (stamp *s, int dirfd, char const *fn)
{
  struct stat stt ;
  int r = dirfd >= 0 ? fstatat(dirfd, fn, &stt, 0) : stat(fn, &stt) ;
  memset(s, 0, sizeof(*s)) ;
  if (r == -1) return ;
  s->ok = 1 ; s->dev = stt.st_dev ; s->ino = stt.st_ino ; s->size = stt.st_size ;
  s->mtim = stt.st_mtim ; s->ctim = stt.st_ctim ;
}

static int stamp_same (stamp const *a, stamp const *b)
{
  return a->ok == b->ok && a->dev == b->dev && a->ino == b->ino && a->size == b->size
    && a->mtim.tv_sec == b->mtim.tv_sec && a->mtim.tv_nsec == b->mtim.tv_nsec
    && a->ctim.tv_sec == b->ctim.tv_sec && a->ctim.tv_nsec == b->ctim.tv_nsec ;
}

static int openfifo (void)
{
  struct stat stt ;
  /* O_RDWR: we are a writer too, so the FIFO never reports EOF */
  int fd = stopen ? openat(st.dirfd, "wakeup", O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW) : -1 ;
  if (fd >= 0 && (fstat(fd, &stt) == -1 || !S_ISFIFO(stt.st_mode))) { close(fd) ; fd = -1 ; }
  return fd ;
}

static void drain (int fd)
{
  char buf[512] ;
  while (read(fd, buf, sizeof(buf)) > 0) ;
}

void sgcdb_watch (unsigned int pollsecs)
{
  iopause_fd x[2] = { { .fd = -1, .events = IOPAUSE_READ }, { .fd = -1, .events = IOPAUSE_READ } } ;
  stamp rulesst, listedst, cur ;
  stamp importst[IMPORTMAX] ;
  unsigned int i ;
  tain lastbuild, nexttick, deadline, gap ;
  time_t lastgc = 0 ;
  int dirty = 1 ;
  x[0].fd = selfpipe_init() ;
  if (x[0].fd == -1) strerr_diefsys(111, "unable to ", "init selfpipe") ;
  if (!selfpipe_trap(SIGTERM) || !selfpipe_trap(SIGINT)) strerr_diefsys(111, "unable to ", "trap signals") ;
  tain_from_millisecs(&gap, MINGAP_MS) ;
  tain_now_set_stopwatch_g() ;
  lastbuild = tain_zero ;
  memset(&rulesst, 0, sizeof(rulesst)) ;
  memset(&listedst, 0, sizeof(listedst)) ;
  memset(importst, 0, sizeof(importst)) ;
  tain_addsec_g(&nexttick, pollsecs) ;
  for (;;)
  {
    int r ;
    if (x[1].fd == -1) x[1].fd = openfifo() ;
    if (dirty)
    {
      tain_add(&deadline, &lastbuild, &gap) ;
      if (!tain_future(&deadline))
      {
        stamp_get(&rulesst, -1, rulesfn) ;
        if (stopen) stamp_get(&listedst, st.dirfd, "listed") ;
        for (i = 0 ; i < nimports ; i++) stamp_get(&importst[i], -1, importfn[i]) ;
        if (x[1].fd >= 0) drain(x[1].fd) ;
        r = build(1) ;
        if (r > 0 && !stopen) r = -1 ;  /* statedir not open yet: retry */
        dirty = r < 0 ;  /* a system error is retried; a syntax error waits for a change */
        tain_copynow(&lastbuild) ;
        if (r < 0) tain_addsec(&lastbuild, &lastbuild, pollsecs) ;
        if (stopen && time(0) - lastgc >= 3600)
        {
          lastgc = time(0) ;
          sgstate_gc(&st, (uint64_t)lastgc) ;
        }
        continue ;
      }
    }
    else deadline = nexttick ;
    r = iopause_g(x, x[1].fd >= 0 ? 2 : 1, &deadline) ;
    if (r < 0) strerr_diefsys(111, "unable to ", "iopause") ;
    if (x[0].revents & IOPAUSE_READ)
    {
      int sig ;
      while ((sig = selfpipe_read()) > 0)
        if (sig == SIGTERM || sig == SIGINT)
        {
          /* leave as we came: nothing open but what we inherited */
          if (x[1].fd >= 0) close(x[1].fd) ;
          selfpipe_finish() ;
          if (stopen) sgstate_close(&st) ;
          return ;
        }
    }
    if (x[1].fd >= 0 && x[1].revents & IOPAUSE_READ) { drain(x[1].fd) ; dirty = 1 ; }
    if (!tain_future(&nexttick))
    {
      tain_addsec_g(&nexttick, pollsecs) ;
      stamp_get(&cur, -1, rulesfn) ;
      if (!stamp_same(&cur, &rulesst)) dirty = 1 ;
      for (i = 0 ; i < nimports ; i++)
      {
        stamp_get(&cur, -1, importfn[i]) ;
        if (!stamp_same(&cur, &importst[i])) dirty = 1 ;
      }
      if (stopen)
      {
        stamp_get(&cur, st.dirfd, "listed") ;
        if (!stamp_same(&cur, &listedst)) dirty = 1 ;
      }
      if (nextexpiry && sgnow() >= nextexpiry) dirty = 1 ;
    }
  }
}
