/* ISC license. */

#define _GNU_SOURCE  /* splice */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include "sgsplice.h"

int sgsplice_start (int fd)
{
  int one = 1 ;
  return !setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one) ;
}

ssize_t sgsplice_peek (int fd, char *buf, size_t len)
{
  return recv(fd, buf, len, MSG_PEEK | MSG_DONTWAIT) ;
}

static int cannot (int e)
{
  return e != EAGAIN && e != EINTR ;
}

ssize_t sgsplice_move (int fd, int to, size_t len, int *nosplice)
{
  ssize_t r = splice(fd, 0, to, 0, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK) ;
  if (r < 0 && cannot(errno)) *nosplice = 1 ;
  return r ;
}

ssize_t sgsplice_take (int fd, int to, char const *buf, size_t len, size_t go, int *nosplice)
{
  char chk[16384] ;
  size_t got = 0, moved = 0 ;
  if (go && to >= 0)
  {
    /* a TCP socket splices up to an urgent byte only: the rest is read */
    ssize_t k = splice(fd, 0, to, 0, go, SPLICE_F_MOVE | SPLICE_F_NONBLOCK) ;
    if (k > 0) moved = got = k ;
    else if (k < 0 && cannot(errno)) *nosplice = 1 ;
  }
  while (got < len)
  {
    size_t want = len - got < sizeof chk ? len - got : sizeof chk ;
    ssize_t r = recv(fd, chk, want, MSG_DONTWAIT) ;
    if (r <= 0)
    {
      /* the bytes were shown: only a broken stream does not give them */
      if (r < 0 && errno == EINTR) continue ;
      if (!r || errno == EAGAIN) errno = EPROTO ;
      return -1 ;
    }
    if (memcmp(chk, buf + got, r)) { errno = EPROTO ; return -1 ; }
    got += r ;  /* every turn reads something: at most len turns */
  }
  return moved ;
}
