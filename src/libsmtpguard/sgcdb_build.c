/* ISC license. */

/* Builds the cdb tcpserver reads: the admin's rules, byte for byte as
   tcprules would write them, then one record per unexpired listing that
   the admin has no exact-IP rule for. The rules are parsed completely
   before anything is written, so a syntax error touches nothing. The new
   cdb is written beside the target and renamed over it: tcpserver opens
   the old file or the new one, never a partial one. Builders serialize
   on <target>.lock, so that whoever holds it knows that every
   <target>.tmp.* it sees is a leftover from a killed builder. */

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cdb.h>

#include <skalibs/stralloc.h>
#include <skalibs/types.h>

#include "sgcdb.h"
#include "sgcdb_internal.h"
#include "sgcdbnets.h"
#include "sgnet.h"
#include "sgip.h"
#include "sglisting.h"
#include "sgrules.h"
#include "sgnft.h"
#include "sgstate.h"

typedef sgcdbctx ctx ;

static int collect (char const *key, size_t klen, char const *data, size_t dlen, void *p)
{
  ctx *c = p ;
  uint32_t l[2] = { klen, dlen } ;
  char cip[SGIP_MAX] ;
  char kz[SGIP_MAX] ;
  if (!stralloc_catb(&c->recs, (char const *)l, sizeof(l))
   || !stralloc_catb(&c->recs, key, klen)
   || !stralloc_catb(&c->recs, data, dlen)) return 0 ;
  c->nrecs++ ;
  if (klen < SGIP_MAX && !memchr(key, 0, klen))
  {
    memcpy(kz, key, klen) ; kz[klen] = 0 ;
    if (sgip_canon(cip, kz) && !strcmp(cip, kz))
    {
      if (!stralloc_catb(&c->exact, cip, SGIP_MAX)) return 0 ;
      c->nexact++ ;
    }
  }
  return 1 ;
}

static int cmp (void const *a, void const *b)
{
  return strcmp(a, b) ;
}

static int addlisting (sglisting const *l, void *p)
{
  ctx *c = p ;
  char ip[SGIP_MAX] ;
  if (l->until <= c->now) return 1 ;
  memset(ip, 0, sizeof(ip)) ;
  memcpy(ip, l->ip, strlen(l->ip)) ;
  if (c->nexact && bsearch(ip, c->exact.s, c->nexact, SGIP_MAX, &cmp))
  {
    c->stats->shadowed++ ;
    return 1 ;
  }
  if (!sgcdbctx_deny(c, l->ip, strlen(l->ip))) return 0 ;
  if (c->nft && !sgnft_add(c->nft, l->ip, l->until)) return 0 ;
  c->stats->listed++ ;
  if (!c->stats->nextexpiry || l->until < c->stats->nextexpiry) c->stats->nextexpiry = l->until ;
  return 1 ;
}

static void cleantemps (int dirfd, char const *base)
{
  size_t blen = strlen(base) ;
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) ;
  DIR *d = fd >= 0 ? fdopendir(fd) : 0 ;
  if (!d) { if (fd >= 0) close(fd) ; return ; }
  for (;;)
  {
    struct dirent *de = readdir(d) ;
    if (!de) break ;
    if (!strncmp(de->d_name, base, blen) && !strncmp(de->d_name + blen, ".tmp.", 5))
      unlinkat(dirfd, de->d_name, 0) ;
  }
  closedir(d) ;
}

static int sgcdb_write (ctx *, int dirfd, char const *base, sgcdb_source *, void *, sgcdbnets const *, sgstate *) ;

static int fromstate (void *st, sglisting_func *f, void *ctx, unsigned int *bad)
{
  return sgstate_foreach(st, f, ctx, bad) ;
}

int sgcdb_build (char const *target, char const *rules, size_t ruleslen, sgstate *st, char const *rbltext, uint64_t now, sgcdbstats *stats, size_t *errline, char const **errwhat)
{
  return sgcdb_build_from(target, rules, ruleslen, st ? &fromstate : 0, st, 0, 0, st, rbltext, now, stats, errline, errwhat) ;
}

