/* ISC license. */

#ifndef REFMODEL_H
#define REFMODEL_H

/* A reference model of the SMTP stream scanner, written separately from
   src/libsmtpguard/sgscan.c and on purpose the plain way: it sees the
   WHOLE client stream and the WHOLE server stream, splits them into
   lines and walks a few states. The fuzzer and the regression replayer
   check that the scanner, driven read by read, gives the same events.

   Timing matters in exactly one way: whether a client line had arrived
   when a server reply was scanned (a reply that finds no pending command
   is UNSOLICITED; a BDAT is read with the CHUNKING state of the moment;
   a credentials line is credentials only if it follows a 334). The
   caller gives that as segments: server bytes [previous send, send) were
   scanned while the first cavail client bytes had arrived. The scanner's
   driver is assumed to scan every client byte that can be classified
   as soon as it has arrived and again after every server reply. */

#include <stddef.h>
#include <stdint.h>
#include "sgpolicy.h"

typedef struct rm_ev_s rm_ev ;
struct rm_ev_s
{
  unsigned char type ;   /* SGEV_COMMAND, SGEV_REPLY, SGEV_BLIND, SGEV_LONGLINE, SGEV_VIOLATION */
  unsigned char cmd ;    /* SGCMD_* */
  unsigned short code ;  /* replies: the code; violations: SGV_* */
} ;

typedef struct rm_seg_s rm_seg ;
struct rm_seg_s
{
  size_t send ;    /* server bytes before this offset ... */
  size_t cavail ;  /* ... were scanned once this many client bytes had arrived */
} ;

typedef struct rm_result_s rm_result ;
struct rm_result_s
{
  rm_ev *ev ;
  size_t n ;
  size_t cap ;
  sgcounts counts ;  /* the model's own count, not sgpolicy's */
} ;

/* 0 on success, -1 if out of memory. Segments must be in increasing
   send order; server bytes past the last segment count as scanned with
   the whole client stream arrived. */
extern int refmodel_run (char const *c, size_t clen, char const *s, size_t slen,
                         rm_seg const *seg, size_t nseg, rm_result *out) ;
extern void rm_result_free (rm_result *) ;

/* 1 and the chunk size if line (CR already stripped) is exactly
   "BDAT" SP 1*DIGIT [SP "LAST"] (any case) with a size below 2^31;
   0 if it is a protocol violation. Exported for the unit tests */
extern int refmodel_bdat (char const *line, size_t len, uint64_t *size) ;

#endif
