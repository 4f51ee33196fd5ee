/* ISC license. */

/* smtpguard-cdb's networks: listings grouped by prefix (-p), a peer's
   listings (-i), carve-outs, the rbldnsd datasets (-z, -Z) and
   statedir/nets.cdb. Everything is collected in memory first, because a
   network's record depends on all of its members. The order of the
   records matters: tcpserver takes the first record of a key, so the
   admin's rules come first (sgcdb_build), then the carve-outs, then the
   denials. */

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cdb.h>

#include <skalibs/stralloc.h>
#include <skalibs/genalloc.h>

#include "sgcdb.h"
#include "sgcdbnets.h"
#include "sgcdb_internal.h"
#include "sgimport.h"
#include "sgip.h"
#include "sglisting.h"
#include "sgnet.h"
#include "sgpolicy.h"
#include "sgstate.h"
#include "sgzone.h"

typedef struct ent_s ent ;
struct ent_s
{
  sgnet net ;
  uint64_t until ;     /* 0: none */
  uint32_t count ;     /* addresses behind a prefix listing */
  unsigned char reason ;
  unsigned char local ;  /* ours (datasets), not a peer's */
  unsigned char excluded ;
} ;

static int netcmp (sgnet const *a, sgnet const *b)
{
  int r = (int)a->family - (int)b->family ;
  if (!r) r = memcmp(a->ip, b->ip, 16) ;
  if (!r) r = (int)a->len - (int)b->len ;
  return r ;
}

static int entcmp (void const *a, void const *b)
{
  return netcmp(&((ent const *)a)->net, &((ent const *)b)->net) ;
}

static int u64desc (void const *a, void const *b)
{
  uint64_t x = *(uint64_t const *)a, y = *(uint64_t const *)b ;
  return x < y ? 1 : x > y ? -1 : 0 ;
}

typedef struct nctx_s nctx ;
struct nctx_s
{
  sgcdbctx *c ;
  sgcdbnets const *conf ;
  genalloc listed ;   /* ent: unexpired listings, hosts */
  genalloc deny ;     /* ent: what the cdb denies */
  genalloc carve ;    /* sgnet: hosts let through a denied network */
  genalloc history ;  /* sgnet: hosts that delivered mail */
  genalloc nets ;     /* ent: denials tcpserver cannot express */
  size_t badimport ;
} ;

static int addlisted (sglisting const *l, void *p)
{
  nctx *n = p ;
  ent e ;
  memset(&e, 0, sizeof(e)) ;
  if (l->until <= n->c->now) return 1 ;
  if (sgcdbctx_exact(n->c, l->ip)) { n->c->stats->shadowed++ ; return 1 ; }
  if (!sgnet_from_ip(&e.net, l->ip)) return 1 ;
  e.until = l->until ;
  e.count = 1 ;
  e.reason = l->reason ;
  e.local = 1 ;
  return genalloc_append(ent, &n->listed, &e) ;
}

static int addimport (sgnet const *net, int excluded, uint64_t until, void *p)
{
  nctx *n = p ;
  ent e ;
  memset(&e, 0, sizeof(e)) ;
  e.net = *net ;
  e.until = until ;
  e.excluded = excluded ;
  e.reason = SGR_LISTED ;
  if (excluded)
  {
    /* a peer's carve-out: only a host can be let through by one record */
    if (net->len != (net->family == 4 ? 32 : 128)) return 1 ;
    return genalloc_append(sgnet, &n->carve, &e.net) ;
  }
  return genalloc_append(ent, &n->deny, &e) ;
}

/* the hosts with delivered mail: statedir/history/<ip> */
static int gethistory (nctx *n, sgstate *st)
{
  DIR *d ;
  int fd = openat(st->dirfd, "history", O_RDONLY | O_DIRECTORY | O_CLOEXEC) ;
  if (fd == -1) return errno == ENOENT ;
  d = fdopendir(fd) ;
  if (!d) { close(fd) ; return 0 ; }
  for (;;)
  {
    struct dirent *de = readdir(d) ;
    char cip[SGIP_MAX] ;
    sgnet h ;
    if (!de) break ;
    if (de->d_name[0] == '.' || !sgip_canon(cip, de->d_name) || strcmp(cip, de->d_name)) continue ;
    if (!sgcdb_hashistory(st, cip, n->c->now)) continue ;
    if (!sgnet_from_ip(&h, cip)) continue ;
    if (!genalloc_append(sgnet, &n->history, &h)) { closedir(d) ; return 0 ; }
  }
  closedir(d) ;
  return 1 ;
}

