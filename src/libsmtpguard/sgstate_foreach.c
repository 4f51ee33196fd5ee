/* ISC license. */

/* Whole-directory walk, for the tools only (smtpguard-cdb, -list): a
   session never scans, whatever the number of listed IPs.
   The names are read first, then the listings in inode order, then f is
   called in directory order. With a million listings almost all of the
   time is the kernel's, one readlinkat(2) per listing, and most of that
   is cache and TLB misses on the dentry and the inode: in inode order
   they are close in memory (and on disk, when the cache is cold), which
   takes the reads of a million from 1.8 s to 1.3 s on a small VM. f
   still sees directory order, so what the callers write from the walk
   does not depend on the inodes. */

#include <errno.h>
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <skalibs/stralloc.h>
#include <skalibs/djbunix.h>

#include "sgdir.h"
#include "sgip.h"
#include "sglisting.h"
#include "sgstate.h"

/* below this, a second reader costs more than it saves */
#define PARALLEL_MIN 8192

typedef struct name_s name ;
struct name_s
{
  uint64_t ino ;
  uint32_t off ;  /* in names */
  uint32_t pos ;  /* in directory order */
} ;

typedef struct got_s got ;
struct got_s
{
  uint64_t since ;
  uint64_t until ;
  uint32_t strikes ;
  uint16_t reason ;
  uint16_t ok ;
} ;

/* LSD radix sort on ino, a byte at a time, skipping the bytes that all
   inode numbers share (most of them); stable, so equal numbers keep
   directory order */
static int sortino (name *v, size_t n)
{
  size_t count[8][256] ;
  name *tmp, *src = v, *dst ;
  size_t i ;
  unsigned int b ;
  if (n < 2) return 1 ;
  tmp = malloc(n * sizeof(name)) ;
  if (!tmp) return 0 ;
  dst = tmp ;
  memset(count, 0, sizeof(count)) ;
  for (i = 0 ; i < n ; i++)
    for (b = 0 ; b < 8 ; b++) count[b][(v[i].ino >> (8 * b)) & 255]++ ;
  for (b = 0 ; b < 8 ; b++)
  {
    size_t sum = 0 ;
    unsigned int d = 0 ;
    if (count[b][(v[0].ino >> (8 * b)) & 255] == n) continue ;
    for (; d < 256 ; d++) { size_t c = count[b][d] ; count[b][d] = sum ; sum += c ; }
    for (i = 0 ; i < n ; i++) dst[count[b][(src[i].ino >> (8 * b)) & 255]++] = src[i] ;
    { name *t = src ; src = dst ; dst = t ; }
  }
  if (src != v) memcpy(v, src, n * sizeof(name)) ;
  free(tmp) ;
  return 1 ;
}

/* the names of the listings, in directory order; the temporaries to tmpf */
static int readnames (sgstate *st, stralloc *names, stralloc *v, unsigned int *bad, sgstate_tmp_func *tmpf, void *tmpctx)
{
  DIR *d = sgdir_open(st->listedfd) ;
  if (!d) return 0 ;
  for (;;)
  {
    struct dirent *de ;
    char cip[SGIP_MAX] ;
    name nm ;
    errno = 0 ;
    de = readdir(d) ;
    if (!de) break ;
    if (de->d_name[0] == '.')  /* ., .., temporaries */
    {
      if (tmpf && !strncmp(de->d_name, ".tmp.", 5) && !(*tmpf)(de->d_name, tmpctx)) goto err ;
      continue ;
    }
    if (!sgip_canon(cip, de->d_name) || strcmp(cip, de->d_name))
    {
      if (bad) (*bad)++ ;
      continue ;
    }
    if (names->len > UINT32_MAX - SGIP_MAX || v->len / sizeof(name) >= UINT32_MAX) { errno = EOVERFLOW ; goto err ; }
    nm.ino = de->d_ino ;
    nm.off = names->len ;
    nm.pos = v->len / sizeof(name) ;
    if (!stralloc_catb(names, cip, strlen(cip) + 1)
     || !stralloc_catb(v, (char const *)&nm, sizeof(name))) goto err ;
  }
  {
    int e = errno ;
    closedir(d) ;
    errno = e ;
    return !e ;
  }
 err:
  {
    int e = errno ;
    closedir(d) ;
    errno = e ;
  }
  return 0 ;
}

/* the listings of v[from..to) into g[from..to) */
static void readrange (int listedfd, name const *v, char const *names, got *g, size_t from, size_t to)
{
  for (; from < to ; from++)
  {
    got *x = g + from ;
    sglisting l ;
    x->ok = sglisting_read(listedfd, names + v[from].off, &l) > 0 ;
    if (!x->ok) continue ;
    x->since = l.since ;
    x->until = l.until ;
    x->strikes = l.strikes ;
    x->reason = l.reason ;
  }
}

