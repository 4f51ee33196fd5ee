/* ISC license. */

#ifndef SMTPGUARD_SGZONE_H
#define SMTPGUARD_SGZONE_H

/* sgzone: the listings as an rbldnsd dataset (ip4trie for IPv4, ip6trie
   for IPv6), for other MX hosts to query with rblsmtpd -r or to import
   with smtpguard-cdb -i. One line per listing:
     1.2.3.4 :127.0.0.2:listed by smtpguard (badrcpt) until 2026-11-29T10:00:00Z
   a network listing by prefix, and its carve-outs:
     1.2.3.0/24 :127.0.0.2:listed by smtpguard (5 addresses) until ...
     !1.2.3.7
   Written whole: <path>.tmp.<pid> beside it, fsync, rename. */

#include <stdint.h>

#include <skalibs/stralloc.h>

#include "sgnet.h"

typedef struct sgzone_s sgzone, *sgzone_ref ;
struct sgzone_s
{
  char const *path ;
  unsigned char family ;
  stralloc sa ;  /* the whole text, written at once by sgzone_finish */
} ;

/* 1 ok, 0 error (errno); path's directory must exist */
extern int sgzone_start (sgzone *, char const *path, unsigned int family, uint64_t now) ;
/* what: the reason, or "N addresses" for a prefix; 1 ok, 0 error */
extern int sgzone_add (sgzone *, sgnet const *, char const *what, uint64_t until) ;
extern int sgzone_exclude (sgzone *, sgnet const *) ;
extern int sgzone_finish (sgzone *) ;  /* durable and renamed; 1 ok, 0 error */
extern void sgzone_abort (sgzone *) ;

#endif
