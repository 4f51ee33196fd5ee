/* ISC license. */

/* A history record is rewritten whole by one pwrite(2) under flock on
   the file, like the ledger; it is not fsync'd: after a power loss a
   torn record fails its checksum and reads as no history, which makes
   the judgement stricter for a while, never looser. */

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "sghistory.h"

#define SGHISTORY_MAGIC 0x31484753u  /* "SGH1" */

struct record_s
{
  uint32_t magic ;
  uint32_t count ;
  uint64_t first ;
  uint64_t last ;
  uint64_t expires ;
  uint32_t sum ;
  uint32_t pad ;
} ;

static uint32_t checksum (struct record_s const *r)
{
  unsigned char const *p = (unsigned char const *)r ;
  uint32_t h = 2166136261u ;
  size_t i = 0 ;
  for (; i < offsetof(struct record_s, sum) ; i++) h = (h ^ p[i]) * 16777619u ;
  return h ;
}

static int readrec (int fd, struct record_s *r)
{
  ssize_t n = pread(fd, r, sizeof(*r), 0) ;
  if (n < 0) return -1 ;
  return n == sizeof(*r) && r->magic == SGHISTORY_MAGIC && r->sum == checksum(r) ;
}

int sghistory_read (int historyfd, char const *ip, sghistory *h)
{
  struct record_s r ;
  int fd, x ;
  fd = openat(historyfd, ip, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) ;
  if (fd == -1) return errno == ENOENT ? 0 : -1 ;
  x = readrec(fd, &r) ;
  { int e = errno ; close(fd) ; errno = e ; }
  if (x <= 0) return x ;
  h->count = r.count ; h->first = r.first ; h->last = r.last ; h->expires = r.expires ;
  return 1 ;
}

int sghistory_add (int historyfd, char const *ip, uint32_t n, uint64_t now, uint32_t life)
{
  unsigned int tries = 0 ;
  for (; tries < 8 ; tries++)
  {
    struct record_s r ;
    struct stat stt ;
    ssize_t w ;
    int x ;
    int fd = openat(historyfd, ip, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644) ;
    if (fd == -1) return 0 ;
    if (flock(fd, LOCK_EX) == -1 || fstat(fd, &stt) == -1) goto err ;
    if (!S_ISREG(stt.st_mode)) { errno = EINVAL ; goto err ; }
    if (!stt.st_nlink) { close(fd) ; continue ; }  /* the gc took it meanwhile */
    x = readrec(fd, &r) ;
    if (x < 0) goto err ;
    if (!x) { memset(&r, 0, sizeof(r)) ; r.magic = SGHISTORY_MAGIC ; r.first = now ; }
    r.count = r.count + n < r.count ? 0xffffffffu : r.count + n ;
    if (now > r.last) r.last = now ;
    if (now + life > r.expires) r.expires = now + life ;
    r.sum = checksum(&r) ;
    w = pwrite(fd, &r, sizeof(r), 0) ;
    if (w != sizeof(r)) { if (w >= 0) errno = ENOSPC ; goto err ; }
    close(fd) ;
    return 1 ;
   err:
    {
      int e = errno ;
      close(fd) ;
      errno = e ;
    }
    return 0 ;
  }
  errno = EBUSY ;
  return 0 ;
}

/* expired or garbage, and no writer holds it */
int sghistory_gc (int historyfd, char const *name, uint64_t now)
{
  struct record_s r ;
  struct stat stt ;
  int x, gone = 0 ;
  int fd = openat(historyfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) ;
  if (fd == -1) return 0 ;
  if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &stt) == 0 && S_ISREG(stt.st_mode))
  {
    x = readrec(fd, &r) ;
    /* a garbage record may be a writer's between open and flock: a minute's grace */
    if ((x == 1 && r.expires <= now) || (!x && (uint64_t)stt.st_mtime + 60 < now))
      gone = unlinkat(historyfd, name, 0) == 0 ;
  }
  close(fd) ;
  return gone ;
}
