/* ISC license. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <skalibs/types.h>
#include <skalibs/strerr.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>
#include <skalibs/iopause.h>
#include <skalibs/selfpipe.h>

#include "sgcdbwatch.h"
#include "sgclock.h"
#include "sgip.h"
#include "sglisting.h"
#include "sgstate.h"
#include "sgwarnlimit.h"

#define MINGAP_MS 250      /* at most 4 rebuilds a second: bursts coalesce */
/* A big cdb is rewritten whole at every rebuild: the gap after one
   grows with its cost, 4 times its length (rewriting takes at most 20%
   of the time) and its size at WRITERATE (a fast disk still does not
   write a 20 MB cdb twice a second), but never past MAXGAP_MS. */
#define GAPFACTOR 4
#define WRITERATE 4194304  /* bytes per second */
#define MAXGAP_MS 10000
#define PENDMAX 100000     /* IPs to re-read before a rescan is cheaper */
#define FIFOFULL 60000     /* bytes drained at once: the FIFO may have overflowed */

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

static int openfifo (sgstate const *st)
{
  struct stat stt ;
  /* O_RDWR: we are a writer too, so the FIFO never reports EOF */
  int fd = openat(st->dirfd, "wakeup", O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW) ;
  if (fd >= 0 && (fstat(fd, &stt) == -1 || !S_ISFIFO(stt.st_mode))) { close(fd) ; fd = -1 ; }
  return fd ;
}

typedef struct watch_s watch ;
struct watch_s
{
  sgstate st ;
  int stopen ;
  sglisttab tab ;
  int rescan ;          /* listed/ to be read whole before the next build */
  stralloc pend ;       /* IPs to re-read, SGIP_MAX bytes each */
  size_t npend ;
  char part[SGIP_MAX] ; /* a line cut by the end of a read */
  size_t partlen ;
  uint64_t now ;
  sgwarnlimit lim ;     /* the statedir's errors: written once while they last */
} ;

static void warnlim (watch *w, int err, char const *s1, char const *s2, char const *s3)
{
  char buf[SGWARNLIMIT_MAX] ;
  char const *v[3] = { s1, s2, s3 } ;
  sgwarnlimit_fmt(buf, sizeof(buf), v, 3, err) ;
  sgwarnlimit_warn(&w->lim, buf, (uint64_t)time(0)) ;
}

static void pend_line (watch *w, char const *s, size_t len)
{
  char ip[SGIP_MAX], cip[SGIP_MAX] ;
  if (w->rescan) return ;
  if (!len || len >= SGIP_MAX || memchr(s, 0, len)) { w->rescan = 1 ; return ; }
  memcpy(ip, s, len) ; ip[len] = 0 ;
  if (!sgip_canon(cip, ip) || w->npend >= PENDMAX) { w->rescan = 1 ; return ; }
  memset(cip + strlen(cip), 0, SGIP_MAX - strlen(cip)) ;
  if (!stralloc_catb(&w->pend, cip, SGIP_MAX)) { w->rescan = 1 ; return ; }
  w->npend++ ;
}

/* reads every wakeup line waiting; an old writer's bare byte, garbage
   or a possible overflow turn into a rescan */
static void drain (watch *w, int fd)
{
  char buf[4096] ;
  size_t total = 0 ;
  for (;;)
  {
    ssize_t r = read(fd, buf, sizeof(buf)) ;
    size_t i = 0 ;
    if (r <= 0) break ;
    total += r ;
    /* an old writer's bare NUL byte: no line will follow it */
    if (memchr(buf, 0, r)) { w->rescan = 1 ; w->partlen = 0 ; continue ; }
    while (i < (size_t)r)
    {
      char const *nl = memchr(buf + i, '\n', r - i) ;
      size_t n = (nl ? (size_t)(nl - buf) : (size_t)r) - i ;
      if (w->partlen + n >= SGIP_MAX) { w->rescan = 1 ; w->partlen = SGIP_MAX ; }
      else { memcpy(w->part + w->partlen, buf + i, n) ; w->partlen += n ; }
      i += n ;
      if (!nl) break ;
      i++ ;
      if (w->partlen < SGIP_MAX) pend_line(w, w->part, w->partlen) ;
      w->partlen = 0 ;
    }
  }
  if (total >= FIFOFULL) w->rescan = 1 ;
}

