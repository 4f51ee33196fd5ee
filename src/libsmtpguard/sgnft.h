/* ISC license. */

#ifndef SMTPGUARD_SGNFT_H
#define SMTPGUARD_SGNFT_H

/* sgnft: the listings as a self-contained nftables file, for
   `nft -f FILE`: table inet smtpguard, replaced whole at each load
   (declare, delete, define: one transaction, nft 1.0.6 and later), sets
   listed4 and listed6 whose elements carry their remaining time as
   timeouts, and an input chain that resets TCP connections from them to
   the smtpd's port before any process sees them. */

#include <stddef.h>
#include <stdint.h>

#include <skalibs/stralloc.h>

typedef struct sgnft_s sgnft, *sgnft_ref ;
struct sgnft_s
{
  stralloc v4 ;   /* "ip timeout Ns,\n" elements */
  stralloc v6 ;
  size_t n4, n6 ;
  uint64_t now ;
} ;
#define SGNFT_ZERO { STRALLOC_ZERO, STRALLOC_ZERO, 0, 0, 0 }

/* starts a new set of elements for the clock now */
extern void sgnft_start (sgnft *, uint64_t now) ;
/* one unexpired listing, canonical IP; 1 ok, 0 out of memory */
extern int sgnft_add (sgnft *, char const *ip, uint64_t until) ;
/* writes fn atomically (fn.tmp.pid, fsync, rename); 1 ok, 0 error (errno) */
extern int sgnft_write (sgnft const *, char const *fn, unsigned int port) ;
extern void sgnft_free (sgnft *) ;

#endif
