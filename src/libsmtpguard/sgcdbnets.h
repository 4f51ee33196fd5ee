/* ISC license. */

#ifndef SMTPGUARD_SGCDBNETS_H
#define SMTPGUARD_SGCDBNETS_H

/* sgcdbnets: what smtpguard-cdb adds to the cdb beyond one record per
   listed address: networks listed by prefix (-p) with carve-outs for
   addresses that delivered mail, a peer's listings (-i), and the same
   listings as rbldnsd datasets for other MX hosts (-z, -Z). Networks
   that tcpserver's textual prefixes cannot express (most IPv6 prefixes)
   go to statedir/nets.cdb, which smtpguard -d reads at connect. */

#include <stddef.h>
#include <stdint.h>

#include "sgnet.h"

typedef struct sgcdbimport_s sgcdbimport, *sgcdbimport_ref ;
struct sgcdbimport_s
{
  char const *name ;
  char const *s ;   /* the file's text */
  size_t len ;
} ;

typedef struct sgcdbnets_s sgcdbnets, *sgcdbnets_ref ;
struct sgcdbnets_s
{
  unsigned int prefixmin ;  /* -p: this many listed addresses list their network; 0: never */
  unsigned int prefix6 ;    /* -L: the IPv6 network's length (default 64) */
  char const *zone4 ;       /* -z */
  char const *zone6 ;       /* -Z */
  sgcdbimport const *imports ;  /* -i */
  size_t nimports ;
} ;
#define SGCDBNETS_ZERO { 0, 64, 0, 0, 0, 0 }

/* is anything beyond plain listings asked for? */
#define sgcdbnets_active(n) ((n) && ((n)->prefixmin || (n)->zone4 || (n)->zone6 || (n)->nimports))

/* nets.cdb keys: 'n' len ip[16] (masked) -> "D"; 'x' ip[16] -> "" (a
   carve-out); "lens" -> the distinct lengths, one byte each */
#define SGNETS_FILE "nets.cdb"

/* smtpguard's check at connect: 1 refused by a network listing, 0 not
   (no file, no match, or a carve-out), -1 error (errno) */
extern int sgnets_listed (int statedirfd, char const *canonicalip) ;

#endif
