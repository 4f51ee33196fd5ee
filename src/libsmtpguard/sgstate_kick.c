/* ISC license. */

/* A kick: count it in the ledger and, if the kicks in the window reach
   the threshold, list the IP. The whole read-decide-write happens under
   the IP's ledger lock, so that concurrent kicks of one IP neither lose
   a strike nor list it twice; the listing is on disk (file and
   directory fsync'd) before this returns, hence before the 421. */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sgip.h"
#include "sgledger.h"
#include "sglisting.h"
#include "sgstate.h"

/* listtime * 2^(strikes-1), capped at listmax, without overflow */
uint64_t sglisting_duration (sgstateconf const *conf, uint32_t strikes)
{
  uint64_t d = conf->listtime ;
  uint32_t i = 1 ;
  for (; i < strikes && d < conf->listmax ; i++) d <<= 1 ;
  return d < conf->listmax ? d : conf->listmax ;
}

uint32_t sgstate_strikes (sglisting const *l, uint64_t now)
{
  uint64_t gone ;
  if (now <= l->until) return l->strikes ;
  gone = (now - l->until) / SGSTATE_DECAY ;
  return gone >= l->strikes ? 0 : l->strikes - (uint32_t)gone ;
}

/* dry: count the kick, decide, list nothing */
static int kick (sgstate *st, char const *ip, unsigned int reason, uint64_t now, sglisting *l, int dry)
{
  sglisting old, tmp ;
  char cip[SGIP_MAX] ;
  uint64_t last ;
  uint32_t kicks = 0 ;
  int fd, r ;
  if (!sgip_canon(cip, ip)) return (errno = EINVAL, -1) ;
  if (!l) l = &tmp ;
  fd = sgledger_lock(st, cip) ;
  if (fd == -1) return -1 ;
  if (!sgledger_update(fd, &st->conf, 0, 0, 0, 1, now, 0, &kicks, 0)) goto err ;
  r = sglisting_read(st->listedfd, cip, &old) ;
  if (r < 0)
  {
    if (errno != EINVAL) goto err ;
    r = 0 ;  /* a garbage listing file is overwritten, strikes lost */
  }
  if (r && old.until > now)  /* already listed: no new strike */
  {
    *l = old ;
    close(fd) ;
    return 1 ;
  }
  if (kicks < st->conf.kicks) { close(fd) ; return 0 ; }
  if (dry) { close(fd) ; return 1 ; }
  memcpy(l->ip, cip, strlen(cip) + 1) ;
  l->reason = reason ;
  l->strikes = (r ? sgstate_strikes(&old, now) : 0) ;
  if (l->strikes < 0xffffffffu) l->strikes++ ;
  l->since = now ;
  l->until = now + sglisting_duration(&st->conf, l->strikes) ;
  /* a mail server that delivered here again since its last listing
     ended: its listings stop growing at the third's length (4 x
     listtime), so that its queue still gets through between them; a
     prober keeps that only by delivering a message every time */
  if (r && sgstate_history(st, cip, now) > 0 && sgstate_lastmail(st, cip, now, &last) > 0 && last > old.until)
  {
    uint64_t cap = sglisting_duration(&st->conf, 3) ;
    if (l->until - now > cap) l->until = now + cap ;
  }
  if (!sglisting_write(st->listedfd, l)) goto err ;
  close(fd) ;
  sgstate_notify(st, l->ip) ;
  return 1 ;
 err:
  {
    int e = errno ;
    close(fd) ;
    errno = e ;
  }
  return -1 ;
}

int sgstate_kick (sgstate *st, char const *ip, unsigned int reason, uint64_t now, sglisting *l)
{
  return kick(st, ip, reason, now, l, 0) ;
}

int sgstate_wouldkick (sgstate *st, char const *ip, uint64_t now)
{
  return kick(st, ip, SGR_NONE, now, 0, 1) ;
}
