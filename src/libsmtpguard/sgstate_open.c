/* ISC license. */

/* Opens the state directory, creating its parts when possible. A reader
   (smtpguard-list, smtpguard-cdb) may lack write permission: then the
   parts must already exist, which is checked, not assumed. */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sgstate.h"

int sgstate_mkdir (int dirfd, char const *name)
{
  int fd, e = 0 ;
  if (mkdirat(dirfd, name, 0755) == 0) fsync(dirfd) ;  /* the new entry is durable */
  else if (errno != EEXIST) e = errno ;
  fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) ;
  /* say why it could not be made (EACCES, EROFS, ENOSPC), not ENOENT */
  if (fd == -1 && errno == ENOENT && e) errno = e ;
  return fd ;
}

int sgstate_open (sgstate *st, char const *dir, sgstateconf const *conf)
{
  static sgstateconf const defconf = SGSTATECONF_ZERO ;
  struct stat stt ;
  st->dirfd = st->listedfd = st->ledgerfd = -1 ;
  st->conf = conf ? *conf : defconf ;
  if (!st->conf.window) st->conf.window = SGSTATE_WINDOW ;
  if (!st->conf.kicks) st->conf.kicks = 1 ;
  if (!st->conf.listtime) st->conf.listtime = SGSTATE_LISTTIME ;
  if (st->conf.listmax < st->conf.listtime) st->conf.listmax = st->conf.listtime ;
  st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) ;
  if (st->dirfd == -1) return 0 ;
  st->listedfd = sgstate_mkdir(st->dirfd, "listed") ;
  if (st->listedfd == -1) goto err ;
  st->ledgerfd = sgstate_mkdir(st->dirfd, "ledger") ;
  if (st->ledgerfd == -1) goto err ;
  /* the wakeup FIFO is optional: smtpguard-cdb -w also polls listed/ */
  if (fstatat(st->dirfd, "wakeup", &stt, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT)
    mkfifoat(st->dirfd, "wakeup", 0622) ;
  return 1 ;
 err:
  sgstate_close(st) ;
  return 0 ;
}

void sgstate_close (sgstate *st)
{
  int e = errno ;
  if (st->ledgerfd >= 0) close(st->ledgerfd) ;
  if (st->listedfd >= 0) close(st->listedfd) ;
  if (st->dirfd >= 0) close(st->dirfd) ;
  st->dirfd = st->listedfd = st->ledgerfd = -1 ;
  errno = e ;
}