/* With a second CPU, a child reads the second half at the same time
   (g is shared with it): the kernel's work per listing runs on both.
   The child says it is done by a byte on a pipe only it can write to;
   without it (it died, fork failed), the parent reads that half itself:
   the end of file means the child has exited and writes no more. */
static void readall (int listedfd, name const *v, char const *names, got *g, size_t n)
{
  size_t h = n ;
  pid_t pid = -1 ;
  int p[2] ;
  if (n >= PARALLEL_MIN && sysconf(_SC_NPROCESSORS_ONLN) > 1 && pipecoe(p) == 0)
  {
    h = n / 2 ;
    pid = fork() ;
    if (!pid)
    {
      close(p[0]) ;
      readrange(listedfd, v, names, g, h, n) ;
      _exit(write(p[1], "", 1) == 1 ? 0 : 111) ;
    }
    close(p[1]) ;
    if (pid == -1) { close(p[0]) ; h = n ; }
  }
  readrange(listedfd, v, names, g, 0, h) ;
  if (pid > 0)
  {
    char c ;
    ssize_t r ;
    do r = read(p[0], &c, 1) ; while (r == -1 && errno == EINTR) ;
    close(p[0]) ;
    while (waitpid(pid, 0, 0) == -1 && errno == EINTR) ;
    if (r != 1) readrange(listedfd, v, names, g, h, n) ;
  }
}

int sgstate_foreach_tmp (sgstate *st, sglisting_func *f, void *ctx, unsigned int *bad, sgstate_tmp_func *tmpf, void *tmpctx)
{
  stralloc names = STRALLOC_ZERO, sorted = STRALLOC_ZERO, v = STRALLOC_ZERO ;
  got *g = MAP_FAILED ;
  uint32_t *ix = 0 ;  /* directory order -> inode order */
  sglisting l ;
  size_t n = 0, i, pos ;
  int r = 0 ;
  if (!readnames(st, &names, &v, bad, tmpf, tmpctx)) goto end ;
  n = v.len / sizeof(name) ;
  if (!n) { r = 1 ; goto end ; }
  if (n > SIZE_MAX / sizeof(got)) { errno = ENOMEM ; goto end ; }
  if (!sortino((name *)v.s, n)) goto end ;
  /* the names in inode order too: the kernel then reads them in
     sequence, not one cache miss each */
  if (!stralloc_ready(&sorted, names.len)) goto end ;
  for (i = 0 ; i < n ; i++)
  {
    name *nm = (name *)v.s + i ;
    size_t len = strlen(names.s + nm->off) + 1 ;
    memcpy(sorted.s + sorted.len, names.s + nm->off, len) ;
    nm->off = sorted.len ;
    sorted.len += len ;
  }
  /* the results in inode order too (a store to a line out of the cache
     would wait for the syscall), put back in directory order by ix */
  g = mmap(0, n * sizeof(got), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) ;
  if (g == MAP_FAILED) goto end ;
  readall(st->listedfd, (name const *)v.s, sorted.s, g, n) ;
  stralloc_free(&sorted) ;
  ix = malloc(n * sizeof(uint32_t)) ;
  if (!ix) goto end ;
  for (i = 0 ; i < n ; i++) ix[((name const *)v.s)[i].pos] = i ;
  stralloc_free(&v) ;
  memset(&l, 0, sizeof(l)) ;
  for (i = 0, pos = 0 ; i < n ; i++)
  {
    got const *x = g + ix[i] ;
    size_t len = strlen(names.s + pos) + 1 ;
    if (i + 16 < n) __builtin_prefetch(g + ix[i + 16]) ;
    memcpy(l.ip, names.s + pos, len) ;
    pos += len ;
    if (!x->ok) { if (bad) (*bad)++ ; continue ; }
    l.since = x->since ;
    l.until = x->until ;
    l.strikes = x->strikes ;
    l.reason = x->reason ;
    if (!(*f)(&l, ctx)) goto end ;
  }
  r = 1 ;
 end:
  {
    int e = errno ;
    free(ix) ;
    if (g != MAP_FAILED) munmap(g, n * sizeof(got)) ;
    stralloc_free(&v) ;
    stralloc_free(&sorted) ;
    stralloc_free(&names) ;
    errno = e ;
  }
  return r ;
}

int sgstate_foreach (sgstate *st, sglisting_func *f, void *ctx, unsigned int *bad)
{
  return sgstate_foreach_tmp(st, f, ctx, bad, 0, 0) ;
}
