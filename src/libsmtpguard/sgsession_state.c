/* ISC license. */

/* A session's memory across connections (smtpguard -d), failing open:
   whatever goes wrong with the statedir is logged once and the session
   goes on as without it. */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "sgcdbnets.h"
#include "sgclock.h"
#include "sgip.h"
#include "sgjudge.h"
#include "sglisting.h"
#include "sglog.h"
#include "sgpolicy.h"
#include "sgsession.h"
#include "sgstate.h"

void sgsession_warn (sgsession const *s, char const *dir, char const *what, int e)
{
  errno = e ;
  if (e == EACCES)
  {
    /* the usual cause: the admin did not give the directory to the user
       tcpserver -u runs us as; say what to run (doc/statedir.html) */
    char fmt[UID_FMT] ;
    fmt[uid_fmt(fmt, geteuid())] = 0 ;
    strerr_warnw("unable to ", what, " in ", dir, " for ", s->ip, ": ", strerror(e),
      ": the state directory and all in it must belong to uid ", fmt, ": run chown -R ", fmt, " ", dir) ;
    return ;
  }
  strerr_warnwu5sys(what, " in ", dir, " for ", s->ip) ;
}

int sgsession_state (sgsession *s, sgstate *st, char const *dir, sgstateconf const *conf, char *ipbuf, char const *remoteip, sglisting *li)
{
  int r ;
  if (!remoteip || !sgip_canon(ipbuf, remoteip))
  {
    sglog_word(PROG, "warning", "no valid TCPREMOTEIP, not recording", 0, remoteip ? "ip" : 0, remoteip) ;
    return 0 ;
  }
  s->ip = ipbuf ;
  if (!sgstate_open(st, dir, conf))
  {
    sgsession_warn(s, dir, "open the statedir", errno) ;
    return 0 ;
  }
  r = sgstate_listed(st, ipbuf, sgnow(), li) ;
  /* an unparsable listing is no listing: this IP's next kick replaces it */
  if (r < 0 && errno == EINVAL) { sgsession_warn(s, dir, "parse the listing", errno) ; r = 0 ; }
  if (r < 0)
  {
    sgsession_warn(s, dir, "read the listing", errno) ;
    sgstate_close(st) ;
    return 0 ;
  }
  if (r) return 2 ;
  /* a listed network that tcpserver's rules cannot express; fails open */
  r = sgnets_listed(st->dirfd, ipbuf) ;
  if (r < 0) sgsession_warn(s, dir, "read " SGNETS_FILE, errno) ;
  else if (r)
  {
    memset(li, 0, sizeof(*li)) ;
    memcpy(li->ip, ipbuf, strlen(ipbuf) + 1) ;
    li->reason = SGR_NETWORK ;
    return 2 ;
  }
  s->st = st ;
  return 1 ;
}

/* The listing is on disk before the caller sends its 421: the next
   connection from this IP is refused even if we die right after. A real
   kick ends the open transaction first, so that its refusals are in the
   ledger too. */
int sgsession_record_kick (sgsession *s, char const *dir, unsigned int reason, int dry)
{
  sglisting li ;
  int r ;
  if (!s->st) return 0 ;
  if (!dry) sgjudge_finish(&s->judge) ;
  sgsession_flush(s) ;
  if (!s->st) { sgsession_warn(s, dir, "record the ledger", s->err) ; return 0 ; }
  if (dry) r = sgstate_wouldkick(s->st, s->ip, sgnow()) ;
  else r = sgstate_kick(s->st, s->ip, reason, sgnow(), &li) ;
  if (r < 0) { sgsession_warn(s, dir, "record the kick", errno) ; s->st = 0 ; return 0 ; }
  if (r && !dry && reason != SGR_LISTED) sglog_listing(PROG, "listed", s->ip, &li) ;
  return r ;
}

/* once, at the end of a session that delivered */
void sgsession_record_history (sgsession *s, char const *dir)
{
  if (!s->st || !s->judge.delivered) return ;
  if (!sgstate_delivered(s->st, s->ip, s->judge.delivered, sgnow()))
    sgsession_warn(s, dir, "record the history", errno) ;
}
