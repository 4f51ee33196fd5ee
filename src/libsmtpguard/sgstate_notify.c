/* ISC license. */

/* Pokes smtpguard-cdb -w with the IP whose listing changed, one line
   (shorter than PIPE_BUF: lines from many writers never mix), so that
   it re-reads only that listing; a line that is not an IP means
   "rescan everything". O_NONBLOCK: ENXIO if nobody reads, EAGAIN if
   the pipe is full (a rebuild is pending anyway); both are fine. The
   fstat check keeps a stray regular file named wakeup from growing. */

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sgip.h"
#include "sgstate.h"

void sgstate_notify (sgstate *st, char const *ip)
{
  struct stat stt ;
  int fd = openat(st->dirfd, "wakeup", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW) ;
  if (fd == -1) return ;
  if (fstat(fd, &stt) == 0 && S_ISFIFO(stt.st_mode))
  {
    char line[SGIP_MAX + 1] ;
    size_t n = ip ? strlen(ip) : 0 ;
    ssize_t r ;
    if (n >= SGIP_MAX) n = 0 ;
    if (n) memcpy(line, ip, n) ;
    line[n++] = '\n' ;
    r = write(fd, line, n) ;
    (void)r ;
  }
  close(fd) ;
}
