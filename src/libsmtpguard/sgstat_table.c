/* ISC license. */

/* smtpguard-stat's tables: open addressing over a fixed number of slots
   (at least twice the cap, so probes stay short), never resized, so that
   a huge log costs at most cap entries. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sgstat.h"

int sgstattable_init (sgstattable *t, size_t cap)
{
  size_t slots = 16 ;
  while (slots < 2 * cap) slots <<= 1 ;
  t->e = calloc(slots, sizeof(sgstatent)) ;
  if (!t->e) return (errno = ENOMEM, 0) ;
  t->mask = slots - 1 ; t->n = 0 ; t->cap = cap ;
  return 1 ;
}

/* the entry for key, created if there is room; 0 if the table is full */
sgstatent *sgstattable_get (sgstattable *t, unsigned char const *key, int *isnew)
{
  uint32_t h = 2166136261u ;  /* FNV-1a */
  size_t i ;
  for (i = 0 ; i < 17 ; i++) h = (h ^ key[i]) * 16777619u ;
  for (i = h & t->mask ;; i = (i + 1) & t->mask)
  {
    sgstatent *e = t->e + i ;
    if (!e->key[0])
    {
      if (t->n >= t->cap) return 0 ;
      memcpy(e->key, key, 17) ;
      t->n++ ; *isnew = 1 ;
      return e ;
    }
    if (!memcmp(e->key, key, 17)) { *isnew = 0 ; return e ; }
  }
}

uint64_t sgstatent_bad (sgstatent const *e)
{
  /* with -v a kicked session has both lines: the larger is the truth;
     without -v only kick lines carry the count */
  return e->badsess > e->badkick ? e->badsess : e->badkick ;
}