int sgcdb_build_from (char const *target, char const *rules, size_t ruleslen, sgcdb_source *src, void *srcp, sgnft *nft, sgcdbnets const *nets, sgstate *st, char const *rbltext, uint64_t now, sgcdbstats *stats, size_t *errline, char const **errwhat)
{
  ctx c = { .recs = STRALLOC_ZERO, .exact = STRALLOC_ZERO, .index = STRALLOC_ZERO, .nrecs = 0, .nexact = 0, .rbltext = rbltext, .nft = nft, .now = now, .stats = stats } ;
  char const *slash = strrchr(target, '/') ;
  char const *base = slash ? slash + 1 : target ;
  int dirfd = -1, lockfd = -1, r = -1 ;
  memset(stats, 0, sizeof(*stats)) ;
  if (nft) sgnft_start(nft, now) ;
  r = sgrules_parse(rules, ruleslen, &collect, &c, errline, errwhat) ;
  if (r <= 0) goto end ;
  r = -1 ;
  stats->rules = c.nrecs ;
  if (c.nexact) qsort(c.exact.s, c.nexact, SGIP_MAX, &cmp) ;
  if (!*base) { errno = EISDIR ; goto end ; }
  if (slash)
  {
    stralloc dir = STRALLOC_ZERO ;
    if (!stralloc_catb(&dir, target, slash == target ? 1 : slash - target) || !stralloc_0(&dir)) goto end ;
    dirfd = open(dir.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC) ;
    stralloc_free(&dir) ;
  }
  else dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) ;
  if (dirfd == -1) goto end ;
  {
    stralloc lk = STRALLOC_ZERO ;
    if (!stralloc_cats(&lk, base) || !stralloc_cats(&lk, ".lock") || !stralloc_0(&lk)) goto end ;
    lockfd = openat(dirfd, lk.s, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644) ;
    stralloc_free(&lk) ;
  }
  if (lockfd == -1 || flock(lockfd, LOCK_EX) == -1) goto end ;
  cleantemps(dirfd, base) ;
  r = sgcdb_write(&c, dirfd, base, src, srcp, nets, st) ? 1 : -1 ;
 end:
  {
    int e = errno ;
    if (lockfd >= 0) close(lockfd) ;
    if (dirfd >= 0) close(dirfd) ;
    stralloc_free(&c.recs) ;
    stralloc_free(&c.exact) ;
    stralloc_free(&c.index) ;
    errno = e ;
  }
  return r ;
}

/* the temporary file, its records, fsync, rename, fsync of the directory */
static int sgcdb_write (ctx *c, int dirfd, char const *base, sgcdb_source *src, void *srcp, sgcdbnets const *nets, sgstate *st)
{
  int started = 0 ;
  char tmp[NAME_MAX + 1] ;
  size_t blen = strlen(base), pos = 0, i ;
  int fd ;
  if (blen + 5 + UINT64_FMT > NAME_MAX) return (errno = ENAMETOOLONG, 0) ;
  memcpy(tmp, base, blen) ; memcpy(tmp + blen, ".tmp.", 5) ;
  tmp[blen + 5 + uint64_fmt(tmp + blen + 5, (uint64_t)getpid())] = 0 ;
  fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644) ;
  if (fd == -1) return 0 ;
  if (cdb_make_start(&c->cm, fd) < 0) goto err ;
  started = 1 ;
  for (i = 0 ; i < c->nrecs ; i++)
  {
    uint32_t l[2] ;
    memcpy(l, c->recs.s + pos, sizeof(l)) ;
    pos += sizeof(l) ;
    if (cdb_make_add(&c->cm, c->recs.s + pos, l[0], c->recs.s + pos + l[0], l[1]) < 0) goto err ;
    pos += l[0] + l[1] ;
  }
  if (sgcdbnets_active(nets)) { if (!sgcdb_nets(c, src, srcp, st, nets)) goto err ; }
  else if (src && !(*src)(srcp, &addlisting, c, &c->stats->bad)) goto err ;
  started = 0 ;
  if (cdb_make_finish(&c->cm) < 0) goto err ;
  if (fsync(fd) == -1) goto err ;
  if (close(fd) == -1) { fd = -1 ; goto err ; }
  fd = -1 ;
  if (renameat(dirfd, tmp, dirfd, base) == -1) goto err ;
  fsync(dirfd) ;
  return 1 ;
 err:
  {
    int e = errno ;
    if (started) cdb_make_finish(&c->cm) ;  /* tinycdb frees its tables there */
    if (fd >= 0) close(fd) ;
    unlinkat(dirfd, tmp, 0) ;
    errno = e ;
  }
  return 0 ;
}
