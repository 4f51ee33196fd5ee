/* ISC license. */

/* The door test's session side: pass record, teaser, wait, verdict,
   refusal, strike. Before the smtpd exists: SIGPIPE is ignored here only,
   so that a client gone at once does not kill us, and its disposition
   restored for the smtpd to inherit. */

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/strerr.h>
#include <skalibs/djbunix.h>
#include <skalibs/tai.h>

#include "sgclock.h"
#include "sggreet.h"
#include "sglisting.h"
#include "sglog.h"
#include "sgpass.h"
#include "sgpolicy.h"
#include "sgsession.h"
#include "sgstate.h"

static void logverdict (char const *ip, unsigned int v, char const *action, char const *first, size_t len, uint64_t ms)
{
  sglog l ;
  sglog_start(&l, PROG, "info") ;
  sglog_puts(&l, " door") ;
  sglog_kv(&l, "ip", ip) ;
  sglog_kv(&l, "verdict", sggreet_name(v)) ;
  if (action) sglog_kv(&l, "action", action) ;
  sglog_u64(&l, "ms", ms) ;
  if (len) sglog_kvn(&l, "first", first, len > 32 ? 32 : len) ;
  sglog_flush(&l) ;
}

/* what the client sent after the refusal is read and dropped, so that
   closing with unread bytes does not reset the connection before the
   client could read the 521; never blocks */
static void drain (void)
{
  char buf[4096] ;
  unsigned int i = 0 ;
  if (ndelay_on(0) < 0) return ;
  for (; i < 16 ; i++) if (fd_read(0, buf, sizeof(buf)) <= 0) break ;
}

static void strike (sgsession *s, sggreetconf const *conf, char const *dir)
{
  uint32_t kicks = s->st->conf.kicks ;
  if (conf->action == SGGA_LOG) return ;
  /* "list": this verdict alone reaches the kicks threshold */
  if (conf->action == SGGA_LIST) s->st->conf.kicks = 1 ;
  sgsession_record_kick(s, dir, SGR_EARLY, 0) ;
  if (s->st) s->st->conf.kicks = kicks ;
}

int sggreet_door (sgsession *s, sggreetconf const *conf, char const *dir)
{
  char line[SGGREET_LINEMAX > SGGREET_REFUSALMAX ? SGGREET_LINEMAX : SGGREET_REFUSALMAX] ;
  char first[SGGREET_PEEK] ;
  size_t len = 0 ;
  unsigned int v ;
  tain start, d ;
  struct sigaction ign = { .sa_handler = SIG_IGN }, old ;
  int passfd = sgpass_dir(s->st) ;
  int r ;
  if (passfd == -1) { sgsession_warn(s, dir, "open the pass directory", errno) ; return -1 ; }
  r = sgpass_check(passfd, s->ip, sgnow()) ;
  /* an unparsable record is no record: this pass replaces it */
  if (r < 0 && errno != EINVAL) { sgsession_warn(s, dir, "read the pass record", errno) ; fd_close(passfd) ; return -1 ; }
  if (r > 0) { fd_close(passfd) ; return -1 ; }

  sigemptyset(&ign.sa_mask) ;
  if (sigaction(SIGPIPE, &ign, &old) == -1) { fd_close(passfd) ; return -1 ; }
  tain_now_set_stopwatch_g() ;
  start = STAMP ;
  {
    size_t n = sggreet_teaser(line, conf->text) ;
    if (allwrite(1, line, n) < n) v = SGG_GONE ;
    else v = sggreet_wait(0, conf->ms, first, sizeof(first), &len) ;
  }
  tain_now_g() ;
  tain_sub(&d, &STAMP, &start) ;
  switch (v)
  {
    case SGG_PASS :
      logverdict(s->ip, v, 0, 0, 0, tain_to_millisecs(&d)) ;
      if (!sgpass_record(passfd, s->ip, sgnow(), conf->life)) sgsession_warn(s, dir, "record the pass", errno) ;
      break ;
    case SGG_GONE :
      logverdict(s->ip, v, 0, 0, 0, tain_to_millisecs(&d)) ;
      break ;
    default :
      logverdict(s->ip, v, sggreet_action_name(conf->action), first, len, tain_to_millisecs(&d)) ;
      /* the verdict is on disk before the client hears it, as a kick's */
      strike(s, conf, dir) ;
      allwrite(1, line, sggreet_refusal(line)) ;
      drain() ;
      break ;
  }
  fd_close(passfd) ;
  sigaction(SIGPIPE, &old, 0) ;
  return (int)v ;
}
