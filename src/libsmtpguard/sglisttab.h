/* ISC license. */

#ifndef SMTPGUARD_SGLISTTAB_H
#define SMTPGUARD_SGLISTTAB_H

/* sglisttab: the unexpired listings in memory, for smtpguard-cdb -w:
   one entry per IP (canonical text form) with its expiry, found by
   hash. About 64 bytes per IP; entries are never removed one by one (an
   unlisted IP gets until = 0), sglisttab_reset empties the table before
   a full rescan, which is what bounds it. */

#include <stddef.h>
#include <stdint.h>

#include "sgip.h"
#include "sglisting.h"

typedef struct sgltent_s sgltent ;
struct sgltent_s
{
  uint64_t until ;  /* 0: not listed any more */
  unsigned int reason ;  /* why (the datasets say it) */
  char ip[SGIP_MAX] ;
} ;

typedef struct sglisttab_s sglisttab, *sglisttab_ref ;
struct sglisttab_s
{
  sgltent *e ;
  size_t n ;
  size_t cap ;
  uint32_t *idx ;   /* entry index + 1, 0 = empty; a power of 2 slots */
  size_t islots ;
} ;
#define SGLISTTAB_ZERO { 0, 0, 0, 0, 0 }

/* sets the IP's expiry (0: not listed) and reason; 1 ok, 0 out of memory */
extern int sglisttab_set (sglisttab *, char const *ip, uint64_t until, unsigned int reason) ;
extern void sglisttab_reset (sglisttab *) ;
extern void sglisttab_free (sglisttab *) ;
/* calls f for each entry with until > 0 (ip, until and reason filled); 0 if f did */
extern int sglisttab_foreach (sglisttab const *, sglisting_func *f, void *ctx) ;

#endif