static int addone (sglisting const *l, void *p)
{
  watch *w = p ;
  return l->until <= w->now || sglisttab_set(&w->tab, l->ip, l->until, l->reason) ;
}

/* brings the table up to date: 1 ok, 0 error (reported; retried) */
static int refresh (watch *w, char const *statedir)
{
  size_t i ;
  w->now = sgnow() ;
  if (w->rescan)
  {
    unsigned int bad = 0 ;
    sglisttab_reset(&w->tab) ;
    w->pend.len = 0 ; w->npend = 0 ;
    if (!sgstate_foreach(&w->st, &addone, w, &bad))
    {
      warnlim(w, errno, "unable to read ", statedir, "/listed") ;
      return 0 ;
    }
    if (bad)
    {
      char c[UINT_FMT] ;
      c[uint_fmt(c, bad)] = 0 ;
      strerr_warnw("ignored ", c, " unreadable files in ", statedir, "/listed") ;
    }
    w->rescan = 0 ;
    sgwarnlimit_ok(&w->lim) ;
    return 1 ;
  }
  for (i = 0 ; i < w->npend ; i++)
  {
    sglisting l ;
    char const *ip = w->pend.s + i * SGIP_MAX ;
    int r = sgstate_listed(&w->st, ip, w->now, &l) ;
    if (r < 0 && errno != EINVAL) { w->rescan = 1 ; return refresh(w, statedir) ; }
    if (!sglisttab_set(&w->tab, ip, r > 0 ? l.until : 0, r > 0 ? l.reason : 0))
    {
      warnlim(w, errno, "unable to ", "keep the listings in memory", "") ;
      w->rescan = 1 ;
      return 0 ;
    }
  }
  w->pend.len = 0 ; w->npend = 0 ;
  sgwarnlimit_ok(&w->lim) ;
  return 1 ;
}

