/* ISC license. */

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

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
