/* ISC license. */

/* The gc, for smtpguard-cdb only (a session never scans, whatever the
   number of records): one function per kind of record, each deciding for
   one file of its subdirectory whether it still counts; a new kind of
   record adds a line to kinds[] (or, walking its own directory, a call
   at the end, as the door test's pass records do). Disk use then follows
   the records that count (see doc/statedir.html for the bound). */

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "sghistory.h"
#include "sgip.h"
#include "sgledger.h"
#include "sglisting.h"
#include "sgpass.h"
#include "sgstate.h"

typedef int gcfunc (sgstate *, int subfd, char const *name, uint64_t now) ;

/* A ledger whose buckets have all left the window: it is locked first,
   so that a writer that opened it meanwhile notices the unlink
   (st_nlink == 0, see sgledger_lock) and starts a new one. */
static int gc_ledger (sgstate *st, int subfd, char const *name, uint64_t now)
{
  struct stat stt ;
  int r = 0 ;
  int fd = openat(subfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) ;
  (void)st ;
  if (fd == -1) return 0 ;
  if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &stt) == 0
   && S_ISREG(stt.st_mode) && sgledger_stale(fd, now))
    r = unlinkat(subfd, name, 0) == 0 ;
  close(fd) ;
  return r ;
}

/* A listing expired with no strike left; temporaries older than a
   minute (a killed writer's). The IP's lock is taken and the listing
   read again under it, so that a kick listing it meanwhile is not lost. */
static int gc_listed (sgstate *st, int subfd, char const *name, uint64_t now)
{
  sglisting l ;
  char cip[SGIP_MAX] ;
  int fd, r = 0 ;
  if (!strncmp(name, ".tmp.", 5))
  {
    struct stat stt ;
    return fstatat(subfd, name, &stt, AT_SYMLINK_NOFOLLOW) == 0
     && (uint64_t)stt.st_mtime + 60 < now && unlinkat(subfd, name, 0) == 0 ;
  }
  if (name[0] == '.' || !sgip_canon(cip, name) || strcmp(cip, name)) return 0 ;
  if (sglisting_read(subfd, cip, &l) <= 0 || l.until > now || sgstate_strikes(&l, now)) return 0 ;
  fd = sgledger_lock(st, cip) ;
  if (fd == -1) return 0 ;
  if (sglisting_read(subfd, cip, &l) > 0 && l.until <= now && !sgstate_strikes(&l, now))
    r = unlinkat(subfd, cip, 0) == 0 ;
  close(fd) ;
  return r ;
}

/* only the temporaries: a one-shot smtpguard-cdb has just read every
   listing and names the ones to go (sgstate_gc_listing) */
static int gc_listed_tmp (sgstate *st, int subfd, char const *name, uint64_t now)
{
  return !strncmp(name, ".tmp.", 5) && gc_listed(st, subfd, name, now) ;
}

int sgstate_gc_listing (sgstate *st, char const *ip, uint64_t now)
{
  return gc_listed(st, st->listedfd, ip, now) ;
}

static int gc_history (sgstate *st, int subfd, char const *name, uint64_t now)
{
  (void)st ;
  return sghistory_gc(subfd, name, now) ;
}

/* listed/ before ledger/: the IP lock gc_listed takes may create an
   empty ledger, which gc_ledger then removes */
static struct { char const *sub ; gcfunc *f ; } const kinds[] =
{
  { "listed", &gc_listed },
  { "ledger", &gc_ledger },
  { "history", &gc_history }
} ;

int sgstate_gc (sgstate *st, uint64_t now)
{
  return sgstate_gc_but_listings(st, now, 0) ;
}

int sgstate_gc_but_listings (sgstate *st, uint64_t now, int butlistings)
{
  unsigned int i = 0 ;
  int n = 0 ;
  for (; i < sizeof(kinds) / sizeof(kinds[0]) ; i++)
  {
    gcfunc *f = butlistings && kinds[i].f == &gc_listed ? &gc_listed_tmp : kinds[i].f ;
    DIR *d ;
    int dfd ;
    if (butlistings == 2 && f == &gc_listed_tmp) continue ;
    dfd = openat(st->dirfd, kinds[i].sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) ;
    if (dfd == -1)
    {
      if (errno == ENOENT) continue ;  /* no records of this kind */
      return -1 ;
    }
    d = fdopendir(dfd) ;
    if (!d) { int e = errno ; close(dfd) ; errno = e ; return -1 ; }
    for (;;)
    {
      struct dirent *de = readdir(d) ;
      if (!de) break ;
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue ;
      n += (*f)(st, dirfd(d), de->d_name, now) ;
    }
    closedir(d) ;
  }
  { int p = sgpass_gc(st, now) ; if (p > 0) n += p ; }  /* the door test's records */
  return n ;
}