/* the listed hosts, sorted, become prefix listings where -p says so */
static int group (nctx *n)
{
  ent *l = genalloc_s(ent, &n->listed) ;
  size_t len = genalloc_len(ent, &n->listed), i = 0 ;
  uint64_t *untils = 0 ;
  int ok = 1 ;
  if (len) qsort(l, len, sizeof(ent), &entcmp) ;
  if (n->conf->prefixmin) untils = malloc(sizeof(uint64_t) * (len ? len : 1)) ;
  if (n->conf->prefixmin && !untils) return 0 ;
  while (ok && i < len)
  {
    sgnet net = l[i].net ;
    size_t j = i + 1 ;
    net.len = net.family == 4 ? 24 : n->conf->prefix6 ;
    sgnet_mask(&net) ;
    while (j < len && sgnet_contains(&net, &l[j].net)) j++ ;
    if (n->conf->prefixmin && j - i >= n->conf->prefixmin)
    {
      ent e ;
      size_t k = i ;
      memset(&e, 0, sizeof(e)) ;
      for (; k < j ; k++) untils[k - i] = l[k].until ;
      qsort(untils, j - i, sizeof(uint64_t), &u64desc) ;
      e.net = net ;
      e.until = untils[n->conf->prefixmin - 1] ;  /* while that many are still listed */
      e.count = j - i ;
      e.reason = SGR_LISTED ;
      e.local = 1 ;
      ok = genalloc_append(ent, &n->deny, &e) ;
    }
    else for (; ok && i < j ; i++) ok = genalloc_append(ent, &n->deny, &l[i]) ;
    i = j ;
  }
  free(untils) ;
  return ok ;
}

/* carve-outs: hosts with delivered mail, and a peer's exclusions, that
   sit inside a denied network and are not denied by name */
static int keepcarve (nctx *n, sgnet const *h)
{
  ent const *d = genalloc_s(ent, &n->deny) ;
  size_t nd = genalloc_len(ent, &n->deny), k = 0 ;
  int inside = 0 ;
  for (; k < nd ; k++)
  {
    if (!sgnet_contains(&d[k].net, h)) continue ;
    if (d[k].net.len == h->len) return 0 ;
    inside = 1 ;
  }
  return inside ;
}

static int carveouts (nctx *n)
{
  genalloc keep = GENALLOC_ZERO ;
  sgnet const *h = genalloc_s(sgnet, &n->history) ;
  sgnet const *x = genalloc_s(sgnet, &n->carve) ;
  size_t i = 0 ;
  for (; i < genalloc_len(sgnet, &n->history) ; i++)
    if (keepcarve(n, &h[i]) && !genalloc_append(sgnet, &keep, &h[i])) goto err ;
  for (i = 0 ; i < genalloc_len(sgnet, &n->carve) ; i++)
    if (keepcarve(n, &x[i]) && !genalloc_append(sgnet, &keep, &x[i])) goto err ;
  genalloc_free(sgnet, &n->carve) ;
  n->carve = keep ;
  return 1 ;
 err:
  genalloc_free(sgnet, &keep) ;
  return 0 ;
}

static int addkey (char const *key, size_t len, void *p)
{
  nctx *n = p ;
  return sgcdbctx_deny(n->c, key, len) ;
}

static int writecdb (nctx *n)
{
  sgnet *cv = genalloc_s(sgnet, &n->carve) ;
  ent *d = genalloc_s(ent, &n->deny) ;
  size_t i = 0 ;
  for (; i < genalloc_len(sgnet, &n->carve) ; i++)
    if (!sgcdbctx_allow(n->c, &cv[i])) return 0 ;
  for (i = 0 ; i < genalloc_len(ent, &n->deny) ; i++)
  {
    int r = sgnet_keys(&d[i].net, &addkey, n) ;
    if (r < 0) return 0 ;
    if (!r && !genalloc_append(ent, &n->nets, &d[i])) return 0 ;
    if (d[i].local && d[i].count == 1 && n->c->nft)
    {
      char ip[SGNET_FMTMAX] ;
      sgnet_fmt(ip, &d[i].net) ;
      if (!sgnft_add(n->c->nft, ip, d[i].until)) return 0 ;
    }
    if (d[i].local) n->c->stats->listed += d[i].count ;
    else n->c->stats->imported++ ;
    if (d[i].until && (!n->c->stats->nextexpiry || d[i].until < n->c->stats->nextexpiry))
      n->c->stats->nextexpiry = d[i].until ;
  }
  return 1 ;
}

static int writezone (nctx *n, char const *path, unsigned int family)
{
  sgzone z ;
  ent *d = genalloc_s(ent, &n->deny) ;
  sgnet *cv = genalloc_s(sgnet, &n->carve) ;
  size_t i = 0 ;
  if (!sgzone_start(&z, path, family, n->c->now)) return 0 ;
  for (; i < genalloc_len(ent, &n->deny) ; i++)
  {
    char what[32] ;
    if (!d[i].local) continue ;
    if (d[i].count > 1) snprintf(what, sizeof(what), "%u addresses", (unsigned int)d[i].count) ;
    else snprintf(what, sizeof(what), "%s", sgreason_name(d[i].reason)) ;
    if (!sgzone_add(&z, &d[i].net, what, d[i].until)) goto err ;
  }
  for (i = 0 ; i < genalloc_len(sgnet, &n->carve) ; i++)
    if (!sgzone_exclude(&z, &cv[i])) goto err ;
  return sgzone_finish(&z) ;
 err:
  sgzone_abort(&z) ;
  return 0 ;
}

