/* ISC license. */

/* Garbage collection of the state directory, for smtpguard-cdb only:
   a session never scans, whatever the number of listed IPs. */

#include <fcntl.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "sgdir.h"
#include "sgstate.h"

/* A ledger file can go when its newest bucket has left the window: it is
   locked first, so that a writer that opened it meanwhile notices the
   unlink (st_nlink == 0, see sgledger_lock) and starts a new one. */
static int gcledger (int dirfd, char const *name, uint64_t old)
{
  struct stat stt ;
  int r = 0 ;
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) ;
  if (fd == -1) return 0 ;
  if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &stt) == 0
   && S_ISREG(stt.st_mode) && (uint64_t)stt.st_mtime < old)
    r = unlinkat(dirfd, name, 0) == 0 ;
  close(fd) ;
  return r ;
}

int sgstate_gc (sgstate *st, uint64_t now)
{
  int n = 0 ;
  DIR *d = sgdir_open(st->ledgerfd) ;
  if (!d) return -1 ;
  for (;;)
  {
    struct dirent *de = readdir(d) ;
    if (!de) break ;
    if (de->d_name[0] == '.') continue ;
    if (now > 2 * (uint64_t)st->conf.window) n += gcledger(st->ledgerfd, de->d_name, now - 2 * (uint64_t)st->conf.window) ;
  }
  closedir(d) ;
  d = sgdir_open(st->listedfd) ;
  if (!d) return -1 ;
  for (;;)
  {
    struct stat stt ;
    struct dirent *de = readdir(d) ;
    if (!de) break ;
    /* a temporary older than a minute belongs to a killed writer */
    if (strncmp(de->d_name, ".tmp.", 5)) continue ;
    if (fstatat(st->listedfd, de->d_name, &stt, AT_SYMLINK_NOFOLLOW) == 0
     && (uint64_t)stt.st_mtime + 60 < now
     && unlinkat(st->listedfd, de->d_name, 0) == 0) n++ ;
  }
  closedir(d) ;
  return n ;
}
