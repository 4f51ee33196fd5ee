/* ISC license. */

/* One listing = one symbolic link listed/<ip> whose target is the text
     <reason> <since> <until> <strikes>
   A symlink this short lives in its inode: reading it is one
   readlinkat(2), where a file takes open, read and close, which is what
   a rebuild over a million listings and a check at every command pay.
   A new listing is made under its own name: a symlink appears whole, and
   one entry in a directory of a million is cheaper than a temporary, a
   rename and a removal. One that exists is replaced: made under a
   temporary name and renamed over the old one, so that a reader sees the
   old listing or the new one, never a mix, and a writer killed at any
   point leaves at worst a stray temporary (.tmp.<ip>.<pid>, which
   sgstate_gc removes). A regular file holding the same text and a
   newline is read too. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/types.h>

#include "sgip.h"
#include "sglisting.h"
#include "sgpolicy.h"

#define LISTING_MAX 128

/* "<reason> <since> <until> <strikes>", a newline allowed at the end */
int sglisting_parse (sglisting *l, char const *s, size_t len)
{
  char buf[LISTING_MAX] ;
  char const *p = buf ;
  char name[16] ;
  size_t n = 0 ;
  uint32_t strikes ;
  if (len && s[len-1] == '\n') len-- ;
  if (len >= sizeof(buf) || memchr(s, 0, len)) return 0 ;
  memcpy(buf, s, len) ;
  buf[len] = 0 ;
  while (*p >= 'a' && *p <= 'z' && n < sizeof(name) - 1) name[n++] = *p++ ;
  name[n] = 0 ;
  if (!n || *p++ != ' ') return 0 ;
  n = uint64_scan(p, &l->since) ; if (!n || p[n] != ' ') return 0 ; p += n + 1 ;
  n = uint64_scan(p, &l->until) ; if (!n || p[n] != ' ') return 0 ; p += n + 1 ;
  n = uint32_scan(p, &strikes) ; if (!n || p[n]) return 0 ;
  l->strikes = strikes ;
  l->reason = sgreason_scan(name) ;
  return 1 ;
}

int sglisting_read (int listedfd, char const *ip, sglisting *l)
{
  char buf[LISTING_MAX] ;
  ssize_t r = readlinkat(listedfd, ip, buf, sizeof(buf)) ;
  if (r == -1)
  {
    int fd ;
    if (errno == ENOENT) return 0 ;
    if (errno != EINVAL) return -1 ;
    /* not a symlink: a listing file, or garbage */
    fd = openat(listedfd, ip, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) ;
    if (fd == -1) return errno == ENOENT ? 0 : -1 ;
    r = read(fd, buf, sizeof(buf)) ;
    close(fd) ;
    if (r < 0) return -1 ;
  }
  if (!sglisting_parse(l, buf, r)) return (errno = EINVAL, -1) ;
  if (l->ip != ip) memmove(l->ip, ip, strlen(ip) + 1) ;
  return 1 ;
}

/* the listing ip exists: text replaces it, atomically */
static int replace (int listedfd, char const *ip, char const *text)
{
  char tmp[SGIP_MAX + 6 + UINT64_FMT] ;
  size_t n = strlen(ip) ;
  memcpy(tmp, ".tmp.", 5) ; memcpy(tmp + 5, ip, n) ;
  tmp[5 + n] = '.' ;
  tmp[6 + n + uint64_fmt(tmp + 6 + n, (uint64_t)getpid())] = 0 ;
  if (symlinkat(text, listedfd, tmp) == -1)
  {
    /* a stray from a killed writer that had our pid */
    if (errno != EEXIST || unlinkat(listedfd, tmp, 0) == -1 || symlinkat(text, listedfd, tmp) == -1) return 0 ;
  }
  if (renameat(listedfd, tmp, listedfd, ip) == -1)
  {
    int e = errno ;
    unlinkat(listedfd, tmp, 0) ;
    errno = e ;
    return 0 ;
  }
  return 1 ;
}

int sglisting_write (int listedfd, sglisting const *l)
{
  char buf[LISTING_MAX] ;
  size_t len = 0, n ;
  char const *name = sgreason_name(l->reason) ;
  n = strlen(name) ; memcpy(buf, name, n) ; len += n ;
  buf[len++] = ' ' ; len += uint64_fmt(buf + len, l->since) ;
  buf[len++] = ' ' ; len += uint64_fmt(buf + len, l->until) ;
  buf[len++] = ' ' ; len += uint64_fmt(buf + len, l->strikes) ;
  buf[len] = 0 ;
  if (symlinkat(buf, listedfd, l->ip) == -1 && (errno != EEXIST || !replace(listedfd, l->ip, buf))) return 0 ;
  /* the new entry and its inode are durable with the directory */
  if (fsync(listedfd) == -1) return 0 ;
  return 1 ;
}