void sgcdbwatch_run (sgcdbwatch const *cf)
{
  watch w = { .st = SGSTATE_ZERO, .stopen = 0, .tab = SGLISTTAB_ZERO, .rescan = 1, .pend = STRALLOC_ZERO, .npend = 0, .partlen = 0, .lim = SGWARNLIMIT_ZERO } ;
  iopause_fd x[2] = { { .fd = -1, .events = IOPAUSE_READ }, { .fd = -1, .events = IOPAUSE_READ } } ;
  stamp rulesst, listedst, targetst, cur ;
  stamp extrast[SGCDBWATCH_EXTRAMAX] ;
  unsigned int i, nextra = cf->nextra < SGCDBWATCH_EXTRAMAX ? cf->nextra : SGCDBWATCH_EXTRAMAX ;
  tain lastbuild, nexttick, deadline, gap, mingap, started, took ;
  time_t lastgc = 0, lastscan = 0 ;
  uint64_t nextexpiry = 0 ;
  int dirty = 1, urgent = 0 ;
  x[0].fd = selfpipe_init() ;
  if (x[0].fd == -1) strerr_diefsys(111, "unable to ", "init selfpipe") ;
  if (!selfpipe_trap(SIGTERM) || !selfpipe_trap(SIGINT)) strerr_diefsys(111, "unable to ", "trap signals") ;
  tain_from_millisecs(&mingap, MINGAP_MS) ;
  gap = mingap ;
  tain_now_set_stopwatch_g() ;
  lastbuild = tain_zero ;
  memset(&rulesst, 0, sizeof(rulesst)) ;
  memset(&listedst, 0, sizeof(listedst)) ;
  memset(&targetst, 0, sizeof(targetst)) ;
  memset(extrast, 0, sizeof(extrast)) ;
  tain_addsec_g(&nexttick, cf->pollsecs) ;
  for (;;)
  {
    int r ;
    if (cf->statedir && !w.stopen)
    {
      if (sgstate_open(&w.st, cf->statedir, 0)) { w.stopen = 1 ; w.rescan = 1 ; }
      else warnlim(&w, errno, "unable to open statedir ", cf->statedir, "") ;
    }
    if (w.stopen && x[1].fd == -1) x[1].fd = openfifo(&w.st) ;
    if (dirty)
    {
      /* the coalescing gap is waived for a missing or foreign cdb */
      tain_add(&deadline, &lastbuild, urgent ? &mingap : &gap) ;
      if (!tain_future(&deadline))
      {
        stamp_get(&rulesst, -1, cf->rulesfn) ;
        for (i = 0 ; i < nextra ; i++) stamp_get(&extrast[i], -1, cf->extra[i]) ;
        if (w.stopen) stamp_get(&listedst, w.st.dirfd, "listed") ;
        if (x[1].fd >= 0) drain(&w, x[1].fd) ;
        if (w.stopen && time(0) - lastscan >= SGCDBWATCH_RESCAN) w.rescan = 1 ;
        if (w.stopen && w.rescan) lastscan = time(0) ;
        r = cf->statedir && !w.stopen ? -1 : w.stopen && !refresh(&w, cf->statedir) ? -1 : 2 ;
        if (r > 0)
        {
          /* the cost of a rebuild is writing the outputs (the reading is
             incremental), so that is what the gap is measured on */
          tain_now_g() ;
          started = STAMP ;
          r = (*cf->build)(w.stopen ? &w.tab : 0, &nextexpiry, cf->ctx) ;
          tain_now_g() ;
          if (r > 0)
          {
            int ms ;
            uint64_t sizems ;
            stamp_get(&targetst, -1, cf->target) ;
            tain_sub(&took, &STAMP, &started) ;
            ms = tain_to_millisecs(&took) ;
            ms = ms < 0 || ms > MAXGAP_MS / GAPFACTOR ? MAXGAP_MS : ms * GAPFACTOR ;
            sizems = targetst.ok && targetst.size > 0 ? (uint64_t)targetst.size * 1000 / WRITERATE : 0 ;
            if (sizems > (uint64_t)ms) ms = sizems > MAXGAP_MS ? MAXGAP_MS : (int)sizems ;
            if (ms < MINGAP_MS) ms = MINGAP_MS ;
            tain_from_millisecs(&gap, ms) ;
          }
        }
        else tain_now_g() ;
        dirty = r < 0 ;  /* a system error is retried; a syntax error waits for a change */
        urgent = 0 ;
        tain_copynow(&lastbuild) ;
        if (r < 0) tain_addsec(&lastbuild, &lastbuild, cf->pollsecs) ;
        if (w.stopen && time(0) - lastgc >= 3600)
        {
          lastgc = time(0) ;
          sgstate_gc(&w.st, (uint64_t)lastgc) ;
        }
        continue ;
      }
    }
    /* waiting out the gap, the poll still runs */
    if (!dirty || tain_less(&nexttick, &deadline)) deadline = nexttick ;
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
          if (w.stopen) sgstate_close(&w.st) ;
          sglisttab_free(&w.tab) ;
          stralloc_free(&w.pend) ;
          return ;
        }
    }
    if (x[1].fd >= 0 && x[1].revents & IOPAUSE_READ) { drain(&w, x[1].fd) ; dirty = 1 ; }
    if (!tain_future(&nexttick))
    {
      tain_addsec_g(&nexttick, cf->pollsecs) ;
      stamp_get(&cur, -1, cf->rulesfn) ;
      if (!stamp_same(&cur, &rulesst)) dirty = 1 ;
      for (i = 0 ; i < nextra ; i++)
      {
        stamp_get(&cur, -1, cf->extra[i]) ;
        if (!stamp_same(&cur, &extrast[i])) dirty = 1 ;
      }
      if (w.stopen)
      {
        /* listed/ changed and nobody said which IP: someone's hand */
        stamp_get(&cur, w.st.dirfd, "listed") ;
        if (!stamp_same(&cur, &listedst) && !w.npend && !dirty) { dirty = 1 ; w.rescan = 1 ; }
        if (time(0) - lastscan >= SGCDBWATCH_RESCAN) dirty = 1 ;
      }
      if (nextexpiry && sgnow() >= nextexpiry) dirty = 1 ;
      /* our cdb gone or replaced (an admin's tcprules): tcpserver drops
         every connection, or lets the listed in, until we write it */
      if (targetst.ok)
      {
        stamp_get(&cur, -1, cf->target) ;
        /* the whole stamp: rm and a new tcprules may reuse the inode */
        if (!stamp_same(&cur, &targetst))
        {
          strerr_warnw(cf->target, cur.ok ? " was replaced" : " is missing", " - rebuilding it") ;
          targetst.ok = 0 ;
          dirty = 1 ;
          urgent = 1 ;
        }
      }
    }
  }
}
