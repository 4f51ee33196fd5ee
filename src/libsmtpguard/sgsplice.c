/* ISC license. */

#define _GNU_SOURCE  /* splice, vmsplice */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "sgsplice.h"

ssize_t sgsplice_lend (int to, char const *buf, size_t len)
{
  struct iovec v = { (void *)buf, len } ;
  return vmsplice(to, &v, 1, SPLICE_F_NONBLOCK) ;
}

int64_t sgsplice_unread (int fd)
{
  int n ;
  return ioctl(fd, FIONREAD, &n) == -1 ? -1 : n ;
}

ssize_t sgsplice_move (int fd, int to, size_t len, int *nosplice)
{
  ssize_t r = splice(fd, 0, to, 0, len, SPLICE_F_NONBLOCK) ;
  if (r < 0 && errno != EAGAIN && errno != EINTR) *nosplice = 1 ;
  return r ;
}

int sglend_free (sglend const *l, uint64_t unread)
{
  /* the pipe is read in order: what it holds is the last bytes piped */
  if (l->fill) return 1 ;
  return unread <= l->piped && l->piped - unread >= l->end[l->next] ;
}

void sglend_lent (sglend *l, size_t n)
{
  l->fill += n ;
  if (SGLEND_SLOTSIZE - l->fill >= SGLEND_LOW) return ;
  l->end[l->next] = l->piped ;
  l->next = (l->next + 1) % SGLEND_SLOTS ;
  l->fill = 0 ;
}
