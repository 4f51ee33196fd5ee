/* ISC license. */

/* Pass records are short symlinks like listings (see sglisting.c for
   why): one readlinkat per check, the only cost a passed client pays. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <skalibs/types.h>

#include "sgdir.h"
#include "sgip.h"
#include "sgpass.h"
#include "sgstate.h"

#define PASS_MAX 64

/* every door test opens it: open first, make it only when missing */
int sgpass_dir (sgstate *st)
{
  int fd = openat(st->dirfd, "pass", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) ;
  if (fd >= 0 || errno != ENOENT) return fd ;
  return sgstate_mkdir(st->dirfd, "pass") ;
}

/* "<since> <until>" */
static int parse (char const *s, size_t len, uint64_t *until)
{
  char buf[PASS_MAX] ;
  uint64_t since ;
  size_t n ;
  if (len >= sizeof(buf) || memchr(s, 0, len)) return 0 ;
  memcpy(buf, s, len) ;
  buf[len] = 0 ;
  n = uint64_scan(buf, &since) ;
  if (!n || buf[n] != ' ') return 0 ;
  s = buf + n + 1 ;
  n = uint64_scan(s, until) ;
  return n && !s[n] ;
}

static int readrec (int passfd, char const *name, uint64_t *until)
{
  char buf[PASS_MAX] ;
  ssize_t r = readlinkat(passfd, name, buf, sizeof(buf)) ;
  if (r == -1) return errno == ENOENT ? 0 : -1 ;
  if (!parse(buf, r, until)) return (errno = EINVAL, -1) ;
  return 1 ;
}

int sgpass_check (int passfd, char const *ip, uint64_t now)
{
  uint64_t until ;
  int r = readrec(passfd, ip, &until) ;
  if (r <= 0) return r ;
  return until > now ;
}

int sgpass_record (int passfd, char const *ip, uint64_t now, uint32_t life)
{
  char buf[PASS_MAX] ;
  char tmp[SGIP_MAX + 6 + UINT64_FMT] ;
  size_t len, n = strlen(ip) ;
  if (n >= SGIP_MAX || !n || ip[0] == '.' || strchr(ip, '/')) return (errno = EINVAL, 0) ;
  len = uint64_fmt(buf, now) ;
  buf[len++] = ' ' ;
  len += uint64_fmt(buf + len, now + life) ;
  buf[len] = 0 ;
  memcpy(tmp, ".tmp.", 5) ; memcpy(tmp + 5, ip, n) ;
  tmp[5 + n] = '.' ;
  tmp[6 + n + uint64_fmt(tmp + 6 + n, (uint64_t)getpid())] = 0 ;
  if (symlinkat(buf, passfd, tmp) == -1)
  {
    /* a stray from a killed writer that had our pid */
    if (errno != EEXIST || unlinkat(passfd, tmp, 0) == -1 || symlinkat(buf, passfd, tmp) == -1) return 0 ;
  }
  if (renameat(passfd, tmp, passfd, ip) == -1)
  {
    int e = errno ;
    unlinkat(passfd, tmp, 0) ;
    errno = e ;
    return 0 ;
  }
  return fsync(passfd) == 0 ;
}

int sgpass_gc (sgstate *st, uint64_t now)
{
  DIR *d ;
  int n = 0 ;
  int fd = openat(st->dirfd, "pass", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) ;
  if (fd == -1) return errno == ENOENT ? 0 : -1 ;
  d = sgdir_open(fd) ;
  if (!d) { int e = errno ; close(fd) ; errno = e ; return -1 ; }
  for (;;)
  {
    struct stat stt ;
    uint64_t until = 0 ;
    int r ;
    struct dirent *de = readdir(d) ;
    if (!de) break ;
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue ;
    if (!strncmp(de->d_name, ".tmp.", 5))
    {
      /* a temporary older than a minute belongs to a killed writer */
      if (fstatat(fd, de->d_name, &stt, AT_SYMLINK_NOFOLLOW) == 0
       && (uint64_t)stt.st_mtime + 60 < now
       && unlinkat(fd, de->d_name, 0) == 0) n++ ;
      continue ;
    }
    /* an expired record goes; so does garbage, which no check can use */
    r = readrec(fd, de->d_name, &until) ;
    if (((r < 0 && errno == EINVAL) || (r > 0 && until <= now))
     && unlinkat(fd, de->d_name, 0) == 0) n++ ;
  }
  closedir(d) ;
  close(fd) ;
  return n ;
}
