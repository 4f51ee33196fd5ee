/* ISC license. */

#include <stdlib.h>
#include <string.h>

#include "sglisttab.h"

static uint32_t hash (char const *s)
{
  uint32_t h = 2166136261u ;  /* FNV-1a */
  for (; *s ; s++) h = (h ^ (unsigned char)*s) * 16777619u ;
  return h ;
}

/* the IP's slot, or the empty one where it would go (linear probing) */
static size_t slot (sglisttab const *t, char const *ip)
{
  size_t mask = t->islots - 1, i = hash(ip) & mask ;
  while (t->idx[i] && strcmp(t->e[t->idx[i] - 1].ip, ip)) i = (i + 1) & mask ;
  return i ;
}

static int grow_index (sglisttab *t)
{
  size_t ns = t->islots ? t->islots * 2 : 1024, i ;
  uint32_t *idx = calloc(ns, sizeof(uint32_t)) ;
  if (!idx) return 0 ;
  free(t->idx) ;
  t->idx = idx ;
  t->islots = ns ;
  for (i = 0 ; i < t->n ; i++)
  {
    t->idx[slot(t, t->e[i].ip)] = i + 1 ;
  }
  return 1 ;
}

int sglisttab_set (sglisttab *t, char const *ip, uint64_t until, unsigned int reason)
{
  size_t len = strlen(ip) ;
  if (len >= SGIP_MAX) return 1 ;  /* not an IP: never listed */
  if (t->islots)
  {
    size_t p = slot(t, ip) ;
    if (t->idx[p]) { t->e[t->idx[p] - 1].until = until ; t->e[t->idx[p] - 1].reason = reason ; return 1 ; }
  }
  if (!until) return 1 ;
  if (t->n >= UINT32_MAX - 1) return 0 ;
  if ((t->n + 1) * 2 > t->islots && !grow_index(t)) return 0 ;
  if (t->n == t->cap)
  {
    size_t nc = t->cap ? t->cap * 2 : 1024 ;
    sgltent *e = realloc(t->e, nc * sizeof(sgltent)) ;
    if (!e) return 0 ;
    t->e = e ; t->cap = nc ;
  }
  memcpy(t->e[t->n].ip, ip, len + 1) ;
  t->e[t->n].until = until ;
  t->e[t->n].reason = reason ;
  t->idx[slot(t, ip)] = ++t->n ;
  return 1 ;
}

void sglisttab_reset (sglisttab *t)
{
  t->n = 0 ;
  if (t->idx) memset(t->idx, 0, t->islots * sizeof(uint32_t)) ;
}

void sglisttab_free (sglisttab *t)
{
  free(t->e) ; free(t->idx) ;
  memset(t, 0, sizeof(*t)) ;
}

int sglisttab_foreach (sglisttab const *t, sglisting_func *f, void *ctx)
{
  size_t i = 0 ;
  sglisting l ;
  memset(&l, 0, sizeof(l)) ;
  for (; i < t->n ; i++)
  {
    if (!t->e[i].until) continue ;
    memcpy(l.ip, t->e[i].ip, SGIP_MAX) ;
    l.until = t->e[i].until ;
    l.reason = t->e[i].reason ;
    if (!(*f)(&l, ctx)) return 0 ;
  }
  return 1 ;
}
