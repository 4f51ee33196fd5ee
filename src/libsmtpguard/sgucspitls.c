/* ISC license. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/types.h>
#include <skalibs/djbunix.h>
#include <skalibs/socket.h>

#include "sgucspitls.h"

static int getfd (char const *name, int *fd)
{
  char const *s = getenv(name) ;
  unsigned int u ;
  if (!s || !uint0_scan(s, &u) || u > 1024) return 0 ;
  if (fcntl((int)u, F_GETFD) < 0) return 0 ;
  *fd = (int)u ;
  return 1 ;
}

int sgucspitls_setup (sgucspitls *t)
{
  int p[2] ;
  char fmt[UINT_FMT] ;
  if (!getfd("SSLCTLFD", &t->ctl) || !getfd("SSLREADFD", &t->rd) || !getfd("SSLWRITEFD", &t->wr)) return 0 ;
  /* the three may be the same fd, and none may be 0 or 1 in front of us */
  if (t->ctl <= 1 || t->rd <= 1 || t->wr <= 1) return 0 ;
  if (ipc_pair_b(p) < 0) return -1 ;
  if (coe(t->ctl) < 0 || coe(t->rd) < 0 || coe(t->wr) < 0 || coe(p[0]) < 0) goto err ;
  t->mine = p[0] ; t->child = p[1] ;
  t->sockflags[0] = fcntl(0, F_GETFL) ;
  t->sockflags[1] = fcntl(1, F_GETFL) ;
  fmt[uint_fmt(fmt, (unsigned int)t->child)] = 0 ;
  if (setenv("SSLCTLFD", fmt, 1) < 0 || setenv("SSLREADFD", "0", 1) < 0 || setenv("SSLWRITEFD", "1", 1) < 0) goto err ;
  return 1 ;
 err:
  fd_close(p[0]) ; fd_close(p[1]) ;
  t->mine = t->child = -1 ;
  return -1 ;
}

void sgucspitls_spawned (sgucspitls *t)
{
  if (t->child >= 0) { fd_close(t->child) ; t->child = -1 ; }
}

void sgucspitls_control (sgucspitls *t, int from)
{
  char buf[512] ;
  ssize_t r = fd_read(from, buf, from == t->mine ? 1 : sizeof(buf)) ;
  if (r < 0 && errno == EAGAIN) return ;
  if (r <= 0)
  {
    /* the smtpd will ask nothing more; the layer will say nothing more */
    if (from == t->mine) { fd_close(t->mine) ; t->mine = -1 ; }
    else { fd_close(t->ctl) ; t->ctl = -1 ; }
    return ;
  }
  if (from == t->mine) { if (buf[0] == 'y' || buf[0] == 'Y') t->cmd = buf[0] ; return ; }
  if (allwrite(t->mine, buf, r) < (size_t)r) { fd_close(t->ctl) ; t->ctl = -1 ; }
}

int sgucspitls_handoff (sgucspitls *t)
{
  if (t->sockflags[0] >= 0) fcntl(0, F_SETFL, t->sockflags[0]) ;
  if (t->sockflags[1] >= 0) fcntl(1, F_SETFL, t->sockflags[1]) ;
  if (allwrite(t->ctl, &t->cmd, 1) < 1) return 0 ;
  return ndelay_on(t->rd) >= 0 && ndelay_on(t->wr) >= 0 ;
}
