/* ISC license. */

#ifndef SMTPGUARD_SGLOG_H
#define SMTPGUARD_SGLOG_H

/* One log line = one write(2) to fd 2, so that lines from concurrent
   processes never interleave; lines are cut at SGLOG_MAX. */

#include <stddef.h>
#include <stdint.h>

#include "sgpolicy.h"
#include "sgjudge.h"
#include "sgsession.h"
#include "sglisting.h"

#define SGLOG_MAX 2048

typedef struct sglog_s sglog, *sglog_ref ;
struct sglog_s
{
  size_t len ;
  char buf[SGLOG_MAX] ;
} ;

extern void sglog_start (sglog *, char const *prog, char const *level) ;
extern void sglog_puts (sglog *, char const *) ;
extern void sglog_putn (sglog *, char const *, size_t) ;
extern void sglog_escn (sglog *, char const *, size_t) ;
extern void sglog_u64 (sglog *, char const *key, uint64_t) ;
extern void sglog_kv (sglog *, char const *key, char const *val) ;
extern void sglog_kvn (sglog *, char const *key, char const *val, size_t) ;
extern void sglog_counts (sglog *, sgcounts const *) ;
extern void sglog_flush (sglog *) ;

/* the event lines (see doc/smtpguard.html) */
typedef struct sgsessionend_s sgsessionend, *sgsessionend_ref ;
struct sgsessionend_s
{
  char const *how ;   /* quit, client-eof, client-gone, server-eof, kick, signal, timeout */
  uint64_t in ;       /* bytes from the client */
  uint64_t out ;      /* bytes to the client */
  uint64_t ms ;
  int status ;        /* the exit code */
} ;
/* kick, wouldkick: the verdict's figures if v; list=yes|no if list >= 0 */
extern void sglog_kick (char const *prog, char const *what, char const *ip, unsigned int reason, sgcounts const *, sgverdict const *v, int list) ;
extern void sglog_word (char const *prog, char const *level, char const *what, char const *ip, char const *key, char const *val) ;
extern void sglog_session (char const *prog, char const *ip, sgsession const *, sgsessionend const *) ;

/* the log line of a listing event: "listed" or "refused" */
extern void sglog_listing (char const *prog, char const *what, char const *ip, sglisting const *) ;

#endif
