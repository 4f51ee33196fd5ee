/* ISC license. */

/* The per-event entry points other than the kick. Each takes the IP as
   the caller got it (e.g. TCPREMOTEIP) and canonicalizes it first: only
   a canonical address is ever used as a file name. */

#include <errno.h>
#include <unistd.h>

#include "sghistory.h"
#include "sgip.h"
#include "sgledger.h"
#include "sglisting.h"
#include "sgpolicy.h"
#include "sgstate.h"

int sgstate_listed (sgstate *st, char const *ip, uint64_t now, sglisting *l)
{
  sglisting tmp ;
  char cip[SGIP_MAX] ;
  int r ;
  if (!sgip_canon(cip, ip)) return (errno = EINVAL, -1) ;
  if (!l) l = &tmp ;
  r = sglisting_read(st->listedfd, cip, l) ;
  if (r <= 0) return r ;
  return l->until > now ;
}

int sgstate_ledger_move (sgstate *st, char const *ip, sgevidence const *delta, sgwithdraw const *w, unsigned int nw, uint64_t now, sgevidence *total, uint64_t *idx)
{
  char cip[SGIP_MAX] ;
  int fd, r ;
  if (!sgip_canon(cip, ip)) return (errno = EINVAL, 0) ;
  fd = sgledger_lock(st, cip) ;
  if (fd == -1) return 0 ;
  r = sgledger_update(fd, &st->conf, delta, w, nw, 0, now, total, 0, idx) ;
  { int e = errno ; close(fd) ; errno = e ; }
  return r ;
}

int sgstate_ledger_add (sgstate *st, char const *ip, sgevidence const *delta, uint64_t now, sgevidence *total)
{
  return sgstate_ledger_move(st, ip, delta, 0, 0, now, total, 0) ;
}

/* Unlisting is forgiveness: the listing goes, with its strikes, and so
   does the IP's ledger, so that the next session starts from zero. */
int sgstate_unlist (sgstate *st, char const *ip)
{
  char cip[SGIP_MAX] ;
  int fd, r = 1 ;
  if (!sgip_canon(cip, ip)) return (errno = EINVAL, -1) ;
  fd = sgledger_lock(st, cip) ;
  if (fd == -1) return -1 ;
  if (unlinkat(st->listedfd, cip, 0) == -1) r = errno == ENOENT ? 0 : -1 ;
  else if (fsync(st->listedfd) == -1) r = -1 ;
  if (r >= 0 && ftruncate(fd, 0) == -1) r = -1 ;
  { int e = errno ; close(fd) ; errno = e ; }
  if (r == 1) sgstate_notify(st, cip) ;
  return r ;
}

/* the IP's history record, unexpired at now: 1, 0 none, -1 error */
static int history_of (sgstate *st, char const *ip, uint64_t now, sghistory *h)
{
  char cip[SGIP_MAX] ;
  int r ;
  if (st->historyfd < 0) return 0 ;
  if (!sgip_canon(cip, ip)) return (errno = EINVAL, -1) ;
  r = sghistory_read(st->historyfd, cip, h) ;
  return r > 0 ? h->expires > now : r ;
}

int sgstate_history (sgstate *st, char const *ip, uint64_t now)
{
  sghistory h ;
  int r ;
  if (!st->conf.history) return 0 ;
  r = history_of(st, ip, now, &h) ;
  if (r <= 0) return r ;
  /* the shorter of the life it was written with and today's; and a
     history must be older than the window: a client that starts
     delivering now has its deliveries counted in the window already */
  return h.last + st->conf.history > now && h.first + st->conf.window <= now ;
}

int sgstate_lastmail (sgstate *st, char const *ip, uint64_t now, uint64_t *last)
{
  sghistory h ;
  int r = history_of(st, ip, now, &h) ;
  if (r > 0) *last = h.last ;
  return r ;
}

int sgstate_delivered (sgstate *st, char const *ip, uint32_t n, uint64_t now)
{
  char cip[SGIP_MAX] ;
  if (st->historyfd < 0 || !st->conf.history || !n) return 1 ;
  if (!sgip_canon(cip, ip)) return (errno = EINVAL, 0) ;
  return sghistory_add(st->historyfd, cip, n, now, st->conf.history) ;
}
