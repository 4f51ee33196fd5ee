/* ISC license. */

#ifndef SMTPGUARD_SGCDB_H
#define SMTPGUARD_SGCDB_H

/* sgcdb: the rules cdb = rules.txt + unexpired listings; atomic. */

#include <stddef.h>
#include <stdint.h>

#include "sgnft.h"
#include "sgstate.h"
#include "sgcdbnets.h"

typedef struct sgcdbstats_s sgcdbstats, *sgcdbstats_ref ;
struct sgcdbstats_s
{
  size_t rules ;       /* records from the rules file */
  size_t listed ;      /* listing records written */
  size_t shadowed ;    /* listings skipped: the admin has a rule for that exact IP */
  unsigned int bad ;   /* garbage files in listed/ */
  uint64_t nextexpiry ;/* earliest until among the listings written, 0 if none */
  size_t imported ;    /* a peer's denials written (-i) */
  size_t badimport ;   /* lines of the peers' files not understood */
} ;

/* builds target from the rules text and the listings of st (may be 0):
   deny records, or allow with RBLSMTPD="<rbltext>" if rbltext is set
   (rblsmtpd: 451 with that text, 553 if it starts with '-').
   Temporary file <target>.tmp.<pid> in target's directory, fsync,
   rename, fsync of the directory; stale <target>.tmp.* are removed under
   the lock <target>.lock. 1 ok; 0 syntax error in the rules (*errline,
   *errwhat; target untouched); -1 system error (errno; target untouched). */
/* the same with the listings from any source: src(f, ctx, &bad) calls f
   for each listing (sgstate_foreach's contract); if nft is not null,
   every listing written to the cdb is also added to it; with nets (may
   be 0), networks, imports and datasets, for which st (may be 0) gives
   the delivered-mail history and receives nets.cdb */
typedef int sgcdb_source (void *src, sglisting_func *f, void *ctx, unsigned int *bad) ;
extern int sgcdb_build_from (char const *target, char const *rules, size_t ruleslen, sgcdb_source *, void *src, sgnft *nft, sgcdbnets const *nets, sgstate *st, char const *rbltext, uint64_t now, sgcdbstats *stats, size_t *errline, char const **errwhat) ;
extern int sgcdb_build (char const *target, char const *rules, size_t ruleslen, sgstate *st, char const *rbltext, uint64_t now, sgcdbstats *stats, size_t *errline, char const **errwhat) ;

#endif
