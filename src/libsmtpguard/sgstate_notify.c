/* ISC license. */

/* Pokes smtpguard-cdb -w. O_NONBLOCK: ENXIO if nobody reads, EAGAIN if
   the pipe is full (a rebuild is pending anyway); both are fine. The
   fstat check keeps a stray regular file named wakeup from growing. */

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sgstate.h"

void sgstate_notify (sgstate *st)
{
  struct stat stt ;
  int fd = openat(st->dirfd, "wakeup", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW) ;
  if (fd == -1) return ;
  if (fstat(fd, &stt) == 0 && S_ISFIFO(stt.st_mode))
  {
    ssize_t r = write(fd, "", 1) ;
    (void)r ;
  }
  close(fd) ;
}