/* statedir/nets.cdb: what tcpserver cannot refuse, smtpguard does */
static int writenets (nctx *n, sgstate *st)
{
  struct cdb_make cm ;
  ent *e = genalloc_s(ent, &n->nets) ;
  size_t ne = genalloc_len(ent, &n->nets), i = 0 ;
  sgnet *cv = genalloc_s(sgnet, &n->carve) ;
  char lens[129] ;
  size_t nlens = 0 ;
  char tmp[32] ;
  int fd ;
  if (!ne)
  {
    if (unlinkat(st->dirfd, SGNETS_FILE, 0) == -1 && errno != ENOENT) return 0 ;
    return 1 ;
  }
  snprintf(tmp, sizeof(tmp), "%s.tmp.%u", SGNETS_FILE, (unsigned int)getpid()) ;
  fd = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644) ;
  if (fd == -1) return 0 ;
  sgstate_own(st->dirfd, fd, tmp) ;  /* like all in the statedir: its owner's */
  if (cdb_make_start(&cm, fd) < 0) goto err ;
  for (; i < ne ; i++)
  {
    char key[18] ;
    size_t k = 0 ;
    /* an IPv4 network is keyed as its IPv4-mapped IPv6 one */
    sgnet m = e[i].net ;
    if (m.family == 4) { memmove(m.ip + 12, m.ip, 4) ; memset(m.ip, 0, 10) ; m.ip[10] = m.ip[11] = 0xff ; m.len += 96 ; }
    key[0] = 'n' ; key[1] = m.len ;
    memcpy(key + 2, m.ip, 16) ;
    if (cdb_make_add(&cm, key, 18, "D", 1) < 0) goto errm ;
    for (; k < nlens ; k++) if ((unsigned char)lens[k] == m.len) break ;
    if (k == nlens) lens[nlens++] = m.len ;
  }
  for (i = 0 ; i < genalloc_len(sgnet, &n->carve) ; i++)
  {
    char key[17] ;
    sgnet m = cv[i] ;
    if (m.family == 4) { memmove(m.ip + 12, m.ip, 4) ; memset(m.ip, 0, 10) ; m.ip[10] = m.ip[11] = 0xff ; }
    key[0] = 'x' ;
    memcpy(key + 1, m.ip, 16) ;
    if (cdb_make_add(&cm, key, 17, "", 0) < 0) goto errm ;
  }
  if (cdb_make_add(&cm, "lens", 4, lens, nlens) < 0) goto errm ;
  if (cdb_make_finish(&cm) < 0 || fsync(fd) == -1) goto err ;
  if (close(fd) == -1) { fd = -1 ; goto err ; }
  fd = -1 ;
  if (renameat(st->dirfd, tmp, st->dirfd, SGNETS_FILE) == -1) goto err ;
  fsync(st->dirfd) ;
  return 1 ;
 errm:
  cdb_make_finish(&cm) ;
 err:
  {
    int e2 = errno ;
    if (fd >= 0) close(fd) ;
    unlinkat(st->dirfd, tmp, 0) ;
    errno = e2 ;
  }
  return 0 ;
}

int sgcdb_nets (sgcdbctx *c, sgcdb_source *src, void *srcp, sgstate *st, sgcdbnets const *conf)
{
  nctx n = { .c = c, .conf = conf, .listed = GENALLOC_ZERO, .deny = GENALLOC_ZERO, .carve = GENALLOC_ZERO, .history = GENALLOC_ZERO, .nets = GENALLOC_ZERO, .badimport = 0 } ;
  size_t i = 0 ;
  int ok = 0 ;
  if (src && !(*src)(srcp, &addlisted, &n, &c->stats->bad)) goto end ;
  if (!group(&n)) goto end ;
  for (; i < conf->nimports ; i++)
  {
    size_t bad = 0 ;
    if (!sgimport_parse(conf->imports[i].s, conf->imports[i].len, c->now, &addimport, &n, &bad)) goto end ;
    c->stats->badimport += bad ;
  }
  if (st && !gethistory(&n, st)) goto end ;
  if (!carveouts(&n)) goto end ;
  if (!writecdb(&n)) goto end ;
  if (conf->zone4 && !writezone(&n, conf->zone4, 4)) goto end ;
  if (conf->zone6 && !writezone(&n, conf->zone6, 6)) goto end ;
  if (st && !writenets(&n, st)) goto end ;
  ok = 1 ;
 end:
  {
    int e = errno ;
    genalloc_free(ent, &n.listed) ;
    genalloc_free(ent, &n.deny) ;
    genalloc_free(sgnet, &n.carve) ;
    genalloc_free(sgnet, &n.history) ;
    genalloc_free(ent, &n.nets) ;
    errno = e ;
  }
  return ok ;
}
