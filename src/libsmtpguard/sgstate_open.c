/* ISC license. */

/* Opens the state directory, creating its parts when possible. A reader
   (smtpguard-list, smtpguard-cdb) may lack write permission: then the
   parts must already exist, which is checked, not assumed.

   Ownership: everything in the state directory belongs to the owner of
   the state directory itself (the admin chowns it to the user the smtpd
   runs as). Whichever program comes first, smtpguard as that user or a
   tool run as root, makes the same tree: root gives what it creates to
   the directory's owner and group (the smtpd user's files have his own
   group). Every directory and file creation in the state directory goes
   through sgstate_mkdir or sgstate_own; a listing (a symlink) needs
   neither: whoever owns listed/ can replace it. */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sgstate.h"

int sgstate_own (int dirfd, int fd, char const *name)
{
  struct stat d, f ;
  /* only root can give a file away; anyone else made it his own, which
     is right when he owns the directory, and reported by the tools if not */
  if (geteuid()) return 1 ;
  if (fstat(dirfd, &d) == -1) return 0 ;
  if (fd >= 0 ? fstat(fd, &f) == -1 : fstatat(dirfd, name, &f, AT_SYMLINK_NOFOLLOW) == -1) return 0 ;
  /* what root made, never what another user made (a group-run setup) */
  if (f.st_uid || !d.st_uid) return 1 ;
  return fd >= 0 ? fchown(fd, d.st_uid, d.st_gid) == 0
    : fchownat(dirfd, name, d.st_uid, d.st_gid, AT_SYMLINK_NOFOLLOW) == 0 ;
}

int sgstate_mkdir (int dirfd, char const *name)
{
  int fd, e = 0 ;
  if (mkdirat(dirfd, name, 0755) == 0) fsync(dirfd) ;  /* the new entry is durable */
  else if (errno != EEXIST) e = errno ;
  fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) ;
  /* say why it could not be made (EACCES, EROFS, ENOSPC), not ENOENT */
  if (fd == -1 && errno == ENOENT && e) errno = e ;
  /* also repairs a directory that an older version made as root; if
     that fails (read-only), reading still works and the tools report it */
  if (fd >= 0) sgstate_own(dirfd, fd, 0) ;
  return fd ;
}

int sgstate_open (sgstate *st, char const *dir, sgstateconf const *conf)
{
  static sgstateconf const defconf = SGSTATECONF_ZERO ;
  struct stat stt ;
  st->dirfd = st->listedfd = st->ledgerfd = st->historyfd = -1 ;
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
  /* optional: without it, no client has a delivered history */
  if (st->conf.history) st->historyfd = sgstate_mkdir(st->dirfd, "history") ;
  /* the wakeup FIFO is optional: smtpguard-cdb -w also polls listed/.
     0622 whatever the umask: every smtpguard may poke it. */
  if (fstatat(st->dirfd, "wakeup", &stt, AT_SYMLINK_NOFOLLOW) == -1)
  {
    if (errno == ENOENT && mkfifoat(st->dirfd, "wakeup", 0622) == 0)
    {
      fchmodat(st->dirfd, "wakeup", 0622, 0) ;
      sgstate_own(st->dirfd, -1, "wakeup") ;
    }
  }
  else if (S_ISFIFO(stt.st_mode) && !stt.st_uid) sgstate_own(st->dirfd, -1, "wakeup") ;
  return 1 ;
 err:
  sgstate_close(st) ;
  return 0 ;
}

void sgstate_close (sgstate *st)
{
  int e = errno ;
  if (st->historyfd >= 0) close(st->historyfd) ;
  if (st->ledgerfd >= 0) close(st->ledgerfd) ;
  if (st->listedfd >= 0) close(st->listedfd) ;
  if (st->dirfd >= 0) close(st->dirfd) ;
  st->dirfd = st->listedfd = st->ledgerfd = st->historyfd = -1 ;
  errno = e ;
}

/* The first of listed/, ledger/ and wakeup whose owner is not the state
   directory's: its name, with both stats, or 0 if all agree. A
   directory owned by root says nothing of who the smtpd runs as: 0. */
char const *sgstate_check (sgstate const *st, struct stat *got, struct stat *want)
{
  static char const *const names[3] = { "listed", "ledger", "wakeup" } ;
  unsigned int i = 0 ;
  if (fstat(st->dirfd, want) == -1 || !want->st_uid) return 0 ;
  for (; i < 3 ; i++)
    if (fstatat(st->dirfd, names[i], got, AT_SYMLINK_NOFOLLOW) == 0
     && got->st_uid != want->st_uid)
      return names[i] ;
  return 0 ;
}
