/* ISC license. */

/* One listing = one small text file listed/<ip>:
     <reason> <since> <until> <strikes>\n
   written whole through a temporary file and rename(2), so that a reader
   sees the old listing or the new one, never a mix, and a writer killed
   at any point leaves at worst a stray temporary (.tmp.<ip>.<pid>, which
   sgstate_gc removes). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/types.h>

#include "smtpguard.h"

#define LISTING_MAX 128

static int scanu64 (char const **s, char const *end, uint64_t *v)
{
  char const *p = *s ;
  uint64_t r = 0 ;
  if (p >= end || *p < '0' || *p > '9') return 0 ;
  for (; p < end && *p >= '0' && *p <= '9' ; p++)
  {
    if (p - *s >= 19) return 0 ;
    r = r * 10 + (*p - '0') ;
  }
  *v = r ; *s = p ;
  return 1 ;
}

int sglisting_parse (sglisting *l, char const *s, size_t len)
{
  char const *end = s + len ;
  char name[16] ;
  size_t n = 0 ;
  uint64_t strikes ;
  while (s < end && *s >= 'a' && *s <= 'z' && n < sizeof(name) - 1) name[n++] = *s++ ;
  name[n] = 0 ;
  if (!n || s >= end || *s++ != ' ') return 0 ;
  if (!scanu64(&s, end, &l->since) || s >= end || *s++ != ' ') return 0 ;
  if (!scanu64(&s, end, &l->until) || s >= end || *s++ != ' ') return 0 ;
  if (!scanu64(&s, end, &strikes) || strikes > 0xffffffffu) return 0 ;
  if (s + 1 != end || *s != '\n') return 0 ;
  l->strikes = strikes ;
  l->reason = sgreason_scan(name) ;
  return 1 ;
}

int sglisting_read (int listedfd, char const *ip, sglisting *l)
{
  char buf[LISTING_MAX] ;
  ssize_t r ;
  int fd = openat(listedfd, ip, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) ;
  if (fd == -1) return errno == ENOENT ? 0 : -1 ;
  r = read(fd, buf, sizeof(buf)) ;
  close(fd) ;
  if (r < 0) return -1 ;
  if (!sglisting_parse(l, buf, r)) return (errno = EINVAL, -1) ;
  if (l->ip != ip) memmove(l->ip, ip, strlen(ip) + 1) ;
  return 1 ;
}

int sglisting_write (int listedfd, sglisting const *l)
{
  char buf[LISTING_MAX] ;
  char tmp[SGIP_MAX + 6 + UINT64_FMT] ;
  size_t len = 0, n ;
  ssize_t w ;
  char const *name = sgreason_name(l->reason) ;
  int fd ;
  n = strlen(name) ; memcpy(buf, name, n) ; len += n ;
  buf[len++] = ' ' ; len += uint64_fmt(buf + len, l->since) ;
  buf[len++] = ' ' ; len += uint64_fmt(buf + len, l->until) ;
  buf[len++] = ' ' ; len += uint64_fmt(buf + len, l->strikes) ;
  buf[len++] = '\n' ;
  n = strlen(l->ip) ;
  memcpy(tmp, ".tmp.", 5) ; memcpy(tmp + 5, l->ip, n) ;
  tmp[5 + n] = '.' ;
  tmp[6 + n + uint64_fmt(tmp + 6 + n, (uint64_t)getpid())] = 0 ;
  fd = openat(listedfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644) ;
  if (fd == -1) return 0 ;
  w = write(fd, buf, len) ;
  if (w != (ssize_t)len)
  {
    if (w >= 0) errno = ENOSPC ;  /* a short write to a regular file: full */
    goto err ;
  }
  if (fsync(fd) == -1) goto err ;
  if (close(fd) == -1) { fd = -1 ; goto err ; }
  fd = -1 ;
  if (renameat(listedfd, tmp, listedfd, l->ip) == -1) goto err ;
  if (fsync(listedfd) == -1) return 0 ;  /* the rename itself must be durable */
  return 1 ;
 err:
  {
    int e = errno ;
    if (fd >= 0) close(fd) ;
    unlinkat(listedfd, tmp, 0) ;
    errno = e ;
  }
  return 0 ;
}

/* listtime * 2^(strikes-1), capped at listmax, without overflow */
uint64_t sglisting_duration (sgstateconf const *conf, uint32_t strikes)
{
  uint64_t d = conf->listtime ;
  uint32_t i = 1 ;
  for (; i < strikes && d < conf->listmax ; i++) d <<= 1 ;
  return d < conf->listmax ? d : conf->listmax ;
}
