/* ISC license. */

#ifndef SMTPGUARD_SGCDB_INTERNAL_H
#define SMTPGUARD_SGCDB_INTERNAL_H

/* between sgcdb_build.c and sgcdb_nets.c: the cdb being written */

#include <stddef.h>
#include <stdint.h>

#include <cdb.h>

#include <skalibs/stralloc.h>

#include "sgcdb.h"
#include "sgcdbnets.h"
#include "sgnet.h"
#include "sgnft.h"
#include "sgstate.h"

typedef struct sgcdbctx_s sgcdbctx, *sgcdbctx_ref ;
struct sgcdbctx_s
{
  stralloc recs ;    /* rules records: klen(4) dlen(4) key data, in order */
  stralloc exact ;   /* char[SGIP_MAX] canonical IPs the rules have keys for */
  stralloc index ;   /* size_t offsets into recs, sorted by key, first record first */
  size_t nrecs ;
  size_t nexact ;
  struct cdb_make cm ;
  char const *rbltext ;
  sgnft *nft ;         /* 0: no nftables file */
  uint64_t now ;
  sgcdbstats *stats ;
} ;

extern int sgcdbctx_exact (sgcdbctx *, char const *ip) ;  /* the admin has a rule for this IP */
extern int sgcdbctx_deny (sgcdbctx *, char const *key, size_t len) ;  /* 1 ok, 0 error */
extern int sgcdbctx_allow (sgcdbctx *, sgnet const *host) ;  /* a carve-out: what the admin's rules say */
extern int sgcdb_hashistory (sgstate *, char const *ip, uint64_t now) ;
extern int sgcdb_nets (sgcdbctx *, sgcdb_source *, void *, sgstate *, sgcdbnets const *) ;  /* 1 ok, 0 error */

#endif
