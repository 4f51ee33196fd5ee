/* ISC license. */

#ifndef SMTPGUARD_SGLISTING_H
#define SMTPGUARD_SGLISTING_H

/* sglisting: one listing, statedir/listed/<ip> (see sgstate.h and
   doc/statedir.html). The file functions are internal to sgstate. */

#include <stddef.h>
#include <stdint.h>

#include "sgip.h"

typedef struct sglisting_s sglisting, *sglisting_ref ;
struct sglisting_s
{
  char ip[SGIP_MAX] ;
  unsigned int reason ;  /* enum sgreason_e */
  uint64_t since ;
  uint64_t until ;
  uint32_t strikes ;     /* how many times it has been listed */
} ;

/* called by sgstate_foreach for each listing; 0 stops it */
typedef int sglisting_func (sglisting const *, void *) ;

/* internal: listing files */
extern int sglisting_read (int listedfd, char const *ip, sglisting *) ;  /* 1, 0 none, -1 error/garbage (EINVAL) */
extern int sglisting_write (int listedfd, sglisting const *) ;  /* durable; 1 ok, 0 error */
extern int sglisting_parse (sglisting *, char const *s, size_t len) ;  /* 1 ok, 0 garbage */

#endif
