/* ISC license. */

/* Whole-directory walks, for the tools only (smtpguard-cdb, -list): a
   session never scans, whatever the number of listed IPs. */

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "sgip.h"
#include "sglisting.h"
#include "sgpass.h"
#include "sgstate.h"

static DIR *opensub (int fd)
{
  DIR *d ;
  int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) ;
  if (dfd == -1) return 0 ;
  d = fdopendir(dfd) ;
  if (!d) { int e = errno ; close(dfd) ; errno = e ; }
  return d ;
}

int sgstate_foreach (sgstate *st, sglisting_func *f, void *ctx, unsigned int *bad)
{
  DIR *d = opensub(st->listedfd) ;
  if (!d) return 0 ;
  for (;;)
  {
    struct dirent *de ;
    sglisting l ;
    char cip[SGIP_MAX] ;
    errno = 0 ;
    de = readdir(d) ;
    if (!de) break ;
    if (de->d_name[0] == '.') continue ;  /* ., .., temporaries */
    if (!sgip_canon(cip, de->d_name) || strcmp(cip, de->d_name)
     || sglisting_read(st->listedfd, cip, &l) <= 0)
    {
      if (bad) (*bad)++ ;
      continue ;
    }
    if (!(*f)(&l, ctx)) { int e = errno ; closedir(d) ; errno = e ; return 0 ; }
  }
  {
    int e = errno ;
    closedir(d) ;
    errno = e ;
    return !e ;
  }
}

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
  DIR *d = opensub(st->ledgerfd) ;
  if (!d) return -1 ;
  for (;;)
  {
    struct dirent *de = readdir(d) ;
    if (!de) break ;
    if (de->d_name[0] == '.') continue ;
    if (now > 2 * (uint64_t)st->conf.window) n += gcledger(st->ledgerfd, de->d_name, now - 2 * (uint64_t)st->conf.window) ;
  }
  closedir(d) ;
  d = opensub(st->listedfd) ;
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
  { int p = sgpass_gc(st, now) ; if (p > 0) n += p ; }  /* the door test's records */
  return n ;
}
