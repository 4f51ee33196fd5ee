/* ISC license. */

/* The cdb being written, as sgcdb_build and sgcdb_nets add to it: the
   admin's exact keys, the deny record, and the carve-out record that
   says what the admin's rules would say for an address. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cdb.h>

#include <skalibs/stralloc.h>

#include "sgcdb_internal.h"
#include "sghistory.h"
#include "sgip.h"
#include "sgnet.h"
#include "sgstate.h"

typedef sgcdbctx ctx ;

static int cmp (void const *a, void const *b)
{
  return strcmp(a, b) ;
}

int sgcdbctx_exact (ctx *c, char const *ip)
{
  char k[SGIP_MAX] ;
  memset(k, 0, sizeof(k)) ;
  memcpy(k, ip, strlen(ip)) ;
  return c->nexact && bsearch(k, c->exact.s, c->nexact, SGIP_MAX, &cmp) ;
}

int sgcdbctx_deny (ctx *c, char const *key, size_t len)
{
  stralloc d = STRALLOC_ZERO ;
  int r ;
  if (!c->rbltext) return cdb_make_add(&c->cm, key, len, "D", 2) == 0 ;  /* tcprules: "D" NUL */
  r = stralloc_cats(&d, "+RBLSMTPD=") && stralloc_cats(&d, c->rbltext) && stralloc_0(&d)
   && cdb_make_add(&c->cm, key, len, d.s, d.len) == 0 ;
  stralloc_free(&d) ;
  return r ;
}

/* the admin's records by key, the first of equal keys first: what
   tcpserver would find for a key */
static ctx *sortctx ;
static int reccmp (void const *a, void const *b)
{
  size_t x = *(size_t const *)a, y = *(size_t const *)b ;
  uint32_t lx[2], ly[2] ;
  int r ;
  memcpy(lx, sortctx->recs.s + x, sizeof(lx)) ;
  memcpy(ly, sortctx->recs.s + y, sizeof(ly)) ;
  r = memcmp(sortctx->recs.s + x + 8, sortctx->recs.s + y + 8, lx[0] < ly[0] ? lx[0] : ly[0]) ;
  if (!r) r = lx[0] < ly[0] ? -1 : lx[0] > ly[0] ;
  if (!r) r = x < y ? -1 : x > y ;
  return r ;
}

static int findrec (ctx *c, char const *key, size_t klen, char const **data, uint32_t *dlen)
{
  size_t lo = 0, hi = c->index.len / sizeof(size_t) ;
  size_t const *ix = (size_t const *)c->index.s ;
  while (lo < hi)
  {
    size_t mid = (lo + hi) / 2 ;
    uint32_t l[2] ;
    int r ;
    memcpy(l, c->recs.s + ix[mid], sizeof(l)) ;
    r = memcmp(c->recs.s + ix[mid] + 8, key, l[0] < klen ? l[0] : klen) ;
    if (!r) r = l[0] < klen ? -1 : l[0] > klen ;
    if (r < 0) lo = mid + 1 ; else hi = mid ;
  }
  if (lo < c->index.len / sizeof(size_t))
  {
    uint32_t l[2] ;
    memcpy(l, c->recs.s + ix[lo], sizeof(l)) ;
    if (l[0] == klen && !memcmp(c->recs.s + ix[lo] + 8, key, klen))
    {
      *data = c->recs.s + ix[lo] + 8 + l[0] ;
      *dlen = l[1] ;
      return 1 ;
    }
  }
  return 0 ;
}

/* A carve-out says what the admin's rules would say without our network
   record: their longest prefix of the address (tcpserver strips the text
   at each '.' or ':'), or a plain allow. */
int sgcdbctx_allow (ctx *c, sgnet const *h)
{
  char ip[SGNET_FMTMAX] ;
  size_t len = sgnet_fmt(ip, h), i = len ;
  char const *data = "" ;
  uint32_t dlen = 0 ;
  if (!c->index.len && c->nrecs)
  {
    size_t pos = 0, k = 0 ;
    if (!stralloc_ready(&c->index, c->nrecs * sizeof(size_t))) return 0 ;
    for (; k < c->nrecs ; k++)
    {
      uint32_t l[2] ;
      memcpy(l, c->recs.s + pos, sizeof(l)) ;
      memcpy(c->index.s + k * sizeof(size_t), &pos, sizeof(size_t)) ;
      pos += 8 + l[0] + l[1] ;
    }
    c->index.len = c->nrecs * sizeof(size_t) ;
    sortctx = c ;
    qsort(c->index.s, c->nrecs, sizeof(size_t), &reccmp) ;
  }
  while (i--)
    if ((ip[i] == '.' || ip[i] == ':') && findrec(c, ip, i + 1, &data, &dlen)) break ;
  if (i == (size_t)-1) findrec(c, "", 0, &data, &dlen) ;
  return cdb_make_add(&c->cm, ip, len, data, dlen) == 0 ;
}

/* a carve-out needs mail delivered here within the life the history
   record was written with; the judgement's extra condition (older than
   the window) is for the judgement only */
int sgcdb_hashistory (sgstate *st, char const *ip, uint64_t now)
{
  sghistory h ;
  return st->historyfd >= 0 && sghistory_read(st->historyfd, ip, &h) > 0 && h.expires > now && h.count ;
}
