/* ISC license. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/buffer.h>
#include <skalibs/types.h>

#include "sgisotime.h"
#include "sgnet.h"
#include "sgzone.h"

static int opendirof (char const *path, char const **base)
{
  char const *slash = strrchr(path, '/') ;
  char dir[4096] ;
  size_t n ;
  *base = slash ? slash + 1 : path ;
  if (!slash) return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) ;
  n = slash == path ? 1 : (size_t)(slash - path) ;
  if (n >= sizeof(dir)) return (errno = ENAMETOOLONG, -1) ;
  memcpy(dir, path, n) ;
  dir[n] = 0 ;
  return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) ;
}

int sgzone_start (sgzone *z, char const *path, unsigned int family, uint64_t now)
{
  char stamp[SGISOTIME_LEN + 1] ;
  size_t blen ;
  z->fd = -1 ;
  z->tmp[0] = 0 ;
  z->family = family ;
  z->dirfd = opendirof(path, &z->base) ;
  if (z->dirfd == -1) return 0 ;
  blen = strlen(z->base) ;
  if (!blen || blen + 5 + UINT64_FMT > sizeof(z->tmp)) { errno = ENAMETOOLONG ; goto err ; }
  memcpy(z->tmp, z->base, blen) ;
  memcpy(z->tmp + blen, ".tmp.", 5) ;
  z->tmp[blen + 5 + uint64_fmt(z->tmp + blen + 5, (uint64_t)getpid())] = 0 ;
  z->fd = openat(z->dirfd, z->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644) ;
  if (z->fd == -1) goto err ;
  buffer_init(&z->b, &buffer_write, z->fd, z->buf, sizeof(z->buf)) ;
  stamp[sgisotime_fmt(stamp, now)] = 0 ;
  if (buffer_puts(&z->b, family == 4 ? "# ip4trie" : "# ip6trie") < 0
   || buffer_puts(&z->b, " dataset of smtpguard's listings, written ") < 0
   || buffer_puts(&z->b, stamp) < 0
   || buffer_puts(&z->b, "\n:127.0.0.2:listed by smtpguard\n") < 0) goto err ;
  return 1 ;
 err:
  sgzone_abort(z) ;
  return 0 ;
}

int sgzone_add (sgzone *z, sgnet const *n, char const *what, uint64_t until)
{
  char net[SGNET_FMTMAX] ;
  char t[SGISOTIME_LEN] ;
  if (n->family != z->family) return 1 ;
  sgnet_fmt(net, n) ;
  return buffer_puts(&z->b, net) >= 0
    && buffer_puts(&z->b, " :127.0.0.2:listed by smtpguard (") >= 0
    && buffer_puts(&z->b, what) >= 0
    && buffer_puts(&z->b, ") until ") >= 0
    && buffer_put(&z->b, t, sgisotime_fmt(t, until)) >= 0
    && buffer_put(&z->b, "\n", 1) >= 0 ;
}

int sgzone_exclude (sgzone *z, sgnet const *n)
{
  char net[SGNET_FMTMAX] ;
  if (n->family != z->family) return 1 ;
  sgnet_fmt(net, n) ;
  return buffer_put(&z->b, "!", 1) >= 0 && buffer_puts(&z->b, net) >= 0 && buffer_put(&z->b, "\n", 1) >= 0 ;
}

int sgzone_finish (sgzone *z)
{
  if (!buffer_flush(&z->b) || fsync(z->fd) == -1) goto err ;
  if (close(z->fd) == -1) { z->fd = -1 ; goto err ; }
  z->fd = -1 ;
  if (renameat(z->dirfd, z->tmp, z->dirfd, z->base) == -1) goto err ;
  fsync(z->dirfd) ;
  close(z->dirfd) ;
  z->dirfd = -1 ;
  return 1 ;
 err:
  sgzone_abort(z) ;
  return 0 ;
}

void sgzone_abort (sgzone *z)
{
  int e = errno ;
  if (z->fd >= 0) { close(z->fd) ; z->fd = -1 ; unlinkat(z->dirfd, z->tmp, 0) ; }
  else if (z->dirfd >= 0 && z->tmp[0]) unlinkat(z->dirfd, z->tmp, 0) ;
  if (z->dirfd >= 0) { close(z->dirfd) ; z->dirfd = -1 ; }
  errno = e ;
}
