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

ssize_t sgsplice_move (int fd, int to, size_t len, int *nosplice)
{
  ssize_t r = splice(fd, 0, to, 0, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK) ;
  if (r < 0 && errno != EAGAIN && errno != EINTR) *nosplice = 1 ;
  return r ;
}

int sgsplice_skip (int fd, char const *buf, size_t len)
{
  char chk[16384] ;
  size_t got = 0 ;
  while (got < len)
  {
    size_t want = len - got < sizeof chk ? len - got : sizeof chk ;
    ssize_t r = recv(fd, chk, want, MSG_DONTWAIT) ;
    if (r <= 0)
    {
      /* the bytes were shown: only a broken stream does not give them */
      if (r < 0 && errno == EINTR) continue ;
      if (!r || errno == EAGAIN) errno = EPROTO ;
      return 0 ;
    }
    if (memcmp(chk, buf + got, r)) { errno = EPROTO ; return 0 ; }
    got += r ;  /* every turn reads something: at most len turns */
  }
  return 1 ;
}
