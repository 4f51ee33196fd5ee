/* ISC license. */

/* statedir/key: 16 random bytes, made by the first smtpguard that needs
   them, readable by the state directory's owner only. They key the tags
   of refused credentials (sgscan.h) that the ledgers keep: every
   smtpguard must compute a tag alike, and no client may predict one. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/types.h>
#include <skalibs/random.h>

#include "sgstate.h"

/* the new key goes in whole or not at all: written aside, then linked;
   of two makers at once, the first link wins and both read it */
static int make (sgstate *st)
{
  char tmp[10 + PID_FMT] = ".tmp.key." ;
  char k[16] ;
  int fd, ok ;
  tmp[9 + pid_fmt(tmp + 9, getpid())] = 0 ;
  random_buf(k, sizeof(k)) ;
  unlinkat(st->dirfd, tmp, 0) ;  /* a killed maker's, with our pid */
  fd = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) ;
  if (fd == -1) return 0 ;
  ok = write(fd, k, sizeof(k)) == (ssize_t)sizeof(k) && fsync(fd) == 0 && sgstate_own(st->dirfd, fd, 0) ;
  memset(k, 0, sizeof(k)) ;
  close(fd) ;
  if (ok && linkat(st->dirfd, tmp, st->dirfd, "key", 0) == -1 && errno != EEXIST) ok = 0 ;
  { int e = errno ; unlinkat(st->dirfd, tmp, 0) ; errno = e ; }
  if (ok) fsync(st->dirfd) ;
  return ok ;
}

int sgstate_key (sgstate *st, uint64_t key[2])
{
  unsigned int tries = 0 ;
  for (; tries < 2 ; tries++)
  {
    char k[17] ;
    ssize_t r ;
    int fd = openat(st->dirfd, "key", O_RDONLY | O_NOFOLLOW | O_CLOEXEC) ;
    if (fd == -1)
    {
      if (errno != ENOENT || !make(st)) return 0 ;
      continue ;
    }
    r = read(fd, k, sizeof(k)) ;
    { int e = errno ; close(fd) ; errno = e ; }
    if (r != 16) { if (r >= 0) errno = EINVAL ; memset(k, 0, sizeof(k)) ; return 0 ; }
    uint64_unpack(k, key) ;
    uint64_unpack(k + 8, key + 1) ;
    memset(k, 0, sizeof(k)) ;
    return 1 ;
  }
  errno = ENOENT ;
  return 0 ;
}
